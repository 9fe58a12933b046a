"""Plots of model inputs before any fit: spend over time and the spend/control correlations."""

from __future__ import annotations

import numpy as np

from bayes_mmm.viz.style import channel_colors, grid, legend_below, number_axis

ANNOTATE_MAX = 15  # inputs(): correlation values written in the cells up to this many names


def inputs(data, figsize=(13, 4.5)):
    """Two panels: spend per period per channel (summed over regions) and the correlation heatmap
    of spend and controls (national totals / means per period)."""
    fig, (ax, heat) = grid(2, cols=2, width=figsize[0] / 2, height=figsize[1])
    spend = data.spend.sum(axis=1)
    colors = channel_colors(data.channels)
    for c, ch in enumerate(data.channels):
        ax.plot(data.dates, spend[:, c], color=colors[ch], label=ch)
    ax.set_title("Spend over time")
    ax.set_ylabel("spend per period (currency)")
    number_axis(ax)
    legend_below(ax, ncols=3)
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
    # numbers in the cells only while they fit (7 pt "-0.12" needs ~0.3 in; 40 names give 0.16 in
    # cells): above that the colours carry it, and 1600 overlapping labels cost ~2 CPU s to draw
    for i in ticks if len(names) <= ANNOTATE_MAX else ():
        for j in ticks:
            heat.text(
                j,
                i,
                f"{corr[i, j]:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if abs(corr[i, j]) > 0.6 else "black",
            )
    fig.colorbar(image, ax=heat, label="Pearson correlation")
    heat.set_title("Correlation of spend and controls")
    fig.tight_layout()
    return fig
