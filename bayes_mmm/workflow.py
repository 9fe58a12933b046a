"""The user-facing workflow in one thin top-level module: ``bm.MMM`` -> ``fit`` -> ``bm.MMMFit``.

Lower layers never import upward. The spec (:class:`~bayes_mmm.model.spec.ModelSpec`) and the fit
result (:class:`~bayes_mmm.results.fit_result.FitResult`) live in their layers; this module, which
may import every layer, subclasses them to add the methods that reach higher layers: sampling
(``MMM.fit``), plots, the optimiser and scenarios, the report and model files (``MMMFit``).
Why subclasses rather than protocols: users keep one object with every method (tab completion in
Jupyter), and the lower layers stay importable and testable without matplotlib or scipy.optimize.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import MISSING, fields
from functools import cached_property

from bayes_mmm.design import check_design
from bayes_mmm.experiments import next_experiment
from bayes_mmm.inference.misfit import carryover_table
from bayes_mmm.inference.prior_draws import prior_roi
from bayes_mmm.inference.sampling import sample_fit
from bayes_mmm.inputs import MMMData
from bayes_mmm.model.graph import build_model
from bayes_mmm.model.spec import ModelSpec
from bayes_mmm.planning.optimizer import optimize_budget
from bayes_mmm.planning.outcomes import evaluate_plan, scenario
from bayes_mmm.report.html_report import write_report
from bayes_mmm.results import model_file
from bayes_mmm.results.fit_result import FitResult
from bayes_mmm.viz.fit_plots import FitPlots


class MMM(ModelSpec):
    """A Bayesian MMM specification (frozen; fields: :class:`~bayes_mmm.model.spec.ModelSpec`).

    ``bm.MMM(adstock="geometric", saturation="hill", l_max=8, ...)``, then :meth:`fit`.
    """

    def build_model(self, data, lift_tests=None):
        """The PyMC model for ``data`` (for inspection; :meth:`fit` builds it for you)."""
        return build_model(self, data, lift_tests=lift_tests)

    def fit(
        self,
        data,
        *,
        chains: int = 4,
        draws: int = 1000,
        tune: int = 500,
        seed: int | None = None,
        sampler: str = "nutpie",
        holdout: int = 0,
        lift_tests=None,
        progress: bool = True,
        target_accept: float | None = None,
        posterior_predictive: bool = False,
        log_likelihood: bool = False,
        method: str = "nuts",
    ) -> MMMFit:
        """Sample the posterior with NUTS and return an immutable :class:`MMMFit`.

        Args:
            data: an :class:`~bayes_mmm.data.mmm_data.MMMData`.
            chains: number of NUTS chains.
            draws: posterior draws per chain.
            tune: tuning (warm-up) steps per chain. 500 by default: nutpie's adaptation settles well
                within it, and 1000 gave no better ESS or R-hat on the benchmark workloads while
                costing up to twice the warm-up gradients (docs/benchmarks.md).
            seed: random seed; the same seed gives the same draws.
            sampler: "nutpie" (default), "pymc" or "numpyro".
            holdout: last N periods kept out of the fit and predicted for out-of-sample metrics.
            lift_tests: optional DataFrame of experiments (see :mod:`bayes_mmm.data.lift_tests`).
            progress: show a progress bar.
            target_accept: NUTS target acceptance, default 0.9 (``sampling.DEFAULT_TARGET_ACCEPT``);
                raise it to 0.95-0.99 if divergences appear (small regional panels are the usual
                case).
            posterior_predictive: also draw posterior predictive samples.
            log_likelihood: store pointwise log-likelihood (needed for LOO model comparison).
            method: "nuts" (default), or a quick look while iterating on a specification:
                "laplace" (Gaussian at the posterior mode: closest to NUTS in
                docs/benchmarks.md), "advi" / "fullrank_advi" (PyMC's variational fit);
                approximate: labelled in every table, the repr and the report.
        """
        if progress:  # compiling is silent and takes tens of seconds on a first fit
            print(
                f"bayes_mmm: building and compiling the model ({sampler}), then sampling "
                f"{chains} chains x {draws} draws...",
                flush=True,
            )
        parts = sample_fit(
            self,
            data,
            chains=chains,
            draws=draws,
            tune=tune,
            seed=seed,
            sampler=sampler,
            holdout=holdout,
            lift_tests=lift_tests,
            progress=progress,
            target_accept=target_accept,
            posterior_predictive=posterior_predictive,
            log_likelihood=log_likelihood,
            method=method,
        )
        result = MMMFit.from_parts(
            spec=parts["spec"],  # with carryover="auto": the adapted spec that was fitted
            data=data,
            groups=parts["groups"],
            fit_info=parts["fit_info"],
            lift_tests=parts["lift_tests"],
        )
        result.warn_if_problems(extra=parts["notes"])
        return result

    def check_carryover(self, data):
        """Before sampling: per channel, does the response look delayed or longer than
        ``l_max`` compared with this spec's adstock? Columns: channel, evidence, flagged,
        problem, advice (the one-line fix); see :mod:`bayes_mmm.inference.misfit`. With
        ``carryover="auto"`` (the default) :meth:`fit` follows the advice of rows flagged for a
        delayed peak on channels whose adstock you did not set
        (:mod:`bayes_mmm.inference.carryover_adapt`)."""
        return carryover_table(data, self)

    def prior_roi(self, data, draws: int = 2000, seed: int = 0, level: float = 0.9):
        """ROI and contribution share each channel's priors imply, before any fitting."""
        return prior_roi(self, data, draws=draws, seed=seed, level=level)

    def _repr_html_(self) -> str:
        """Jupyter card: every setting, the ones changed from the defaults in bold."""
        rows = []
        for f in fields(self):
            value = getattr(self, f.name)
            default = f.default if f.default is not MISSING else f.default_factory()
            text = html.escape(repr(dict(value) if isinstance(value, Mapping) else value))
            changed = value != default
            rows.append(
                f"<tr><td>{f.name}</td><td>{'<b>' + text + '</b>' if changed else text}</td></tr>"
            )
        return (
            "<div><p><b>bm.MMM</b> (bold: changed from the default)</p>"
            f"<table><tr><th>setting</th><th>value</th></tr>{''.join(rows)}</table></div>"
        )

    def check_design(self, data, **options):
        """Before fitting: can this spend and calendar identify each channel's ROI? Simulates from
        the priors and refits; see :func:`bayes_mmm.design.check_design`."""
        return check_design(self, data, **options)


class MMMFit(FitResult):
    """Result of :meth:`MMM.fit`: the spec, the data and an ArviZ DataTree of draws.

    Tables (``roi``, ``mroi``, ``response_curves``, ``contributions``, ``predict``, ``diagnostics``)
    come from :class:`~bayes_mmm.results.fit_result.FitResult`; plots, budgets, the report and
    saving are added here.
    """

    @cached_property
    def plot(self) -> FitPlots:
        """Plots: ``fit.plot.fit_over_time()``, ``fit.plot.roi()``, ... (matplotlib figures)."""
        return FitPlots(self)

    def optimize_budget(self, budget: float | None = None, **options):
        """Optimal spend per channel over a horizon under posterior uncertainty; see
        :func:`bayes_mmm.planning.optimizer.optimize_budget`."""
        return optimize_budget(self, budget, **options)

    def evaluate_plan(self, plan, **options):
        """Outcome distribution of a budget plan vs the current one; see
        :func:`bayes_mmm.planning.outcomes.evaluate_plan`."""
        return evaluate_plan(self, plan, **options)

    def scenario(self, total_change: float = 0.10, **options):
        """What if spend changed by ``total_change`` (0.10 = +10%)? See
        :func:`bayes_mmm.planning.outcomes.scenario`."""
        return scenario(self, total_change, **options)

    def report(self, path, optimization=None):
        """Write a self-contained HTML report (inline plots); see
        :func:`bayes_mmm.report.html_report.write_report`."""
        return write_report(self, path, optimization=optimization)

    def next_experiment(self, candidates=None, **options):
        """Rank candidate lift tests by the expected value of their information for the budget
        decision; see :func:`bayes_mmm.experiments.next_experiment`."""
        return next_experiment(self, candidates, **options)

    def save(self, path) -> None:
        """Write one netCDF file: draws, data, the spec as JSON (no pickle); docs/model_file.md."""
        model_file.save(self, path)


def load(path) -> MMMFit:
    """Open a model file written by :meth:`MMMFit.save`; never unpickles or evaluates code."""
    return MMMFit.from_parts(**model_file.read(path, spec_type=MMM, data_type=MMMData))
