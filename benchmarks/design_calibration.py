"""Calibration of the design check: predicted vs realised posterior/prior ROI width ratio.

For each simulated dataset (known truth): ``bm.MMM().check_design(sim.data, noise=...)`` predicts
each channel's width ratio from K prior-predictive worlds on the same spend and calendar; then the
real simulated data are fitted with the same settings and the realised ``width_ratio`` of
``fit.roi()`` is recorded. Dataset "national 156x5" is the national benchmark workload of
bench_fit.py; "104x3 flat social" has one channel with nearly constant spend.

Two variants of the check: ``prior`` (the worlds' noise drawn from the noise prior, the default)
and ``data`` (the worlds' noise fixed at the posterior mean of one fast fit of the data). Each row
also records the worlds' median noise and the real fit's posterior mean noise (scaled units:
fraction of the target's mean; the simulation's true noise is 0.05).

Run: ``nice -n 15 python benchmarks/design_calibration.py [K] [variant ...]``; rows are appended to
``benchmarks/results/design_calibration.jsonl`` (one write per workload and variant).
"""

from __future__ import annotations

import json
import os
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
VARIANTS = {"prior": None, "data": "data"}


def one(name: str, args: dict, k: int, variant: str) -> None:
    sim = bm.simulate(**args)
    load = os.getloadavg()[0]
    tic = time.perf_counter()
    check = bm.MMM().check_design(
        sim.data, n_datasets=k, executor="serial", noise=VARIANTS[variant], **FIT
    )
    check_s = time.perf_counter() - tic
    fit = bm.MMM().fit(sim.data, seed=99, progress=False, **FIT)
    real = fit.roi().set_index("channel")
    runs = check.runs.groupby("channel")["width_ratio"]
    rows = []
    for r in check.table.itertuples():
        rows.append(
            {
                "workload": name,
                "variant": variant,
                "channel": r.channel,
                "k": k,
                "fitted": check.info["fitted"],
                "check_s": check_s,
                "load_avg_1min": load,
                "predicted_ratio": r.width_ratio,
                "predicted_min": float(runs.min()[r.channel]),
                "predicted_max": float(runs.max()[r.channel]),
                "realised_ratio": float(real.loc[r.channel, "width_ratio"]),
                "verdict": r.verdict,
                "coverage": r.coverage,
                "world_noise_median": float(check.runs["world_noise"].median()),
                "real_fit_noise": float(fit.posterior["noise"].mean()),
            }
        )
    with OUT.open("a") as fh:
        fh.write("".join(json.dumps(row) + "\n" for row in rows))
    print(name, variant, f"check {check_s:.0f} s", flush=True)
    for row in rows:
        print(row, flush=True)


def main(k: int = 5, variants=("prior", "data")) -> None:
    warnings.filterwarnings("ignore")
    for name, args in WORKLOADS.items():
        for variant in variants:
            one(name, args, k, variant)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, tuple(sys.argv[2:]) or ("prior", "data"))
