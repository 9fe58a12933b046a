"""Model checks as pictures: posterior predictive check (density, residuals over time, residual
autocorrelation), prior predictive check, prior vs posterior densities of the adstock,
saturation and effect parameters, the lift-test check and regional shrinkage.

Each function reads tables or draws the fit already holds and returns the figure.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.core.errors import SpecError, message
from bayes_mmm.core.intervals import interval
from bayes_mmm.inference.misfit import autocorrelation
from bayes_mmm.results.aggregates import predict_total
from bayes_mmm.results.lift_check import lift_check
from bayes_mmm.results.posterior import stack_draws
from bayes_mmm.viz.style import (
    channel_colors,
    figure,
    forest,
    grid,
    legend_below,
    legend_right,
    number_axis,
    pct,
)


def posterior_predictive(fit, n_replicates: int = 50, figsize=(13, 3.8), seed: int | None = None):
    """Three panels (training window, all regions summed): density of the observed outcome vs
    replicated data sets; residuals (actual - fitted mean) over time with the 90% predictive
    band; residual autocorrelation with the +-2/sqrt(n) white-noise band."""
    pred = predict_total(fit, level=0.9, seed=seed)
    _, y_rep = fit.replicate_draws(seed)
    train = pred["split"] == "train"
    rep = y_rep.sum(axis=-1)[:, train.to_numpy()]
    actual = pred.loc[train, "actual"].to_numpy()
    fig, (dens, resid, acf) = grid(3, cols=3, width=figsize[0] / 3, height=figsize[1])
    bins = np.histogram_bin_edges(np.concatenate([actual, rep[:n_replicates].ravel()]), 30)
    rows = np.random.default_rng(0).choice(len(rep), min(n_replicates, len(rep)), replace=False)
    for k, r in enumerate(rows):
        dens.hist(
            rep[r],
            bins=bins,
            density=True,
            histtype="step",
            color="C0",
            alpha=0.15,
            label="replicated" if k == 0 else None,
        )
    dens.hist(actual, bins=bins, density=True, histtype="step", color="k", lw=2, label="observed")
    dens.set_title("Observed vs replicated outcome")
    dens.set_xlabel(f"{fit.data.target_name} per period")
    dens.set_yticks([])
    number_axis(dens, "x")
    legend_below(dens, ncols=2)
    part = pred[train]
    mean = part["mean"].to_numpy()
    resid.fill_between(
        part["date"],
        part["lower"] - mean,
        part["upper"] - mean,
        color="C0",
        alpha=0.2,
        label="90% predictive band",
    )
    resid.plot(part["date"], actual - mean, "o-", ms=2, lw=0.8, color="k", label="residual")
    resid.axhline(0, color="grey", lw=0.8)
    resid.set_title("Residuals over time")
    number_axis(resid)
    resid.tick_params(axis="x", rotation=30)
    legend_below(resid, ncols=2)
    lags = min(20, len(actual) - 2)
    rho = autocorrelation(actual - mean, lags)
    acf.bar(np.arange(lags + 1), rho, color="C0", width=0.6)
    band = 2 / np.sqrt(len(actual))
    acf.axhspan(-band, band, color="grey", alpha=0.2, label="white-noise band")
    acf.set_title("Residual autocorrelation")
    acf.set_xlabel("lag (periods)")
    legend_below(acf, ncols=1)
    fig.suptitle("Posterior predictive check (training window)")
    fig.tight_layout()
    return fig


def prior_predictive(fit, level: float = 0.9, ax=None, figsize=(10, 4)):
    """What the priors alone predict for the outcome (all regions), with ``level`` and 50%
    bands, against the actual outcome: the data should sit comfortably inside the wide band."""
    if "prior_predictive" not in fit.tree.children:
        raise SpecError(
            message(
                "fit",
                "a fit with a prior_predictive group",
                "none",
                "Refit with this version of bayes_mmm (MMM.fit stores it).",
            )
        )
    y = fit.tree["prior_predictive"].to_dataset()["y"]
    draws = stack_draws(y).sum(axis=-1)  # (sample, date): summed over regions first
    lo, hi = interval(draws, level)
    lo50, hi50 = interval(draws, 0.5)
    dates = y["date"].values
    fig, ax = figure(ax, figsize)
    ax.fill_between(dates, lo, hi, color="C2", alpha=0.2, label=f"prior {pct(level)} band")
    ax.fill_between(dates, lo50, hi50, color="C2", alpha=0.35, label="prior 50% band")
    ax.plot(dates, np.median(draws, axis=0), color="C2", label="prior median")
    ax.plot(
        fit.data.dates[: len(dates)],
        fit.data.target[: len(dates)].sum(axis=1),
        color="k",
        lw=1,
        label="actual",
    )
    ax.set_title("Prior predictive check: what the priors expect before seeing the data")
    ax.set_ylabel(f"{fit.data.target_name} per period")
    number_axis(ax)
    legend_below(ax, ncols=4)
    fig.tight_layout()
    return fig


# long: a grid of parameter x channel panels, each with two histograms and labels
def parameter_densities(fit, parameters=None, figsize=None):
    """Prior (grey) vs posterior (channel colour) density of each channel's adstock,
    saturation and effect parameters (default: every per-channel parameter the prior group
    holds, plus ``roi``). A posterior that looks like its prior means the data said little."""
    if "prior" not in fit.tree.children:
        raise SpecError(message("fit", "a fit with a prior group", "none"))
    prior, post = fit.tree["prior"].to_dataset(), fit.posterior
    names = parameters or [
        n
        for n in post.data_vars
        if n in prior and post[n].dims[2:] == ("channel",) and n not in ("beta", "share")
    ]
    names = sorted(names, key=lambda n: (n == "roi", n))
    channels = list(fit.data.channels)
    colors = channel_colors(channels)
    w, h = (figsize[0] / len(channels), figsize[1] / len(names)) if figsize else (3.2, 2.2)
    fig, axes = grid(len(names) * len(channels), cols=len(channels), width=w, height=h)
    for i, name in enumerate(names):
        for j, ch in enumerate(channels):
            ax = axes[i * len(channels) + j]
            if ch not in post[name]["channel"].values:
                ax.set_axis_off()
                continue
            p = prior[name].sel(channel=ch).values.ravel()
            q = post[name].sel(channel=ch).values.ravel()
            # the posterior in full, the prior's central 95% (ROI priors have long tails)
            lo = min(np.quantile(p, 0.025), np.quantile(q, 0.005))
            hi = max(np.quantile(p, 0.975), np.quantile(q, 0.995))
            bins = np.linspace(lo, hi, 40)
            ax.hist(p, bins=bins, density=True, color="#bbbbbb", alpha=0.7, label="prior")
            ax.hist(
                q,
                bins=bins,
                density=True,
                histtype="step",
                lw=1.8,
                color=colors[ch],
                label="posterior",
            )
            ax.set_yticks([])
            ax.set_title(f"{name} - {ch}", fontsize=9)
    legend_right(axes[len(channels) - 1])
    fig.suptitle("Prior vs posterior of the channel parameters")
    fig.tight_layout()
    return fig


def lift_tests(fit, level: float = 0.9, ax=None, figsize=None):
    """Measured lift of each experiment (with its ``level`` interval) next to the lift the
    fitted model implies for the same spend change (posterior ``level`` interval)."""
    table = lift_check(fit, level)
    fig, ax = figure(ax, figsize or (8, 1.6 + 0.7 * len(table)))
    labels = [
        f"{r.channel} {r.start:%Y-%m-%d}" + (f" ({r.geo})" if isinstance(r.geo, str) else "")
        for r in table.itertuples()
    ]
    y = np.arange(len(table))
    measured = table.rename(
        columns={"measured": "mean", "measured_lower": "lower", "measured_upper": "upper"}
    )
    model = table.rename(
        columns={"model_mean": "mean", "model_lower": "lower", "model_upper": "upper"}
    )
    forest(ax, measured, "measured", level, "k", y=y - 0.12)
    forest(ax, model, "model", level, "C0", y=y + 0.12)
    for k, z in enumerate(table["z"]):
        if abs(z) > 2:
            ax.annotate("disagree", (table["measured"].iloc[k], k - 0.35), color="C3", fontsize=8)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(f"lift over the test window ({fit.data.target_name})")
    ax.set_title("Lift tests: measured vs model-implied")
    number_axis(ax, "x")
    legend_below(ax, ncols=2)
    fig.tight_layout()
    return fig


def shrinkage(table, level: float = 0.9, figsize=None):
    """Regional ROI without pooling vs with partial pooling (a
    :func:`~bayes_mmm.results.pooling.shrinkage` table), one panel per channel; the national
    ROI dashed. Partial pooling pulls noisy regions toward it."""
    channels = list(dict.fromkeys(table["channel"]))
    colors = channel_colors(channels)
    n_geo = table.groupby("channel").size().max()
    w, h = (figsize[0] / min(3, len(channels)), figsize[1]) if figsize else (4.2, 1.5 + 0.5 * n_geo)
    fig, axes = grid(len(channels), cols=3, width=w, height=h)
    for ax, ch in zip(axes, channels):
        part = table[table["channel"] == ch].reset_index(drop=True)
        y = np.arange(len(part))
        none = part.rename(
            columns={"mean_none": "mean", "lower_none": "lower", "upper_none": "upper"}
        )
        partial = part.rename(
            columns={"mean_partial": "mean", "lower_partial": "lower", "upper_partial": "upper"}
        )
        forest(ax, none, "no pooling", level, "#999999", y=y - 0.15)
        forest(ax, partial, "partial pooling", level, colors[ch], y=y + 0.15)
        ax.axvline(float(part["national"].iloc[0]), color="k", ls="--", lw=1, label="national")
        ax.set_yticks(y, part["geo"])
        ax.invert_yaxis()
        ax.set_title(ch)
        ax.set_xlabel("ROI")
    legend_below(axes[0], ncols=1)
    fig.suptitle("Regional shrinkage: no pooling vs partial pooling")
    fig.tight_layout()
    return fig
