"""One parametrised invariant test per property, over every registered transform."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from bayes_mmm.model.transforms import ADSTOCKS, SATURATIONS, apply_adstock, apply_saturation

RNG = np.random.default_rng(0)
X = np.abs(RNG.normal(1, 0.7, (30, 2, 3)))
X[::4] = 0.0  # weeks with no spend
L_MAX = 6


def _params(transform, n=3):
    rng = np.random.default_rng(1)
    out = {}
    for name, prior in transform.default_priors.items():
        dist = prior.scipy()
        out[name] = np.clip(
            dist.rvs(size=n, random_state=rng), 0.05, 0.95 if name == "alpha" else 5
        )
    return out


@pytest.mark.parametrize("kind", sorted(ADSTOCKS))
def test_adstock_numpy_equals_pytensor(kind):
    p = _params(ADSTOCKS[kind])
    sym = {k: pt.vector(k) for k in p}
    xs = pt.tensor3("x")
    f = pytensor.function(
        [xs, *sym.values()], apply_adstock(kind, xs, sym, L_MAX), on_unused_input="ignore"
    )
    np.testing.assert_allclose(f(X, *p.values()), apply_adstock(kind, X, p, L_MAX), rtol=1e-10)


@pytest.mark.parametrize("kind", sorted(SATURATIONS))
def test_saturation_numpy_equals_pytensor(kind):
    p = _params(SATURATIONS[kind])
    sym = {k: pt.vector(k) for k in p}
    xs = pt.tensor3("x")
    f = pytensor.function([xs, *sym.values()], apply_saturation(kind, xs, sym))
    np.testing.assert_allclose(f(X, *p.values()), apply_saturation(kind, X, p), rtol=1e-10)


@pytest.mark.parametrize("kind", sorted(ADSTOCKS))
def test_adstock_preserves_total_and_is_causal(kind):
    p = _params(ADSTOCKS[kind])
    padded = np.concatenate([X, np.zeros((L_MAX, 2, 3))])
    out = apply_adstock(kind, padded, p, L_MAX)
    np.testing.assert_allclose(out.sum(axis=0), X.sum(axis=0), rtol=1e-10)  # normalised weights
    pulse = np.zeros((12, 1, 3))
    pulse[5] = 1.0
    response = apply_adstock(kind, pulse, p, L_MAX)
    assert np.all(response[:5] == 0)  # nothing before the spend
    assert np.all(response >= 0)


@pytest.mark.parametrize("kind", sorted(SATURATIONS))
def test_saturation_shape(kind):
    p = _params(SATURATIONS[kind])
    grid = np.linspace(0, 20, 200)[:, None, None] * np.ones((1, 1, 3))
    y = apply_saturation(kind, grid, p)
    assert np.all(y[0] == 0)
    assert np.all(np.diff(y, axis=0) >= -1e-12)  # monotone
    assert np.all((y >= 0) & (y <= 1))
    assert np.all(y[grid <= 1] < 1)


@pytest.mark.parametrize("kind", sorted(SATURATIONS))
def test_saturation_gradients_finite_at_zero_spend(kind):
    p = _params(SATURATIONS[kind])
    sym = {k: pt.vector(k) for k in p}
    x = np.zeros((4, 1, 3))
    x[1] = 1.0
    total = apply_saturation(kind, pt.as_tensor(x), sym).sum()
    grads = pytensor.function(list(sym.values()), pt.grad(total, list(sym.values())))(*p.values())
    assert all(np.all(np.isfinite(g)) for g in grads)


def test_hill_half_saturation_point():
    y = apply_saturation(
        "hill", np.full((1, 1, 1), 2.0), {"half": np.array([2.0]), "slope": np.array([1.7])}
    )
    np.testing.assert_allclose(y, 0.5)


def test_geometric_weights():
    pulse = np.zeros((5, 1, 1))
    pulse[0] = 1.0
    out = apply_adstock("geometric", pulse, {"alpha": np.array([0.5])}, 3)
    np.testing.assert_allclose(out[:3, 0, 0], np.array([1, 0.5, 0.25]) / 1.75)


def test_hill_equals_the_textbook_formula_and_its_gradient_including_zero():
    """Hill is evaluated as sigmoid(s (log x - log h)); it equals x^s / (x^s + h^s) to round-off,
    value and gradient, numpy and pytensor, and x = 0 gives 0 with finite gradients."""
    x = np.concatenate([[0.0, 1e-8, 1e-3], np.linspace(0.05, 20, 60), [1e3]])[:, None, None]
    half, slope = np.array([0.3, 1.0, 2.5]), np.array([0.5, 1.0, 2.7])
    textbook = x**slope / (x**slope + half**slope)
    np.testing.assert_allclose(
        apply_saturation("hill", x, {"half": half, "slope": slope}), textbook, rtol=1e-12, atol=0
    )
    xs, hs, ss = pt.tensor3("x", shape=(None, 1, 1)), pt.vector("h"), pt.vector("s")
    new = apply_saturation("hill", xs, {"half": hs, "slope": ss})
    safe = pt.switch(xs > 0, xs, 1.0)
    old = pt.switch(xs > 0, safe**ss / (safe**ss + hs**ss), 0.0)
    wrt = [xs, hs, ss]
    f = pytensor.function(wrt, [new, *pt.grad(new.sum(), wrt), *pt.grad(old.sum(), wrt)])
    value, *grads = f(x, half, slope)
    np.testing.assert_allclose(value, textbook, rtol=1e-12, atol=0)
    for got, want in zip(grads[:3], grads[3:]):
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-300)
    assert np.all(value[0] == 0) and np.all(grads[0][0] == 0)  # x = 0: value 0, d/dx 0 there
    nan = apply_saturation("hill", np.zeros((1, 1, 1)), {"half": np.ones(1), "slope": np.nan})
    assert np.isnan(nan).all()  # a NaN parameter is not hidden by the x = 0 branch
