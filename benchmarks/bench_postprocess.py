"""Post-processing on a large panel: time and peak memory of each table and of the report.

    python benchmarks/bench_postprocess.py            # large: 50 regions x 208 weeks x 30 ch
    python benchmarks/bench_postprocess.py --dma      # 200 regions x 104 weeks x 10 channels
    python benchmarks/bench_postprocess.py --steps roi,mroi --out benchmarks/results/x.jsonl

The "posterior" is 4 chains x 1000 prior draws (``bm.testing.prior_fit``): the tables cost the
same whatever the draws are, so no NUTS fit is needed. Prints one JSON line per step with its CPU
seconds (``time.process_time``, all threads), wall seconds, the load average when it ended and the
process's peak resident memory so far (``resource.getrusage``); the last line has the totals.
Each step runs on a fresh fit object (nothing cached from an earlier step) unless ``--shared``.
Not a test: results go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from large_workloads import peak_memory_gb, workload

import bayes_mmm as bm
from bayes_mmm.results import counterfactual
from bayes_mmm.testing import prior_fit

STEPS = ("roi", "roi_by_geo", "mroi", "response_curves", "contributions", "predict", "optimize")


def _steps(fit, out: Path) -> dict:
    return {
        "roi": fit.roi,
        "roi_by_geo": lambda: fit.roi(by_geo=True),
        "mroi": fit.mroi,
        "response_curves": fit.response_curves,
        "contributions": fit.contributions,
        "predict": fit.predict,
        "optimize": lambda: _optimize(fit),
        "report": lambda: fit.report(out),
        "curves_1000_draws": lambda: fit.response_curves(draws=1000),
        "curve_thinning_error": lambda: _thinning_error(fit),
    }


def _optimize(fit) -> dict:
    """``fit.optimize_budget()`` with its defaults; the solver's counts and timings."""
    info = fit.optimize_budget().info
    keys = ("n_iter", "n_evaluations", "compile_time_s", "wall_time_s", "solver_message")
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in info.items() if k in keys}


def _thinning_error(fit, draws: int = 1000) -> dict:
    """Monte Carlo error of the report's thinned response curves against all draws: largest
    difference of mean, lower and upper over channels and multipliers, as a share of the
    all-draw band width at that point."""
    full, thin = fit.response_curves(), fit.response_curves(draws=draws)
    width = (full["upper"] - full["lower"]).where(lambda w: w > 0)
    out = {"thinned_draws": thin.attrs["draws"], "of_draws": full.attrs["of_draws"]}
    for col in ("mean", "lower", "upper"):
        rel = ((thin[col] - full[col]).abs() / width).dropna()
        out[f"{col}_max_share_of_band"] = round(float(rel.max()), 4)
        out[f"{col}_median_share_of_band"] = round(float(rel.median()), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dma", action="store_true")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--steps", default=",".join((*STEPS, "report")))
    parser.add_argument("--shared", action="store_true", help="one fit object for every step")
    parser.add_argument("--threads", type=int, default=counterfactual.THREADS)
    parser.add_argument("--note", default="")
    parser.add_argument("--out", default=None, help="append the JSON lines to this file")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    counterfactual.THREADS = args.threads
    name = "dma" if args.dma else "large"
    _, data = workload(name)
    label = f"{name} {data.n_geos}x{data.n_dates}x{data.n_channels}"
    t0, c0 = time.perf_counter(), time.process_time()
    base = prior_fit(bm.MMM(), data, draws=args.draws, chains=args.chains, seed=1)
    _line(label, "prior_fit (mock posterior)", t0, c0, args)
    html = Path(tempfile.mkdtemp()) / "report.html"
    total_cpu = total_wall = 0.0
    for step in args.steps.split(","):
        gc.collect()  # the previous step's fit and its caches (reference cycles) are freed
        fit = base if args.shared else _fresh(base)
        t0, c0 = time.perf_counter(), time.process_time()
        result = _steps(fit, html)[step]()
        extra = result if isinstance(result, dict) else {}
        wall, cpu = _line(label, step, t0, c0, args, extra)
        total_wall, total_cpu = total_wall + wall, total_cpu + cpu
    _emit(
        {
            "workload": label,
            "step": "total of the steps",
            "cpu_s": round(total_cpu, 1),
            "wall_s": round(total_wall, 1),
        },
        args,
    )


def _fresh(fit):
    """The same fit without cached tables (a new object over the same posterior)."""
    return dataclasses.replace(fit)


def _line(label: str, step: str, t0: float, c0: float, args, extra=None) -> tuple[float, float]:
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    row = {
        "workload": label,
        "draws": args.chains * args.draws,
        "step": step,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        **(extra or {}),
    }
    _emit(row, args)
    return wall, cpu


def _emit(row: dict, args) -> None:
    row.update(
        {
            "peak_memory_gb": round(peak_memory_gb(), 2),
            "loadavg_1m": round(os.getloadavg()[0], 2),
            "threads": counterfactual.THREADS,
            "note": args.note,
        }
    )
    print(json.dumps(row), flush=True)
    if args.out:
        with open(args.out, "a") as f:
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
