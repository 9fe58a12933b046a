"""Coverage gaps: channels the training window cannot inform.

A channel with no spend in the *training* window (it ran only in the holdout, or only later) has
an effect the data never saw: its posterior is its prior, and with the default relative-ROI prior
(split by training spend share) that prior sits at exactly 0. Reporting ROI 0 [0, 0] for such a
channel, or letting the optimiser cut it, would be a silent, confident wrong answer. The tables
therefore report NaN with a note, and the optimiser keeps the channel at its current spend
unless the user bounds it explicitly (docs/data.md, "Channels dark in training").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

UNTRAINED_NOTE = "no spend in the training window: effect not identified (ROI unknown)"


def untrained_channels(train_spend: np.ndarray, channels) -> tuple[str, ...]:
    """Channels whose spend ``(date, geo, channel)`` in the training window is all zero."""
    totals = np.asarray(train_spend).sum(axis=(0, 1))
    return tuple(ch for ch, total in zip(channels, totals) if not total > 0)


def mark_untrained(table: pd.DataFrame, untrained) -> pd.DataFrame:
    """Blank the estimates of untrained channels (NaN, never 0 [0, 0]) and say why."""
    if table.empty or not len(untrained) or "channel" not in table:
        return table
    rows = table["channel"].isin(untrained)
    if not rows.any():
        return table
    table = table.copy()
    estimates = [
        c
        for c in (
            "mean",
            "median",
            "lower",
            "upper",
            "width_ratio",
            "mroi",
            "mroi_lower",
            "mroi_upper",
        )
        if c in table
    ]
    table.loc[rows, estimates] = np.nan
    if "prior_dominated" in table:
        table["prior_dominated"] = table["prior_dominated"].astype("boolean")
        table.loc[rows, "prior_dominated"] = True
    if "note" not in table:
        table["note"] = None
    table["note"] = table["note"].astype(object)
    table.loc[rows, "note"] = UNTRAINED_NOTE
    return table
