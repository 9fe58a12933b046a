"""Misfit checks after sampling, one tidy table with a one-line fix per problem: the carryover
screen (delayed or longer-than-``l_max`` response), carryover pressing on the window, residuals
vs lagged spend, residual autocorrelation and posterior predictive coverage. First, one
``carryover_adapted`` row per channel ``carryover="auto"`` changed before sampling (what, why,
and how to opt out).

Residuals are actual - posterior mean over the training periods, summed over regions. Thresholds:

* residuals vs lagged spend: ``|corr(residual[t], media[t - k])| > LAG_Z / sqrt(n - k)`` for some
  k in 0..l_max + 5 (about a 2% family-wise false-alarm rate over 4-5 channels on independent
  noise);
* autocorrelation: lag-1 autocorrelation > ``ACF_MAX`` and Ljung-Box (lags 1-4) p < ``LB_P``;
* carryover window: a geometric channel's posterior median decay leaves more than ``TAIL_MAX``
  (20%) of the first week's weight at lag ``l_max - 1`` (decay > 0.79 with ``l_max=8``);
* carryover mixing: a channel's adstock parameters and its effect both miss R-hat <= 1.01 (or
  have bulk ESS < 100): the chains trade one against the other;
* predictive coverage: fewer than ``PPC_MIN`` of the training periods inside the 90%
  posterior predictive band (a calibrated model puts about 90% there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.inference.carryover_adapt import OPT_OUT, adaptation_note
from bayes_mmm.inference.diagnostics import ESS_MIN, RHAT_MAX
from bayes_mmm.inference.misfit import (
    EVIDENCE_MIN,
    carryover_table,
    lagged_correlation,
    ljung_box,
)
from bayes_mmm.model.transforms import ADSTOCKS

LAG_Z = 3.5
ACF_MAX = 0.3
LB_P = 0.01
PPC_MIN = 0.80
TAIL_MAX = 0.2
COLUMNS = ["check", "subject", "statistic", "threshold", "flagged", "problem", "advice"]


def _row(check, subject, statistic, threshold, flagged, problem="", advice="") -> dict:
    return dict(
        zip(
            COLUMNS,
            (
                check,
                subject,
                float(statistic),
                float(threshold),
                bool(flagged),
                problem if flagged else "",
                advice if flagged else "",
            ),
        )
    )


ADAPTED = "carryover_adapted"


def adapted_rows(fit) -> list[dict]:
    """Channels ``carryover="auto"`` fitted with another adstock or window than the spec the user
    wrote (``fit_info["carryover_adapted"]``); ``flagged`` so that they reach the post-fit
    warning, ``fit.diagnostics()``, the summary and the report, with the opt-out as advice."""
    return [
        _row(
            ADAPTED,
            r["channel"],
            r["evidence"],
            EVIDENCE_MIN,
            True,
            adaptation_note(r),
            f"{OPT_OUT}; channels={{'{r['channel']}': ChannelSpec(adstock='{r['adstock_from']}')}} "
            "keeps this channel only",
        )
        for r in fit.fit_info.get("carryover_adapted", [])
    ]


def carryover_rows(fit) -> list[dict]:
    """The data-driven carryover screen of :mod:`bayes_mmm.inference.misfit` on the training
    data, against each channel's adstock family and ``l_max``."""
    table = carryover_table(fit.train, fit.spec)
    return [
        _row(
            "carryover",
            r["channel"],
            r["evidence"],
            EVIDENCE_MIN,
            r["flagged"],
            r["problem"],
            r["advice"],
        )
        for _, r in table.iterrows()
    ]


def window_rows(fit) -> list[dict]:
    """Geometric channels whose posterior decay keeps more than ``TAIL_MAX`` of the first week's
    weight at the window's last lag (``alpha ** (l_max - 1)``): the carryover is cut by
    ``l_max`` or peaks later than the adstock allows, the usual cause of slow mixing of that
    channel's decay and effect."""
    alpha = fit.params.transform.get("alpha")
    l_max = fit.spec.l_max
    rows = []
    for c, ch in enumerate(fit.channels):
        if ch.adstock != "geometric" or alpha is None:
            continue
        median = float(np.median(alpha[..., c]))
        tail = median ** (l_max - 1)
        rows.append(
            _row(
                "carryover_window",
                ch.name,
                tail,
                TAIL_MAX,
                tail > TAIL_MAX,
                f"carryover of '{ch.name}' runs into the l_max={l_max} window (posterior decay "
                f"{median:.2f}: {tail:.0%} of the first week's effect is left at lag {l_max - 1}); "
                "it is longer than l_max or peaks weeks after spend",
                f"l_max={max(13, 2 * l_max)}, or channels={{'{ch.name}': "
                "ChannelSpec(adstock='delayed')}, l_max=13",
            )
        )
    return rows


ADSTOCK_PARAMS = tuple(sorted({p for t in ADSTOCKS.values() for p in t.params}))
EFFECT_PARAMS = ("roi", "beta", "share", "relative_roi_z", "roi_z", "share_z", "mroi_z")


def _worst_by_channel(params: pd.DataFrame, names) -> dict[str, tuple[float, float]]:
    """Per channel the largest R-hat and smallest bulk ESS over the parameters ``names``
    (``name[channel]`` or ``name[geo|channel]``)."""
    parts = params["parameter"].str.extract(r"^(\w+)\[(?:[^|\]]*\|)?([^\]|]+)\]$")
    rows = params[parts[0].isin(names)].assign(channel=parts[1])
    grouped = rows.groupby("channel").agg(r_hat=("r_hat", "max"), ess=("ess_bulk", "min"))
    return {ch: (r.r_hat, r.ess) for ch, r in grouped.iterrows()}


def mixing_rows(fit) -> list[dict]:
    """Channels whose carryover parameters and effect fail to converge together (R-hat >
    ``RHAT_MAX`` or bulk ESS < ``ESS_MIN / 4`` for both): the chains trade the decay against the
    effect, which is how a carryover shape that does not fit the channel (a response peaking
    weeks after spend, or longer than ``l_max``) shows up when the screen is not sure."""
    params = fit.parameter_summary
    if not len(params) or "r_hat" not in params:
        return []
    params = params.assign(r_hat=params["r_hat"].fillna(1.0))
    adstocks = _worst_by_channel(params, ADSTOCK_PARAMS)
    effects = _worst_by_channel(params, EFFECT_PARAMS)
    rows = []
    for ch in fit.channels:
        adstock, effect = adstocks.get(ch.name), effects.get(ch.name)
        if adstock is None or effect is None:
            continue
        bad = [r > RHAT_MAX or e < ESS_MIN / 4 for r, e in (adstock, effect)]
        delayed = ch.adstock != "geometric"
        rows.append(
            _row(
                "carryover_mixing",
                ch.name,
                max(adstock[0], effect[0]),
                RHAT_MAX,
                all(bad),
                f"chains disagree on '{ch.name}'s carryover and its effect together (R-hat "
                f"{max(adstock[0], effect[0]):.3f}, bulk ESS {min(adstock[1], effect[1]):.0f}): "
                + (
                    "its decay and peak are not identified separately from its effect"
                    if delayed
                    else "its carryover may peak weeks after spend or outlast l_max"
                ),
                f"give '{ch.name}' a prior on its carryover (decay/peak) or a lift test"
                if delayed
                else f"channels={{'{ch.name}': ChannelSpec(adstock='delayed')}}, l_max=13",
            )
        )
    return rows


def lagged_spend_rows(residual: np.ndarray, media: np.ndarray, channels, l_max: int) -> list[dict]:
    """Per channel the lag with the largest |correlation| of residuals with past media."""
    rows = []
    n = len(residual)
    for c, ch in enumerate(channels):
        corr = lagged_correlation(residual, media[:, c], l_max + 5)
        if not np.isfinite(corr).any():
            continue
        k = int(np.nanargmax(np.abs(corr)))
        limit = LAG_Z / np.sqrt(n - k)
        stat = abs(corr[k])
        if k == 0:
            problem = (
                f"residuals track this week's '{ch}' spend (corr {corr[k]:+.2f}): its "
                "response shape or scale is off"
            )
            fix = f"channels={{'{ch}': ChannelSpec(saturation='logistic')}}, or model impressions"
        else:
            problem = (
                f"residuals track '{ch}' spend {k} weeks back (corr {corr[k]:+.2f}): its "
                "carryover is delayed or longer than modelled"
            )
            fix = (
                f"channels={{'{ch}': ChannelSpec(adstock='delayed')}}"
                if k < l_max
                else f"l_max={min(k + 6, 104)}"
            )
        rows.append(_row("residual_vs_lagged_spend", ch, stat, limit, stat > limit, problem, fix))
    return rows


def autocorrelation_row(residual: np.ndarray) -> dict:
    acf, p = ljung_box(residual)
    flagged = acf[0] > ACF_MAX and p < LB_P
    return _row(
        "residual_autocorrelation",
        "residuals",
        acf[0],
        ACF_MAX,
        flagged,
        f"residuals are autocorrelated (lag-1 {acf[0]:.2f}, Ljung-Box p={p:.1g}): weeks are "
        "not independent, so intervals are too narrow",
        "add the missing driver (holiday, price, distribution) as a control, raise "
        "seasonality=, or fix the carryover rows above",
    )


def coverage_row(pred: pd.DataFrame) -> dict:
    inside = ((pred["actual"] >= pred["lower"]) & (pred["actual"] <= pred["upper"])).mean()
    return _row(
        "predictive_coverage",
        "90% band",
        inside,
        PPC_MIN,
        inside < PPC_MIN,
        f"only {inside:.0%} of training weeks fall inside the 90% posterior predictive band",
        "the model misses structure: look at fit.plot.fit_over_time() for the weeks it misses "
        "and add controls, seasonality= or a different likelihood",
    )


def misfit_table(fit) -> pd.DataFrame:
    """All checks (flagged or not) as a tidy table: check, subject, statistic, threshold,
    flagged, problem, advice (a one-line fix)."""
    pred = fit.predict(level=0.9)
    pred = pred[pred["split"] == "train"]
    national = pred.groupby("date", sort=True)[["actual", "mean"]].sum()
    residual = (national["actual"] - national["mean"]).to_numpy()
    media = fit.train.media.sum(axis=1)
    rows = [
        *adapted_rows(fit),
        *carryover_rows(fit),
        *window_rows(fit),
        *mixing_rows(fit),
        *lagged_spend_rows(residual, media, fit.data.channels, fit.spec.l_max),
        autocorrelation_row(residual),
        coverage_row(pred),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def diagnostic_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Flagged checks as ``fit.diagnostics()`` rows (parameter, problem, advice) and notes."""
    flagged = table[table["flagged"]]
    rows = pd.DataFrame(
        {
            "parameter": flagged["check"] + "[" + flagged["subject"] + "]",
            "problem": flagged["problem"],
            "advice": flagged["advice"],
        }
    )
    notes = [
        f"{p}. {'To opt out' if c == ADAPTED else 'Fix'}: {a}"
        for c, p, a in zip(flagged["check"], flagged["problem"], flagged["advice"])
    ]
    return rows.reset_index(drop=True), notes
