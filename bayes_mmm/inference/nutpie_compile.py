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
import sys
import types

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


class _ArvizNames(types.ModuleType):
    """Stands in for ``arviz`` while nutpie is imported: names resolve from ``arviz_base`` (where
    ``arviz.from_dict`` and ``arviz.dict_to_dataset``, all nutpie uses, are defined), anything else
    from the full ``arviz``, imported on first use."""

    def __getattr__(self, name):
        import arviz_base

        if hasattr(arviz_base, name):
            return getattr(arviz_base, name)
        import arviz

        return getattr(arviz, name)


def import_nutpie():
    """``import nutpie`` without importing all of ArviZ: ``nutpie.sample`` imports ``arviz``, whose
    ``arviz_plots`` imports matplotlib (~0.5 s of CPU in every fresh process) though sampling only
    needs ``arviz_base``. A later ``import arviz`` elsewhere gets the real module."""
    if "nutpie" in sys.modules or "arviz" in sys.modules:
        import nutpie

        return nutpie
    sys.modules["arviz"] = _ArvizNames("arviz")
    try:
        import nutpie
    finally:
        if isinstance(sys.modules.get("arviz"), _ArvizNames):
            del sys.modules["arviz"]
    return nutpie


def compile_nutpie(model):
    """``nutpie.compile_pymc_model(model)`` (Numba backend), with disk-cached C callbacks where the
    model allows it; returns nutpie's ``CompiledPyMCModel`` either way."""
    nutpie = import_nutpie()

    try:
        return cached_compile(model)
    except Exception:  # an optimisation only: any failure (another nutpie layout, a bad cache
        return nutpie.compile_pymc_model(model)  # entry) falls back to nutpie's own compile


def _cfunc(src: str, name: str, inner, key: str, signature, constants: dict, data: tuple):
    import numba
    import numpy as np
    from pytensor.link.numba.cache import compile_numba_function_src

    # the lifted data (one vector input), read from nutpie's user-data pointer
    src = src.replace(", *DATA)", f", buf[{data[0]}:{data[1]}])")
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


LIFT_TAG = "bayes_mmm_lift_data"  # the rewrite below runs only in :func:`_lifting_mode`
REGISTERED: list = []  # the DataInput class once the rewrite is registered


def _lift_data_rewrite():
    """Register (once) a rewrite that runs after PyTensor's constant folding and just before
    elemwise fusion (position 48.5): each float64 constant becomes ``DataInput(constant)``, an
    identity PyTensor does not fold, so fusion keeps it an input of the fused loop instead of
    writing its value into the loop's code (where a data-derived scalar such as the target scale
    changed the compiled function with every new dataset). Returns the ``DataInput`` class."""
    from pytensor.compile import optdb
    from pytensor.graph.basic import Apply, Constant
    from pytensor.graph.op import Op
    from pytensor.graph.rewriting.basic import GraphRewriter

    if REGISTERED:
        return REGISTERED[0]

    class DataInput(Op):
        """A float64 constant kept out of fusion; lifted to a function input before linking."""

        __props__ = ()
        view_map = {0: [0]}  # noqa: RUF012 - a view of a constant: never overwritten in place

        def make_node(self, x):
            return Apply(self, [x], [x.type()])

        def perform(self, node, inputs, outputs):
            outputs[0][0] = inputs[0]

        def do_constant_folding(self, fgraph, node):
            return False

    class LiftData(GraphRewriter):
        def apply(self, fgraph):
            for node in fgraph.toposort():
                if isinstance(node.op, DataInput):
                    continue
                for i, var in enumerate(node.inputs):
                    if isinstance(var, Constant) and getattr(var.type, "dtype", "") == "float64":
                        fgraph.change_node_input(node, i, DataInput()(var), reason=LIFT_TAG)

    optdb.register(LIFT_TAG, LiftData(), position=48.5)
    REGISTERED.append(DataInput)
    return DataInput


def lift_constants(fgraph, data_input=None):
    """A copy of the rewritten ``fgraph`` whose data (``DataInput`` nodes and float64 array
    constants) are read from one extra vector input, after the original inputs; returns it and that
    vector's value. Its Numba cache key then depends on the graph's structure and shapes only, so
    new data of the same shape reuse the compiled function."""
    import numpy as np
    import pytensor.tensor as pt
    from pytensor.graph.basic import Constant, clone_get_equiv
    from pytensor.graph.fg import FunctionGraph

    found = {}
    for node in fgraph.toposort():
        if data_input is not None and isinstance(node.op, data_input):
            found[node.outputs[0]] = node.inputs[0].data
            continue
        for var in node.inputs:
            if (
                isinstance(var, Constant)
                and getattr(var.type, "dtype", None) == "float64"
                and getattr(var.type, "ndim", 0) > 0
            ):
                found.setdefault(var, var.data)
    data = pt.dvector("lifted_data")
    memo, start = {}, 0
    for var, value in found.items():
        size = int(np.size(value))
        piece = data[start : start + size].reshape(np.shape(value))
        memo[var] = var.type.filter_variable(piece)
        start += size
    equiv = clone_get_equiv(fgraph.inputs, fgraph.outputs, memo=memo)
    inputs = [equiv[v] for v in fgraph.inputs] + [data]
    out = FunctionGraph(inputs, [equiv[v] for v in fgraph.outputs], clone=False)
    values = [np.ravel(np.asarray(v, dtype=np.float64)) for v in found.values()]
    return out, np.concatenate([*values, np.zeros(0)])


def _lifting_mode():
    """PyTensor's NUMBA mode whose linker compiles :func:`lift_constants`'s graph; the compiled
    function and the lifted values are kept on the linker (``fn.maker.linker.lifted``)."""
    from pytensor.compile.mode import Mode, get_mode
    from pytensor.link.numba.dispatch.basic import numba_funcify_ensure_cache
    from pytensor.link.numba.linker import NumbaLinker

    data_input = _lift_data_rewrite()

    class LiftingNumbaLinker(NumbaLinker):
        lifted = None

        def fgraph_convert(self, fgraph, **kwargs):
            graph, values = lift_constants(fgraph, data_input)
            fn_and_key = numba_funcify_ensure_cache(graph)
            self.lifted = (None, values)
            return fn_and_key

        def jit_compile(self, fn_and_key):
            inner = super().jit_compile(fn_and_key)
            values = self.lifted[1]
            self.lifted = (inner, values)
            return lambda *args: inner(*args, values)

    query = get_mode("NUMBA").provided_optimizer.including(LIFT_TAG)
    return Mode(linker=LiftingNumbaLinker(), optimizer=query)


def support_point_fn(model):
    """nutpie's start: PyMC's support point with jitter on every free variable (transformed)."""
    from pymc.initial_point import make_initial_point_fn

    return make_initial_point_fn(
        model=model,
        overrides=None,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )


def _nutpie_functions(model):
    """nutpie's PyTensor functions and layout, as ``compile_pymc_model`` makes them (Numba mode,
    support-point start with jitter on every free variable), data constants lifted to inputs."""
    from nutpie import compile_pymc as cp
    from pytensor import config

    initial_point_fn = support_point_fn(model)
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


def callback(kind: str, meta: dict, inner):
    """nutpie's C callback ``kind`` ("logp" or "expand") for the layout in ``meta``, from PyTensor's
    Numba cache where it is there (``inner``, the wrapped function, is only needed to compile)."""
    import numba

    ptr = numba.types.CPointer(numba.types.double)
    u64, i64, void = numba.types.uint64, numba.types.int64, numba.types.voidptr
    if kind == "logp":
        src, name, signature = LOGP_SRC, "logp_wrapper", i64(u64, ptr, ptr, ptr, void)
    else:
        src, name, signature = EXPAND_SRC, "expand_wrapper", i64(u64, u64, ptr, ptr, void)
    sizes = {"N_DIM": meta["n_dim"], "N_EXPANDED": meta["n_expanded"], "N_BUF": meta["n_buf"]}
    layout = tuple(meta[f"{kind}_layout"])
    return _cfunc(src, name, inner, meta[f"{kind}_key"], signature, sizes, layout)


def cached_compile(model):
    """Build nutpie's compiled model as ``compile_pymc_model`` does for the Numba backend with
    default arguments, the two C callbacks coming from PyTensor's Numba disk cache."""
    return cached_compile_parts(model)[0]


def cached_compile_parts(model):
    """:func:`cached_compile`'s model and a record of its layout, callback keys and lifted data
    (``buffer``): enough to rebuild it without the graph (``inference/compile_cache.py``)."""
    import numpy as np
    from nutpie import compile_pymc as cp

    n_dim, n_expanded, logp_pt, expand_pt, initial_point_fn, shape_info, names = _nutpie_functions(
        model
    )
    (logp_jit, logp_data), (expand_jit, expand_data) = (
        logp_pt.maker.linker.lifted,
        expand_pt.maker.linker.lifted,
    )
    # one buffer (nutpie hands both callbacks the same user-data pointer): logp's data, expand's
    buffer = np.concatenate([logp_data, expand_data, np.zeros(1)])
    meta = {
        "n_dim": int(n_dim),
        "n_expanded": int(n_expanded),
        "n_buf": int(buffer.size),
        "logp_layout": [0, int(logp_data.size)],
        "expand_layout": [int(logp_data.size), int(logp_data.size + expand_data.size)],
        "names": list(shape_info[0]),
        "slices": [[int(s.start), int(s.stop)] for s in shape_info[1]],
        "shapes": [[int(d) for d in shape] for shape in shape_info[2]],
        "reparameterized": list(names),
    }
    meta["logp_key"] = _cache_key(logp_jit, "logp", n_dim, buffer.size, meta["logp_layout"])
    meta["expand_key"] = _cache_key(
        expand_jit, "expand", n_dim, n_expanded, buffer.size, meta["expand_layout"]
    )
    dims, coords = cp._prepare_dims_and_coords(model, shape_info, names)
    compiled = cp.CompiledPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info)},
        compiled_logp_func=callback("logp", meta, logp_jit),
        compiled_expand_func=callback("expand", meta, expand_jit),
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
    return compiled, {**meta, "buffer": buffer}
