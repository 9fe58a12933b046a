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
    dc = pd.read_json(RESULTS / "design_calibration.jsonl", lines=True)
    cols = [
        "workload",
        "channel",
        "predicted_ratio",
        "predicted_min",
        "predicted_max",
        "realised_ratio",
        "coverage",
        "verdict",
    ]
    print(markdown(dc[cols], index=False))
    print(markdown(dc.groupby("workload")[["check_s"]].first()))
    print(markdown(pd.read_json(RESULTS / "experiment_timing.jsonl", lines=True), index=False))


if __name__ == "__main__":
    main()
