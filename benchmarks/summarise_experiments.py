"""Markdown tables of the issue-14 benchmarks (experiment_value, design_calibration, timing)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).parent / "results"


def markdown(frame: pd.DataFrame, index: bool = True) -> str:
    """A pipe table (no tabulate dependency)."""
    frame = frame.reset_index() if index else frame
    cells = [
        [f"{v:,.3g}" if isinstance(v, float) else str(v) for v in row]
        for row in frame.itertuples(index=False)
    ]
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    return "\n".join([head, rule] + ["| " + " | ".join(r) + " |" for r in cells])


def main() -> None:
    ev = pd.read_json(RESULTS / "experiment_value.jsonl", lines=True)
    ev = ev.drop_duplicates(["seed", "arm"], keep="last")  # a seed re-run gives identical rows
    n = ev["seed"].nunique()
    table = ev.groupby("arm", sort=False)[["regret", "regret_pct", "roi_abs_error"]].agg(
        ["mean", "median"]
    )
    table.columns = [f"{a} {b}" for a, b in table.columns]
    print(f"experiment_value: {n} datasets\n")
    print(markdown(table))
    wide = ev.pivot(index="seed", columns="arm", values="regret")
    print(
        f"\ntop beats random on regret in {(wide['top'] < wide['random']).sum()} of {n}; "
        f"top beats no test in {(wide['top'] < wide['none']).sum()} of {n}\n"
    )
    for arm in ("top", "random"):
        k = ev[ev["arm"] == arm]["khat_max"]
        print(f"{arm} arm: k-hat <= 0.7 for {(k <= 0.7).sum()} of {len(k)} tests")
    design_calibration()
    timing = pd.read_json(RESULTS / "experiment_timing.jsonl", lines=True)
    print(markdown(timing.astype(object).where(timing.notna(), ""), index=False))


def design_calibration() -> None:
    dc = pd.read_json(RESULTS / "design_calibration.jsonl", lines=True)
    dc["variant"] = dc.get("variant", pd.Series(index=dc.index, dtype=object)).fillna("prior")
    cols = [
        "workload",
        "variant",
        "k",
        "channel",
        "predicted_ratio",
        "predicted_min",
        "predicted_max",
        "realised_ratio",
        "coverage",
    ]
    print(markdown(dc[cols], index=False))
    dc["gap"] = dc["predicted_ratio"] - dc["realised_ratio"]
    dc["abs_gap"] = dc["gap"].abs()
    dc["over"] = dc["gap"] > 0
    dc["inside"] = dc["realised_ratio"].between(dc["predicted_min"], dc["predicted_max"])
    by = dc.groupby(["variant", "k"])
    table = by.agg(
        channels=("gap", "size"),
        mean_gap=("gap", "mean"),
        mean_abs_gap=("abs_gap", "mean"),
        predicted_above=("over", "sum"),
        realised_in_range=("inside", "sum"),
    )
    print()
    print(markdown(table))
    extra = [c for c in ("world_noise_median", "real_fit_noise", "check_s") if c in dc]
    print(markdown(dc.groupby(["workload", "variant", "k"])[extra].first()))


if __name__ == "__main__":
    main()
