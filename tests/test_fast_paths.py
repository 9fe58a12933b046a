"""The counterfactual engine's fast paths (results/fast_paths.py) give the reference numbers.

Each engine here has one channel per registered (adstock, saturation) pair, random parameter
draws, a dark stretch, a channel bought in one region only and one never bought; ROI, mROI,
response curves and channel series from the fast paths must equal the reference path
(``Engine(fast=False)``: ``outcome``/``incremental`` on the whole panel) to float tolerance for
windows covering all, part and none of the data, national and regional, with and without
revenue per unit and region-varying parameters.
"""

import dataclasses
import itertools
from functools import partial

import numpy as np
import pytest

from bayes_mmm.model.transforms import ADSTOCKS, SATURATIONS, apply_adstock, apply_saturation
from bayes_mmm.results import counterfactual
from bayes_mmm.results.fast_paths import zero_maps_to_zero
from bayes_mmm.testing import random_engine

PAIRS = list(itertools.product(ADSTOCKS, SATURATIONS))
N_DATES, L_MAX, DRAWS = 30, 4, 40
RTOL, ATOL = 1e-9, 1e-9


def _gaps(media):
    media[10:18, :, 1] = 0.0  # dark stretch
    media[:, 1:, 2] = 0.0  # bought in the first region only
    media[:, :, -1] = 0.0  # a channel never bought


_engine = partial(random_engine, N_DATES, DRAWS, l_max=L_MAX, extra="never", edit_media=_gaps)


WINDOWS = {
    "all": np.ones(N_DATES, bool),
    "middle": np.arange(N_DATES) // 10 == 1,  # also the dark stretch of channel 1
    "start": np.arange(N_DATES) < 3,  # shorter than the carry-in history
    "end": np.arange(N_DATES) >= N_DATES - 2,
    "none": np.zeros(N_DATES, bool),
}
CASES = [  # (regions, revenue per unit, region-varying parameters)
    (1, False, False),
    (1, True, False),
    (3, False, False),
    (3, True, False),
    (3, True, True),
]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"geo{c[0]}-money{c[1]}-geop{c[2]}")
def engines(request):
    fast = _engine(*request.param)
    return fast, dataclasses.replace(fast, fast=False)


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL * max(1.0, np.abs(b).max()))


@pytest.mark.parametrize("window", WINDOWS, ids=str)
def test_roi_mroi_and_curves_equal_the_reference(engines, window):
    fast, ref = engines
    mask = WINDOWS[window]
    for c in range(len(fast.channels)):
        for name in ("roi_draws", "mroi_draws"):
            got, want = getattr(fast, name)(c, mask), getattr(ref, name)(c, mask)
            _close(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])
        multipliers = [0.0, 0.5, 1.0, 1.01, 2.0]
        _close(fast.response_draws(c, mask, multipliers), ref.response_draws(c, mask, multipliers))


def test_channel_series_equal_the_reference(engines):
    fast, ref = engines
    for c, money in itertools.product(range(len(fast.channels)), (False, True)):
        _close(fast.channel_contribution(c, money), ref.channel_contribution(c, money))


def test_cached_outcomes_and_threads_do_not_change_numbers(engines, monkeypatch):
    fast, _ = engines
    mask = WINDOWS["middle"]
    first = [fast.roi_draws(c, mask)[0] for c in range(3)]
    assert fast.cache  # multipliers 0 and 1 kept for the next table
    again = [fast.roi_draws(c, mask)[0] for c in range(3)]
    monkeypatch.setattr(counterfactual, "THREADS", 2)
    threaded = dataclasses.replace(fast, chunk=8)  # 5 chunks in 2 threads, fresh cache
    assert len(threaded.chunks()) == 5 and not threaded.cache
    for c in range(3):
        np.testing.assert_array_equal(first[c], again[c])
        np.testing.assert_array_equal(first[c], threaded.roi_draws(c, mask)[0])


def test_no_spend_gives_exactly_zero_change(engines):
    fast, _ = engines
    never = len(fast.channels) - 1
    assert not fast.roi_draws(never, WINDOWS["all"])[0].any()
    assert not fast.response_draws(1, np.arange(N_DATES) // 2 == 6, [0.0, 2.0]).any()  # dark


@pytest.mark.parametrize("adstock,saturation", PAIRS)
def test_every_registered_transform_maps_zero_media_to_zero(adstock, saturation):
    """The fast paths skip all-zero media: this holds for each registered transform at prior
    draws (the engine also checks saturation(0) = 0 on the posterior draws it evaluates)."""
    rng = np.random.default_rng(1)
    draws = {
        name: prior.scipy().rvs(size=(50, 1, 1, 1), random_state=rng)
        for kind in (ADSTOCKS[adstock], SATURATIONS[saturation])
        for name, prior in kind.default_priors.items()
    }
    zero = np.zeros((6, 2, 1))
    adstocked = apply_adstock(adstock, zero, draws, L_MAX)
    assert np.all(np.asarray(apply_saturation(saturation, adstocked, draws)) == 0)
    assert zero_maps_to_zero(saturation, {k: v[..., 0] for k, v in draws.items()})
    assert not zero_maps_to_zero(
        "hill", {"half": np.ones((1, 1, 1)), "slope": np.full((1, 1, 1), np.nan)}
    )


def test_thinned_response_curves_use_the_stated_evenly_spaced_draws(mock_fit):
    n = mock_fit.params.n_samples
    full = mock_fit.response_curves(multipliers=[0.5, 1.0])
    thin = mock_fit.response_curves(multipliers=[0.5, 1.0], draws=n // 4)
    assert full.attrs["draws"] == n and thin.attrs == {"draws": n // 4, "of_draws": n}
    rows = np.unique(np.linspace(0, n - 1, n // 4).round().astype(int))
    engine = dataclasses.replace(mock_fit.engine, params=mock_fit.params.take(rows))
    window = mock_fit.window()
    want = engine.response_draws(0, window, [0.5, 1.0]).mean(axis=0)
    np.testing.assert_allclose(thin["mean"].iloc[:2], want, rtol=1e-12)
    assert not np.allclose(thin["mean"], full["mean"])  # a different (sub)set of draws
    fig = mock_fit.plot.response_curves(draws=n // 4)
    assert f"from {n // 4} of {n} draws" in fig._suptitle.get_text()
