"""Time the issue-14 tools on the national benchmark workload (156 weeks x 5 channels).

* ``next``: ``fit.next_experiment`` on the default grid of 20 candidates (400 draws, 16 simulated
  outcomes per candidate). The draws are prior draws (``bm.testing.prior_fit``): the ranking's
  cost does not depend on how the draws were made. ``refit`` is off here (k-hat of prior draws is
  not representative); the refit cost is one fast fit per refitted outcome, timed under ``refit``.
* ``refit``: one candidate (the first default one, made precise: lift_se = 1 sales unit, so
  every outcome's k-hat is above 0.7) with one refit (2 chains x 150 draws, serial): the cost a
  refit adds to a ranking.
* ``design``: ``bm.MMM().check_design(data)`` with its defaults (K = 8 worlds, 2 chains x 250
  draws, local processes).

Run (not niced): ``python benchmarks/experiment_timing.py next`` (or ``refit``, ``design``);
rows are appended to ``benchmarks/results/experiment_timing.jsonl`` with the 1-minute load
average before and after.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from pathlib import Path

import bayes_mmm as bm
from bayes_mmm.experiment_inputs import default_candidates
from bayes_mmm.testing import prior_fit

OUT = Path(__file__).parent / "results" / "experiment_timing.jsonl"


def time_next(sim) -> dict:
    fit = prior_fit(bm.MMM(), sim.data, draws=200, chains=2, seed=0)
    tic = time.perf_counter()
    ranking = fit.next_experiment(seed=0, refit=False)
    wall = time.perf_counter() - tic
    print(ranking.table[["channel", "weeks", "spend_change", "evsi", "evsi_se", "khat_max"]])
    return {
        "task": "next_experiment",
        "candidates": len(ranking.table),
        "draws": ranking.info["draws"],
        "n_outcomes": ranking.info["n_outcomes"],
        "wall_s": wall,
    }


def time_refit(sim) -> dict:
    fit = prior_fit(bm.MMM(), sim.data, draws=200, chains=2, seed=0)
    cand = default_candidates(fit, 13).head(1).assign(lift_se=1.0)
    tic = time.perf_counter()
    ranking = fit.next_experiment(cand, n_outcomes=4, n_refit=1, executor="serial", seed=0)
    wall = time.perf_counter() - tic
    print(ranking.table.T)
    return {
        "task": "next_experiment, 1 candidate, 1 refit",
        "refits": ranking.info["refits"],
        "refit_settings": ranking.info["refit_settings"],
        "n_outcomes": 4,
        "wall_s": wall,
    }


def time_design(sim) -> dict:
    tic = time.perf_counter()
    check = bm.MMM().check_design(sim.data)
    wall = time.perf_counter() - tic
    print(check.table)
    info = check.info
    return {
        "task": "check_design",
        "n_datasets": info["n_datasets"],
        "draws": f"{info['chains']} x {info['draws']}",
        "executor": "local processes (2 cores)",
        "wall_s": wall,
    }


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    task = sys.argv[1] if len(sys.argv) > 1 else "next"
    sim = bm.simulate(156, 5, seed=0)
    load_before = os.getloadavg()[0]
    task_fn = {"next": time_next, "refit": time_refit, "design": time_design}[task]
    row = {"workload": "national 156x5", **task_fn(sim)}
    row.update({"load_avg_1min_before": load_before, "load_avg_1min_after": os.getloadavg()[0]})
    with OUT.open("a") as fh:
        fh.write(json.dumps(row) + "\n")
    print(row)
