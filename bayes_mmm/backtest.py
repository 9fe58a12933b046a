"""Rolling-origin backtests: refit on expanding windows, score each fold out of sample.

``bm.backtest(bm.MMM(baseline="gp"), data, folds=5, horizon=13)`` fits fold ``k`` on the first
``n - (folds - k) * horizon`` periods and predicts the next ``horizon`` periods it did not see
(the same as ``fit(..., holdout=horizon)`` on the data cut after them). Each fold reports CRPS,
MAPE and predictive-interval coverage (:mod:`bayes_mmm.results.scores`) and every channel's ROI
with its interval over that fold's training window: is the ROI stable as the data grow?

Folds are independent fits run through one ``executor`` argument
(:func:`bayes_mmm.core.executor.run_jobs`): a local process pool by default, ``"serial"``, or a
Dask ``distributed.Client`` (``Client("tcp://scheduler:8786")`` for a cluster). Fold ``k`` uses
seed ``seed + k`` wherever it runs, so results do not depend on the executor.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import DataError, SpecError, check_level, message
from bayes_mmm.core.executor import check_executor, run_jobs
from bayes_mmm.data.mmm_data import MMMData
from bayes_mmm.model.spec import ModelSpec
from bayes_mmm.results.scores import holdout_scores
from bayes_mmm.viz.backtest_plots import plot_backtest
from bayes_mmm.workflow import MMM

MIN_TRAIN = 26  # periods: half a year, so a fold's baseline and seasonality are identifiable


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Per-fold scores and ROI of a rolling-origin backtest.

    Attributes:
        scores: one row per fold: fold, train_start, train_end, test_end, n_train, horizon, n,
            mape (%), crps (outcome units), crps_rel (% of mean actual), coverage (% inside the
            ``level`` predictive interval), level, divergences, seconds.
        roi: one row per fold and channel: fold, train_end, channel, mean, median, lower, upper.
    """

    scores: pd.DataFrame
    roi: pd.DataFrame
    level: float

    def summary(self) -> pd.DataFrame:
        """Mean of each score over the folds (one row)."""
        cols = ["mape", "crps", "crps_rel", "coverage"]
        return self.scores[cols].mean().to_frame().T.assign(folds=len(self.scores))

    def roi_stability(self) -> pd.DataFrame:
        """Per channel: ROI mean in the first and last fold, the largest fold-to-fold change (%)
        and whether every fold's interval overlaps the last fold's."""
        rows = []
        for ch, part in self.roi.sort_values("fold").groupby("channel", sort=False):
            last = part.iloc[-1]
            change = part["mean"].pct_change().abs().max() * 100 if len(part) > 1 else 0.0
            overlap = (part["lower"] <= last["upper"]) & (part["upper"] >= last["lower"])
            rows.append(
                {
                    "channel": ch,
                    "first_mean": part["mean"].iloc[0],
                    "last_mean": last["mean"],
                    "max_change_pct": float(change),
                    "intervals_overlap_last": bool(overlap.all()),
                }
            )
        return pd.DataFrame(rows)

    def plot(self):
        """Scores per fold and each channel's ROI interval per fold (matplotlib figure)."""
        return plot_backtest(self.scores, self.roi, self.level)


def fold_sizes(n_dates: int, folds: int, horizon: int, l_max: int) -> list[int]:
    """Training lengths of the folds (expanding windows ending ``horizon`` apart)."""
    for name, value in (("folds", folds), ("horizon", horizon)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise SpecError(message(name, "an integer >= 1", repr(value)))
    if horizon >= n_dates:
        raise DataError(
            message(
                "horizon",
                f"fewer periods than the data's {n_dates}",
                horizon,
                "A fold must train on some periods before the ones it predicts.",
            )
        )
    min_train = max(MIN_TRAIN, 2 * l_max, horizon)
    first = n_dates - folds * horizon
    if first < min_train:
        most = max((n_dates - min_train) // horizon, 0)
        raise DataError(
            message(
                "number of periods",
                f"at least folds x horizon + {min_train} = {folds * horizon + min_train} "
                f"(the first fold needs {min_train} training periods)",
                n_dates,
                f"Use folds <= {most} with horizon={horizon}, a shorter horizon, or more data.",
            )
        )
    return [first + k * horizon for k in range(folds)]


def fit_fold(spec, data, n_train, horizon, fold, seed, level, fit_kwargs) -> dict:
    """Fit one fold (first ``n_train`` periods) and score the next ``horizon`` (a worker job)."""
    import time

    start = time.perf_counter()
    window = data.subset_dates(0, n_train + horizon)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = spec.fit(window, holdout=horizon, seed=seed, progress=False, **fit_kwargs)
    scores = holdout_scores(fit, level=level, seed=seed)
    roi = fit.roi(level=level)[["channel", "mean", "median", "lower", "upper"]]
    dates = window.dates
    info = {
        "fold": fold,
        "train_start": dates[0],
        "train_end": dates[n_train - 1],
        "test_end": dates[-1],
        "n_train": n_train,
        "horizon": horizon,
    }
    scores.update(
        divergences=int(fit.tree["sample_stats"]["diverging"].sum()),
        seconds=time.perf_counter() - start,
    )
    return {"scores": {**info, **scores}, "roi": roi.assign(fold=fold, train_end=info["train_end"])}


def backtest(
    model: ModelSpec,
    data: MMMData,
    folds: int = 5,
    horizon: int = 13,
    *,
    executor=None,
    level: float = 0.9,
    seed: int = 0,
    chains: int = 2,
    draws: int = 500,
    tune: int = 500,
    **fit_kwargs,
) -> BacktestResult:
    """Rolling-origin backtest of ``model`` on ``data``: ``folds`` refits, each scored on the next
    ``horizon`` periods. ``executor``: None (local processes), "serial", or a dask Client.
    ``fit_kwargs`` go to :meth:`MMM.fit` (``sampler``, ``target_accept``, ...)."""
    if not isinstance(model, ModelSpec):
        raise SpecError(message("model", "a bm.MMM(...) spec", type(model).__name__))
    if not isinstance(data, MMMData):
        raise SpecError(message("data", "a bm.MMMData", type(data).__name__))
    if not isinstance(model, MMM):
        model = MMM(**{f: getattr(model, f) for f in model.__dataclass_fields__})
    level = check_level(level)
    check_executor(executor)
    sizes = fold_sizes(data.n_dates, folds, horizon, model.l_max)
    if seed is None or isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise SpecError(message("seed", "an integer (fold k uses seed + k)", repr(seed)))
    kwargs = {"chains": chains, "draws": draws, "tune": tune, **fit_kwargs}
    jobs = [
        {"spec": model, "data": data, "n_train": n, "horizon": horizon, "fold": k}
        | {"seed": int(seed) + k, "level": level, "fit_kwargs": kwargs}
        for k, n in enumerate(sizes)
    ]
    results = run_jobs(fit_fold, jobs, executor)
    scores = pd.DataFrame([r["scores"] for r in results])
    roi = pd.concat([r["roi"] for r in results], ignore_index=True)
    roi = roi[["fold", "train_end", "channel", "mean", "median", "lower", "upper"]]
    return BacktestResult(scores=scores, roi=roi, level=level)


__all__ = ["BacktestResult", "backtest", "fit_fold", "fold_sizes"]
