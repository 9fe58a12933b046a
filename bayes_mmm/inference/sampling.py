"""Sampling: check the settings, build the model, run NUTS (nutpie by default), collect the groups.

:func:`sample_fit` returns the DataTree groups and sampler settings; ``bm.MMM.fit``
(:mod:`bayes_mmm.workflow`) wraps them in the fit result.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import xarray as xr

from bayes_mmm.core.errors import SpecError, message
from bayes_mmm.data.lift_test_spec import lift_frame
from bayes_mmm.data.lift_tests import validate_lift_tests
from bayes_mmm.data.mmm_data import MMMData
from bayes_mmm.inference.approximate import approximate_posterior, check_method
from bayes_mmm.inference.arviz_groups import (
    loglik_in_target_units,
    predictive_in_target_units,
    prior_groups,
)
from bayes_mmm.inference.carryover_adapt import adapt_carryover
from bayes_mmm.inference.nutpie_compile import compile_nutpie
from bayes_mmm.inference.prior_draws import prior_draws
from bayes_mmm.model.equations import compute_scales
from bayes_mmm.model.graph import build_model

SAMPLERS = ("nutpie", "pymc", "numpyro")

# PyTensor flags for compiling nutpie's log-density. No fast-math: with it, a freshly JIT-compiled
# function and the one loaded from PyTensor's Numba cache round differently, so the same seed gave
# different draws on a machine's first fit than on later ones. Exact IEEE arithmetic costs ~5%.
NUTPIE_COMPILE_FLAGS = {"numba__fastmath": False}

# nutpie's NUTS settings (docs/benchmarks.md has the measurements behind them):
# * mass matrix by model size (nuts_settings): low-rank up to LOW_RANK_MAX_PARAMETERS free
#   parameters, where it adapts to the correlations that remain (Hill half vs slope, ROI vs slope,
#   trend vs a trending control; a diagonal one doubled the steps of the 20-region Hill model);
#   diagonal above, where low-rank's warm-up and per-step cost grow with the dimension (proxies of
#   the large and DMA panels at 278-498 parameters: 1.7-3.2x less CPU for the same draws, more ESS
#   per CPU second; the 20-region benchmark at 148 parameters favours low-rank);
# * nutpie's default tree depth (10). A cap of 7 cut the regional warm-up cost by a third, but 4 of
#   the calibration study's 60 fits then had a divergence; re-fitting those 4 gave 1 with the
#   default depth or a cap of 8 (which saves nothing), 4 with the cap of 7.
# * target_accept 0.9 for national and regional fits (0.95 took 24-31 leapfrog steps per draw on the
#   regional benchmark instead of 15-17); raise it if a fit reports divergences.
LOW_RANK_MAX_PARAMETERS = 250


def nuts_settings(n_parameters: int) -> dict:
    """nutpie settings for a model with ``n_parameters`` free (unconstrained) parameters."""
    return {"adaptation": "low_rank" if n_parameters <= LOW_RANK_MAX_PARAMETERS else "diag"}


DEFAULT_TARGET_ACCEPT = 0.9
# NumPyro (JAX): all chains advance together as one vectorised program (one compiled step for
# every chain: the accelerator path; on CPU it avoids one process per chain).
NUMPYRO_NUTS = {"chain_method": "vectorized"}


def _check_settings(chains, draws, tune, seed, sampler, holdout, data: MMMData):
    for name, value, low in (("chains", chains, 1), ("draws", draws, 10), ("tune", tune, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            fix = "NUTS needs warm-up to adapt its step size: use tune >= 200." * (name == "tune")
            raise SpecError(message(name, f"an integer >= {low}", repr(value), fix or None))
    if sampler not in SAMPLERS:
        raise SpecError(message("sampler", f"one of {SAMPLERS}", repr(sampler)))
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise SpecError(message("seed", "an integer or None", repr(seed)))
    if (
        isinstance(holdout, bool)
        or not isinstance(holdout, (int, np.integer))
        or not 0 <= holdout <= data.n_dates // 2
    ):
        raise SpecError(
            message(
                "holdout",
                f"an integer number of periods in [0, {data.n_dates // 2}]",
                repr(holdout),
            )
        )


@contextlib.contextmanager
def sampler_panics_as_errors():
    """nutpie reports internal failures as a Rust panic (a ``BaseException``, not an
    ``Exception``): turn it into one clear error instead of a crash that escapes ``except``."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except Exception:
        raise
    except BaseException as exc:
        raise SpecError(
            message(
                "sampler='nutpie'",
                "a completed run",
                f"an internal panic ({type(exc).__name__}: {str(exc)[:200]})",
                "Check chains/draws/tune (tune >= 200), or try sampler='pymc'.",
            )
        ) from exc


def sample_posterior(
    model,
    *,
    sampler: str,
    chains: int,
    draws: int,
    tune: int,
    seed: int | None,
    progress: bool,
    target_accept: float,
    method: str = "nuts",
) -> xr.DataTree:
    """Run NUTS with the chosen backend (or a quick-look approximation: ``method='laplace'``);
    returns an ArviZ DataTree (posterior + sample_stats); ``attrs["mass_matrix"]`` names nutpie's
    adaptation ("" for other samplers)."""
    import pymc as pm

    if method != "nuts":
        return approximate_posterior(model, method=method, chains=chains, draws=draws, seed=seed)

    if sampler == "nutpie":
        try:
            import nutpie
        except ImportError:  # pragma: no cover - nutpie is a hard dependency
            warnings.warn(
                "nutpie is not installed; falling back to PyMC's NUTS sampler.",
                UserWarning,
                stacklevel=2,
            )
            sampler = "pymc"
    settings = {}
    if sampler == "nutpie":
        from pytensor import config

        with config.change_flags(**NUTPIE_COMPILE_FLAGS), sampler_panics_as_errors():
            compiled = compile_nutpie(model)  # nutpie's compile, C callbacks cached on disk
            settings = nuts_settings(compiled.n_dim)
            tree = nutpie.sample(
                compiled,
                draws=draws,
                tune=tune,
                chains=chains,
                seed=seed,
                progress_bar=progress,
                save_warmup=False,
                target_accept=target_accept,
                **settings,
            )
    else:
        with model:
            tree = pm.sample(
                draws=draws,
                tune=tune,
                chains=chains,
                random_seed=seed,
                nuts_sampler=sampler,
                progressbar=progress,
                target_accept=target_accept,
                cores=min(chains, 2),
                compute_convergence_checks=False,
                **({"nuts": dict(NUMPYRO_NUTS)} if sampler == "numpyro" else {}),
            )
    keep = {name: tree[name] for name in ("posterior", "sample_stats") if name in tree.children}
    out = xr.DataTree.from_dict({f"/{k}": _plain(v.to_dataset()) for k, v in keep.items()})
    out.attrs["mass_matrix"] = settings.get("adaptation", "")
    return out


def _plain(ds: xr.Dataset) -> xr.Dataset:
    """Drop object-typed variables (e.g. divergence messages) so the tree writes to netCDF."""
    return ds.drop_vars([k for k, v in ds.data_vars.items() if v.dtype == object])


def sample_fit(
    spec,
    data: MMMData,
    *,
    chains,
    draws,
    tune,
    seed,
    sampler,
    holdout,
    lift_tests,
    progress,
    target_accept,
    posterior_predictive,
    log_likelihood=False,
    method="nuts",
) -> dict:
    """Sample ``spec`` on ``data`` (all periods but the holdout).

    Returns ``{"groups", "fit_info", "lift_tests", "notes", "spec"}``: DataTree groups by path,
    sampler settings, the validated lift tests, notes about optional groups that failed (never
    raised: once the draws exist nothing may lose them) and the spec actually fitted: with
    ``spec.carryover == "auto"`` channels the carryover screen flags get the advised adstock and
    window (:mod:`bayes_mmm.inference.carryover_adapt`; ``fit_info["carryover_adapted"]`` lists
    them).
    """

    if not isinstance(data, MMMData):
        raise SpecError(
            message("data", "an MMMData (use bm.MMMData.from_frame(df, ...))", type(data).__name__)
        )
    _check_settings(chains, draws, tune, seed, sampler, holdout, data)
    check_method(method)
    if target_accept is None:
        target_accept = DEFAULT_TARGET_ACCEPT
    if not 0.5 <= target_accept < 1:
        raise SpecError(message("target_accept", "a probability in [0.5, 1)", target_accept))
    train = data.subset_dates(0, data.n_dates - holdout)
    spec, adapted = adapt_carryover(spec, train)
    tests = (
        validate_lift_tests(lift_frame(lift_tests, train), train)
        if lift_tests is not None
        else None
    )
    model = build_model(spec, train, lift_tests=tests)
    tree = sample_posterior(
        model,
        sampler=sampler,
        chains=chains,
        draws=draws,
        tune=tune,
        seed=seed,
        progress=progress,
        target_accept=target_accept,
        method=method,
    )
    groups = {
        "/posterior": tree["posterior"].to_dataset(),
        "/sample_stats": tree["sample_stats"].to_dataset(),
        "/observed_data": xr.Dataset(
            {"y": (("date", "geo"), train.target)},
            coords={"date": train.dates.values, "geo": list(train.geos)},
        ),
    }
    scale = compute_scales(train).target  # outputs in target units (inference/arviz_groups.py)
    failed = _optional_groups(
        model, tree, groups, seed, log_likelihood, posterior_predictive, scale
    )
    fit_info = {
        "sampler": sampler,
        "chains": chains,
        "draws": draws,
        "tune": tune,
        "seed": seed,
        "holdout": int(holdout),
        "target_accept": target_accept,
        "mass_matrix": tree.attrs.get("mass_matrix", ""),
        "method": method,
        "carryover_adapted": adapted,
    }
    return {
        "groups": groups,
        "fit_info": fit_info,
        "lift_tests": tests,
        "notes": failed,
        "spec": spec,
    }


def _optional_groups(
    model, tree, groups: dict, seed, log_likelihood: bool, posterior_predictive: bool, scale=None
):
    """Add the prior (and log-likelihood, posterior predictive) groups; returns notes on failures.

    The draws exist now: nothing here may lose them. Optional extras that fail are left out and
    reported in the single post-fit warning instead of raising.
    """
    import pymc as pm

    failed: list[str] = []

    def extra(group: str, compute) -> None:
        try:
            groups[group] = compute()
        except Exception as exc:
            failed.append(
                f"the {group.strip('/')} group could not be computed "
                f"({type(exc).__name__}: {exc}); "
                "the posterior draws are kept without it."
            )

    def loglik():
        ll_tree = xr.DataTree.from_dict({"/posterior": groups["/posterior"]})
        ll = pm.compute_log_likelihood(
            ll_tree, var_names=["y"], model=model, extend_inferencedata=False, progressbar=False
        )
        ll = ll if isinstance(ll, xr.Dataset) else ll["log_likelihood"].to_dataset()
        return ll if scale is None else loglik_in_target_units(ll, scale)

    def predictive():
        with model:
            pp = pm.sample_posterior_predictive(tree, random_seed=seed, progressbar=False)
        pp = pp["posterior_predictive"].to_dataset()
        return pp if scale is None else predictive_in_target_units(pp, scale)

    def priors():  # /prior and /prior_predictive from one joint draw (inference/arviz_groups.py)
        if scale is None:
            return {"/prior": prior_draws(model, 1000, seed)}
        return prior_groups(model, 1000, seed, scale)

    before = len(failed)
    extra("/prior", priors)
    if len(failed) == before:  # the helper returned both groups: unpack them
        groups.update(groups.pop("/prior"))
    if log_likelihood:
        extra("/log_likelihood", loglik)
    if posterior_predictive:
        extra("/posterior_predictive", predictive)
    return failed
