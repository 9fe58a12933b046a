"""A refit's nutpie compile loaded from disk by a fingerprint of spec, data and code, without
building the log-density graph or running PyTensor's rewrites.

:func:`~bayes_mmm.inference.nutpie_compile.cached_compile` caches the two C callbacks in Numba's
disk cache but still rebuilds and rewrites the graph (about 2 s of CPU on the national workload) to
find their keys. Here the keys, nutpie's layout and the lifted data are stored under a fingerprint
of what determines the graph: the spec, the training data, the lift tests, the source of the model
and compile modules, the library versions and PyTensor's flags. A later fit with the same
fingerprint loads the callbacks directly; any failure (no entry, a Numba cache entry gone, a
corrupt file) falls back to the full compile, which rewrites the entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

import numpy as np

from bayes_mmm.inference.nutpie_compile import (
    EXPAND_SRC,
    LOGP_SRC,
    cached_compile_parts,
    callback,
    compile_nutpie,
    support_point_fn,
)

CODE = ("model", "inference/nutpie_compile.py", "inference/compile_cache.py")


def fingerprint(spec, data, lift_tests=None) -> str:
    """A hash of everything the compiled log-density depends on (see the module docstring)."""
    import importlib.metadata as md

    from pytensor import config

    h = hashlib.sha256()
    h.update(repr(spec).encode())
    for name, value in sorted(vars(data).items()):
        h.update(name.encode())
        if isinstance(value, np.ndarray):
            h.update(f"{value.dtype}{value.shape}".encode())
            h.update(np.ascontiguousarray(value).tobytes())
        else:
            h.update(repr(value.tolist() if hasattr(value, "tolist") else value).encode())
    h.update(b"lift" + (b"" if lift_tests is None else lift_tests.to_csv().encode()))
    root = Path(__file__).resolve().parents[1]
    for part in CODE:
        for path in (
            sorted((root / part).rglob("*.py")) if (root / part).is_dir() else [root / part]
        ):
            h.update(path.read_bytes())
    versions = [md.version(p) for p in ("pymc", "pytensor", "nutpie", "numba", "numpy")]
    h.update(repr((versions, config.numba__fastmath, config.floatX, LOGP_SRC, EXPAND_SRC)).encode())
    return h.hexdigest()


def _entry(key: str) -> Path:
    from pytensor import config

    return Path(config.compiledir) / "bayes_mmm_fits" / f"{key}.npz"


def compile_fingerprinted(model, key: str | None):
    """nutpie's compiled model for ``model``: loaded by ``key`` (a :func:`fingerprint`) when a
    previous fit stored it, else compiled (and stored). ``key=None``: :func:`compile_nutpie`."""
    if key is None:
        return compile_nutpie(model)
    try:
        return _load(model, key)
    except Exception:  # an optimisation only: compile the usual way
        pass
    try:
        compiled, record = cached_compile_parts(model)
    except Exception:
        return compile_nutpie(model)
    with contextlib.suppress(OSError):  # a read-only cache folder: just not stored
        _store(key, record)
    return compiled


def _store(key: str, record: dict) -> None:
    path = _entry(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {k: v for k, v in record.items() if k != "buffer"}
    tmp = path.with_suffix(f".{np.random.default_rng().integers(1 << 30)}.tmp.npz")
    np.savez(tmp, buffer=record["buffer"], meta=np.array(json.dumps(meta)))
    tmp.replace(path)


def _load(model, key: str):
    """The compiled model from a stored entry; raises if anything is missing."""
    from nutpie import compile_pymc as cp

    with np.load(_entry(key), allow_pickle=False) as f:
        buffer, meta = f["buffer"], json.loads(str(f["meta"]))
    names = meta["names"]
    shapes = [tuple(s) for s in meta["shapes"]]
    slices = [slice(a, b) for a, b in meta["slices"]]
    free = [model.rvs_to_values[v].name for v in model.free_RVs]
    if names[: len(free)] != free:
        raise ValueError("stored layout does not match the model")
    logp = callback("logp", meta, None)  # inner=None: only a Numba cache hit can succeed
    expand = callback("expand", meta, None)
    point_fn = support_point_fn(model)
    initial_point_fn = cp._rv_dict_to_flat_array_wrapper(
        cp._wrap_with_lock(point_fn), names=free, shapes=shapes[: len(free)]
    )
    shape_info = (names, slices, shapes)
    dims, coords = cp._prepare_dims_and_coords(model, shape_info, meta["reparameterized"])
    return cp.CompiledPyMCModel(
        _n_dim=meta["n_dim"],
        dims=dims,
        _coords=coords,
        _shapes=dict(zip(names, shapes)),
        compiled_logp_func=logp,
        compiled_expand_func=expand,
        initial_point_func=initial_point_fn,
        shared_data={},
        shared_var_keys={},
        user_data=buffer,
        n_expanded=meta["n_expanded"],
        shape_info=shape_info,
        logp_func=None,
        expand_func=None,
        reparameterized_names=meta["reparameterized"],
    )
