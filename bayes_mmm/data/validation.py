"""Checks that turn a user DataFrame into :class:`~bayes_mmm.data.MMMData` or one clear error.

Each check raises :class:`~bayes_mmm.errors.DataError` naming the column, the first offending
rows (DataFrame index labels) and the fix. The order matters: structure first (columns, dates),
then values, then what the model can identify.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import DataError, describe_rows, did_you_mean, message

NATIONAL = "national"  # the single geo of national data


def _require_columns(df: pd.DataFrame, roles: dict[str, list[str]]) -> None:
    for role, columns in roles.items():
        missing = [c for c in columns if c not in df.columns]
        if missing:
            hint = did_you_mean(missing, df.columns, "Check the spelling or add the column.")
            raise DataError(
                message(
                    f"{role} column(s) {missing}",
                    f"columns of the DataFrame {list(df.columns)}",
                    "missing",
                    hint,
                )
            )
    used = [c for cols in roles.values() for c in cols]
    repeated = sorted({c for c in used if used.count(c) > 1})
    if repeated:
        raise DataError(
            message(
                "column roles",
                "each column used once",
                f"{repeated} used twice",
                "A column cannot be both e.g. a channel and a control.",
            )
        )


def _parse_dates(df: pd.DataFrame, column: str, date_format: str | None) -> pd.Series:
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


def _numeric(df: pd.DataFrame, column: str, role: str) -> pd.Series:
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() & df[column].notna()
    if bad.any():
        examples = "[" + ", ".join(repr(v) for v in df.loc[bad, column].head(3)) + "]"
        raise DataError(
            message(
                f"{role} column '{column}'",
                "numbers",
                f"non-numeric values {examples} at rows {describe_rows(list(df.index[bad]))}",
                "Remove currency symbols/thousands separators or fix those rows.",
            )
        )
    values = values.astype(float)
    finite = np.isfinite(values)
    if not finite.all():
        raise DataError(
            message(
                f"{role} column '{column}'",
                "finite values (no NaN or inf)",
                f"NaN/inf at rows {describe_rows(list(df.index[~finite]))}",
                "Fill or drop those rows (spend with no activity is 0).",
            )
        )
    return values


def _check_calendar(dates: pd.DatetimeIndex, where: str) -> None:
    if len(dates) < 2:
        return
    steps = np.diff(dates.values).astype("timedelta64[D]").astype(int)
    step = int(np.median(steps))
    if step not in (1, 7):
        raise DataError(
            message(
                f"{where} spacing",
                "weekly (7 days) or daily (1 day) periods",
                f"a typical spacing of {step} days (first dates {describe_rows([str(d.date()) for d in dates])})",
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


def validate_frame(
    cls,
    df,
    *,
    date,
    target,
    channels,
    controls,
    media,
    geo,
    population,
    revenue_per_unit,
    fill_missing,
    date_format,
):
    """Validate ``df`` and build an MMMData (see :meth:`MMMData.from_frame`)."""

    if not isinstance(df, pd.DataFrame):
        raise DataError(message("df", "a pandas DataFrame", type(df).__name__))
    if len(df) == 0:
        raise DataError(message("df", "a non-empty DataFrame", "0 rows", "Load the data first."))
    if not channels:
        raise DataError(message("channels", "at least one spend column", "none"))
    unknown_media = [c for c in media if c not in channels]
    if unknown_media:
        raise DataError(
            message(
                "media keys",
                f"channel names {channels}",
                unknown_media,
                "Map each spend column to its exposure column.",
            )
        )
    optional = {
        k: [v]
        for k, v in (
            ("geo", geo),
            ("population", population),
            ("revenue_per_unit", revenue_per_unit),
        )
        if v is not None
    }
    _require_columns(
        df,
        {
            "date": [date],
            "target": [target],
            "channel": channels,
            "media": list(media.values()),
            "control": controls,
            **optional,
        },
    )
    df = df.copy() if df.index.is_unique else df.reset_index(drop=True)  # rows are then positions
    df[date] = _parse_dates(df, date, date_format)
    numeric = {
        target: "target",
        **dict.fromkeys(channels, "channel"),
        **dict.fromkeys(media.values(), "media"),
        **dict.fromkeys(controls, "control"),
    }
    for column in (population, revenue_per_unit):
        if column is not None:
            numeric[column] = column
    for column, role in numeric.items():
        df[column] = _numeric(df, column, role)
    for column in [*channels, *media.values()]:
        negative = df[column] < 0
        if negative.any():
            raise DataError(
                message(
                    f"channel column '{column}'",
                    "spend/exposure >= 0",
                    f"negative values at rows {describe_rows(list(df.index[negative]))}",
                    "Refunds or corrections belong in a control, not in spend.",
                )
            )

    notes: list[str] = []
    geo_values = df[geo].astype(str) if geo else pd.Series(NATIONAL, index=df.index)
    geos = tuple(dict.fromkeys(geo_values))
    if geo and len(geos) < 2:
        raise DataError(
            message(
                f"geo column '{geo}'",
                "at least 2 regions",
                f"only {list(geos)}",
                "Drop geo= to fit a national model.",
            )
        )
    keys = pd.DataFrame({"geo": geo_values, "date": df[date]})
    duplicated = keys.duplicated(keep=False)
    if duplicated.any():
        where = " within region" if geo else ""
        raise DataError(
            message(
                f"date column '{date}'",
                f"one row per date{where}",
                f"duplicate dates at rows {describe_rows(list(df.index[duplicated]))}",
                "Aggregate duplicates (e.g. df.groupby(...).sum()) first.",
            )
        )
    order = keys.sort_values(["geo", "date"], kind="stable").index
    by_geo_sorted = all(keys.loc[keys.geo == g, "date"].is_monotonic_increasing for g in geos)
    if not by_geo_sorted:
        note = f"date column '{date}' was not sorted; rows were sorted by date."
        notes.append(note)
        warnings.warn(note, UserWarning, stacklevel=3)
    df = df.loc[order].reset_index(drop=False).rename(columns={"index": "_row"})
    geo_values = geo_values.loc[order].to_numpy()

    all_dates = pd.DatetimeIndex(sorted(df[date].unique()))
    _check_calendar(all_dates, f"date column '{date}'")
    if geo:
        expected = pd.MultiIndex.from_product([list(geos), all_dates])
        present = pd.MultiIndex.from_arrays([geo_values, df[date]])
        missing = expected.difference(present)
        if len(missing) and not fill_missing:
            pairs = [f"({g}, {d.date()})" for g, d in missing]
            raise DataError(
                message(
                    f"geo panel '{geo}'",
                    "every region observed on every date",
                    f"{len(missing)} missing (region, date) pairs {describe_rows(pairs)}",
                    "Add the rows, or pass fill_missing=True (spend 0, target interpolated).",
                )
            )
        if len(missing):
            notes.append(f"filled {len(missing)} missing (region, date) rows")
    if len(all_dates) < 3:
        raise DataError(
            message(
                f"date column '{date}'",
                "at least 3 distinct periods",
                f"{len(all_dates)} ({describe_rows([str(d.date()) for d in all_dates])})",
                "A model needs a time series: load more periods.",
            )
        )

    index = pd.MultiIndex.from_arrays([geo_values, df[date]])
    full = pd.MultiIndex.from_product([list(geos), all_dates])

    def cube(columns: list[str], fill: str) -> np.ndarray:
        frame = pd.DataFrame(df[columns].to_numpy(), index=index, columns=columns).reindex(full)
        if fill == "zero":
            frame = frame.fillna(0.0)
        elif fill == "interpolate":
            frame = frame.groupby(level=0).transform(
                lambda s: s.interpolate(limit_direction="both")
            )
        else:
            frame = frame.groupby(level=0).transform(lambda s: s.ffill().bfill())
        return (
            frame.to_numpy(dtype=float)
            .reshape(len(geos), len(all_dates), len(columns))
            .transpose(1, 0, 2)
        )

    spend = cube(channels, "zero")
    media_arr = cube([media.get(c, c) for c in channels], "zero")
    y = cube([target], "interpolate")[..., 0]
    ctrl = cube(controls, "carry") if controls else np.zeros((len(all_dates), len(geos), 0))
    pop = None
    if population:
        pop_table = df.groupby(geo_values)[population].agg(["min", "max"]) if geo else None
        if pop_table is None:
            raise DataError(
                message("population", "a geo column as well", "population without geo=")
            )
        varying = pop_table.index[pop_table["min"] != pop_table["max"]].tolist()
        if varying or (pop_table["min"] <= 0).any():
            raise DataError(
                message(
                    f"population column '{population}'",
                    "one positive value per region",
                    f"varying or non-positive values in regions {describe_rows(varying)}",
                )
            )
        pop = pop_table.loc[list(geos), "min"].to_numpy(float)
    rpu = cube([revenue_per_unit], "carry")[..., 0] if revenue_per_unit else None

    _check_identifiable(df, channels, controls, target, spend, ctrl, y, geos, media)
    return cls(
        dates=all_dates,
        geos=geos,
        channels=tuple(channels),
        spend=spend,
        media=media_arr,
        target=y,
        controls=ctrl,
        control_names=tuple(controls),
        target_name=target,
        media_names=tuple(media.get(c, c) for c in channels),
        population=pop,
        revenue_per_unit=rpu,
        notes=tuple(notes),
    )


def _check_identifiable(df, channels, controls, target, spend, ctrl, y, geos, media) -> None:
    zero = [c for i, c in enumerate(channels) if not (spend[..., i] > 0).any()]
    if zero:
        raise DataError(
            message(
                f"channel column(s) {zero}",
                "some positive spend",
                "all zeros",
                "Drop the channel: with no spend its effect cannot be estimated.",
            )
        )
    for i, a in enumerate(channels):
        for j in range(i):
            if np.array_equal(spend[..., i], spend[..., j]):
                raise DataError(
                    message(
                        f"channel column '{a}'",
                        "a series distinct from other channels",
                        f"identical to '{channels[j]}'",
                        "Merge the two channels: their effects cannot be told apart.",
                    )
                )
    for k, name in enumerate(controls):
        if np.ptp(ctrl[..., k]) == 0:
            raise DataError(
                message(
                    f"control column '{name}'",
                    "a varying control",
                    f"constant value {float(ctrl[0, 0, k])}",
                    "Drop it: the intercept already captures a constant.",
                )
            )
    if not y.any():
        raise DataError(
            message(
                f"target column '{target}'",
                "a non-zero outcome",
                "all zeros",
                "Check the column choice (sales, revenue or units per period).",
            )
        )
    if np.ptp(y) == 0:
        raise DataError(
            message(
                f"target column '{target}'",
                "a varying outcome",
                f"constant value {float(y.flat[0])} in every row",
                "Check the column choice.",
            )
        )
