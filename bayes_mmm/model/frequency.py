"""Spec settings measured in periods, checked against the data's frequency.

``period`` (seasonal cycle) and ``l_max`` (adstock window) count *periods*. Their defaults (52.18,
8) are weekly; on daily data they would mean a 52-day "year" and an 8-day carryover window. The
rule (docs/data.md, "Daily data"): a seasonal period that is clearly for the other frequency is an
error (with the right value in the message); a weekly-default ``l_max`` on daily data is a
warning (8 days of carryover can be right for some channels, but is rarely meant).
"""

from __future__ import annotations

import warnings

from bayes_mmm.core.errors import SpecError, message
from bayes_mmm.data.calendar import period_days

PERIODS_PER_YEAR = {1: 365.25, 7: 52.18}
WEEKLY_L_MAX = 8
DAILY_L_MAX = 56  # 8 weeks of carryover in days


def check_frequency(spec, dates) -> None:
    """Raise when ``period`` belongs to another frequency; warn on a weekly ``l_max`` for days."""
    days = period_days(dates)
    year = PERIODS_PER_YEAR.get(days)
    if year is None:
        return
    kind = "daily" if days == 1 else "weekly"
    if spec.seasonality > 0 and not 0.8 * year <= spec.period <= 1.25 * year:
        raise SpecError(
            message(
                "period",
                f"about {year} for {kind} data (the seasonal cycle in periods)",
                spec.period,
                f"Pass bm.MMM(period={year}"
                + (f", l_max={DAILY_L_MAX})" if days == 1 else ")")
                + ", or seasonality=0 for no yearly cycle.",
            )
        )
    if days == 1 and spec.l_max == WEEKLY_L_MAX:
        warnings.warn(
            f"l_max={WEEKLY_L_MAX} is the weekly default; on daily data it allows only "
            f"{WEEKLY_L_MAX} days of carryover. Pass l_max={DAILY_L_MAX} (8 weeks) unless a short "
            "carryover is intended.",
            UserWarning,
            stacklevel=4,
        )
