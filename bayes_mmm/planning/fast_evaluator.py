"""Closed-form plan evaluator in numpy: the same outcome and gradient as :class:`PlanEvaluator`.

For channels with a linear adstock (:data:`~bayes_mmm.results.fast_paths.LINEAR_ADSTOCKS`) and a
saturation with a written-out derivative (:data:`DERIVATIVES`), the adstocked media of a cell is
``A = F + b U``: ``F`` the adstock of the exposure before and after the horizon (carry-in, and a
historical window's tail), ``U`` the adstock of the horizon's exposure per currency unit and ``b``
the cell's budget. Only the horizon and its ``l_max - 1`` carryover periods are evaluated, so a
plan's outcome is ``beta x target scale x sum_t value_t sat(A_t)`` minus the same at ``b = 0``, and
its gradient is ``beta x target scale x sum_t value_t sat'(A_t) U_t`` - no compiled graph, no
backward pass. ``F`` and ``U`` depend on the draws only, so they are computed once per chunk of
draws and kept while they fit in ``CACHE_BYTES``. Equal to the reference evaluator to float
rounding (tests/test_fast_evaluator.py); at ``A = 0`` the derivative is taken as 0, as the
reference's ``x = 0`` branch of the Hill curve does, so zero-spend cells give finite gradients.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from bayes_mmm.model.transforms import apply_saturation
from bayes_mmm.planning.evaluator import PlanEvaluator
from bayes_mmm.planning.plans import Horizon
from bayes_mmm.results import counterfactual
from bayes_mmm.results.fast_paths import LINEAR_ADSTOCKS, adstock_weights, channel_params

DERIVATIVES = frozenset({"hill", "logistic", "michaelis_menten"})
CHUNK_BYTES = 2 * 2**20  # bytes per (draw, period, geo, channel) array of a chunk: cache-sized
CACHE_BYTES = 1 * 2**30  # F and U of every chunk are kept while they fit in this


def supported(channels) -> bool:
    """Whether every channel's transforms have the closed form here."""
    return all(ch.adstock in LINEAR_ADSTOCKS and ch.saturation in DERIVATIVES for ch in channels)


def plan_evaluator(engine, horizon: Horizon, share, scale, draws=None) -> PlanEvaluator:
    """The closed-form evaluator when the transforms allow it, else the compiled reference.
    ``draws``: indices of the posterior draws to use (default all; closed form only)."""
    if supported(engine.channels):
        return FastPlanEvaluator(engine, horizon, share, scale, draws)
    return PlanEvaluator(engine, horizon, share, scale)


def saturate(kind: str, a: np.ndarray, p: dict) -> tuple[np.ndarray, np.ndarray]:
    """Saturation and its derivative at adstocked media ``a`` (derivative 0 where ``a = 0``).

    The value is the registered function (:func:`~bayes_mmm.model.transforms.apply_saturation`),
    except Hill, evaluated in place as the same sigmoid form (it shares its work with the
    derivative); only the derivatives are written out here."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if kind != "hill":
            value = apply_saturation(kind, a, p)
            if kind == "logistic":  # tanh(lam a / 2)
                return value, (1.0 - value * value) * (p["lam"] / 2.0)
            denominator = a + p["half"]  # michaelis_menten: a / (a + half)
            return value, p["half"] / (denominator * denominator)
        a = np.maximum(a, 0.0)  # as the reference: 0 for a <= 0 (a solver's step past 0)
        z = np.log(a)  # -inf at 0: u = inf, value 0
        np.subtract(np.log(p["half"]), z, out=z)
        z *= p["slope"]
        u = np.exp(z, out=z)  # (half / a)^slope
        u += 1.0
        value = np.reciprocal(u, out=u)
        slope = value * (1.0 - value)
        slope *= p["slope"]
        return value, np.divide(slope, a, out=np.zeros_like(slope), where=a > 0)


class FastPlanEvaluator(PlanEvaluator):
    """:class:`PlanEvaluator` in closed form (module docstring); same call and attributes.

    ``draws``: the posterior draws used (indices; default all), e.g. an evenly spaced subset for
    the optimiser's search.
    """

    # long: one pass setting up the constant arrays of the horizon (documented inline)
    def __init__(self, engine, horizon: Horizon, share, scale, draws=None):
        tic = time.perf_counter()
        self.engine, self.horizon = engine, horizon
        self.share, self.scale = np.asarray(share, float), np.asarray(scale, float)
        params = engine.params if draws is None else engine.params.take(np.asarray(draws))
        self.params, self.n_draws = params, params.n_samples
        self.n_geo, self.n_ch = horizon.current.shape
        pad, weeks = engine.pad, horizon.n_weeks
        n_keep = weeks + pad  # periods whose outcome counts: the horizon and its carryover
        scale_m = engine.scales.media
        full = np.concatenate([horizon.pre, np.zeros_like(horizon.unit), horizon.post]) / scale_m
        zeros = np.zeros_like(horizon.pre)
        unit = np.concatenate([zeros, horizon.unit, np.zeros_like(horizon.post)]) / scale_m
        # lag l of the kept periods: periods pad - l .. pad - l + n_keep of the padded series
        self._fixed = [full[pad - lag : pad - lag + n_keep] for lag in range(engine.l_max)]
        self._unit = [unit[pad - lag : pad - lag + n_keep] for lag in range(engine.l_max)]
        value = engine.scales.target[None, :] * horizon.value  # (n_keep, geo) money per unit
        flat = np.allclose(value, value[:1], rtol=1e-15, atol=0)
        self._value = value[0] if flat else value[:, :, None]  # (geo,) or (period, geo, 1)
        self._flat, self._dtype = flat, "float64"
        # each cell belongs to at most one variable: b[cell] = x[var] * coef[cell]
        owned = self.share > 0
        self._var = np.where(owned.any(axis=0), owned.argmax(axis=0), -1)
        cells = np.flatnonzero(self._var >= 0)
        self._coef = np.zeros(self.share.shape[1])
        self._coef[cells] = self.share[self._var[cells], cells] * self.scale[self._var[cells]]
        order = cells[np.argsort(self._var[cells], kind="stable")]
        self._order = order
        self._starts = np.flatnonzero(np.r_[True, np.diff(self._var[order]) != 0])
        per_draw = n_keep * self.n_geo * self.n_ch
        size = max(1, CHUNK_BYTES // (8 * per_draw))
        self._chunks = [slice(s, s + size) for s in range(0, self.n_draws, size)]
        self._keep = 2 * 8 * per_draw * self.n_draws <= CACHE_BYTES
        self._cache: dict[int, tuple] = {}
        self._weights, self._params = self._transforms()
        self._base = np.concatenate(self._map(self._chunk_base))  # (draw, geo, channel)
        self.compile_time = time.perf_counter() - tic
        self.n_calls = 0
        self._last = None

    def _map(self, fn) -> list:
        jobs = list(enumerate(self._chunks))
        threads = counterfactual.THREADS
        if threads > 1 and len(jobs) > 1:
            with ThreadPoolExecutor(threads) as pool:
                return list(pool.map(lambda job: fn(*job), jobs))
        return [fn(*job) for job in jobs]

    def _transforms(self):
        """Adstock weights ``(draw, lag, geo|1, channel)`` and saturation parameters ``(draw, 1,
        geo|1, channel)`` of every draw, once (per chunk they cost more than the arithmetic)."""
        engine, p = self.engine, self.params
        geos, n_w = np.arange(self.n_geo), self.n_geo if engine.geo_params else 1
        weights, params = [], {}
        for c, ch in enumerate(engine.channels):
            pc = channel_params(p.channel(c).transform, geos, engine.geo_params)
            w = adstock_weights(ch.adstock, pc, engine.l_max)  # (draw, lag, geo|1)
            weights.append(np.broadcast_to(w, (*w.shape[:2], n_w)))
            for name, v in pc.items():
                params.setdefault(name, []).append(np.broadcast_to(v, (*v.shape[:2], n_w)))
        weights = np.stack(weights, axis=-1)
        return weights, {name: np.stack(v, axis=-1) for name, v in params.items()}

    def _chunk_arrays(self, k: int, rows: slice):
        """Saturation parameters ``(draw, 1, geo|1, channel)``, amplitude ``(draw, geo,
        channel)``, and the adstocked fixed and unit media ``(draw, period, geo, channel)``."""
        if k in self._cache:
            return self._cache[k]
        beta, weights = self.params.beta[rows], self._weights[rows]
        params = {name: v[rows] for name, v in self._params.items()}
        fixed = weights[:, 0, None] * self._fixed[0]
        unit = weights[:, 0, None] * self._unit[0]
        tmp = np.empty_like(unit)
        for lag in range(1, len(self._fixed)):  # in place: no temporaries per lag
            w = weights[:, lag, None]
            fixed += np.multiply(w, self._fixed[lag], out=tmp)
            unit += np.multiply(w, self._unit[lag], out=tmp)
        amplitude = beta * self._value[:, None] if self._flat else beta
        out = (params, amplitude, fixed, unit)
        if self._keep:
            self._cache[k] = out
        return out

    def _summed(self, y: np.ndarray) -> np.ndarray:
        """Sum over periods (weighted by money per unit when it varies by period)."""
        if not self._flat:
            y = y * (self._value if y.ndim == 4 else self._value[..., 0])
        return y.sum(axis=1)

    def _saturated(self, params, media, unit=None):
        """Summed saturation ``(draw, geo, channel)`` of ``media`` and, with ``unit``, the summed
        derivative along ``unit`` (one call per saturation kind, on that kind's channels)."""
        value = np.empty(media.shape[:1] + media.shape[2:])
        slope = None if unit is None else np.empty_like(value)
        for kind in {ch.saturation for ch in self.engine.channels}:
            sel = [c for c, ch in enumerate(self.engine.channels) if ch.saturation == kind]
            cols = slice(sel[0], sel[-1] + 1) if sel == list(range(sel[0], sel[-1] + 1)) else sel
            p = {name: v[..., cols] for name, v in params.items()}
            sat, dsat = saturate(kind, media[..., cols], p)
            value[..., cols] = self._summed(sat)
            if unit is not None:
                dsat *= unit[..., cols]
                slope[..., cols] = self._summed(dsat)
        return value, slope

    def _chunk_base(self, k: int, rows: slice) -> np.ndarray:
        params, amplitude, fixed, _ = self._chunk_arrays(k, rows)
        return amplitude * self._saturated(params, fixed)[0]

    def _chunk_run(self, budget: np.ndarray, k: int, rows: slice):
        """Outcome and derivative per cell ``(draw, geo, channel)`` at cell budgets ``budget``."""
        params, amplitude, fixed, unit = self._chunk_arrays(k, rows)
        media = unit * budget
        media += fixed
        value, slope = self._saturated(params, media, unit)
        return amplitude * value - self._base[rows], amplitude * slope

    def _run(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Outcome and gradient ``(draw, var)``, chunks of draws in ``THREADS`` threads."""
        budget = (np.where(self._var >= 0, x[np.maximum(self._var, 0)], 0.0) * self._coef).reshape(
            self.n_geo, self.n_ch
        )
        parts = self._map(lambda k, rows: self._chunk_run(budget, k, rows))
        y = np.concatenate([a for a, _ in parts]).reshape(self.n_draws, -1)
        grad = np.concatenate([b for _, b in parts]).reshape(self.n_draws, -1) * self._coef
        return self._by_var(y), self._by_var(grad)

    def _by_var(self, cells: np.ndarray) -> np.ndarray:
        """Sum ``(draw, cell)`` over each variable's cells -> ``(draw, var)``."""
        return np.add.reduceat(cells[:, self._order], self._starts, axis=1)
