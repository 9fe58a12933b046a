"""Time ``fit.next_experiment`` on the default grid of 20 candidates (156 weeks x 5 channels,
national, 400 draws, 16 simulated outcomes per candidate). The draws are prior draws
(``bm.testing.prior_fit``): the ranking's cost does not depend on how the draws were made.

Run: ``nice -n 10 python benchmarks/experiment_timing.py``; a row goes to
``benchmarks/results/experiment_timing.jsonl``.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from pathlib import Path

import bayes_mmm as bm
from bayes_mmm.testing import prior_fit

OUT = Path(__file__).parent / "results" / "experiment_timing.jsonl"

if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    sim = bm.simulate(156, 5, seed=0)
    fit = prior_fit(bm.MMM(), sim.data, draws=200, chains=2, seed=0)
    tic = time.perf_counter()
    ranking = fit.next_experiment(seed=0)
    wall = time.perf_counter() - tic
    row = {
        "workload": "national 156x5",
        "candidates": len(ranking.table),
        "draws": ranking.info["draws"],
        "n_outcomes": ranking.info["n_outcomes"],
        "wall_s": wall,
        "load_avg_1min": os.getloadavg()[0],
    }
    OUT.write_text(json.dumps(row) + "\n")
    print(row)
    print(ranking.table[["channel", "weeks", "spend_change", "evsi", "evsi_se", "khat_max"]])
