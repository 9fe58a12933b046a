"""Matplotlib plots of a fitted model, reachable as ``fit.plot.<name>()``; each returns the figure.

Units: spend is in the data's currency, outcomes in target units (or money when the data has
``revenue_per_unit``), ROI / mROI in outcome per unit of spend. Intervals are equal-tailed.
Input plots live in :mod:`bayes_mmm.viz.input_plots`, budget plots in
:mod:`bayes_mmm.viz.budget_plots`.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.core.errors import SpecError, message
from bayes_mmm.core.intervals import interval
from bayes_mmm.model.transforms import ADSTOCKS, apply_adstock
from bayes_mmm.results import pooling
from bayes_mmm.results.aggregates import grouped_sums, predict_total
from bayes_mmm.viz import check_plots, effect_plots, plan_plots
from bayes_mmm.viz.budget_plots import budget_bars
from bayes_mmm.viz.input_plots import inputs
from bayes_mmm.viz.style import (
    channel_colors,
    component_colors,
    figure,
    forest,
    grid,
    legend_below,
    legend_right,
    number_axis,
    pct,
    pyplot,
    resize,
)

MANY_REGIONS = 20  # regional_roi: above this, compact rows (0.2 in per region, 6 pt labels)


class FitPlots:
    """Plot accessor bound to one :class:`~bayes_mmm.fit.MMMFit`."""

    def __init__(self, fit):
        self.fit = fit

    # ------------------------------------------------------------------ fit and decomposition
    def fit_over_time(self, geo: str | None = None, ax=None, figsize=(10, 4.2)):
        """Actual vs fitted with 50% and 90% posterior-predictive bands; holdout shaded.

        Without ``geo`` on regional data the total over regions is drawn; its bands are
        quantiles of region-summed draws (:func:`~bayes_mmm.results.aggregates.predict_total`).
        """
        if geo is None:
            pred = predict_total(self.fit, level=0.9)
        else:
            pred = self.fit.predict(level=0.9)
            pred = pred[pred["geo"] == geo]
        fig, ax = figure(ax, figsize)
        ax.fill_between(
            pred["date"], pred["lower"], pred["upper"], alpha=0.2, color="C0", label="90% band"
        )
        ax.fill_between(
            pred["date"],
            pred["lower_50"],
            pred["upper_50"],
            alpha=0.35,
            color="C0",
            label="50% band",
        )
        ax.plot(pred["date"], pred["mean"], color="C0", label="fitted (mean)")
        ax.plot(pred["date"], pred["actual"], color="k", lw=1, label="actual")
        holdout = pred[pred["split"] == "holdout"]
        if len(holdout):
            ax.axvspan(
                holdout["date"].min(),
                holdout["date"].max(),
                color="grey",
                alpha=0.15,
                label="holdout",
            )
        where = f" ({geo})" if geo else (" (all regions)" if self.fit.data.is_geo else "")
        ax.set_title("Actual vs fitted" + where)
        ax.set_ylabel(f"{self.fit.data.target_name} per period")
        number_axis(ax)
        legend_below(ax, ncols=5)
        fig.tight_layout()
        return fig

    def decomposition(self, ax=None, figsize=(11, 4.5)):
        """Stacked areas of posterior-mean contributions over time: baseline, controls, channels.

        Positive parts stack upwards from zero and negative parts downwards, so a negative control
        (e.g. price) does not hide the others; the actual outcome is drawn on top. Channels keep
        their colour from every other plot.
        """
        fit = self.fit
        parts = grouped_sums(fit)  # (sample, date): summed over regions
        colors = component_colors(fit.data)
        fig, ax = figure(ax, figsize)
        dates = fit.data.dates
        up, down = np.zeros(len(dates)), np.zeros(len(dates))
        for name, draws in parts.items():
            v = draws.mean(axis=0)
            pos, neg = np.clip(v, 0, None), np.clip(v, None, 0)
            color = colors.get(name, "grey")
            ax.fill_between(dates, up, up + pos, color=color, alpha=0.85, lw=0, label=name)
            if (neg < 0).any():
                ax.fill_between(dates, down + neg, down, color=color, alpha=0.85, lw=0)
            up, down = up + pos, down + neg
        ax.plot(dates, fit.data.target.sum(axis=1), color="k", lw=1, label="actual")
        if fit.n_train < fit.data.n_dates:
            ax.axvline(dates[fit.n_train], color="grey", ls="--", lw=1, label="holdout starts")
        ax.set_title("Decomposition of the outcome (posterior mean)")
        ax.set_ylabel(f"{fit.data.target_name} per period")
        number_axis(ax)
        legend_right(ax)
        fig.tight_layout()
        return fig

    def contribution_share(self, level: float = 0.9, ax=None, figsize=None):
        """Share of the total outcome (training window) due to each channel, with a ``level``
        interval."""
        fit = self.fit
        comps = fit.component_draws
        total = np.abs(fit.data.target[: fit.n_train]).sum()
        names = list(fit.data.channels)
        shares = np.stack(
            [100 * comps.summed(ch)[:, : fit.n_train].sum(axis=1) / total for ch in names], axis=1
        )
        lo, hi = interval(shares, level)
        mean = shares.mean(axis=0)
        fig, ax = figure(ax, figsize or (1.5 + 1.2 * len(names), 4))
        x = np.arange(len(names))
        colors = channel_colors(names)
        ax.bar(x, mean, color=[colors[n] for n in names], alpha=0.85, label="mean share")
        ax.errorbar(
            x,
            mean,
            yerr=[mean - lo, hi - mean],
            fmt="none",
            color="k",
            capsize=4,
            label=f"{pct(level)} interval",
        )
        ax.set_xticks(x, names, rotation=20, ha="right")
        ax.set_ylabel("share of total outcome (%)")
        ax.set_title("Contribution share per channel (training window)")
        legend_below(ax, ncols=2)
        fig.tight_layout()
        return fig

    # ------------------------------------------------------------------ returns
    def roi(self, level: float = 0.9, figsize=None):
        """ROI and marginal ROI per channel, side by side (forest plots with ``level``
        intervals). The break-even line (ROI = 1) is drawn only when the outcome is money
        (data with ``revenue_per_unit``); with units it would mean nothing."""
        fit = self.fit
        table = fit.roi(level=level)
        mroi = fit.mroi(level=level).set_index("channel").reindex(table["channel"]).reset_index()
        money = fit.data.revenue_per_unit is not None
        unit = "revenue per unit of spend" if money else f"{fit.data.target_name} per unit of spend"
        height = 2.0 + 0.5 * len(table)
        if figsize is not None:
            fig, axes = grid(2, cols=2, width=figsize[0] / 2, height=figsize[1], sharey=True)
        else:
            fig, axes = grid(2, cols=2, width=5.0, height=height, sharey=True)
        for ax, tab, name, color in ((axes[0], table, "ROI", "C0"), (axes[1], mroi, "mROI", "C1")):
            y = forest(ax, tab, name, level, color)
            ax.axvline(0, color="grey", lw=0.8)
            if money:
                ax.axvline(1, color="grey", lw=0.8, ls=":", label="break-even (1)")
            ax.set_yticks(y, table["channel"])
            ax.set_xlabel(f"{name}: {unit}")
            ax.set_title({"ROI": "Return on investment", "mROI": "Marginal ROI (+1% spend)"}[name])
            legend_below(ax, ncols=2)
        axes[0].invert_yaxis()
        fig.tight_layout()
        return fig

    def prior_vs_posterior(self, level: float = 0.9, figsize=None):
        """Prior vs posterior ROI interval per channel; prior-dominated channels highlighted in
        red."""
        plt = pyplot()
        fit = self.fit
        flags = fit.prior_dominated(level)
        if flags is None:
            raise SpecError(
                message("fit", "a fit with prior ROI draws (group 'prior')", "no prior group")
            )
        post = fit.roi(level=level).set_index("channel").reindex(flags["channel"])
        fig, ax = plt.subplots(figsize=(7, 1.2 + 0.6 * len(flags)))
        y = np.arange(len(flags))
        ax.hlines(
            y + 0.15,
            flags["prior_lower"],
            flags["prior_upper"],
            color="grey",
            lw=4,
            label=f"prior {pct(level)} interval",
        )
        ax.hlines(
            y - 0.15,
            post["lower"],
            post["upper"],
            color="C0",
            lw=4,
            label=f"posterior {pct(level)} interval",
        )
        ax.plot(post["mean"], y - 0.15, "o", color="C0", label="posterior mean")
        dominated = flags["prior_dominated"].to_numpy(bool)
        for k in np.flatnonzero(dominated):
            ax.axhspan(k - 0.45, k + 0.45, color="C3", alpha=0.12, lw=0)
        if dominated.any():
            ax.plot([], [], "s", color="C3", alpha=0.3, label="prior-dominated")
        ax.set_yticks(y, [f"{c} (!)" if d else c for c, d in zip(flags["channel"], dominated)])
        ax.invert_yaxis()
        if (flags["prior_lower"] > 0).all() and (post["lower"] > 0).all():
            ax.set_xscale("log")
        ax.set_xlabel("ROI: outcome per unit of spend")
        ax.set_title("Prior vs posterior ROI (width ratio > 0.8: the data says little)")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
        return resize(fig, figsize)

    def regional_roi(self, level: float = 0.9, figsize=None):
        """Small multiples of ROI by region, one panel per channel (national ROI as a dashed
        line)."""
        fit = self.fit
        if not fit.data.is_geo:
            raise SpecError(
                message(
                    "data",
                    "regional data (a geo column) for regional_roi",
                    "national data: use fit.plot.roi() instead",
                )
            )
        table = fit.roi(level=level, by_geo=True)
        channels = list(fit.data.channels)
        many = fit.data.n_geos > MANY_REGIONS  # compact rows: the figure stays a few MB of pixels
        row = 0.2 if many else 0.5
        cols = 5 if many and len(channels) > 12 else 3
        width = 3.2 if cols == 5 else 4.0
        fig, axes = grid(len(channels), cols=cols, width=width, height=1.6 + row * fit.data.n_geos)
        geos = list(fit.data.geos)
        for k, (ax, ch) in enumerate(zip(axes, channels)):
            part = table[(table["channel"] == ch) & (table["geo"] != "national")]
            national = table[(table["channel"] == ch) & (table["geo"] == "national")]
            # many regions: one row per region in every panel (a local channel's rows keep their
            # places), so the names are written once, on the left of each row of panels
            rows = [geos.index(g) for g in part["geo"]] if many else None
            y = forest(ax, part, "ROI", level, y=None if rows is None else np.array(rows))
            if len(national):
                ax.axvline(
                    float(national["mean"].iloc[0]),
                    color="C3",
                    ls="--",
                    lw=1,
                    label="national mean",
                )
            if not many:
                ax.set_yticks(y, part["geo"])
            elif k % cols == 0:  # 1500 region ticks cost ~2.5 CPU s to lay out and draw
                ax.set_yticks(np.arange(len(geos)), geos, fontsize=6)
            else:
                ax.set_yticks([])
            if many:
                ax.set_ylim(-0.5, len(geos) - 0.5)
            ax.invert_yaxis()
            ax.set_title(ch)
            ax.set_xlabel("ROI: outcome per unit of spend")
        axes[0].legend(fontsize=7, loc="lower right")
        # title and layout in inches from the top: a figure fraction would put the title inside
        # the first row of panels on a tall (many-region) figure
        height = fig.get_figheight()
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.32 / height))
        fig.suptitle("ROI by region", y=fig.subplotpars.top + 0.3 / height, va="bottom")
        return resize(fig, figsize)

    # ------------------------------------------------------------------ curves
    def response_curves(self, level: float = 0.9, result=None, figsize=None, draws=None):
        """Incremental outcome vs spend in the training window per channel: band, the spend
        range seen in the data shaded, current spend and (with a budget ``result``) the optimal
        spend marked; ``draws``: from that many evenly spaced draws (said in the title)."""
        return effect_plots.response_curves(
            self.fit, level, result=result, figsize=figsize, draws=draws
        )

    def adstock_decay(self, level: float = 0.9, figsize=None):
        """Carryover weights by lag 0..l_max-1 per channel (registered adstock), mean and band."""
        fit = self.fit
        l_max = fit.spec.l_max
        impulse = np.zeros((l_max, 1, 1))
        impulse[0] = 1.0
        lags = np.arange(l_max)
        fig, axes = grid(len(fit.channels))
        for c, (ax, ch) in enumerate(zip(axes, fit.channels)):
            names = ADSTOCKS[ch.adstock].params
            params = {p: fit.params.transform[p][..., c].reshape(-1, 1, 1, 1) for p in names}
            w = np.asarray(apply_adstock(ch.adstock, impulse, params, l_max)).reshape(
                -1, l_max
            )  # (draw, lag)
            lo, hi = interval(w, level)
            color = channel_colors(fit.data.channels)[ch.name]
            ax.fill_between(lags, lo, hi, color=color, alpha=0.25, label=f"{pct(level)} band")
            ax.plot(lags, w.mean(axis=0), "o-", color=color, label="mean")
            ax.set_title(f"{ch.name} ({ch.adstock})")
            ax.set_xlabel("lag (periods)")
            ax.set_ylabel("share of effect")
            ax.set_ylim(bottom=0)
        axes[0].legend(fontsize=8)
        fig.suptitle("Adstock carryover weights")
        fig.tight_layout()
        return resize(fig, figsize)

    # ------------------------------------------------------------------ inputs and optimiser
    def inputs(self):
        """Spend over time per channel, and the correlation heatmap of spend and controls."""
        return inputs(self.fit.data)

    def optimizer(self, result):
        """Current vs optimal spend per channel from a
        :class:`~bayes_mmm.planning.budget_result.BudgetResult`."""
        return budget_bars(result)

    def budget_plan(self, result, level: float | None = None, figsize=None):
        """Spend change per channel, the interval of its effect and the uplift distribution
        with P(better than now), from a budget result."""
        return plan_plots.budget_plan(result, level, figsize=figsize)

    # ------------------------------------------------------------------ more views (delegates)
    def waterfall(self, level: float = 0.9, start=None, end=None, ax=None, figsize=(10, 4.5)):
        """Baseline, controls and channels adding up to the total over a window, with intervals
        of summed draws."""
        return effect_plots.waterfall(self.fit, level, start, end, ax=ax, figsize=figsize)

    def contributions_over_time(self, level: float = 0.9, ax=None, figsize=(11, 4.2)):
        """Each channel's incremental outcome per period with its band."""
        return effect_plots.contributions_over_time(self.fit, level, ax=ax, figsize=figsize)

    def spend_vs_effect_share(self, level: float = 0.9, ax=None, figsize=None):
        """Share of spend vs share of the channels' effect, per channel."""
        return effect_plots.spend_vs_effect_share(self.fit, level, ax=ax, figsize=figsize)

    def posterior_predictive(self, figsize=(13, 3.8)):
        """Posterior predictive check: density, residuals over time, residual autocorrelation."""
        return check_plots.posterior_predictive(self.fit, figsize=figsize)

    def prior_predictive(self, level: float = 0.9, ax=None, figsize=(10, 4)):
        """What the priors alone predict for the outcome, against the actual outcome."""
        return check_plots.prior_predictive(self.fit, level, ax=ax, figsize=figsize)

    def parameter_densities(self, parameters=None, figsize=None):
        """Prior vs posterior densities of the adstock, saturation and effect parameters."""
        return check_plots.parameter_densities(self.fit, parameters, figsize=figsize)

    def lift_tests(self, level: float = 0.9, ax=None, figsize=None):
        """Measured lift vs the lift the model implies, per experiment."""
        return check_plots.lift_tests(self.fit, level, ax=ax, figsize=figsize)

    def shrinkage(self, unpooled_fit, level: float = 0.9, figsize=None):
        """Regional ROI with no pooling (``unpooled_fit``) vs this partial-pooling fit."""
        table = pooling.shrinkage(self.fit, unpooled_fit, level)
        return check_plots.shrinkage(table, level, figsize=figsize)
