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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayes_mmm.model.equations import Scales, media_response, pad_periods
from bayes_mmm.results.posterior import PosteriorParams

CHUNK = 1000  # upper bound on draws per chunk
MEMORY_BUDGET = 256 * 2**20  # bytes of temporaries per chunk (about 6 arrays of draw x date x geo)


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

    @property
    def pad(self) -> int:
        return self.l_max - 1

    def chunks(self):
        """Row slices covering every draw, each small enough for the memory budget."""
        size = self.chunk or chunk_rows((self.media.shape[0] + self.pad) * self.media.shape[1])
        return [slice(s, s + size) for s in range(0, self.params.n_samples, size)]

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
        inc = -self.incremental(c, self.window_multiplier(window, 0.0))
        return inc, self.spend[window][:, :, c].sum(axis=0)

    def mroi_draws(
        self, c: int, window: np.ndarray, step: float = 0.01
    ) -> tuple[np.ndarray, np.ndarray]:
        """Incremental money of +``step`` spend in ``window`` (draw, geo), extra spend (geo,)."""
        inc = self.incremental(c, self.window_multiplier(window, 1.0 + step))
        return inc, step * self.spend[window][:, :, c].sum(axis=0)

    def response_draws(self, c: int, window: np.ndarray, multipliers) -> np.ndarray:
        """Incremental money (draw, multiplier): window spend scaled by each multiplier vs zero.

        The zero-spend reference is evaluated once per chunk, not once per multiplier (the same
        numbers as ``incremental(c, m, base=zero)`` for each multiplier, at about half the cost).
        """
        actual = self.media[..., c]
        reference = actual * self.window_multiplier(window, 0.0)
        changed = [actual * self.window_multiplier(window, m) for m in multipliers]
        out = np.empty((self.params.n_samples, len(changed)))
        for rows in self.chunks():
            base = self.outcome(c, reference, True, rows).sum(axis=1)
            for k, media in enumerate(changed):
                out[rows, k] = (self.outcome(c, media, True, rows).sum(axis=1) - base).sum(axis=-1)
        return out

    def channel_contribution(self, c: int, money: bool = False) -> np.ndarray:
        """Outcome of channel ``c`` per period, ``(draw, date, geo)`` (carryover in, no padding)."""
        n_dates, n_geo = self.media.shape[:2]
        out = np.empty((self.params.n_samples, n_dates, n_geo))
        for rows in self.chunks():
            out[rows] = self.outcome(c, self.media[..., c], money, rows)[:, :n_dates]
        return out

    def contributions(self, money: bool = False) -> np.ndarray:
        """Outcome of each channel per period, ``(draw, date, geo, channel)``: every channel at once
        (draws x dates x regions x channels floats; prefer :meth:`channel_contribution`)."""
        return np.stack(
            [self.channel_contribution(c, money) for c in range(len(self.channels))], axis=-1
        )
