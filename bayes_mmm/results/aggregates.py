"""Intervals of aggregates - all regions, all channels, a window of dates - always computed as
quantiles of *summed draws* (never sums of per-part quantiles, which are too wide).

Tables here are what plots of totals draw: ``fit.plot.fit_over_time()`` on regional data, the
waterfall decomposition and window totals. Outcomes are in target units per period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import check_level
from bayes_mmm.core.intervals import interval

BASELINE_PARTS = ("intercept", "trend", "seasonality")


def predict_total(fit, level: float = 0.9, seed: int | None = None) -> pd.DataFrame:
    """Actual vs fitted of the total over regions, per date: columns date, actual, mean, lower,
    upper, lower_50, upper_50, split. Bands are quantiles of region-summed replicate draws."""
    check_level(level)
    mu, y_rep = fit.replicate_draws(seed)
    total = y_rep.sum(axis=-1)  # (sample, date): sum the draws first, then take quantiles
    lo, hi = interval(total, level)
    lo50, hi50 = interval(total, 0.5)
    return pd.DataFrame(
        {
            "date": fit.data.dates,
            "actual": fit.data.target.sum(axis=1),
            "mean": mu.sum(axis=-1).mean(axis=0),
            "lower": lo,
            "upper": hi,
            "lower_50": lo50,
            "upper_50": hi50,
            "split": np.where(np.arange(fit.data.n_dates) < fit.n_train, "train", "holdout"),
        }
    )


def grouped_components(fit) -> dict[str, np.ndarray]:
    """Component draws (sample, date, geo) with intercept, trend and seasonality summed (draw by
    draw) into one ``baseline``; then controls and channels in data order. Holds every component
    at once: on large panels prefer :func:`grouped_sums`."""
    comps = fit.component_draws
    base = [comps[k] for k in BASELINE_PARTS if k in comps]
    out = {"baseline": sum(base)} if base else {}
    out.update({k: v for k, v in comps.items() if k not in BASELINE_PARTS})
    return out


def grouped_sums(fit) -> dict[str, np.ndarray]:
    """As :func:`grouped_components`, summed over regions: ``(sample, date)`` per component
    (small whatever the panel: one component's full draws in memory at a time)."""
    comps = fit.component_draws
    base = [comps.summed(k) for k in BASELINE_PARTS if k in comps]
    out = {"baseline": sum(base)} if base else {}
    out.update({k: comps.summed(k) for k in comps if k not in BASELINE_PARTS})
    return out


def window_totals(fit, level: float = 0.9, start=None, end=None) -> pd.DataFrame:
    """Total of each component over a date window and all regions (default: the training
    window), with the interval of the summed draws; last row ``total`` = all components together
    (the fitted outcome). Columns: component, kind (baseline/control/channel/total), mean, lower,
    upper, share (% of the fitted total's mean)."""
    check_level(level)
    mask = fit.window(start, end)
    parts = grouped_sums(fit)
    sums = {name: draws[:, mask].sum(axis=1) for name, draws in parts.items()}
    sums["total"] = sum(sums.values())
    channels = set(fit.data.channels)
    rows = []
    for name, draws in sums.items():
        lo, hi = interval(draws, level)
        kind = (
            "total"
            if name == "total"
            else "baseline"
            if name == "baseline"
            else "channel"
            if name in channels
            else "control"
        )
        rows.append(
            {"component": name, "kind": kind, "mean": draws.mean(), "lower": lo, "upper": hi}
        )
    table = pd.DataFrame(rows)
    table["share"] = 100 * table["mean"] / table["mean"].iloc[-1]
    return table


def channels_total(fit, level: float = 0.9, start=None, end=None) -> dict[str, float]:
    """Incremental outcome of all channels together over a window (sum of channel draws)."""
    check_level(level)
    mask = fit.window(start, end)
    comps = fit.component_draws
    draws = sum(comps.summed(ch)[:, mask].sum(axis=1) for ch in fit.data.channels)
    lo, hi = interval(draws, level)
    return {"mean": float(draws.mean()), "lower": float(lo), "upper": float(hi)}


def spend_and_effect_share(fit, level: float = 0.9, start=None, end=None) -> pd.DataFrame:
    """Per channel: share of spend (%) and share of the channels' incremental outcome (%) over a
    window, the effect share with the interval of its per-draw ratio. Columns: channel, spend,
    spend_share, effect_share, effect_lower, effect_upper."""
    check_level(level)
    mask = fit.window(start, end)
    comps = fit.component_draws
    effect = np.stack([comps.summed(ch)[:, mask].sum(axis=1) for ch in fit.data.channels], axis=1)
    total = effect.sum(axis=1, keepdims=True)
    share = 100 * effect / np.where(total == 0, np.nan, total)
    lo, hi = interval(share, level)
    spend = fit.data.spend[mask].sum(axis=(0, 1))
    return pd.DataFrame(
        {
            "channel": list(fit.data.channels),
            "spend": spend,
            "spend_share": 100 * spend / spend.sum(),
            "effect_share": np.nanmean(share, axis=0),
            "effect_lower": lo,
            "effect_upper": hi,
        }
    )


def observed_spend_range(fit, start=None, end=None) -> pd.DataFrame:
    """Per channel: the window's total spend if every period were at the lowest / highest
    positive per-period spend seen in the data (all regions together), next to the actual total:
    the part of a response curve the data has seen. Columns: channel, low, actual, high."""
    mask = fit.window(start, end)
    spend = fit.data.spend.sum(axis=1)  # (date, channel)
    n = int(mask.sum())
    rows = []
    for c, ch in enumerate(fit.data.channels):
        positive = spend[:, c][spend[:, c] > 0]
        low, high = (positive.min() * n, positive.max() * n) if positive.size else (0.0, 0.0)
        rows.append({"channel": ch, "low": low, "actual": spend[mask, c].sum(), "high": high})
    return pd.DataFrame(rows)


__all__ = [
    "channels_total",
    "grouped_components",
    "grouped_sums",
    "observed_spend_range",
    "predict_total",
    "spend_and_effect_share",
    "window_totals",
]
