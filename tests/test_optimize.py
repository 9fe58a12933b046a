"""Budget optimiser (issue #5): regret vs the true optimum, constraints always hold, risk aversion,
NaN-free gradients at zero spend, named infeasibility errors, scenarios."""

import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bayes_mmm as bm
from bayes_mmm.planning import evaluator
from bayes_mmm.planning.evaluator import PlanEvaluator
from bayes_mmm.planning.plans import build_horizon

REGRET = 0.03  # fitted model's plan loses at most 3% of the true optimum's incremental outcome


@pytest.mark.parametrize("end", [7, 0], ids=["window_inside_data", "window_ending_with_data"])
def test_current_plan_reproduces_engine_roi_counterfactual(mock_fit, end):
    """A historical window's current plan: outcome per draw equals Engine's zero-spend
    counterfactual, also for a window that ends with the data (no periods after it)."""
    eng = mock_fit.engine
    n = eng.spend.shape[0]
    hz = build_horizon(eng, window=(n - 20, n - end))
    assert hz.post.shape == (eng.pad, *eng.media.shape[1:])
    ev = PlanEvaluator(eng, hz, np.eye(3), hz.current[0])
    y, _ = ev(np.ones(3))
    window = np.zeros(n, bool)
    window[n - 20 : n - end] = True
    for c in range(3):
        inc, _ = eng.roi_draws(c, window)
        np.testing.assert_allclose(y[:, c], inc[:, 0], rtol=1e-9)


def test_evaluator_in_chunks_of_draws_gives_the_same_outcomes_and_gradients(mock_fit, monkeypatch):
    eng = mock_fit.engine
    hz = build_horizon(eng, 13)
    x = np.array([0.7, 1.3, 0.4])
    whole = PlanEvaluator(eng, hz, np.eye(3), hz.current[0])
    per_draw = (2 * eng.pad + 13) * eng.media.shape[1] * 3
    monkeypatch.setattr(evaluator, "MEMORY_BUDGET", 12 * 8 * per_draw * 30)  # 30 draws a chunk
    chunked = PlanEvaluator(eng, hz, np.eye(3), hz.current[0])
    assert len(whole._chunks) == 1 and len(chunked._chunks) == 7  # 200 draws
    for a, b in zip(whole(x), chunked(x)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_analytic_gradient_matches_finite_differences(mock_fit):
    eng = mock_fit.engine
    hz = build_horizon(eng, 13)
    ev = PlanEvaluator(eng, hz, np.eye(3), hz.current[0])
    x = np.array([0.7, 1.3, 0.4])
    _, grad = ev(x)
    for j in range(3):
        e = np.zeros(3)
        e[j] = 1e-5
        fd = (ev(x + e)[0].sum(1) - ev(x - e)[0].sum(1)) / 2e-5
        np.testing.assert_allclose(grad[:, j], fd, rtol=1e-4, atol=1e-6 * np.abs(fd).max())


def test_regret_of_fitted_plan_vs_true_optimum(sim3, small_fit):
    """Plans from the NUTS fit, scored by the TRUE parameters, against the true optimum (same
    constraints).

    Measured (seed 1): with +-30% bounds the fitted plan's regret is 1.9% (doing nothing: 2.5%);
    unconstrained 5.5% (doing nothing: 7.6%): the fit over-rates search (ROI 4.4 vs true 2.9).
    """
    for options, limit in (({"relative_bounds": 0.3}, REGRET), ({}, None)):
        truth = bm.optimize_budget(sim3, horizon=13, **options)
        fitted = small_fit.optimize_budget(horizon=13, **options)
        true_best, current = truth.outcome_optimal["mean"], truth.outcome_current["mean"]
        ours = bm.evaluate_plan(sim3, fitted.optimal).outcome["mean"]
        assert truth.optimal.total == pytest.approx(truth.current.total, rel=1e-6)
        assert fitted.optimal.total == pytest.approx(truth.current.total, rel=1e-6)
        # the truth's own plan, re-evaluated through evaluate_plan, is the optimum (same machinery)
        assert bm.evaluate_plan(sim3, truth.optimal).outcome["mean"] == pytest.approx(
            true_best, rel=1e-9
        )
        assert true_best >= ours and true_best > current
        assert ours > current, f"{options}: the fitted plan does worse than the current plan"
        if limit is not None:
            regret = (true_best - ours) / true_best
            assert regret <= limit, (
                f"regret {regret:.3%} (true optimum {true_best:,.0f}, fitted plan {ours:,.0f})"
            )


@st.composite
def constraint_sets(draw):
    chans = list(bm.simulate(8, 3, seed=1).data.channels)  # names only
    budget_mult = draw(st.floats(0.5, 1.6))
    rel = draw(st.one_of(st.none(), st.floats(0.05, 0.9)))
    roles = draw(st.lists(st.sampled_from(["free", "fixed", "zero"]), min_size=3, max_size=3))
    cap = draw(st.one_of(st.none(), st.tuples(st.sampled_from(chans), st.floats(0.2, 1.5))))
    return budget_mult, rel, roles, cap


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(constraint_sets())
def test_every_returned_plan_satisfies_every_constraint(mock_fit, case):
    budget_mult, rel, roles, cap = case
    chans = list(mock_fit.data.channels)
    current = mock_fit.optimize_budget(horizon=13).current.by_channel()
    budget = budget_mult * current.sum()
    fixed = [c for c, r in zip(chans, roles) if r == "fixed"]
    zero = [c for c, r in zip(chans, roles) if r == "zero"]
    bounds = None if cap is None else {cap[0]: (None, cap[1] * current[cap[0]])}
    lo = {
        c: current[c]
        if c in fixed
        else 0.0
        if c in zero
        else (1 - rel) * current[c]
        if rel
        else 0.0
        for c in chans
    }
    hi = {
        c: current[c]
        if c in fixed
        else 0.0
        if c in zero
        else (1 + rel) * current[c]
        if rel
        else np.inf
        for c in chans
    }
    if (
        bounds
    ):  # absolute bounds also bind fixed channels: fixing above the cap is a genuine conflict
        hi[cap[0]] = min(hi[cap[0]], bounds[cap[0]][1])
    feasible = (
        sum(lo.values()) <= budget * (1 + 1e-9)
        and sum(hi.values()) >= budget * (1 - 1e-9)
        and all(lo[c] <= hi[c] + 1e-6 for c in chans)
    )
    try:
        result = mock_fit.optimize_budget(
            budget, horizon=13, relative_bounds=rel, fixed=fixed, zero=zero, bounds=bounds
        )
    except bm.OptimizationError as err:
        assert not feasible, f"feasible constraints rejected: {err}"
        assert "constraints" in str(err) or "bound" in str(err)
        return
    assert feasible
    plan = result.optimal.by_channel()
    tol = 1e-6 * budget
    assert plan.sum() == pytest.approx(budget, rel=1e-6)
    for c in chans:
        assert lo[c] - tol <= plan[c] <= hi[c] + tol, (c, lo[c], plan[c], hi[c])
    for c in fixed:
        assert plan[c] == pytest.approx(current[c], rel=1e-9)
    for c in zero:
        assert plan[c] == 0.0
    assert np.isfinite(result.table[["optimal", "mroi"]].to_numpy(float)).all()


def test_risk_averse_plans_are_less_uncertain(mock_fit):
    expected = mock_fit.optimize_budget(horizon=13)
    averse = mock_fit.optimize_budget(horizon=13, objective="mean_sd", risk_aversion=2.0)
    assert averse.draws["optimal"].std() < expected.draws["optimal"].std()
    assert averse.outcome_optimal["mean"] <= expected.outcome_optimal["mean"] + 1e-6 * abs(
        expected.outcome_optimal["mean"]
    )
    cvar = mock_fit.optimize_budget(horizon=13, objective="cvar", alpha=0.1)
    tail = lambda d: np.sort(d)[: int(np.ceil(0.1 * len(d)))].mean()  # noqa: E731
    assert tail(cvar.draws["optimal"]) >= tail(expected.draws["optimal"]) - 1e-6 * abs(
        tail(expected.draws["optimal"])
    )


def test_user_objective_of_draws(mock_fit):
    median = mock_fit.optimize_budget(horizon=13, objective=lambda v: float(np.median(v)))
    expected = mock_fit.optimize_budget(horizon=13)
    assert np.median(median.draws["optimal"]) >= np.median(expected.draws["optimal"]) - 1e-3 * abs(
        np.median(expected.draws["optimal"])
    )


def _zeroed(engine, channel=None, geo=None, weeks=13):
    spend, media = engine.spend.copy(), engine.media.copy()
    g = slice(None) if geo is None else geo
    c = slice(None) if channel is None else channel
    spend[-weeks:, g, c] = 0.0
    media[-weeks:, g, c] = 0.0
    return dataclasses.replace(engine, spend=spend, media=media)


def test_zero_spend_channel_and_bounds_at_zero_have_finite_gradients(mock_fit):
    eng = _zeroed(mock_fit.engine, channel=2, weeks=60)  # no recent spend and no carry-in
    hz = build_horizon(eng, 13)
    assert hz.current[0, 2] == 0
    ev = PlanEvaluator(eng, hz, np.eye(3), np.array([*hz.current[0, :2], 1e5]))
    for x in (np.zeros(3), np.array([1.0, 0.0, 0.0]), np.array([1.0, 1.0, 1e-12])):
        y, grad = ev(x)
        assert np.isfinite(y).all() and np.isfinite(grad).all()
    result = bm.optimize_budget(eng, horizon=13)  # zero-current channel may receive budget
    assert np.isfinite(result.table[["optimal", "mroi"]].to_numpy(float)).all()
    off = bm.optimize_budget(
        eng, horizon=13, zero=[eng.channels[0].name], relative_bounds={eng.channels[1].name: 0.5}
    )
    assert off.optimal.by_channel().iloc[0] == 0.0
    assert np.isfinite(off.table["mroi"]).all() and np.isfinite(off.draws["optimal"]).all()


def test_all_zero_region_regional_budgets():
    sim = bm.simulate(60, 2, geos=2, seed=4)
    eng = _zeroed(sim.engine(), geo=1, weeks=20)
    total = eng.spend[-13:].sum()
    result = bm.optimize_budget(
        eng, horizon=13, region_budgets={"geo_0": 0.7 * total, "geo_1": 0.3 * total}
    )
    budget = result.optimal.budget
    assert budget[0].sum() == pytest.approx(0.7 * total, rel=1e-6)
    assert budget[1].sum() == pytest.approx(0.3 * total, rel=1e-6)
    assert np.isfinite(result.table[["optimal", "mroi"]].to_numpy(float)).all()
    assert set(result.table["geo"]) == {"all", "geo_0", "geo_1"}


def test_infeasible_constraints_name_the_conflict(mock_fit):
    current = mock_fit.optimize_budget(horizon=13).current.total
    with pytest.raises(bm.OptimizationError, match=r"sum of lower bounds .* exceeds budget"):
        mock_fit.optimize_budget(current, horizon=13, relative_bounds=(1.2, 1.5))
    with pytest.raises(bm.OptimizationError, match=r"sum of upper bounds .* is below budget"):
        mock_fit.optimize_budget(2 * current, horizon=13, relative_bounds=0.3)
    tv = mock_fit.data.channels[0]
    with pytest.raises(
        bm.OptimizationError, match=rf"channel '{tv}': lower bound .*bounds.* exceeds upper bound"
    ):
        mock_fit.optimize_budget(horizon=13, relative_bounds=0.3, bounds={tv: (10 * current, None)})
    with pytest.raises(bm.OptimizationError, match="fixed / zero"):
        mock_fit.optimize_budget(horizon=13, fixed=[tv], zero=[tv])
    with pytest.raises(bm.OptimizationError, match="region_budgets"):
        mock_fit.optimize_budget(horizon=13, region_budgets={"national": 1.0})


def test_negative_spend_plan_has_its_own_error(mock_fit):
    tv = mock_fit.data.channels[0]
    with pytest.raises(
        bm.OptimizationError, match=rf"non-negative spend .*-5.0 for channel '{tv}'"
    ):
        mock_fit.evaluate_plan({tv: -5.0})
    with pytest.raises(bm.OptimizationError, match="non-negative"):
        bm.Plan(
            -np.ones((13, 1, 3)), mock_fit.data.channels, mock_fit.data.geos, mock_fit.data.n_dates
        )


def test_scenarios_and_plan_evaluation(mock_fit):
    same = mock_fit.scenario(0.0)
    assert same.change["mean"] == pytest.approx(0.0, abs=1e-6) and same.prob_increase == 0.0
    more = mock_fit.scenario(0.10)
    assert more.plan.total == pytest.approx(1.1 * more.current.total)
    assert (
        more.change["mean"] > 0
        and more.change["lower"] <= more.change["mean"] <= more.change["upper"]
    )
    assert np.isfinite(more.change_pct["mean"]) and "%" in more.summary()
    tv = mock_fit.data.channels[0]
    one = mock_fit.evaluate_plan({tv: 0.0})
    assert one.change["mean"] < 0 and one.table.loc[0, "spend"] == 0.0
    window = mock_fit.scenario(0.10, window=(mock_fit.data.dates[40], mock_fit.data.dates[51]))
    assert window.plan.n_weeks == 12


def test_flexible_budgets_hit_their_targets(sim3):
    result = bm.optimize_budget(sim3, horizon=13, target_mroi=1.0)
    interior = (result.table["optimal"] > 0) & (
        result.table["optimal"] < 5 * result.table["current"] * 0.999
    )
    assert interior.any()
    np.testing.assert_allclose(result.table.loc[interior, "mroi"], 1.0, rtol=0.02)
    roi = bm.optimize_budget(sim3, horizon=13, target_roi=2.0)
    spent = roi.optimal.total
    assert roi.outcome_optimal["mean"] / spent >= 2.0 * (1 - 1e-6)
    assert spent > 0


def test_result_table_plot_and_credible_uplift(mock_fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = mock_fit.optimize_budget(horizon=13, relative_bounds=0.3)
    table = result.table
    assert list(table.columns[:5]) == ["channel", "current", "optimal", "change", "change_pct"]
    assert result.uplift["lower"] <= result.uplift["mean"] <= result.uplift["upper"]
    assert 0.0 <= result.prob_better <= 1.0
    assert result.info["n_iter"] >= 1 and result.info["wall_time_s"] > 0
    fig = result.plot()
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 3


def test_optimiser_handles_region_varying_media_shapes():
    """geo_media fits carry (draw, geo, channel) transform parameters through the compiled
    evaluator."""
    from bayes_mmm.testing import prior_fit

    sim = bm.simulate(40, 2, geos=2, seed=4)
    fit = prior_fit(bm.MMM(geo_media=True), sim.data, draws=40, seed=1)
    result = fit.optimize_budget(horizon=4, relative_bounds=0.3)
    assert np.isfinite(result.table["optimal"]).all()
    assert (
        np.isfinite(result.uplift["mean"])
        if isinstance(result.uplift, dict)
        else np.isfinite(result.uplift).all()
    )
