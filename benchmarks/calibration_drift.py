"""Calibration under baseline drift: fixed vs GP baseline, on fixed and on drifting data.

    nice -n 10 python benchmarks/calibration_drift.py --datasets 20 \
        --out benchmarks/results/calibration_drift.jsonl
    python benchmarks/calibration_drift.py --summarise benchmarks/results/calibration_drift.jsonl

Dataset i (national, 3 channels, true ROI log-uniform in 0.1-5, noise 3-10% of mean sales, the
same design as benchmarks/calibration.py) is simulated twice from one seed: with the fixed
baseline, and "drifting" (``bm.simulate(drift=0.02, step=+-0.1..0.25)``: a random-walk level and
a step break two thirds in). Each is fitted with ``baseline="fixed"`` and ``baseline="gp"``
(default priors otherwise). One JSON line per (dataset, data, baseline, channel): whether the
true ROI is inside the 90% interval and the relative error of the posterior median. Fits run
through ``bayes_mmm.core.executor.run_jobs`` (a local process pool), in chunks, so a partial run
keeps its rows; a rerun skips the rows already written.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from resume import done_keys

import bayes_mmm as bm
from bayes_mmm.core.executor import run_jobs


def make_dataset(i: int, seed: int, drifting: bool) -> tuple[bm.Simulation, dict]:
    rng = np.random.default_rng([seed, i])
    setting = {
        "dataset": i,
        "weeks": 104,
        "noise": float(rng.uniform(0.03, 0.10)),
        "roi": np.exp(rng.uniform(np.log(0.1), np.log(5.0), 3)).round(3).tolist(),
        "step": float(rng.choice([-1, 1]) * rng.uniform(0.1, 0.25)),
    }
    sim = bm.simulate(
        setting["weeks"],
        3,
        roi=setting["roi"],
        noise=setting["noise"],
        seed=int(rng.integers(1 << 30)),
        drift=0.02 if drifting else 0.0,
        step=setting["step"] if drifting else 0.0,
    )
    return sim, setting


def fit_one(i: int, seed: int, data_kind: str, baseline: str, chains: int, draws: int) -> list:
    sim, setting = make_dataset(i, seed, data_kind == "drifting")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bm.MMM(baseline=baseline).fit(
            sim.data, chains=chains, draws=draws, tune=draws, seed=i, progress=False
        )
    seconds = time.perf_counter() - start
    divergences = int(fit.tree["sample_stats"]["diverging"].sum())
    table = fit.roi(level=0.9).merge(sim.true_roi(), on="channel")
    return [
        {
            "dataset": i,
            "data": data_kind,
            "baseline": baseline,
            "channel": r.channel,
            "true_roi": r.true_roi,
            "median": r.median,
            "lower": r.lower,
            "upper": r.upper,
            "covered": bool(r.lower <= r.true_roi <= r.upper),
            "rel_error": abs(r.median - r.true_roi) / r.true_roi,
            "seconds": seconds,
            "divergences": divergences,
            "noise": setting["noise"],
            "step": setting["step"] if data_kind == "drifting" else 0.0,
        }
        for r in table.itertuples()
    ]


def run(args) -> None:
    out = Path(args.out)
    done = done_keys(out, "dataset", "data", "baseline")
    jobs = [
        {"i": i, "seed": args.seed, "data_kind": kind, "baseline": base}
        | {"chains": args.chains, "draws": args.draws}
        for i in range(args.datasets)
        for kind in ("fixed", "drifting")
        for base in ("fixed", "gp")
        if (i, kind, base) not in done
    ]
    with ProcessPoolExecutor(args.workers) as pool:  # kept open: workers reuse compiled code
        for k in range(0, len(jobs), args.workers):
            chunk = jobs[k : k + args.workers]
            results = run_jobs(fit_one, chunk, executor=pool)
            with out.open("a") as fh:
                for rows in results:
                    for row in rows:
                        fh.write(json.dumps(row) + "\n")
            print(f"{k + len(chunk)}/{len(jobs)} fits", flush=True)


def summarise(path: str) -> pd.DataFrame:
    rows = pd.read_json(path, lines=True)
    fits = rows.drop_duplicates(["dataset", "data", "baseline"])
    table = rows.groupby(["data", "baseline"]).agg(
        datasets=("dataset", "nunique"),
        channels=("channel", "size"),
        coverage_90=("covered", "mean"),
        median_rel_error=("rel_error", "median"),
    )
    table["coverage_90"] = (100 * table["coverage_90"]).round(1)
    table["median_rel_error"] = (100 * table["median_rel_error"]).round(1)
    per_fit = fits.groupby(["data", "baseline"]).agg(
        median_seconds=("seconds", "median"),
        fits_with_divergences=("divergences", lambda d: (d > 0).sum()),
    )
    return table.join(per_fit).reset_index()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="benchmarks/results/calibration_drift.jsonl")
    parser.add_argument("--summarise", default=None)
    args = parser.parse_args()
    if args.summarise:
        table = summarise(args.summarise)
        print("| " + " | ".join(table.columns) + " |")
        print("|" + " --- |" * len(table.columns))
        for row in table.itertuples(index=False):
            print("| " + " | ".join(str(v) for v in row) + " |")
    else:
        run(args)
