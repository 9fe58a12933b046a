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
        logp_val, grad = inner(x)
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
        (values,) = inner(x)
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


def _cfunc(src: str, name: str, inner, key: str, signature, constants: dict):
    import numba
    import numpy as np
    from pytensor.link.numba.cache import compile_numba_function_src

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


def _nutpie_functions(model):
    """nutpie's PyTensor functions and layout, as ``compile_pymc_model`` makes them (Numba mode,
    support-point start with jitter on every free variable)."""
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
        mode="NUMBA",
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


def cached_compile(model):
    """Build nutpie's compiled model as ``compile_pymc_model`` does for the Numba backend with
    default arguments, the two C callbacks coming from PyTensor's Numba disk cache."""
    import numba
    from nutpie import compile_pymc as cp

    n_dim, n_expanded, logp_pt, expand_pt, initial_point_fn, shape_info, names = _nutpie_functions(
        model
    )
    sizes = {"N_DIM": n_dim, "N_EXPANDED": n_expanded}
    ptr = numba.types.CPointer(numba.types.double)
    u64, i64, void = numba.types.uint64, numba.types.int64, numba.types.voidptr
    logp_jit, expand_jit = logp_pt.vm.jit_fn, expand_pt.vm.jit_fn
    logp = _cfunc(
        LOGP_SRC,
        "logp_wrapper",
        logp_jit,
        _cache_key(logp_jit, "logp", n_dim),
        i64(u64, ptr, ptr, ptr, void),
        sizes,
    )
    expand = _cfunc(
        EXPAND_SRC,
        "expand_wrapper",
        expand_jit,
        _cache_key(expand_jit, "expand", n_dim, n_expanded),
        i64(u64, u64, ptr, ptr, void),
        sizes,
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
        user_data=cp.make_user_data({}, {}),
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_pt,
        expand_func=expand_pt,
        reparameterized_names=names,
    )
