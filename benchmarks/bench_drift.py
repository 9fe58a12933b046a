"""Fit time of the GP baseline next to the fixed one, and backtest wall time serial vs 2 workers.

    nice -n 10 python benchmarks/bench_drift.py fit --chains 4 --draws 1000   # national 156 x 5
    nice -n 10 python benchmarks/bench_drift.py fit --geo                      # 20 x 156 x 5
    nice -n 10 python benchmarks/bench_drift.py backtest --draws 500          # 5 folds x 13 weeks

The workloads are those of benchmarks/bench_fit.py (``bm.simulate(156, 5, geos=0 or 20,
seed=1)``); both baselines are fitted in the same run, one after the other, by ``MMM.fit`` (wall
time includes building and compiling the model). Rows go to
``benchmarks/results/bench_drift.jsonl``; the machine's load is recorded with each row.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import bayes_mmm as bm

OUT = Path("benchmarks/results/bench_drift.jsonl")


def _write(row: dict) -> None:
    row = {**row, "load_1min": os.getloadavg()[0], "cores": os.cpu_count()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("a") as fh:
        fh.write(json.dumps(row, default=str) + "\n")
    print(row, flush=True)


def bench_fit(args) -> None:
    sim = bm.simulate(156, 5, geos=20 if args.geo else 0, seed=1)
    for baseline in ("fixed", "gp"):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = bm.MMM(baseline=baseline).fit(
                sim.data, chains=args.chains, draws=args.draws, tune=args.tune, seed=1,
                progress=False,
            )  # fmt: skip
        seconds = time.perf_counter() - start
        diag = fit.diagnostics()
        roi = fit.roi().merge(sim.true_roi(), on="channel")
        covered = ((roi["lower"] <= roi["true_roi"]) & (roi["true_roi"] <= roi["upper"])).mean()
        _write(
            {
                "bench": "fit",
                "workload": "regional 20x156x5" if args.geo else "national 156x5",
                "baseline": baseline,
                "chains": args.chains,
                "draws": args.draws,
                "tune": args.tune,
                "seconds": round(seconds, 1),
                "divergences": diag.attrs["divergences"],
                "roi_coverage_90": float(covered),
            }
        )


def bench_backtest(args) -> None:
    sim = bm.simulate(156, 5, seed=1)
    for executor, label in (("serial", "serial"), (None, "2 local processes")):
        start = time.perf_counter()
        bt = bm.backtest(
            bm.MMM(), sim.data, folds=5, horizon=13, executor=executor, seed=1,
            chains=args.chains, draws=args.draws, tune=args.tune,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        _write(
            {
                "bench": "backtest",
                "executor": label,
                "folds": 5,
                "horizon": 13,
                "chains": args.chains,
                "draws": args.draws,
                "seconds": round(seconds, 1),
                **bt.summary().iloc[0].round(3).to_dict(),
            }
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["fit", "backtest"])
    parser.add_argument("--geo", action="store_true")
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    args = parser.parse_args()
    bench_fit(args) if args.what == "fit" else bench_backtest(args)
