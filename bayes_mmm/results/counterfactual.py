"""Counterfactual engine: the one place defining ROI, mROI, response curves and contributions.

Definitions (docs/model.md):

* a channel's *outcome* in a run of periods is ``target_scale x beta x saturation(adstock(media))``,
  evaluated over the periods plus ``l_max - 1`` padding periods so carryover after the last
  period is counted;
* the *incremental outcome* of a spend change is the summed outcome difference between the
  changed and the actual media (carryover included, nothing else changes);
* ROI over a window = incremental outcome of setting the channel's spend to zero in that window,
  divided by the spend removed; mROI = incremental outcome of +1% spend in the window / that 1%.
  With a revenue-per-unit column outcomes are converted to money first.

Every function works on all posterior draws, evaluated in chunks of draws whose size follows from
a memory budget (``MEMORY_BUDGET`` bytes of float64 temporaries), so peak memory stays bounded on
large panels; chunking never changes a number (each draw is computed on its own).

``outcome`` and ``incremental`` are the reference definitions. ROI, mROI, response curves and
channel series take fast paths (``Engine.fast``, default on) that compute the same numbers to float
tolerance with less work (tests/test_fast_paths.py):

* only the periods a window change can affect are evaluated - from the window's first period with
  spend on the channel to its last one plus ``l_max - 1`` (carryover), with ``l_max - 1`` periods
  of history before it (carry-in) - and only the regions with spend on the channel in the window
  (elsewhere both paths are identical, so the difference is exactly zero);
* a path whose media is zero in every evaluated period is not evaluated: its outcome is zero
  because the registered adstocks are linear and saturation(0) = 0, which is checked on the draws
  (``fast_paths.zero_maps_to_zero``) rather than assumed;
* the outcomes at multipliers 0 and 1 of a window (shared by ROI, mROI and response curves) are
  cached per engine (``CACHED_MULTIPLIERS``), so ``roi()`` then ``mroi()`` then the curves reuse
  them, and a repeated ``roi()`` (the report asks four times) costs nothing;
* chunks of draws run in ``THREADS`` threads (numpy releases the GIL).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from bayes_mmm.model.equations import Scales, media_response, pad_periods
from bayes_mmm.results.fast_paths import (
    LINEAR_ADSTOCKS,
    Saturator,
    adstock,
    adstock_weights,
    channel_params,
    lagged,
    zero_maps_to_zero,
)
from bayes_mmm.results.posterior import PosteriorParams

CHUNK = 1000  # upper bound on draws per chunk
MEMORY_BUDGET = 256 * 2**20  # bytes of temporaries per chunk (about 6 arrays of draw x date x geo)
# fast paths: bytes per (draw, date, geo) array of a chunk. ROI on the large panel (4000 draws),
# CPU s: 6 MiB 12.9-14.8, 3 MiB 7.0, 2 MiB 7.1-7.9, 1 MiB 7.7-9.7, 0.5 MiB 12.6 (docs/benchmarks.md)
FAST_CHUNK_BYTES = 2 * 2**20
THREADS = min(2, os.cpu_count() or 1)  # chunks evaluated at once
CACHED_MULTIPLIERS = (0.0, 1.0)  # window outcomes kept per engine (ROI, mROI, curves share them)


def chunk_rows(per_draw: int, budget: int = MEMORY_BUDGET, cap: int = CHUNK) -> int:
    """Draws per chunk so that ~6 float64 temporaries of ``per_draw`` values fit in ``budget``."""
    return int(max(1, min(cap, budget // max(1, 6 * 8 * per_draw))))


@dataclass(frozen=True, eq=False)
class Engine:
    """Evaluates channel outcomes for any media plan over every posterior draw."""

    channels: list  # ResolvedChannel per channel
    l_max: int
    scales: Scales
    media: np.ndarray  # (date, geo, channel) actual exposure
    spend: np.ndarray  # (date, geo, channel) actual spend
    value_per_unit: np.ndarray  # (date, geo) money per outcome unit (1 without revenue_per_unit)
    params: PosteriorParams
    geo_params: bool = False  # transform parameters vary by region: (draw, geo, channel)
    chunk: int | None = None  # draws per chunk (None: from MEMORY_BUDGET)
    fast: bool = True  # fast paths for ROI, mROI, curves, channel series (False: reference)
    cache: dict = field(default_factory=dict, init=False, repr=False)  # (channel, window, m) sums

    @property
    def pad(self) -> int:
        return self.l_max - 1

    def chunks(self, per_draw: int | None = None):
        """Row slices covering every draw. Reference path: each chunk within the memory budget;
        fast paths (``per_draw`` given): ``FAST_CHUNK_BYTES`` per array, small enough to stay in
        cache. Boundaries never depend on ``THREADS``."""
        if self.chunk:
            size = self.chunk
        elif per_draw is None:
            size = chunk_rows((self.media.shape[0] + self.pad) * self.media.shape[1])
        else:
            size = max(1, min(CHUNK, FAST_CHUNK_BYTES // (8 * per_draw)))
        return [slice(s, s + size) for s in range(0, self.params.n_samples, size)]

    def map_chunks(self, fn, per_draw: int | None = None) -> list:
        """``fn(rows)`` for every chunk of draws, in ``THREADS`` threads."""
        chunks = self.chunks(per_draw)
        if THREADS > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(THREADS) as pool:
                return list(pool.map(fn, chunks))
        return [fn(rows) for rows in chunks]

    def uses_fast_path(self, c: int) -> bool:
        return self.fast and self.channels[c].adstock in LINEAR_ADSTOCKS

    def channel_index(self, channel: str) -> int:
        return [ch.name for ch in self.channels].index(channel)

    def outcome(
        self, c: int, media_c: np.ndarray, money: bool = True, rows=slice(None)
    ) -> np.ndarray:
        """Outcome of channel ``c`` at exposure ``media_c`` (date, geo): (draw, date+pad, geo)."""
        params = self.params.take(rows).channel(c)
        scaled = pad_periods(media_c, self.pad)[..., None] / self.scales.media[:, c][None, :, None]
        saturated = media_response(
            scaled, params.transform, [self.channels[c]], self.l_max, geo_params=self.geo_params
        )[..., 0]
        per_scaled = self.scales.target[None, :] * (
            pad_periods(self.value_per_unit, self.pad, "last") if money else 1.0
        )
        return params.beta[:, None, :, 0] * saturated * per_scaled

    def incremental(
        self, c: int, multiplier: np.ndarray, money: bool = True, base: np.ndarray | None = None
    ) -> np.ndarray:
        """Summed outcome change ``(draw, geo)`` when channel ``c``'s exposure is multiplied.

        ``multiplier`` (date, geo) scales the actual exposure (1 = unchanged). ``base`` optionally
        replaces the reference multiplier (default: actual media).
        """
        actual = self.media[..., c]
        reference = actual if base is None else actual * base
        out = np.empty((self.params.n_samples, actual.shape[1]))
        for rows in self.chunks():
            changed = self.outcome(c, actual * multiplier, money, rows).sum(axis=1)
            out[rows] = changed - self.outcome(c, reference, money, rows).sum(axis=1)
        return out

    def window_multiplier(self, window: np.ndarray, value: float) -> np.ndarray:
        """(date, geo) multiplier: ``value`` inside the boolean date ``window``, 1 outside."""
        m = np.ones(self.media.shape[:2])
        m[window] = value
        return m

    def roi_draws(self, c: int, window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Incremental money of the channel's spend in ``window`` (draw, geo), that spend (geo,)."""
        spend = self.spend[window][:, :, c].sum(axis=0)
        if self.uses_fast_path(c):
            return self.window_change(c, window, 1.0, 0.0), spend
        return -self.incremental(c, self.window_multiplier(window, 0.0)), spend

    def mroi_draws(
        self, c: int, window: np.ndarray, step: float = 0.01
    ) -> tuple[np.ndarray, np.ndarray]:
        """Incremental money of +``step`` spend in ``window`` (draw, geo), extra spend (geo,)."""
        extra = step * self.spend[window][:, :, c].sum(axis=0)
        if self.uses_fast_path(c):
            return self.window_change(c, window, 1.0 + step, 1.0), extra
        return self.incremental(c, self.window_multiplier(window, 1.0 + step)), extra

    def response_draws(self, c: int, window: np.ndarray, multipliers) -> np.ndarray:
        """Incremental money (draw, multiplier): window spend scaled by each multiplier vs zero."""
        if self.uses_fast_path(c):
            span, sums = self.window_sums(c, window, (0.0, *multipliers))
            out = np.zeros((self.params.n_samples, len(multipliers)))
            if span is not None:
                for k, m in enumerate(multipliers):
                    out[:, k] = (sums[float(m)] - sums[0.0]).sum(axis=-1)
            return out
        actual = self.media[..., c]  # reference: the zero-spend path once per chunk
        reference = actual * self.window_multiplier(window, 0.0)
        changed = [actual * self.window_multiplier(window, m) for m in multipliers]
        out = np.empty((self.params.n_samples, len(changed)))
        for rows in self.chunks():
            base = self.outcome(c, reference, True, rows).sum(axis=1)
            for k, media in enumerate(changed):
                out[rows, k] = (self.outcome(c, media, True, rows).sum(axis=1) - base).sum(axis=-1)
        return out

    def window_change(self, c: int, window: np.ndarray, m: float, base: float) -> np.ndarray:
        """Fast path: money difference (draw, geo) between spend x ``m`` and x ``base`` in the
        window (zero in regions without spend on the channel in the window)."""
        span, sums = self.window_sums(c, window, (base, m), keep=True)
        out = np.zeros((self.params.n_samples, self.media.shape[1]))
        if span is not None:
            out[:, span[3]] = sums[float(m)] - sums[float(base)]
        return out

    def window_span(self, c: int, window: np.ndarray):
        """(start, keep, stop, geos): padded periods to evaluate, how many of them are history
        only, and the regions with spend on the channel in the window; None if there are none."""
        active = window[:, None] & (self.media[..., c] != 0)
        dates, geos = np.flatnonzero(active.any(axis=1)), np.flatnonzero(active.any(axis=0))
        if not len(dates):
            return None
        start = max(0, int(dates[0]) - self.pad)
        stop = min(self.media.shape[0] + self.pad, int(dates[-1]) + self.pad + 1)
        return start, int(dates[0]) - start, stop, geos

    def window_sums(
        self, c: int, window: np.ndarray, multipliers, money: bool = True, keep: bool = False
    ):
        """``(span, {m: (draw, span geo) summed outcome})`` with the window's exposure x ``m``.
        Outcomes at ``CACHED_MULTIPLIERS`` are kept per engine, and with ``keep`` every
        multiplier asked for (ROI and mROI: a repeated ``mroi()`` costs nothing)."""
        span = self.window_span(c, window)
        if span is None:
            return None, {}
        key = (c, window.tobytes(), money)
        asked = {float(m) for m in multipliers} | set(CACHED_MULTIPLIERS)
        known = {m: self.cache[(*key, m)] for m in asked if (*key, m) in self.cache}
        todo = list(dict.fromkeys(float(m) for m in multipliers if float(m) not in known))
        if todo:
            per_draw = (span[2] - span[0]) * len(span[3])
            shared = self._window_inputs(c, window, span, money)
            fn = partial(self._chunk_sums, c, span[1], shared, todo)
            done = np.concatenate(self.map_chunks(fn, per_draw))
            for j, m in enumerate(todo):
                known[m] = done[..., j]
                if keep or m in CACHED_MULTIPLIERS:
                    self.cache[(*key, m)] = known[m]
        return span, known

    def _window_inputs(self, c, window, span, money) -> dict:
        """What every chunk of a window evaluation shares, computed once per call: the lagged
        media inside and outside the window, the per-period money weights, and every draw's
        channel parameters, adstock weights and ``beta x scale`` (sliced per chunk; elementwise
        in the draws, so the same numbers as computing them per chunk)."""
        start, keep, stop, geos = span
        ch, pad = self.channels[c], self.pad
        media = pad_periods(self.media[:, geos, c], pad)[start:stop] / self.scales.media[geos, c]
        inside = pad_periods(window, pad)[start:stop, None]
        params = self.params.channel(c)
        p = channel_params(params.transform, geos, self.geo_params)
        outside = media * ~inside
        per_period = pad_periods(self.value_per_unit, pad, "last")[start + keep : stop, geos]
        weigh = money and not np.all(per_period == 1.0)  # without revenue per unit: all ones
        return {
            "params": p,
            "weights": adstock_weights(ch.adstock, p, self.l_max),
            "inside": lagged(media * inside, self.l_max),
            "outside": lagged(outside, self.l_max) if outside.any() else None,
            "per_period": per_period if weigh else None,
            "scale": params.beta[:, geos, 0] * self.scales.target[geos],
        }

    def _chunk_sums(self, c, keep, shared, multipliers, rows) -> np.ndarray:
        """Summed outcome (rows, span geo, multiplier) over the span's kept periods."""
        ch = self.channels[c]
        p = {k: v[rows] for k, v in shared["params"].items()}
        weights, scale = shared["weights"][rows], shared["scale"][rows]
        lags_out = shared["outside"]
        a_out = adstock(weights, lags_out) if lags_out is not None else None
        skip_zero = a_out is None and zero_maps_to_zero(ch.saturation, p)
        out = np.zeros((*scale.shape, len(multipliers)))
        if skip_zero and not any(multipliers):
            return out  # only spend x 0 asked (ROI after mROI): all-zero media, zero outcome
        saturate = Saturator(ch.saturation, adstock(weights, shared["inside"]), a_out, p)
        for j, m in enumerate(multipliers):
            if m == 0 and skip_zero:
                continue  # all-zero media: outcome exactly zero
            out[..., j] = scale * saturate.summed(m, keep, shared["per_period"])
        return out

    def channel_contribution(self, c: int, money: bool = False) -> np.ndarray:
        """Outcome of channel ``c`` per period, ``(draw, date, geo)`` (carryover in, no padding)."""
        n_dates, n_geo = self.media.shape[:2]
        out = np.zeros((self.params.n_samples, n_dates, n_geo))
        if not self.uses_fast_path(c):
            for rows in self.chunks():
                out[rows] = self.outcome(c, self.media[..., c], money, rows)[:, :n_dates]
            return out
        series = self.series_rows(c, money)
        self.map_chunks(lambda rows: out.__setitem__(rows, series(rows)), n_dates * n_geo)
        return out

    def series_rows(self, c: int, money: bool = False):
        """``rows -> (rows, date, geo)``: channel ``c``'s outcome per period for a chunk of draws
        (every region; zeros where it is not evaluated). The work that does not depend on the
        draws - which regions, the lagged media, the adstock weights of every draw, beta x scale
        - is done here once, not once per chunk; each chunk's numbers equal the whole array's."""
        n_dates, n_geo = self.media.shape[:2]
        if not self.uses_fast_path(c):  # the reference definition, a chunk at a time
            return lambda rows: self.outcome(c, self.media[..., c], money, rows)[:, :n_dates]
        geos = self._series_geos(c)
        if not len(geos):
            return lambda rows: np.zeros((len(range(self.params.n_samples)[rows]), n_dates, n_geo))
        ch, params = self.channels[c], self.params.channel(c)
        p = channel_params(params.transform, geos, self.geo_params)
        lags = lagged(self.media[:, geos, c] / self.scales.media[geos, c], self.l_max)
        weights = adstock_weights(ch.adstock, p, self.l_max)
        coef = (params.beta[:, geos, 0] * self.scales.target[geos])[:, None, :]
        per_period = self.value_per_unit[:, geos] if money else None

        def series(rows) -> np.ndarray:
            chunk = {k: v[rows] for k, v in p.items()}
            y = Saturator(ch.saturation, adstock(weights[rows], lags), None, chunk)(1.0)
            y *= coef[rows]
            if per_period is not None:
                y *= per_period
            if len(geos) == n_geo:
                return y
            full = np.zeros((*y.shape[:2], n_geo))
            full[:, :, geos] = y
            return full

        return series

    def _series_geos(self, c: int) -> np.ndarray:
        """Regions whose outcome of channel ``c`` needs evaluating (with spend, unless the
        saturation of zero is not zero on some draw)."""
        geos = np.flatnonzero((self.media[..., c] != 0).any(axis=0))
        p = channel_params(self.params.channel(c).transform, geos, self.geo_params)
        if not zero_maps_to_zero(self.channels[c].saturation, p):
            geos = np.arange(self.media.shape[1])  # regions without spend need evaluating too
        return geos

    def contributions(self, money: bool = False) -> np.ndarray:
        """Outcome of each channel per period, ``(draw, date, geo, channel)``: every channel at once
        (draws x dates x regions x channels floats; prefer :meth:`channel_contribution`)."""
        return np.stack(
            [self.channel_contribution(c, money) for c in range(len(self.channels))], axis=-1
        )
