"""Quick-look fits: a variational approximation (PyMC's ADVI) instead of NUTS, clearly labelled.

For iterating on a specification: seconds instead of minutes on a large panel. The draws come
from a Gaussian approximation of the posterior (mean-field: independent parameters; full-rank:
correlated), so intervals are usually too narrow and skewed posteriors are misrepresented; R-hat
and ESS say nothing about the quality of the approximation. Every table of such a fit carries
``attrs["approximate"]`` and the ROI table a ``method`` column; the report says so at the top.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from bayes_mmm.core.errors import SpecError, message

METHODS = ("nuts", "advi", "fullrank_advi")
DEFAULT_STEPS = {"advi": 20_000, "fullrank_advi": 20_000}
APPROXIMATE_NOTE = (
    "approximate fit ({method}, variational): intervals are usually too narrow and no "
    "convergence diagnostic applies; confirm the final model with NUTS (method='nuts')."
)


def check_method(method: object) -> None:
    if method not in METHODS:
        raise SpecError(
            message("method", f"one of {METHODS}", repr(method), "Use 'nuts' for final results.")
        )


def approximate_posterior(
    model, *, method: str, chains: int, draws: int, seed: int | None, steps: int | None = None
) -> xr.DataTree:
    """Fit ``method`` (PyMC's ``pm.fit``) and draw ``chains x draws`` samples from it.

    The draws are independent; they are split into ``chains`` groups only so that every table
    and file has the usual (chain, draw) shape. ``sample_stats`` holds no divergences and the
    final loss (negative ELBO) per draw for reference.
    """
    import pymc as pm

    steps = DEFAULT_STEPS[method] if steps is None else steps
    with model:
        approx = pm.fit(n=steps, method=method, random_seed=seed, progressbar=False)
    tree = approx.sample(chains * draws, random_seed=seed)
    post = tree["posterior"].to_dataset().isel(chain=0)
    post = post.assign_coords(draw=np.arange(chains * draws))
    post = xr.concat(
        [
            post.isel(draw=slice(c * draws, (c + 1) * draws)).assign_coords(draw=np.arange(draws))
            for c in range(chains)
        ],
        dim="chain",
    ).assign_coords(chain=np.arange(chains))
    post = post.transpose("chain", "draw", ...)
    loss = float(np.mean(approx.hist[-max(1, steps // 10) :]))
    stats = xr.Dataset(
        {
            "diverging": (("chain", "draw"), np.zeros((chains, draws), bool)),
            "loss": (("chain", "draw"), np.full((chains, draws), loss)),
        },
        coords={"chain": np.arange(chains), "draw": np.arange(draws)},
    )
    return xr.DataTree.from_dict({"/posterior": post, "/sample_stats": stats})
