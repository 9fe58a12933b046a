"""What ``carryover="auto"`` (the default) changes, without sampling: which channels the
pre-sampling screen would switch on the calibration study's well-specified datasets and on the
misspecification scenarios; plus one check that an unflagged dataset is fitted bit-identically
to ``carryover="as_specified"``.

    nice -n 15 python benchmarks/carryover_auto.py --datasets 30 \
        --out benchmarks/results/carryover_auto.jsonl
    python benchmarks/carryover_auto.py --examples --out benchmarks/results/carryover_auto.jsonl
    nice -n 15 python benchmarks/carryover_auto.py --identical 0 \
        --out benchmarks/results/carryover_auto.jsonl
    python benchmarks/carryover_auto.py --summarise benchmarks/results/carryover_auto.jsonl

Screen rows: one JSON line per (source, dataset, priors) with the adapted channels
(``channel:adstock:l_max=N``) and the screen's seconds; ``priors`` is the prior setting of
``benchmarks/calibration.py`` / ``calibration_misspec.py`` whose spec was screened (ROI priors do
not change the screen, but the benchmark setting's ``ChannelSpec`` must not block adaptation).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration import benchmark_spec, make_dataset
from dgps import SCENARIOS, SEED_KEYS

import bayes_mmm as bm
from bayes_mmm.inference.carryover_adapt import adapt_carryover


def _datasets(source: str, n: int, seed: int):
    for i in range(n):
        if source == "well_specified":
            sim, _ = make_dataset(i, seed)
            truth = sim.true_roi().set_index("channel")["true_roi"]
            yield i, sim.data, truth
        else:
            ds = SCENARIOS[source](np.random.default_rng([seed, i, SEED_KEYS[source]]))
            data = bm.MMMData.from_frame(
                ds.frame, date="date", target="sales", channels=ds.channels, controls=ds.controls
            )
            yield i, data, pd.Series(ds.true_roi)


def screen(args) -> None:
    warnings.simplefilter("ignore")
    with Path(args.out).open("a") as fh:
        for source in args.sources:
            n = args.datasets if source == "well_specified" else min(args.datasets, 10)
            for i, data, truth in _datasets(source, n, args.seed):
                specs = {
                    "default": bm.MMM(),
                    "benchmark": benchmark_spec(truth, np.random.default_rng([args.seed, i, 1])),
                }
                for name, spec in specs.items():
                    t0 = time.perf_counter()
                    fitted, records = adapt_carryover(spec, data)
                    row = {
                        "check": "screen",
                        "source": source,
                        "dataset": i,
                        "priors": name,
                        "adapted": [
                            f"{r['channel']}:{r['adstock_to']}:l_max={r['l_max_to']}"
                            for r in records
                        ],
                        "evidence": [r["evidence"] for r in records],
                        "same_spec_object": fitted is spec,
                        "seconds": round(time.perf_counter() - t0, 3),
                    }
                    fh.write(json.dumps(row) + "\n")


# bm.simulate settings used by the README, docs, notebooks and tests (grep "simulate(")
EXAMPLES = [
    ((104, 3), {"seed": 1}),
    ((30, 2), {"geos": 3, "seed": 2}),
    ((60, 2), {"seed": 5, "roi": [2.0, 0.8]}),
    ((40, 2), {"geos": 3, "seed": 2}),
    ((80, 3), {"seed": 1}),
    ((80, 3), {"roi": [0.8, 2.0, 3.5], "seed": 4}),
    ((78, 3), {"seed": 4, "flat_channels": ["social"]}),
    ((60, 3), {"geos": 4, "seed": 9}),
    ((60, 3), {"geos": 4, "seed": 9, "dark_channels": ["search"], "local_channels": {"tv": 2}}),
    ((60, 2), {"seed": 7, "noise": 0.04}),
    ((60, 2), {"seed": 7, "flat_channels": ["search"]}),
    ((60, 2), {"seed": 4}),
    ((60, 2), {"seed": 4, "drift": 0.03, "step": -0.2}),
    ((60, 2), {"geos": 2, "seed": 5}),
    ((52, 3), {"seed": 8, "roi": [1.0, 2.0, 3.0], "flat_channels": ["social"], "noise": 0.04}),
    ((52, 3), {"geos": 4, "seed": 0}),
    ((52, 2), {"seed": 3}),
    ((40, 3), {"seed": 6}),
    ((30, 3), {"geos": 4, "seed": 1}),
    ((104, 3), {"geos": 4, "impressions": True, "seed": 4}),
    ((104, 2), {"seed": 1}),
    *[((104, 4), {"seed": s}) for s in range(20)],
    *[((91, 3), {"seed": s}) for s in range(20)],
]


def examples(args) -> None:
    """The package's own example data: bm.simulate settings and the bundled Advertising data."""
    warnings.simplefilter("ignore")
    frame = bm.datasets.load_advertising(with_dates=True)
    cases = [(f"simulate{a}{k}", bm.simulate(*a, **k).data) for a, k in EXAMPLES]
    cases.append(
        (
            "advertising",
            bm.MMMData.from_frame(frame, date="date", target="sales", channels=["TV", "radio"]),
        )
    )
    with Path(args.out).open("a") as fh:
        for i, (name, data) in enumerate(cases):
            spec = bm.MMM()
            fitted, records = adapt_carryover(spec, data)
            row = {
                "check": "screen",
                "source": "package_examples",
                "dataset": i,
                "example": name,
                "priors": "default",
                "adapted": [r["channel"] for r in records],
                "same_spec_object": fitted is spec,
                "seconds": None,
            }
            fh.write(json.dumps(row) + "\n")


def identical(args) -> None:
    """Fit one well-specified dataset with the default ("auto") and with "as_specified" (same
    seed, 2 x 300 draws): the posterior draws must be equal bit for bit."""
    warnings.simplefilter("ignore")
    sim, _ = make_dataset(args.identical, args.seed)
    settings = {"chains": 2, "draws": 300, "tune": 300, "seed": args.identical, "progress": False}
    fits = {
        mode: bm.MMM(carryover=mode).fit(sim.data, **settings) for mode in ("auto", "as_specified")
    }
    a, b = (fits[m].posterior for m in ("auto", "as_specified"))
    same = all(np.array_equal(a[v].values, b[v].values) for v in a.data_vars) and set(a) == set(b)
    row = {
        "check": "bit_identical",
        "source": "well_specified",
        "dataset": args.identical,
        "adapted": fits["auto"].fit_info["carryover_adapted"],
        "identical_draws": bool(same),
        "variables": len(a.data_vars),
        **{k: v for k, v in settings.items() if k != "progress"},
        "load": [round(v, 2) for v in os.getloadavg()],
    }
    with Path(args.out).open("a") as fh:
        fh.write(json.dumps(row) + "\n")
    print(row)


def summarise(path: str) -> pd.DataFrame:
    """Per source and prior setting: datasets screened, datasets the default would change, and
    channels switched."""
    rows = pd.DataFrame([json.loads(line) for line in Path(path).read_text().splitlines()])
    rows = rows[rows["check"] == "screen"]
    g = rows.groupby(["source", "priors"], sort=False)
    return pd.DataFrame(
        {
            "datasets": g.size(),
            "datasets_adapted": g["adapted"].apply(lambda a: int(a.map(bool).sum())),
            "channels_adapted": g["adapted"].apply(lambda a: int(a.map(len).sum())),
            "max_screen_seconds": g["seconds"].max(),
        }
    ).reset_index()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=int, default=30)
    parser.add_argument(
        "--sources",
        nargs="+",
        default=[
            "well_specified",
            "delayed_peak",
            "late_peak",
            "multiplicative_shared",
            "daily_funnel",
        ],
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--identical", type=int, metavar="DATASET")
    parser.add_argument("--examples", action="store_true", help="the package's example data")
    parser.add_argument("--out", default="benchmarks/results/carryover_auto.jsonl")
    parser.add_argument("--summarise", metavar="JSONL")
    args = parser.parse_args()
    if args.identical is not None:
        identical(args)
    elif args.examples:
        examples(args)
    elif not args.summarise:
        screen(args)
    if args.identical is None:
        print(summarise(args.summarise or args.out).to_string(index=False))
