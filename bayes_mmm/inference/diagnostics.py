"""Convergence diagnostics with plain-language advice: R-hat, ESS (ArviZ), divergences, tree depth,
energy BFMI."""

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
        r = (
            _flatten(name, rhat[name])
            if rhat is not None
            else [(k, np.nan) for k, _ in _flatten(name, bulk[name])]
        )
        b = dict(_flatten(name, bulk[name]))
        t = dict(_flatten(name, tail[name]))
        for key, value in r:
            if np.isnan(b[key]) and np.isnan(value):
                continue  # constant quantity (e.g. a fixed zero)
            rows.append({"parameter": key, "r_hat": value, "ess_bulk": b[key], "ess_tail": t[key]})
    return pd.DataFrame(rows)


def sampler_problems(tree: xr.DataTree) -> dict[str, float]:
    """Divergences, tree-depth hits and energy BFMI per chain (NaN when the sampler kept no energy).

    BFMI (Betancourt 2016) of a chain is ``mean(diff(E)**2) / var(E)`` over its energies ``E``;
    the estimator of ``arviz.bfmi`` (sample variance). Both nutpie and PyMC record ``energy``.
    """
    stats = tree["sample_stats"].to_dataset() if "sample_stats" in tree.children else xr.Dataset()
    out = {"divergences": int(stats["diverging"].sum()) if "diverging" in stats else 0}
    depth_key = "maxdepth_reached" if "maxdepth_reached" in stats else "reached_max_treedepth"
    out["max_treedepth_hits"] = int(stats[depth_key].sum()) if depth_key in stats else 0
    out["bfmi"] = bfmi(stats["energy"].values) if "energy" in stats else []
    finite = [b for b in out["bfmi"] if np.isfinite(b)]
    out["min_bfmi"] = float(min(finite)) if finite else float("nan")
    return out


def bfmi(energy: np.ndarray) -> list[float]:
    """Energy BFMI of each chain of a ``(chain, draw)`` array; NaN for a chain with constant
    energy."""
    energy = np.atleast_2d(np.asarray(energy, dtype=float))
    out = []
    for chain in energy:
        chain = chain[np.isfinite(chain)]
        var = np.var(chain, ddof=1) if chain.size > 1 else 0.0
        out.append(float(np.mean(np.square(np.diff(chain))) / var) if var > 0 else float("nan"))
    return out


# One piece of advice per kind of problem; the table rows and the summary notes share them.
ADVICE = {
    "divergences": (
        "Raise target_accept (e.g. 0.95-0.99), tighten weakly identified priors (saturation "
        "half-point, adstock decay) or drop a channel with little spend variation."
    ),
    "r_hat": (
        "Chains disagree: run more tuning and draws (tune=2000, draws=2000) or use a stronger "
        "prior on this parameter."
    ),
    "ess": (
        "Too few effective draws, so intervals are noisy: draw more samples (draws=2000) or "
        "more chains."
    ),
    "bfmi": (
        "Heavy-tailed or funnel geometry: reparametrise (with few regions try pooling='none' or "
        "'full') or tighten the priors on scale parameters; then run more tuning."
    ),
    "treedepth": (
        "Sampling is slow because parameters are correlated (beta vs half-saturation): "
        "consider an ROI prior or a stronger saturation prior."
    ),
    "prior_dominated": (
        "The data says little about this channel: report the prior, add a lift test, or drop it."
    ),
}


def _short(names: list[str]) -> str:
    return f"{names[:5]}{'...' if len(names) > 5 else ''}"


def advice(table: pd.DataFrame, problems: dict, prior_dominated: list[str] = ()) -> list[str]:
    """Concrete advice for each kind of problem found (empty when the fit looks healthy)."""
    notes = []
    if problems.get("divergences", 0) > 0:
        notes.append(
            f"{problems['divergences']} divergent transitions: the posterior has regions NUTS "
            f"cannot explore. {ADVICE['divergences']}"
        )
    bad_rhat = table.loc[table["r_hat"] > RHAT_MAX, "parameter"].tolist() if len(table) else []
    if bad_rhat:
        notes.append(f"R-hat > {RHAT_MAX} for {_short(bad_rhat)}. {ADVICE['r_hat']}")
    low_ess = (
        table.loc[table[["ess_bulk", "ess_tail"]].min(axis=1) < ESS_MIN, "parameter"].tolist()
        if len(table)
        else []
    )
    if low_ess:
        notes.append(f"ESS < {ESS_MIN} for {_short(low_ess)}. {ADVICE['ess']}")
    if problems.get("min_bfmi", np.nan) < BFMI_MIN:
        notes.append(f"Low energy BFMI ({problems['min_bfmi']:.2f} < {BFMI_MIN}). {ADVICE['bfmi']}")
    if problems.get("max_treedepth_hits", 0) > 0:
        notes.append(
            f"{problems['max_treedepth_hits']} draws hit the maximum tree depth. "
            f"{ADVICE['treedepth']}"
        )
    for channel in prior_dominated:
        notes.append(
            f"Channel '{channel}' is prior-dominated: its posterior ROI interval is nearly as wide "
            f"as its prior's. {ADVICE['prior_dominated']}"
        )
    return notes


def problem_table(
    table: pd.DataFrame, problems: dict, prior_dominated: list[str] = ()
) -> pd.DataFrame:
    """``table`` plus ``problem`` and ``advice`` columns, and one row per sampler-level problem.

    Parameter rows are flagged for R-hat and ESS; extra rows ``sampler`` (divergences, BFMI per
    chain, tree depth) and ``roi[<channel>]`` (prior-dominated) carry their own advice.
    """
    table = table.copy()
    for column in ("problem", "advice"):
        table[column] = pd.Series("", index=table.index, dtype=object)
    if len(table):
        flags = {
            "r_hat": table["r_hat"] > RHAT_MAX,
            "ess": table[["ess_bulk", "ess_tail"]].min(axis=1) < ESS_MIN,
        }
        labels = {"r_hat": f"r_hat > {RHAT_MAX}", "ess": f"ess < {ESS_MIN}"}
        for kind, mask in flags.items():
            for column, text in (("problem", labels[kind]), ("advice", ADVICE[kind])):
                table.loc[mask, column] = (table.loc[mask, column] + "; " + text).str.strip("; ")
    extra = []
    if problems.get("divergences", 0) > 0:
        extra.append(
            {
                "parameter": "sampler",
                "problem": f"{problems['divergences']} divergences",
                "advice": ADVICE["divergences"],
            }
        )
    for chain, value in enumerate(problems.get("bfmi", [])):
        if value < BFMI_MIN:
            extra.append(
                {
                    "parameter": "sampler",
                    "problem": f"BFMI {value:.2f} < {BFMI_MIN} in chain {chain}",
                    "advice": ADVICE["bfmi"],
                }
            )
    if problems.get("max_treedepth_hits", 0) > 0:
        extra.append(
            {
                "parameter": "sampler",
                "problem": f"{problems['max_treedepth_hits']} max tree depth hits",
                "advice": ADVICE["treedepth"],
            }
        )
    extra += [
        {
            "parameter": f"roi[{ch}]",
            "problem": "prior-dominated",
            "advice": ADVICE["prior_dominated"],
        }
        for ch in prior_dominated
    ]
    if extra:
        table = (
            pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
            if len(table)
            else pd.DataFrame(extra)
        )
    return table
