"""Budget plans and planning horizons (docs/optimizer.md).

A :class:`Plan` is spend in currency per week, region and channel over a horizon: either the
``n`` weeks straight after the data (a future plan) or a historical window being re-allocated.
A :class:`Horizon` holds everything the optimiser needs to turn per-cell budgets (currency over
the horizon, one cell per region x channel) into exposure week by week:

* ``weights`` (week, geo, channel): the flighting pattern, summing to 1 over the horizon per cell;
* ``unit`` (week, geo, channel): exposure per currency unit of the cell budget (pattern x
  exposure-per-spend); with the default "recent" pattern, ``current x unit`` is exactly the
  exposure of the reference weeks, so the current plan reproduces the data;
* ``pre`` / ``post`` (l_max - 1, geo, channel): actual exposure just before the horizon (its
  carryover flows in) and just after it (zeros for a future horizon), so the incremental outcome
  of a plan is counted over the horizon plus ``l_max - 1`` weeks of carryover, as in ``Engine``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import OptimizationError, message
from bayes_mmm.model.equations import to_length

PATTERNS = ("recent", "flat")


def money(value: float) -> str:
    """Short human amount: ``1.20M``, ``350.0k``, ``12.50``."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.2f}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:,.1f}k"
    return f"{value:,.2f}"


@dataclass(frozen=True, eq=False)
class Plan:
    """Spend per week, region and channel over a horizon.

    Attributes:
        spend: currency per week, shape ``(week, geo, channel)``; finite and non-negative.
        channels: channel names.
        geos: region names (``("national",)`` for national data).
        start: position in the data's calendar of the first horizon week; the number of data
            periods means "the week after the data" (a future plan).
    """

    spend: np.ndarray
    channels: tuple[str, ...]
    geos: tuple[str, ...]
    start: int

    def __post_init__(self):
        spend = np.array(self.spend, dtype=float, copy=True)
        if spend.ndim == 2:  # (week, channel) national shortcut
            spend = spend[:, None, :]
        expected = (len(self.geos), len(self.channels))
        if spend.ndim != 3 or spend.shape[1:] != expected or spend.shape[0] < 1:
            raise OptimizationError(
                message(
                    "plan spend",
                    f"an array (week, geo, channel) with (geo, channel) = {expected}",
                    f"shape {np.shape(self.spend)}",
                )
            )
        check_spend("plan spend", spend, self.channels, self.geos)
        spend.setflags(write=False)
        object.__setattr__(self, "spend", spend)
        object.__setattr__(self, "channels", tuple(self.channels))
        object.__setattr__(self, "geos", tuple(self.geos))

    @property
    def n_weeks(self) -> int:
        return self.spend.shape[0]

    @property
    def budget(self) -> np.ndarray:
        """Total spend per cell over the horizon, ``(geo, channel)`` currency."""
        return self.spend.sum(axis=0)

    @property
    def total(self) -> float:
        """Total spend over the horizon (currency)."""
        return float(self.spend.sum())

    def by_channel(self) -> pd.Series:
        """Total spend per channel over the horizon (currency), summed over regions."""
        return pd.Series(self.budget.sum(axis=0), index=list(self.channels), name="spend")

    def to_frame(self) -> pd.DataFrame:
        """Tidy weekly plan: week, geo, channel, spend (currency)."""
        w, g, c = np.meshgrid(
            np.arange(self.n_weeks),
            np.arange(len(self.geos)),
            np.arange(len(self.channels)),
            indexing="ij",
        )
        return pd.DataFrame(
            {
                "week": w.ravel(),
                "geo": np.array(self.geos)[g.ravel()],
                "channel": np.array(self.channels)[c.ravel()],
                "spend": self.spend.ravel(),
            }
        )


def check_spend(name: str, spend: np.ndarray, channels, geos) -> None:
    """Raise a clear OptimizationError for negative or non-finite spend
    (``spend`` (..., geo, channel))."""
    spend = np.asarray(spend, dtype=float)
    bad = ~np.isfinite(spend) | (spend < 0)
    if bad.any():
        idx = np.argwhere(bad)[0]
        g, c = idx[-2], idx[-1]
        where = f"channel '{channels[c]}'" + (f", region '{geos[g]}'" if len(geos) > 1 else "")
        raise OptimizationError(
            message(
                name,
                "finite, non-negative spend (currency)",
                f"{spend[tuple(idx)]} for {where}",
                "Spend cannot be negative: use zero=[...] to switch a channel off.",
            )
        )


@dataclass(frozen=True, eq=False)
class Horizon:
    """A planning horizon; arrays in currency (spend) or exposure units (media). See module
    docstring."""

    start: int  # calendar position of the first horizon week
    n_weeks: int
    pre: np.ndarray  # (pad, geo, channel) exposure before the horizon
    post: np.ndarray  # (pad, geo, channel) exposure after the horizon
    weights: np.ndarray  # (week, geo, channel) flighting pattern, sums to 1 per cell
    unit: np.ndarray  # (week, geo, channel) exposure per currency of cell budget
    current: np.ndarray  # (geo, channel) reference budget, currency over the horizon
    value: np.ndarray  # (week + pad, geo) money per outcome unit
    reference_sales: (
        float  # outcome (money if revenue_per_unit) in the reference weeks, all regions
    )
    future: bool

    def plan(self, budget: np.ndarray, channels, geos) -> Plan:
        """Weekly :class:`Plan` spending ``budget`` (geo, channel) with this horizon's pattern."""
        return Plan(np.asarray(budget)[None] * self.weights, channels, geos, self.start)


def build_horizon(
    engine,
    weeks: int | None = 13,
    window: tuple[int, int] | None = None,
    pattern="recent",
    target: np.ndarray | None = None,
) -> Horizon:
    """Horizon after the data (``weeks`` long, reference = the last ``weeks`` weeks) or over
    ``window``.

    Args:
        engine: an :class:`~bayes_mmm.effects.Engine` (data arrays, scales, posterior draws).
        weeks: horizon length in weeks for a future plan (ignored with ``window``).
        window: ``(start, stop)`` positions (stop exclusive) of a historical window to re-allocate.
        pattern: "recent" (the reference weeks' shape), "flat", or weights ``(week,)``,
            ``(week, channel)`` or ``(week, geo, channel)`` (non-negative, normalised per cell).
        target: outcome per period ``(date, geo)`` for the reference sales (percent uplifts).
    """
    spend, media, vpu = engine.spend, engine.media, engine.value_per_unit
    n_dates, n_geo, n_ch = spend.shape
    pad = engine.pad
    if window is None:
        if not isinstance(weeks, (int, np.integer)) or not 1 <= weeks <= n_dates:
            raise OptimizationError(
                message(
                    "horizon",
                    f"a whole number of weeks in [1, {n_dates}] (the recent "
                    "weeks set the reference plan)",
                    repr(weeks),
                )
            )
        start, ref = n_dates, slice(n_dates - weeks, n_dates)
        post = np.zeros((pad, n_geo, n_ch))
        value = np.repeat(vpu[-1:], weeks + pad, axis=0)
    else:
        a, b = int(window[0]), int(window[1])
        if not 0 <= a < b <= n_dates:
            raise OptimizationError(
                message("window", f"start < stop within [0, {n_dates}]", window)
            )
        start, ref, weeks = a, slice(a, b), b - a
        post = to_length(media[b : b + pad], pad)
        value = to_length(vpu[a : b + pad], weeks + pad, mode="last")
    pre = media[max(start - pad, 0) : start]
    pre = np.concatenate([np.zeros((pad - len(pre), n_geo, n_ch)), pre], axis=0)
    ref_spend, ref_media = spend[ref], media[ref]
    current = ref_spend.sum(axis=0)
    ratio = _exposure_per_spend(ref_spend, ref_media, spend, media)
    recent_w = np.where(current > 0, ref_spend / np.where(current > 0, current, 1.0), 1.0 / weeks)
    recent_unit = np.where(
        current > 0, ref_media / np.where(current > 0, current, 1.0), ratio / weeks
    )
    weights = _pattern_weights(pattern, weeks, n_geo, n_ch, recent_w)
    same = np.isclose(weights, recent_w, rtol=1e-9, atol=1e-12).all(axis=0)
    unit = np.where(same[None], recent_unit, weights * ratio[None])
    sales = 0.0 if target is None else float((np.asarray(target)[ref] * vpu[ref]).sum())
    return Horizon(start, weeks, pre, post, weights, unit, current, value, sales, window is None)


def _exposure_per_spend(ref_spend, ref_media, spend, media) -> np.ndarray:
    """Exposure per currency per cell: reference weeks, else all data, else the channel, else 1."""

    def ratio(s, m, axis):
        s, m = s.sum(axis=axis), m.sum(axis=axis)
        return np.where(s > 0, m / np.where(s > 0, s, 1.0), np.nan)

    out = ratio(ref_spend, ref_media, 0)
    out = np.where(np.isfinite(out), out, ratio(spend, media, 0))
    channel = ratio(spend, media, (0, 1))
    out = np.where(np.isfinite(out), out, channel[None, :])
    return np.where(np.isfinite(out), out, 1.0)


def _pattern_weights(pattern, weeks: int, n_geo: int, n_ch: int, recent: np.ndarray) -> np.ndarray:
    if isinstance(pattern, str):
        if pattern not in PATTERNS:
            raise OptimizationError(
                message(
                    "pattern",
                    f"one of {list(PATTERNS)} or an array of weekly weights",
                    repr(pattern),
                )
            )
        return recent if pattern == "recent" else np.full((weeks, n_geo, n_ch), 1.0 / weeks)
    w = np.asarray(pattern, dtype=float)
    if w.ndim == 1:
        w = w[:, None, None]
    elif w.ndim == 2:
        w = w[:, None, :]
    ok = (
        w.ndim == 3 and w.shape[0] == weeks and w.shape[1] in (1, n_geo) and w.shape[2] in (1, n_ch)
    )
    if not ok or not np.isfinite(w).all() or (w < 0).any():
        raise OptimizationError(
            message(
                "pattern",
                f"non-negative weights shaped (week,), (week, channel) or "
                f"(week, geo, channel) with {weeks} weeks",
                f"shape {np.shape(pattern)}",
            )
        )
    w = np.broadcast_to(w, (weeks, n_geo, n_ch))
    total = w.sum(axis=0)
    return np.where(total > 0, w / np.where(total > 0, total, 1.0), 1.0 / weeks)


def decision_variables(spend: np.ndarray, hz, by_geo: bool):
    """Decision variables: share (var, cell), scale (var,) currency, owning channel and geo
    (-1: all)."""
    n_geo, n_ch = hz.current.shape
    typical = spend.mean(axis=0) * hz.n_weeks  # (geo, ch) a typical horizon's spend
    fallback = np.where(hz.current > 0, hz.current, typical)
    positive = hz.current[hz.current > 0]
    fallback = np.where(fallback > 0, fallback, positive.mean() if positive.size else 1.0)
    if by_geo:
        n_var = n_geo * n_ch
        share = np.eye(n_var)
        scale = fallback.ravel()
        return share, scale, np.tile(np.arange(n_ch), n_geo), np.repeat(np.arange(n_geo), n_ch)
    share = np.zeros((n_ch, n_geo * n_ch))
    for c in range(n_ch):
        weight = hz.current[:, c] if hz.current[:, c].sum() > 0 else fallback[:, c]
        share[c, np.arange(n_geo) * n_ch + c] = weight / weight.sum()
    scale = np.where(hz.current.sum(0) > 0, hz.current.sum(0), fallback.sum(0))
    return share, scale, np.arange(n_ch), np.full(n_ch, -1)
