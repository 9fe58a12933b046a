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
        return [
            spec.fit(data, sampler=sampler, chains=2, draws=50, tune=50, seed=s, progress=False)
            for s in seeds
        ]


def _assert_same(a, b):
    xr.testing.assert_equal(a.posterior, b.posterior)  # values and coords; attrs hold timestamps
    for name in ("diverging", "energy", "step_size"):
        np.testing.assert_array_equal(
            a.tree["sample_stats"][name].values, b.tree["sample_stats"][name].values
        )
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
    assert (
        a.fit_info["sampler"] == sampler
        and a.posterior.sizes["chain"] == 2
        and a.posterior.sizes["draw"] == 50
    )
    _assert_same(a, b)
    assert not np.array_equal(
        a.posterior["roi"].values, c.posterior["roi"].values
    )  # the seed is actually used


_FIT_IN_FRESH_PROCESS = """
import sys, warnings
import numpy as np
import bayes_mmm as bm
warnings.simplefilter("ignore")
data = bm.simulate(104, 3, seed=1).data.subset_dates(0, 60)
fit = bm.MMM(seasonality=0).fit(data, chains=2, draws=50, tune=50, seed=7, progress=False)
np.save(sys.argv[1], fit.posterior["roi"].values)
"""


@pytest.mark.slow
def test_same_draws_from_a_cold_and_a_cached_compile(tmp_path):
    """The first fit on a machine (compiled from scratch) and later ones (PyTensor's Numba cache)
    agree.

    Each fit runs in its own process against one fresh PyTensor compile directory: the first
    compiles everything, the second loads the cached functions. With Numba fast-math the two
    binaries rounded differently and NUTS followed different trajectories from the same seed.
    """
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'compiledir'}"}
    draws = []
    for run in ("cold", "cached"):
        out = tmp_path / f"{run}.npy"
        subprocess.run(
            [sys.executable, "-c", _FIT_IN_FRESH_PROCESS, str(out)],
            check=True,
            env=env,
            capture_output=True,
            timeout=600,
        )
        draws.append(np.load(out))
    np.testing.assert_array_equal(draws[0], draws[1])
