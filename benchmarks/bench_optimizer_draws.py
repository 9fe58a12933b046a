"""The optimiser's search on a subset of draws vs on every draw (large panel mock fit).

    python benchmarks/bench_optimizer_draws.py model.nc [--out results.jsonl]

``fit.optimize_budget()`` searches on every draw by default; ``search_draws=1000`` searches on
1000 evenly spaced draws and still reports every result on all draws. This runs both and prints
one JSON line: CPU seconds of each, the objective and uplift (all draws) of each plan and the
largest difference of a cell's budget as a share of the total. Not a test.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from resume import emit

import bayes_mmm as bm


def _solve(fit, search_draws: int | None):
    c0 = time.process_time()
    result = fit.optimize_budget(search_draws=search_draws)
    return result, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model")
    parser.add_argument("--out", default=None)
    parser.add_argument("--note", default="")
    parser.add_argument("--search-draws", type=int, default=1000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    fit = bm.load(args.model)
    n = fit.params.n_samples
    thin, thin_cpu = _solve(fit, args.search_draws)
    full, full_cpu = _solve(fit, None)
    total = full.optimal.total
    row = {"step": "optimize: search draws", "draws": n, "note": args.note}
    for name, result, cpu in (("thinned", thin, thin_cpu), ("all", full, full_cpu)):
        row[name] = {
            "search_draws": result.info["search_draws"],
            "cpu_s": round(cpu, 2),
            "n_iter": result.info["n_iter"],
            "n_evaluations": result.info["n_evaluations"],
            "objective_value": result.info["objective_value"],
            "uplift": {k: round(float(v), 4) for k, v in result.uplift.items()},
            "prob_better": result.prob_better,
        }
    diff = np.abs(thin.optimal.budget - full.optimal.budget)
    row["max_cell_budget_diff_share_of_total"] = float(diff.max() / total)
    row["sum_abs_budget_diff_share_of_total"] = float(diff.sum() / total)
    row["objective_gap_relative"] = (
        full.info["objective_value"] - thin.info["objective_value"]
    ) / abs(full.info["objective_value"])
    row["loadavg_1m"] = round(os.getloadavg()[0], 2)
    emit(row, args.out)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
