"""Matplotlib plots of a fitted model, reachable as ``fit.plot.<name>()``; each returns the figure."""

from __future__ import annotations

import numpy as np


def _plt():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg",) and not _interactive():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _interactive() -> bool:
    try:
        from IPython import get_ipython

        return get_ipython() is not None
    except ImportError:
        return False


class FitPlots:
    """Plot accessor bound to one :class:`~bayes_mmm.fit.MMMFit`."""

    def __init__(self, fit):
        self.fit = fit

    def fit_over_time(self, geo: str | None = None, ax=None):
        """Actual vs fitted with 50% and 90% posterior-predictive bands; holdout shaded."""
        plt = _plt()
        pred = self.fit.predict(level=0.9)
        if geo is None:
            pred = pred.groupby("date", as_index=False).agg(
                actual=("actual", "sum"), mean=("mean", "sum"), lower=("lower", "sum"), upper=("upper", "sum"),
                lower_50=("lower_50", "sum"), upper_50=("upper_50", "sum"), split=("split", "first"))
        else:
            pred = pred[pred["geo"] == geo]
        fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(10, 4))
        ax.fill_between(pred["date"], pred["lower"], pred["upper"], alpha=0.2, color="C0", label="90% band")
        ax.fill_between(pred["date"], pred["lower_50"], pred["upper_50"], alpha=0.35, color="C0", label="50% band")
        ax.plot(pred["date"], pred["mean"], color="C0", label="fitted (mean)")
        ax.plot(pred["date"], pred["actual"], color="k", lw=1, label="actual")
        holdout = pred[pred["split"] == "holdout"]
        if len(holdout):
            ax.axvspan(holdout["date"].min(), holdout["date"].max(), color="grey", alpha=0.15, label="holdout")
        ax.set_title("Actual vs fitted" + (f" ({geo})" if geo else ""))
        ax.set_ylabel(self.fit.data.target_name)
        ax.legend(loc="upper left", ncols=3, fontsize=8)
        fig.tight_layout()
        return fig

    def roi(self, level: float = 0.9, ax=None):
        """ROI forest plot: posterior mean and ``level`` interval per channel."""
        plt = _plt()
        table = self.fit.roi(level=level)
        fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 0.5 + 0.5 * len(table)))
        y = np.arange(len(table))
        ax.errorbar(table["mean"], y, xerr=[table["mean"] - table["lower"], table["upper"] - table["mean"]],
                    fmt="o", capsize=3)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, table["channel"])
        ax.set_xlabel(f"ROI (mean, {int(level * 100)}% interval)")
        fig.tight_layout()
        return fig
