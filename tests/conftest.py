"""Shared fixtures: simulated data, one short real NUTS fit per session, and prior-draw mock
fits."""

import warnings

import matplotlib
import pytest

matplotlib.use("Agg")

import bayes_mmm as bm
from bayes_mmm.testing import prior_fit


@pytest.fixture(scope="session")
def sim3():
    """104 weeks, 3 channels, national; true parameters known."""
    return bm.simulate(104, 3, seed=1)


@pytest.fixture(scope="session")
def small_fit(sim3):
    """A real NUTS fit (2 chains x 500 draws) shared by the statistical tests."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bm.MMM().fit(
            sim3.data, chains=2, draws=500, tune=500, seed=1, progress=False, holdout=0
        )


@pytest.fixture(scope="session")
def mock_fit(sim3):
    """A fit whose posterior is 2 x 100 prior draws: exercises post-processing without NUTS."""
    return prior_fit(bm.MMM(), sim3.data, draws=100, seed=3)
