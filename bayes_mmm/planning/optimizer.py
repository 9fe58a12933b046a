"""Budget optimisation under posterior uncertainty (docs/optimizer.md).

``optimize_budget(fit, ...)`` chooses spend per channel (and region) over a planning horizon to
maximise an objective of the *distribution* of the plan's incremental outcome over every posterior
draw, subject to linear budget constraints. Decision variables are budgets in scaled units
(budget / current budget, so 1 = "as now"); the per-draw outcome and its exact gradient come from
one compiled pytensor function (:class:`~bayes_mmm.planning.plans.PlanEvaluator`), solved with
SciPy SLSQP. Options are grouped in :mod:`bayes_mmm.planning.options`.

Outcome units: money when the data has ``revenue_per_unit``, else target units (as ``fit.roi()``).
Spend units: the spend columns' currency, totalled over the horizon.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from bayes_mmm.core.errors import OptimizationError, check_level, message
from bayes_mmm.planning.budget_result import BudgetResult, result_from_solution
from bayes_mmm.planning.constraints import Constraints
from bayes_mmm.planning.evaluator import PlanEvaluator
from bayes_mmm.planning.fast_evaluator import FastPlanEvaluator, plan_evaluator
from bayes_mmm.planning.options import (
    Objective,
    PlanningWindow,
    SpendLimits,
    check_budget,
    resolve_options,
)
from bayes_mmm.planning.outcomes import context, horizon_window
from bayes_mmm.planning.plans import build_horizon, decision_variables
from bayes_mmm.planning.projected import minimise
from bayes_mmm.results.coverage import mark_untrained

FTOL = 1e-9  # SLSQP tolerance on the objective (scaled: outcome per unit of current total spend)
PINNED = 1e-12  # a decision variable whose bounds are closer than this (scaled units) is fixed
SLSQP_MAX_VARS = 100  # more variables with box bounds and one budget: projected Newton (SLSQP's
# subproblem is O(n^3): minutes per iteration at 1500 variables)


def optimize_budget(
    source,
    budget: float | None = None,
    *,
    horizon: int | PlanningWindow = 13,
    objective: str | Callable[[np.ndarray], float] | Objective = "outcome",
    limits: SpendLimits | None = None,
    level: float = 0.9,
    maxiter: int = 200,
    search_draws: int | None = None,
    **shortcuts,
) -> BudgetResult:
    """Optimal spend per channel (and region) over a horizon, using every posterior draw.

    Args:
        source: an ``MMMFit``, a ``Simulation`` (true parameters) or a counterfactual ``Engine``.
        budget: total spend over the horizon (currency). Default: the current plan's total. With
            ``target_mroi`` / ``target_roi`` it is an optional cap instead of a fixed total.
        horizon: weeks planned straight after the data (the reference plan is the last ``horizon``
            weeks of spend, repeated), or a :class:`PlanningWindow`.
        objective: "outcome", "profit", "mean_sd", "cvar", a function of the per-draw values, or
            an :class:`Objective` (see there).
        limits: a :class:`SpendLimits` (bounds, fixed / zero channels, regional budgets).
        level: credible level of the reported intervals.
        maxiter: iteration limit of the solver (SLSQP; projected Newton above 100 variables).
        search_draws: search the plan on this many evenly spaced posterior draws (faster on
            large panels); every reported number still uses all draws. Default: all draws.
        **shortcuts: any field of :class:`Objective`, :class:`SpendLimits` or
            :class:`PlanningWindow` by name, e.g. ``relative_bounds=0.3``, ``fixed=["tv"]``,
            ``margin=0.4``, ``target_mroi=1.0``, ``window=("2024-01-07", "2024-03-31")``.

    Raises:
        OptimizationError: infeasible constraints (naming the conflict), bad arguments, solver
            failure.
    """
    goal, limits, planning = resolve_options(objective, horizon, limits, shortcuts)
    limits, kept = _keep_untrained(source, limits)
    check_level(level)
    check_budget(budget)
    ctx = context(source)
    hz = build_horizon(
        ctx.engine,
        planning.weeks,
        horizon_window(ctx, planning.window),
        planning.pattern,
        ctx.target,
    )
    by_geo = _by_geo(ctx, planning, limits)
    share, scale, owner_ch, owner_geo = decision_variables(ctx.engine.spend, hz, by_geo)
    current_x = np.where(scale > 0, _var_current(hz, share) / scale, 0.0)
    total_current = float(hz.current.sum())
    if budget is None and not goal.flexible:
        if total_current <= 0:
            raise OptimizationError(
                message(
                    "budget",
                    "a positive total (currency over the horizon)",
                    "None while the current plan spends nothing",
                    "Pass budget=...",
                )
            )
        budget = total_current
    cons = Constraints(
        ctx.channels, ctx.geos, owner_ch, owner_geo, scale, current_x * scale, budget, goal.flexible
    )
    cons.apply(
        limits.bounds, limits.relative_bounds, limits.fixed, limits.zero, limits.region_budgets
    )
    cons.check()
    norm = total_current if total_current > 0 else float(scale.sum())
    large = len(scale) > SLSQP_MAX_VARS or search_draws is not None
    # small problems keep the compiled evaluator: SLSQP runs there can turn on 1e-16 differences
    # (slope < 1 draws near zero spend; docs/benchmarks.md), the closed form is for large ones
    ev = (plan_evaluator if large else PlanEvaluator)(ctx.engine, hz, share, scale)
    search = _search_evaluator(ev, search_draws)
    x, info = _solve(search, goal, cons, current_x, scale, budget, norm, maxiter)
    if search is not ev:  # the reported objective, like every result, over all draws
        value_a, value_b = goal.value_coefficients()
        fun = _objective(ev, goal.kind, value_a, value_b, goal.risk_aversion, goal.alpha, norm)
        info["objective_value"] = -float(fun(x)[0]) * norm
    info.update(
        {
            "objective": goal.name,
            "search_draws": search.n_draws,
            "n_evaluations": search.n_calls + (ev.n_calls if search is not ev else 0),
            "compile_time_s": ev.compile_time,
            "flexible": goal.flexible,
            "budget": budget,
            "kept_untrained": kept,
        }
    )
    result = result_from_solution(
        ctx, hz, ev, current_x, x, owner_ch, owner_geo, by_geo, level, info
    )
    return replace(result, table=mark_untrained(result.table, kept)) if kept else result


def _search_evaluator(ev: PlanEvaluator, search_draws: int | None) -> PlanEvaluator:
    """The evaluator on ``search_draws`` evenly spaced draws when fewer than all (closed form
    only); the same evaluator otherwise."""
    if search_draws is not None and not (
        isinstance(search_draws, (int, np.integer)) and search_draws > 0
    ):
        raise OptimizationError(
            message("search_draws", "a positive whole number or None", search_draws)
        )
    if not isinstance(ev, FastPlanEvaluator) or search_draws is None or ev.n_draws <= search_draws:
        return ev
    draws = np.linspace(0, ev.n_draws - 1, search_draws).round().astype(int)
    return FastPlanEvaluator(ev.engine, ev.horizon, ev.share, ev.scale, draws=draws)


def _keep_untrained(source, limits: SpendLimits) -> tuple[SpendLimits, list[str]]:
    """Channels with no training spend have an unidentified effect (prior only): keep them at
    their current spend, with a warning, unless the user bounds, fixes or zeroes them."""
    untrained = getattr(source, "untrained_channels", ())
    bounded = {
        key[-1] if isinstance(key, tuple) else key
        for option in (limits.bounds, limits.relative_bounds)
        if isinstance(option, Mapping)
        for key in option
    }
    chosen = bounded | set(limits.fixed) | set(limits.zero)
    kept = [ch for ch in untrained if ch not in chosen]
    if kept:
        warnings.warn(
            f"optimize_budget: channel(s) {kept} had no spend in the training window, so the "
            "model knows nothing about their effect; they are kept at their current spend. "
            "Pass bounds={channel: (lower, upper)} to plan them anyway.",
            UserWarning,
            stacklevel=3,
        )
        limits = replace(limits, fixed=(*limits.fixed, *kept))
    return limits, kept


def _by_geo(ctx, planning: PlanningWindow, limits: SpendLimits) -> bool:
    by_geo = (len(ctx.geos) > 1) if planning.by_geo is None else bool(planning.by_geo)
    if limits.region_budgets:
        if len(ctx.geos) == 1:
            raise OptimizationError(
                message("region_budgets", "a regional (geo) model", "a national model")
            )
        by_geo = True
    return by_geo


def _solve(
    ev: PlanEvaluator, goal: Objective, cons: Constraints, current_x, scale, budget, norm, maxiter
):
    """SLSQP on preconditioned scaled budgets; returns the solution and the solver's info."""
    value_a, value_b = goal.value_coefficients()
    fun = _objective(ev, goal.kind, value_a, value_b, goal.risk_aversion, goal.alpha, norm)
    scipy_cons = cons.scipy(norm)
    roi_gap = None
    if goal.target_roi is not None:
        target = goal.target_roi

        def roi_gap(x):
            y, grad = ev(x)
            gap = (y.sum(1).mean() - target * scale @ x) / norm
            return np.array([gap]), (grad.mean(0) - target * scale)[None] / norm

        scipy_cons.append(
            {"type": "ineq", "fun": lambda x: roi_gap(x)[0], "jac": lambda x: roi_gap(x)[1]}
        )
    safe = np.where(scale > 0, scale, 1.0)
    lo, hi = cons.lower / safe, cons.upper / safe
    x0 = np.clip(current_x * ((budget or norm) / norm if not goal.flexible else 1.0), lo, hi)
    tic = time.perf_counter()
    if np.all(hi - lo <= PINNED):  # every variable is fixed by the constraints: nothing to solve
        x, n_iter, note = lo.copy(), 0, "nothing to optimise: the constraints fix every channel"
    elif len(x0) > SLSQP_MAX_VARS and roi_gap is None and (row := _budget_row(scipy_cons, len(x0))):
        a, t = row
        x, n_iter, note, ok = minimise(fun, x0, lo, hi, a, t, maxiter, FTOL)
        _check_converged(ok, note)
    else:
        x, n_iter, note = _slsqp(fun, scipy_cons, x0, lo, hi, maxiter)
    wall = time.perf_counter() - tic
    cons.verify(x)
    if roi_gap is not None and roi_gap(x)[0][0] < -1e-6:
        raise OptimizationError(
            message(
                "target_roi",
                f"a plan within the bounds with expected ROI >= {goal.target_roi}",
                "no such plan",
                "Lower target_roi or loosen the bounds.",
            )
        )
    info = {"n_iter": n_iter, "solver_message": note, "wall_time_s": wall}
    return x, {**info, "objective_value": -float(fun(x)[0]) * norm}


def _budget_row(constraints: list[dict], n: int):
    """``(a, t)`` when the constraints are at most one equality ``a . x = t`` (the budget) with
    ``a >= 0``, ``(None, 0.0)`` when there are none; None otherwise (SLSQP handles those)."""
    if not constraints:
        return None, 0.0
    if len(constraints) > 1 or constraints[0]["type"] != "eq":
        return None
    zero = np.zeros(n)
    a = np.asarray(constraints[0]["jac"](zero), float)[0]
    return (a, -float(constraints[0]["fun"](zero)[0])) if (a >= 0).all() else None


def _check_converged(ok: bool, note: str) -> None:
    if not ok:
        raise OptimizationError(
            message(
                "optimize_budget",
                "a converged solve",
                f"solver failure: {note}",
                "Loosen the constraints, raise maxiter or try a smooth objective.",
            )
        )


def _slsqp(fun, constraints: list[dict], x0, lo, hi, maxiter: int):
    """Minimise ``fun`` (value, gradient) in preconditioned coordinates ``z = s * x``."""
    from scipy.optimize import minimize

    s = _preconditioner(fun, x0, hi)
    z_cons = [
        {**c, "fun": lambda z, f=c["fun"]: f(z / s), "jac": lambda z, j=c["jac"]: j(z / s) / s}
        for c in constraints
    ]
    res = minimize(
        lambda z: fun(z / s)[0],
        x0 * s,
        jac=lambda z: fun(z / s)[1] / s,
        method="SLSQP",
        bounds=list(zip(lo * s, hi * s)),
        constraints=z_cons,
        options={"maxiter": maxiter, "ftol": FTOL},
    )
    x = np.clip(res.x / s, lo, hi)
    _check_converged(bool(res.success) and bool(np.isfinite(x).all()), res.message)
    return x, int(getattr(res, "nit", 0)), res.message


def _preconditioner(fun, x0: np.ndarray, hi: np.ndarray, step: float = 0.01) -> np.ndarray:
    """Diagonal scaling ``s ~ sqrt(|d2f/dx2|)``: the solver's first identity Hessian is about right.

    The expected-outcome objectives are separable across variables, so one extra gradient at
    ``x0 + step`` (all variables moved at once) estimates every diagonal curvature.
    """
    x1 = np.where(x0 + step <= hi, x0 + step, x0 - step)
    curvature = np.abs((fun(x1)[1] - fun(x0)[1]) / (x1 - x0))
    top = curvature.max()
    if not np.isfinite(top) or top <= 0:
        return np.ones_like(x0)
    return np.sqrt(np.maximum(curvature, 1e-3 * top))


def _var_current(hz, share: np.ndarray) -> np.ndarray:
    owner = share > 0
    return np.array([hz.current.ravel()[row].sum() for row in owner])


def _objective(
    ev: PlanEvaluator, objective, a: float, b: float, lam: float, alpha: float, norm: float
):
    """Negative scaled objective and its gradient as a function of scaled budgets."""
    scale = ev.scale

    def values(x):
        y, grad = ev(x)
        return a * y.sum(axis=1) - b * (scale @ x), a * grad - b * scale[None]

    def aggregate(v, dv):
        if objective in ("outcome", "profit"):
            return v.mean(), dv.mean(axis=0)
        if objective == "mean_sd":
            m, sd = v.mean(), v.std()
            d_sd = ((v - m) / (len(v) * sd)) @ dv if sd > 1e-12 * max(abs(m), 1.0) else 0.0
            return m - lam * sd, dv.mean(axis=0) - lam * d_sd
        k = max(1, math.ceil(alpha * len(v)))
        tail = np.argpartition(v, k - 1)[:k]
        return v[tail].mean(), dv[tail].mean(axis=0)

    def fun(x):
        v, dv = values(x)
        if callable(objective):
            f = float(objective(v))
            step = 1e-6 * np.maximum(1.0, np.abs(x))
            g = np.array(
                [
                    (float(objective(values(x + step[j] * np.eye(len(x))[j])[0])) - f) / step[j]
                    for j in range(len(x))
                ]
            )
        else:
            f, g = aggregate(v, dv)
        if not np.isfinite(f) or not np.isfinite(g).all():
            raise OptimizationError(
                message(
                    "objective",
                    "a finite value and gradient",
                    f"{f} / {g}",
                    "Check the model's parameters for NaN draws.",
                )
            )
        return -f / norm, -np.asarray(g, dtype=float) / norm

    return fun
