"""Quick look (Laplace, ADVI) vs NUTS: time and ROI on the benchmark workloads and the truth.

    python benchmarks/bench_quick_look.py            # national 156 weeks x 5 channels
    python benchmarks/bench_quick_look.py --geo      # 20 regions x 156 weeks x 5 channels
    python benchmarks/bench_quick_look.py --methods laplace   # one method only

Prints one JSON line per (method, channel): ROI mean and 90% interval, the true ROI, whether the
interval covers it, and the method's wall time (compile included). Not a test: results go in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import bayes_mmm as bm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--geo", action="store_true")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--methods", nargs="+", default=["laplace", "advi", "fullrank_advi", "nuts"]
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    sim = bm.simulate(156, 5, geos=20 if args.geo else 0, seed=args.seed)
    truth = sim.true_roi().set_index("channel")["true_roi"]
    workload = "geo 20x156x5" if args.geo else "national 156x5"
    for method in args.methods:
        t0 = time.perf_counter()
        fit = bm.MMM().fit(sim.data, method=method, seed=args.seed, progress=False)
        seconds = time.perf_counter() - t0
        for row in fit.roi().to_dict("records"):
            true = float(truth[row["channel"]])
            print(
                json.dumps(
                    {
                        "workload": workload,
                        "method": method,
                        "seconds": round(seconds, 1),
                        "channel": row["channel"],
                        "roi_mean": round(row["mean"], 3),
                        "lower": round(row["lower"], 3),
                        "upper": round(row["upper"], 3),
                        "true_roi": round(true, 3),
                        "covered": bool(row["lower"] <= true <= row["upper"]),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
