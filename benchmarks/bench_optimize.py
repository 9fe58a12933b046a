"""Benchmark: budget optimiser on 10 channels x 4000 posterior draws x 13-week horizon.

Fixed total budget (the current one) with every channel within +-30% of its current spend; the
4000-draw posterior is prior draws (``testing.prior_fit``, 4 chains x 1000), no NUTS. Prints one
JSON line: optimiser wall time (SLSQP incl. every function/gradient evaluation), compile time
(pytensor graph + first call) reported separately, iterations, evaluations, expected uplift.

    python benchmarks/bench_optimize.py
"""

from __future__ import annotations

import json
import os
import platform
import time
import warnings

import numpy as np

import bayes_mmm as bm
from bayes_mmm.testing import prior_fit


def main() -> dict:
    warnings.simplefilter("ignore")
    sim = bm.simulate(104, 10, seed=7)
    tic = time.perf_counter()
    fit = prior_fit(bm.MMM(), sim.data, draws=1000, chains=4, seed=7)
    setup = time.perf_counter() - tic
    _ = fit.engine.params  # gather draws outside the timed region
    tic = time.perf_counter()
    result = fit.optimize_budget(horizon=13, relative_bounds=0.3)
    total = time.perf_counter() - tic
    info = result.info
    out = {
        "benchmark": "optimize_budget",
        "channels": 10,
        "draws": int(fit.params.n_samples),
        "horizon_weeks": 13,
        "constraints": "fixed budget, +-30% per channel",
        "optimizer_wall_s": round(info["wall_time_s"], 3),
        "compile_s": round(info["compile_time_s"], 3),
        "call_total_s": round(total, 3),
        "n_iter": info["n_iter"],
        "n_evaluations": info["n_evaluations"],
        "solver": info["solver_message"],
        "uplift_mean": round(result.uplift["mean"], 1),
        "prob_better": round(result.prob_better, 3),
        "budget_gap": float(abs(result.optimal.total - result.current.total)),
        "setup_prior_fit_s": round(setup, 2),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
