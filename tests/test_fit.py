"""End-to-end: recovery from simulated data and ROI definitions that agree.

Save/load round trips live in test_model_files.py, reproducibility in test_reproducibility.py.
"""

import warnings

import numpy as np
import pytest

import bayes_mmm as bm


def test_simulator_truth_matches_requested_roi():
    sim = bm.simulate(80, 3, roi=[0.8, 2.0, 3.5], seed=4)
    np.testing.assert_allclose(sim.true_roi()["true_roi"], [0.8, 2.0, 3.5], rtol=1e-9)


def test_in_graph_roi_equals_counterfactual_roi(mock_fit):
    """The model's `roi` Deterministic and the engine's counterfactual agree over the training
    window."""
    engine = mock_fit.roi()["mean"].to_numpy()
    graph = mock_fit.posterior["roi"].mean(("chain", "draw")).values
    np.testing.assert_allclose(engine, graph, rtol=1e-9)


def test_contributions_add_up_to_prediction(mock_fit):
    parts = mock_fit.component_draws
    total = sum(parts.values())
    np.testing.assert_allclose(total, mock_fit.predict_draws())
    table = mock_fit.contributions()
    assert set(table["component"]) >= {
        "intercept",
        "trend",
        "seasonality",
        "price_index",
        *mock_fit.data.channels,
    }


def test_response_curve_is_zero_at_zero_and_monotone(mock_fit):
    curves = mock_fit.response_curves(multipliers=[0, 0.5, 1, 1.5, 2])
    for _, g in curves.groupby("channel"):
        assert g["mean"].iloc[0] == pytest.approx(0.0, abs=1e-9)
        assert np.all(np.diff(g["mean"]) > 0)


def test_roi_window_validation(mock_fit):
    with pytest.raises(bm.SpecError, match="date window"):
        mock_fit.roi(start="2030-01-01")
    with pytest.raises(bm.SpecError, match="level"):
        mock_fit.roi(level=90)


@pytest.mark.slow
def test_recovery_true_roi_inside_90_interval(small_fit, sim3):
    table = small_fit.roi(level=0.9).merge(sim3.true_roi(), on="channel")
    inside = (table["lower"] <= table["true_roi"]) & (table["true_roi"] <= table["upper"])
    assert inside.all(), table[["channel", "lower", "true_roi", "upper"]]
    diag = small_fit.diagnostics()
    assert diag["r_hat"].max() < 1.05
    assert diag.attrs["divergences"] == 0


@pytest.mark.slow
def test_fit_metrics_and_diagnostics_table(small_fit):
    metrics = small_fit.fit_metrics()
    train = metrics.set_index("split").loc["train"]
    assert train["r2"] > 0.6 and train["mape"] < 6  # 5% noise
    diag = small_fit.diagnostics()
    assert {"parameter", "r_hat", "ess_bulk", "ess_tail", "problem"} <= set(diag.columns)
    assert isinstance(diag.attrs["advice"], list)


@pytest.mark.slow
def test_holdout_is_predicted_without_refit(sim3):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bm.MMM().fit(
            sim3.data, chains=2, draws=200, tune=300, seed=2, progress=False, holdout=13
        )
    metrics = fit.fit_metrics().set_index("split")
    assert list(metrics.index) == ["train", "holdout"] and metrics.loc["holdout", "n"] == 13
    assert metrics.loc["holdout", "mape"] < 10
    assert fit.tree["observed_data"].to_dataset().sizes["date"] == 104 - 13
