"""Fit benchmark: bayes_mmm vs pymc-marketing on the same simulated data, same sampler and draws.

    python benchmarks/bench_fit.py                 # 156 weeks x 5 channels, national
    python benchmarks/bench_fit.py --geo           # 20 regions x 156 weeks x 5 channels
    python benchmarks/bench_fit.py --no-competitor # bayes_mmm only
    python benchmarks/bench_fit.py --large         # 50 regions x 208 weeks x 30 channels
    python benchmarks/bench_fit.py --dma           # 200 regions x 104 weeks x 10 channels
    python benchmarks/bench_fit.py --first-fit     # time to the first ROI table, fresh processes

``--first-fit`` (benchmarks/first_fit.py) runs the national fit + ``fit.roi()`` in fresh processes:
with an empty compile cache, then a refit (same data, and new data values of the same shape) on
the cache the first one filled; one JSON line each in ``results/first_fit.jsonl``, stage by stage.
``--code DIR`` measures another checkout (e.g. ``git archive`` of an older commit) the same way.

``--large`` / ``--dma`` (benchmarks/large_workloads.py) print one JSON line with the gradient cost
(us_per_gradient), the fit's statistics, peak memory, and the 4 x 1000 (+500 tuning) time predicted
from the measured steps per draw; shorten them with --chains/--draws/--tune on a busy machine.

Prints one JSON line per model with compile_s, sample_s, min_ess_bulk (over free parameters),
ess_per_s (= min_ess_bulk / sample_s), ess_per_total_s (compile included), divergences, max_rhat,
mean_leapfrog_steps (NUTS steps per draw: the geometry; times the gradient cost = the time);
when pymc-marketing is importable (the optional ``bench`` extra) the bayes_mmm line also carries
``ratio_vs_pymc_marketing`` (our ess_per_s over theirs) and ``ratio_total_vs_pymc_marketing``.
Both models are compiled with ``nutpie.compile_pymc_model`` and sampled with ``nutpie.sample``
(4 chains x 1000 draws after 500 tuning steps - fit()'s default - same seed), so the difference
is the model: parametrisation, scaling and vectorised adstock. Not a test: results go in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings

import arviz as az
import numpy as np

import bayes_mmm as bm
from bayes_mmm.inference.sampling import DEFAULT_TARGET_ACCEPT, NUTPIE_COMPILE_FLAGS, nuts_settings
from bayes_mmm.model.graph import build_model


def _stats(tree, free_names: list[str], compile_s: float, sample_s: float) -> dict:
    post = tree["posterior"].to_dataset()[free_names]
    ess = az.ess(post)
    rhat = az.rhat(post)
    min_ess = min(float(ess[v].min()) for v in ess.data_vars)
    max_rhat = max(float(rhat[v].max()) for v in rhat.data_vars)
    stats = tree["sample_stats"].to_dataset()
    divergences = int(stats["diverging"].sum())
    steps = float(stats["n_steps"].mean()) if "n_steps" in stats else float("nan")
    return {
        "compile_s": round(compile_s, 2),
        "sample_s": round(sample_s, 2),
        "total_s": round(compile_s + sample_s, 2),
        "min_ess_bulk": round(min_ess, 1),
        "ess_per_s": round(min_ess / sample_s, 2),
        "ess_per_total_s": round(min_ess / (compile_s + sample_s), 2),
        "divergences": divergences,
        "max_rhat": round(max_rhat, 4),
        "mean_leapfrog_steps": round(steps, 1),
    }


def run_nutpie(
    model, chains: int, draws: int, tune: int, seed: int, flags: dict | None = None, **sample_kwargs
) -> dict:
    """Compile and sample under PyTensor ``flags`` (bayes_mmm: the ones its fit() uses)."""
    import nutpie
    from pytensor import config

    with config.change_flags(**(flags or {})):
        t0 = time.perf_counter()
        compiled = nutpie.compile_pymc_model(model)
        compile_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        tree = nutpie.sample(
            compiled,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            progress_bar=False,
            save_warmup=False,
            **sample_kwargs,
        )
        sample_s = time.perf_counter() - t0
    free = [v.name for v in model.free_RVs]
    return _stats(tree, free, compile_s, sample_s)


def bench_bayes_mmm(sim, saturation: str, args) -> dict:
    spec = bm.MMM(adstock="geometric", saturation=saturation, l_max=8)
    model = build_model(spec, sim.data)
    out = run_nutpie(
        model,
        args.chains,
        args.draws,
        args.tune,
        args.seed,
        flags=NUTPIE_COMPILE_FLAGS,
        target_accept=DEFAULT_TARGET_ACCEPT,
        **nuts_settings(sum(np.size(v) for v in model.initial_point().values())),
    )  # fit()'s defaults
    return {"model": f"bayes_mmm[geometric+{saturation}]", **out}


def bench_pymc_marketing(sim, geo: bool, args) -> dict:
    from pymc_marketing.mmm import GeometricAdstock, LogisticSaturation
    from pymc_marketing.mmm.mmm import MMM as PMMM

    frame = sim.frame
    channels = [c for c in frame.columns if c.endswith("_spend")]
    controls = ["price_index", "promo"]
    X = frame.drop(columns=["sales"])
    y = frame["sales"]
    kwargs = {"dims": ("geo",)} if geo else {}
    mmm = PMMM(
        date_column="date",
        channel_columns=channels,
        control_columns=controls,
        yearly_seasonality=2,
        adstock=GeometricAdstock(l_max=8),
        saturation=LogisticSaturation(),
        target_column="sales",
        **kwargs,
    )
    mmm.build_model(X, y)
    out = run_nutpie(mmm.model, args.chains, args.draws, args.tune, args.seed)
    return {"model": "pymc_marketing[geometric+logistic]" + ("[dims=geo]" if geo else ""), **out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--geo", action="store_true", help="20 regions x 156 weeks x 5 channels")
    parser.add_argument("--large", action="store_true", help="50 regions x 208 weeks x 30 ch")
    parser.add_argument("--dma", action="store_true", help="200 regions x 104 weeks x 10 ch")
    parser.add_argument("--no-competitor", action="store_true")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument(
        "--tune",
        type=int,
        default=500,
        help="warm-up steps for both packages (bayes_mmm's default)",
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--first-fit", action="store_true", help="time to the first ROI table")
    parser.add_argument("--repeats", type=int, default=1, help="--first-fit: cold+warm rounds")
    parser.add_argument("--code", default=None, help="--first-fit: checkout to measure")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.first_fit:
        from first_fit import first_fit

        first_fit(args.repeats, code=args.code)
        return
    if args.large or args.dma:
        from large_workloads import bench_large

        settings = {"target_accept": DEFAULT_TARGET_ACCEPT}  # + the mass matrix fit() picks
        line = bench_large("large" if args.large else "dma", args, settings, NUTPIE_COMPILE_FLAGS)
        print(json.dumps({"machine": f"{platform.machine()} {_cores()} cores", **line}))
        return
    sim = bm.simulate(156, 5, geos=20 if args.geo else 0, seed=args.seed)
    workload = {
        "workload": "geo 20x156x5" if args.geo else "national 156x5",
        "chains": args.chains,
        "draws": args.draws,
        "tune": args.tune,
        "machine": f"{platform.machine()} {_cores()} cores",
    }
    ours = bench_bayes_mmm(sim, "logistic", args)
    default = bench_bayes_mmm(sim, "hill", args)
    for line in (default, ours):  # progress on stderr: the competitor's fit may take many minutes
        print(json.dumps({**workload, **line}), file=sys.stderr, flush=True)
    theirs = None
    if not args.no_competitor:
        try:
            theirs = bench_pymc_marketing(sim, args.geo, args)
        except ImportError:
            theirs = None
    if theirs is not None:
        ours["ratio_vs_pymc_marketing"] = round(
            ours["ess_per_s"] / max(theirs["ess_per_s"], 1e-9), 2
        )
        ours["ratio_total_vs_pymc_marketing"] = round(
            ours["ess_per_total_s"] / max(theirs["ess_per_total_s"], 1e-9), 2
        )
        print(json.dumps({**workload, **theirs}))
    print(json.dumps({**workload, **default}))
    print(json.dumps({**workload, **ours}))


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
