"""Lift tests that cannot inform the model: checks run after the schema checks of
:mod:`bayes_mmm.data.lift_tests`.

A test is refused (never silently ignored or clamped) when its window holds no period of the
data, when it changed no spend, when a go-dark test removes more spend than the channel had in
the window, or when a column holds values a model file cannot store (dicts, lists, objects).
"""

from __future__ import annotations

import warnings

import pandas as pd

from bayes_mmm.core.errors import DataError, describe_rows, message
from bayes_mmm.data.column_checks import label


def parse_lift_dates(tests: pd.DataFrame) -> pd.DataFrame:
    """``start``/``end`` as timestamps and ``geo`` as region labels (501.0 -> '501')."""
    out = tests.copy()
    for column in ("start", "end"):
        parsed = pd.to_datetime(out[column], errors="coerce", format="mixed")
        bad = out.index[parsed.isna()].tolist()
        if bad:
            raise DataError(
                message(
                    f"lift_tests '{column}'",
                    "dates (e.g. '2024-03-04')",
                    f"unparseable or missing values at rows {describe_rows(bad)}",
                )
            )
        out[column] = parsed.dt.tz_localize(None) if parsed.dt.tz is not None else parsed
    out["geo"] = [None if pd.isna(g) else label(g) for g in out["geo"]]
    return out


def check_scalar_columns(tests: pd.DataFrame) -> None:
    for column in tests.columns:
        odd = [i for i, v in tests[column].items() if isinstance(v, dict | list | tuple | set)]
        if odd:
            raise DataError(
                message(
                    f"lift_tests column '{column}'",
                    "numbers or text in every cell",
                    f"containers (dict/list) at rows {describe_rows(odd)}",
                    "Drop the column or store its content as text.",
                )
            )


def check_informative(tests: pd.DataFrame, data) -> None:
    """Each test has a period in its window, a non-zero spend change, and a go-dark change no
    larger than the spend it removes."""
    empty, zero, too_dark = [], [], []
    for i, test in tests.iterrows():
        window = (data.dates >= test["start"]) & (data.dates <= test["end"])
        if not window.any():
            empty.append(i)
            continue
        if test["spend_change"] == 0:
            zero.append(i)
            continue
        c = list(data.channels).index(test["channel"])
        spend = data.spend[window][..., c]  # (date, geo)
        if test["geo"] is not None:
            spend = spend[:, list(data.geos).index(test["geo"])]
        per_period = float(spend.sum()) / int(window.sum())
        if test["spend_change"] < 0 and -test["spend_change"] > per_period * (1 + 1e-9):
            too_dark.append(i)
    checks = (
        (empty, "a window holding at least one period of the data", "Widen start/end."),
        (zero, "a non-zero spend_change", "A test that changed nothing cannot inform the model."),
    )
    for rows, allowed, fix in checks:
        if rows:
            raise DataError(message("lift_tests", allowed, f"rows {describe_rows(rows)}", fix))
    if too_dark:
        warnings.warn(
            f"lift_tests rows {describe_rows(too_dark)}: the go-dark spend_change is larger than "
            "the channel's spend per period in the window; it is read as 'spend cut to 0' "
            "(exposure cannot go below zero). Check the sign and unit (per period) if that is "
            "not what the test did.",
            UserWarning,
            stacklevel=4,
        )


def check_lift_tests(tests: pd.DataFrame, data) -> None:
    check_scalar_columns(tests)
    check_informative(tests, data)
