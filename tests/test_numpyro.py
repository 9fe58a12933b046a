"""The NumPyro (JAX) path: vectorised chains, same seed -> same draws, sensible posterior."""

import warnings

import numpy as np
import pytest

import bayes_mmm as bm

pytest.importorskip("numpyro")
pytest.importorskip("jax")


@pytest.fixture(scope="module")
def numpyro_fits():
    sim = bm.simulate(40, 2, seed=2, roi=[2.0, 1.0])
    kw = {"chains": 2, "draws": 150, "tune": 150, "seed": 4, "progress": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = [bm.MMM().fit(sim.data, sampler="numpyro", **kw) for _ in range(2)]
    return sim, fits


@pytest.mark.slow
def test_numpyro_same_seed_same_draws_and_roi_table(numpyro_fits):
    sim, (a, b) = numpyro_fits
    assert a.fit_info["sampler"] == "numpyro"
    assert a.posterior["roi"].shape[:2] == (2, 150)
    np.testing.assert_array_equal(a.posterior["roi"].values, b.posterior["roi"].values)
    roi = a.roi(level=0.95).set_index("channel")
    truth = sim.true_roi().set_index("channel")["true_roi"]
    assert ((roi["lower"] <= truth) & (truth <= roi["upper"])).all(), (roi, truth)
    assert int(a.tree["sample_stats"].to_dataset()["diverging"].sum()) <= 3
