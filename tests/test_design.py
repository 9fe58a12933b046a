"""check_design: simulate-from-the-prior-and-refit on the user's own spend (2 tiny NUTS fits)."""

import numpy as np
import pytest

import bayes_mmm as bm


@pytest.fixture(scope="module")
def design():
    sim = bm.simulate(60, 2, seed=7, flat_channels=["search"])
    check = bm.MMM().check_design(
        sim.data, n_datasets=2, chains=2, draws=100, tune=100, seed=3, executor="serial"
    )
    return sim, check


def test_constant_spend_channel_is_reported_as_prior_dominated(design):
    _, check = design
    assert check.info["fitted"] == 2 and check.info["failures"] == []
    table = check.table.set_index("channel")
    flat, varied = table.loc["search_spend"], table.loc["tv_spend"]
    assert flat["width_ratio"] > 0.8 and flat["width_ratio"] > varied["width_ratio"]
    assert "mostly your prior" in flat["verdict"]
    assert "more spend variation" in flat["what_would_help"]
    assert table["coverage"].between(0, 1).all()
    runs = check.runs
    assert len(runs) == 4 and set(runs["dataset"]) == {0, 1}
    assert (runs["lower"] <= runs["upper"]).all()
    assert (
        runs["covered"]
        .eq((runs["lower"] <= runs["true_roi"]) & (runs["true_roi"] <= runs["upper"]))
        .all()
    )
    assert list(check.pairs[["channel_a", "channel_b"]].iloc[0]) == ["tv_spend", "search_spend"]
    assert set(check.vif["input"]) == {"tv_spend", "search_spend", "price_index", "promo"}
    assert "search_spend" in check.summary()


def test_same_seed_same_check(design):
    sim, check = design
    again = bm.MMM().check_design(
        sim.data, n_datasets=2, chains=2, draws=100, tune=100, seed=3, executor="serial"
    )
    assert again.runs["width_ratio"].tolist() == check.runs["width_ratio"].tolist()


def test_fixed_world_noise_is_used_and_bad_noise_is_refused(design):
    """noise=<number> fixes every world's noise (same worlds otherwise): smaller noise, smoother
    simulated targets; a bad value gets one error before any fit."""
    from bayes_mmm.design import prior_worlds

    sim, _ = design
    roi_lo, y_lo, noise_lo = prior_worlds(bm.MMM(), sim.data, 3, 0, 0.01)
    roi_hi, y_hi, _ = prior_worlds(bm.MMM(), sim.data, 3, 0, 0.5)
    _, _, noise_prior = prior_worlds(bm.MMM(), sim.data, 3, 0)
    assert noise_lo.tolist() == [0.01] * 3 and len(set(noise_prior.round(6))) == 3
    np.testing.assert_allclose(roi_lo, roi_hi)
    assert np.abs(np.diff(y_lo, axis=1)).mean() < np.abs(np.diff(y_hi, axis=1)).mean()
    with pytest.raises(bm.BayesMMMError, match="noise: expected None"):
        bm.MMM().check_design(sim.data, n_datasets=2, noise=-1.0)
