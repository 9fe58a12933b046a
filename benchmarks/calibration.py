"""Calibration study of default priors: interval coverage and ROI error on simulated datasets.

    python benchmarks/calibration.py --datasets 30 --out benchmarks/results/calibration.jsonl
    python benchmarks/calibration.py --summarise benchmarks/results/calibration.jsonl

Each dataset draws 104-156 weeks, noise 3-10% of mean sales, 3 channels with true ROI
log-uniform in 0.1-5 (weak and strong channels), national or 4 regions (one in three), and
fits it twice: with the package's default priors and with "benchmark" ROI priors whose median is
within +-30% of the truth (90% interval = median / 2.5 .. median x 2.5). Per channel it records
whether the true ROI lies inside the 90% interval and the relative error of the posterior median.
One JSON line per (dataset, prior setting, channel); the summary table goes into docs/priors.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from resume import done_keys

import bayes_mmm as bm


def roi_score(channel: str, true_roi: float, row, diag) -> dict:
    """One channel's ROI interval against the truth, with the fit's convergence summary."""
    return {
        "channel": channel,
        "true_roi": float(true_roi),
        "median": float(row["median"]),
        "lower": float(row["lower"]),
        "upper": float(row["upper"]),
        "covered": bool(row["lower"] <= true_roi <= row["upper"]),
        "rel_error": float(abs(row["median"] / true_roi - 1)),
        "prior_dominated": bool(row.get("prior_dominated", False)),
        "divergences": int(diag.attrs["divergences"]),
        "max_rhat": float(diag["r_hat"].max()),
    }


def make_dataset(i: int, seed: int) -> tuple[bm.Simulation, dict]:
    rng = np.random.default_rng([seed, i])
    regional = i % 3 == 2
    setting = {
        "dataset": i,
        "weeks": int(rng.choice([104, 130, 156])) if not regional else 104,
        "noise": float(rng.uniform(0.03, 0.10)),
        "geos": 4 if regional else 0,
        "roi": np.exp(rng.uniform(np.log(0.1), np.log(5.0), 3)).round(3).tolist(),
    }
    sim = bm.simulate(
        setting["weeks"],
        3,
        geos=setting["geos"],
        roi=setting["roi"],
        noise=setting["noise"],
        seed=int(rng.integers(1 << 30)),
    )
    return sim, setting


# Candidate default (issue 16): the default relative-ROI prior as the level of partially pooled
# channels with a learned spread (QuantilePrior.spread).
POOLED_PRIOR = bm.RelativeROIPrior(median=0.25, interval=(0.03, 1.5), level=0.9, spread=1.0)
# Candidate default (issue 16): the default's median and upper tail, a 10x lower 5% quantile, so
# channels that barely work (k ~ 0.005-0.03, as in the misspecification scenarios) are in range.
LOW_TAIL_PRIOR = bm.RelativeROIPrior(median=0.25, interval=(0.003, 1.5), level=0.9)
MID_TAIL_PRIOR = bm.RelativeROIPrior(median=0.25, interval=(0.01, 1.5), level=0.9)


def benchmark_spec(truth: pd.Series, rng) -> bm.MMM:
    channels = {}
    for ch, value in truth.items():
        median = value * rng.uniform(0.7, 1.3)
        channels[ch] = bm.ChannelSpec(effect=bm.ROIPrior(median, (median / 2.5, median * 2.5)))
    return bm.MMM(channels=channels)


def run(args) -> None:
    out = Path(args.out)
    done = done_keys(out, "dataset", "priors")
    warnings.simplefilter("ignore")
    for i in range(args.datasets):
        sim, setting = make_dataset(i, args.seed)
        truth = sim.true_roi().set_index("channel")["true_roi"]
        specs = {
            "default": bm.MMM(),
            "benchmark": benchmark_spec(truth, np.random.default_rng([args.seed, i, 1])),
            "pooled": bm.MMM(effect_prior=POOLED_PRIOR),
            "low_tail": bm.MMM(effect_prior=LOW_TAIL_PRIOR),
            "mid_tail": bm.MMM(effect_prior=MID_TAIL_PRIOR),
        }
        for name in args.priors:
            if (i, name) in done:
                continue
            spec = specs[name]
            t0 = time.perf_counter()
            fit = spec.fit(
                sim.data,
                chains=args.chains,
                draws=args.draws,
                tune=args.tune,
                seed=i,
                progress=False,
            )
            seconds = time.perf_counter() - t0
            roi = fit.roi(level=0.9).set_index("channel")
            diag = fit.diagnostics()
            with out.open("a") as fh:
                for ch, value in truth.items():
                    r = roi.loc[ch]
                    fh.write(
                        json.dumps(
                            {
                                **setting,
                                "priors": name,
                                **roi_score(ch, value, r, diag),
                                "seconds": round(seconds, 1),
                                "load": [round(v, 2) for v in os.getloadavg()],
                            }
                        )
                        + "\n"
                    )
            print(f"dataset {i} {name}: {seconds:.0f}s", flush=True)


def summarise(path: str, paired: bool = False) -> pd.DataFrame:
    """Per prior setting, scope and channel strength; ``paired``: only the datasets every prior
    setting in the file has (to compare a candidate run on fewer datasets)."""
    rows = pd.DataFrame([json.loads(line) for line in Path(path).read_text().splitlines()])
    if paired:
        settings = rows.groupby("dataset")["priors"].nunique()
        full = settings[settings == rows["priors"].nunique()].index
        rows = rows[rows["dataset"].isin(full)]
    rows["scope"] = np.where(rows["geos"] > 0, "regional", "national")
    rows["strength"] = np.where(rows["true_roi"] < 1.0, "weak (ROI < 1)", "strong (ROI >= 1)")
    parts = []
    for keys in (["priors"], ["priors", "scope"], ["priors", "strength"]):
        g = rows.groupby(keys)
        parts.append(
            pd.DataFrame(
                {
                    "datasets": g["dataset"].nunique(),
                    "channels": g.size(),
                    "coverage_90": g["covered"].mean().round(3),
                    "median_rel_error": g["rel_error"].median().round(3),
                    "prior_dominated": g["prior_dominated"].mean().round(3),
                    "fits_with_divergences": g.apply(
                        lambda d: (d.groupby("dataset")["divergences"].first() > 0).mean()
                    ).round(3),
                }
            ).reset_index()
        )
    return pd.concat(parts, ignore_index=True).fillna("all")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401

        return True
    except ImportError:
        return False


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=int, default=30)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--priors", nargs="+", default=["default", "benchmark"])
    parser.add_argument("--out", default="benchmarks/results/calibration.jsonl")
    parser.add_argument("--summarise", metavar="JSONL")
    parser.add_argument("--paired", action="store_true", help="only datasets with every setting")
    args = parser.parse_args()
    if args.summarise:
        print(
            summarise(args.summarise, args.paired).to_markdown(index=False)
            if _has_tabulate()
            else summarise(args.summarise, args.paired)
        )
    else:
        run(args)
        print(summarise(args.out))
