"""Calendars: a date column parsed into timestamps, and the check that periods are regular.

Weekly (7 days) or daily (1 day) periods with no gaps and one frequency; anything else gets one
error naming the column, the first offending dates and the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import DataError, describe_rows, message


def parse_dates(df: pd.DataFrame, column: str, date_format: str | None) -> pd.Series:
    raw = df[column]
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        return raw.dt.tz_convert(None)
    values = list(raw)
    aware = [getattr(v, "tzinfo", None) is not None for v in values]
    if any(aware) and not all(aware):
        rows = [i for i, a in zip(df.index, aware) if a]
        raise DataError(
            message(
                f"date column '{column}'",
                "all dates naive or all timezone-aware",
                f"a mix (timezone-aware at rows {describe_rows(rows)})",
                "Convert with pd.to_datetime(..., utc=True).dt.tz_localize(None).",
            )
        )
    parsed = pd.to_datetime(raw, errors="coerce", format=date_format, utc=any(aware))
    bad = parsed.isna() & raw.notna() | raw.isna()
    if bad.any():
        rows = list(df.index[bad])
        examples = "[" + ", ".join(repr(v) for v in raw[bad].head(3)) + "]"
        raise DataError(
            message(
                f"date column '{column}'",
                "parseable dates",
                f"unparseable values {examples} at rows {describe_rows(rows)}",
                "Fix those rows or pass date_format='%Y-%m-%d' (your format).",
            )
        )
    if any(aware):
        parsed = parsed.dt.tz_convert(None)
    return parsed


def check_calendar(dates: pd.DatetimeIndex, where: str) -> None:
    if len(dates) < 2:
        return
    steps = np.diff(dates.values).astype("timedelta64[D]").astype(int)
    step = int(np.median(steps))
    if step not in (1, 7):
        raise DataError(
            message(
                f"{where} spacing",
                "weekly (7 days) or daily (1 day) periods",
                f"a typical spacing of {step} days "
                f"(first dates {describe_rows([str(d.date()) for d in dates])})",
                "Aggregate to weekly data first.",
            )
        )
    irregular = np.flatnonzero(steps != step)
    if irregular.size:
        first = [str(dates[i + 1].date()) for i in irregular]
        gap = all(s % step == 0 and s > step for s in steps[irregular])
        if gap:
            raise DataError(
                message(
                    f"{where} calendar",
                    f"one row every {step} days",
                    f"gaps before dates {describe_rows(first)}",
                    "Add the missing periods (spend 0 if nothing ran).",
                )
            )
        raise DataError(
            message(
                f"{where} calendar",
                f"a single frequency (every {step} days)",
                f"mixed spacing before dates {describe_rows(first)}",
                "Resample all rows to one frequency (e.g. weekly sums).",
            )
        )
