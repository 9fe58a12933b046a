"""Plots of model inputs (spend, correlations) and of optimiser results; see :mod:`bayes_mmm.plots`."""

from __future__ import annotations

import numpy as np

from .plots import _grid


def inputs(data):
    """Two panels: spend per period per channel (summed over regions) and the correlation heatmap
    of spend and controls (national totals / means per period)."""
    fig, (ax, heat) = _grid(2, cols=2, width=6.0, height=4.5)
    spend = data.spend.sum(axis=1)
    for c, ch in enumerate(data.channels):
        ax.plot(data.dates, spend[:, c], color=f"C{c % 10}", label=ch)
    ax.set_title("Spend over time")
    ax.set_xlabel("date")
    ax.set_ylabel("spend per period (currency)")
    ax.legend(fontsize=8)
    ax.tick_params(axis="x", rotation=30)
    names = [*data.channels, *data.control_names]
    columns = [spend[:, c] for c in range(data.n_channels)]
    columns += [data.controls[:, :, k].mean(axis=1) for k in range(len(data.control_names))]
    values = np.column_stack(columns)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.nan_to_num(np.corrcoef(values, rowvar=False))
    image = heat.imshow(corr, vmin=-1, vmax=1, cmap="RdBu_r")
    ticks = np.arange(len(names))
    heat.set_xticks(ticks, names, rotation=45, ha="right", fontsize=8)
    heat.set_yticks(ticks, names, fontsize=8)
    for i in ticks:
        for j in ticks:
            heat.text(j, i, f"{corr[i, j]:.2f}", ha="center", va="center", fontsize=7,
                      color="white" if abs(corr[i, j]) > 0.6 else "black")
    fig.colorbar(image, ax=heat, label="Pearson correlation")
    heat.set_title("Correlation of spend and controls")
    fig.tight_layout()
    return fig


def optimizer(result):
    """Grouped bars of current vs optimal spend per channel over the horizon (change % annotated).

    ``result`` is duck-typed: a :class:`~bayes_mmm.scenarios.BudgetResult` (or anything with a
    ``table`` attribute, and optionally ``uplift``, ``prob_better``, ``level``) or the table itself,
    a DataFrame with columns channel, current, optimal (change_pct and geo optional; regional rows
    are summed per channel unless a geo "all" row exists).
    """
    import pandas as pd

    from .errors import SpecError, message

    table = getattr(result, "table", result)
    if not isinstance(table, pd.DataFrame) or not {"channel", "current", "optimal"} <= set(table.columns):
        raise SpecError(message("optimizer plot", "a budget result (fit.optimize_budget(...)) or a DataFrame with "
                                "columns channel, current, optimal", type(result).__name__))
    if "geo" in table:
        table = (table[table["geo"] == "all"] if (table["geo"] == "all").any()
                 else table.groupby("channel", sort=False, as_index=False)[["current", "optimal"]].sum())
    table = table.reset_index(drop=True)
    current, optimal = table["current"].to_numpy(float), table["optimal"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = (table["change_pct"].to_numpy(float) if "change_pct" in table
                  else np.where(current > 0, 100 * (optimal - current) / current, np.nan))
    fig, (ax,) = _grid(1, cols=1, width=max(6.0, 1.5 + 1.4 * len(table)), height=4.5)
    x = np.arange(len(table))
    ax.bar(x - 0.2, current, width=0.4, color="grey", label="current")
    ax.bar(x + 0.2, optimal, width=0.4, color="C0", label="optimal")
    for k, (opt, pct) in enumerate(zip(optimal, change)):
        if np.isfinite(pct):
            ax.annotate(f"{pct:+.0f}%", (k + 0.2, opt), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, table["channel"], rotation=20)
    ax.set_ylabel("spend over horizon (currency)")
    title = "Budget: current vs optimal spend"
    u, prob = getattr(result, "uplift", None), getattr(result, "prob_better", None)
    if u is not None and prob is not None:
        pct = f"{round(getattr(result, 'level', 0.9) * 100)}%"
        title += (f"\nuplift {u['mean']:+,.0f} ({pct} interval {u['lower']:+,.0f} to {u['upper']:+,.0f}), "
                  f"P(better) = {prob:.2f}")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
