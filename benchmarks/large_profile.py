"""Where the large panel's gradient time goes, and one chain at fit()'s settings in CPU time.

    python benchmarks/large_profile.py gradient --workload large --variants full,no_hill
    PYTENSOR_FLAGS=profiling__time_thunks=1 python benchmarks/large_profile.py ops  # per-Op profile
    python benchmarks/large_profile.py chain --workload large --tune 500 --draws 200

``gradient`` builds the model as ``fit()`` does (``build_model`` + ``compile_nutpie`` under
``NUTPIE_COMPILE_FLAGS``), optionally with parts replaced (``VARIANTS``: a transform swapped for
the identity, no controls, ...), and times the compiled log-density + gradient in CPU seconds
(``time.process_time``) over many calls. ``chain`` runs one nutpie chain (500 tuning + 200 draws
by default, fit()'s NUTS settings) and reports CPU ms per leapfrog step, steps per warm-up
iteration and per draw, divergences, and bulk ESS per variable (lowest first). Each prints one
JSON line with ``os.getloadavg()``; append them to ``results/large_panels.jsonl``. Not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import time
import warnings

import numpy as np

import bayes_mmm as bm
from bayes_mmm.inference.nutpie_compile import compile_nutpie
from bayes_mmm.inference.sampling import DEFAULT_TARGET_ACCEPT, NUTPIE_COMPILE_FLAGS, nuts_settings
from bayes_mmm.model import transforms
from bayes_mmm.model.graph import build_model


def _swap(registry: dict, name: str, function) -> contextlib.AbstractContextManager:
    @contextlib.contextmanager
    def swapped():
        old = registry[name]
        registry[name] = dataclasses.replace(old, function=function)
        try:
            yield
        finally:
            registry[name] = old

    return swapped()


def _textbook_hill(x, half, slope):
    """The formula before the cheaper form: ``x^s / (x^s + h^s)`` via exp(s log x)."""
    xp = transforms.backend(x, half, slope)
    positive = x > 0
    safe = xp.switch(positive, x, xp.ones_like(x))
    xs = xp.switch(positive, xp.exp(slope * xp.log(safe)), x * 0.0 * slope)
    return xs / (xs + half**slope)


def _sigmoid_hill(x, half, slope):
    """Hill as ``1 / (1 + exp(s (log h - log x)))`` with the x = 0 branch kept apart."""
    xp = transforms.backend(x, half, slope)
    positive = x > 0
    safe = xp.switch(positive, x, xp.ones_like(x))
    value = 1.0 / (1.0 + xp.exp(slope * (xp.log(half) - xp.log(safe))))
    return xp.switch(positive, value, x * 0.0 * slope)


def _pt_sigmoid_hill(x, half, slope):
    """Hill as PyTensor's ``sigmoid(s (log x - log h))``."""
    xp = transforms.backend(x, half, slope)
    positive = x > 0
    safe = xp.switch(positive, x, xp.ones_like(x))
    value = xp.sigmoid(slope * (xp.log(safe) - xp.log(half)))
    return xp.switch(positive, value, x * 0.0 * slope)


VARIANTS = {
    "full": lambda: contextlib.nullcontext(),
    "sigmoid_hill": lambda: _swap(transforms.SATURATIONS, "hill", _sigmoid_hill),
    "pt_sigmoid_hill": lambda: _swap(transforms.SATURATIONS, "hill", _pt_sigmoid_hill),
    "textbook_hill": lambda: _swap(transforms.SATURATIONS, "hill", _textbook_hill),
    "no_hill": lambda: _swap(transforms.SATURATIONS, "hill", lambda x, half, slope: x),
    "no_adstock": lambda: _swap(transforms.ADSTOCKS, "geometric", lambda x, alpha, l_max: x),
    "no_adstock_no_hill": lambda: contextlib.ExitStack(),  # filled in _variant
}


@contextlib.contextmanager
def _float32():
    """Free parameters in float32 (``floatX``) and the padded media / money tensors cast to
    float32, so the (date, geo, channel) work runs in single precision; the likelihood's small
    arrays stay float64. A measurement, not a user option."""
    from pytensor import config

    from bayes_mmm.model import graph

    pad = graph.pad_periods
    graph.pad_periods = lambda *a, **k: pad(*a, **k).astype(np.float32)
    try:
        with config.change_flags(floatX="float32"):
            yield
    finally:
        graph.pad_periods = pad


def _variant(name: str):
    if name == "float32":
        return _float32()
    if name == "no_adstock_no_hill":
        stack = contextlib.ExitStack()
        stack.enter_context(VARIANTS["no_hill"]())
        stack.enter_context(VARIANTS["no_adstock"]())
        return stack
    return VARIANTS[name]()


def _data(workload: str, seed: int, controls: bool):
    from large_workloads import workload as make

    _sim, data = make(workload, seed)
    if not controls:
        data = dataclasses.replace(
            data, controls=np.zeros((*data.controls.shape[:2], 0)), control_names=()
        )
    return data


def _spec(variant: str):
    if variant == "no_controls_seasonality_trend":
        return bm.MMM(seasonality=0, trend=False)
    if variant == "no_geo_pooling":
        return bm.MMM(pooling="full")
    return bm.MMM()


def gradient(args) -> None:
    for variant in args.variants.split(","):
        data = _data(args.workload, args.seed, variant != "no_controls_seasonality_trend")
        known = variant in VARIANTS or variant == "float32"
        ctx = _variant(variant) if known else contextlib.nullcontext()
        with ctx, _flags():  # compiled inside too: float32's initial point needs floatX
            model = build_model(_spec(variant), data)
            t0 = time.process_time()
            compiled = compile_nutpie(model)
            compile_cpu = time.process_time() - t0
            x = np.asarray(compiled.initial_point_func(1), float).ravel()
        x = x + 0.01 * np.random.default_rng(0).standard_normal(x.shape)
        compiled.logp_func(x)
        t0, w0 = time.process_time(), time.perf_counter()
        for _ in range(args.repeats):
            logp, grad = compiled.logp_func(x)
        cpu_ms = (time.process_time() - t0) / args.repeats * 1e3
        _emit(
            {
                "step": "gradient cost by part",
                "variant": variant,
                "dtype": str(np.asarray(grad).dtype),
                "n_parameters": int(x.size),
                "compile_cpu_s": round(compile_cpu, 1),
                "repeats": args.repeats,
                "cpu_ms_per_gradient": round(cpu_ms, 3),
                "wall_ms_per_gradient": round((time.perf_counter() - w0) / args.repeats * 1e3, 3),
                "logp": float(logp),
                "grad_norm": float(np.linalg.norm(grad)),
            },
            args,
        )


def ops(args) -> None:
    """PyTensor's profiler on the C backend's log-density + gradient: time per Op class (the Numba
    backend keeps no per-node times). Needs ``PYTENSOR_FLAGS=profiling__time_thunks=1``."""
    import pytensor
    import pytensor.tensor as pt

    model = build_model(bm.MMM(), _data(args.workload, args.seed, True))
    with model:
        logp = model.logp()
        values = model.value_vars
        mode = pytensor.compile.mode.Mode(linker="cvm", optimizer="fast_run")
        fn = pytensor.function(values, [logp, *pt.grad(logp, values)], mode=mode, profile=True)
    point = model.initial_point()
    inputs = [point[v.name] for v in values]
    for _ in range(args.repeats):
        fn(*inputs)
    by_op: dict[str, float] = {}
    for key, seconds in fn.profile.apply_time.items():
        node = key[1] if isinstance(key, tuple) else key
        label = str(node.op)[:90]
        by_op[label] = by_op.get(label, 0.0) + seconds
    top = sorted(by_op.items(), key=lambda kv: -kv[1])[: args.top]
    _emit(
        {
            "step": "pytensor profile (C backend) of logp + gradient",
            "variant": "full",
            "repeats": args.repeats,
            "ms_per_call": round(sum(by_op.values()) / args.repeats * 1e3, 3),
            "top_ops_ms": {k: round(v / args.repeats * 1e3, 3) for k, v in top},
        },
        args,
    )


def chain(args) -> None:
    import arviz as az
    import nutpie

    data = _data(args.workload, args.seed, True)
    model = build_model(bm.MMM(), data)
    with _flags():
        t0 = time.process_time()
        compiled = compile_nutpie(model)
        compile_cpu = time.process_time() - t0
        t0, w0 = time.process_time(), time.perf_counter()
        tree = nutpie.sample(
            compiled,
            draws=args.draws,
            tune=args.tune,
            chains=1,
            cores=1,
            seed=args.seed,
            progress_bar=False,
            save_warmup=True,
            target_accept=DEFAULT_TARGET_ACCEPT,
            **nuts_settings(compiled.n_dim),
        )
        cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    warm = tree["warmup_sample_stats"].to_dataset()
    stats = tree["sample_stats"].to_dataset()
    warm_steps, draw_steps = float(warm["n_steps"].sum()), float(stats["n_steps"].sum())
    ms_per_step = cpu / (warm_steps + draw_steps) * 1e3
    free = [v.name for v in model.free_RVs]
    ess = az.ess(tree["posterior"].to_dataset()[free])
    per_var = sorted((float(ess[v].min()), v) for v in ess.data_vars)
    warm_per, draw_per = warm_steps / args.tune, draw_steps / args.draws
    predicted = ms_per_step / 1e3 * 4 * (500 * warm_per + 1000 * draw_per) / 2
    _emit(
        {
            "step": "one chain, fit()'s settings",
            "variant": args.label,
            "workload": args.workload,
            "tune": args.tune,
            "draws": args.draws,
            "compile_cpu_s": round(compile_cpu, 1),
            "sample_cpu_s": round(cpu, 1),
            "sample_wall_s": round(wall, 1),
            "cpu_ms_per_step": round(ms_per_step, 2),
            "warmup_steps_per_iter": round(warm_per, 1),
            "steps_per_draw": round(draw_per, 1),
            "divergences": int(stats["diverging"].sum()),
            "warmup_divergences": int(warm["diverging"].sum()),
            "min_ess_bulk_by_variable": {v: round(e, 1) for e, v in per_var[:8]},
            "predicted_4x1000_tune500_idle_2core_s": round(predicted),
        },
        args,
    )


@contextlib.contextmanager
def _flags():
    from pytensor import config

    with config.change_flags(**NUTPIE_COMPILE_FLAGS):
        yield


def _emit(line: dict, args) -> None:
    line = {"workload": args.workload, **line, "loadavg": [round(v, 2) for v in os.getloadavg()]}
    print(json.dumps(line), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["gradient", "ops", "chain"])
    parser.add_argument("--workload", default="large", choices=["large", "dma"])
    parser.add_argument("--variants", default="full")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--label", default="after")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    {"gradient": gradient, "ops": ops, "chain": chain}[args.what](args)


if __name__ == "__main__":
    main()
