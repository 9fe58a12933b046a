"""The optimiser's result: current vs optimal plan, the outcome draws of both, uplift and mROI.

:class:`BudgetResult` is what :func:`~bayes_mmm.planning.optimizer.optimize_budget` returns;
``result.plot()`` draws the response curves around the optimum (:mod:`bayes_mmm.viz.budget_plots`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bayes_mmm.core.intervals import summarise
from bayes_mmm.planning.display import budget_result_html
from bayes_mmm.planning.evaluator import PlanEvaluator
from bayes_mmm.planning.outcomes import Context
from bayes_mmm.planning.plans import Horizon, Plan
from bayes_mmm.viz.budget_plots import budget_curves


@dataclass(frozen=True, eq=False)
class BudgetResult:
    """Result of :func:`~bayes_mmm.planning.optimizer.optimize_budget`.

    Attributes:
        table: per channel (and region with ``by_geo``): current, optimal, change (currency over the
            horizon), change_pct, and the marginal ROI at the optimum (mroi, mroi_lower, mroi_upper:
            outcome per extra unit of spend).
        current, optimal: the two plans (weekly spend).
        outcome_current, outcome_optimal: summaries of their incremental outcome over the draws.
        uplift: optimal - current outcome: mean, median, lower, upper (``level`` interval), and the
            same in % of the reference weeks' outcome as pct_mean, pct_lower, pct_upper.
        prob_better: posterior probability that the optimal plan's outcome beats the current plan's.
        info: objective, n_iter, n_evaluations, solver_message, wall_time_s, compile_time_s, ...
        draws: per-draw outcomes {"current": ..., "optimal": ...}.
    """

    table: pd.DataFrame
    current: Plan
    optimal: Plan
    outcome_current: dict
    outcome_optimal: dict
    uplift: dict
    prob_better: float
    level: float
    info: dict[str, Any]
    draws: dict[str, np.ndarray]
    curves: Any = field(default=None, repr=False)  # curves(points) -> (spend grid, outcome draws)

    def plot(self, level: float | None = None, points: int = 25):
        """Response curve of each channel (mean and credible band) marking current and optimal
        spend."""
        return budget_curves(self, level or self.level, points)

    def _repr_html_(self) -> str:
        return budget_result_html(self)

    def __repr__(self) -> str:
        u = self.uplift
        return (
            f"BudgetResult(objective={self.info['objective']}, uplift {u['mean']:+,.0f} "
            f"[{u['lower']:+,.0f}, {u['upper']:+,.0f}], P(better)={self.prob_better:.2f})"
        )


def result_from_solution(
    ctx: Context,
    hz: Horizon,
    ev: PlanEvaluator,
    x_cur,
    x_opt,
    owner_ch,
    owner_geo,
    by_geo: bool,
    level: float,
    info: dict,
) -> BudgetResult:
    """Assemble :class:`BudgetResult`: plans, outcome draws, uplift, P(better), mROI at the
    optimum."""
    y_opt, grad = ev(x_opt)
    y_cur, _ = ev(x_cur)
    n_ch = len(ctx.channels)
    members = [owner_ch == c for c in range(n_ch)]
    cur_b, opt_b = ev.budgets(x_cur), ev.budgets(x_opt)
    table = _allocation_table(ctx, ev, grad, x_opt, cur_b, opt_b, members, owner_geo, by_geo, level)
    tot_opt, tot_cur = y_opt.sum(1), y_cur.sum(1)
    diff = tot_opt - tot_cur
    uplift = summarise(diff, level)
    pct = summarise(100 * diff / hz.reference_sales, level) if hz.reference_sales > 0 else {}
    uplift.update({f"pct_{k}": pct.get(k, np.nan) for k in ("mean", "lower", "upper")})

    def by_channel(y):
        return np.stack([y[:, members[c]].sum(1) for c in range(n_ch)], axis=1)

    base_x = np.where(x_cur > 0, x_cur, 1.0)  # curves scale the current plan (or a typical one)
    ratio = max(2.0, 1.25 * float(np.max(x_opt / base_x)))

    def curves(points: int):
        grid = np.linspace(0.0, ratio, points)
        ys = np.stack(
            [by_channel(ev(r * base_x)[0]) for r in grid], axis=0
        )  # (grid, draw, channel)
        per_channel = np.array([ev.scale[members[c]] @ base_x[members[c]] for c in range(n_ch)])
        return grid[:, None] * per_channel[None], ys

    draws = {
        "current": tot_cur,
        "optimal": tot_opt,
        "current_by_channel": by_channel(y_cur),
        "optimal_by_channel": by_channel(y_opt),
    }
    return BudgetResult(
        table,
        hz.plan(cur_b, ctx.channels, ctx.geos),
        hz.plan(opt_b, ctx.channels, ctx.geos),
        summarise(tot_cur, level),
        summarise(tot_opt, level),
        uplift,
        float(np.mean(diff > 0)),
        level,
        info,
        draws,
        curves,
    )


def _allocation_table(ctx, ev, grad, x_opt, cur_b, opt_b, members, owner_geo, by_geo, level):
    """Per channel (and region): current and optimal spend, change, mROI at the optimum."""

    def row(channel, geo, cur, opt, sel):
        w = x_opt[sel] if x_opt[sel].sum() > 0 else np.ones(sel.sum())
        m = summarise(grad[:, sel] @ w / (ev.scale[sel] @ w), level)
        return {
            "channel": channel,
            "geo": geo,
            "current": cur,
            "optimal": opt,
            "change": opt - cur,
            "change_pct": 100 * (opt - cur) / cur if cur > 0 else np.nan,
            "mroi": m["mean"],
            "mroi_lower": m["lower"],
            "mroi_upper": m["upper"],
        }

    rows = []
    for c, ch in enumerate(ctx.channels):
        rows.append(row(ch, "all", cur_b[:, c].sum(), opt_b[:, c].sum(), members[c]))
        if by_geo and len(ctx.geos) > 1:
            rows += [
                row(ch, geo, cur_b[g, c], opt_b[g, c], members[c] & (owner_geo == g))
                for g, geo in enumerate(ctx.geos)
            ]
    table = pd.DataFrame(rows)
    return table.drop(columns="geo") if len(ctx.geos) == 1 else table
