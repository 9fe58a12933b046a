"""The disk-cached nutpie compile (inference/nutpie_compile.py): same draws as nutpie's own compile,
and a model it cannot cache falls back to nutpie's compile."""

import numpy as np
import pymc as pm
import pytest

import bayes_mmm as bm
from bayes_mmm.inference import nutpie_compile
from bayes_mmm.inference.sampling import nuts_settings
from bayes_mmm.model.graph import build_model


def _draws(compiled):
    import nutpie

    tree = nutpie.sample(
        compiled,
        draws=30,
        tune=30,
        chains=1,
        seed=3,
        progress_bar=False,
        **nuts_settings(compiled.n_dim),
    )
    return tree["posterior"]


@pytest.mark.slow
def test_cached_compile_gives_nutpies_draws():
    import nutpie

    data = bm.simulate(104, 2, seed=1).data.subset_dates(0, 50)
    model = build_model(bm.MMM(seasonality=0), data)
    ours = nutpie_compile.cached_compile(model)  # raises instead of falling back
    assert ours.n_dim == nutpie.compile_pymc_model(model).n_dim
    a, b = _draws(ours), _draws(nutpie.compile_pymc_model(model))
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values)


@pytest.mark.slow
def test_model_with_shared_data_falls_back_to_nutpie():
    with pm.Model() as model:
        x = pm.Data("x", np.arange(5.0))
        mu = pm.Normal("mu")
        pm.Normal("y", mu + x, 1.0, observed=np.arange(5.0) + 1.0)
    with pytest.raises(nutpie_compile.NotCacheable):
        nutpie_compile.cached_compile(model)
    post = _draws(nutpie_compile.compile_nutpie(model))
    assert abs(float(post["mu"].mean()) - 1.0) < 1.5
