"""Date windows: ``start``/``end`` (inclusive dates) -> a boolean mask over the calendar, in one
place.

Used by ROI and curves (``fit.roi(start=..., end=...)``), the simulation's true ROI, lift tests and
the optimiser's re-allocation window, so every window is read and rejected the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import BayesMMMError, SpecError, message


def date_mask(
    dates: pd.DatetimeIndex,
    start=None,
    end=None,
    *,
    default_end: int | None = None,
    name: str = "date window",
    error: type[BayesMMMError] = SpecError,
) -> np.ndarray:
    """Boolean mask of ``dates`` within ``[start, end]`` (inclusive).

    ``start`` defaults to the first date, ``end`` to ``dates[default_end]`` (the last date when
    None). A window outside the calendar, reversed, or holding no period raises ``error`` naming
    ``name``.
    """
    try:
        lo = pd.Timestamp(start) if start is not None else dates[0]
        hi = (
            pd.Timestamp(end)
            if end is not None
            else dates[-1 if default_end is None else default_end]
        )
    except (TypeError, ValueError) as exc:
        raise error(
            message(
                name,
                "dates such as '2024-01-07' (inclusive start and end)",
                f"start={start!r}, end={end!r}",
            )
        ) from exc
    if lo > hi or hi < dates[0] or lo > dates[-1]:
        raise error(
            message(
                name,
                f"start <= end within {dates[0].date()}..{dates[-1].date()}",
                f"start={start}, end={end}",
            )
        )
    mask = np.asarray((dates >= lo) & (dates <= hi))
    if not mask.any():
        raise error(message(name, "at least one period of data", f"start={start}, end={end}"))
    return mask


def mask_bounds(mask: np.ndarray) -> tuple[int, int]:
    """``(first, stop)`` positions of a contiguous mask (stop exclusive)."""
    idx = np.flatnonzero(mask)
    return int(idx[0]), int(idx[-1]) + 1
