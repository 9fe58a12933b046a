"""Where NUTS spends its leapfrog steps on large panels, and what cuts them (issue 15, item 2).

Runs fit()'s nutpie settings and variants on the large workload's channel structure (30 channels,
dark and local channels, weak ones, 10 controls) with ``--geos`` regions (50 = the large panel; 10
is a 5x cheaper proxy), and reports CPU time, leapfrog steps per warm-up window and per draw, the
slowest-mixing variables and min bulk ESS per 1000 gradients (the efficiency that decides cost).

    nice -n 15 python benchmarks/warmup_study.py --geos 10 --variants base,map_init,diag

Variants: ``base`` (fit()'s settings: the mass matrix by model size), ``low_rank`` (low-rank mass
matrix at any size), ``map_init`` (chains start around the posterior mode, found by L-BFGS on the
compiled log-density), ``diag`` (diagonal mass matrix), ``depth8`` (tree depth 8),
``low_rank_cut100`` (low-rank keeping only eigenvalues outside [1/100, 100]), ``diag_ta08``
(diagonal, target_accept 0.8).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from resume import emit

import bayes_mmm as bm
from bayes_mmm.inference.approximate import find_mode
from bayes_mmm.inference.nutpie_compile import compile_nutpie
from bayes_mmm.inference.sampling import (
    DEFAULT_TARGET_ACCEPT,
    NUTPIE_COMPILE_FLAGS,
    nuts_settings,
)
from bayes_mmm.model.graph import build_model

VARIANTS = {
    "base": {},  # fit()'s choice by size
    "low_rank": {"adaptation": "low_rank"},
    "map_init": {},
    "diag": {"adaptation": "diag"},
    "depth8": {"maxdepth": 8},
    "low_rank_cut100": {"adaptation": "low_rank", "mass_matrix_eigval_cutoff": 100.0},
    "diag_ta08": {"adaptation": "diag", "target_accept": 0.8},
}


def _mode(compiled, seed: int) -> np.ndarray:
    x0 = np.asarray(compiled.initial_point_func(seed), float).ravel()
    mode, _info = find_mode(compiled.logp_func, x0)
    return mode


def run(variant: str, args, compiled, model) -> dict:
    import arviz as az
    import nutpie
    from pytensor import config

    settings = {
        "target_accept": DEFAULT_TARGET_ACCEPT,
        **nuts_settings(compiled.n_dim),
        **VARIANTS[variant],
    }
    mode_cpu = 0.0
    if variant == "map_init":  # nutpie takes a PyMC model's start from initial_point_func
        t0 = time.process_time()
        mode = _mode(compiled, args.seed)
        mode_cpu = time.process_time() - t0

        def around_mode(seed):
            return mode + 0.1 * np.random.default_rng(seed).standard_normal(mode.shape)

        compiled = dataclasses.replace(compiled, initial_point_func=around_mode)
    with config.change_flags(**NUTPIE_COMPILE_FLAGS):
        t0, w0 = time.process_time(), time.perf_counter()
        tree = nutpie.sample(
            compiled,
            draws=args.draws,
            tune=args.tune,
            chains=args.chains,
            cores=2,
            seed=args.seed,
            progress_bar=False,
            save_warmup=True,
            **settings,
        )
        cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    warm = tree["warmup_sample_stats"].to_dataset()["n_steps"].values  # (chain, tune)
    steps = tree["sample_stats"].to_dataset()["n_steps"].values
    windows = [round(float(warm[:, i : i + 100].mean()), 1) for i in range(0, warm.shape[1], 100)]
    free = [v.name for v in model.free_RVs]
    post = tree["posterior"].to_dataset()[free]
    ess = az.ess(post)
    rhat = az.rhat(post)
    per_var = sorted((float(ess[v].min()), v) for v in ess.data_vars)
    cells = []  # the slowest single cells, e.g. slope[ch03]
    for v in ess.data_vars:
        flat = ess[v].stack(cell=ess[v].dims) if ess[v].dims else ess[v].expand_dims(cell=[0])
        for i in np.argsort(flat.values)[:3]:
            label = flat["cell"].values[i]
            label = ",".join(map(str, label)) if isinstance(label, tuple) else str(label)
            cells.append((float(flat.values[i]), f"{v}[{label}]" if ess[v].dims else v))
    total_steps = float(warm.sum() + steps.sum())
    return {
        "variant": variant,
        "workload": args.workload,
        "geos": args.geos,
        "chains": args.chains,
        "tune": args.tune,
        "draws": args.draws,
        "n_parameters": int(sum(np.size(v) for v in model.initial_point().values())),
        "mode_cpu_s": round(mode_cpu, 1),
        "sample_cpu_s": round(cpu, 1),
        "sample_wall_s": round(wall, 1),
        "cpu_ms_per_step": round(cpu / total_steps * 1e3, 3),
        "warmup_steps_per_iter_by_100": windows,
        "warmup_steps_per_iter": round(float(warm.mean()), 1),
        "steps_per_draw": round(float(steps.mean()), 1),
        "divergences": int(tree["sample_stats"].to_dataset()["diverging"].sum()),
        "max_rhat": round(max(float(rhat[v].max()) for v in rhat.data_vars), 4),
        "min_ess_bulk": round(per_var[0][0], 1),
        "min_ess_per_1000_draw_steps": round(per_var[0][0] / float(steps.sum()) * 1e3, 3),
        "slowest": {v: round(e, 1) for e, v in per_var[:6]},
        "slowest_cells": {c: round(e, 1) for e, c in sorted(cells)[:8]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workload", default="large", choices=["large", "dma"])
    parser.add_argument("--geos", type=int, default=10)
    parser.add_argument("--variants", default="base")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from large_workloads import workload

    _sim, data = workload(args.workload, args.seed, geos=args.geos)
    model = build_model(bm.MMM(), data)
    from pytensor import config

    with config.change_flags(**NUTPIE_COMPILE_FLAGS):
        compiled = compile_nutpie(model)
    for variant in args.variants.split(","):
        line = {**run(variant, args, compiled, model), "loadavg": list(os.getloadavg())}
        emit(line, args.out)


if __name__ == "__main__":
    main()
