"""Rolling-origin backtests: fold arithmetic, scores, bad inputs before any sampling, and two folds
on a Dask LocalCluster started here, reproducible against a serial run of the same fold."""

import importlib

import numpy as np
import pytest
from scipy import stats

import bayes_mmm as bm
from bayes_mmm.backtest import fit_fold, fold_sizes
from bayes_mmm.results.scores import crps


def test_folds_are_expanding_windows_horizon_apart():
    assert fold_sizes(156, 5, 13, 8) == [91, 104, 117, 130, 143]
    assert fold_sizes(60, 2, 8, 8) == [44, 52]


def test_crps_matches_the_closed_form_and_the_absolute_error():
    rng = np.random.default_rng(0)
    draws = rng.normal(0.0, 1.0, (40_000, 1))
    y = np.array([0.7])
    z = y[0]
    exact = z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi)
    assert crps(draws, y)[0] == pytest.approx(exact, abs=0.01)
    point = np.full((10, 3), 2.0)
    np.testing.assert_allclose(crps(point, np.array([1.0, 2.0, 5.0])), [1.0, 0.0, 3.0])


@pytest.fixture(scope="module")
def short_sim():
    return bm.simulate(60, 2, seed=7, noise=0.04)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"folds": 4, "horizon": 13}, bm.DataError, r"number of periods.*folds <= 2"),
        ({"folds": 1, "horizon": 80}, bm.DataError, "horizon.*fewer periods"),
        ({"folds": 0}, bm.SpecError, "folds"),
        ({"horizon": 2.5}, bm.SpecError, "horizon"),
        ({"executor": "dask"}, bm.SpecError, "executor"),
        ({"executor": object()}, bm.SpecError, "executor"),
        ({"level": 1.5}, bm.SpecError, "level"),
    ],
)
def test_bad_backtest_inputs_fail_before_any_sampling(
    short_sim, monkeypatch, kwargs, error, pattern
):
    module = importlib.import_module("bayes_mmm.backtest")  # bm.backtest is the function

    def no_fit(*a, **k):
        raise AssertionError("sampling started")

    monkeypatch.setattr(module, "run_jobs", no_fit)
    with pytest.raises(error, match=pattern):
        bm.backtest(bm.MMM(), short_sim.data, **{"folds": 2, "horizon": 8, **kwargs})


@pytest.mark.slow
def test_two_folds_on_a_dask_local_cluster_match_a_serial_run(short_sim):
    distributed = pytest.importorskip("distributed")
    settings = {"chains": 2, "draws": 150, "tune": 150}
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        result = bm.backtest(
            bm.MMM(), short_sim.data, folds=2, horizon=8, executor=client, seed=11, **settings
        )
    scores = result.scores
    assert list(scores["n_train"]) == [44, 52] and (scores["horizon"] == 8).all()
    assert ((scores["coverage"] >= 0) & (scores["coverage"] <= 100)).all()
    assert (scores["crps"] > 0).all() and (scores["mape"] < 25).all()  # 4% noise, 8 weeks ahead
    assert len(result.roi) == 4 and (result.roi["lower"] <= result.roi["upper"]).all()
    assert set(result.roi_stability()["channel"]) == set(short_sim.data.channels)
    assert len(result.plot().axes) == 3
    # the same fold, fitted here serially with the same seed, gives the same numbers
    again = fit_fold(bm.MMM(), short_sim.data, 52, 8, 1, 12, 0.9, settings)["scores"]
    assert again["crps"] == pytest.approx(scores.loc[1, "crps"], rel=1e-9)
    assert again["coverage"] == scores.loc[1, "coverage"]


def test_compare_rejects_bad_requests_before_fitting(short_sim, monkeypatch):
    module = importlib.import_module("bayes_mmm.comparison")

    def no_fit(*a, **k):
        raise AssertionError("sampling started")

    monkeypatch.setattr(module, "run_jobs", no_fit)
    specs = {"fixed": bm.MMM(), "gp": bm.MMM(baseline="gp")}
    with pytest.raises(bm.SpecError, match="executor"):
        bm.compare(specs, data=short_sim.data, executor="dask")
    with pytest.raises(bm.SpecError, match="data"):
        bm.compare(specs)
    with pytest.raises(bm.SpecError, match="backtests"):
        bm.compare(specs, backtests={"other": None}, data=short_sim.data)
