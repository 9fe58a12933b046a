"""Refit check of ``next_experiment``: outcomes whose PSIS k-hat is too high are re-evaluated by
fitting the model with the simulated test result as a lift-test likelihood.

Importance reweighting fails when a test is much more informative than the posterior (k-hat above
about 0.7): the reweighted posterior rests on a few draws, so the re-optimised plan is fitted to
them and the ROI shrinkage looks better than it is. For such outcomes ``next_experiment`` instead
fits the model again (fast NUTS settings, through :func:`bayes_mmm.core.executor.run_jobs`) on the
same data plus one lift test: the candidate test, run in the planning horizon after the data, with
the simulated result. The test's lift in that likelihood is the model's counterfactual on the
history followed by the horizon's reference exposure (carry-in from the history included): the
same quantity the ranking predicts with (``experiment_inputs.planned_exposure``), passed to the
lift-test likelihood as the test's ``exposure_path`` (:mod:`bayes_mmm.model.lift_likelihood`).

On the refitted posterior the budget is re-optimised and scored exactly as on the reweighted
draws: value of the new plan minus value of today's plan, both under the refitted posterior.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import OptimizationError
from bayes_mmm.core.intervals import interval
from bayes_mmm.inference.prior_draws import quiet_pymc
from bayes_mmm.inference.sampling import DEFAULT_TARGET_ACCEPT, sample_posterior
from bayes_mmm.model.graph import build_model
from bayes_mmm.planning.optimizer import optimize_budget
from bayes_mmm.planning.outcomes import evaluate_plan
from bayes_mmm.results.fit_result import FitResult

REFIT_SETTINGS = {"chains": 2, "draws": 150, "tune": 150}


def planned_test_frame(test, path: np.ndarray, observed: float) -> pd.DataFrame:
    """One-row lift-test table of a test planned after the data, with its own exposure path."""
    row = {k: test[k] for k in ("channel", "geo", "start", "end", "spend_change", "lift_se")}
    frame = pd.DataFrame([{**row, "lift": float(observed)}])
    frame["exposure_path"] = pd.Series([path], dtype=object)
    return frame


def refit_outcome(
    spec, data, tests: pd.DataFrame, settings: dict, seed: int, plan, options: dict, level: float
) -> dict:
    """Fit ``spec`` on ``data`` plus the lift test(s) ``tests``; re-optimise and score the plan.

    Returns ok, gain (value of the re-optimised plan minus today's plan under the refitted
    posterior), moved (share of the budget moved), roi_lower / roi_upper (per channel, training
    window), divergences, or ok=False with the error (a failed refit never stops the ranking).
    """
    try:
        with warnings.catch_warnings(), quiet_pymc():
            warnings.simplefilter("ignore")
            model = build_model(spec, data, lift_tests=tests)
            tree = sample_posterior(
                model,
                sampler="nutpie",
                seed=seed,
                progress=False,
                target_accept=DEFAULT_TARGET_ACCEPT,
                **settings,
            )
            groups = {name: tree[name].to_dataset() for name in ("posterior", "sample_stats")}
            fit = FitResult.from_parts(
                spec=spec,
                data=data,
                groups={f"/{k}": v for k, v in groups.items()},
                fit_info={"sampler": "nutpie", "seed": seed, "holdout": 0, **settings},
            )
            engine = fit.engine
            new = optimize_budget(engine, **options)
            old = evaluate_plan(engine, plan).draws
    except (OptimizationError, ValueError, RuntimeError) as err:
        return {"ok": False, "error": f"{type(err).__name__}: {err}"[:300]}
    b_today = plan.budget
    lo, hi = interval(roi_by_channel(engine, fit.window()), level)
    gain = float(new.draws["optimal"].mean() - np.mean(old))
    moved = 0.5 * np.abs(new.optimal.budget - b_today).sum() / max(b_today.sum(), 1e-12)
    return {  # a new plan no better than today's is not adopted: no gain, nothing moved
        "ok": True,
        "gain": max(gain, 0.0),
        "moved": float(moved) if gain > 0 else 0.0,
        "roi_lower": np.asarray(lo, float),
        "roi_upper": np.asarray(hi, float),
        "divergences": int(np.asarray(groups["sample_stats"]["diverging"]).sum()),
    }


def roi_by_channel(engine, window: np.ndarray) -> np.ndarray:
    """ROI per draw and channel over the boolean date ``window``: ``(draw, channel)``."""
    out = []
    for c in range(len(engine.channels)):
        inc, spend = engine.roi_draws(c, window)
        out.append(inc.sum(-1) / max(spend.sum(), 1e-12))
    return np.stack(out, axis=1)


def stratified(values: np.ndarray, high: np.ndarray, refitted: np.ndarray) -> tuple[float, float]:
    """Mean over outcomes and its Monte Carlo standard error when the high-k-hat outcomes are
    represented by the refitted subset of them (a stratified estimate; ``values`` holds the
    reweighting result for low outcomes and the refit result for refitted ones, NaN elsewhere)."""
    low = ~high & np.isfinite(values)
    parts = [(values[low], low.sum()), (values[refitted], high.sum() if refitted.any() else 0)]
    n = sum(size for _, size in parts)
    mean = sum(size * v.mean() for v, size in parts if size) / n
    var = sum((size / n) ** 2 * v.var(ddof=1) / len(v) for v, size in parts if size and len(v) > 1)
    return float(mean), float(np.sqrt(var)) if n > 1 else np.nan
