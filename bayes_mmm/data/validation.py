"""Checks that turn a user DataFrame into an :class:`~bayes_mmm.data.mmm_data.MMMData` or an error.

Each check raises :class:`~bayes_mmm.core.errors.DataError` naming the column, the first offending
rows (DataFrame index labels) and the fix. The order matters: structure first (columns, dates),
then values, then what the model can identify.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import DataError, describe_rows, did_you_mean, message
from bayes_mmm.data.calendar import check_calendar, parse_dates
from bayes_mmm.data.panel_checks import check_sparse_regions

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
    """Validate ``df`` and build an MMMData (see :meth:`MMMData.from_frame`).

    Order: structure (frame, roles, columns) -> values (dates, numbers, signs) -> the panel
    (regions, duplicates, sorting, calendar, gaps) -> arrays -> what the model can identify.
    """
    _check_roles(df, channels, media)
    extra = {"geo": geo, "population": population, "revenue_per_unit": revenue_per_unit}
    _require_columns(
        df,
        {
            "date": [date],
            "target": [target],
            "channel": channels,
            "media": list(media.values()),
            "control": controls,
            **{k: [v] for k, v in extra.items() if v is not None},
        },
    )
    df = df.copy() if df.index.is_unique else df.reset_index(drop=True)  # rows are then positions
    df[date] = parse_dates(df, date, date_format)
    _parse_numbers(df, target, channels, media, controls, population, revenue_per_unit)
    notes: list[str] = []
    df, geo_values, geos, all_dates = _panel(df, date, geo, fill_missing, notes)
    cube = _cube_builder(df, date, geo_values, geos, all_dates)
    spend = cube(channels, "zero")
    y = cube([target], "interpolate")[..., 0]
    ctrl = cube(controls, "carry") if controls else np.zeros((len(all_dates), len(geos), 0))
    pop = _population(df, population, geo, geo_values, geos)
    _check_identifiable(df, channels, controls, target, spend, ctrl, y, geos, media)
    return cls(
        dates=all_dates,
        geos=geos,
        channels=tuple(channels),
        spend=spend,
        media=cube([media.get(c, c) for c in channels], "zero"),
        target=y,
        controls=ctrl,
        control_names=tuple(controls),
        target_name=target,
        media_names=tuple(media.get(c, c) for c in channels),
        population=pop,
        revenue_per_unit=cube([revenue_per_unit], "carry")[..., 0] if revenue_per_unit else None,
        notes=tuple(notes),
    )


def _check_roles(df, channels, media) -> None:
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


def _parse_numbers(df, target, channels, media, controls, population, revenue_per_unit) -> None:
    """Every numeric column as float in place; spend and exposure must be >= 0."""
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


def _panel(df, date, geo, fill_missing, notes: list[str]):
    """Regions, one row per (region, date), sorted rows, a regular calendar, no unfilled gaps.

    Returns the sorted frame (original row labels in ``_row``), region per row, regions, dates.
    """
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
    if not all(keys.loc[keys.geo == g, "date"].is_monotonic_increasing for g in geos):
        note = f"date column '{date}' was not sorted; rows were sorted by date."
        notes.append(note)
        warnings.warn(note, UserWarning, stacklevel=4)
    df = df.loc[order].reset_index(drop=False).rename(columns={"index": "_row"})
    geo_values = geo_values.loc[order].to_numpy()
    all_dates = pd.DatetimeIndex(sorted(df[date].unique()))
    check_calendar(all_dates, f"date column '{date}'")
    if geo:
        _check_panel_complete(geo, geos, geo_values, df[date], all_dates, fill_missing, notes)
    if len(all_dates) < 3:
        raise DataError(
            message(
                f"date column '{date}'",
                "at least 3 distinct periods",
                f"{len(all_dates)} ({describe_rows([str(d.date()) for d in all_dates])})",
                "A model needs a time series: load more periods.",
            )
        )
    return df, geo_values, geos, all_dates


def _check_panel_complete(geo, geos, geo_values, dates, all_dates, fill_missing, notes) -> None:
    expected = pd.MultiIndex.from_product([list(geos), all_dates])
    present = pd.MultiIndex.from_arrays([geo_values, dates])
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
        check_sparse_regions(geo, geos, geo_values, len(all_dates))
        notes.append(f"filled {len(missing)} missing (region, date) rows")


def _cube_builder(df, date, geo_values, geos, all_dates):
    """``cube(columns, fill)`` -> array ``(date, geo, column)``; missing cells filled with zeros,
    interpolation (the target) or carried values (controls)."""
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
        values = frame.to_numpy(dtype=float).reshape(len(geos), len(all_dates), len(columns))
        return values.transpose(1, 0, 2)

    return cube


def _population(df, population, geo, geo_values, geos):
    if not population:
        return None
    if not geo:
        raise DataError(message("population", "a geo column as well", "population without geo="))
    pop_table = df.groupby(geo_values)[population].agg(["min", "max"])
    varying = pop_table.index[pop_table["min"] != pop_table["max"]].tolist()
    if varying or (pop_table["min"] <= 0).any():
        raise DataError(
            message(
                f"population column '{population}'",
                "one positive value per region",
                f"varying or non-positive values in regions {describe_rows(varying)}",
            )
        )
    return pop_table.loc[list(geos), "min"].to_numpy(float)


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
