"""ArviZ groups in the target's own units, so ``fit.tree`` works with ``az.summary``, ``az.loo``
and ArviZ plots as a PyMC or Bambi fit would.

The model observes ``y`` on the scaled target (target / per-region scale ``s_g``). Here:

* ``posterior_predictive`` and ``prior_predictive``: ``y`` multiplied back by ``s_g``;
* ``log_likelihood``: ``log p(y) = log p(y / s_g) - log s_g`` (change of variables), so
  ``az.loo`` reports the elpd of the observed target itself;
* ``prior``: every free parameter and Deterministic (not only ROI and share).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from bayes_mmm.inference.prior_draws import PRIOR_COMPILE, quiet_pymc


def _geo_scale(ds: xr.Dataset, scale: np.ndarray) -> xr.DataArray:
    return xr.DataArray(np.asarray(scale, float), dims="geo", coords={"geo": ds["geo"].values})


def predictive_in_target_units(ds: xr.Dataset, scale: np.ndarray) -> xr.Dataset:
    """``y`` (date, geo) replicates on the scaled target -> target units; other variables kept."""
    if "y" not in ds:
        return ds
    out = ds.copy()
    out["y"] = ds["y"] * _geo_scale(ds, scale)
    out["y"].attrs["units"] = "target units"
    return out


def loglik_in_target_units(ds: xr.Dataset, scale: np.ndarray) -> xr.Dataset:
    """Pointwise log-density of the scaled target -> of the target (minus ``log s_g``)."""
    if "y" not in ds:
        return ds
    out = ds.copy()
    out["y"] = ds["y"] - np.log(_geo_scale(ds, scale))
    return out


def prior_groups(model, draws: int, seed, scale: np.ndarray) -> dict[str, xr.Dataset]:
    """``/prior`` (every parameter and Deterministic) and ``/prior_predictive`` (``y`` in target
    units) from one joint prior draw of the built model."""
    import pymc as pm

    with quiet_pymc(), model:
        tree = pm.sample_prior_predictive(
            draws=draws, random_seed=seed, compile_kwargs=dict(PRIOR_COMPILE)
        )
    out = {"/prior": tree["prior"].to_dataset()}
    if "prior_predictive" in tree.children:
        out["/prior_predictive"] = predictive_in_target_units(
            tree["prior_predictive"].to_dataset(), scale
        )
    return out


__all__ = ["loglik_in_target_units", "predictive_in_target_units", "prior_groups"]
