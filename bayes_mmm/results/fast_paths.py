"""Fast kernels of the counterfactual engine: the same outcomes with less work per draw.

The reference definitions are ``Engine.outcome`` and ``Engine.incremental``
(:mod:`bayes_mmm.results.counterfactual`); the engine's ROI, mROI, response curves and channel
series use these kernels and give the same numbers to float tolerance (tests/test_fast_paths.py):

* adstock is linear in media, so its weights are the adstock of a unit impulse and the adstock of
  a (data) series is one product of those weights with the series' lagged copies;
  :data:`LINEAR_ADSTOCKS` lists the registered adstocks this holds for;
* a window change is evaluated as ``outside + m x inside`` from two adstocks per chunk of draws,
  reused for every multiplier ``m`` (ROI: 0 and 1, mROI: 1 and 1 + step, curves: 0 .. 2);
* saturation in place on one buffer; Hill as ``1 / (1 + exp(slope (log half - log x)))``
  (0 at x = 0, like the reference); when nothing lies outside the window it is
  ``k / (x^-slope + k)`` with ``k = (m / half)^slope`` constant over periods, so ``x^-slope``
  (one ``log`` and one ``exp``) is computed once per chunk for every multiplier and ``k`` is
  applied after the sum over periods (:meth:`Saturator.summed`).
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.model.transforms import apply_adstock, apply_saturation

LINEAR_ADSTOCKS = frozenset({"geometric", "delayed", "none"})
# Rows per BLAS call in the adstock product: OpenBLAS runs a (16+ rows) x 8 x 10,750 product in
# several busy-waiting threads, 10-25x the CPU time of <= 8-row calls on the 2-core machine
# (0.45 vs 5.7-22 ns per cell, docs/benchmarks.md); blocks of 2-8 rows give identical numbers.
BLAS_ROWS = 8


def lagged(x: np.ndarray, l_max: int) -> np.ndarray:
    """``(l_max, date, geo)`` stack of ``x`` delayed by 0 .. l_max - 1 periods (zeros before)."""
    out = np.zeros((l_max, *x.shape))
    for lag in range(l_max):
        out[lag, lag:] = x[: x.shape[0] - lag]
    return out


def channel_params(transform: dict, geos, geo_params: bool) -> dict:
    """One channel's parameters ``(draw, c)`` or ``(draw, geo, c)`` -> ``(draw, 1, 1|geo)``."""
    if geo_params:
        return {k: v[:, geos, 0][:, None, :] for k, v in transform.items()}
    return {k: v[:, 0][:, None, None] for k, v in transform.items()}


def adstock_weights(kind: str, params: dict, l_max: int) -> np.ndarray:
    """``(draw, l_max, 1|geo)`` normalised weights: the adstock of a unit impulse."""
    impulse = np.zeros((l_max, 1, 1))
    impulse[0] = 1.0
    p = {k: v[..., None] for k, v in params.items()}  # (draw, 1, 1|geo, 1): a channel axis
    n_draws = next(iter(params.values())).shape[0] if params else 1
    weights = np.asarray(apply_adstock(kind, impulse, p, l_max))[..., 0]
    return np.broadcast_to(weights, (n_draws, l_max, weights.shape[-1]))


def adstock(weights: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Adstocked series ``(draw, date, geo)`` from weights and :func:`lagged` copies."""
    n_lag, n_date, n_geo = lags.shape
    if weights.shape[-1] > 1:  # weights vary by region: a weighted sum of the lagged copies
        out = weights[:, 0, None, :] * lags[0]
        tmp = np.empty_like(out)
        for lag in range(1, n_lag):
            out += np.multiply(weights[:, lag, None, :], lags[lag], out=tmp)
        return out
    # the same weights in every region: a matrix product, BLAS_ROWS draws per call
    flat, w = lags.reshape(n_lag, -1), np.ascontiguousarray(weights[..., 0])
    out = np.empty((w.shape[0], flat.shape[1]))
    for i in range(0, w.shape[0], BLAS_ROWS):
        if i + 1 == w.shape[0]:  # one row: as a 2-row product (a 1-row one rounds differently)
            out[i] = (w[[i, i]] @ flat)[0]
        else:
            np.matmul(w[i : i + BLAS_ROWS], flat, out=out[i : i + BLAS_ROWS])
    return out.reshape(-1, n_date, n_geo)


def zero_maps_to_zero(kind: str, params: dict) -> bool:
    """Whether saturation(0) is exactly 0 for every draw (then all-zero media need no work)."""
    zero = np.zeros((1, 1, 1))
    with np.errstate(all="ignore"):
        return bool(np.all(np.asarray(apply_saturation(kind, zero, params)) == 0))


class Saturator:
    """Saturation of ``outside + m x inside`` for several multipliers, reusing work.

    ``inside``/``outside``: adstocked ``(draw, date, geo)`` media inside / outside the changed
    window (``outside`` None when zero throughout); ``params``: ``(draw, 1, 1|geo)`` arrays.
    """

    def __init__(self, kind: str, inside, outside, params: dict):
        self.kind, self.inside, self.outside, self.params = kind, inside, outside, params
        self.work = np.empty_like(inside)
        self._odds = None  # Hill: (half / inside) ** slope, once per chunk

    def __call__(self, m: float) -> np.ndarray:
        """Saturated media at multiplier ``m`` (a buffer reused by the next call)."""
        kind, p, work = self.kind, self.params, self.work
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if kind == "hill":
                inverse = self._odds_inverse(m)
                if inverse is not None:  # 1 / (1 + (half / (m x))^slope) = k / (x^-slope + k)
                    np.add(self.odds(), inverse, out=work)
                    np.reciprocal(work, out=work)
                    return np.multiply(work, inverse, out=work)
                self._linear(m, work)
                np.log(work, out=work)
                work -= np.log(p["half"])
                work *= -p["slope"]
                np.exp(work, out=work)
                work += 1.0
                return np.reciprocal(work, out=work)
            x = self._linear(m, work)
            if kind == "logistic":
                x *= p["lam"] / 2.0
                return np.tanh(x, out=x)
            if kind == "michaelis_menten":
                return x / (x + p["half"])
            return np.asarray(apply_saturation(kind, x, p))

    def summed(self, m: float, keep: int, weights=None) -> np.ndarray:
        """``(draw, 1|geo)``-shaped sums over periods ``keep:`` of the saturated media at ``m``
        (times ``weights`` (period, geo) if given). Hill on the shared ``x^-slope``: the factor
        ``k = (m / half)^slope`` (constant over periods) is applied after the sum."""
        inverse = self._odds_inverse(m) if self.kind == "hill" else None
        if inverse is None:
            y = self(m)[:, keep:]
        else:
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                y = np.add(self.odds(), inverse, out=self.work)
                np.reciprocal(y, out=y)
            y = y[:, keep:]
        if weights is not None:
            y *= weights  # in place on the buffer (rewritten by the next call)
        total = y.sum(axis=1)
        return total if inverse is None else total * inverse[:, 0]

    def _odds_inverse(self, m: float):
        """Hill with nothing outside the window: ``k = (m / half)^slope``, ``(draw, 1, 1|geo)``,
        when finite and positive, else None (the general path)."""
        if self.outside is not None or not m > 0:
            return None
        p = self.params
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            inverse = np.exp(p["slope"] * (np.log(float(m)) - np.log(p["half"])))
        return inverse if _finite_positive(inverse) else None

    def odds(self) -> np.ndarray:
        """Hill: ``inside^-slope = exp(-slope log inside)`` (inf at zero media), once per
        chunk and shared by every multiplier."""
        if self._odds is None:
            self._odds = np.log(self.inside)
            self._odds *= -self.params["slope"]
            np.exp(self._odds, out=self._odds)
        return self._odds

    def _linear(self, m: float, out: np.ndarray) -> np.ndarray:
        np.multiply(self.inside, m, out=out)
        if self.outside is not None:
            out += self.outside
        return out


def _finite_positive(x: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(x) & (x > 0)))
