"""next_experiment (EVSI of candidate lift tests), its inputs, PSIS reweighting, and the
collinearity diagnostics of the design check. Fits here are prior-draw mock fits (no NUTS)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.data.collinearity import spend_correlations, vif_table
from bayes_mmm.experiment_inputs import (
    default_candidates,
    future_dates,
    future_reference,
    planned_exposure,
    validate_candidates,
)
from bayes_mmm.experiments import predicted_lift, psis_weights
from bayes_mmm.testing import prior_fit


@pytest.fixture(scope="module")
def geo_fit():
    sim = bm.simulate(60, 2, geos=2, seed=5)
    return prior_fit(bm.MMM(), sim.data, draws=100, seed=5)


def _candidate(fit, **over):
    dates = future_dates(fit.data, 13)
    row = {
        "channel": fit.data.channels[0],
        "start": dates[0],
        "end": dates[3],
        "spend_change": 1000.0,
    }
    return pd.DataFrame([{**row, **over}])


def test_psis_weights_recover_the_conjugate_normal_posterior():
    """Prior N(0, 1) draws, one lift observation y=1 with se=1: posterior N(0.5, sd 0.707)."""
    draws = np.random.default_rng(0).standard_normal(4000)
    w, khat = psis_weights(draws, np.array([1.0]), 1.0)
    mean = w[0] @ draws
    sd = np.sqrt(w[0] @ (draws - mean) ** 2)
    assert abs(mean - 0.5) < 0.04 and abs(sd - np.sqrt(0.5)) < 0.04
    assert khat[0] < 0.5
    _, khat_sharp = psis_weights(draws[:200], np.array([2.5]), 0.01)  # far, precise: degenerate
    assert khat_sharp[0] > 0.7


def test_default_grid_tests_every_channel_with_recent_spend(mock_fit):
    grid = default_candidates(mock_fit, 13)
    assert set(grid["channel"]) == set(mock_fit.data.channels)
    assert len(grid) == 4 * len(mock_fit.data.channels)
    dates = future_dates(mock_fit.data, 13)
    assert (grid["start"] >= dates[0]).all() and (grid["end"] <= dates[-1]).all()


def test_precise_test_is_worth_more_than_a_useless_one(mock_fit):
    """Same channel and spend change: a test with a tiny standard error must narrow the channel's
    ROI interval and be worth more than one whose error dwarfs any lift (EVSI ~ 0, no change)."""
    ch = mock_fit.data.channels[0]
    dates = future_dates(mock_fit.data, 13)
    weekly = float(mock_fit.data.spend[-13:-5, :, 0].sum(1).mean())  # the 8-week window
    base = {"channel": ch, "start": dates[0], "end": dates[7], "spend_change": -weekly}
    sd = _lift_sd(mock_fit, base)
    cands = pd.DataFrame([{**base, "lift_se": 1e12}, {**base, "lift_se": 0.2 * sd}])
    ranking = mock_fit.next_experiment(cands, n_outcomes=6, max_draws=200, seed=1, refit=False)
    table = ranking.table
    useless = table[table["lift_se"] == 1e12].iloc[0]
    precise = table[table["lift_se"] != 1e12].iloc[0]
    assert table.index[table["lift_se"] != 1e12][0] == 0  # ranked first
    assert abs(useless["evsi"]) <= 1e-3 * max(precise["evsi"], 1.0)
    assert useless["prob_change_plan"] == 0.0
    assert abs(useless["roi_width_ratio"] - 1) < 0.05
    assert precise["evsi"] > 0 and precise["roi_width_ratio"] < 0.9
    assert precise["outcome_at_risk"] > 0 and precise["spend_moved"] == pytest.approx(8 * weekly)
    assert (table["evsi"] >= -1e-6 * abs(table["evsi"]).max()).all()
    again = mock_fit.next_experiment(cands, n_outcomes=6, max_draws=200, seed=1, refit=False)
    pd.testing.assert_frame_equal(table, again.table)
    fig = ranking.plot()
    assert len(fig.axes[0].patches) == 2


def _lift_sd(fit, test):
    """Prior sd of the test's lift over the fit's draws (sizes a 'precise' test)."""
    spend_f, media_f = future_reference(fit.data, 13)
    row = validate_candidates(pd.DataFrame([test]), fit, 13, spend_f).iloc[0]
    paths = planned_exposure(fit.data, row, spend_f, media_f)
    return float(predicted_lift(fit.engine, fit.data, row, paths).std())


@pytest.mark.parametrize(
    "over, match",
    [
        ({"channel": "tv_spnd"}, "candidates 'channel'.*tv_spnd.*Did you mean"),
        ({"start": "2020-01-01"}, "candidates window.*planning horizon"),
        ({"spend_change": -1e12}, "candidates 'spend_change'.*spend >= 0"),
        ({"lift_se": -1.0}, "candidates 'lift_se'"),
    ],
)
def test_bad_candidates_each_get_their_error(mock_fit, over, match):
    with pytest.raises(bm.BayesMMMError, match=match):
        mock_fit.next_experiment(_candidate(mock_fit, **over), n_outcomes=2)


@pytest.mark.parametrize(
    "option, match",
    [
        ({"khat_limit": 0.0}, "khat_limit: expected a number > 0"),
        ({"n_refit": 0}, "n_refit: expected an integer >= 1"),
        ({"refit_settings": {"cores": 2}}, "refit_settings: expected None or a dict"),
        ({"executor": "dask"}, "executor: expected None"),
    ],
)
def test_bad_refit_options_each_get_their_error(mock_fit, option, match):
    with pytest.raises(bm.BayesMMMError, match=match):
        mock_fit.next_experiment(_candidate(mock_fit), n_outcomes=2, **option)


def test_unknown_region_and_end_beyond_horizon(geo_fit):
    with pytest.raises(bm.BayesMMMError, match=r"candidates 'geo'.*region_9"):
        geo_fit.next_experiment(_candidate(geo_fit, geo="region_9"), n_outcomes=2)
    late = future_dates(geo_fit.data, 20)[-1]
    with pytest.raises(bm.BayesMMMError, match="candidates window"):
        geo_fit.next_experiment(_candidate(geo_fit, end=late), n_outcomes=2)


def test_counts_and_nothing_to_optimise(mock_fit, sim3):
    with pytest.raises(bm.BayesMMMError, match="n_outcomes: expected an integer >= 2"):
        mock_fit.next_experiment(_candidate(mock_fit), n_outcomes=1)
    with pytest.raises(bm.BayesMMMError, match=r"^fit: expected at least one channel"):
        mock_fit.next_experiment(_candidate(mock_fit), fixed=list(mock_fit.data.channels))
    with pytest.raises(bm.BayesMMMError, match="n_datasets: expected an integer >= 2"):
        bm.MMM().check_design(sim3.data, n_datasets=1)


def test_vif_and_correlations_flag_a_near_copy():
    rng = np.random.default_rng(0)
    n = 60
    a = rng.lognormal(8, 0.4, n)
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2023-01-02", periods=n, freq="7D"),
            "sales": rng.normal(1e5, 1e3, n),
            "a": a,
            "b": a * rng.lognormal(0, 0.03, n),
            "c": rng.lognormal(8, 0.4, n),
            "price": rng.normal(10, 1, n),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = bm.MMMData.from_frame(
            frame, date="date", target="sales", channels=["a", "b", "c"], controls=["price"]
        )
    vif = vif_table(data).set_index("input")
    assert vif.loc["a", "vif"] > 10 and vif.loc["b", "vif"] > 10
    assert vif.loc["c", "vif"] < 2 and vif.loc["price", "kind"] == "control"
    assert "cannot split" in vif.loc["a", "meaning"]
    corr = spend_correlations(data)
    assert tuple(corr.iloc[0][["channel_a", "channel_b"]]) == ("a", "b")
    assert corr.iloc[0]["correlation"] > 0.95 and "moved together" in corr.iloc[0]["meaning"]
