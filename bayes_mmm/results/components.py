"""Draws of each outcome component (baseline parts and channels), computed one at a time.

On a large panel every component is a ``(draw, date, geo)`` array (4000 draws x 208 weeks x 50
regions = 330 MB): holding 40 of them at once does not fit in memory. :class:`ComponentDraws` is
a read-only mapping that computes each component when asked, keeps it while the cache stays
under ``CACHE_BYTES`` and recomputes the rest on demand, so peak memory stays bounded whatever
the panel size, and the numbers are the same as computing everything at once.

What the tables and plots mostly need is small and kept for every component once computed: the
sum over regions, ``(draw, date)`` (:meth:`ComponentDraws.summed`, 6.7 MB per component at 4000
draws x 208 weeks), and the expected outcome, the sum of all components (:meth:`total`, one
``(draw, date, geo)`` array). So a report asks for each channel's outcome series about once
instead of once per table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from bayes_mmm.model.baselines import extend_last
from bayes_mmm.model.equations import build_design, seasonality, trend_effect

CACHE_BYTES = 1 * 2**30


class ComponentDraws(Mapping):
    """``name -> (sample, date, geo)`` outcome draws of one component (outcome units).

    Keys, in order: ``intercept``, ``trend``, ``seasonality`` (when in the model), one per control,
    ``baseline_drift`` (GP baseline), one per channel. ``fit`` is a fit result.
    """

    def __init__(self, fit, cache_bytes: int = CACHE_BYTES):
        self.fit = fit
        self.cache_bytes = cache_bytes
        self._cache: dict[str, np.ndarray] = {}
        self._summed: dict[str, np.ndarray] = {}
        self._total: np.ndarray | None = None
        self._design = build_design(fit.data, fit.scales, fit.spec.seasonality, fit.spec.period)
        base = fit.params.baseline
        names = ["intercept"]
        if {"trend", "trend_geo"} & set(base):
            names.append("trend")
        if "seasonality" in base:
            names.append("seasonality")
        if "control" in base:
            names += list(fit.data.control_names)
        if "gp" in base:  # time-varying baseline (bm.MMM(baseline="gp"))
            names.append("baseline_drift")
        self._names = [*names, *fit.data.channels]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._names:
            raise KeyError(name)
        if name in self._cache:
            return self._cache[name]
        value = self._compute(name)
        self._summed[name] = value.sum(axis=-1)
        if sum(v.nbytes for v in self._cache.values()) + value.nbytes <= self.cache_bytes:
            self._cache[name] = value
        return value

    def summed(self, name: str) -> np.ndarray:
        """``(sample, date)`` draws of the component summed over regions (kept once computed)."""
        if name not in self._summed:
            self[name]
        return self._summed[name]

    def total(self) -> np.ndarray:
        """Sum of every component (the expected outcome), one component in memory at a time;
        kept after the first call (read-only). Channels not yet held are added a chunk of draws
        at a time by the engine (their region sums kept as by :meth:`summed`): the same numbers
        without a full array per channel."""
        if self._total is None:
            out = None
            channels = list(self.fit.data.channels)
            for name in self._names:
                if out is not None and name in channels and name not in self._cache:
                    c = channels.index(name)
                    self._summed[name] = self.fit.engine.add_channel_contribution(c, out)
                    continue
                value = self[name]
                if out is None:
                    out = value.copy()
                else:
                    out += value  # in place: no new array per component
            out.flags.writeable = False
            self._total = out
        return self._total

    def _compute(self, name: str) -> np.ndarray:
        fit, design, p = self.fit, self._design, self.fit.params.baseline
        scale = fit.scales.target
        shape = (fit.params.n_samples, fit.data.n_dates, fit.data.n_geos)
        if name == "intercept":
            return np.broadcast_to((p["intercept"] * scale)[:, None, :], shape)
        if name == "trend":
            return np.broadcast_to(trend_effect(design, p), shape) * scale
        if name == "seasonality":
            return np.broadcast_to(seasonality(design, p), shape) * scale
        if name in fit.data.control_names:
            k = list(fit.data.control_names).index(name)
            # one control: control_effect's sum over a length-1 axis is the product itself
            effect = design.controls[None, ..., k] * p["control"][:, k, None, None]
            effect *= scale
            return effect
        if name == "baseline_drift":  # after training: each draw's last fitted value
            return extend_last(p["gp"], fit.data.n_dates) * scale
        return fit.engine.channel_contribution(fit.data.channels.index(name), money=False)
