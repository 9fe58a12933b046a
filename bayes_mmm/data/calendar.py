"""Calendars: a date column parsed into timestamps, and the check that periods are regular.

Weekly (7 days) or daily (1 day) periods with no gaps and one frequency; anything else gets one
error naming the column, the first offending dates and the fix.

Parsing rules (docs/data.md, "Dates"): timezone-aware dates keep their *local* calendar date (a
weekly series crossing a daylight-saving change stays weekly; ISO strings with different offsets
are read as local dates); ``pd.Period`` values become their start date; 8-digit integers are read
as ``yyyymmdd``; other numbers are refused (pandas would read them as nanoseconds since 1970);
a time of day is dropped (with a note) so that jitter such as 09:00 vs 08:59 does not break
the spacing; dates outside 1900-2200 are refused as typos.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import DataError, describe_rows, message

YEARS = (1900, 2200)


def _wall_clock(value):
    """A timestamp's local date and time without its zone (``None`` stays ``None``)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def _refuse(column: str, allowed: str, given: str, rows, fix: str) -> DataError:
    return DataError(
        message(f"date column '{column}'", allowed, f"{given} at rows {describe_rows(rows)}", fix)
    )


def _parse_special(raw: pd.Series, column: str) -> pd.Series | None:
    """Periods, yyyymmdd integers and timezone-aware values; None when none of these apply."""
    if isinstance(raw.dtype, pd.PeriodDtype):
        return raw.dt.start_time
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        return raw.dt.tz_localize(None)
    if raw.dtype.kind in "iuf" or raw.dtype.kind == "b":
        values = raw.to_numpy()
        ok = raw.dtype.kind != "b" and np.isfinite(values.astype(float))
        ok &= (values >= YEARS[0] * 10_000 + 101) & (values <= YEARS[1] * 10_000 + 1231)
        ok &= np.mod(values, 1) == 0 if raw.dtype.kind == "f" else ok
        if not ok.all():
            return None  # reported by the caller as numbers that are not dates
        return pd.to_datetime(raw.astype("int64").astype(str), format="%Y%m%d", errors="coerce")
    values = list(raw)
    if any(isinstance(v, pd.Period) for v in values):
        return pd.Series(
            [v.start_time if isinstance(v, pd.Period) else pd.NaT for v in values], index=raw.index
        )
    aware = [getattr(v, "tzinfo", None) is not None for v in values]
    if any(aware) and not all(aware):
        rows = [i for i, a in zip(raw.index, aware) if a]
        raise _refuse(
            column,
            "all dates naive or all timezone-aware",
            "a mix (timezone-aware)",
            rows,
            "Convert with pd.to_datetime(..., utc=True).dt.tz_localize(None).",
        )
    if all(aware) and values:
        return pd.Series([_wall_clock(v) for v in values], index=raw.index)
    return None


def _parse_strings(raw: pd.Series, date_format: str | None) -> pd.Series:
    try:
        return pd.to_datetime(raw, errors="coerce", format=date_format)
    except (ValueError, TypeError):  # mixed UTC offsets in ISO strings: keep each local date
        parsed = []
        for v in raw:
            try:
                parsed.append(_wall_clock(pd.to_datetime(v, format=date_format)))
            except (ValueError, TypeError):
                parsed.append(pd.NaT)
        return pd.Series(parsed, index=raw.index, dtype="datetime64[ns]")


def parse_dates(df: pd.DataFrame, column: str, date_format: str | None) -> pd.Series:
    raw = df[column]
    parsed = _parse_special(raw, column)
    if parsed is None and raw.dtype.kind in "iufb":
        rows = list(df.index[: min(len(df), 5)])
        raise _refuse(
            column,
            "dates (or yyyymmdd integers between 19000101 and 22001231)",
            f"numbers such as {list(raw.head(3))}",
            rows,
            "Convert first, e.g. pd.to_datetime(df[col].astype(str), format='%Y%m%d').",
        )
    if parsed is None:
        parsed = _parse_strings(raw, date_format)
    parsed = pd.to_datetime(parsed, errors="coerce")
    bad = parsed.isna() & raw.notna() | raw.isna()
    if bad.any():
        examples = "[" + ", ".join(repr(v) for v in raw[bad].head(3)) + "]"
        raise _refuse(
            column,
            "parseable dates",
            f"unparseable values {examples}",
            list(df.index[bad]),
            "Fix those rows or pass date_format='%Y-%m-%d' (your format).",
        )
    years = parsed.dt.year
    odd = (years < YEARS[0]) | (years > YEARS[1])
    if odd.any():
        shown = [str(d.date()) for d in parsed[odd].head(3)]
        raise _refuse(
            column,
            f"dates between {YEARS[0]} and {YEARS[1]}",
            f"dates {shown}",
            list(df.index[odd]),
            "Fix the typo in those rows (a year such as 3023 for 2023).",
        )
    return _drop_time_of_day(parsed, column)


def _drop_time_of_day(parsed: pd.Series, column: str) -> pd.Series:
    parsed = parsed.astype("datetime64[ns]")
    day = parsed.dt.normalize()
    if (day != parsed).any():
        warnings.warn(
            f"date column '{column}' has times of day; each row is assigned to its calendar date.",
            UserWarning,
            stacklevel=5,
        )
    return day


def period_days(dates: pd.DatetimeIndex) -> int:
    """Typical spacing of the calendar in whole days (1 daily, 7 weekly)."""
    if len(dates) < 2:
        return 7
    return int(np.median(np.round(np.diff(dates.values) / np.timedelta64(1, "D"))))


def check_calendar(dates: pd.DatetimeIndex, where: str) -> None:
    if len(dates) < 2:
        return
    steps = np.round(np.diff(dates.values) / np.timedelta64(1, "D")).astype(int)
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
