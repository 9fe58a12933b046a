"""What-if scenarios and optimiser results: outcome distributions of budget plans
(docs/optimizer.md).

``evaluate_plan(fit, plan)`` and ``scenario(fit, total_change=0.10)`` give the posterior
distribution of a plan's incremental outcome (vs zero spend in the horizon, carryover included)
and of its change against the current plan; :class:`BudgetResult` is what ``optimize_budget``
returns. Outcomes are money when the data has ``revenue_per_unit``, else target units; spend is
currency over the horizon; percentages are of the outcome in the reference weeks (the last
``horizon`` weeks of data, or the re-allocated window).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import OptimizationError, message
from bayes_mmm.core.intervals import summarise
from bayes_mmm.data.windows import date_mask, mask_bounds
from bayes_mmm.planning.display import plan_outcome_html
from bayes_mmm.planning.evaluator import PlanEvaluator
from bayes_mmm.planning.fast_evaluator import plan_evaluator
from bayes_mmm.planning.plans import Horizon, Plan, build_horizon, check_spend, decision_variables
from bayes_mmm.results.counterfactual import Engine


@dataclass(frozen=True, eq=False)
class Context:
    """What the optimiser needs from a fit, a simulation or a bare engine."""

    engine: Engine
    channels: tuple[str, ...]
    geos: tuple[str, ...]
    dates: pd.DatetimeIndex | None
    target: np.ndarray | None


def context(source) -> Context:
    """Normalise an MMMFit, Simulation or Engine into a :class:`Context`."""
    if isinstance(source, Engine):
        names = tuple(ch.name for ch in source.channels)
        n_geo = source.media.shape[1]
        geos = ("national",) if n_geo == 1 else tuple(f"geo_{g}" for g in range(n_geo))
        return Context(source, names, geos, None, None)
    engine = (
        source.engine()
        if callable(getattr(source, "engine", None))
        else getattr(source, "engine", None)
    )
    data = getattr(source, "data", None)
    if not isinstance(engine, Engine) or data is None:
        raise OptimizationError(
            message("source", "an MMMFit, a Simulation or an Engine", type(source).__name__)
        )
    return Context(engine, tuple(data.channels), tuple(data.geos), data.dates, data.target)


def horizon_window(ctx: Context, window) -> tuple[int, int] | None:
    """``(start, end)`` inclusive dates (or positions when the source has no calendar) ->
    positions."""
    if window is None:
        return None
    start, end = window
    if ctx.dates is None or all(isinstance(v, (int, np.integer)) for v in window):
        return int(start), int(end) + 1
    return mask_bounds(date_mask(ctx.dates, start, end, name="window", error=OptimizationError))


@dataclass(frozen=True, eq=False)
class PlanOutcome:
    """Posterior distribution of a plan's incremental outcome, and its change vs the current plan.

    Attributes:
        plan, current: the evaluated plan and the reference (current) plan, weekly spend.
        draws, current_draws: incremental outcome per posterior draw (vs zero spend in the horizon).
        outcome, change: mean / median / lower / upper of ``draws`` and of
            ``draws - current_draws``.
        change_pct: the same for the change as % of the outcome in the reference weeks (NaN if
            unknown).
        prob_increase: posterior probability that the plan's outcome exceeds the current plan's.
        table: per channel: current and plan spend, outcome mean / lower / upper, ROI (mean).
    """

    plan: Plan
    current: Plan
    draws: np.ndarray
    current_draws: np.ndarray
    level: float
    outcome: dict
    change: dict
    change_pct: dict
    prob_increase: float
    table: pd.DataFrame

    def summary(self) -> str:
        """One sentence answering "what happens to the outcome under this plan"."""
        pct = self.change_pct
        text = (
            f"Spend {self.plan.total:,.0f} vs {self.current.total:,.0f} now: outcome change "
            f"{self.change['mean']:+,.0f} ({int(self.level * 100)}% CI "
            f"{self.change['lower']:+,.0f} to "
            f"{self.change['upper']:+,.0f})"
        )
        if np.isfinite(pct["mean"]):
            text += (
                f", i.e. {pct['mean']:+.2f}% of sales "
                f"({pct['lower']:+.2f}% to {pct['upper']:+.2f}%)"
            )
        return text + f"; P(better than now) = {self.prob_increase:.2f}."

    def __repr__(self) -> str:
        return f"PlanOutcome({self.summary()})"

    def _repr_html_(self) -> str:
        return plan_outcome_html(self)


def _outcome(
    ctx: Context, hz: Horizon, ev: PlanEvaluator, x_plan, x_cur, level: float
) -> PlanOutcome:
    y_plan, _ = ev(x_plan)
    y_cur, _ = ev(x_cur)
    plan, cur = (
        hz.plan(ev.budgets(x_plan), ctx.channels, ctx.geos),
        hz.plan(ev.budgets(x_cur), ctx.channels, ctx.geos),
    )
    by_ch = np.stack(
        [y_plan[:, ev.share[:, c :: ev.n_ch].sum(1) > 0].sum(1) for c in range(ev.n_ch)], axis=1
    )
    rows = []
    for c, ch in enumerate(ctx.channels):
        spend = plan.budget[:, c].sum()
        rows.append(
            {
                "channel": ch,
                "current_spend": cur.budget[:, c].sum(),
                "spend": spend,
                **{
                    f"outcome_{k}": v
                    for k, v in summarise(by_ch[:, c], level).items()
                    if k != "median"
                },
                "roi": by_ch[:, c].mean() / spend if spend > 0 else np.nan,
            }
        )
    total, total_cur = y_plan.sum(1), y_cur.sum(1)
    diff = total - total_cur
    pct = (
        summarise(100 * diff / hz.reference_sales, level)
        if hz.reference_sales > 0
        else dict.fromkeys(("mean", "median", "lower", "upper"), np.nan)
    )
    return PlanOutcome(
        plan,
        cur,
        total,
        total_cur,
        level,
        summarise(total, level),
        summarise(diff, level),
        pct,
        float(np.mean(diff > 0)),
        pd.DataFrame(rows),
    )


def _cell_evaluator(ctx: Context, hz: Horizon) -> tuple[PlanEvaluator, np.ndarray]:
    """Evaluator with one variable per cell (scale = current budget, or a typical one) and
    current x."""

    share, scale, *_ = decision_variables(ctx.engine.spend, hz, by_geo=True)
    return plan_evaluator(ctx.engine, hz, share, scale), hz.current.ravel() / scale


def evaluate_plan(
    source, plan, *, horizon: int = 13, window=None, pattern="recent", level: float = 0.9
) -> PlanOutcome:
    """Outcome distribution of ``plan`` over every posterior draw, and its change vs the current
    plan.

    Args:
        source: MMMFit, Simulation or Engine.
        plan: a :class:`~bayes_mmm.plans.Plan` (weekly spend; its length and start set the horizon),
            ``{channel: total spend over the horizon}`` (regional split as now), ``{(geo, channel):
            total}``, or an array ``(geo, channel)`` of totals (currency). Missing channels keep
            their current spend.
        horizon, window, pattern: the horizon, as in :func:`~bayes_mmm.optimize.optimize_budget`
            (ignored for a Plan).
        level: credible level of the intervals.
    """
    ctx = context(source)
    if not 0 < level < 1:
        raise OptimizationError(message("level", "a probability in (0, 1)", level))
    n_dates = ctx.engine.spend.shape[0]
    if isinstance(plan, Plan):
        if plan.channels != ctx.channels or plan.geos != ctx.geos:
            raise OptimizationError(
                message(
                    "plan",
                    f"channels {ctx.channels} and regions {ctx.geos}",
                    f"{plan.channels} / {plan.geos}",
                )
            )
        win = None if plan.start >= n_dates else (plan.start, plan.start + plan.n_weeks)
        if plan.start > n_dates:
            raise OptimizationError(
                message(
                    "plan.start", f"a position <= {n_dates} (the week after the data)", plan.start
                )
            )
        budget = plan.budget
        pattern = plan.spend / np.where(budget > 0, budget, 1.0)
        pattern = np.where(budget[None] > 0, pattern, 1.0)
        hz = build_horizon(ctx.engine, plan.n_weeks, win, pattern, ctx.target)
    else:
        hz = build_horizon(ctx.engine, horizon, horizon_window(ctx, window), pattern, ctx.target)
        budget = _budget_cells(ctx, hz, plan)
    ev, x_cur = _cell_evaluator(ctx, hz)
    return _outcome(ctx, hz, ev, budget.ravel() / ev.scale, x_cur, level)


def _budget_cells(ctx: Context, hz: Horizon, plan) -> np.ndarray:
    budget = hz.current.copy()
    if isinstance(plan, Mapping):
        for key, value in plan.items():
            geo, ch = key if isinstance(key, tuple) else (None, key)
            if ch not in ctx.channels or (geo is not None and geo not in ctx.geos):
                raise OptimizationError(
                    message(
                        "plan",
                        f"channel names from {list(ctx.channels)} (or (geo, channel))",
                        repr(key),
                    )
                )
            c = ctx.channels.index(ch)
            value = float(value)
            check_spend(f"plan[{key!r}]", np.full((1, 1), value), [ch], ["national"])
            if geo is not None:
                budget[ctx.geos.index(geo), c] = value
            else:
                now = hz.current[:, c]
                split = now / now.sum() if now.sum() > 0 else np.full(len(now), 1 / len(now))
                budget[:, c] = value * split
        return budget
    arr = np.asarray(plan, dtype=float)
    if arr.ndim == 1 and len(ctx.geos) == 1:
        arr = arr[None]
    if arr.shape != budget.shape:
        raise OptimizationError(
            message(
                "plan",
                f"a Plan, a mapping or an array of shape {budget.shape}",
                f"shape {arr.shape}",
            )
        )
    check_spend("plan", arr, ctx.channels, ctx.geos)
    return arr


def scenario(
    source,
    total_change: float = 0.10,
    *,
    channels=None,
    horizon: int = 13,
    window=None,
    level: float = 0.9,
) -> PlanOutcome:
    """What if every (or the listed) channel's spend changed by ``total_change`` (0.10 = +10%)?

    The current plan (last ``horizon`` weeks, or ``window``) is scaled channel by channel, pattern
    kept.
    ``.change_pct`` answers "what % change in sales", with a credible interval.
    """
    ctx = context(source)
    if not (np.isfinite(total_change) and total_change >= -1):
        raise OptimizationError(
            message("total_change", "a relative change >= -1 (e.g. 0.10 for +10%)", total_change)
        )
    chosen = list(ctx.channels) if channels is None else list(channels)
    for ch in chosen:
        if ch not in ctx.channels:
            raise OptimizationError(
                message("channels", f"channel names from {list(ctx.channels)}", repr(ch))
            )
    hz = build_horizon(ctx.engine, horizon, horizon_window(ctx, window), "recent", ctx.target)
    budget = hz.current.copy()
    idx = [ctx.channels.index(ch) for ch in chosen]
    budget[:, idx] *= 1 + total_change
    ev, x_cur = _cell_evaluator(ctx, hz)
    return _outcome(ctx, hz, ev, budget.ravel() / ev.scale, x_cur, level)
