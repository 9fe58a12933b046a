"""Calibration of the design check: predicted vs realised posterior/prior ROI width ratio.

For each simulated dataset (known truth): ``bm.MMM().check_design(sim.data)`` predicts each
channel's width ratio from K prior-predictive worlds on the same spend and calendar; then the real
simulated data are fitted with the same settings and the realised ``width_ratio`` of ``fit.roi()``
is recorded. Dataset "national 156x5" is the national benchmark workload of bench_fit.py (its
check is also timed); "104x3 flat social" has one channel with nearly constant spend.

Run: ``nice -n 10 python benchmarks/design_calibration.py [K]``; raw rows go to
``benchmarks/results/design_calibration.jsonl``.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import bayes_mmm as bm

FIT = {"chains": 2, "draws": 150, "tune": 150}
OUT = Path(__file__).parent / "results" / "design_calibration.jsonl"
WORKLOADS = {
    "national 156x5": {"n_weeks": 156, "channels": 5, "seed": 0},
    "104x3 flat social": {"n_weeks": 104, "channels": 3, "seed": 1, "flat_channels": ["social"]},
}


def main(k: int = 3) -> None:
    warnings.filterwarnings("ignore")
    OUT.write_text("")
    for name, args in WORKLOADS.items():
        sim = bm.simulate(**args)
        tic = time.perf_counter()
        check = bm.MMM().check_design(sim.data, n_datasets=k, executor="serial", **FIT)
        check_s = time.perf_counter() - tic
        fit = bm.MMM().fit(sim.data, seed=99, progress=False, **FIT)
        real = fit.roi().set_index("channel")
        runs = check.runs.groupby("channel")["width_ratio"]
        rows = []
        for r in check.table.itertuples():
            rows.append(
                {
                    "workload": name,
                    "channel": r.channel,
                    "k": k,
                    "check_s": check_s,
                    "predicted_ratio": r.width_ratio,
                    "predicted_min": float(runs.min()[r.channel]),
                    "predicted_max": float(runs.max()[r.channel]),
                    "realised_ratio": float(real.loc[r.channel, "width_ratio"]),
                    "verdict": r.verdict,
                    "coverage": r.coverage,
                }
            )
        with OUT.open("a") as fh:
            fh.write("".join(json.dumps(row) + "\n" for row in rows))
        print(name, f"check {check_s:.0f} s", flush=True)
        for row in rows:
            print(row, flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
