"""Lift-test calibration: each experiment is a likelihood term on the model's own counterfactual.

The model predicts a test's lift as the summed outcome difference between the changed and the
actual exposure (adstock and saturation included, carryover counted), and adds
``lift ~ Normal(predicted, lift_se)``. Tables are checked in :mod:`bayes_mmm.data.lift_tests`.

A test planned *after* the data (``next_experiment``'s refit check) carries its own exposure in an
``exposure_path`` column: a ``(2, period, geo)`` array of the tested channel's reference and
changed exposure, i.e. the data's history followed by the planned horizon, so carry-in from the
history counts exactly as for a test inside the data. Such rows are built in code (the table
checks refuse array columns), never read from a user's table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.data.lift_tests import exposure_change
from bayes_mmm.model.equations import media_response, pad_periods


def add_lift_likelihood(
    tests: pd.DataFrame,
    *,
    data,
    scales,
    params,
    beta,
    channels,
    l_max,
    money_per_scaled,
    geo_params: bool = False,
):
    """Add ``lift_observed ~ Normal(model lift, lift_se)`` to the current PyMC model."""
    import pymc as pm
    import pytensor.tensor as pt

    pad = l_max - 1
    pm.modelcontext(None).add_coord("lift_test", list(range(len(tests))))
    predicted = []
    for _, test in tests.iterrows():
        c, actual, changed = lift_exposure(test, data)
        both = (
            np.stack([pad_periods(actual, pad), pad_periods(changed, pad)])[..., None]
            / scales.media[:, c][None, None, :, None]
        )
        sat = media_response(
            pt.as_tensor(both),
            {k: v[..., c : c + 1] for k, v in params.items()},
            [channels[c]],
            l_max,
            geo_params=geo_params,
        )[..., 0]
        diff = (sat[1] - sat[0]) * scales.target[None, :]  # (date+pad, geo) per unit beta
        predicted.append((diff * beta[:, c][None, :]).sum())
    norm = float(np.mean(scales.target))
    pm.Deterministic("lift_predicted", pt.stack(predicted), dims="lift_test")
    pm.Normal(
        "lift_observed",
        mu=pt.stack(predicted) / norm,
        sigma=tests["lift_se"].to_numpy() / norm,
        observed=tests["lift"].to_numpy() / norm,
        dims="lift_test",
    )


def lift_exposure(test, data) -> tuple[int, np.ndarray, np.ndarray]:
    """Channel index and the reference and changed exposure ``(period, geo)`` of one test: the
    data's exposure and the test's change in its window, or the test's own ``exposure_path``."""
    c = list(data.channels).index(test["channel"])
    path = test.get("exposure_path")
    if path is not None and np.ndim(path) == 3:
        actual, changed = np.asarray(path, dtype=float)
        return c, actual, np.maximum(changed, 0.0)
    actual = data.media[..., c]
    return c, actual, np.maximum(actual + exposure_change(test, data), 0.0)
