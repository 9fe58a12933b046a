"""nutpie's Numba compile with its two C callbacks cached on disk, so a refit skips recompiling.

``nutpie.compile_pymc_model`` compiles the log-density (+ gradient) and the "expand" function
(free parameters -> every stored variable) with PyTensor's Numba backend, whose functions are
cached on disk, then wraps each in a ``numba.cfunc`` that nuts-rs calls. Those two wrappers are
closures and are compiled afresh in every process (about 10 s of CPU on the national workload,
half of it Numba compiling the error path of ``out[...] = grad``). Here the same wrappers are built
from source and registered in PyTensor's Numba cache under a key made of the wrapped function's own
cache key, so a later process with the same model structure and data loads them from disk.

The wrapped PyTensor functions are nutpie's own (``_make_functions``); the wrappers compute the same
values (an element loop instead of a slice assignment): the draws are bit-for-bit those of
``nutpie.compile_pymc_model``. Models with shared variables (``pm.Data``), functions PyTensor does
not cache, or another nutpie layout fall back to ``nutpie.compile_pymc_model``.
"""

from __future__ import annotations

import hashlib

LOGP_SRC = """
def logp_wrapper(dim, x_, out_, logp_, user_data_):
    if dim != N_DIM:
        return -1
    try:
        x = numba.carray(x_, (N_DIM,))
        out = numba.carray(out_, (N_DIM,))
        logp = numba.carray(logp_, ())
        buf = numba.carray(user_data_, (N_BUF,), np.float64)
        logp_val, grad = inner(x, *DATA)
        logp[()] = logp_val
        for i in range(N_DIM):
            out[i] = grad[i]
        if not np.all(np.isfinite(out)):
            return 3
        if not np.isfinite(logp_val):
            return 4
    except Exception:
        return 1
    return 0
"""

EXPAND_SRC = """
def expand_wrapper(dim, expanded, x_, out_, user_data_):
    if dim != N_DIM:
        return -1
    if expanded != N_EXPANDED:
        return -1
    try:
        x = numba.carray(x_, (N_DIM,))
        out = numba.carray(out_, (N_EXPANDED,))
        buf = numba.carray(user_data_, (N_BUF,), np.float64)
        (values,) = inner(x, *DATA)
        for i in range(N_EXPANDED):
            out[i] = values[i]
    except Exception:
        return -2
    return 0
"""


class NotCacheable(Exception):
    """The model has shared variables or PyTensor gave no cache key: use nutpie's own compile."""


def compile_nutpie(model):
    """``nutpie.compile_pymc_model(model)`` (Numba backend), with disk-cached C callbacks where the
    model allows it; returns nutpie's ``CompiledPyMCModel`` either way."""
    import nutpie

    try:
        return cached_compile(model)
    except Exception:  # an optimisation only: any failure (another nutpie layout, a bad cache
        return nutpie.compile_pymc_model(model)  # entry) falls back to nutpie's own compile


def _cfunc(src: str, name: str, inner, key: str, signature, constants: dict, data: list):
    import numba
    import numpy as np
    from pytensor.link.numba.cache import compile_numba_function_src

    # the lifted data arrays, read from nutpie's user-data pointer (one float64 buffer)
    args = "".join(f", buf[{a}:{b}].reshape({shape})" for a, b, shape in data)
    src = src.replace(", *DATA)", args + ")")
    # __name__: numba rebuilds a cached function's environment by importing its module
    env = {"__name__": __name__, "numba": numba, "np": np, "inner": inner, **constants}
    func = compile_numba_function_src(src, name, global_env=env, cache_key=key)
    return numba.cfunc(signature, cache=True)(func)


def _cache_key(jit_fn, *parts) -> str:
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS

    key = CACHED_SRC_FUNCTIONS.get(getattr(jit_fn, "py_func", None))
    if key is None:
        raise NotCacheable("PyTensor did not cache the wrapped function")
    text = repr((key, *parts, LOGP_SRC, EXPAND_SRC))
    return "bayes_mmm_nutpie_" + hashlib.sha256(text.encode()).hexdigest()


def lift_constants(fgraph):
    """A copy of the rewritten ``fgraph`` whose float64 array constants (the data and everything
    PyTensor folded from them) are extra inputs after the original ones; returns it and their
    values. Its Numba cache key then depends on the graph's structure and shapes only, so new data
    of the same shape reuse the compiled function."""
    import numpy as np
    from pytensor.graph.basic import Constant, clone_get_equiv
    from pytensor.graph.fg import FunctionGraph

    lifted: dict = {}
    for node in fgraph.toposort():
        for var in node.inputs:
            if (
                isinstance(var, Constant)
                and getattr(var.type, "dtype", None) == "float64"
                and getattr(var.type, "ndim", 0) > 0
                and var not in lifted
            ):
                lifted[var] = var.type()
    equiv = clone_get_equiv(fgraph.inputs, fgraph.outputs, memo=dict(lifted))
    inputs = [equiv[v] for v in fgraph.inputs] + list(lifted.values())
    out = FunctionGraph(inputs, [equiv[v] for v in fgraph.outputs], clone=False)
    return out, [np.ascontiguousarray(c.data, dtype=np.float64) for c in lifted]


def _lifting_mode():
    """PyTensor's NUMBA mode whose linker compiles :func:`lift_constants`'s graph; the compiled
    function and the lifted values are kept on the linker (``fn.maker.linker.lifted``)."""
    from pytensor.compile.mode import Mode, get_mode
    from pytensor.link.numba.dispatch.basic import numba_funcify_ensure_cache
    from pytensor.link.numba.linker import NumbaLinker

    class LiftingNumbaLinker(NumbaLinker):
        lifted = None

        def fgraph_convert(self, fgraph, **kwargs):
            graph, values = lift_constants(fgraph)
            fn_and_key = numba_funcify_ensure_cache(graph)
            self.lifted = (None, values)
            return fn_and_key

        def jit_compile(self, fn_and_key):
            inner = super().jit_compile(fn_and_key)
            values = self.lifted[1]
            self.lifted = (inner, values)
            return lambda *args: inner(*args, *values)

    return Mode(linker=LiftingNumbaLinker(), optimizer=get_mode("NUMBA").provided_optimizer)


def _nutpie_functions(model):
    """nutpie's PyTensor functions and layout, as ``compile_pymc_model`` makes them (Numba mode,
    support-point start with jitter on every free variable), data constants lifted to inputs."""
    from nutpie import compile_pymc as cp
    from pymc.initial_point import make_initial_point_fn
    from pytensor import config

    initial_point_fn = make_initial_point_fn(
        model=model,
        overrides=None,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )
    out = cp._make_functions(
        model,
        mode=_lifting_mode(),
        compute_grad=True,
        join_expanded=True,
        pymc_initial_point_fn=cp._wrap_with_lock(initial_point_fn),
        var_names=None,
    )
    if out[2].get_shared() or out[3].get_shared():
        raise NotCacheable("shared variables")
    if not config.numba__cache:
        raise NotCacheable("PyTensor's Numba cache is switched off")
    return out


def _layout(values: list, start: int) -> tuple[list, int]:
    """(start, stop, shape) of each lifted array in the shared user-data buffer."""
    out = []
    for v in values:
        out.append((start, start + v.size, tuple(v.shape)))
        start += v.size
    return out, start


def cached_compile(model):
    """Build nutpie's compiled model as ``compile_pymc_model`` does for the Numba backend with
    default arguments, the two C callbacks coming from PyTensor's Numba disk cache."""
    import numba
    import numpy as np
    from nutpie import compile_pymc as cp

    n_dim, n_expanded, logp_pt, expand_pt, initial_point_fn, shape_info, names = _nutpie_functions(
        model
    )
    (logp_jit, logp_data), (expand_jit, expand_data) = (
        logp_pt.maker.linker.lifted,
        expand_pt.maker.linker.lifted,
    )
    logp_layout, end = _layout(logp_data, 0)
    expand_layout, end = _layout(expand_data, end)
    buffer = np.concatenate([v.ravel() for v in logp_data + expand_data] + [np.zeros(1)])
    sizes = {"N_DIM": n_dim, "N_EXPANDED": n_expanded, "N_BUF": buffer.size}
    ptr = numba.types.CPointer(numba.types.double)
    u64, i64, void = numba.types.uint64, numba.types.int64, numba.types.voidptr
    logp = _cfunc(
        LOGP_SRC,
        "logp_wrapper",
        logp_jit,
        _cache_key(logp_jit, "logp", n_dim, buffer.size, logp_layout),
        i64(u64, ptr, ptr, ptr, void),
        sizes,
        logp_layout,
    )
    expand = _cfunc(
        EXPAND_SRC,
        "expand_wrapper",
        expand_jit,
        _cache_key(expand_jit, "expand", n_dim, n_expanded, buffer.size, expand_layout),
        i64(u64, u64, ptr, ptr, void),
        sizes,
        expand_layout,
    )
    dims, coords = cp._prepare_dims_and_coords(model, shape_info, names)
    return cp.CompiledPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info)},
        compiled_logp_func=logp,
        compiled_expand_func=expand,
        initial_point_func=initial_point_fn,
        shared_data={},
        shared_var_keys={},
        user_data=buffer,  # the lifted data: nutpie passes its address to both callbacks
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_pt,
        expand_func=expand_pt,
        reparameterized_names=names,
    )
