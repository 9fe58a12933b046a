"""Backtest figure: out-of-sample scores per fold and each channel's ROI interval per fold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.viz.style import pct, pyplot


def plot_backtest(scores: pd.DataFrame, roi: pd.DataFrame, level: float):
    """Left: CRPS (% of mean actual), MAPE and predictive coverage per fold, with the nominal
    level dashed; right: ROI mean and ``level`` interval per channel, one marker per fold."""
    plt = pyplot()
    fig, (ax_s, ax_r) = plt.subplots(1, 2, figsize=(11, 3.8))
    x = np.arange(len(scores))
    labels = [str(pd.Timestamp(d).date()) for d in scores["train_end"]]
    ax_s.plot(x, scores["crps_rel"], "o-", label="CRPS (% of mean)")
    ax_s.plot(x, scores["mape"], "s-", label="MAPE (%)")
    ax_c = ax_s.twinx()
    ax_c.plot(x, scores["coverage"], "^--", color="tab:green", label=f"{pct(level)} coverage")
    ax_c.axhline(100 * level, color="tab:green", lw=0.8, ls=":")
    ax_c.set_ylim(0, 105)
    ax_c.set_ylabel("interval coverage (%)")
    ax_s.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
    ax_s.set_xlabel("fold (end of training)")
    ax_s.set_ylabel("error (%)")
    ax_s.set_title("out of sample, per fold")
    handles = ax_s.get_legend_handles_labels()[0] + ax_c.get_legend_handles_labels()[0]
    ax_s.legend(handles=handles, fontsize=8, loc="upper left")
    channels = list(dict.fromkeys(roi["channel"]))
    n_folds = roi["fold"].nunique()
    width = 0.8 / max(n_folds, 1)
    for k, (fold, part) in enumerate(roi.groupby("fold")):
        part = part.set_index("channel").loc[channels]
        pos = np.arange(len(channels)) - 0.4 + width * (k + 0.5)
        err = [part["mean"] - part["lower"], part["upper"] - part["mean"]]
        ax_r.errorbar(pos, part["mean"], yerr=err, fmt="o", ms=4, capsize=2, label=f"fold {fold}")
    ax_r.set_xticks(np.arange(len(channels)), channels, rotation=20, ha="right", fontsize=8)
    ax_r.set_ylabel(f"ROI (mean, {pct(level)} interval)")
    ax_r.set_title("ROI as the data grow")
    ax_r.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


__all__ = ["plot_backtest"]
