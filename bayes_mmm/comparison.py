"""Model comparison: PSIS-LOO (ArviZ) next to backtest scores, with a plain-language verdict.

``bm.compare({"fixed": fit_a, "gp": fit_b}, backtests={"fixed": bt_a, "gp": bt_b})``: the fits
must be of the same data and made with ``log_likelihood=True``. Values may also be unfitted
``bm.MMM`` specs with ``data=``: they are fitted (``log_likelihood=True``) through the one
``executor`` argument (:func:`bayes_mmm.core.executor.run_jobs`), seed ``seed`` each.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import SpecError, message
from bayes_mmm.core.executor import check_executor, run_jobs
from bayes_mmm.model.spec import ModelSpec
from bayes_mmm.results.fit_result import FitResult
from bayes_mmm.results.pooling import compare_fits
from bayes_mmm.workflow import MMM

SCORE_COLUMNS = ("mape", "crps", "crps_rel", "coverage")


@dataclass(frozen=True, eq=False)
class Comparison:
    """``table``: one row per model, best ELPD first (elpd_loo, se, elpd_diff, dse, weight,
    p_loo, and the backtest means when given); ``verdict``: the reading in words."""

    table: pd.DataFrame
    verdict: str

    def __repr__(self) -> str:
        return f"{self.table.round(3).to_string()}\n\n{self.verdict}"

    def _repr_html_(self) -> str:
        return self.table.round(3).to_html() + f"<p>{self.verdict}</p>"


def _fit_spec(spec, data, seed, fit_kwargs):
    """One comparison fit (a worker job)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spec.fit(data, seed=seed, progress=False, log_likelihood=True, **fit_kwargs)


def check_same_data(fits: Mapping[str, FitResult]) -> None:
    """Fits compared by LOO must share the same observations (dates, regions, target, holdout)."""
    names = list(fits)
    ref = fits[names[0]]
    for name in names[1:]:
        f = fits[name]
        same = (
            f.data.dates.equals(ref.data.dates)
            and tuple(f.data.geos) == tuple(ref.data.geos)
            and f.n_train == ref.n_train
            and np.array_equal(f.data.target, ref.data.target)
        )
        if not same:
            raise SpecError(
                message(
                    f"fits '{names[0]}' and '{name}'",
                    "fits of the same data (dates, regions, target and holdout)",
                    f"{ref.n_train} vs {f.n_train} training periods from "
                    f"{ref.data.dates[0].date()} vs {f.data.dates[0].date()}, or other targets",
                    "LOO compares predictions of the same observations: fit every model on one "
                    "MMMData with the same holdout.",
                )
            )


def compare(
    fits: Mapping,
    backtests: Mapping | None = None,
    *,
    data=None,
    executor=None,
    seed: int = 0,
    **fit_kwargs,
) -> Comparison:
    """Rank models by PSIS-LOO ELPD (``arviz.compare``: stacking weights), add backtest scores.

    ``fits``: ``{name: fit}`` (made with ``log_likelihood=True``) or ``{name: bm.MMM(...)}`` with
    ``data`` (fitted here through ``executor``; ``fit_kwargs`` go to :meth:`MMM.fit`).
    ``backtests``: optional ``{name: bm.backtest(...) result}`` for the same names.
    """
    if not isinstance(fits, Mapping) or len(fits) < 2:
        raise SpecError(message("fits", "a mapping of at least two {name: fit}", repr(fits)[:80]))
    check_executor(executor)
    if backtests is not None and set(backtests) - set(fits):
        raise SpecError(
            message("backtests", f"names among {sorted(fits)}", sorted(set(backtests) - set(fits)))
        )
    specs = {k: v for k, v in fits.items() if isinstance(v, ModelSpec)}
    if specs:
        if data is None:
            raise SpecError(message("data", "the MMMData to fit the specs on", None))
        jobs = [
            {"spec": s if isinstance(s, MMM) else MMM.from_dict(s.to_dict()), "data": data}
            | {"seed": seed, "fit_kwargs": fit_kwargs}
            for s in specs.values()
        ]
        fits = {**fits, **dict(zip(specs, run_jobs(_fit_spec, jobs, executor)))}
    wrong = [k for k, v in fits.items() if not isinstance(v, FitResult)]
    if wrong:
        raise SpecError(message(f"fits {wrong}", "fit results or bm.MMM specs", "other objects"))
    check_same_data(fits)
    table = _loo_table(fits)
    if backtests:
        means = pd.DataFrame(
            {k: b.scores[list(SCORE_COLUMNS)].mean() for k, b in backtests.items()}
        ).T.add_prefix("backtest_")
        table = table.join(means)
    return Comparison(table=table, verdict=verdict(table))


def _loo_table(fits) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = compare_fits(fits)
    names = {"elpd": "elpd_loo", "p": "p_loo"}
    table = raw.rename(columns=names)
    keep = ("elpd_loo", "se", "elpd_diff", "dse", "weight", "p_loo", "warning")
    return table[[c for c in keep if c in table]]


def verdict(table: pd.DataFrame) -> str:
    """Plain-language reading: is the best model clearly better, and do the backtests agree?"""
    best, second = table.index[0], table.index[1]
    # ArviZ 1.x reports elpd_diff relative to the best model (<= 0); the gap is its size
    diff, dse = abs(float(table.loc[second, "elpd_diff"])), float(table.loc[second, "dse"])
    if diff > 2 * dse:
        text = (
            f"'{best}' predicts left-out periods better than '{second}' by LOO: ELPD difference "
            f"{diff:.1f} (SE {dse:.1f}, more than twice the SE)."
        )
    else:
        text = (
            f"LOO cannot separate '{best}' and '{second}': ELPD difference {diff:.1f} with SE "
            f"{dse:.1f} (under twice the SE); prefer the simpler model unless the backtest or the "
            "business question says otherwise."
        )
    if "warning" in table and table["warning"].astype(bool).any():
        flagged = list(table.index[table["warning"].astype(bool)])
        text += f" PSIS-LOO is unreliable for {flagged} (high Pareto k): trust the backtest more."
    if "backtest_crps" in table and table["backtest_crps"].notna().sum() >= 2:
        scored = table["backtest_crps"].dropna()
        top = scored.idxmin()
        cov = table.loc[top, "backtest_coverage"]
        agree = "agrees" if top == best else "disagrees"
        text += (
            f" The rolling-origin backtest {agree}: '{top}' has the lowest out-of-sample CRPS "
            f"({scored[top]:.4g}), with {cov:.0f}% of actuals inside its predictive interval."
        )
    return text


__all__ = ["Comparison", "check_same_data", "compare", "verdict"]
