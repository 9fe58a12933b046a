"""Quick-look fits (method='advi'): labelled approximate everywhere, reproducible, roughly right."""

import warnings

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.core.errors import SpecError


@pytest.fixture(scope="module")
def advi_fits():
    sim = bm.simulate(60, 2, seed=5, roi=[2.0, 0.8])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = [
            bm.MMM().fit(sim.data, method="advi", chains=2, draws=200, seed=3, progress=False)
            for _ in range(2)
        ]
    return sim, fits


@pytest.mark.slow
def test_advi_fit_is_labelled_approximate_in_every_table_the_repr_and_the_report(
    advi_fits, tmp_path
):
    _, (fit, _) = advi_fits
    assert fit.fit_info["method"] == "advi"
    roi = fit.roi()
    assert (roi["method"] == "advi").all()
    for table in (roi, fit.mroi(), fit.contributions(), fit.predict(), fit.fit_metrics()):
        assert "approximate fit (advi" in table.attrs["approximate"]
    assert fit.diagnostics().attrs["advice"][0].startswith("approximate fit (advi")
    assert "APPROXIMATE: advi" in repr(fit)
    html = fit.report(tmp_path / "r.html").read_text()
    assert "approximate fit (advi, variational)" in html


@pytest.mark.slow
def test_advi_same_seed_same_draws_and_roi_near_the_truth(advi_fits):
    sim, (a, b) = advi_fits
    np.testing.assert_array_equal(a.posterior["roi"].values, b.posterior["roi"].values)
    assert a.posterior["roi"].shape[:2] == (2, 200)
    got = a.roi().set_index("channel")["mean"]
    truth = sim.true_roi().set_index("channel")["true_roi"]
    ratio = got / truth
    assert ((ratio > 0.5) & (ratio < 2.0)).all(), ratio  # a quick look, not a final answer


def test_unknown_method_is_one_error_before_fitting():
    sim = bm.simulate(30, 2, seed=1)
    with pytest.raises(
        SpecError, match=r"method.*'nuts', 'laplace', 'advi', 'fullrank_advi'.*'nut'"
    ):
        bm.MMM().fit(sim.data, method="nut")


def test_laplace_is_exact_for_a_gaussian_posterior():
    """Normal mean with known sd: the posterior is Gaussian, so mode and inverse Hessian are its
    mean and variance, and the draws (mapped through the model) match them."""
    import pymc as pm

    from bayes_mmm.inference.approximate import laplace_posterior

    y = np.array([1.2, 0.4, 2.1, 1.7, 0.9])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 2.0)
        pm.Deterministic("twice", 2 * mu)
        pm.Normal("y", mu, 1.0, observed=y)
    precision = 1 / 2.0**2 + len(y)
    mean, sd = y.sum() / precision, precision**-0.5
    tree = laplace_posterior(model, chains=2, draws=2000, seed=1)
    draws = tree["posterior"]["mu"].values
    assert draws.shape == (2, 2000)
    assert abs(draws.mean() - mean) < 4 * sd / np.sqrt(draws.size)
    assert abs(draws.std() / sd - 1) < 0.05
    np.testing.assert_allclose(tree["posterior"]["twice"].values, 2 * draws)


def test_laplace_handles_constrained_parameters_through_their_transform():
    """A positive scale: the Gaussian lives on log(sigma) (Jacobian included), so every draw
    is positive and the median sits near the log-space mode."""
    import pymc as pm

    from bayes_mmm.inference.approximate import laplace_posterior

    y = np.random.default_rng(0).normal(0.0, 3.0, 400)
    with pm.Model() as model:
        sigma = pm.HalfNormal("sigma", 10.0)
        pm.Normal("y", 0.0, sigma, observed=y)
    draws = laplace_posterior(model, chains=1, draws=1000, seed=2)["posterior"]["sigma"].values
    assert (draws > 0).all()
    assert abs(np.median(draws) - y.std()) < 0.15


@pytest.mark.slow
def test_laplace_fit_is_labelled_and_reproducible_with_roi_near_the_truth(tmp_path):
    sim = bm.simulate(60, 2, seed=5, roi=[2.0, 0.8])
    kw = {"method": "laplace", "chains": 2, "draws": 200, "seed": 3, "progress": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = (bm.MMM().fit(sim.data, **kw) for _ in range(2))
    np.testing.assert_array_equal(a.posterior["roi"].values, b.posterior["roi"].values)
    roi = a.roi()
    assert (roi["method"] == "laplace").all()
    assert "approximate fit (laplace, Gaussian at the posterior mode)" in roi.attrs["approximate"]
    assert "APPROXIMATE: laplace" in repr(a) and "sampler=" not in repr(a)
    ratio = roi.set_index("channel")["mean"] / sim.true_roi().set_index("channel")["true_roi"]
    assert ((ratio > 0.5) & (ratio < 2.0)).all(), ratio


def test_laplace_warns_when_the_mode_is_flat_in_some_direction():
    """A parameter the likelihood does not see and an improper-looking flat prior: the Hessian is
    singular there, so the draws along it are arbitrary and the user is told."""
    import pymc as pm

    from bayes_mmm.inference.approximate import laplace_posterior

    with pm.Model() as model:
        pm.Normal("seen", 0.0, 1.0, observed=None)
        pm.Flat("unseen")
        pm.Normal("y", model["seen"], 1.0, observed=np.array([0.3, -0.2]))
    with pytest.warns(UserWarning, match=r"flat or curved the wrong way.*1 direction\(s\) of 2"):
        tree = laplace_posterior(model, chains=1, draws=50, seed=0)
    assert int(tree["sample_stats"]["hessian_clipped"].values.max()) == 1
