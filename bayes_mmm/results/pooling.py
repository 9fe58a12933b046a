"""Regional models: pooling comparison with LOO and the shrinkage view.

Partial pooling draws each region's channel effect around the national one in non-centred form,
``beta_gc = beta_c x exp(tau_c z_gc - tau_c^2 / 2)`` (mean-one multipliers, ``tau_c`` the
between-region spread); ``pooling="none"`` gives every region its own prior and ``"full"`` one
effect for all. These helpers compare the choices and show how much each region is pulled toward
the national estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import SpecError, message
from bayes_mmm.model.spec import POOLINGS


def compare_pooling(spec, data, poolings=POOLINGS, **fit_kwargs) -> tuple[pd.DataFrame, dict]:
    """Fit ``spec`` with each pooling choice and rank them by PSIS-LOO (ArviZ) in one call.

    Returns ``(comparison table, {pooling: fit})``; the table is ``arviz.compare``'s (elpd_loo,
    p_loo, elpd_diff, weight, ...), best first. ``fit_kwargs`` go to :meth:`MMM.fit`.
    """
    if not data.is_geo:
        raise SpecError(
            message(
                "data",
                "regional data (MMMData.from_frame(..., geo=...))",
                "national data",
                "Pooling only matters with several regions.",
            )
        )
    unknown = [p for p in poolings if p not in POOLINGS]
    if unknown:
        raise SpecError(message("poolings", f"a subset of {POOLINGS}", unknown))
    fits = {p: spec.with_(pooling=p).fit(data, log_likelihood=True, **fit_kwargs) for p in poolings}
    return compare_fits(fits), fits


def compare_fits(fits: dict) -> pd.DataFrame:
    """PSIS-LOO comparison (``arviz.compare``) of fits made with ``log_likelihood=True``."""
    import arviz as az

    missing = [name for name, f in fits.items() if "log_likelihood" not in f.tree.children]
    if missing:
        raise SpecError(
            message(
                f"fits {missing}",
                "fits made with fit(..., log_likelihood=True)",
                "no log_likelihood group",
            )
        )
    # round_to="none": raw numbers (ArviZ rounds weights to ~2 significant digits otherwise)
    return pd.DataFrame(az.compare({name: f.tree for name, f in fits.items()}, round_to="none"))


def shrinkage(partial_fit, unpooled_fit, level: float = 0.9) -> pd.DataFrame:
    """Regional ROI under partial vs no pooling, and how far each region moved toward the national.

    ``pull = (unpooled - partial) / (unpooled - national)``: 0 = not pulled, 1 = pulled all the way
    to the national estimate (the partial-pooling national ROI). Also the interval widths.
    """
    part = partial_fit.roi(level=level, by_geo=True)
    none = unpooled_fit.roi(level=level, by_geo=True)
    national = part[part["geo"] == "national"].set_index("channel")["mean"]
    keys = ["channel", "geo"]
    cols = ["mean", "lower", "upper"]
    table = part[part["geo"] != "national"][keys + cols].merge(
        none[none["geo"] != "national"][keys + cols], on=keys, suffixes=("_partial", "_none")
    )
    table["national"] = table["channel"].map(national)
    gap = table["mean_none"] - table["national"]
    table["pull"] = np.where(
        np.abs(gap) > 1e-12, (table["mean_none"] - table["mean_partial"]) / gap, 0.0
    )
    table["width_partial"] = table["upper_partial"] - table["lower_partial"]
    table["width_none"] = table["upper_none"] - table["lower_none"]
    return table
