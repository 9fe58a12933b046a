"""Plots of budget plans: current vs optimal spend, and response curves around the optimum.

Inputs are duck-typed plan results (``table``, ``uplift``, ``prob_better``, ``level``, ``curves``),
so this layer never imports :mod:`bayes_mmm.planning`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import SpecError, message
from bayes_mmm.core.intervals import interval
from bayes_mmm.viz.style import channel_colors, grid, legend_below, number_axis, pct, pyplot


def budget_bars(result):
    """Grouped bars of current vs optimal spend per channel over the horizon (change % annotated).

    ``result`` is duck-typed: a :class:`~bayes_mmm.scenarios.BudgetResult` (or anything with a
    ``table`` attribute, and optionally ``uplift``, ``prob_better``, ``level``) or the table itself,
    a DataFrame with columns channel, current, optimal (change_pct and geo optional; regional rows
    are summed per channel unless a geo "all" row exists).
    """
    table = getattr(result, "table", result)
    if not isinstance(table, pd.DataFrame) or not {"channel", "current", "optimal"} <= set(
        table.columns
    ):
        raise SpecError(
            message(
                "optimizer plot",
                "a budget result (fit.optimize_budget(...)) or a DataFrame with "
                "columns channel, current, optimal",
                type(result).__name__,
            )
        )
    if "geo" in table:
        table = (
            table[table["geo"] == "all"]
            if (table["geo"] == "all").any()
            else table.groupby("channel", sort=False, as_index=False)[["current", "optimal"]].sum()
        )
    table = table.reset_index(drop=True)
    current, optimal = table["current"].to_numpy(float), table["optimal"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = (
            table["change_pct"].to_numpy(float)
            if "change_pct" in table
            else np.where(current > 0, 100 * (optimal - current) / current, np.nan)
        )
    fig, (ax,) = grid(1, cols=1, width=max(6.0, 1.5 + 1.4 * len(table)), height=4.8)
    x = np.arange(len(table))
    colors = channel_colors(table["channel"])
    ax.bar(x - 0.2, current, width=0.4, color="#bbbbbb", label="current")
    ax.bar(
        x + 0.2, optimal, width=0.4, color=[colors[c] for c in table["channel"]], label="optimal"
    )
    for k, (opt, change_k) in enumerate(zip(optimal, change)):
        if np.isfinite(change_k):
            ax.annotate(f"{change_k:+.0f}%", (k + 0.2, opt), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, table["channel"], rotation=25, ha="right")
    ax.set_ylabel("spend over the horizon (currency)")
    number_axis(ax)
    title = "Budget: current vs optimal spend"
    u, prob = getattr(result, "uplift", None), getattr(result, "prob_better", None)
    if u is not None and prob is not None:
        pct = f"{round(getattr(result, 'level', 0.9) * 100)}%"
        title += (
            f"\nuplift {u['mean']:+,.0f} "
            f"({pct} interval {u['lower']:+,.0f} to {u['upper']:+,.0f}), "
            f"P(better) = {prob:.2f}"
        )
    ax.set_title(title, fontsize=9)
    legend_below(ax, ncols=2)
    fig.tight_layout()
    return fig


def budget_curves(result, level: float, points: int = 25):
    """Response curve of each channel (mean and ``level`` band) over spend, marking current and
    optimal spend; ``result`` is a budget result with ``curves(points)``, ``table``, ``draws``."""
    plt = pyplot()
    spend, draws = result.curves(points)
    channels = list(result.table["channel"].unique())
    colors = channel_colors(channels)
    n = len(channels)
    cols = min(n, 3)
    fig, axes = plt.subplots(
        (n + cols - 1) // cols,
        cols,
        figsize=(4.3 * cols, 3.4 * ((n + cols - 1) // cols) + 0.4),
        squeeze=False,
    )
    cur_y, opt_y = (
        result.draws["current_by_channel"].mean(0),
        result.draws["optimal_by_channel"].mean(0),
    )
    for c, ch in enumerate(channels):
        ax = axes.flat[c]
        d = draws[:, :, c]
        lo, hi = interval(d, level, axis=1)
        color = colors[ch]
        ax.fill_between(spend[:, c], lo, hi, alpha=0.25, color=color, label=f"{pct(level)} band")
        ax.plot(spend[:, c], d.mean(axis=1), color=color, label="mean")
        ax.plot(result.current.budget[:, c].sum(), cur_y[c], "o", color="k", label="current")
        ax.plot(
            result.optimal.budget[:, c].sum(), opt_y[c], "*", color="C3", ms=12, label="optimal"
        )
        ax.set_title(ch)
        ax.set_xlabel("spend over the horizon (currency)")
        ax.set_ylabel("incremental outcome over the horizon")
        number_axis(ax)
        number_axis(ax, "x")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=4, frameon=False, fontsize=8)
    fig.suptitle("Response curves over the planning horizon: current and optimal spend")
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig
