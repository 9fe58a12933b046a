"""Budget optimisation under posterior uncertainty (docs/optimizer.md).

``optimize_budget(fit, ...)`` chooses spend per channel (and region) over a planning horizon to
maximise an objective of the *distribution* of the plan's incremental outcome over every posterior
draw, subject to linear budget constraints. Decision variables are budgets in scaled units
(budget / current budget, so 1 = "as now"); the per-draw outcome and its exact gradient come from
one compiled pytensor function (:class:`~bayes_mmm.plans.PlanEvaluator`), solved with SciPy SLSQP.

Outcome units: money when the data has ``revenue_per_unit``, else target units (as ``fit.roi()``).
Spend units: the spend columns' currency, totalled over the horizon.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from bayes_mmm.core.errors import OptimizationError, message
from bayes_mmm.planning.constraints import Constraints
from bayes_mmm.planning.outcomes import BudgetResult, context, horizon_window, result_from_solution
from bayes_mmm.planning.plans import PlanEvaluator, build_horizon, decision_variables

OBJECTIVES = ("outcome", "profit", "mean_sd", "cvar")
FTOL = 1e-9  # SLSQP tolerance on the objective (scaled: outcome per unit of current total spend)


def optimize_budget(
    source,
    budget: float | None = None,
    *,
    horizon: int = 13,
    window=None,
    objective: str | Callable[[np.ndarray], float] = "outcome",
    margin: float | None = None,
    risk_aversion: float = 1.0,
    alpha: float = 0.1,
    bounds: Mapping | None = None,
    relative_bounds: float | tuple | Mapping | None = None,
    fixed: Sequence[str] = (),
    zero: Sequence[str] = (),
    region_budgets: Mapping[str, float] | None = None,
    target_mroi: float | None = None,
    target_roi: float | None = None,
    pattern="recent",
    by_geo: bool | None = None,
    level: float = 0.9,
    maxiter: int = 200,
) -> BudgetResult:
    """Optimal spend per channel (and region) over a horizon, using every posterior draw.

    Args:
        source: an :class:`~bayes_mmm.MMMFit`, a :class:`~bayes_mmm.Simulation` (true parameters)
            or an :class:`~bayes_mmm.effects.Engine`.
        budget: total spend over the horizon (currency). Default: the current plan's total. With
            ``target_mroi`` / ``target_roi`` it is an optional cap instead of a fixed total.
        horizon: future horizon in weeks, straight after the data; the reference ("current") plan is
            the last ``horizon`` weeks of spend, repeated. Ignored with ``window``.
        window: ``(start, end)`` dates (inclusive) of a historical window to re-allocate instead.
        objective: "outcome" (expected incremental outcome), "profit" (expected
            ``margin x outcome - spend``), "mean_sd" (``mean - risk_aversion x sd``), "cvar"
            (mean of the worst ``alpha`` share of draws), or a function of the per-draw values
            ``(draw,) -> float`` to maximise (gradient by finite differences). With ``margin`` the
            per-draw value of the risk objectives and of a function is profit, else outcome.
        margin: money kept per outcome unit for profit objectives (default 1.0).
        risk_aversion: lambda of "mean_sd" (>= 0).
        alpha: tail share of "cvar", in (0, 1).
        bounds: absolute spend bounds over the horizon, ``{channel: (lower, upper)}`` (currency; None
            for no bound) on the channel total, or ``{(geo, channel): (lower, upper)}`` per region.
        relative_bounds: bounds relative to current spend: ``0.3`` (each channel within +-30%),
            ``(0.5, 2.0)`` multipliers, or ``{channel: 0.3 | (lo, hi)}``.
        fixed: channels kept at their current spend. zero: channels switched off.
        region_budgets: ``{geo: total spend over the horizon}`` (regional models).
        target_mroi: flexible budget: spend until the expected marginal ROI falls to this value
            (maximises ``outcome - target_mroi x spend``).
        target_roi: flexible budget: maximise the objective subject to expected ROI >= this value.
        pattern: weekly flighting within the horizon: "recent", "flat" or weights (see Horizon).
        by_geo: one decision variable per region x channel (default: when the model has regions);
            False keeps each channel's current regional split.
        level: credible level of the reported intervals.
        maxiter: SLSQP iteration limit.

    Raises:
        OptimizationError: infeasible constraints (naming the conflict), bad arguments, solver failure.
    """
    ctx = context(source)
    _check_options(objective, margin, risk_aversion, alpha, target_mroi, target_roi, level, budget)
    hz = build_horizon(ctx.engine, horizon, horizon_window(ctx, window), pattern, ctx.target)
    by_geo = (len(ctx.geos) > 1) if by_geo is None else bool(by_geo)
    if region_budgets:
        if len(ctx.geos) == 1:
            raise OptimizationError(
                message("region_budgets", "a regional (geo) model", "a national model")
            )
        by_geo = True
    share, scale, owner_ch, owner_geo = decision_variables(ctx.engine.spend, hz, by_geo)
    current_x = np.where(scale > 0, _var_current(hz, share, by_geo) / scale, 0.0)
    flexible = target_mroi is not None or target_roi is not None
    total_current = float(hz.current.sum())
    if budget is None and not flexible:
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
        ctx.channels, ctx.geos, owner_ch, owner_geo, scale, current_x * scale, budget, flexible
    )
    cons.apply(bounds, relative_bounds, fixed, zero, region_budgets)
    cons.check()
    norm = total_current if total_current > 0 else float(scale.sum())
    ev = PlanEvaluator(ctx.engine, hz, share, scale)
    value_a, value_b = _value_coefficients(objective, margin, target_mroi)
    fun = _objective(ev, objective, value_a, value_b, risk_aversion, alpha, norm)
    scipy_cons = cons.scipy(norm)
    if target_roi is not None:

        def roi_gap(x):
            y, grad = ev(x)
            return np.array([(y.sum(1).mean() - target_roi * scale @ x) / norm]), (
                grad.mean(0) - target_roi * scale
            )[None] / norm

        scipy_cons.append(
            {"type": "ineq", "fun": lambda x: roi_gap(x)[0], "jac": lambda x: roi_gap(x)[1]}
        )
    lo, hi = (
        cons.lower / np.where(scale > 0, scale, 1.0),
        cons.upper / np.where(scale > 0, scale, 1.0),
    )
    x0 = np.clip(current_x * ((budget or norm) / norm if not flexible else 1.0), lo, hi)
    from scipy.optimize import minimize

    tic = time.perf_counter()
    s = _preconditioner(fun, x0, hi)  # solve in z = s * x
    z_cons = [
        {**c, "fun": lambda z, f=c["fun"]: f(z / s), "jac": lambda z, j=c["jac"]: j(z / s) / s}
        for c in scipy_cons
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
    wall = time.perf_counter() - tic
    x = np.clip(res.x / s, lo, hi)
    if not res.success or not np.isfinite(x).all():
        raise OptimizationError(
            message(
                "optimize_budget",
                "a converged solve",
                f"solver failure: {res.message}",
                "Loosen the constraints, raise maxiter or try a smooth objective.",
            )
        )
    cons.verify(x)
    if target_roi is not None and roi_gap(x)[0][0] < -1e-6:
        raise OptimizationError(
            message(
                "target_roi",
                f"a plan within the bounds with expected ROI >= {target_roi}",
                "no such plan",
                "Lower target_roi or loosen the bounds.",
            )
        )
    name = objective if isinstance(objective, str) else getattr(objective, "__name__", "custom")
    info = {
        "objective": name,
        "n_iter": int(res.nit),
        "n_evaluations": ev.n_calls,
        "solver_message": res.message,
        "wall_time_s": wall,
        "compile_time_s": ev.compile_time,
        "objective_value": -float(res.fun) * norm,
        "flexible": flexible,
        "budget": budget,
    }
    return result_from_solution(ctx, hz, ev, current_x, x, owner_ch, owner_geo, by_geo, level, info)


def _preconditioner(fun, x0: np.ndarray, hi: np.ndarray, step: float = 0.01) -> np.ndarray:
    """Diagonal scaling ``s ~ sqrt(|d2f/dx2|)`` so the solver's initial identity Hessian is about right.

    The expected-outcome objectives are separable across variables, so one extra gradient at
    ``x0 + step`` (all variables moved at once) estimates every diagonal curvature.
    """
    x1 = np.where(x0 + step <= hi, x0 + step, x0 - step)
    curvature = np.abs((fun(x1)[1] - fun(x0)[1]) / (x1 - x0))
    top = curvature.max()
    if not np.isfinite(top) or top <= 0:
        return np.ones_like(x0)
    return np.sqrt(np.maximum(curvature, 1e-3 * top))


def _check_options(
    objective, margin, risk_aversion, alpha, target_mroi, target_roi, level, budget
) -> None:
    if not callable(objective) and objective not in OBJECTIVES:
        raise OptimizationError(
            message(
                "objective",
                f"one of {list(OBJECTIVES)} or a function of the draws",
                repr(objective),
            )
        )
    for name, value, ok, allowed in (
        ("margin", margin, margin is None or margin > 0, "a positive money value per outcome unit"),
        ("risk_aversion", risk_aversion, risk_aversion >= 0, "a number >= 0"),
        ("alpha", alpha, 0 < alpha < 1, "a tail share in (0, 1)"),
        ("level", level, 0 < level < 1, "a probability in (0, 1)"),
        (
            "budget",
            budget,
            budget is None or (math.isfinite(budget) and budget >= 0),
            "a total spend >= 0",
        ),
        (
            "target_mroi",
            target_mroi,
            target_mroi is None or target_mroi > 0,
            "a positive marginal ROI",
        ),
        ("target_roi", target_roi, target_roi is None or target_roi > 0, "a positive ROI"),
    ):
        if not ok:
            raise OptimizationError(message(name, allowed, value))
    if target_mroi is not None and target_roi is not None:
        raise OptimizationError(
            message(
                "target_mroi / target_roi",
                "at most one flexible-budget target",
                f"target_mroi={target_mroi}, target_roi={target_roi}",
            )
        )
    if objective == "profit" and target_mroi is not None:
        raise OptimizationError(
            message(
                "target_mroi",
                "None with objective='profit' (profit already sets the marginal ROI to 1 / margin)",
                target_mroi,
            )
        )


def _var_current(hz, share: np.ndarray, by_geo: bool) -> np.ndarray:
    owner = share > 0
    return np.array([hz.current.ravel()[row].sum() for row in owner])


def _value_coefficients(objective, margin, target_mroi) -> tuple[float, float]:
    """Per-draw value = a x outcome - b x spend."""
    if objective == "profit":
        return (1.0 if margin is None else margin), 1.0
    if margin is not None and objective != "outcome":
        return margin, 1.0
    return 1.0, (0.0 if target_mroi is None else target_mroi)


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
