"""Lift-test check: each experiment's measured lift next to the lift the fitted model implies
(posterior of the same counterfactual the calibration used), in target units."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from bayes_mmm.core.errors import SpecError, check_level, message
from bayes_mmm.core.intervals import interval
from bayes_mmm.results.posterior import stack_draws


def lift_check(fit, level: float = 0.9) -> pd.DataFrame:
    """Per test: channel, geo, start, end, spend_change, measured lift with its ``level``
    interval (normal, from ``lift_se``), model lift mean and interval, and ``z`` = (measured -
    model mean) / sqrt(se^2 + model sd^2). |z| > 2 flags a test the model disagrees with."""
    check_level(level)
    if fit.lift_tests is None or "lift_predicted" not in fit.posterior:
        raise SpecError(
            message(
                "fit",
                "a fit calibrated with lift tests (fit(..., lift_tests=[bm.LiftTest(...)]))",
                "a fit without lift tests",
            )
        )
    draws = stack_draws(fit.posterior["lift_predicted"])  # (sample, test)
    lo, hi = interval(draws, level)
    tests = fit.lift_tests.reset_index(drop=True)
    half = stats.norm.ppf((1 + level) / 2) * tests["lift_se"].to_numpy(float)
    mean, sd = draws.mean(axis=0), draws.std(axis=0)
    table = tests[["channel", "geo", "start", "end", "spend_change"]].copy()
    table["measured"] = tests["lift"].to_numpy(float)
    table["measured_lower"] = table["measured"] - half
    table["measured_upper"] = table["measured"] + half
    table["model_mean"], table["model_lower"], table["model_upper"] = mean, lo, hi
    table["z"] = (table["measured"] - mean) / np.sqrt(tests["lift_se"].to_numpy(float) ** 2 + sd**2)
    return table


__all__ = ["lift_check"]
