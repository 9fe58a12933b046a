"""ROI priors in business units, lift-test calibration and the prior-dominated flag (issue 4)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.data.lift_tests import exposure_change
from bayes_mmm.results.posterior import stack_draws
from bayes_mmm.testing import prior_fit


def test_roi_prior_is_reproduced_by_the_prior_predictive(sim3):
    spec = bm.MMM(
        channels={"tv_spend": bm.ChannelSpec(effect=bm.ROIPrior(1.5, (0.5, 4.0), level=0.9))}
    )
    table = spec.prior_roi(sim3.data, draws=4000, seed=1, level=0.9)
    row = table[(table["channel"] == "tv_spend") & (table["quantity"] == "roi")].iloc[0]
    assert row["median"] == pytest.approx(1.5, rel=0.05)
    assert row["lower"] == pytest.approx(0.5, rel=0.07)
    assert row["upper"] == pytest.approx(4.0, rel=0.07)


def test_share_prior_is_reproduced(sim3):
    spec = bm.MMM(
        channels={"search_spend": bm.ChannelSpec(effect=bm.SharePrior(0.1, (0.03, 0.25)))}
    )
    table = spec.prior_roi(sim3.data, draws=4000, seed=2)
    row = table[(table["channel"] == "search_spend") & (table["quantity"] == "share")].iloc[0]
    assert row["median"] == pytest.approx(0.1, rel=0.05) and row["upper"] == pytest.approx(
        0.25, rel=0.07
    )


def _go_dark(sim, channel, weeks=slice(20, 30)):
    c = sim.data.channels.index(channel)
    d = sim.data
    test = pd.Series(
        {
            "channel": channel,
            "geo": None,
            "start": d.dates[weeks.start],
            "end": d.dates[weeks.stop - 1],
            "spend_change": -float(d.spend[weeks, 0, c].max()) * 2,
            "lift": 0.0,
            "lift_se": 1.0,
        }
    )
    change = exposure_change(test, d)
    multiplier = np.maximum(d.media[..., c] + change, 0) / np.where(
        d.media[..., c] > 0, d.media[..., c], 1
    )
    true_lift = float(sim.engine().incremental(c, multiplier, money=False).sum())
    return test, true_lift


def test_in_graph_lift_equals_engine_counterfactual(sim3):
    test, _ = _go_dark(sim3, "search_spend")
    fit = prior_fit(bm.MMM(), sim3.data, draws=50, seed=4, lift_tests=pd.DataFrame([test]))
    c = sim3.data.channels.index("search_spend")
    multiplier = np.maximum(
        sim3.data.media[..., c] + exposure_change(test, sim3.data), 0
    ) / np.where(sim3.data.media[..., c] > 0, sim3.data.media[..., c], 1)
    engine = fit.engine.incremental(c, multiplier, money=False).sum(axis=-1)
    graph = stack_draws(fit.posterior["lift_predicted"])[:, 0]
    np.testing.assert_allclose(graph, engine, rtol=1e-8)


@pytest.fixture(scope="module")
def short_sim():
    """52 weeks; 'social' has (nearly) constant spend: the data cannot identify it."""
    return bm.simulate(52, 3, seed=8, roi=[1.0, 2.0, 3.0], flat_channels=["social"], noise=0.04)


def _fit(spec, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spec.fit(data, chains=2, draws=400, tune=500, seed=1, progress=False, **kw)


@pytest.fixture(scope="module")
def default_fit(short_sim):
    return _fit(bm.MMM(seasonality=1), short_sim.data)


@pytest.mark.slow
@pytest.mark.xdist_group("default_fit")  # share the module fit on one worker
def test_prior_dominated_flag(default_fit):
    flags = default_fit.prior_dominated().set_index("channel")
    assert flags.loc["social_spend", "prior_dominated"]
    assert not flags.loc["tv_spend", "prior_dominated"]
    diag = default_fit.diagnostics()
    assert "social_spend" in diag.attrs["prior_dominated"]
    assert "roi[social_spend]" in set(diag.loc[diag["problem"] == "prior-dominated", "parameter"])


@pytest.mark.slow
@pytest.mark.xdist_group("default_fit")  # share the module fit on one worker
def test_benchmark_priors_cut_roi_error(short_sim, default_fit):
    truth = short_sim.true_roi().set_index("channel")["true_roi"]
    # benchmark priors: medians within +-30% of the truth, honest width
    rng = np.random.default_rng(0)
    channels = {
        ch: bm.ChannelSpec(
            effect=bm.ROIPrior(truth[ch] * f, (truth[ch] * f / 2.5, truth[ch] * f * 2.5))
        )
        for ch, f in zip(truth.index, rng.uniform(0.7, 1.3, len(truth)))
    }
    informed = _fit(bm.MMM(seasonality=1, channels=channels), short_sim.data)

    def error(fit):
        est = fit.roi().set_index("channel")["median"]
        return float(np.median(np.abs(est / truth - 1)))

    assert error(informed) < error(default_fit)


@pytest.mark.slow
@pytest.mark.xdist_group("default_fit")  # share the module fit on one worker
def test_lift_test_moves_roi_toward_truth_and_narrows(short_sim, default_fit):
    test, true_lift = _go_dark(short_sim, "social_spend")
    test["lift"], test["lift_se"] = true_lift, abs(true_lift) * 0.1
    calibrated = _fit(bm.MMM(seasonality=1), short_sim.data, lift_tests=pd.DataFrame([test]))
    truth = short_sim.true_roi().set_index("channel").loc["social_spend", "true_roi"]
    before = default_fit.roi().set_index("channel").loc["social_spend"]
    after = calibrated.roi().set_index("channel").loc["social_spend"]
    assert after["upper"] - after["lower"] < 0.7 * (before["upper"] - before["lower"])
    assert abs(after["median"] - truth) < abs(before["median"] - truth)


def test_mroi_prior_is_exact_in_the_counterfactual_engine(sim3):
    """An MROIPrior fixes the engine's +1% counterfactual mROI: its quantiles match the prior's."""
    prior = bm.MROIPrior(0.8, (0.3, 2.0))
    spec = bm.MMM(channels={"tv_spend": bm.ChannelSpec(effect=prior)})
    fit = prior_fit(spec, sim3.data, draws=1000, seed=5)
    window = fit.window()
    inc, extra = fit.engine.mroi_draws(0, window)
    mroi = inc.sum(-1) / extra.sum()
    np.testing.assert_allclose(
        np.quantile(mroi, [0.05, 0.5, 0.95]), prior.quantile([0.05, 0.5, 0.95]), rtol=0.08
    )
