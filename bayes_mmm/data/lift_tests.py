"""Lift-test tables: the schema, their checks against the data, and the exposure change a test
implies.

A lift test is one row of a DataFrame with columns

* ``channel``: the channel tested;
* ``geo`` (optional): the region tested; missing/None means all regions (the spend change is split
  over regions in proportion to the channel's spend there);
* ``start``, ``end``: the test window (inclusive dates within the training data);
* ``spend_change``: change in spend per period during the window, in currency (negative for a
  hold-out / go-dark test);
* ``lift``: measured incremental outcome over the window and its carryover, in target units;
* ``lift_se``: its standard error (> 0).

The model turns each test into a likelihood term (:mod:`bayes_mmm.model.lift_likelihood`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import DataError, describe_rows, did_you_mean, message
from bayes_mmm.data.lift_checks import check_lift_tests, parse_lift_dates
from bayes_mmm.data.windows import date_mask

REQUIRED = ("channel", "start", "end", "spend_change", "lift", "lift_se")


# long: one check per lift-test column in the documented order; each raises its own error
def validate_lift_tests(tests: pd.DataFrame, data) -> pd.DataFrame:
    """Check a lift-test table against the training data; returns a clean copy."""
    if not isinstance(tests, pd.DataFrame):
        raise DataError(message("lift_tests", "a pandas DataFrame", type(tests).__name__))
    missing = [c for c in REQUIRED if c not in tests.columns]
    if missing:
        raise DataError(
            message(
                "lift_tests columns", f"{list(REQUIRED)} (+ optional 'geo')", f"missing {missing}"
            )
        )
    out = tests.copy()
    if "geo" not in out:
        out["geo"] = None
    out = parse_lift_dates(out)
    unknown = out.index[~out["channel"].isin(data.channels)].tolist()
    if unknown:
        raise DataError(
            message(
                "lift_tests 'channel'",
                f"one of {list(data.channels)}",
                f"unknown channels {sorted(set(map(str, out.loc[unknown, 'channel'])))} at rows "
                f"{describe_rows(unknown)}",
                did_you_mean(out.loc[unknown, "channel"], data.channels),
            )
        )
    geos = out["geo"].dropna()
    bad_geo = geos.index[~geos.isin(data.geos)].tolist()
    if bad_geo:
        raise DataError(
            message(
                "lift_tests 'geo'",
                f"one of {list(data.geos)}",
                f"unknown regions {sorted(set(geos[bad_geo]))} at rows {describe_rows(bad_geo)}",
                did_you_mean(geos[bad_geo], data.geos, "Leave geo empty for a national test."),
            )
        )
    first, last = data.dates[0], data.dates[-1]
    outside = out.index[
        (out["start"] < first) | (out["end"] > last) | (out["start"] > out["end"])
    ].tolist()
    if outside:
        raise DataError(
            message(
                "lift_tests window",
                f"start <= end within the training data {first.date()}..{last.date()}",
                f"windows outside it at rows {describe_rows(outside)}",
                "Drop tests run outside the modelled period (or in the holdout).",
            )
        )
    for column in ("spend_change", "lift", "lift_se"):
        values = pd.to_numeric(out[column], errors="coerce")
        if not np.isfinite(values).all():
            raise DataError(
                message(
                    f"lift_tests '{column}'",
                    "finite numbers",
                    f"bad values at rows {describe_rows(out.index[~np.isfinite(values)].tolist())}",
                )
            )
        out[column] = values.astype(float)
    bad_se = out.index[out["lift_se"] <= 0].tolist()
    if bad_se:
        raise DataError(
            message(
                "lift_tests 'lift_se'",
                "standard errors > 0",
                f"non-positive at rows {describe_rows(bad_se)}",
            )
        )
    check_lift_tests(out, data)
    return out.reset_index(drop=True)


def exposure_change(test, data) -> np.ndarray:
    """Change in exposure ``(date, geo)`` implied by a test's spend change (constant cost per
    exposure)."""
    c = list(data.channels).index(test["channel"])
    spend, media = data.spend[..., c], data.media[..., c]
    window = date_mask(
        data.dates,
        test["start"],
        test["end"],
        name=f"lift test window of '{test['channel']}'",
        error=DataError,
    )
    per_spend = np.where(
        spend.sum(0) > 0, media.sum(0) / np.maximum(spend.sum(0), 1e-12), 1.0
    )  # (geo,)
    if pd.isna(test["geo"]):
        share = spend.sum(0) / spend.sum()
    else:
        share = np.array([g == str(test["geo"]) for g in data.geos], dtype=float)
    change = np.zeros_like(spend)
    change[window] = test["spend_change"] * share * per_spend
    return change
