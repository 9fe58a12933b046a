"""Large-panel workloads for ``bench_fit.py --large / --dma`` and the cost of one gradient.

* large: 50 regions x 208 weeks x 30 channels, 10 controls (PyMC Labs' "large business"
  preset): six channels go dark for 8-26 weeks, five are bought in only 5-15 regions, six are
  weak (true ROI 0.1);
* dma: 200 regions x 104 weeks x 10 channels (a DMA-level panel), two controls.

``gradient_cost`` compiles the model's log-density and gradient exactly as ``fit()`` does
(``nutpie.compile_pymc_model`` under bayes_mmm's PyTensor flags) and times repeated calls:
microseconds per gradient x leapfrog steps per draw x draws x chains = the sampling time.
"""

from __future__ import annotations

import resource
import time

import numpy as np

import bayes_mmm as bm

LARGE = {"geos": 50, "n_weeks": 208, "n_channels": 30, "n_controls": 10}
DMA = {"geos": 200, "n_weeks": 104, "n_channels": 10, "n_controls": 2}


def workload(name: str, seed: int = 11, geos: int | None = None):
    """The simulation for ``name`` ('large' or 'dma'); returns (Simulation, MMMData).

    ``geos`` overrides the number of regions (a cheaper proxy with the same channel structure)."""
    shape = dict(LARGE if name == "large" else DMA)
    if geos is not None:
        shape["geos"] = geos
    n_ch = shape["n_channels"]
    names = [f"ch{i:02d}" for i in range(n_ch)]
    rng = np.random.default_rng(seed)
    roi = rng.uniform(0.5, 3.0, n_ch)
    weak = names[-6:] if n_ch >= 20 else names[-2:]
    roi[[names.index(c) for c in weak]] = 0.1
    dark = names[1:n_ch:5]
    local = {c: int(rng.integers(5, 16)) for c in names[2:n_ch:6]} if n_ch >= 20 else {}
    sim = bm.simulate(
        shape["n_weeks"],
        names,
        geos=shape["geos"],
        roi=roi,
        dark_channels=dark,
        local_channels=local,
        seed=seed,
    )
    return sim, _with_controls(sim, shape["n_controls"], rng)


def _with_controls(sim, n_controls: int, rng):
    """Add ``n_controls - 2`` random-walk controls with small true effects to the target."""
    frame = sim.frame.copy()
    extra = [f"control_{k}" for k in range(max(n_controls - 2, 0))]
    dates = frame["date"].unique()
    scale = frame["sales"].mean()
    for name in extra:
        walk = np.cumsum(rng.normal(0, 1, len(dates)))
        walk = (walk - walk.mean()) / max(walk.std(), 1e-9)
        frame[name] = frame["date"].map(dict(zip(dates, walk)))
        frame["sales"] += rng.normal(0, 0.01) * scale * frame[name]
    return bm.MMMData.from_frame(
        frame,
        date="date",
        target="sales",
        geo="geo",
        channels=list(sim.data.channels),
        controls=["price_index", "promo", *extra],
    )


def peak_memory_gb() -> float:
    """Peak resident memory of this process so far (GB; Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def gradient_cost(model, flags: dict, repeats: int = 50) -> dict:
    """Compile the log-density + gradient as fit() does; time ``repeats`` evaluations."""
    import nutpie
    from pytensor import config

    with config.change_flags(**flags):
        t0 = time.perf_counter()
        compiled = nutpie.compile_pymc_model(model)
        compile_s = time.perf_counter() - t0
    x = compiled.initial_point_func(1) if callable(compiled.initial_point_func) else None
    x = np.asarray(x, float).ravel()
    x = x + 0.01 * np.random.default_rng(0).standard_normal(x.shape)
    compiled.logp_func(x)  # warm
    t0 = time.perf_counter()
    for _ in range(repeats):
        logp, grad = compiled.logp_func(x)
    us = (time.perf_counter() - t0) / repeats * 1e6
    return {
        "compile_s": round(compile_s, 2),
        "n_parameters": int(x.size),
        "us_per_gradient": round(us, 1),
        "logp_finite": bool(np.isfinite(logp) and np.isfinite(grad).all()),
    }, compiled


def bench_large(name: str, args, sampler_settings: dict, flags: dict) -> dict:
    """Gradient cost, then a (short) nutpie fit; extrapolates to 4 chains x 1000 + 500 tuning."""
    import nutpie
    from pytensor import config

    from bayes_mmm.inference.sampling import nuts_settings
    from bayes_mmm.model.graph import build_model

    t0 = time.perf_counter()
    _sim, data = workload(name, args.seed)
    model = build_model(bm.MMM(), data)
    build_s = time.perf_counter() - t0
    grad, compiled = gradient_cost(model, flags)
    sampler_settings = {**sampler_settings, **nuts_settings(compiled.n_dim)}  # as fit() picks
    t0 = time.perf_counter()
    with config.change_flags(**flags):
        tree = nutpie.sample(
            compiled,
            draws=args.draws,
            tune=args.tune,
            chains=args.chains,
            seed=args.seed,
            progress_bar=False,
            save_warmup=False,
            **sampler_settings,
        )
    sample_s = time.perf_counter() - t0
    stats = sample_stats(tree, [v.name for v in model.free_RVs], sample_s)
    per_draw_s = grad["us_per_gradient"] / 1e6 * stats["mean_leapfrog_steps"]
    cores = min(4, _cores())
    return {
        "workload": f"{name} {data.n_geos}x{data.n_dates}x{data.n_channels}",
        "n_controls": len(data.control_names),
        "chains": args.chains,
        "draws": args.draws,
        "tune": args.tune,
        "build_s": round(build_s, 2),
        **grad,
        "sample_s": round(sample_s, 1),
        **stats,
        "predicted_4x1000_tune500_s": round(per_draw_s * 1500 * 4 / cores, 0),
        "peak_memory_gb": round(peak_memory_gb(), 2),
    }


def sample_stats(tree, free_names: list[str], sample_s: float) -> dict:
    """min bulk ESS, ESS/s, divergences, max R-hat (NaN with one chain), leapfrog steps/draw."""
    import arviz as az

    post = tree["posterior"].to_dataset()[free_names]
    ess = az.ess(post)
    min_ess = min(float(ess[v].min()) for v in ess.data_vars)
    stats = tree["sample_stats"].to_dataset()
    if post.sizes["chain"] > 1:
        rhat = az.rhat(post)
        max_rhat = max(float(rhat[v].max()) for v in rhat.data_vars)
    else:
        max_rhat = float("nan")
    return {
        "min_ess_bulk": round(min_ess, 1),
        "ess_per_s": round(min_ess / sample_s, 3),
        "divergences": int(stats["diverging"].sum()),
        "max_rhat": round(max_rhat, 4),
        "mean_leapfrog_steps": round(float(stats["n_steps"].mean()), 1),
    }


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
