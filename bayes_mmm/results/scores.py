"""Out-of-sample scores of a fit: CRPS (energy form), MAPE and predictive-interval coverage.

:func:`holdout_scores` scores the periods a fit did not see (``fit(..., holdout=h)``) from draws of
the posterior predictive (expected outcome plus the likelihood's noise), in outcome units.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.core.errors import check_level
from bayes_mmm.core.intervals import interval
from bayes_mmm.model.likelihoods import LIKELIHOODS


def crps(draws: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """CRPS of each observation from predictive draws (energy form, sample axis first):
    ``E|X - y| - E|X - X'| / 2``, in the units of ``y`` (lower is better; equals the absolute
    error for a point forecast)."""
    x = np.sort(draws, axis=0)
    n = x.shape[0]
    first = np.abs(x - actual[None]).mean(axis=0)
    # E|X - X'| over all pairs from the order statistics: 2 / n^2 * sum_i (2i - n - 1) x_(i)
    weights = (2 * np.arange(1, n + 1) - n - 1).reshape((n,) + (1,) * (x.ndim - 1))
    spread = 2.0 * (weights * x).sum(axis=0) / n**2
    return first - 0.5 * spread


def predictive_draws(fit, seed: int | None = None) -> np.ndarray:
    """Posterior predictive draws ``(sample, date, geo)`` over all periods, in outcome units."""
    mu = fit.predict_draws()
    rng = np.random.default_rng(fit.fit_info.get("seed") if seed is None else seed)
    noise = fit.params.noise
    noise = noise[:, None, :] if noise.ndim == 2 else noise[:, None, None]
    extra = {"nu": fit.params.nu}
    return LIKELIHOODS[fit.spec.likelihood].replicate(rng, mu, noise, fit.scales.target, extra)


def holdout_scores(fit, level: float = 0.9, seed: int | None = None) -> dict[str, float]:
    """Scores of the holdout periods (every region), from the predictive draws.

    Keys: ``n`` (period x region cells), ``mape`` (% error of the predictive mean), ``crps``
    (mean CRPS, outcome units), ``crps_rel`` (CRPS / mean |actual|, %), ``coverage`` (share of
    actuals inside the ``level`` predictive interval, %) and ``level``.
    """
    level = check_level(level)
    n_train = fit.n_train
    actual = fit.data.target[n_train:]
    draws = predictive_draws(fit, seed)[:, n_train:]
    lo, hi = interval(draws, level)
    mean = draws.mean(axis=0)
    nonzero = actual != 0
    return {
        "n": int(actual.size),
        "mape": float(100 * np.mean(np.abs(mean - actual)[nonzero] / np.abs(actual[nonzero]))),
        "crps": float(crps(draws, actual).mean()),
        "crps_rel": float(100 * crps(draws, actual).mean() / np.abs(actual).mean()),
        "coverage": float(100 * np.mean((actual >= lo) & (actual <= hi))),
        "level": level,
    }


__all__ = ["crps", "holdout_scores", "predictive_draws"]
