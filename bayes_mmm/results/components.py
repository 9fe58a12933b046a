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
from functools import partial

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

    def __contains__(self, name) -> bool:
        # by name: Mapping's default looks the item up, i.e. computes a whole component
        return name in self._names

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
        """Sum of every component (the expected outcome), kept after the first call (read-only).

        Evaluated a cache-sized chunk of draws at a time (``Engine.map_chunks``): each
        component's chunk is computed, added to the chunk's running sum in component order and
        summed over regions (kept as by :meth:`summed`), so no full array per component is made
        and the sum is written once; the same numbers as adding the whole components one by one
        (``tests/test_large_panels.py``). Channel work that does not depend on the draws (lagged
        media, adstock weights) is done once per channel (``Engine.series_rows``)."""
        if self._total is None:
            fit = self.fit
            n_dates, n_geos = fit.data.n_dates, fit.data.n_geos
            out = np.empty((fit.params.n_samples, n_dates, n_geos))
            parts = {}
            for name in self._names:
                if name in self._cache:
                    parts[name] = self._cache[name].__getitem__
                elif name in fit.data.channels:
                    parts[name] = fit.engine.series_rows(fit.data.channels.index(name))
                else:
                    parts[name] = partial(self._part, name)
            sums = {n: np.empty(out.shape[:2]) for n in self._names if n not in self._summed}

            def add(rows):
                acc = out[rows]  # a view: the chunk's running sum is built in place
                for j, (name, part) in enumerate(parts.items()):
                    value = part(rows)
                    if name in sums:
                        np.sum(value, axis=-1, out=sums[name][rows])
                    if j == 0:
                        np.copyto(acc, value)  # parts may be cached or broadcast
                    else:
                        acc += value

            fit.engine.map_chunks(add, n_dates * n_geos)
            self._summed.update(sums)
            out.flags.writeable = False
            self._total = out
        return self._total

    def _compute(self, name: str) -> np.ndarray:
        if name in self.fit.data.channels:
            return self.fit.engine.channel_contribution(
                self.fit.data.channels.index(name), money=False
            )
        return self._part(name, slice(None))

    def _part(self, name: str, rows) -> np.ndarray:
        """Baseline component ``name`` for draws ``rows``: ``(rows, date, geo)``, outcome units
        (elementwise in the draws: a chunk's values equal the whole array's rows)."""
        fit, design = self.fit, self._design
        p = {k: v[rows] for k, v in fit.params.baseline.items()}
        scale = fit.scales.target
        n = len(p["intercept"])
        shape = (n, fit.data.n_dates, fit.data.n_geos)
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
        raise KeyError(name)
