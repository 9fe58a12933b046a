"""The plan evaluator: scaled budgets -> per-draw incremental outcome and its exact gradient.

One pytensor function per model structure (compiled once per process, cached) evaluates every
posterior draw through :func:`bayes_mmm.model.equations.media_response` - the same math as
the PyMC graph and the counterfactual engine. Used by the optimiser and by scenarios. Draws are
evaluated in chunks of at most ``MEMORY_BUDGET`` bytes of temporaries, keeping memory bounded on
large panels (4000 draws x 27 weeks x 50 regions x 30 channels is 1.3 GB per temporary); each
draw's outcome and gradient depend on that draw only, so chunking changes numbers at most by
rounding (a BLAS product may round differently for a different number of rows).
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import ThreadpoolController

from bayes_mmm.model.equations import media_response
from bayes_mmm.planning.plans import Horizon

_COMPILED: dict[tuple, object] = {}
MEMORY_BUDGET = 512 * 2**20  # bytes of temporaries per chunk of draws
TEMPORARIES = 12  # (draw, week, geo, channel) arrays alive at once in the compiled function


def draw_chunks(n_draws: int, per_draw: int, budget: int | None = None) -> list[slice]:
    """Slices of draws, each with ``TEMPORARIES`` float64 arrays of ``per_draw`` in ``budget``
    (default ``MEMORY_BUDGET``)."""
    size = max(1, (budget or MEMORY_BUDGET) // (TEMPORARIES * 8 * max(per_draw, 1)))
    return [slice(s, s + size) for s in range(0, n_draws, size)]


def _compiled(channels, l_max: int, names: tuple[str, ...], dtype: str, geo_params: bool = False):
    """Compiled outcome-and-gradient function for a model structure, cached per process.

    All data (draws, exposure, scales) are inputs, so one compilation serves every call with the
    same channel transforms; the math is :func:`bayes_mmm.model.equations.media_response` on
    symbolic tensors.
    """
    key = (tuple((ch.adstock, ch.saturation) for ch in channels), l_max, names, dtype, geo_params)
    if key in _COMPILED:
        return _COMPILED[key]
    import pytensor
    import pytensor.tensor as pt

    pad = l_max - 1
    x = pt.vector("x", dtype=dtype)  # (var,) scaled budgets
    share = pt.matrix("share", dtype=dtype)  # (var, cell) currency per unit of x
    owner = pt.matrix("owner", dtype=dtype)  # (cell, var) indicator
    unit = pt.tensor("unit", shape=(None,) * 3, dtype=dtype)  # (week, geo, ch) exposure / currency
    pre = pt.tensor("pre", shape=(None,) * 3, dtype=dtype)  # (pad, geo, ch)
    post = pt.tensor("post", shape=(None,) * 3, dtype=dtype)  # (pad, geo, ch)
    media_scale = pt.matrix("media_scale", dtype=dtype)  # (geo, ch)
    per_unit = pt.matrix("per_unit", dtype=dtype)  # (week + pad, geo) money per scaled outcome unit
    beta = pt.tensor("beta", shape=(None,) * 3, dtype=dtype)  # (draw, geo, ch)
    base = pt.matrix("base", dtype=dtype)  # (draw, cell) outcome at zero spend
    params = {
        k: pt.tensor(name=f"param_{k}", shape=(None,) * (3 if geo_params else 2), dtype=dtype)
        for k in names
    }  # (draw, ch) or (draw, geo, ch)
    n_draw, (n_geo, n_ch) = beta.shape[0], media_scale.shape
    xs = pt.alloc(x, n_draw, x.shape[0])  # one copy of x per draw -> per-draw gradient
    budget = pt.dot(xs, share).reshape((n_draw, 1, n_geo, n_ch))
    full = pt.concatenate(
        [
            pt.alloc(pre, n_draw, *pre.shape),
            budget * unit[None],
            pt.alloc(post, n_draw, *post.shape),
        ],
        axis=1,
    )
    saturated = media_response(full / media_scale, params, channels, l_max, geo_params=geo_params)
    cells = (beta[:, None] * saturated[:, pad:] * per_unit[None, :, :, None]).sum(axis=1)
    y = pt.dot(cells.reshape((n_draw, n_geo * n_ch)) - base, owner)
    grad = pytensor.grad(y.sum(), xs)
    inputs = [x, share, owner, unit, pre, post, media_scale, per_unit, beta, base, *params.values()]
    _COMPILED[key] = pytensor.function(inputs, [y, grad], on_unused_input="ignore")
    return _COMPILED[key]


class PlanEvaluator:
    """One compiled pytensor function: scaled budgets ``x`` -> per-draw outcome and its gradient.

    Decision variable ``v`` spends ``x_v * scale_v`` currency over the horizon, split over its
    (region, channel) cells by ``share[v]`` (rows sum to 1; each cell belongs to one variable).
    ``__call__(x)`` returns ``Y (draw, var)``: incremental outcome (money when the data has
    revenue_per_unit, else target units) of each variable's cells versus zero spend in the horizon,
    carryover tail included; and ``J (draw, var)`` with ``J[d, v] = d(sum_v Y[d, v]) / d x_v``, the
    exact per-draw gradient (one backward pass: ``Y[d]`` depends on draw ``d``'s copy of ``x``
    only). Every posterior draw goes through :func:`bayes_mmm.model.equations.media_response`, in
    chunks of draws (:func:`draw_chunks`).
    """

    def __init__(
        self, engine, horizon: Horizon, share: np.ndarray, scale: np.ndarray, dtype: str = "float64"
    ):
        self.engine, self.horizon = engine, horizon
        self.share, self.scale = np.asarray(share, float), np.asarray(scale, float)
        p = engine.params
        self.n_draws = p.n_samples
        self.n_geo, self.n_ch = horizon.current.shape
        tic = time.perf_counter()
        names = tuple(sorted(p.transform))
        self._fn = _compiled(engine.channels, engine.l_max, names, dtype, engine.geo_params)
        pad = engine.pad
        per_draw = (2 * pad + horizon.n_weeks) * self.n_geo * self.n_ch
        self._chunks = draw_chunks(self.n_draws, per_draw)
        per_unit = engine.scales.target[None, :] * horizon.value
        base = np.concatenate([self._base(rows, per_unit) for rows in self._chunks])
        cast = lambda a: np.ascontiguousarray(a, dtype=dtype)  # noqa: E731
        self._data = [
            cast(a)
            for a in (
                self.share * self.scale[:, None],
                (self.share > 0).T,
                horizon.unit,
                horizon.pre,
                horizon.post,
                engine.scales.media,
                per_unit,
            )
        ]
        self._draws = [cast(a) for a in (p.beta, base, *(p.transform[k] for k in names))]
        self._dtype = dtype
        self._blas = ThreadpoolController()
        self._run(cast(np.ones(len(self.scale))))  # JIT happens on the first call
        self.compile_time = time.perf_counter() - tic
        self.n_calls = 0
        self._last: tuple[bytes, tuple] | None = None

    def __call__(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.ascontiguousarray(x, dtype=float)
        key = x.tobytes()
        if self._last is None or self._last[0] != key:
            self.n_calls += 1
            self._last = (key, self._run(x.astype(self._dtype)))
        return self._last[1]

    def _run(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Outcome and gradient (draw, var), one chunk of draws at a time. BLAS in one thread:
        the function's small products ((chunk x var) @ (var x cell)) ran 25% slower in CPU time
        with OpenBLAS's spinning threads on the 2-core machine (docs/benchmarks.md)."""
        ys, grads = [], []
        with self._blas.limit(limits=1, user_api="blas"):
            for rows in self._chunks:
                out = self._fn(x, *self._data, *(a[rows] for a in self._draws))
                y, grad = (np.array(o, dtype=float, copy=True) for o in out)  # may share buffers
                ys.append(y)
                grads.append(grad)
        return np.concatenate(ys), np.concatenate(grads)

    def _base(self, rows: slice, per_unit: np.ndarray) -> np.ndarray:
        """Outcome (draw, cell) of the draws ``rows`` at zero spend in the horizon."""
        engine, horizon, pad = self.engine, self.horizon, self.engine.pad
        p = engine.params.take(rows)
        zero = np.zeros((p.n_samples, pad + horizon.n_weeks + pad, self.n_geo, self.n_ch))
        zero[:, :pad], zero[:, pad + horizon.n_weeks :] = horizon.pre, horizon.post
        sat0 = media_response(
            zero / engine.scales.media,
            p.transform,
            engine.channels,
            engine.l_max,
            geo_params=engine.geo_params,
        )
        return (
            (p.beta[:, None] * sat0[:, pad:] * per_unit[None, :, :, None])
            .sum(axis=1)
            .reshape(p.n_samples, -1)
        )

    def budgets(self, x: np.ndarray) -> np.ndarray:
        """Cell budgets ``(geo, channel)`` in currency for scaled budgets ``x``."""
        return (np.asarray(x) @ (self.share * self.scale[:, None])).reshape(self.n_geo, self.n_ch)
