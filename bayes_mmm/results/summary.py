"""``fit.summary()``: one screen with the convergence verdict, fit metrics, headline ROI with
intervals, prior-dominated channels and the advice (text in a terminal, HTML in Jupyter)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import check_level
from bayes_mmm.core.intervals import interval
from bayes_mmm.inference.carryover_adapt import is_adaptation_note
from bayes_mmm.inference.diagnostics import ESS_MIN, RHAT_MAX, parameter_table, sampler_problems


@dataclass(frozen=True)
class FitSummary:
    """What :meth:`FitResult.summary` returns; ``str()`` is the text, Jupyter shows HTML."""

    verdict: str  # "converged" or "needs attention"
    convergence: dict  # divergences, max_r_hat, min_ess_bulk, min_ess_tail, min_bfmi
    metrics: pd.DataFrame  # split, n, r2, mape, rmse
    roi: pd.DataFrame  # channel, mean, lower, upper (, prior_dominated)
    headline: str
    prior_dominated: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        c = self.convergence
        lines = [
            f"Convergence: {self.verdict} - {c['divergences']} divergences, max R-hat "
            f"{c['max_r_hat']:.3f} (<= {RHAT_MAX}), min ESS bulk/tail {c['min_ess_bulk']:.0f}/"
            f"{c['min_ess_tail']:.0f} (>= {ESS_MIN}), min BFMI {c['min_bfmi']:.2f}",
            "Fit: "
            + "; ".join(
                f"{r.split} R2 {r.r2:.3f}, MAPE {r.mape:.1f}%, RMSE {r.rmse:,.4g}"
                for r in self.metrics.itertuples()
            ),
            self.headline,
            self.roi.to_string(index=False, float_format=lambda v: f"{v:,.3g}"),
            "Prior-dominated channels: " + (", ".join(self.prior_dominated) or "none"),
            "Advice:" + ("".join(f"\n- {a}" for a in self.advice) or " none"),
        ]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        color = "#2ca02c" if self.verdict == "converged" else "#d62728"
        text = str(self).split("\n")
        advice = "".join(f"<li>{html.escape(a)}</li>" for a in self.advice) or "<li>none</li>"
        dominated = html.escape(", ".join(self.prior_dominated) or "none")
        return (
            f"<div><p><b style='color:{color}'>{html.escape(text[0])}</b></p>"
            f"<p>{html.escape(text[1])}</p><p>{html.escape(self.headline)}</p>"
            + self.roi.to_html(index=False, float_format=lambda v: f"{v:,.3g}")
            + f"<p>Prior-dominated channels: {dominated}</p><p>Advice:</p><ul>{advice}</ul></div>"
        )


def convergence(tree, params: pd.DataFrame | None = None) -> dict:
    """Worst-case convergence numbers of a fit's DataTree (ArviZ R-hat / ESS, sampler stats);
    ``params``: its parameter table when already computed."""
    params = parameter_table(tree) if params is None else params
    problems = sampler_problems(tree)
    return {
        "divergences": int(problems["divergences"]),
        "max_r_hat": float(params["r_hat"].max()) if len(params) else float("nan"),
        "min_ess_bulk": float(params["ess_bulk"].min()) if len(params) else float("nan"),
        "min_ess_tail": float(params["ess_tail"].min()) if len(params) else float("nan"),
        "min_bfmi": float(problems["min_bfmi"]),
    }


def summarize_fit(fit, level: float = 0.9) -> FitSummary:
    """Build the one-screen summary of ``fit`` (a FitResult) at credible ``level``."""
    check_level(level)
    diag = fit.diagnostics(level)
    conv = convergence(fit.tree, fit.parameter_summary)
    advice = list(diag.attrs["advice"])
    verdict = "needs attention" if _sampler_advice(advice) else "converged"
    roi = fit.roi(level=level)
    cols = [c for c in ("channel", "mean", "lower", "upper", "prior_dominated") if c in roi]
    return FitSummary(
        verdict=verdict,
        convergence=conv,
        metrics=fit.fit_metrics(),
        roi=roi[cols].reset_index(drop=True),
        headline=_headline(fit, level),
        prior_dominated=list(diag.attrs["prior_dominated"]),
        advice=advice,
    )


def _sampler_advice(advice: list[str]) -> bool:
    """True when any advice is about sampling or misfit (not only prior-dominated channels or
    the notice that ``carryover="auto"`` adapted a channel)."""
    return any("prior-dominated" not in a and not is_adaptation_note(a) for a in advice)


def _headline(fit, level: float) -> str:
    """All channels' share of the fitted outcome in the training window (summed draws)."""
    mask = fit.window()
    comps = fit.component_draws
    media = sum(comps.summed(ch)[:, mask].sum(axis=1) for ch in fit.data.channels)
    total = sum(comps.summed(name)[:, mask].sum(axis=1) for name in comps)
    share = 100 * media / np.where(total == 0, np.nan, total)
    lo, hi = interval(share[np.isfinite(share)], level)
    spend = fit.data.spend[mask].sum()
    return (
        f"Media drove {np.nanmean(share):.1f}% of {fit.data.target_name} in the training window "
        f"({round(100 * level)}% interval {lo:.1f}-{hi:.1f}%) on {spend:,.0f} of spend. "
        f"ROI per channel ({round(100 * level)}% intervals):"
    )


__all__ = ["FitSummary", "convergence", "summarize_fit"]
