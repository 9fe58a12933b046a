"""The closed-form plan evaluator equals the compiled reference (PlanEvaluator): outcomes and
gradients for every registered (adstock, saturation) pair, national and regional, with and without
revenue per unit and region-varying parameters, future and historical horizons; its gradient
matches finite differences, zero spend gives finite gradients, and chunks, threads, the cache and
a subset of draws change no number."""

import dataclasses
import itertools
from functools import partial

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.model.transforms import ADSTOCKS, SATURATIONS
from bayes_mmm.planning import fast_evaluator, optimizer, projected
from bayes_mmm.planning.evaluator import PlanEvaluator
from bayes_mmm.planning.fast_evaluator import FastPlanEvaluator, plan_evaluator, supported
from bayes_mmm.planning.plans import build_horizon, decision_variables
from bayes_mmm.results import counterfactual
from bayes_mmm.testing import random_engine

PAIRS = list(itertools.product(ADSTOCKS, SATURATIONS))
N_DATES, L_MAX, DRAWS = 40, 4, 30
RTOL = 1e-9


def _dark_last_weeks(media):
    media[-12:, :, -1] = 0.0  # a channel without spend in the last weeks (no carry-in)


_engine = partial(
    random_engine, N_DATES, DRAWS, l_max=L_MAX, extra="dark", edit_media=_dark_last_weeks
)


CASES = [(1, False, False), (1, True, False), (3, False, False), (3, True, True)]


def _evaluators(engine, window, by_geo, **kw):
    hz = build_horizon(engine, 6, window)
    share, scale, *_ = decision_variables(engine.spend, hz, by_geo)
    return (
        PlanEvaluator(engine, hz, share, scale),
        FastPlanEvaluator(engine, hz, share, scale, **kw),
        len(scale),
    )


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=RTOL * max(1.0, np.abs(b).max()))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"geo{c[0]}-money{c[1]}-geop{c[2]}")
def test_outcome_and_gradient_equal_the_compiled_reference(case):
    engine = _engine(*case)
    assert supported(engine.channels)
    for window, by_geo in itertools.product((None, (20, 26), (30, 36)), (True, False)):
        ref, fast, n = _evaluators(engine, window, by_geo)
        rng = np.random.default_rng(1)
        for x in (np.ones(n), rng.uniform(0.0, 3.0, n), np.zeros(n), np.r_[0.0, np.ones(n - 1)]):
            (y_ref, g_ref), (y, g) = ref(x), fast(x)
            assert np.isfinite(g).all()
            _close(y, y_ref)
            _close(g, g_ref)


def test_gradient_matches_finite_differences():
    engine = _engine(3, True, True)
    _, fast, n = _evaluators(engine, (20, 26), True)
    x = np.random.default_rng(2).uniform(0.3, 2.0, n)
    _, grad = fast(x)
    for j in range(0, n, 5):
        e = np.zeros(n)
        e[j] = 1e-6 * x[j]
        fd = (fast(x + e)[0].sum(1) - fast(x - e)[0].sum(1)) / (2 * e[j])
        np.testing.assert_allclose(grad[:, j], fd, rtol=1e-5, atol=1e-7 * np.abs(fd).max())


def test_zero_spend_cells_have_finite_gradients():
    engine = _engine(3, False, False)
    _, fast, n = _evaluators(engine, None, True)
    dark = engine.media.shape[2] - 1  # no spend in the reference weeks, no carry-in
    for x in (np.zeros(n), np.full(n, 1e-300), np.ones(n)):
        y, grad = fast(x)
        assert np.isfinite(y).all() and np.isfinite(grad).all()
    y, _ = fast(np.zeros(n))
    assert not y.any()  # zero spend in the horizon: exactly no incremental outcome
    assert dark >= 0


def test_chunks_threads_cache_and_draw_subsets_change_no_number(monkeypatch):
    engine = _engine(3, True, False)
    hz = build_horizon(engine, 6)
    share, scale, *_ = decision_variables(engine.spend, hz, True)
    x = np.random.default_rng(3).uniform(0.0, 2.0, len(scale))
    whole = FastPlanEvaluator(engine, hz, share, scale)
    assert len(whole._chunks) == 1
    monkeypatch.setattr(fast_evaluator, "CHUNK_BYTES", 8 * 7 * 3 * engine.media.shape[2] * 4)
    monkeypatch.setattr(fast_evaluator, "CACHE_BYTES", 0)
    monkeypatch.setattr(counterfactual, "THREADS", 2)
    chunked = FastPlanEvaluator(engine, hz, share, scale)
    assert len(chunked._chunks) > 4 and not chunked._cache
    for a, b in zip(whole(x), chunked(x)):
        np.testing.assert_array_equal(a, b)
    rows = np.arange(0, DRAWS, 4)
    subset = FastPlanEvaluator(engine, hz, share, scale, draws=rows)
    assert subset.n_draws == len(rows)
    for a, b in zip(whole(x), subset(x)):
        np.testing.assert_array_equal(a[rows], b)


def test_closed_form_only_for_transforms_it_knows():
    engine = _engine(1, False, False)
    hz = build_horizon(engine, 6)
    share, scale, *_ = decision_variables(engine.spend, hz, False)
    assert type(plan_evaluator(engine, hz, share, scale)) is FastPlanEvaluator
    odd = [dataclasses.replace(engine.channels[0], saturation="custom"), *engine.channels[1:]]
    assert not supported(odd)  # plan_evaluator then builds the compiled PlanEvaluator


@pytest.mark.parametrize("options", [{}, {"relative_bounds": 0.5}], ids=["budget", "bounds"])
def test_projected_newton_matches_slsqp_on_a_small_regional_plan(monkeypatch, options):
    """The large-problem solver (forced on 12 variables) finds SLSQP's plan: the same expected
    outcome to 1e-6 and the same split to 1% of the budget, constraints exact."""
    sim = bm.simulate(80, 4, geos=3, seed=4)
    reference = bm.optimize_budget(sim, horizon=8, **options)
    monkeypatch.setattr(optimizer, "SLSQP_MAX_VARS", 0)
    projected = bm.optimize_budget(sim, horizon=8, **options)
    assert reference.info["solver_message"] != projected.info["solver_message"]
    best, ours = reference.outcome_optimal["mean"], projected.outcome_optimal["mean"]
    assert ours >= best - 1e-6 * abs(best)
    total = reference.optimal.total
    assert projected.optimal.total == pytest.approx(total, rel=1e-9)
    np.testing.assert_allclose(
        projected.optimal.budget, reference.optimal.budget, atol=0.01 * total
    )
    if options:
        lo, hi = 0.5 * reference.current.budget, 1.5 * reference.current.budget
        assert (projected.optimal.budget >= lo - 1e-9 * total).all()
        assert (projected.optimal.budget <= hi + 1e-9 * total).all()


def test_projection_is_feasible_and_optimal():
    rng = np.random.default_rng(5)
    y, d, a = rng.normal(1, 2, 50), rng.uniform(0.1, 5, 50), rng.uniform(0.5, 2, 50)
    lo, hi = np.zeros(50), rng.uniform(1, 3, 50)
    x = projected.project(y, d, a, 40.0, lo, hi)
    assert a @ x == pytest.approx(40.0, rel=1e-12) and (x >= lo).all() and (x <= hi).all()
    for _ in range(200):  # no feasible move along a pair of variables lowers the distance
        i, j = rng.choice(50, 2, replace=False)
        step = np.zeros(50)
        step[i], step[j] = 1e-3 / a[i], -1e-3 / a[j]
        for z in (x + step, x - step):
            if (z >= lo).all() and (z <= hi).all():
                assert d @ (z - y) ** 2 >= d @ (x - y) ** 2 - 1e-12


def test_other_linear_constraints_stay_with_slsqp(monkeypatch):
    engine = bm.simulate(60, 2, geos=2, seed=4).engine()
    monkeypatch.setattr(optimizer, "SLSQP_MAX_VARS", 0)
    total = engine.spend[-13:].sum()
    result = bm.optimize_budget(
        engine, horizon=13, region_budgets={"geo_0": 0.6 * total, "geo_1": 0.4 * total}
    )
    assert result.optimal.budget[0].sum() == pytest.approx(0.6 * total, rel=1e-6)
    assert "projected" not in str(result.info["solver_message"])


def test_search_on_a_subset_of_draws_reports_on_every_draw(mock_fit):
    result = mock_fit.optimize_budget(horizon=13, search_draws=50)
    assert result.info["search_draws"] == 50
    assert len(result.draws["optimal"]) == mock_fit.params.n_samples == 200
    assert result.optimal.total == pytest.approx(result.current.total, rel=1e-9)
    full = mock_fit.optimize_budget(horizon=13)
    assert full.info["search_draws"] == 200
    # the subset's plan, scored on all draws, is no better than the all-draw plan's
    assert result.info["objective_value"] <= full.info["objective_value"] * (1 + 1e-6)
    with pytest.raises(bm.OptimizationError, match="search_draws"):
        mock_fit.optimize_budget(horizon=13, search_draws=0)
