"""The fit result: spec + data + ArviZ DataTree, and the tables computed from the draws.

:class:`FitResult` owns ROI, mROI, response curves, contributions, predictions, fit metrics and
diagnostics. The user-facing ``bm.MMMFit`` (:mod:`bayes_mmm.workflow`) adds what lives in higher
layers: plots, the optimiser and scenarios, the report and saving.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.core.errors import check_level
from bayes_mmm.core.intervals import interval, summarise
from bayes_mmm.data.mmm_data import MMMData
from bayes_mmm.data.windows import date_mask
from bayes_mmm.inference.approximate import approximate_note
from bayes_mmm.inference.carryover_adapt import is_adaptation_note
from bayes_mmm.inference.diagnostics import advice, parameter_table, problem_table, sampler_problems
from bayes_mmm.model.equations import compute_scales
from bayes_mmm.model.spec import ModelSpec
from bayes_mmm.results.counterfactual import Engine
from bayes_mmm.results.coverage import mark_untrained, untrained_channels
from bayes_mmm.results.misfit import diagnostic_rows, misfit_table
from bayes_mmm.results.posterior import gather, stack_draws
from bayes_mmm.results.predictions import PredictionTables
from bayes_mmm.results.summary import summarize_fit

PRIOR_DOMINATED_RATIO = 0.8


@dataclass(frozen=True, eq=False)
class FitResult(PredictionTables):
    """Result of :meth:`MMM.fit`: the spec, the data and an ArviZ DataTree of draws.

    Tables are tidy pandas DataFrames; all money is in the spend currency, outcomes in target units.
    """

    spec: ModelSpec
    data: MMMData
    tree: xr.DataTree
    fit_info: dict[str, Any]
    lift_tests: pd.DataFrame | None = None

    @classmethod
    def from_parts(cls, *, spec, data, groups: dict, fit_info, lift_tests=None) -> FitResult:
        return cls(
            spec=spec,
            data=data,
            tree=xr.DataTree.from_dict(groups),
            fit_info=dict(fit_info),
            lift_tests=lift_tests,
        )

    # ---------------------------------------------------------------- cached building blocks
    @property
    def n_train(self) -> int:
        return self.data.n_dates - int(self.fit_info.get("holdout", 0))

    @cached_property
    def train(self) -> MMMData:
        return self.data.subset_dates(0, self.n_train)

    @cached_property
    def channels(self):
        return self.spec.resolve(self.data.channels)

    @cached_property
    def scales(self):
        return compute_scales(self.train)

    @cached_property
    def params(self):
        return gather(self.tree["posterior"].to_dataset(), self.channels)

    @cached_property
    def parameter_summary(self) -> pd.DataFrame:
        """R-hat and ESS per parameter (ArviZ), computed once: ``diagnostics()``, the misfit
        checks and ``summary()`` read it (callers must not modify it)."""
        return parameter_table(self.tree)

    @cached_property
    def engine(self) -> Engine:
        geo_params = self.spec.geo_media and self.data.n_geos > 1
        return Engine(
            self.channels,
            self.spec.l_max,
            self.scales,
            self.data.media,
            self.data.spend,
            self.data.value_per_unit,
            self.params,
            geo_params,
        )

    @property
    def posterior(self) -> xr.Dataset:
        return self.tree["posterior"].to_dataset()

    # ---------------------------------------------------------------- windows
    def window(self, start=None, end=None) -> np.ndarray:
        """Boolean date mask for ``[start, end]`` (inclusive; default: the training window)."""
        return date_mask(self.data.dates, start, end, default_end=self.n_train - 1)

    # ---------------------------------------------------------------- ROI and friends
    def roi(self, level: float = 0.9, start=None, end=None, by_geo: bool = False) -> pd.DataFrame:
        """ROI per channel (incremental outcome per unit of spend) with an equal-tailed interval.

        Columns: channel (, geo), mean, median, lower, upper, spend, contribution (mean incremental
        outcome), and with prior information prior_lower, prior_upper, prior_dominated.
        """
        check_level(level)
        window = self.window(start, end)
        rows = []
        for c, ch in enumerate(self.data.channels):
            inc, spend = self.engine.roi_draws(c, window)
            if spend.sum() > 0:
                rows.append(
                    {
                        "channel": ch,
                        **summarise(inc.sum(-1) / spend.sum(), level),
                        "spend": float(spend.sum()),
                        "contribution": float(inc.sum(-1).mean()),
                    }
                )
            else:
                rows.append(
                    {
                        "channel": ch,
                        "mean": np.nan,
                        "median": np.nan,
                        "lower": np.nan,
                        "upper": np.nan,
                        "spend": 0.0,
                        "contribution": float(inc.sum(-1).mean()),
                        "note": "no spend in window: ROI undefined",
                    }
                )
            if by_geo:
                for g, geo in enumerate(self.data.geos):
                    if spend[g] > 0:
                        rows.append(
                            {
                                "channel": ch,
                                "geo": geo,
                                **summarise(inc[:, g] / spend[g], level),
                                "spend": float(spend[g]),
                                "contribution": float(inc[:, g].mean()),
                            }
                        )
        table = pd.DataFrame(rows)
        if by_geo:
            table["geo"] = table["geo"].fillna("national") if "geo" in table else "national"
        table = mark_untrained(self._with_prior_columns(table, level), self.untrained_channels)
        return self._label(
            table.assign(method=self.approximate_method) if self.approximate else table
        )

    @cached_property
    def untrained_channels(self) -> tuple[str, ...]:
        """Channels with no spend in the training window (their effect is not identified)."""
        return untrained_channels(self.train.spend, self.data.channels)

    @property
    def approximate_method(self) -> str:
        """How the draws were obtained: "nuts", or an approximation ("advi", ...)."""
        return self.fit_info.get("method", "nuts")

    @property
    def approximate(self) -> str | None:
        """A note for approximate (quick-look) fits, else None."""
        method = self.approximate_method
        return None if method == "nuts" else approximate_note(method)

    def _label(self, table: pd.DataFrame) -> pd.DataFrame:
        if self.approximate:
            table.attrs["approximate"] = self.approximate
        return table

    def _with_prior_columns(self, table: pd.DataFrame, level: float) -> pd.DataFrame:
        flags = self.prior_dominated(level)
        if flags is None:
            return table
        merged = table.merge(flags, on="channel", how="left")
        if "geo" in merged:  # prior flags describe the national ROI only
            regional = merged["geo"] != "national"
            merged["prior_dominated"] = merged["prior_dominated"].astype("boolean")
            merged.loc[regional, ["prior_lower", "prior_upper", "width_ratio"]] = np.nan
            merged.loc[regional, "prior_dominated"] = pd.NA
        return merged

    def prior_dominated(self, level: float = 0.9) -> pd.DataFrame | None:
        """Prior vs posterior ROI interval per channel; flag when the width ratio > 0.8.

        Widths are compared on the log scale for positive ROIs (a 0.2-5x interval is as wide as a
        0.4-10x one) and on the linear scale for channels that may be harmful.
        """
        if "prior" not in self.tree.children or "roi" not in self.tree["prior"].to_dataset():
            return None
        prior = self.tree["prior"].to_dataset()["roi"]
        post = self.posterior["roi"]
        rows = []
        for ch in self.data.channels:
            p = prior.sel(channel=ch).values.ravel()
            q = stack_draws(post.sel(channel=ch))
            plo, phi = interval(p, level)
            qlo, qhi = interval(q, level)
            ratio = _width_ratio(plo, phi, qlo, qhi)
            rows.append(
                {
                    "channel": ch,
                    "prior_lower": float(plo),
                    "prior_upper": float(phi),
                    "width_ratio": ratio,
                    "prior_dominated": ratio > PRIOR_DOMINATED_RATIO,
                }
            )
        return pd.DataFrame(rows)

    def mroi(self, level: float = 0.9, start=None, end=None, step: float = 0.01) -> pd.DataFrame:
        """Marginal ROI: incremental outcome of +``step`` (1%) spend in the window per unit of
        that spend."""
        check_level(level)
        window = self.window(start, end)
        rows = []
        for c, ch in enumerate(self.data.channels):
            inc, extra = self.engine.mroi_draws(c, window, step)
            if extra.sum() > 0:
                rows.append({"channel": ch, **summarise(inc.sum(-1) / extra.sum(), level)})
        return self._label(mark_untrained(pd.DataFrame(rows), self.untrained_channels))

    def response_curves(
        self, multipliers=None, level: float = 0.9, start=None, end=None, draws: int | None = None
    ) -> pd.DataFrame:
        """Incremental outcome when the window's spend is scaled by each multiplier (0-2x) vs
        zero spend. ``draws``: use only that many posterior draws, evenly spaced (a faster,
        noisier band; ``attrs["draws"]`` says how many were used, ``attrs["of_draws"]`` of how
        many)."""
        check_level(level)
        multipliers = (
            np.linspace(0, 2, 21) if multipliers is None else np.asarray(multipliers, float)
        )
        window = self.window(start, end)
        engine, n = self.engine, self.params.n_samples
        if draws is not None and draws < n:
            rows_used = np.unique(np.linspace(0, n - 1, max(int(draws), 1)).round().astype(int))
            engine = replace(engine, params=engine.params.take(rows_used))
        rows = []
        for c, ch in enumerate(self.data.channels):
            draws_c = engine.response_draws(c, window, multipliers)
            lo, hi = interval(draws_c, level)
            spend = self.data.spend[window][..., c].sum()
            for k, m in enumerate(multipliers):
                rows.append(
                    {
                        "channel": ch,
                        "multiplier": m,
                        "spend": m * spend,
                        "mean": draws_c[:, k].mean(),
                        "median": np.median(draws_c[:, k]),
                        "lower": lo[k],
                        "upper": hi[k],
                    }
                )
        table = pd.DataFrame(rows)
        table.attrs.update({"draws": engine.params.n_samples, "of_draws": n})
        return self._label(table)

    # ---------------------------------------------------------------- diagnostics
    def diagnostics(self, level: float = 0.9) -> pd.DataFrame:
        """Per-parameter R-hat and ESS, sampler problems, prior-dominated channels, with advice.

        Columns: parameter, r_hat, ess_bulk, ess_tail, problem, advice (one row per flagged
        parameter, plus ``sampler`` rows for divergences, low BFMI and tree-depth hits, and
        ``roi[<channel>]`` rows for prior-dominated channels). ``.attrs`` holds ``divergences``,
        ``max_treedepth_hits``, ``bfmi`` (per chain), ``min_bfmi`` (NaN when the sampler kept no
        energy), ``prior_dominated`` and the list ``advice``.
        """
        params = self.parameter_summary
        problems = sampler_problems(self.tree)
        flags = self.prior_dominated(level)
        dominated = [] if flags is None else flags.loc[flags["prior_dominated"], "channel"].tolist()
        table = problem_table(params, problems, dominated)
        misfit_rows, misfit_notes = diagnostic_rows(self.misfit())
        table = pd.concat([table, misfit_rows], ignore_index=True) if len(misfit_rows) else table
        notes = [self.approximate] if self.approximate else []
        table.attrs.update(
            {
                **problems,
                "advice": notes + advice(params, problems, dominated) + misfit_notes,
                "prior_dominated": dominated,
                "misfit": misfit_notes,
            }
        )
        return self._label(table)

    def misfit(self) -> pd.DataFrame:
        """Misfit checks (carryover screen, residuals vs lagged spend, residual autocorrelation,
        predictive coverage): check, subject, statistic, threshold, flagged, problem, advice."""
        return self.misfit_checks.copy()

    @cached_property
    def misfit_checks(self) -> pd.DataFrame:
        """The misfit table, computed once per fit (``diagnostics()`` and the report reuse it)."""
        return misfit_table(self)

    def summary(self, level: float = 0.9):
        """One screen: convergence verdict, fit metrics, headline and ROI with ``level``
        intervals, prior-dominated channels, advice (:mod:`bayes_mmm.results.summary`)."""
        return summarize_fit(self, level)

    def warn_if_problems(self, extra: list[str] = ()) -> None:
        """Exactly one UserWarning summarising convergence problems; never raises or drops draws.

        ``extra``: further notes to fold into the same warning (e.g. an optional group that failed).
        """
        try:
            with warnings.catch_warnings():  # ArviZ/numpy chatter is folded into the one warning
                warnings.simplefilter("ignore")
                notes = self.diagnostics().attrs["advice"]
        except Exception as exc:  # diagnostics must never lose the samples
            notes = [
                f"diagnostics could not be computed ({type(exc).__name__}: {exc}); "
                "the draws are kept - "
                "inspect fit.tree['sample_stats'] and fit.tree['posterior'] directly."
            ]
        notes = [*extra, *notes]
        if notes:
            header = (
                "bayes_mmm fit: the carryover was adapted to the data"
                if all(is_adaptation_note(n) for n in notes)
                else "bayes_mmm fit needs attention"
            )
            warnings.warn(
                header
                + ":\n- "
                + "\n- ".join(notes)
                + "\nSee fit.diagnostics() for the table of problems with advice.",
                UserWarning,
                stacklevel=3,
            )

    def __repr__(self) -> str:
        info = self.fit_info
        return (
            f"MMMFit({self.data.n_channels} channels, {self.data.n_geos} geo(s), "
            f"{self.n_train} training periods, "
            f"{info.get('chains')} chains x {info.get('draws')} draws, "
            + (  # an approximate fit never ran the sampler: name how the draws were made
                f"APPROXIMATE: {self.approximate_method}"
                if self.approximate
                else f"sampler={info.get('sampler')}"
            )
            + ")"
        )

    def _repr_html_(self) -> str:
        roi = self.roi()[["channel", "mean", "lower", "upper"]].round(3)
        return f"<p><b>{self!r}</b></p>" + roi.to_html(index=False)


def _width_ratio(prior_lo, prior_hi, post_lo, post_hi) -> float:
    """Posterior / prior interval width; on the log scale when both intervals are positive (ROI
    priors are log-normal, so "as uncertain as the prior" means as many multiples wide)."""
    if min(prior_lo, post_lo) > 0:
        return float(np.log(post_hi / post_lo) / max(np.log(prior_hi / prior_lo), 1e-12))
    return float((post_hi - post_lo) / max(prior_hi - prior_lo, 1e-12))


__all__ = ["PRIOR_DOMINATED_RATIO", "FitResult"]
