"""Which lift test to run next: the expected value of sample information (EVSI) of candidate tests.

``next_experiment(fit, candidates)`` ranks candidate lift tests (channel, region, window in the
planning horizon, spend change per week) by how much they are expected to improve the budget
decision (docs/experiments.md):

1. today's plan: :func:`~bayes_mmm.planning.optimizer.optimize_budget` on the current posterior;
2. for each candidate, each posterior draw predicts the test's lift with the model's own
   counterfactual (the same exposure change and carryover as the lift-test likelihood in
   :mod:`bayes_mmm.model.lift_likelihood`), on the reference spend of the horizon (the last
   ``horizon`` weeks repeated, as the optimiser's reference plan);
3. ``n_outcomes`` test results are simulated from the posterior predictive (a draw, then
   ``Normal(lift, lift_se)``); each reweights the draws by the lift-test likelihood with
   Pareto-smoothed importance sampling (ArviZ's PSIS; k-hat reported), and the budget is
   re-optimised on the reweighted (resampled) draws; outcomes whose k-hat exceeds
   ``khat_limit`` are re-evaluated by refitting the model with the simulated test
   (:mod:`bayes_mmm.experiment_refit`, at most ``n_refit`` per candidate);
4. EVSI = mean over outcomes of [value of the better of the re-optimised plan and today's plan
   - value of today's plan], both under the updated posterior (>= 0: a re-optimised plan that
   does no better is not adopted; outcome units: money with ``revenue_per_unit``, else target
   units, over the horizon).

Also per candidate: expected ROI-interval width ratio of each channel after the test, P(the test
changes the recommended plan), the spend moved and the expected outcome at risk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import OptimizationError, check_level
from bayes_mmm.core.executor import check_executor, run_jobs
from bayes_mmm.core.intervals import interval
from bayes_mmm.experiment_inputs import (
    check_counts,
    check_optimisable,
    check_refit_options,
    default_candidates,
    future_reference,
    planned_exposure,
    validate_candidates,
)
from bayes_mmm.experiment_refit import (
    REFIT_SETTINGS,
    planned_test_frame,
    refit_outcome,
    roi_by_channel,
    stratified,
)
from bayes_mmm.planning.optimizer import optimize_budget
from bayes_mmm.viz.experiment_plots import experiment_bars

KHAT_LIMIT = 0.7  # PSIS k-hat above this: the reweighted posterior is unreliable (refit advised)


@dataclass(frozen=True, eq=False)
class ExperimentRanking:
    """Result of :func:`next_experiment`.

    Attributes:
        table: one row per candidate, best first: channel, geo, start, end, weeks, spend_change
            (currency per week), lift_se, evsi (mean gain of the re-optimised plan), evsi_se (Monte
            Carlo standard error), evsi_pct (of today's plan's expected outcome), prob_change_plan,
            roi_width_ratio (tested channel: expected posterior ROI width after / before),
            spend_moved (currency), outcome_at_risk (expected outcome lost, target units),
            expected_lift, khat_max, khat_ok (share of outcomes with k-hat <= khat_limit),
            refitted (outcomes re-evaluated by a refit), evsi_reweighted (EVSI from reweighting
            alone), note.
        shrinkage: expected ROI width ratio after / before, candidate x channel.
        plan: today's :class:`~bayes_mmm.planning.budget_result.BudgetResult`.
        info: units, draws used, outcomes per candidate, seed, threshold, khat_limit, refits
            (number of refits run) and refit_settings.
    """

    table: pd.DataFrame
    shrinkage: pd.DataFrame
    plan: object
    info: dict

    def plot(self, ax=None):
        """EVSI per candidate (Monte Carlo error bars) and P(changes the plan)."""
        return experiment_bars(self, ax=ax)

    def __repr__(self) -> str:
        top = self.table.iloc[0]
        return (
            f"ExperimentRanking({len(self.table)} candidates; best: {top['channel']} "
            f"{top['spend_change']:+,.0f}/week for {top['weeks']} weeks, EVSI "
            f"{top['evsi']:,.0f} {self.info['units']})"
        )


# long: the documented steps in order (checks, today's plan, outcomes, refits, table)
def next_experiment(
    fit,
    candidates: pd.DataFrame | None = None,
    *,
    horizon: int = 13,
    n_outcomes: int = 16,
    max_draws: int = 400,
    level: float = 0.9,
    change_threshold: float = 0.05,
    khat_limit: float = KHAT_LIMIT,
    refit: bool = True,
    n_refit: int = 2,
    refit_settings: dict | None = None,
    executor=None,
    seed: int = 0,
    **optimizer_options,
) -> ExperimentRanking:
    """Rank candidate lift tests by the expected improvement of the budget decision (EVSI).

    Args:
        fit: an ``MMMFit``.
        candidates: DataFrame with channel, start, end (dates inside the planning horizon, i.e.
            the ``horizon`` periods after the data), spend_change (currency per period; negative
            for a go-dark test), optional geo (None = all regions in proportion to spend) and
            lift_se (target units; default: residual noise x sqrt(2 x periods x regions tested)).
            Default: :func:`~bayes_mmm.experiment_inputs.default_candidates`.
        horizon: planning horizon in periods (as ``optimize_budget``).
        n_outcomes: simulated test results per candidate (>= 2).
        max_draws: posterior draws used (evenly thinned; speed).
        level: credible level of the ROI intervals whose shrinkage is reported.
        change_threshold: the plan "changes" when more than this share of the budget moves.
        khat_limit: PSIS k-hat above which an outcome's reweighting is not trusted (0.7).
        refit: re-evaluate such outcomes by refitting the model with the simulated test
            (:mod:`bayes_mmm.experiment_refit`); False only flags them.
        n_refit: refits per candidate at most (a random subset of its high-k-hat outcomes
            stands for all of them).
        refit_settings: NUTS settings of each refit (default 2 chains x 150 draws, 150 tune).
        executor: runs the refits: None (local processes), "serial" or a Dask ``Client``.
        seed: random seed (same seed, same ranking).
        **optimizer_options: passed to ``optimize_budget`` (budget, relative_bounds, fixed, ...).
    """
    check_level(level)
    check_counts(n_outcomes=n_outcomes, max_draws=max_draws, horizon=horizon)
    check_refit_options(khat_limit, n_refit, refit_settings)
    check_executor(executor)
    check_optimisable(fit, horizon, optimizer_options)
    spend_f, media_f = future_reference(fit.data, horizon)
    if candidates is None:
        candidates = default_candidates(fit, horizon)
    tests = validate_candidates(candidates, fit, horizon, spend_f)
    rng = np.random.default_rng(seed)
    sel = np.unique(np.linspace(0, fit.params.n_samples - 1, max_draws).round().astype(int))
    engine = replace(fit.engine, params=fit.params.take(sel))
    options = {"horizon": horizon, **optimizer_options}
    today = optimize_budget(engine, **options)
    roi = roi_by_channel(engine, fit.window())
    settings = (n_outcomes, level, change_threshold)
    records = []
    for _, test in tests.iterrows():
        paths = planned_exposure(fit.data, test, spend_f, media_f)
        lift = predicted_lift(engine, fit.data, test, paths)
        records.append(_outcomes(engine, today, roi, lift, test["lift_se"], rng, settings, options))
        records[-1]["khat_high"] = records[-1]["khat"] > khat_limit
    jobs, owners = [], []
    for i, rec in enumerate(records if refit else []):
        high = np.flatnonzero(rec["khat_high"])
        for m in np.sort(rng.permutation(high)[:n_refit]):
            test = tests.iloc[i]
            frame = planned_test_frame(
                test, planned_exposure(fit.data, test, spend_f, media_f), rec["observed"][m]
            )
            job = {"spec": fit.spec, "data": fit.data, "tests": frame, "plan": today.optimal}
            job.update({"options": options, "level": level, "seed": seed + 1000 + len(jobs)})
            jobs.append({**job, "settings": {**REFIT_SETTINGS, **(refit_settings or {})}})
            owners.append((i, m))
    refits = [[] for _ in records]
    for (i, m), res in zip(owners, run_jobs(refit_outcome, jobs, executor=executor)):
        refits[i].append((m, res))
    rows = []
    for (_, test), rec, done in zip(tests.iterrows(), records, refits):
        row, ratios = _summarise(rec, done, roi, level, change_threshold)
        row["roi_width_ratio"] = float(ratios[list(fit.data.channels).index(test["channel"])])
        moved = abs(test["spend_change"]) * test["weeks"]
        rows.append({**test.to_dict(), **row, "spend_moved": moved, "ratios": ratios})
        rows[-1]["outcome_at_risk"] = max(0.0, -float(rec["lift"].mean()))
    table = pd.DataFrame(rows)
    table["evsi_pct"] = 100 * table["evsi"] / float(today.draws["optimal"].mean())
    order = table["evsi"].sort_values(ascending=False, kind="stable").index
    shrinkage = pd.DataFrame(list(table.pop("ratios")), columns=list(fit.data.channels))
    units = "currency" if fit.data.revenue_per_unit is not None else f"{fit.data.target_name} units"
    info = {"units": units, "draws": len(sel), "n_outcomes": n_outcomes, "seed": seed}
    info.update({"change_threshold": change_threshold, "horizon": horizon, "refits": len(jobs)})
    info.update({"khat_limit": khat_limit, "refit_settings": jobs[0]["settings"] if jobs else None})
    return ExperimentRanking(
        table.loc[order].reset_index(drop=True),
        shrinkage.loc[order].reset_index(drop=True),
        today,
        info,
    )


def predicted_lift(engine, data, test, paths: np.ndarray) -> np.ndarray:
    """Each draw's lift (target units, carryover in) of ``test`` run in the planning horizon, on
    its reference and changed exposure ``paths`` (:func:`~bayes_mmm.experiment_inputs.
    planned_exposure`: the history followed by the horizon)."""
    c = list(data.channels).index(test["channel"])
    start = max(0, data.n_dates + int(test["offset"]) - engine.pad)  # earlier: unchanged
    both = paths[:, start:]
    lift = np.zeros(engine.params.n_samples)
    for k in range(0, engine.params.n_samples, 1000):
        part = engine.params.take(slice(k, k + 1000))
        outs = [
            replace(engine, params=part).outcome(c, m, money=False).sum(axis=(1, 2)) for m in both
        ]
        lift[k : k + 1000] = outs[1] - outs[0]
    return lift


def psis_weights(lift: np.ndarray, observed: np.ndarray, se: float):
    """Normalised PSIS weights ``(outcome, draw)`` of the lift-test likelihood, and k-hat."""
    from arviz_stats.base import array_stats

    log_ratio = -0.5 * ((observed[:, None] - lift[None, :]) / se) ** 2
    log_ratio -= log_ratio.max(axis=1, keepdims=True)
    # ArviZ's psislw smooths LOO ratios 1 / p(y | draw): it takes the log-likelihood and negates
    # it, so pass the negated log ratio to smooth the weights p(y | draw).
    log_w, khat = array_stats.psislw(-log_ratio)
    log_w = np.where(np.isfinite(log_w).all(axis=1, keepdims=True), log_w, log_ratio)
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    khat = np.atleast_1d(khat).astype(float)
    return w / w.sum(axis=1, keepdims=True), np.where(np.isnan(khat), np.inf, khat)


def _resample(weights: np.ndarray, rng) -> np.ndarray:
    """Systematic resampling: draw indices whose frequencies follow ``weights``."""
    n = len(weights)
    positions = (rng.uniform() + np.arange(n)) / n
    return np.minimum(np.searchsorted(np.cumsum(weights), positions), n - 1)


def _outcomes(engine, today, roi, lift, se, rng, settings, options) -> dict:
    """Simulate outcomes of one test, reweight, re-optimise: per-outcome observed result, k-hat,
    gain, changed (0/1) and ROI width ratios (NaN where the optimiser failed)."""
    n_outcomes, level, threshold = settings
    s_star = rng.integers(len(lift), size=n_outcomes)
    observed = lift[s_star] + se * rng.standard_normal(n_outcomes)
    weights, khat = psis_weights(lift, observed, se)
    v_today = today.draws["optimal"]
    b_today = today.optimal.budget
    lo, hi = interval(roi, level)
    width = np.maximum(hi - lo, 1e-12)
    gain, changed = np.full(n_outcomes, np.nan), np.full(n_outcomes, np.nan)
    ratios = np.full((n_outcomes, roi.shape[1]), np.nan)
    for m in range(n_outcomes):
        idx = _resample(weights[m], rng)
        try:
            new = optimize_budget(replace(engine, params=engine.params.take(idx)), **options)
        except OptimizationError:
            continue
        # after the test the better of the two plans is run: a re-optimised plan that does no
        # better than today's under the updated posterior is not adopted (gain 0, no change)
        gain[m] = max(float(new.draws["optimal"].mean() - v_today[idx].mean()), 0.0)
        moved = 0.5 * np.abs(new.optimal.budget - b_today).sum() / max(b_today.sum(), 1e-12)
        changed[m] = float(moved > threshold and gain[m] > 0)
        qlo, qhi = interval(roi[idx], level)
        ratios[m] = (qhi - qlo) / width
    if not np.isfinite(gain).any():
        raise OptimizationError(
            "next_experiment: the optimiser failed for every simulated outcome; loosen the "
            "optimizer options."
        )
    return {
        "observed": observed,
        "khat": khat,
        "gain": gain,
        "changed": changed,
        "lift": lift,
        "ratios": ratios,
    }


def _summarise(rec: dict, refits: list, roi, level: float, threshold: float):
    """The candidate's row: reweighting results, with refitted outcomes standing for all of its
    high-k-hat outcomes (stratified estimate) when any refit succeeded."""
    gain, changed, ratios = rec["gain"].copy(), rec["changed"].copy(), rec["ratios"].copy()
    refitted = np.zeros(len(gain), bool)
    lo, hi = interval(roi, level)
    width = np.maximum(hi - lo, 1e-12)
    errors = []
    for m, res in refits:
        if not res["ok"]:
            errors.append(res["error"])
            continue
        refitted[m] = True
        gain[m], changed[m] = res["gain"], float(res["moved"] > threshold)
        ratios[m] = (res["roi_upper"] - res["roi_lower"]) / width
    high = rec["khat_high"] if refitted.any() else np.zeros(len(gain), bool)
    evsi, evsi_se = stratified(gain, high, refitted)
    ok = np.isfinite(rec["gain"])
    row = {
        "evsi": evsi,
        "evsi_se": evsi_se,
        "evsi_reweighted": float(rec["gain"][ok].mean()),
        "prob_change_plan": stratified(changed, high, refitted)[0],
        "expected_lift": float(rec["lift"].mean()),
        "khat_max": float(rec["khat"].max()),
        "khat_ok": float(np.mean(~rec["khat_high"])),
        "refitted": int(refitted.sum()),
        "note": _note(rec["khat_high"], refitted, refits, errors),
    }
    per_channel = [stratified(ratios[:, c], high, refitted)[0] for c in range(ratios.shape[1])]
    return row, np.array(per_channel)


def _note(high: np.ndarray, refitted: np.ndarray, refits: list, errors: list) -> str:
    if not high.any():
        return ""
    text = f"k-hat above the limit for {high.sum()} of {len(high)} outcomes"
    if refitted.any():
        text += f": {refitted.sum()} refitted, standing for all {high.sum()}"
    elif not refits:
        text += ": reweighting unreliable (refit off), refit with the test to confirm"
    if errors:
        text += f"; {len(errors)} refits failed ({errors[0][:80]})"
    return text
