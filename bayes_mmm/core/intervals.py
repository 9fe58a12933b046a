"""Interval summaries of posterior (or prior) draws: the one place credible intervals are computed.

Intervals are equal-tailed: ``level`` 0.9 gives the 5% and 95% quantiles. An interval of an
aggregate (all regions, all channels, a window of weeks) is always a quantile of the *summed draws*,
never a sum of per-part quantiles - sum the draws first, then call :func:`interval`.
"""

from __future__ import annotations

import numpy as np


def tail_probabilities(level: float) -> tuple[float, float]:
    """Lower and upper quantile probabilities of an equal-tailed interval at ``level``."""
    return (1 - level) / 2, (1 + level) / 2


def interval(draws: np.ndarray, level: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed credible interval at ``level`` along ``axis``."""
    lo, hi = np.quantile(draws, list(tail_probabilities(level)), axis=axis)
    return lo, hi


def summarise(draws: np.ndarray, level: float) -> dict[str, float]:
    """mean, median, lower, upper of a 1-D array of draws."""
    lo, hi = interval(draws, level)
    return {
        "mean": float(np.mean(draws)),
        "median": float(np.median(draws)),
        "lower": float(lo),
        "upper": float(hi),
    }
