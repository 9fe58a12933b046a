"""Likelihood families in one table: the PyMC observation model and its numpy replicate draws.

Each family is used twice: :func:`bayes_mmm.model.graph.build_model` adds the observed ``y`` on
the scaled target (target / per-region scale), and the fit result draws replicated outcomes from
the same family for predictive bands (:meth:`~bayes_mmm.results.fit_result.FitResult.predict`).
Register a new family by adding a :class:`Likelihood` to ``LIKELIHOODS`` (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Likelihood:
    """One observation model.

    ``observe(mu, sigma, observed, dims)`` adds the random variable ``y`` to the current PyMC model,
    with ``mu`` the expected scaled target and ``sigma`` the noise scale (scaled units).
    ``replicate(rng, mu, sigma, scale, extra)`` returns replicated draws in outcome units, with
    ``mu`` the expected outcome (draw, date, geo) in outcome units, ``sigma`` broadcastable to it,
    ``scale`` the per-region target scale and ``extra`` the family's own posterior draws.
    """

    name: str
    describe: str
    observe: Callable
    replicate: Callable
    positive_only: bool = False
    extra: tuple[str, ...] = ()


def _observe_normal(mu, sigma, observed, dims):
    import pymc as pm

    return pm.Normal("y", mu=mu, sigma=sigma, observed=observed, dims=dims)


def _observe_studentt(mu, sigma, observed, dims):
    import pymc as pm

    nu = pm.Gamma("nu", alpha=2.0, beta=0.1)
    return pm.StudentT("y", nu=nu, mu=mu, sigma=sigma, observed=observed, dims=dims)


def _observe_lognormal(mu, sigma, observed, dims):
    import pymc as pm
    import pytensor.tensor as pt

    # multiplicative noise; the expected value mu is the median
    return pm.LogNormal(
        "y", mu=pt.log(pt.maximum(mu, 1e-6)), sigma=sigma, observed=observed, dims=dims
    )


# Replicates are built in place on the noise draws (one (draw, date, geo) array instead of three;
# the same numbers: ``mu + eps * sigma * scale`` rounds as ``((eps * sigma) * scale) + mu``).
def _replicate_normal(rng, mu, sigma, scale, extra):
    out = rng.standard_normal(mu.shape)
    out *= sigma
    out *= scale
    out += mu
    return out


def _replicate_studentt(rng, mu, sigma, scale, extra):
    rng.standard_normal(mu.shape)  # keeps the random stream aligned with the other families
    out = rng.standard_t(extra["nu"][:, None, None], mu.shape)
    out *= sigma
    out *= scale
    out += mu
    return out


def _replicate_lognormal(rng, mu, sigma, scale, extra):
    out = rng.standard_normal(mu.shape)
    out *= sigma
    np.exp(out, out=out)
    out *= mu
    return out


LIKELIHOODS: dict[str, Likelihood] = {
    "normal": Likelihood(
        "normal", "Gaussian noise around the expected outcome", _observe_normal, _replicate_normal
    ),
    "studentt": Likelihood(
        "studentt",
        "Student-t noise (robust to outliers), nu ~ Gamma(2, 0.1)",
        _observe_studentt,
        _replicate_studentt,
        extra=("nu",),
    ),
    "lognormal": Likelihood(
        "lognormal",
        "multiplicative noise; positive targets only",
        _observe_lognormal,
        _replicate_lognormal,
        positive_only=True,
    ),
}
