"""next_experiment's refit check: a test planned after the data enters the lift-test likelihood
with its own exposure path (history + horizon, carry-in included), and outcomes whose PSIS k-hat
is too high are re-evaluated by refitting."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayes_mmm as bm
from bayes_mmm.experiment_inputs import (
    future_dates,
    future_reference,
    planned_exposure,
    validate_candidates,
)
from bayes_mmm.experiment_refit import planned_test_frame, stratified
from bayes_mmm.experiments import predicted_lift
from bayes_mmm.inference.prior_draws import quiet_pymc
from bayes_mmm.model.graph import build_model
from bayes_mmm.results.fit_result import FitResult
from bayes_mmm.testing import prior_fit


def _planned(fit, weeks=(2, 6), change=0.5):
    """A +50% test on the first channel over horizon weeks [2, 6), validated."""
    dates = future_dates(fit.data, 13)
    spend_f, media_f = future_reference(fit.data, 13)
    weekly = float(spend_f[weeks[0] : weeks[1], :, 0].sum(1).mean())
    raw = {
        "channel": fit.data.channels[0],
        "start": dates[weeks[0]],
        "end": dates[weeks[1] - 1],
        "spend_change": change * weekly,
        "lift_se": 1.0,
    }
    test = validate_candidates(pd.DataFrame([raw]), fit, 13, spend_f).iloc[0]
    return test, planned_exposure(fit.data, test, spend_f, media_f)


def test_planned_test_likelihood_lift_equals_the_rankings_prediction(sim3):
    """The lift the refit's likelihood puts on a future test (model graph, exposure_path) equals
    the lift next_experiment predicts with the counterfactual engine, draw by draw; the
    adstock carry-in from the history makes it differ from a test on the horizon alone."""
    import pymc as pm

    fit = prior_fit(bm.MMM(), sim3.data, draws=20, seed=2)
    test, paths = _planned(fit)
    assert paths.shape == (2, sim3.data.n_dates + 13, 1) and (paths[1] >= paths[0]).all()
    frame = planned_test_frame(test, paths, observed=123.0)
    model = build_model(fit.spec, fit.data, lift_tests=frame)
    names = [v.name for v in model.free_RVs + model.deterministics]
    with quiet_pymc(), model:
        prior = pm.sample_prior_predictive(draws=40, var_names=names, random_seed=1)
    draws = prior["prior"].to_dataset()  # (chain=1, draw=40): the same draws for both sides
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((1, 40), bool))})
    refit = FitResult.from_parts(
        spec=fit.spec,
        data=fit.data,
        groups={"/posterior": draws, "/sample_stats": stats},
        fit_info={"sampler": "prior", "chains": 1, "draws": 40, "seed": 1, "holdout": 0},
    )
    graph_lift = draws["lift_predicted"].values[0, :, 0]
    engine_lift = predicted_lift(refit.engine, fit.data, test, paths)
    np.testing.assert_allclose(engine_lift, graph_lift, rtol=1e-6)
    cold = paths.copy()
    cold[:, : sim3.data.n_dates] = 0.0  # no history: no carry-in
    assert not np.allclose(predicted_lift(refit.engine, fit.data, test, cold), engine_lift)


def test_stratified_estimate_lets_refits_stand_for_all_high_outcomes():
    values = np.array([1.0, 3.0, np.nan, 10.0, np.nan, 20.0])
    high = np.array([False, False, True, True, True, True])
    refitted = np.array([False, False, False, True, False, True])
    mean, se = stratified(values, high, refitted)
    assert mean == pytest.approx((1 + 3 + 4 * 15) / 6)
    expected = np.sqrt((2 / 6) ** 2 * np.var([1, 3], ddof=1) / 2 + (4 / 6) ** 2 * 50 / 2)
    assert se == pytest.approx(expected)
    plain, _ = stratified(values, np.zeros(6, bool), np.zeros(6, bool))
    assert plain == pytest.approx(np.mean([1, 3, 10, 20]))


@pytest.mark.slow
def test_high_khat_outcomes_are_refitted_and_corrected():
    """A very precise test on prior draws collapses the reweighting onto one draw (k-hat > 0.7):
    the ROI interval looks ~0 wide and the EVSI is inflated. The refit (real NUTS fit with the
    simulated test) gives a posterior that keeps some width and a smaller EVSI."""
    sim = bm.simulate(40, 2, seed=1)
    fit = prior_fit(bm.MMM(), sim.data, draws=100, seed=0)
    dates = future_dates(sim.data, 13)
    weekly = float(sim.data.spend[-13:, :, 0].sum(1).mean())
    cand = pd.DataFrame(
        [{"channel": "tv_spend", "start": dates[0], "end": dates[7], "spend_change": 0.5 * weekly}]
    ).assign(lift_se=1.0)
    kw = {"n_outcomes": 4, "max_draws": 100, "seed": 0, "executor": "serial"}
    kw["refit_settings"] = {"chains": 1, "draws": 60, "tune": 60}
    flagged = fit.next_experiment(cand, refit=False, **kw).table.iloc[0]
    fixed = fit.next_experiment(cand, n_refit=1, **kw)
    row = fixed.table.iloc[0]
    assert flagged["khat_ok"] < 1 and flagged["refitted"] == 0 and "refit off" in flagged["note"]
    assert row["refitted"] == 1 and fixed.info["refits"] == 1 and "1 refitted" in row["note"]
    assert row["khat_max"] == flagged["khat_max"]  # same simulated outcomes
    assert row["evsi_reweighted"] == pytest.approx(flagged["evsi"])
    assert flagged["roi_width_ratio"] < 0.01  # collapsed onto a few draws
    assert row["roi_width_ratio"] > flagged["roi_width_ratio"]
    assert 0 <= row["evsi"] < flagged["evsi"]
