"""Projected diagonal-Newton solver for many decision variables under box bounds and one budget.

SLSQP's quadratic subproblem costs O(n^3) per iteration: with one variable per region x channel
(1500 on a 50 x 30 panel) a single iteration took minutes (docs/benchmarks.md). The expected-outcome
objectives are sums of one function per variable, so their Hessian is diagonal; this solver keeps a
diagonal curvature estimate ``d`` (secant per variable, floored), steps to the minimiser of the
quadratic model projected onto ``{lo <= x <= hi, a . x = t}`` in the metric ``d`` (bisection on the
multiplier of the budget row: exact to float rounding) and halves the step until the objective
falls (any decrease: near zero spend the gradient of Hill slope < 1 draws explodes and Armijo's
linear model rejects steps that do improve). Every iterate satisfies the constraints.
"""

from __future__ import annotations

import numpy as np

FLOOR = 1e-6  # curvature floor, relative to the largest curvature


def project(y, d, a, t, lo, hi) -> np.ndarray:
    """``argmin sum d_i (x_i - y_i)^2`` subject to ``lo <= x <= hi`` and ``a . x = t`` (no budget
    row when ``a`` is None): ``x_i = clip(y_i - mu a_i / d_i)`` with ``mu`` found by bisection."""
    if a is None:
        return np.clip(y, lo, hi)
    ratio = a / d

    def at(mu):
        return np.clip(y - mu * ratio, lo, hi)

    active = a > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ends = np.concatenate([((y - hi) / ratio)[active], ((y - lo) / ratio)[active]])
    left, right = float(ends.min()) - 1.0, float(ends.max()) + 1.0  # all at hi / all at lo
    for _ in range(200):
        mid = 0.5 * (left + right)
        if a @ at(mid) > t:
            left = mid
        else:
            right = mid
        if right - left <= 1e-15 * max(1.0, abs(mid)):
            break
    x = at(0.5 * (left + right))
    free = active & (x > lo) & (x < hi)  # spread the last rounding over the free variables
    if free.any():
        x[free] += (t - a @ x) / a[free].sum()
        x = np.clip(x, lo, hi)
    return x


def curvature(fun, x0, lo, hi, step: float = 0.01) -> np.ndarray:
    """Diagonal curvature ``|d2f/dx2|`` from one extra gradient (all variables moved at once: the
    objective is separable), floored at ``FLOOR`` x the largest."""
    x1 = np.where(x0 + step <= hi, x0 + step, x0 - step)
    x1 = np.clip(x1, lo, hi)
    moved = x1 != x0
    d = np.ones_like(x0)
    d[moved] = np.abs((fun(x1)[1] - fun(x0)[1])[moved] / (x1 - x0)[moved])
    return _floored(d)


def _floored(d):
    top = float(np.max(d)) if np.isfinite(d).all() and np.max(d) > 0 else 1.0
    return np.maximum(np.where(np.isfinite(d), d, top), FLOOR * top)


def minimise(fun, x0, lo, hi, a=None, t=0.0, maxiter: int = 200, ftol: float = 1e-9):
    """Minimise ``fun(x) -> (value, gradient)`` over ``{lo <= x <= hi, a . x = t}``.

    Returns ``(x, iterations, message, converged)``: converged when an iteration lowers the
    objective by less than ``ftol`` (SLSQP's rule) or the projected step vanishes.
    """
    x = project(x0, np.ones_like(x0), a, t, lo, hi)
    f, g = fun(x)
    d, fresh = curvature(fun, x, lo, hi), True
    for it in range(1, maxiter + 1):
        step = project(x - g / d, d, a, t, lo, hi) - x
        if np.max(np.abs(step)) <= 1e-12 * max(1.0, np.max(np.abs(x))):
            return x, it, "projected step vanished", True
        s = 1.0
        while True:  # any decrease: near zero spend the gradient of slope < 1 draws explodes and
            fn, gn = fun(x + s * step)  # a linear model (Armijo) rejects steps that do improve
            if fn < f or s < 1e-6:
                break
            s *= 0.5
        if not fn < f:
            if fresh:
                return x, it, "no decrease along the projected step", True
            d, fresh = curvature(fun, x, lo, hi), True  # stale curvature: estimate it anew
            continue
        dx, dg = s * step, gn - g
        moved = np.abs(dx) > 1e-12 * np.maximum(1.0, np.abs(x))
        d[moved] = np.abs(dg[moved] / dx[moved])
        d, fresh = _floored(d), False
        done = f - fn < ftol
        x, f, g = x + dx, fn, gn
        if done:
            return x, it, "objective change below ftol", True
    return x, maxiter, "iteration limit reached", False
