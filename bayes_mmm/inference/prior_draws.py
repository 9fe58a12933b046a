"""Prior draws: what the priors imply in business terms before fitting (ROI, share), and a quiet
pymc."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.core.intervals import interval
from bayes_mmm.model.graph import build_model

# Prior draws are evaluated by PyTensor's Python backend: ~1 s of CPU for 1000 draws of the
# national model, where compiling them with Numba (PyTensor's default) took 15 s of CPU on a first
# fit (empty compile cache). Same draws up to the last bit of floating-point rounding.
PRIOR_COMPILE = {"mode": "FAST_COMPILE"}


@contextmanager
def quiet_pymc():
    """Silence pymc's INFO log ("Sampling: [...]"), noise in a notebook cell, for the block."""
    log = logging.getLogger("pymc")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


def prior_draws(model, draws: int, seed: int | None) -> xr.Dataset:
    """Prior draws of the ``roi`` and ``share`` Deterministics of a built model."""
    import pymc as pm

    with quiet_pymc(), model:
        prior = pm.sample_prior_predictive(
            draws=draws,
            var_names=["roi", "share"],
            random_seed=seed,
            compile_kwargs=dict(PRIOR_COMPILE),
        )
    return prior["prior"].to_dataset()


def prior_roi(spec, data, draws: int = 2000, seed: int = 0, level: float = 0.9) -> pd.DataFrame:
    """Quantile table of prior ROI and contribution share per channel.

    Columns: channel, quantity ("roi" or "share"), mean, lower, median, upper (``level`` interval).
    A weak beta prior that implies absurd ROIs shows up here before any fitting.
    """
    ds = prior_draws(build_model(spec, data), draws, seed)
    rows = []
    for quantity in ("roi", "share"):
        for ch in data.channels:
            values = ds[quantity].sel(channel=ch).values.ravel()
            lo, hi = interval(values, level)
            med = np.median(values)
            rows.append(
                {
                    "channel": ch,
                    "quantity": quantity,
                    "mean": values.mean(),
                    "lower": lo,
                    "median": med,
                    "upper": hi,
                }
            )
    table = pd.DataFrame(rows)
    table.attrs["draws"] = ds
    return table
