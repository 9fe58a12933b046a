"""Lift-test calibration: experiments enter the model as a likelihood on its own counterfactual.

A lift test is one row of a DataFrame with columns

* ``channel``: the channel tested;
* ``geo`` (optional): the region tested; missing/None means all regions (the spend change is split
  over regions in proportion to the channel's spend there);
* ``start``, ``end``: the test window (inclusive dates within the training data);
* ``spend_change``: change in spend per period during the window, in currency (negative for a
  hold-out / go-dark test);
* ``lift``: measured incremental outcome over the window and its carryover, in target units;
* ``lift_se``: its standard error (> 0).

The model predicts the lift as the summed outcome difference between the changed and the actual
exposure (adstock and saturation included, carryover counted), and adds
``lift ~ Normal(predicted, lift_se)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .components import media_response, pad_periods
from .errors import DataError, describe_rows, message

REQUIRED = ("channel", "start", "end", "spend_change", "lift", "lift_se")


def validate_lift_tests(tests: pd.DataFrame, data) -> pd.DataFrame:
    """Check a lift-test table against the training data; returns a clean copy."""
    if not isinstance(tests, pd.DataFrame):
        raise DataError(message("lift_tests", "a pandas DataFrame", type(tests).__name__))
    missing = [c for c in REQUIRED if c not in tests.columns]
    if missing:
        raise DataError(message("lift_tests columns", f"{list(REQUIRED)} (+ optional 'geo')", f"missing {missing}"))
    out = tests.copy()
    if "geo" not in out:
        out["geo"] = None
    out["start"] = pd.to_datetime(out["start"])
    out["end"] = pd.to_datetime(out["end"])
    unknown = out.index[~out["channel"].isin(data.channels)].tolist()
    if unknown:
        raise DataError(message("lift_tests 'channel'", f"one of {list(data.channels)}",
                                f"unknown channels at rows {describe_rows(unknown)}"))
    geos = out["geo"].dropna()
    bad_geo = geos.index[~geos.astype(str).isin(data.geos)].tolist()
    if bad_geo:
        raise DataError(message("lift_tests 'geo'", f"one of {list(data.geos)}", f"unknown regions at rows {describe_rows(bad_geo)}"))
    first, last = data.dates[0], data.dates[-1]
    outside = out.index[(out["start"] < first) | (out["end"] > last) | (out["start"] > out["end"])].tolist()
    if outside:
        raise DataError(message("lift_tests window", f"start <= end within the training data {first.date()}..{last.date()}",
                                f"windows outside it at rows {describe_rows(outside)}",
                                "Drop tests run outside the modelled period (or in the holdout)."))
    for column in ("spend_change", "lift", "lift_se"):
        values = pd.to_numeric(out[column], errors="coerce")
        if not np.isfinite(values).all():
            raise DataError(message(f"lift_tests '{column}'", "finite numbers",
                                    f"bad values at rows {describe_rows(out.index[~np.isfinite(values)].tolist())}"))
        out[column] = values.astype(float)
    bad_se = out.index[out["lift_se"] <= 0].tolist()
    if bad_se:
        raise DataError(message("lift_tests 'lift_se'", "standard errors > 0", f"non-positive at rows {describe_rows(bad_se)}"))
    return out.reset_index(drop=True)


def exposure_change(test, data) -> np.ndarray:
    """Change in exposure ``(date, geo)`` implied by a test's spend change (constant cost per exposure)."""
    c = list(data.channels).index(test["channel"])
    spend, media = data.spend[..., c], data.media[..., c]
    window = np.asarray((data.dates >= test["start"]) & (data.dates <= test["end"]))
    per_spend = np.where(spend.sum(0) > 0, media.sum(0) / np.maximum(spend.sum(0), 1e-12), 1.0)   # (geo,)
    if pd.isna(test["geo"]):
        share = spend.sum(0) / spend.sum()
    else:
        share = np.array([g == str(test["geo"]) for g in data.geos], dtype=float)
    change = np.zeros_like(spend)
    change[window] = test["spend_change"] * share * per_spend
    return change


def add_lift_likelihood(tests: pd.DataFrame, *, data, scales, params, beta, channels, l_max, money_per_scaled,
                        geo_params: bool = False):
    """Add ``lift_observed ~ Normal(model lift, lift_se)`` to the current PyMC model."""
    import pymc as pm
    import pytensor.tensor as pt

    pad = l_max - 1
    pm.modelcontext(None).add_coord("lift_test", list(range(len(tests))))
    predicted = []
    for _, test in tests.iterrows():
        c = list(data.channels).index(test["channel"])
        actual = data.media[..., c]
        changed = np.maximum(actual + exposure_change(test, data), 0.0)
        both = np.stack([pad_periods(actual, pad), pad_periods(changed, pad)])[..., None] / scales.media[:, c][None, None, :, None]
        sat = media_response(pt.as_tensor(both), {k: v[..., c:c + 1] for k, v in params.items()}, [channels[c]], l_max,
                             geo_params=geo_params)[..., 0]
        diff = (sat[1] - sat[0]) * scales.target[None, :]                  # (date+pad, geo) per unit beta
        predicted.append((diff * beta[:, c][None, :]).sum())
    norm = float(np.mean(scales.target))
    pm.Deterministic("lift_predicted", pt.stack(predicted), dims="lift_test")
    pm.Normal("lift_observed", mu=pt.stack(predicted) / norm, sigma=tests["lift_se"].to_numpy() / norm,
              observed=tests["lift"].to_numpy() / norm, dims="lift_test")
