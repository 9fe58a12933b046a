"""Plots of what each channel did: waterfall decomposition, contributions over time with bands,
spend share vs effect share, and response curves in spend (observed range, current, optimal).

Every function takes the fit, reads a table from ``results`` and returns the figure; ``ax=`` (one
panel) and ``figsize=`` are accepted. Channels keep their colour from :func:`channel_colors`.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.results.aggregates import (
    observed_spend_range,
    spend_and_effect_share,
    window_totals,
)
from bayes_mmm.viz.style import (
    BASELINE_COLOR,
    channel_colors,
    component_colors,
    figure,
    grid,
    legend_below,
    legend_right,
    money_unit,
    number_axis,
    pct,
)


def waterfall(fit, level: float = 0.9, start=None, end=None, ax=None, figsize=(10, 4.5)):
    """Baseline, controls and channels adding up to the fitted total over a window (default:
    training), each bar with the ``level`` interval of its summed draws; the total's interval
    is that of the summed draws of all parts."""
    table = window_totals(fit, level, start, end)
    colors = {**component_colors(fit.data), "total": "#555555"}
    fig, ax = figure(ax, figsize)
    bottom = 0.0
    x = np.arange(len(table))
    for k, row in enumerate(table.itertuples()):
        is_total = row.component == "total"
        base = 0.0 if is_total else bottom
        ax.bar(k, row.mean, bottom=base, color=colors.get(row.component, BASELINE_COLOR))
        top = base + row.mean
        ax.errorbar(
            k, top, yerr=[[row.mean - row.lower], [row.upper - row.mean]], color="k", capsize=4
        )
        ax.annotate(  # beside the interval's whisker, not on it
            f"{row.share:.0f}%",
            (k, max(top, base)),
            xytext=(6, 2),
            textcoords="offset points",
            ha="left",
            fontsize=8,
        )
        if not is_total:
            bottom = top
    ax.set_xticks(x, table["component"], rotation=25, ha="right")
    ax.set_ylabel(f"{fit.data.target_name} over the window")
    ax.set_title(f"Where the outcome came from ({pct(level)} intervals of summed draws)")
    number_axis(ax)
    fig.tight_layout()
    return fig


def contributions_over_time(fit, level: float = 0.9, ax=None, figsize=(11, 4.2)):
    """Each channel's incremental outcome per period (all regions), mean and ``level`` band."""
    table = fit.contributions(level=level)
    colors = channel_colors(fit.data.channels)
    fig, ax = figure(ax, figsize)
    for ch in fit.data.channels:
        part = table[table["component"] == ch]
        ax.fill_between(part["date"], part["lower"], part["upper"], color=colors[ch], alpha=0.2)
        ax.plot(part["date"], part["mean"], color=colors[ch], lw=1.5, label=ch)
    ax.plot([], [], color="grey", alpha=0.3, lw=8, label=f"{pct(level)} band")
    ax.set_title("Channel contributions over time")
    ax.set_ylabel(f"incremental {fit.data.target_name} per period")
    number_axis(ax)
    legend_right(ax)
    fig.tight_layout()
    return fig


def spend_vs_effect_share(fit, level: float = 0.9, ax=None, figsize=None):
    """Per channel: share of spend next to share of the channels' effect (with interval). A
    channel whose effect share is above its spend share earns more than the average channel."""
    table = spend_and_effect_share(fit, level)
    colors = channel_colors(fit.data.channels)
    fig, ax = figure(ax, figsize or (2.5 + 1.3 * len(table), 4.2))
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["spend_share"], 0.4, color="#d0d0d0", label="share of spend")
    mean = table["effect_share"].to_numpy()
    ax.bar(x + 0.2, mean, 0.4, color=[colors[c] for c in table["channel"]], label="share of effect")
    ax.errorbar(
        x + 0.2,
        mean,
        yerr=[mean - table["effect_lower"], table["effect_upper"] - mean],
        fmt="none",
        color="k",
        capsize=4,
        label=f"{pct(level)} interval",
    )
    ax.set_xticks(x, table["channel"], rotation=20, ha="right")
    ax.set_ylabel("% of total (training window)")
    ax.set_title("Spend share vs effect share")
    legend_below(ax, ncols=3)
    fig.tight_layout()
    return fig


# long: one panel per channel, each with band, observed range, current and optimal markers
def response_curves(fit, level: float = 0.9, result=None, figsize=None, draws=None):
    """Incremental outcome vs total spend in the training window, per channel: mean and
    ``level`` band, the range of spend the data has seen shaded, current spend marked, and
    with a budget ``result`` the optimal spend (current x optimal/current of that plan).
    ``draws``: curves from that many evenly spaced posterior draws (said in the title)."""
    curves = fit.response_curves(level=level, draws=draws)
    seen = observed_spend_range(fit).set_index("channel")
    colors = channel_colors(fit.data.channels)
    channels = list(fit.data.channels)
    ratios = _optimal_ratios(result)
    cols = min(3, len(channels))
    width, height = (figsize[0] / cols, figsize[1]) if figsize else (4.2, 3.4)
    fig, axes = grid(len(channels), cols=cols, width=width, height=height)
    for ax, ch in zip(axes, channels):
        part = curves[curves["channel"] == ch]
        color = colors[ch]
        ax.axvspan(seen.loc[ch, "low"], seen.loc[ch, "high"], color="#eeeeee", label="seen in data")
        ax.fill_between(
            part["spend"],
            part["lower"],
            part["upper"],
            color=color,
            alpha=0.25,
            label=f"{pct(level)} band",
        )
        ax.plot(part["spend"], part["mean"], color=color, label="mean")
        current = seen.loc[ch, "actual"]
        ax.axvline(current, color="k", ls="--", lw=1, label="current")
        if ch in ratios:
            ax.axvline(current * ratios[ch], color="C3", ls="-.", lw=1.2, label="optimal")
        ax.set_xlim(0, part["spend"].max() * 1.02)  # the shaded range may extend past 2x
        ax.set_title(ch)
        ax.set_xlabel("spend in the training window (currency)")
        ax.set_ylabel(f"incremental outcome ({money_unit(fit.data)})")
        number_axis(ax)
        number_axis(ax, "x")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=5, frameon=False, fontsize=8)
    used, of = curves.attrs.get("draws"), curves.attrs.get("of_draws")
    thinned = f"; mean and band from {used} of {of} draws" if used and of and used < of else ""
    fig.suptitle(f"Response curves in spend (0-2x the training window's spend{thinned})")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def _optimal_ratios(result) -> dict[str, float]:
    """optimal / current spend per channel of a budget result (all regions), if given."""
    if result is None:
        return {}
    table = result.table
    if "geo" in table:
        table = table[table["geo"] == "all"]
    return {r.channel: r.optimal / r.current for r in table.itertuples() if r.current > 0}
