"""Post-processing on a large panel: time and peak memory of each table and of the report.

    python benchmarks/bench_postprocess.py            # large: 50 regions x 208 weeks x 30 ch
    python benchmarks/bench_postprocess.py --dma      # 200 regions x 104 weeks x 10 channels
    python benchmarks/bench_postprocess.py --steps roi,mroi --out benchmarks/results/x.jsonl
    python benchmarks/bench_postprocess.py --fresh roi,report   # each in a new process

``--fresh``: the mock fit is saved to a temporary model file and each step runs in a new Python
process that imports bayes_mmm, opens the file (``bm.load``) and runs the step; its line has the
CPU seconds of the import, of opening the file and of the step, and that process's peak memory.

The "posterior" is 4 chains x 1000 prior draws (``bm.testing.prior_fit``): the tables cost the
same whatever the draws are, so no NUTS fit is needed. Prints one JSON line per step with its CPU
seconds (``time.process_time``, all threads), wall seconds, the load average when it ended and the
process's peak resident memory so far (``resource.getrusage``); the last line has the totals.
Each step runs on a fresh fit object (nothing cached from an earlier step) unless ``--shared``.
Not a test: results go in docs/benchmarks.md.
"""

from __future__ import annotations

import time

_START_CPU = time.process_time()

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import gc  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from large_workloads import peak_memory_gb, workload  # noqa: E402
from resume import emit  # noqa: E402

import bayes_mmm as bm  # noqa: E402
from bayes_mmm.planning.evaluator import PlanEvaluator  # noqa: E402
from bayes_mmm.planning.fast_evaluator import FastPlanEvaluator  # noqa: E402
from bayes_mmm.results import counterfactual  # noqa: E402

_IMPORT_CPU = time.process_time() - _START_CPU  # numpy, pandas, bayes_mmm and its imports

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
    """``fit.optimize_budget()`` with its defaults; the solver's counts and timings, and the CPU
    seconds of each evaluation of the plan evaluator (printed to stderr as they happen)."""
    classes, cpu = (PlanEvaluator, FastPlanEvaluator), []

    def timer(run):
        def timed(self, x):
            c0 = time.process_time()
            out = run(self, x)
            cpu.append(time.process_time() - c0)
            print(
                f"evaluation {len(cpu)} ({self.n_draws} draws): {cpu[-1]:.2f} CPU s",
                file=sys.stderr,
                flush=True,
            )
            return out

        return timed

    runs = [cls.__dict__["_run"] for cls in classes]
    for cls, run in zip(classes, runs):
        cls._run = timer(run)
    c0 = time.process_time()
    try:
        result = fit.optimize_budget()
    finally:
        for cls, run in zip(classes, runs):
            cls._run = run
    info = result.info
    keys = ("n_iter", "n_evaluations", "compile_time_s", "wall_time_s", "solver_message")
    keys += ("search_draws", "objective_value")
    out = {k: round(v, 2) if isinstance(v, float) else v for k, v in info.items() if k in keys}
    u = result.uplift
    return {
        **out,
        "evaluation_cpu_s_median": round(float(np.median(cpu)), 2),
        "runs": len(cpu),
        "solve_cpu_s": round(time.process_time() - c0, 2),
        "uplift_mean": round(u["mean"], 2),
        "uplift_lower": round(u["lower"], 2),
        "uplift_upper": round(u["upper"], 2),
        "prob_better": round(result.prob_better, 4),
    }


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
    parser.add_argument("--fresh", default="", help="steps to run each in a new process")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)  # model file, step, label
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    counterfactual.THREADS = args.threads
    if args.child:
        return _child(args)
    from bayes_mmm.testing import prior_fit  # imports PyMC: not part of a fresh process's cost

    name = "dma" if args.dma else "large"
    _, data = workload(name)
    label = f"{name} {data.n_geos}x{data.n_dates}x{data.n_channels}"
    t0, c0 = time.perf_counter(), time.process_time()
    base = prior_fit(bm.MMM(), data, draws=args.draws, chains=args.chains, seed=1)
    _line(label, "prior_fit (mock posterior)", t0, c0, args)
    if args.fresh:
        return _fresh_processes(base, label, args)
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


def _fresh_processes(base, label: str, args) -> None:
    """Each ``--fresh`` step in a new process that opens the saved mock fit."""
    path = Path(tempfile.mkdtemp()) / "mock_fit.nc"
    base.save(path)
    for step in args.fresh.split(","):
        cmd = [sys.executable, __file__, "--child", str(path), step, label]
        cmd += ["--threads", str(args.threads), "--note", args.note]
        cmd += ["--draws", str(args.draws), "--chains", str(args.chains)]
        cmd += ["--out", args.out] if args.out else []
        subprocess.run(cmd, check=True)
    shutil.rmtree(path.parent)


def _child(args) -> None:
    """One step in this (new) process: CPU of importing bayes_mmm, opening the file, the step."""
    path, step, label = args.child
    c0 = time.process_time()
    fit = bm.load(path)
    loaded = time.process_time()
    t0, c1 = time.perf_counter(), time.process_time()
    result = _steps(fit, Path(path).with_suffix(".html"))[step]()
    extra = {
        "process": "fresh",
        "import_cpu_s": round(_IMPORT_CPU, 2),
        "load_cpu_s": round(loaded - c0, 2),
        **(result if isinstance(result, dict) else {}),
    }
    _line(label, step, t0, c1, args, extra)


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
    emit(row, args.out)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
