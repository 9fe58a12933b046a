"""``bm.LiftTest``: one experiment written the way a marketer reports it, checked against the
data, and turned into a row of the lift-test table (:mod:`bayes_mmm.data.lift_tests`).

Schema (one ``LiftTest`` per experiment):

=============== ========================================================================
channel         the channel tested (a spend column of the data)
start, end      the test window, inclusive dates inside the training data
spend_change    change in spend **per period** during the window, in currency: +5000 for
                a spend-increase test, -5000 for a cut, or ``"go_dark"`` when the channel
                was switched off (all its spend in the window removed, whatever it was)
lift            measured incremental outcome over the window (and its carryover), in
                target units; negative for a go-dark test that lost sales
lift_sd         standard error of ``lift`` (> 0), in target units
geo             optional region the test ran in; ``None`` = all regions (the spend change is
                split over regions in proportion to the channel's spend there)
=============== ========================================================================

A numeric ``spend_change`` that would make spend negative in some period is an error (use
``"go_dark"`` for a switch-off). ``fit(..., lift_tests=[bm.LiftTest(...), ...])`` accepts a list of
these; a DataFrame with the table's columns (``lift_se`` for ``lift_sd``) is accepted too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import DataError, did_you_mean, is_number, message

GO_DARK = "go_dark"


@dataclass(frozen=True)
class LiftTest:
    """One lift test (see the module docstring for units); ``spend_change="go_dark"`` for a
    switch-off."""

    channel: str
    start: str | pd.Timestamp
    end: str | pd.Timestamp
    spend_change: float | str
    lift: float
    lift_sd: float
    geo: str | None = None

    def row(self, data) -> dict:
        """The lift-test table row of this test on ``data`` (checked; go-dark resolved)."""
        name = f"LiftTest({self.channel!r}, {self.start} .. {self.end})"
        _check_channel_and_geo(self, data, name)
        window = _window(self, data, name)
        _check_numbers(self, name)
        c = list(data.channels).index(self.channel)
        spend = data.spend[window][..., c]  # (period, geo) in the window
        share = _geo_share(self, data, c)
        if isinstance(self.spend_change, str):
            change = _go_dark_change(data, c, window, share)
        else:
            change = float(self.spend_change)
            _check_not_negative(spend, share, change, name)
        out = asdict(self)
        out["spend_change"] = change
        out["lift_se"] = out.pop("lift_sd")
        return out


def lift_frame(tests, data) -> pd.DataFrame:
    """A list (or one) :class:`LiftTest` -> the lift-test DataFrame; a DataFrame is returned
    as is (it is checked by :func:`~bayes_mmm.data.lift_tests.validate_lift_tests`)."""
    if isinstance(tests, pd.DataFrame):
        return tests
    if isinstance(tests, LiftTest):
        tests = [tests]
    if not isinstance(tests, Sequence) or not all(isinstance(t, LiftTest) for t in tests):
        raise DataError(
            message(
                "lift_tests",
                "a list of bm.LiftTest(...) or a DataFrame with columns channel, start, end, "
                "spend_change, lift, lift_se",
                type(tests).__name__,
            )
        )
    if not tests:
        raise DataError(message("lift_tests", "at least one test", "an empty list", "Pass None."))
    return pd.DataFrame([t.row(data) for t in tests])


def _check_channel_and_geo(test: LiftTest, data, name: str) -> None:
    if test.channel not in data.channels:
        raise DataError(
            message(
                f"{name}: channel",
                f"one of {list(data.channels)}",
                repr(test.channel),
                did_you_mean([test.channel], data.channels),
            )
        )
    if test.geo is not None and str(test.geo) not in data.geos:
        raise DataError(
            message(
                f"{name}: geo",
                f"None (all regions) or one of {list(data.geos)}",
                repr(test.geo),
                did_you_mean([test.geo], data.geos),
            )
        )


def _window(test: LiftTest, data, name: str) -> np.ndarray:
    try:
        start, end = pd.Timestamp(test.start), pd.Timestamp(test.end)
    except (TypeError, ValueError) as exc:
        raise DataError(
            message(f"{name}: start/end", "dates such as '2024-03-04'", (test.start, test.end))
        ) from exc
    first, last = data.dates[0], data.dates[-1]
    if start > end or start < first or end > last:
        raise DataError(
            message(
                f"{name}: window",
                f"start <= end within the training data {first.date()}..{last.date()}",
                f"{start.date()}..{end.date()}",
                "Drop tests run outside the modelled period (or in the holdout).",
            )
        )
    return np.asarray((data.dates >= start) & (data.dates <= end))


def _check_numbers(test: LiftTest, name: str) -> None:
    change = test.spend_change
    if isinstance(change, str):
        if change != GO_DARK:
            raise DataError(
                message(f"{name}: spend_change", f"a number or {GO_DARK!r}", repr(change))
            )
    elif not is_number(change) or not np.isfinite(change):
        raise DataError(
            message(f"{name}: spend_change", "a finite number (currency per period)", change)
        )
    for field_name in ("lift", "lift_sd"):
        value = getattr(test, field_name)
        if not is_number(value) or not np.isfinite(value):
            raise DataError(message(f"{name}: {field_name}", "a finite number", repr(value)))
    if test.lift_sd <= 0:
        raise DataError(
            message(
                f"{name}: lift_sd",
                "a standard error > 0 (target units)",
                test.lift_sd,
                "Use the experiment's reported standard error (half-width of a 95% CI / 1.96).",
            )
        )


def _geo_share(test: LiftTest, data, c: int) -> np.ndarray:
    """How a per-period spend change splits over regions (the table's rule)."""
    spend = data.spend[..., c]
    if test.geo is None:
        return spend.sum(0) / spend.sum()
    return np.array([g == str(test.geo) for g in data.geos], dtype=float)


def _go_dark_change(data, c: int, window: np.ndarray, share: np.ndarray) -> float:
    """Per-period spend change that removes all exposure in the window in every tested region.

    The table converts spend to exposure at each region's average exposure per unit of spend and
    the model floors exposure at zero, so the largest cut needed in any period switches every
    period off (exactly what a go-dark test did).
    """
    spend, media = data.spend[..., c], data.media[..., c]
    per_spend = np.where(spend.sum(0) > 0, media.sum(0) / np.maximum(spend.sum(0), 1e-12), 1.0)
    tested = share > 0
    needed = media[window][:, tested] / (share[tested] * per_spend[tested])
    return -float(needed.max()) if needed.size and needed.max() > 0 else 0.0


def _check_not_negative(spend: np.ndarray, share: np.ndarray, change: float, name: str) -> None:
    after = spend + change * share
    bad = np.argwhere(after < -1e-9 * max(1.0, np.abs(spend).max()))
    if len(bad):
        worst = float(after.min())
        raise DataError(
            message(
                f"{name}: spend_change",
                "a change that keeps spend >= 0 in every period of the window",
                f"{change:,.2f} per period (spend would reach {worst:,.2f} in "
                f"{len(bad)} period(s))",
                f"For a test that switched the channel off use spend_change={GO_DARK!r}.",
            )
        )


__all__ = ["GO_DARK", "LiftTest", "lift_frame"]
