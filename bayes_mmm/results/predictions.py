"""Prediction tables of a fit: component draws, the decomposition, replicates, actual vs fitted.

:class:`PredictionTables` is a mixin of :class:`~bayes_mmm.results.fit_result.FitResult`: it
reads the fit's data, scales, parameters, spec and counterfactual engine. Bands are equal-tailed
intervals of draws (:mod:`bayes_mmm.core.intervals`); totals over regions are in
:mod:`bayes_mmm.results.aggregates`.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import check_level
from bayes_mmm.core.intervals import interval, tail_probabilities
from bayes_mmm.model.likelihoods import LIKELIHOODS
from bayes_mmm.results.components import ComponentDraws


class PredictionTables:
    """Decomposition and prediction methods shared by every fit result."""

    @cached_property
    def component_draws(self) -> ComponentDraws:
        """Draws (sample, date, geo) of each component in outcome units over all data periods
        (a mapping computing components on demand: bounded memory on large panels)."""
        return ComponentDraws(self)

    def predict_draws(self) -> np.ndarray:
        """Expected outcome draws (sample, date, geo) over all periods (training + holdout)."""
        return self.component_draws.total()

    def contributions(self, level: float = 0.9, by_geo: bool = False) -> pd.DataFrame:
        """Tidy decomposition: date (, geo), component, mean, lower, upper (outcome units per
        period)."""
        check_level(level)
        rows = []
        comps = self.component_draws
        for name in comps:
            series = comps[name] if by_geo else comps.summed(name)[..., None]
            lo, hi = interval(series, level)
            geos = self.data.geos if by_geo else ("all",)
            for g, geo in enumerate(geos):
                frame = pd.DataFrame(
                    {
                        "date": self.data.dates,
                        "component": name,
                        "mean": series[:, :, g].mean(0),
                        "lower": lo[:, g],
                        "upper": hi[:, g],
                    }
                )
                if by_geo:
                    frame.insert(1, "geo", geo)
                rows.append(frame)
        return self._label(pd.concat(rows, ignore_index=True))

    @cached_property
    def _replicates(self) -> dict:
        """The last ``(seed, mu, y_rep)`` (the report's fit, misfit and total tables share one
        set of replicates; one seed kept, so memory stays at one replicate array)."""
        return {}

    def replicate_draws(self, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Expected outcome ``mu`` and posterior-predictive replicates ``y_rep``, each
        (sample, date, geo) in target units (read-only); same seed -> same replicates."""
        seed = self.fit_info.get("seed") if seed is None else seed
        known = self._replicates.get("last")
        if known is not None and known[0] == seed:
            return known[1], known[2]
        mu = self.predict_draws()
        rng = np.random.default_rng(seed)
        noise = (
            self.params.noise[:, None, :]
            if self.params.noise.ndim == 2
            else self.params.noise[:, None, None]
        )
        extra = {"nu": self.params.nu}
        y_rep = LIKELIHOODS[self.spec.likelihood].replicate(
            rng, mu, noise, self.scales.target, extra
        )
        y_rep.flags.writeable = False
        self._replicates["last"] = (seed, mu, y_rep)
        return mu, y_rep

    def predict(self, level: float = 0.9, seed: int | None = None) -> pd.DataFrame:
        """Actual vs fitted per period and region: expected-value mean and posterior-predictive
        bands (incl. noise). For the total over regions use
        :func:`bayes_mmm.results.aggregates.predict_total` (bands from summed draws).
        Computed once per (level, seed); each call returns a copy."""
        check_level(level)
        key = ("predict", level, self.fit_info.get("seed") if seed is None else seed)
        if key not in self._tables:
            self._tables.clear()  # one predict table kept
            self._tables[key] = self._predict(level, seed)
        return self._label(self._tables[key].copy())

    @cached_property
    def _tables(self) -> dict:
        return {}

    def _predict(self, level: float, seed: int | None) -> pd.DataFrame:
        mu, y_rep = self.replicate_draws(seed)
        # every region's bands in one quantile call (the same numbers as one call per region)
        lo, hi, lo50, hi50 = np.quantile(y_rep, [*tail_probabilities(level), 0.25, 0.75], axis=0)
        mean = mu.mean(axis=0)
        rows = []
        for g, geo in enumerate(self.data.geos):
            rows.append(
                pd.DataFrame(
                    {
                        "date": self.data.dates,
                        "geo": geo,
                        "actual": self.data.target[:, g],
                        "mean": mean[:, g],
                        "lower": lo[:, g],
                        "upper": hi[:, g],
                        "lower_50": lo50[:, g],
                        "upper_50": hi50[:, g],
                        "split": np.where(
                            np.arange(self.data.n_dates) < self.n_train, "train", "holdout"
                        ),
                    }
                )
            )
        return pd.concat(rows, ignore_index=True)

    def fit_metrics(self) -> pd.DataFrame:
        """R-squared, MAPE (%) and RMSE of the posterior mean, in sample and on the holdout."""
        pred = self.predict()
        rows = []
        for split, part in pred.groupby("split", sort=False):
            err = part["actual"] - part["mean"]
            ss_tot = ((part["actual"] - part["actual"].mean()) ** 2).sum()
            nonzero = part["actual"] != 0
            rows.append(
                {
                    "split": split,
                    "n": len(part),
                    "r2": 1 - (err**2).sum() / ss_tot if ss_tot > 0 else np.nan,
                    "mape": 100 * (err[nonzero].abs() / part.loc[nonzero, "actual"].abs()).mean(),
                    "rmse": float(np.sqrt((err**2).mean())),
                }
            )
        return self._label(pd.DataFrame(rows))
