"""The JAX path (``fit(sampler="numpyro")``) on any device: gradient cost and full fits.

    python benchmarks/bench_accelerator.py --workload national large dma
    python benchmarks/bench_accelerator.py --workload large --sampler numpyro blackjax

For each workload (national 156 weeks x 5 channels, ``large`` 50 regions x 208 weeks x 30
channels + 10 controls, ``dma`` 200 regions x 104 weeks x 10 channels; large_workloads.py)
it builds the model exactly as ``fit()`` does, times the JAX log-density + gradient for one chain
and for all chains at once (``vmap``: NumPyro's ``chain_method="vectorized"``), then samples with
PyMC's JAX bridge under fit()'s settings (target_accept 0.9, vectorised chains; 4 chains x 1000
draws after 500 tuning steps by default) and prints one JSON line per (workload, sampler):
device, build_s, us_per_gradient, sample_s (JIT compilation included), min bulk ESS, ESS/s,
divergences, max R-hat, mean leapfrog steps per draw, peak host memory and peak device memory.
Not a test: the lines go to benchmarks/results/accelerator.jsonl and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings

import numpy as np
from large_workloads import peak_memory_gb, sample_stats, workload

import bayes_mmm as bm
from bayes_mmm.inference.sampling import DEFAULT_TARGET_ACCEPT, sample_posterior
from bayes_mmm.model.graph import build_model


def national(seed: int):
    """The national benchmark workload (bench_fit.py's default)."""
    sim = bm.simulate(156, 5, seed=seed)
    return sim, sim.data


def gradient_cost(model, chains: int, repeats: int = 30) -> dict:
    """JAX value+gradient of the log-density: microseconds for one chain and for ``chains``."""
    import jax
    from pymc.sampling.jax import get_jaxified_logp

    logp = get_jaxified_logp(model, negative_logp=False)
    point = model.initial_point()
    x = [np.asarray(point[v.name]) for v in model.value_vars]
    one = jax.jit(jax.value_and_grad(logp))
    batch = [np.repeat(v[None], chains, axis=0) for v in x]
    many = jax.jit(jax.vmap(jax.value_and_grad(logp)))
    out = {}
    for name, fn, arg in (("one_chain", one, x), (f"{chains}_chains", many, batch)):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(arg))
        out[f"jit_s_{name}"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        for _ in range(repeats):
            value = jax.block_until_ready(fn(arg))
        out[f"us_per_gradient_{name}"] = round((time.perf_counter() - t0) / repeats * 1e6, 1)
    out["logp_finite"] = bool(np.isfinite(np.asarray(value[0])).all())
    out["n_parameters"] = int(sum(v.size for v in x))
    return out


def sample(model, sampler: str, args) -> dict:
    """Sample exactly as fit() does on the JAX path (``sample_posterior``); statistics over the
    free parameters."""
    t0 = time.perf_counter()
    tree = sample_posterior(
        model,
        sampler=sampler,
        chains=args.chains,
        draws=args.draws,
        tune=args.tune,
        seed=args.seed,
        progress=False,
        target_accept=DEFAULT_TARGET_ACCEPT,
    )
    sample_s = time.perf_counter() - t0
    stats = sample_stats(tree, [v.name for v in model.free_RVs], sample_s)
    return {"sample_s": round(sample_s, 1), **stats}


def device_info() -> dict:
    import jax

    dev = jax.devices()[0]
    mem = dev.memory_stats() or {}
    return {
        "device": f"{dev.platform}:{getattr(dev, 'device_kind', '?')}",
        "jax": jax.__version__,
        "peak_device_memory_gb": round(mem.get("peak_bytes_in_use", 0) / 1e9, 2) or None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workload", nargs="+", default=["national"])
    parser.add_argument("--sampler", nargs="+", default=["numpyro"])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--gradient-only", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    for name in args.workload:
        t0 = time.perf_counter()
        _sim, data = national(args.seed) if name == "national" else workload(name, args.seed)
        model = build_model(bm.MMM(), data)
        line = {
            "workload": f"{name} {data.n_geos}x{data.n_dates}x{data.n_channels}",
            "machine": f"{platform.machine()} {os.cpu_count()} cores",
            "build_s": round(time.perf_counter() - t0, 2),
            **gradient_cost(model, args.chains),
        }
        print(json.dumps({**line, **device_info()}), flush=True)
        if args.gradient_only:
            continue
        for sampler in args.sampler:
            run = {"sampler": sampler, "chains": args.chains, "draws": args.draws}
            run |= {"tune": args.tune, **sample(model, sampler, args)}
            run["peak_memory_gb"] = round(peak_memory_gb(), 2)
            print(json.dumps({**line, **run, **device_info()}), flush=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
