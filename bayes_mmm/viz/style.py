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
