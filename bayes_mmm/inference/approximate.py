"""Quick-look fits: a Gaussian approximation of the posterior instead of NUTS, clearly labelled.

For iterating on a specification: seconds instead of minutes on a large panel. Two families:

* ``"laplace"``: the posterior mode in the unconstrained space (L-BFGS on PyTensor's gradient,
  Jacobian of the transforms included) and a Gaussian whose covariance is the inverse Hessian
  there (finite differences of the gradient, ``2 x parameters`` gradient calls);
* ``"advi"`` / ``"fullrank_advi"``: PyMC's variational fit (``pm.fit``), mean-field or full-rank.

Skewed or funnel-shaped posteriors are misrepresented and intervals can be too narrow or too wide;
R-hat and ESS say nothing about the quality of the approximation. Every table of such a fit
carries ``attrs["approximate"]`` and the ROI table a ``method`` column; the report says so at the
top. docs/benchmarks.md compares each method's ROI with NUTS.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from bayes_mmm.core.errors import SpecError, message

METHODS = ("nuts", "laplace", "advi", "fullrank_advi")
DEFAULT_STEPS = {"advi": 20_000, "fullrank_advi": 20_000}
FAMILY = {"laplace": "Gaussian at the posterior mode", "advi": "variational"}
APPROXIMATE_NOTE = (
    "approximate fit ({method}, {family}): intervals can be too narrow or too wide and no "
    "convergence diagnostic applies; confirm the final model with NUTS (method='nuts')."
)


def approximate_note(method: str) -> str:
    """The one label every table, the repr and the report carry for an approximate fit."""
    return APPROXIMATE_NOTE.format(method=method, family=FAMILY.get(method, FAMILY["advi"]))


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

    if method == "laplace":
        return laplace_posterior(model, chains=chains, draws=draws, seed=seed)
    steps = DEFAULT_STEPS[method] if steps is None else steps
    with model:
        approx = pm.fit(n=steps, method=method, random_seed=seed, progressbar=False)
    tree = approx.sample(chains * draws, random_seed=seed)
    post = tree["posterior"].to_dataset().isel(chain=0)
    loss = float(np.mean(approx.hist[-max(1, steps // 10) :]))
    return _as_chains(post, chains, draws, {"loss": loss})


def _as_chains(post: xr.Dataset, chains: int, draws: int, stats: dict) -> xr.DataTree:
    """Split ``chains x draws`` independent draws into (chain, draw) groups with sample stats."""
    post = post.assign_coords(draw=np.arange(chains * draws))
    post = xr.concat(
        [
            post.isel(draw=slice(c * draws, (c + 1) * draws)).assign_coords(draw=np.arange(draws))
            for c in range(chains)
        ],
        dim="chain",
    ).assign_coords(chain=np.arange(chains))
    post = post.transpose("chain", "draw", ...)
    shape = (chains, draws)
    stats = xr.Dataset(
        {
            "diverging": (("chain", "draw"), np.zeros(shape, bool)),
            **{k: (("chain", "draw"), np.full(shape, v)) for k, v in stats.items()},
        },
        coords={"chain": np.arange(chains), "draw": np.arange(draws)},
    )
    return xr.DataTree.from_dict({"/posterior": post, "/sample_stats": stats})


def laplace_posterior(model, *, chains: int, draws: int, seed: int | None) -> xr.DataTree:
    """Mode + inverse Hessian in the unconstrained space; draws mapped back through the model."""
    from pymc.backends.arviz import coords_and_dims_for_inferencedata
    from pymc.util import get_default_varnames

    fn = model.logp_dlogp_function(ravel_inputs=True)  # jacobian included: unconstrained density
    point = model.initial_point(seed)
    x0 = np.concatenate([np.ravel(v) for v in point.values()])
    mode, info = find_mode(fn, x0)
    cov, info["hessian_clipped"] = inverse_hessian(fn, mode)
    if info["hessian_clipped"]:
        warnings.warn(
            f"method='laplace': the log density is flat or curved the wrong way at the mode in "
            f"{info['hessian_clipped']} direction(s) of {mode.size}; draws along them are "
            "arbitrary (e.g. absurd ROIs). Fit with NUTS (method='nuts') before reading ROI.",
            UserWarning,
            stacklevel=3,
        )
    rng = np.random.default_rng(seed)
    flat = rng.multivariate_normal(mode, cov, size=chains * draws, method="cholesky")
    names = get_default_varnames(model.unobserved_value_vars, include_transformed=False)
    outputs = model.compile_fn(names, inputs=model.value_vars, on_unused_input="ignore")
    sizes = [np.size(v) for v in point.values()]
    values = {v.name: [] for v in names}
    for row in flat:
        parts = np.split(row, np.cumsum(sizes)[:-1])
        inputs = {k: p.reshape(np.shape(point[k])) for k, p in zip(point, parts, strict=True)}
        for var, out in zip(names, outputs(inputs), strict=True):
            values[var.name].append(out)
    coords, dims = coords_and_dims_for_inferencedata(model)
    post = xr.Dataset(
        {
            k: (
                ("draw", *dims.get(k, [f"{k}_dim_{i}" for i in range(np.ndim(v[0]))])),
                np.asarray(v),
            )
            for k, v in values.items()
        }
    )
    post = post.assign_coords({d: coords[d] for d in post.dims if d in coords})
    stats = {"lp_at_mode": info["logp"], "hessian_clipped": info["hessian_clipped"]}
    return _as_chains(post, chains, draws, stats)


def find_mode(fn, x0: np.ndarray) -> tuple[np.ndarray, dict]:
    """Maximise the unconstrained log density with L-BFGS (scipy) on PyTensor's gradient."""
    from scipy.optimize import minimize
    from threadpoolctl import threadpool_limits

    def negative(x):
        logp, grad = fn(x)
        return -float(logp), -np.asarray(grad, float)

    with threadpool_limits(1):  # L-BFGS's small BLAS calls: threads only spin (3-4x slower)
        result = minimize(negative, x0, jac=True, method="L-BFGS-B", options={"maxiter": 5000})
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise SpecError(
            message(
                "method='laplace'",
                "a finite posterior mode",
                f"optimiser stopped with {result.message!r}",
                "Check the priors, or use method='nuts'.",
            )
        )
    return result.x, {"logp": -float(result.fun), "iterations": int(result.nit)}


def inverse_hessian(fn, x: np.ndarray, step: float = 1e-4) -> tuple[np.ndarray, int]:
    """Covariance = inverse of minus the Hessian at the mode (central differences of the
    gradient); eigenvalues that are not clearly negative are floored, and their count returned."""
    n = x.size
    hessian = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = step
        hessian[:, i] = (np.asarray(fn(x + e)[1]) - np.asarray(fn(x - e)[1])) / (2 * step)
    precision = -(hessian + hessian.T) / 2
    eigval, eigvec = np.linalg.eigh(precision)
    floor = max(1e-8, 1e-10 * float(np.abs(eigval).max()))
    clipped = int((eigval < floor).sum())
    eigval = np.maximum(eigval, floor)
    return (eigvec / eigval) @ eigvec.T, clipped
