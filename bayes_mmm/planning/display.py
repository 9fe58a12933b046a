"""HTML cards of plan results: what a plan or an optimised budget does, with intervals."""

from __future__ import annotations

import html

import numpy as np


def _fmt(value: float, signed: bool = False) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:+,.0f}" if signed else f"{value:,.0f}"


def _interval(summary: dict, level: float, signed: bool = True) -> str:
    return (
        f"{_fmt(summary['mean'], signed)} ({round(level * 100)}% interval "
        f"{_fmt(summary['lower'], signed)} to {_fmt(summary['upper'], signed)})"
    )


def _table(frame) -> str:
    return frame.to_html(index=False, border=0, float_format=lambda v: f"{v:,.2f}", na_rep="")


def budget_result_html(result) -> str:
    """Card of an optimised budget: totals, uplift with interval, P(better), per-channel table."""
    info = result.info
    pct = result.uplift.get("pct_mean", np.nan)
    pct_text = f" ({pct:+.2f}% of the reference outcome)" if np.isfinite(pct) else ""
    notes = [f"objective <code>{html.escape(str(info.get('objective')))}</code>"]
    if info.get("solver_message"):
        notes.append(html.escape(str(info["solver_message"])))
    kept = info.get("kept_untrained")
    if kept:
        notes.append(
            "kept at current spend (no spend in training): " + html.escape(", ".join(kept))
        )
    return (
        "<div><p><b>BudgetResult</b>: spend "
        f"{_fmt(result.optimal.total)} vs {_fmt(result.current.total)} now; uplift "
        f"{_interval(result.uplift, result.level)}{pct_text}; "
        f"P(better than now) = {result.prob_better:.2f}</p>"
        f"<p>{'; '.join(notes)}</p>" + _table(result.table) + "</div>"
    )


def plan_outcome_html(outcome) -> str:
    """Card of an evaluated plan: outcome change with its interval and the per-channel table."""
    return (
        f"<div><p><b>PlanOutcome</b>: {html.escape(outcome.summary())}</p>"
        f"<p>outcome of the plan {_interval(outcome.outcome, outcome.level, signed=False)}</p>"
        + _table(outcome.table)
        + "</div>"
    )
