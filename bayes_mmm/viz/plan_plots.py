"""The budget plan as a picture: per-channel spend change with the interval of its effect, and
the distribution of the total uplift with P(better than now).

``result`` is duck-typed (a planning ``BudgetResult``: ``table``, ``draws``, ``uplift``,
``prob_better``, ``level``), so this layer never imports :mod:`bayes_mmm.planning`.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.core.intervals import interval
from bayes_mmm.viz.style import channel_colors, grid, number_axis, pct


def plan_table(result, level: float):
    """Per channel (all regions): spend change over the horizon and the effect change's mean and
    ``level`` interval (optimal - current outcome, draw by draw)."""
    table = result.table
    if "geo" in table:
        table = table[table["geo"] == "all"]
    table = table.reset_index(drop=True).copy()
    diff = result.draws["optimal_by_channel"] - result.draws["current_by_channel"]
    lo, hi = interval(diff, level)
    table["effect_change"], table["effect_lower"], table["effect_upper"] = diff.mean(0), lo, hi
    return table


# long: three panels (spend change, effect change, uplift distribution) with labels
def budget_plan(result, level: float | None = None, figsize=None):
    """Left: spend change per channel (currency over the horizon, % annotated). Middle: the
    change in each channel's effect with its interval. Right: the distribution of the total
    uplift (optimal - current plan) over the posterior draws, with P(better than now)."""
    level = level or result.level
    table = plan_table(result, level)
    colors = channel_colors(table["channel"])
    w, h = (figsize[0] / 3, figsize[1]) if figsize else (4.4, 1.8 + 0.55 * len(table))
    fig, (spend, effect, dist) = grid(3, cols=3, width=w, height=max(h, 3.4))
    y = np.arange(len(table))
    bar_colors = [colors[c] for c in table["channel"]]
    spend.barh(y, table["change"], color=bar_colors)
    for k, row in enumerate(table.itertuples()):
        if np.isfinite(row.change_pct):
            spend.annotate(
                f"{row.change_pct:+.0f}%",
                (row.change, k),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
    left, right = spend.get_xlim()
    spend.set_xlim(left - 0.08 * (right - left), right + 0.18 * (right - left))  # room for the %
    spend.set_yticks(y, table["channel"])
    spend.invert_yaxis()
    spend.axvline(0, color="grey", lw=0.8)
    spend.set_xlabel("spend change over the horizon (currency)")
    spend.set_title("Spend: optimal - current")
    number_axis(spend, "x")
    mean = table["effect_change"].to_numpy()
    effect.errorbar(
        mean,
        y,
        xerr=[mean - table["effect_lower"], table["effect_upper"] - mean],
        fmt="none",
        ecolor="k",
        capsize=3,
    )
    effect.scatter(mean, y, c=bar_colors, zorder=3)
    effect.set_yticks(y, table["channel"])
    effect.invert_yaxis()
    effect.axvline(0, color="grey", lw=0.8)
    effect.set_xlabel("change in incremental outcome")
    effect.set_title(f"Effect change ({pct(level)} interval)")
    number_axis(effect, "x")
    uplift = result.draws["optimal"] - result.draws["current"]
    dist.hist(uplift, bins=40, color="C0", alpha=0.7)
    dist.axvline(0, color="k", lw=1)
    dist.axvline(uplift.mean(), color="C3", ls="--", lw=1)
    dist.set_yticks([])
    dist.set_xlabel("total uplift over the horizon")
    dist.set_title(f"Uplift: P(better than now) = {result.prob_better:.2f}")
    number_axis(dist, "x")
    fig.suptitle("Budget plan: what changes and what it buys")
    fig.tight_layout()
    return fig
