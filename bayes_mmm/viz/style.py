"""Shared look of every figure: the pyplot handle, panel grids, label helpers, forest rows."""

from __future__ import annotations

import numpy as np


def pyplot():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg",) and not interactive():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def interactive() -> bool:
    try:
        from IPython import get_ipython

        return get_ipython() is not None
    except ImportError:
        return False


def grid(n: int, cols: int = 3, width: float = 4.0, height: float = 3.2, **kw):
    """Figure with ``n`` panels in rows of ``cols``; unused panels hidden. Returns (fig, list of
    axes)."""
    plt = pyplot()
    cols = max(1, min(n, cols))
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False, **kw)
    flat = list(axes.flat)
    for ax in flat[n:]:
        fig.delaxes(ax)
    return fig, flat[:n]


def pct(level: float) -> str:
    return f"{round(level * 100)}%"


def outcome_label(fit) -> str:
    """Axis label of outcomes: money with revenue_per_unit, else target units."""
    return (
        "incremental revenue (currency)"
        if fit.data.revenue_per_unit is not None
        else f"incremental {fit.data.target_name} (units)"
    )


def forest(ax, table, label: str, level: float, color: str = "C0", offset: float = 0.0, y=None):
    """Points at ``mean`` with ``lower``..``upper`` bars, one row per table row."""
    y = np.arange(len(table)) + offset if y is None else y
    mean, lo, hi = (table[k].to_numpy(float) for k in ("mean", "lower", "upper"))
    ax.errorbar(
        mean,
        y,
        xerr=[mean - lo, hi - mean],
        fmt="o",
        capsize=3,
        color=color,
        label=f"{label} (mean, {pct(level)} interval)",
    )
    return y


# ---------------------------------------------------------------------- colours, ticks, legends
# One fixed colour per channel (data order) in every plot and the report; grey is kept for the
# baseline and totals, so it is left out of the channel palette.
CHANNEL_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#e6550d",
    "#637939",
)
CONTROL_PALETTE = ("#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#aec7e8")
BASELINE_COLOR = "#b8b8b8"


def channel_colors(channels) -> dict[str, str]:
    """``{channel: colour}`` in data order; the same channel gets the same colour everywhere."""
    return {ch: CHANNEL_PALETTE[k % len(CHANNEL_PALETTE)] for k, ch in enumerate(channels)}


def component_colors(data) -> dict[str, str]:
    """Colours of decomposition parts: baseline grey, controls muted, channels as
    :func:`channel_colors`."""
    out = {"baseline": BASELINE_COLOR}
    out.update(
        {c: CONTROL_PALETTE[k % len(CONTROL_PALETTE)] for k, c in enumerate(data.control_names)}
    )
    out.update(channel_colors(data.channels))
    return out


def compact(value: float, _pos=None) -> str:
    """Tick label with thousands separators, or k / M / bn suffixes for large values."""
    a = abs(value)
    for threshold, div, suffix in ((1e9, 1e9, "bn"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if a >= threshold:
            return f"{value / div:,.4g}{suffix}"
    return f"{value:,.4g}"


def number_axis(ax, axis: str = "y") -> None:
    """Format an axis's ticks with :func:`compact` (money and outcome totals)."""
    from matplotlib.ticker import FuncFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(compact))


def legend_below(ax, ncols: int = 4, **kw):
    """Legend centred under the axes (outside the data), no frame."""
    return ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncols=ncols,
        frameon=False,
        fontsize=8,
        **kw,
    )


def legend_right(ax, **kw):
    """Legend to the right of the axes (outside the data)."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8, **kw)


def figure(ax=None, figsize=(10, 4)):
    """``(fig, ax)``: the given axes' figure, or a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax.figure, ax
    return pyplot().subplots(figsize=figsize)


def money_unit(data) -> str:
    """Unit of incremental outcomes: currency with revenue_per_unit, else the target's units."""
    return "currency" if data.revenue_per_unit is not None else f"{data.target_name} units"


def resize(fig, figsize=None):
    """Apply a user's ``figsize`` (inches) to a finished multi-panel figure; returns the figure."""
    if figsize is not None:
        fig.set_size_inches(*figsize)
        fig.tight_layout()
    return fig
