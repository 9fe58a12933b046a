"""Helpers for tests, docs and benchmarks: fits without NUTS.

``prior_fit`` returns an ``bm.MMMFit`` whose "posterior" is a set of prior draws
(PyMC's mock-sampling idea): every downstream function (ROI, curves, plots, optimiser) can be
exercised in a second, without running NUTS. ``truth_fit`` wraps a simulation's true parameters
as a one-draw-repeated fit, so the optimiser can be run on the truth.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from bayes_mmm.data.lift_tests import validate_lift_tests
from bayes_mmm.inference.prior_draws import quiet_pymc
from bayes_mmm.model.graph import build_model
from bayes_mmm.workflow import MMMFit


def prior_fit(
    spec, data, draws: int = 200, seed: int = 0, chains: int = 2, lift_tests=None
) -> MMMFit:
    """A fit whose posterior is ``chains x draws`` prior draws (no sampling)."""
    import pymc as pm

    lift_tests = None if lift_tests is None else validate_lift_tests(lift_tests, data)
    model = build_model(spec, data, lift_tests=lift_tests)
    names = [v.name for v in model.free_RVs + model.deterministics]
    with quiet_pymc(), model:
        prior = pm.sample_prior_predictive(draws=chains * draws, var_names=names, random_seed=seed)
    ds = prior["prior"].to_dataset()
    post = (
        ds.isel(chain=0)
        .rename({"draw": "flat"})
        .assign_coords(
            chain=("flat", np.repeat(np.arange(chains), draws)),
            draw=("flat", np.tile(np.arange(draws), chains)),
        )
        .set_index(flat=("chain", "draw"))
        .unstack("flat")
        .transpose("chain", "draw", ...)
    )
    stats = xr.Dataset(
        {"diverging": (("chain", "draw"), np.zeros((chains, draws), bool))},
        coords={"chain": np.arange(chains), "draw": np.arange(draws)},
    )
    groups = {"/posterior": post, "/sample_stats": stats, "/prior": ds}
    info = {
        "sampler": "prior",
        "chains": chains,
        "draws": draws,
        "tune": 0,
        "seed": seed,
        "holdout": 0,
    }
    return MMMFit.from_parts(
        spec=spec, data=data, groups=groups, fit_info=info, lift_tests=lift_tests
    )
