"""The optimiser's grouped options: three frozen objects, and keyword shortcuts that fill them."""

import dataclasses

import numpy as np
import pytest

import bayes_mmm as bm


def test_objects_and_shortcuts_give_the_same_plan(mock_fit):
    short = mock_fit.optimize_budget(
        horizon=8, relative_bounds=0.3, objective="mean_sd", margin=0.5
    )
    grouped = mock_fit.optimize_budget(
        horizon=bm.PlanningWindow(weeks=8),
        objective=bm.Objective("mean_sd", margin=0.5),
        limits=bm.SpendLimits(relative_bounds=0.3),
    )
    np.testing.assert_allclose(short.table["optimal"], grouped.table["optimal"], rtol=1e-9)
    assert short.info["objective"] == grouped.info["objective"] == "mean_sd"


def test_options_are_frozen_and_validated_on_construction():
    with pytest.raises(dataclasses.FrozenInstanceError):
        bm.Objective().margin = 2.0
    with pytest.raises(bm.OptimizationError, match="alpha"):
        bm.Objective("cvar", alpha=1.5)
    with pytest.raises(bm.OptimizationError, match=r"objective.*'proft' -> 'profit'"):
        bm.Objective("proft")


def test_unknown_shortcut_names_the_allowed_ones(mock_fit):
    with pytest.raises(
        bm.OptimizationError,
        match=r"relative_bound.*Did you mean 'relative_bound' -> 'relative_bounds'",
    ):
        mock_fit.optimize_budget(relative_bound=0.3)


@pytest.mark.parametrize("pin", [{"relative_bounds": 0.0}, {"fixed": "all"}])
def test_nothing_to_optimise_returns_the_pinned_plan(mock_fit, pin):
    if pin.get("fixed") == "all":
        pin = {"fixed": list(mock_fit.data.channels)}
    result = mock_fit.optimize_budget(horizon=8, **pin)
    np.testing.assert_allclose(result.table["optimal"], result.table["current"], rtol=1e-9)
    assert result.info["n_iter"] == 0 and "nothing to optimise" in result.info["solver_message"]
    assert abs(result.uplift["mean"]) < 1e-6 * max(1.0, abs(result.outcome_current["mean"]))
