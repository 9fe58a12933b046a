"""Same data + spec + seed -> identical draws and tables, for each sampler with itself."""

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayes_mmm as bm


def _fits(data, sampler, seeds):
    spec = bm.MMM(seasonality=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny fits: the convergence warning is expected here
        return [spec.fit(data, sampler=sampler, chains=2, draws=50, tune=50, seed=s, progress=False) for s in seeds]


def _assert_same(a, b):
    xr.testing.assert_equal(a.posterior, b.posterior)  # values and coords; attrs hold timestamps
    for name in ("diverging", "energy", "step_size"):
        np.testing.assert_array_equal(a.tree["sample_stats"][name].values, b.tree["sample_stats"][name].values)
    pd.testing.assert_frame_equal(a.roi(), b.roi())
    pd.testing.assert_frame_equal(a.mroi(), b.mroi())
    pd.testing.assert_frame_equal(a.contributions(), b.contributions())
    pd.testing.assert_frame_equal(a.diagnostics(), b.diagnostics())


@pytest.fixture(scope="module")
def data60(sim3):
    return sim3.data.subset_dates(0, 60)


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["nutpie", "pymc"])
def test_same_seed_same_draws_and_tables(data60, sampler):
    a, b, c = _fits(data60, sampler, seeds=(7, 7, 8))
    assert a.fit_info["sampler"] == sampler and a.posterior.sizes["chain"] == 2 and a.posterior.sizes["draw"] == 50
    _assert_same(a, b)
    assert not np.array_equal(a.posterior["roi"].values, c.posterior["roi"].values)  # the seed is actually used
