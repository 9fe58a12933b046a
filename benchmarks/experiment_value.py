"""Does the top-ranked experiment beat a random one? (docs/experiments.md)

For each simulated dataset (known truth): fit the first ``weeks`` periods, rank the default
candidate tests with ``fit.next_experiment``, then "run" three arms over the next 13 periods -
no test, the top-ranked test, a randomly chosen candidate: simulate the test's lift from the truth
(+ Normal(0, lift_se) measurement noise), refit on all periods with that lift test, re-optimise
the budget and score the plan under the truth (regret = true optimum - true value of the plan)
and the ROI error (mean |posterior mean ROI - true ROI| over channels).

The ranking uses ``refit=False`` (reweighting only, as when the first 9 datasets were run), so
rows from before the refit check existed stay comparable (refitting every high-k-hat outcome of
12 candidates would add up to 24 NUTS fits per dataset).

Run: ``nice -n 15 python benchmarks/experiment_value.py [n_datasets]``: runs the seeds
``0..n_datasets-1`` missing from ``benchmarks/results/experiment_value.jsonl`` and appends them
(resume). ``--recheck SEED`` re-runs one finished seed into ``experiment_value_recheck.jsonl`` (same
seed, same numbers?).
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import bayes_mmm as bm
from bayes_mmm.core.executor import run_jobs
from bayes_mmm.data.lift_tests import exposure_change

WEEKS, HORIZON = 78, 13
FIT = {"chains": 2, "draws": 150, "tune": 150, "progress": False}
OUT = Path(__file__).parent / "results" / "experiment_value.jsonl"
RECHECK = Path(__file__).parent / "results" / "experiment_value_recheck.jsonl"


def true_lift(sim, test) -> float:
    """True lift of ``test`` (target units, carryover in), as the lift likelihood defines it."""
    data = sim.data
    c = list(data.channels).index(test["channel"])
    actual = data.media[..., c]
    changed = np.maximum(actual + exposure_change(test, data), 0.0)
    eng = sim.engine()
    return float((eng.outcome(c, changed, money=False) - eng.outcome(c, actual, money=False)).sum())


def score(sim, fit, true_best: float) -> dict:
    plan = fit.optimize_budget(horizon=HORIZON).optimal
    value = float(bm.evaluate_plan(sim, plan).draws.mean())
    roi = fit.roi().set_index("channel")["mean"]
    truth = sim.true_roi().set_index("channel")["true_roi"]
    return {
        "regret": true_best - value,
        "regret_pct": 100 * (true_best - value) / true_best,
        "roi_abs_error": float((roi - truth).abs().mean()),
    }


def one_dataset(seed: int, out: str | None = None) -> list[dict]:
    warnings.filterwarnings("ignore")
    rng = np.random.default_rng(1000 + seed)
    sim = bm.simulate(WEEKS + HORIZON, 3, seed=seed)
    train = sim.data.subset_dates(0, WEEKS)
    tic = time.perf_counter()
    fit = bm.MMM().fit(train, seed=seed, **FIT)
    fit_s = time.perf_counter() - tic
    tic = time.perf_counter()
    ranking = fit.next_experiment(n_outcomes=6, seed=seed, refit=False)
    rank_s = time.perf_counter() - tic
    table = ranking.table
    true_best = float(bm.optimize_budget(sim, horizon=HORIZON).draws["optimal"].mean())
    arms = {"none": None, "top": table.iloc[0], "random": table.iloc[rng.integers(len(table))]}
    rows = []
    for arm, test in arms.items():
        lift_tests = None
        row = {"seed": seed, "arm": arm, "fit_s": fit_s, "rank_s": rank_s}
        if test is not None:
            t = {k: test[k] for k in ("channel", "geo", "start", "end", "spend_change")}
            lift = true_lift(sim, pd.Series(t)) + test["lift_se"] * rng.standard_normal()
            lift_tests = pd.DataFrame([{**t, "lift": lift, "lift_se": test["lift_se"]}])
            row.update(
                {
                    "channel": t["channel"],
                    "weeks": int(test["weeks"]),
                    "spend_change": float(t["spend_change"]),
                    "evsi": float(test["evsi"]),
                    "khat_max": float(test["khat_max"]),
                }
            )
        refit = bm.MMM().fit(sim.data, seed=seed, lift_tests=lift_tests, **FIT)
        row.update(score(sim, refit, true_best))
        rows.append(row)
    for row in rows:
        row["load_avg_1min"] = os.getloadavg()[0]
    with Path(out or OUT).open(
        "a"
    ) as fh:  # one write per dataset, so finished datasets survive a crash
        fh.write("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def main(n: int = 10, recheck: int | None = None) -> None:
    OUT.parent.mkdir(exist_ok=True)
    done = (
        set(pd.read_json(OUT, lines=True)["seed"]) if OUT.exists() and OUT.stat().st_size else set()
    )
    if recheck is not None:
        jobs = [{"seed": recheck, "out": str(RECHECK)}]
    else:
        jobs = [{"seed": s} for s in range(n) if s not in done]
    tic = time.perf_counter()
    load = os.getloadavg()[0]
    results = run_jobs(one_dataset, jobs, max_workers=2)
    frame = pd.DataFrame([r for rows in results for r in rows])
    print(f"{len(jobs)} datasets in {time.perf_counter() - tic:.0f} s (load {load:.1f} at start)")
    if len(frame):
        print(
            frame.groupby("arm")[["regret", "regret_pct", "roi_abs_error"]].agg(["mean", "median"])
        )


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--recheck":
        main(recheck=int(args[1]))
    else:
        main(int(args[0]) if args else 10)
