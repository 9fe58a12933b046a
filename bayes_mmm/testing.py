"""Helpers for tests, docs and benchmarks: fits without NUTS.

``prior_fit`` returns an ``bm.MMMFit`` whose "posterior" is a set of prior draws
(PyMC's mock-sampling idea): every downstream function (ROI, curves, plots, optimiser) can be
exercised in a second, without running NUTS. ``truth_fit`` wraps a simulation's true parameters
as a one-draw-repeated fit, so the optimiser can be run on the truth. ``random_engine`` builds a
counterfactual engine with one channel per registered (adstock, saturation) pair and random
parameter draws, for tests that compare a fast path with its reference.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import xarray as xr

from bayes_mmm.data.lift_tests import validate_lift_tests
from bayes_mmm.inference.prior_draws import quiet_pymc
from bayes_mmm.model.equations import Scales
from bayes_mmm.model.graph import build_model
from bayes_mmm.model.spec import ResolvedChannel
from bayes_mmm.model.transforms import ADSTOCKS, SATURATIONS
from bayes_mmm.results.counterfactual import Engine
from bayes_mmm.results.posterior import PosteriorParams
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


TRANSFORM_PAIRS = list(itertools.product(ADSTOCKS, SATURATIONS))


def random_engine(
    n_dates: int,
    draws: int,
    n_geo: int,
    money: bool,
    geo_params: bool,
    *,
    seed: int = 0,
    l_max: int = 4,
    extra: str = "extra",
    edit_media: Callable[[np.ndarray], None] | None = None,
) -> Engine:
    """An :class:`Engine` with one channel per registered (adstock, saturation) pair plus a
    geometric/Hill channel named ``extra``; media ``(date, geo, channel)`` gamma-distributed with
    10% of cells zero, after ``edit_media(media)`` (in place: dark stretches, local channels);
    random parameter draws (Hill slopes below and above 1); ``money``: revenue per unit varies by
    period and region; ``geo_params``: parameters vary by region."""
    rng = np.random.default_rng(seed)
    channels = [ResolvedChannel(f"{a}_{s}", a, s, {}, None, False) for a, s in TRANSFORM_PAIRS]
    channels.append(ResolvedChannel(extra, "geometric", "hill", {}, None, False))
    media = rng.gamma(2.0, 50.0, (n_dates, n_geo, len(channels)))
    if edit_media is not None:
        edit_media(media)
    media[rng.random(media.shape) < 0.1] = 0.0
    shape = (draws, n_geo, len(channels)) if geo_params else (draws, len(channels))
    transform = {
        "alpha": rng.uniform(0.1, 0.9, shape),
        "theta": rng.uniform(0.0, 3.0, shape),
        "half": rng.lognormal(0.0, 0.7, shape),
        "slope": rng.lognormal(0.0, 0.4, shape),
        "lam": rng.gamma(3.0, 0.5, shape),
    }
    beta = rng.gamma(2.0, 0.2, (draws, n_geo, len(channels)))
    params = PosteriorParams(transform, beta, {}, np.ones(draws))
    scales = Scales(
        rng.uniform(50, 150, n_geo), media.mean(axis=0) + 1.0, np.zeros(0), np.ones(0), n_dates
    )
    vpu = rng.uniform(1.5, 4.0, (n_dates, n_geo)) if money else np.ones((n_dates, n_geo))
    return Engine(channels, l_max, scales, media, 1.3 * media, vpu, params, geo_params)
