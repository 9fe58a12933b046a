"""Design check before fitting: can *this* spend and calendar identify each channel's ROI?

``check_design(model, data)`` (``bm.MMM().check_design(data)``) draws ``n_datasets`` "true" worlds
from the model's prior, simulates the target of each from the prior predictive on the user's own
spend, calendar and controls, fits each with fast settings (through
:func:`bayes_mmm.core.executor.run_jobs`: local processes by default, a Dask ``Client`` when given)
and reports per channel (docs/experiments.md):

* the expected ratio of posterior to prior ROI interval width (the ``width_ratio`` of
  ``fit.roi()``: log scale for positive channels);
* the coverage of the true ROI by the posterior interval;
* P(the data resolve "ROI > 1?"): the posterior puts >= ``level`` probability on one side of 1;
* P(they resolve "is A better than B?") per pair of channels;
* a plain verdict and what would help, plus VIF and spend correlations
  (:mod:`bayes_mmm.data.collinearity`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import SpecError, is_number, message
from bayes_mmm.core.executor import check_executor, run_jobs
from bayes_mmm.core.intervals import interval
from bayes_mmm.data.collinearity import spend_correlations, vif_table
from bayes_mmm.experiment_inputs import check_counts
from bayes_mmm.inference.prior_draws import quiet_pymc
from bayes_mmm.model.equations import compute_scales
from bayes_mmm.model.graph import build_model

INFORMATIVE, PRIOR_BOUND = 0.5, 0.8  # width-ratio thresholds of the verdicts (0.8 as fit.roi())


@dataclass(frozen=True, eq=False)
class DesignCheck:
    """Result of :func:`check_design`.

    Attributes:
        table: per channel: width_ratio (median posterior/prior ROI interval width), coverage,
            p_resolve_roi_gt_1, p_correct_roi_gt_1, roi_precision_pct (median half-width of the
            interval in % of the median ROI), verdict, what_would_help.
        pairs: per pair of channels: p_resolved (P(A > B) >= level or <= 1 - level),
            p_correct.
        vif, correlations: collinearity diagnostics with their meaning.
        runs: one row per simulated dataset and channel (truth, interval, P(ROI > 1), ...).
        info: n_datasets, fitted (successful fits), settings, level.
    """

    table: pd.DataFrame
    pairs: pd.DataFrame
    vif: pd.DataFrame
    correlations: pd.DataFrame
    runs: pd.DataFrame
    info: dict

    def summary(self) -> str:
        """One line per channel: the verdict and what would help."""
        return "\n".join(
            f"{r.channel}: {r.verdict}."
            + (f" Would help: {r.what_would_help}." if r.what_would_help else "")
            for r in self.table.itertuples()
        )

    def __repr__(self) -> str:
        return f"DesignCheck({self.info['fitted']} simulated fits)\n{self.summary()}"


def check_design(
    spec,
    data,
    *,
    n_datasets: int = 8,
    chains: int = 2,
    draws: int = 250,
    tune: int = 250,
    level: float = 0.9,
    seed: int = 0,
    noise="data",
    executor=None,
) -> DesignCheck:
    """Simulate-and-refit check of what the data can identify; see the module docstring.

    Args:
        spec: a ``bm.MMM`` (its priors are the "truth" distribution: use benchmark priors for a
            sharper question).
        data: the user's ``MMMData`` (only spend, exposure, calendar and controls are used; the
            target is replaced by prior-predictive simulations).
        n_datasets: K simulated datasets (>= 2; 8-20 is typical).
        chains, draws, tune: NUTS settings of each fast fit.
        level: credible level of the intervals and of "resolved".
        seed: random seed (same seed, same check).
        noise: the worlds' residual noise. "data" (default) fixes it at the posterior mean of one
            more fast fit, of ``data`` itself; a number fixes it (fraction of the target's mean);
            None draws it from the noise prior (HalfNormal(0.2) on the target / its mean is often
            far noisier than real data, which made the check conservative: predicted width
            ratios 0.28 above the realised ones on average, against 0.07 with "data";
            docs/experiments.md).
        executor: None (local processes), "serial" or a Dask ``Client`` / any ``.submit`` object.
    """
    check_counts(n_datasets=n_datasets)
    check_executor(executor)
    noise = world_noise(spec, data, noise, seed, {"chains": chains, "draws": draws, "tune": tune})
    truths, targets, noises = prior_worlds(spec, data, n_datasets, seed, noise)
    settings = {"chains": chains, "draws": draws, "tune": tune, "level": level}
    jobs = [
        {
            "spec": spec,
            "data": replace(data, target=targets[k]),
            "truth": truths[k],
            "seed": seed + 1 + k,
            **settings,
        }
        for k in range(n_datasets)
    ]
    results = run_jobs(fit_world, jobs, executor=executor)
    runs = pd.DataFrame(
        [
            {"dataset": k, "world_noise": noises[k], **row}
            for k, res in enumerate(results)
            for row in res["channels"]
        ]
    )
    pairs = pd.DataFrame(
        [{"dataset": k, **row} for k, res in enumerate(results) for row in res["pairs"]]
    )
    vif, corr = vif_table(data), spend_correlations(data)
    table = summarise_runs(runs, data, vif, corr, level)
    pair_table = (
        pairs.groupby(["channel_a", "channel_b"], sort=False)[["p_resolved", "p_correct"]]
        .mean()
        .reset_index()
        if len(pairs)
        else pd.DataFrame(columns=["channel_a", "channel_b", "p_resolved", "p_correct"])
    )
    info = {"n_datasets": n_datasets, "fitted": int(sum(r["ok"] for r in results)), **settings}
    info["noise"] = "prior" if noise is None else float(np.mean(noise))
    info["failures"] = [r["error"] for r in results if not r["ok"]]
    return DesignCheck(table, pair_table, vif, corr, runs, info)


def world_noise(spec, data, noise, seed: int, settings: dict):
    """The worlds' fixed noise (scaled units, per region or scalar), or None (noise prior)."""
    if noise is None:
        return None
    if noise == "data":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quick = spec.fit(data, seed=seed, progress=False, **settings)
        return np.asarray(quick.posterior["noise"].mean(("chain", "draw")).values, float)
    if not is_number(noise) or not noise > 0:
        raise SpecError(
            message(
                "noise",
                'None (noise prior), a number > 0 (fraction of the target\'s mean) or "data"',
                repr(noise)[:80],
            )
        )
    return float(noise)


def prior_worlds(spec, data, n: int, seed: int, noise=None):
    """``n`` prior draws: the true ROI per channel ``(n, channel)``, the simulated target
    ``(n, date, geo)`` in the data's units (prior predictive on the user's spend) and each world's
    noise (scaled units, mean over regions); ``noise`` (not None) fixes the noise."""
    import pymc as pm

    model = build_model(spec, data)
    if noise is not None:
        shape = model["noise"].type.shape
        model = pm.do(model, {"noise": np.broadcast_to(noise, shape).astype(float)})
    with quiet_pymc(), model:
        names = ["roi", "y"] + (["noise"] if noise is None else [])
        prior = pm.sample_prior_predictive(draws=n, var_names=names, random_seed=seed)
    roi = prior["prior"]["roi"].values.reshape(n, -1)
    y = prior["prior_predictive"]["y"].values.reshape(n, data.n_dates, data.n_geos)
    if noise is None:
        noises = prior["prior"]["noise"].values.reshape(n, -1).mean(axis=1)
    else:
        noises = np.full(n, float(np.mean(noise)))
    return roi, y * compute_scales(data).target[None, None, :], noises


def fit_world(
    spec, data, truth, seed: int, chains: int, draws: int, tune: int, level: float
) -> dict:
    """Fit one simulated dataset; per-channel interval, width ratio, resolution of the questions."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = spec.fit(data, chains=chains, draws=draws, tune=tune, seed=seed, progress=False)
    except Exception as exc:  # a failed simulated fit is reported, not fatal
        return {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}"[:300],
            "channels": [],
            "pairs": [],
        }
    roi = np.stack(
        [fit.posterior["roi"].sel(channel=ch).values.ravel() for ch in data.channels], axis=1
    )
    ratios = fit.prior_dominated(level).set_index("channel")["width_ratio"]
    lo, hi = interval(roi, level)
    med = np.median(roi, axis=0)
    channels = []
    for c, ch in enumerate(data.channels):
        p_gt_1 = float(np.mean(roi[:, c] > 1))
        resolved = p_gt_1 >= level or p_gt_1 <= 1 - level
        channels.append(
            {
                "channel": ch,
                "true_roi": float(truth[c]),
                "lower": float(lo[c]),
                "upper": float(hi[c]),
                "median": float(med[c]),
                "width_ratio": float(ratios[ch]),
                "covered": bool(lo[c] <= truth[c] <= hi[c]),
                "p_roi_gt_1": p_gt_1,
                "resolved": resolved,
                "correct": resolved and (p_gt_1 >= level) == (truth[c] > 1),
                "precision_pct": float(100 * (hi[c] - lo[c]) / 2 / max(abs(med[c]), 1e-12)),
            }
        )
    pairs = []
    for a in range(len(data.channels)):
        for b in range(a + 1, len(data.channels)):
            p = float(np.mean(roi[:, a] > roi[:, b]))
            resolved = p >= level or p <= 1 - level
            pairs.append(
                {
                    "channel_a": data.channels[a],
                    "channel_b": data.channels[b],
                    "p_resolved": resolved,
                    "p_correct": resolved and (p >= level) == (truth[a] > truth[b]),
                }
            )
    return {"ok": True, "error": "", "channels": channels, "pairs": pairs}


def summarise_runs(
    runs: pd.DataFrame, data, vif: pd.DataFrame, corr: pd.DataFrame, level
) -> pd.DataFrame:
    """Per-channel summary of the simulated fits with a verdict and what would help."""
    rows = []
    for ch in data.channels:
        sub = runs[runs["channel"] == ch] if len(runs) else runs
        if not len(sub):
            rows.append(
                {"channel": ch, "verdict": "no simulated fit succeeded", "what_would_help": ""}
            )
            continue
        ratio, precision = float(sub["width_ratio"].median()), float(sub["precision_pct"].median())
        rows.append(
            {
                "channel": ch,
                "width_ratio": ratio,
                "coverage": float(sub["covered"].mean()),
                "p_resolve_roi_gt_1": float(sub["resolved"].mean()),
                "p_correct_roi_gt_1": float(sub["correct"].mean()),
                "roi_precision_pct": precision,
                "verdict": verdict(ratio, precision),
                "what_would_help": what_would_help(ch, ratio, data, vif, corr),
            }
        )
    return pd.DataFrame(rows)


def verdict(ratio: float, precision_pct: float) -> str:
    """Plain-language verdict from the expected width ratio and the ROI precision."""
    if ratio < INFORMATIVE:
        return f"the data can pin ROI to about +-{precision_pct:.0f}%"
    if ratio <= PRIOR_BOUND:
        return (
            f"the data narrow the prior (ROI to about +-{precision_pct:.0f}%), but the prior "
            "still shapes the answer"
        )
    return "the result will be mostly your prior: add variation or run a test"


def what_would_help(channel: str, ratio: float, data, vif: pd.DataFrame, corr: pd.DataFrame) -> str:
    """Concrete advice for a channel the data identify poorly ('' when identified)."""
    if ratio < INFORMATIVE:
        return ""
    c = list(data.channels).index(channel)
    weekly = np.asarray(data.spend)[:, :, c].sum(axis=1)
    advice = []
    cv = weekly.std() / weekly.mean() if weekly.mean() > 0 else 0.0
    if cv < 0.2:
        advice.append(f"more spend variation (weekly spend varies by only {100 * cv:.0f}%)")
    v = float(vif.set_index("input").loc[channel, "vif"])
    partners = corr[
        ((corr["channel_a"] == channel) | (corr["channel_b"] == channel))
        & (corr["correlation"].abs() >= 0.7)
    ]
    if v >= 5 or len(partners):
        advice.append(f"separate it from correlated inputs (VIF {v:.1f}): flight it on its own")
    if data.n_dates < 104:
        advice.append(f"more weeks ({data.n_dates} now; two years separate seasonality from media)")
    advice.append(f"a lift test on {channel}")
    return "; ".join(advice)
