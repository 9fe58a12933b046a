"""Convergence diagnostics with plain-language advice (R-hat, ESS, divergences, BFMI via ArviZ)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

RHAT_MAX = 1.01
ESS_MIN = 400
BFMI_MIN = 0.3

# Free parameters and the quantities users read; internal z-scores are left out of the table.
SKIP_PREFIXES = ("geo_effect_z",)


def _flatten(name: str, da: xr.DataArray) -> list[tuple[str, float]]:
    if da.ndim == 0:
        return [(name, float(da))]
    stacked = da.stack(flat=da.dims)
    labels = ["|".join(str(v) for v in np.atleast_1d(idx)) for idx in stacked["flat"].values]
    return [(f"{name}[{label}]", float(v)) for label, v in zip(labels, stacked.values)]


def parameter_table(tree: xr.DataTree) -> pd.DataFrame:
    """One row per scalar parameter: r_hat, ess_bulk, ess_tail."""
    import arviz as az

    post = tree["posterior"].to_dataset()
    names = [n for n in post.data_vars if not n.startswith(SKIP_PREFIXES)]
    sub = post[names]
    rhat = az.rhat(sub) if post.sizes.get("chain", 1) > 1 else None
    bulk = az.ess(sub, method="bulk")
    tail = az.ess(sub, method="tail")
    rows = []
    for name in names:
        r = _flatten(name, rhat[name]) if rhat is not None else [(k, np.nan) for k, _ in _flatten(name, bulk[name])]
        b = dict(_flatten(name, bulk[name]))
        t = dict(_flatten(name, tail[name]))
        for key, value in r:
            if np.isnan(b[key]) and np.isnan(value):
                continue  # constant quantity (e.g. a fixed zero)
            rows.append({"parameter": key, "r_hat": value, "ess_bulk": b[key], "ess_tail": t[key]})
    return pd.DataFrame(rows)


def sampler_problems(tree: xr.DataTree) -> dict[str, float]:
    """Divergences, tree-depth hits and the lowest chain BFMI."""
    stats = tree["sample_stats"].to_dataset()
    out = {"divergences": int(stats["diverging"].sum()) if "diverging" in stats else 0}
    depth_key = "maxdepth_reached" if "maxdepth_reached" in stats else "reached_max_treedepth"
    out["max_treedepth_hits"] = int(stats[depth_key].sum()) if depth_key in stats else 0
    if "energy" in stats:
        energy = stats["energy"].values
        bfmi = np.square(np.diff(energy, axis=1)).mean(axis=1) / np.var(energy, axis=1)
        out["min_bfmi"] = float(np.min(bfmi))
    else:
        out["min_bfmi"] = float("nan")
    return out


def advice(table: pd.DataFrame, problems: dict, prior_dominated: list[str] = ()) -> list[str]:
    """Concrete advice for each problem found (empty when the fit looks healthy)."""
    notes = []
    if problems["divergences"] > 0:
        notes.append(f"{problems['divergences']} divergent transitions: the posterior has regions NUTS cannot "
                     "explore. Raise target_accept (e.g. 0.95-0.99), tighten weakly identified priors "
                     "(saturation half-point, adstock decay) or drop a channel with little spend variation.")
    bad_rhat = table.loc[table["r_hat"] > RHAT_MAX, "parameter"].tolist() if len(table) else []
    if bad_rhat:
        notes.append(f"R-hat > {RHAT_MAX} for {bad_rhat[:5]}{'...' if len(bad_rhat) > 5 else ''}: chains disagree. "
                     "Run more tuning and draws (tune=2000), or use stronger priors on these parameters.")
    low_ess = table.loc[table[["ess_bulk", "ess_tail"]].min(axis=1) < ESS_MIN, "parameter"].tolist() if len(table) else []
    if low_ess:
        notes.append(f"ESS < {ESS_MIN} for {low_ess[:5]}{'...' if len(low_ess) > 5 else ''}: intervals are noisy. "
                     "Draw more samples (draws=2000) or more chains.")
    if problems.get("min_bfmi", np.nan) < BFMI_MIN:
        notes.append(f"Low energy BFMI ({problems['min_bfmi']:.2f} < {BFMI_MIN}): heavy-tailed or funnel geometry. "
                     "Reparametrise (partial pooling with few regions: try pooling='none' or 'full') or "
                     "tighten the priors on scale parameters.")
    if problems.get("max_treedepth_hits", 0) > 0:
        notes.append(f"{problems['max_treedepth_hits']} draws hit the maximum tree depth: sampling is slow. "
                     "Correlated parameters (beta vs half-saturation) - consider an ROI prior.")
    for channel in prior_dominated:
        notes.append(f"Channel '{channel}' is prior-dominated: its posterior ROI interval is nearly as wide as its "
                     "prior's, so the data says little about it. Report the prior, add a lift test, or drop it.")
    return notes
