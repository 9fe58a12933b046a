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
   re-optimised on the reweighted (resampled) draws;
4. EVSI = mean over outcomes of [value of the re-optimised plan - value of today's plan], both
   under the updated posterior (>= 0; outcome units: money with ``revenue_per_unit``, else target
   units, over the horizon).

Also per candidate: expected ROI-interval width ratio of each channel after the test, P(the test
changes the recommended plan), the spend moved and the expected outcome at risk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import OptimizationError, check_level
from bayes_mmm.core.intervals import interval
from bayes_mmm.experiment_inputs import (
    check_counts,
    check_optimisable,
    default_candidates,
    future_reference,
    validate_candidates,
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
            expected_lift, khat_max, khat_ok (share of outcomes with k-hat <= 0.7), note.
        shrinkage: expected ROI width ratio after / before, candidate x channel.
        plan: today's :class:`~bayes_mmm.planning.budget_result.BudgetResult`.
        info: units, draws used, outcomes per candidate, seed, threshold.
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


def next_experiment(
    fit,
    candidates: pd.DataFrame | None = None,
    *,
    horizon: int = 13,
    n_outcomes: int = 16,
    max_draws: int = 400,
    level: float = 0.9,
    change_threshold: float = 0.05,
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
        seed: random seed (same seed, same ranking).
        **optimizer_options: passed to ``optimize_budget`` (budget, relative_bounds, fixed, ...).
    """
    check_level(level)
    check_counts(n_outcomes=n_outcomes, max_draws=max_draws, horizon=horizon)
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
    roi = _roi_draws(engine, fit.window())
    rows, shrink = [], []
    for _, test in tests.iterrows():
        lift = predicted_lift(engine, fit.data, test, spend_f, media_f)
        se = test["lift_se"]
        row, ratios = _value_of_test(
            engine, today, roi, lift, se, rng, (n_outcomes, level, change_threshold), options
        )
        row["roi_width_ratio"] = float(ratios[list(fit.data.channels).index(test["channel"])])
        moved = abs(test["spend_change"]) * test["weeks"]
        rows.append({**test.to_dict(), **row, "spend_moved": moved})
        rows[-1]["outcome_at_risk"] = max(0.0, -float(lift.mean()))
        shrink.append(ratios)
    table = pd.DataFrame(rows)
    table["evsi_pct"] = 100 * table["evsi"] / float(today.draws["optimal"].mean())
    table["note"] = np.where(
        table["khat_ok"] < 1.0,
        "k-hat > 0.7 for some outcomes: reweighting unreliable, refit with the test to confirm",
        "",
    )
    order = table["evsi"].sort_values(ascending=False, kind="stable").index
    shrinkage = pd.DataFrame(shrink, columns=list(fit.data.channels))
    units = "currency" if fit.data.revenue_per_unit is not None else f"{fit.data.target_name} units"
    info = {"units": units, "draws": len(sel), "n_outcomes": n_outcomes, "seed": seed}
    info.update({"change_threshold": change_threshold, "horizon": horizon})
    return ExperimentRanking(
        table.loc[order].reset_index(drop=True),
        shrinkage.loc[order].reset_index(drop=True),
        today,
        info,
    )


def predicted_lift(engine, data, test, spend_f: np.ndarray, media_f: np.ndarray) -> np.ndarray:
    """Each draw's lift (target units, carryover in) of ``test`` run in the planning horizon.

    Exposure = history followed by the horizon's reference exposure; the test changes spend by
    ``spend_change`` per period in its window (split over regions by spend share when ``geo`` is
    None) at the channel's average exposure per unit of spend, floored at zero exposure.
    """
    c = list(data.channels).index(test["channel"])
    media = np.concatenate([data.media[..., c], media_f[..., c]])  # (date + horizon, geo)
    change = np.zeros_like(media)
    n = data.n_dates
    rows = slice(n + int(test["offset"]), n + int(test["offset"]) + int(test["weeks"]))
    change[rows] = test["spend_change"] * _geo_share(data, test, spend_f) * _per_spend(data, c)
    changed = np.maximum(media + change, 0.0)
    start = max(0, rows.start - engine.pad)  # earlier periods are unchanged
    both = np.stack([media[start:], changed[start:]])
    lift = np.zeros(engine.params.n_samples)
    for k in range(0, engine.params.n_samples, 1000):
        part = engine.params.take(slice(k, k + 1000))
        outs = [
            replace(engine, params=part).outcome(c, m, money=False).sum(axis=(1, 2)) for m in both
        ]
        lift[k : k + 1000] = outs[1] - outs[0]
    return lift


def _geo_share(data, test, spend_f: np.ndarray) -> np.ndarray:
    c = list(data.channels).index(test["channel"])
    if pd.isna(test["geo"]):
        total = spend_f[..., c].sum(0)
        return total / max(total.sum(), 1e-12)
    return np.array([g == str(test["geo"]) for g in data.geos], dtype=float)


def _per_spend(data, c: int) -> np.ndarray:
    spend, media = data.spend[..., c].sum(0), data.media[..., c].sum(0)
    return np.where(spend > 0, media / np.maximum(spend, 1e-12), 1.0)


def _roi_draws(engine, window: np.ndarray) -> np.ndarray:
    """ROI per draw and channel over the training window ``(draw, channel)``."""
    out = []
    for c in range(len(engine.channels)):
        inc, spend = engine.roi_draws(c, window)
        out.append(inc.sum(-1) / max(spend.sum(), 1e-12))
    return np.stack(out, axis=1)


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


def _value_of_test(engine, today, roi, lift, se, rng, settings, options):
    """Simulate outcomes of one test, reweight, re-optimise; the candidate's summary row."""
    n_outcomes, level, threshold = settings
    s_star = rng.integers(len(lift), size=n_outcomes)
    observed = lift[s_star] + se * rng.standard_normal(n_outcomes)
    weights, khat = psis_weights(lift, observed, se)
    v_today = today.draws["optimal"]
    b_today = today.optimal.budget
    lo, hi = interval(roi, level)
    width = np.maximum(hi - lo, 1e-12)
    gains, changed, ratios = [], [], []
    for m in range(n_outcomes):
        idx = _resample(weights[m], rng)
        try:
            new = optimize_budget(replace(engine, params=engine.params.take(idx)), **options)
        except OptimizationError:
            continue
        gains.append(float(new.draws["optimal"].mean() - v_today[idx].mean()))
        moved = 0.5 * np.abs(new.optimal.budget - b_today).sum() / max(b_today.sum(), 1e-12)
        changed.append(moved > threshold)
        qlo, qhi = interval(roi[idx], level)
        ratios.append((qhi - qlo) / width)
    if not gains:
        raise OptimizationError(
            "next_experiment: the optimiser failed for every simulated outcome; loosen the "
            "optimizer options."
        )
    gains = np.array(gains)
    row = {
        "evsi": float(gains.mean()),
        "evsi_se": float(gains.std(ddof=1) / np.sqrt(len(gains))) if len(gains) > 1 else np.nan,
        "prob_change_plan": float(np.mean(changed)),
        "expected_lift": float(lift.mean()),
        "khat_max": float(khat.max()),
        "khat_ok": float(np.mean(khat <= KHAT_LIMIT)),
    }
    return row, np.mean(ratios, axis=0)
