"""Column-level checks before any value is parsed: names, duplicated labels, dtypes, magnitudes
and region labels.

Each returns nothing or raises :class:`~bayes_mmm.core.errors.DataError` naming the column, the
offending rows or values and the fix (used by :mod:`bayes_mmm.data.validation`).
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import DataError, describe_rows, message

MAX_MAGNITUDE = 1e15  # beyond this, sums over weeks and draws overflow or lose all precision


def check_names(df: pd.DataFrame, roles: dict[str, list]) -> None:
    """Column names are text and each used column label appears once in the frame."""
    for role, columns in roles.items():
        odd = [c for c in columns if not isinstance(c, str)]
        if odd:
            raise DataError(
                message(
                    f"{role} column name(s) {odd}",
                    "text column names",
                    f"{[type(c).__name__ for c in odd]}",
                    "Rename them, e.g. df.columns = df.columns.map(str), and pass the new names "
                    "(saved models and tables key channels by name).",
                )
            )
    used = {c for columns in roles.values() for c in columns}
    repeated = sorted({c for c in df.columns[df.columns.duplicated()] if c in used}, key=str)
    if repeated:
        raise DataError(
            message(
                "DataFrame columns",
                "unique column names",
                f"{repeated} appearing more than once",
                "Rename or drop the duplicates (df.loc[:, ~df.columns.duplicated()]).",
            )
        )


def check_dtype(df: pd.DataFrame, column: str, role: str) -> None:
    """Refuse complex numbers anywhere and booleans as spend or target (a flag is not an
    amount; booleans are fine as controls)."""
    values = df[column]
    complex_rows = (
        [i for i, v in values.items() if isinstance(v, complex | np.complexfloating)]
        if values.dtype.kind in "cO"
        else []
    )
    if complex_rows:
        raise DataError(
            message(
                f"{role} column '{column}'",
                "real numbers",
                f"complex values at rows {describe_rows(complex_rows)}",
                "Keep the real part (df[col].real) if that is what you meant.",
            )
        )
    if role in ("channel", "media", "target") and (
        values.dtype.kind == "b" or (len(values) and all(isinstance(v, bool) for v in values))
    ):
        raise DataError(
            message(
                f"{role} column '{column}'",
                "amounts (spend, exposure or outcome per period)",
                "True/False values",
                "A yes/no flag belongs in controls=[...].",
            )
        )


def check_magnitude(values: pd.Series, column: str, role: str) -> None:
    """Values so large that their sums overflow (1e306) are refused."""
    big = values.abs() > MAX_MAGNITUDE
    if big.any():
        shown = values[big].head(3).tolist()
        raise DataError(
            message(
                f"{role} column '{column}'",
                f"values below {MAX_MAGNITUDE:.0e} in magnitude",
                f"{shown} at rows {describe_rows(list(values.index[big]))}",
                "Rescale the column (e.g. to thousands) or fix the typo.",
            )
        )


def geo_labels(df: pd.DataFrame, geo: str) -> pd.Series:
    """Region labels as text; integer codes stored as floats (501.0) read as '501'; a missing
    label is an error, not a region called 'nan'."""
    raw = df[geo]
    missing = raw.isna()
    if missing.any():
        raise DataError(
            message(
                f"geo column '{geo}'",
                "a region label on every row",
                f"missing labels at rows {describe_rows(list(df.index[missing]))}",
                "Fill or drop those rows; a missing label is not a region.",
            )
        )
    return raw.map(label)


def label(value) -> str:
    """Text label of a region code: 501, 501.0 and '501' are all '501'."""
    if (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and float(value).is_integer()
    ):
        return str(int(value))
    return str(value)


def check_fill_coverage(geo: str, geos, missing_geos, n_dates: int, most: float = 0.5) -> None:
    """``fill_missing=True`` completes a few missing rows; a region observed on fewer than half
    of the dates (e.g. one row) would be mostly invented (spend 0, target interpolated)."""
    counts = pd.Series(list(missing_geos)).value_counts()
    sparse = [
        f"{g} ({n_dates - int(counts[g])} of {n_dates})"
        for g in geos
        if counts.get(g, 0) > most * n_dates
    ]
    if sparse:
        raise DataError(
            message(
                f"geo panel '{geo}'",
                "each region observed on at least half of the dates before fill_missing",
                f"regions observed on few dates: {describe_rows(sparse)}",
                "Drop those regions or add their rows; filling would invent most of their data.",
            )
        )
