"""Post-processing on a large panel: time and peak memory of each table and of the report.

    python benchmarks/bench_postprocess.py            # large: 50 regions x 208 weeks x 30 ch
    python benchmarks/bench_postprocess.py --dma      # 200 regions x 104 weeks x 10 channels

The "posterior" is 4 chains x 1000 prior draws (``bm.testing.prior_fit``): the tables cost the
same whatever the draws are, so no NUTS fit is needed. Prints one JSON line per step with the
seconds it took and the process's peak resident memory so far (``resource.getrusage``); the last
line has the totals. Not a test: results go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from large_workloads import peak_memory_gb, workload

import bayes_mmm as bm
from bayes_mmm.testing import prior_fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dma", action="store_true")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--skip-report", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    name = "dma" if args.dma else "large"
    _, data = workload(name)
    label = f"{name} {data.n_geos}x{data.n_dates}x{data.n_channels}"
    t0 = time.perf_counter()
    fit = prior_fit(bm.MMM(), data, draws=args.draws, chains=args.chains, seed=1)
    _line(label, "prior_fit (mock posterior)", t0, args)
    steps = [
        ("roi", fit.roi),
        ("roi by_geo", lambda: fit.roi(by_geo=True)),
        ("mroi", fit.mroi),
        ("response_curves", fit.response_curves),
        ("contributions", fit.contributions),
        ("predict", fit.predict),
    ]
    if not args.skip_report:
        out = Path(tempfile.mkdtemp()) / "report.html"
        steps.append(("report (whole HTML)", lambda: fit.report(out)))
    total = 0.0
    for step, run in steps:
        t0 = time.perf_counter()
        run()
        total += _line(label, step, t0, args)
    print(
        json.dumps(
            {
                "workload": label,
                "step": "all tables + report",
                "seconds": round(total, 1),
                "peak_memory_gb": round(peak_memory_gb(), 2),
            }
        ),
        flush=True,
    )


def _line(label: str, step: str, t0: float, args) -> float:
    seconds = time.perf_counter() - t0
    row = {
        "workload": label,
        "draws": args.chains * args.draws,
        "step": step,
        "seconds": round(seconds, 2),
        "peak_memory_gb": round(peak_memory_gb(), 2),
    }
    print(json.dumps(row), flush=True)
    return seconds


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
