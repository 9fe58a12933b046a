"""Power and false-alarm rate of the carryover screen (``bm.MMM().check_carryover``), no sampling.

    python benchmarks/carryover_screen.py --datasets 100 \
        --out benchmarks/results/carryover_screen.jsonl
    python benchmarks/carryover_screen.py --summarise benchmarks/results/carryover_screen.jsonl

Runs the pre-sampling screen of :mod:`bayes_mmm.inference.misfit` against the default spec
(geometric adstock, ``l_max=8``) on datasets whose carryover the default can represent (the
well-specified calibration datasets of ``benchmarks/calibration.py``: false alarms) and on the
misspecification scenarios of ``benchmarks/dgps.py`` (``delayed_peak`` and ``late_peak``: every
channel peaks 3-5 weeks after spend, so a flag is a hit). One JSON line per (source, dataset,
channel) with the evidence and whether it was flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration import make_dataset
from dgps import SCENARIOS, SEED_KEYS
from resume import done_keys

import bayes_mmm as bm

# source -> does every channel's true carryover peak later than, or outlast, the default window?
SOURCES = {
    "well_specified": False,
    "delayed_peak": True,
    "late_peak": True,
    "multiplicative_shared": None,  # one channel peaks 2 weeks after spend, the others geometric
    "daily_funnel": None,  # daily decays: some channels carry over for several weeks
}


def _data(source: str, i: int, seed: int) -> bm.MMMData:
    if source == "well_specified":
        return make_dataset(i, seed)[0].data
    ds = SCENARIOS[source](np.random.default_rng([seed, i, SEED_KEYS[source]]))
    return bm.MMMData.from_frame(
        ds.frame, date="date", target="sales", channels=ds.channels, controls=ds.controls
    )


def run(args) -> None:
    out = Path(args.out)
    done = done_keys(out, "source", "dataset")
    warnings.simplefilter("ignore")
    spec = bm.MMM()
    with out.open("a") as fh:
        for source in args.sources:
            for i in range(args.datasets):
                if (source, i) in done:
                    continue
                table = spec.check_carryover(_data(source, i, args.seed))
                for r in table.itertuples():
                    row = {
                        "source": source,
                        "dataset": i,
                        "channel": r.channel,
                        "evidence": round(float(r.evidence), 2),
                        "flagged": bool(r.flagged),
                        "wider_family": r.wider_family,
                        "wider_peak": int(r.wider_peak),
                        "advice": r.advice,
                    }
                    fh.write(json.dumps(row) + "\n")


def summarise(path: str) -> pd.DataFrame:
    """Per source: share of datasets with any channel flagged, share of channels flagged, and the
    median evidence."""
    rows = pd.DataFrame([json.loads(line) for line in Path(path).read_text().splitlines()])
    per_ds = rows.groupby(["source", "dataset"])["flagged"].any()
    g = rows.groupby("source")
    return pd.DataFrame(
        {
            "datasets": per_ds.groupby("source").size(),
            "datasets_flagged": per_ds.groupby("source").mean().round(3),
            "channels": g.size(),
            "channels_flagged": g["flagged"].mean().round(3),
            "median_evidence": g["evidence"].median().round(1),
        }
    ).reset_index()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=int, default=100)
    parser.add_argument("--sources", nargs="+", default=list(SOURCES))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default="benchmarks/results/carryover_screen.jsonl")
    parser.add_argument("--summarise", metavar="JSONL")
    args = parser.parse_args()
    if not args.summarise:
        run(args)
    print(summarise(args.summarise or args.out).to_string(index=False))
