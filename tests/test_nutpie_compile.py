"""The disk-cached nutpie compile (inference/nutpie_compile.py): same draws as nutpie's own compile,
and a model it cannot cache falls back to nutpie's compile."""

import numpy as np
import pymc as pm
import pytest

import bayes_mmm as bm
from bayes_mmm.inference import nutpie_compile
from bayes_mmm.inference.sampling import NUTPIE_COMPILE_FLAGS, NUTS_SETTINGS
from bayes_mmm.model.graph import build_model


def _draws(compiled):
    import nutpie

    tree = nutpie.sample(
        compiled, draws=30, tune=30, chains=1, seed=3, progress_bar=False, **NUTS_SETTINGS
    )
    return tree["posterior"]


@pytest.mark.slow
def test_cached_compile_gives_nutpies_draws():
    import nutpie
    from pytensor import config

    data = bm.simulate(104, 2, seed=1).data.subset_dates(0, 50)
    model = build_model(bm.MMM(seasonality=0), data)
    # the flags fit() compiles with (no fast-math: lifting the data constants to inputs must not
    # change a bit of the arithmetic)
    with config.change_flags(**NUTPIE_COMPILE_FLAGS):
        ours = nutpie_compile.cached_compile(model)  # raises instead of falling back
        theirs = nutpie.compile_pymc_model(model)
    assert ours.n_dim == theirs.n_dim
    a, b = _draws(ours), _draws(theirs)
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


def test_fingerprint_changes_with_data_and_spec():
    """The stored compile is keyed by everything the graph depends on: other data values or
    another spec give another key, the same inputs the same key."""
    from bayes_mmm.inference.compile_cache import fingerprint

    data = bm.simulate(60, 2, seed=1).data
    other = bm.simulate(60, 2, seed=2).data
    assert fingerprint(bm.MMM(), data) == fingerprint(bm.MMM(), data)
    assert fingerprint(bm.MMM(), data) != fingerprint(bm.MMM(), other)
    assert fingerprint(bm.MMM(), data) != fingerprint(bm.MMM(l_max=4), data)


@pytest.mark.slow
def test_fingerprinted_compile_loads_the_same_callbacks(tmp_path, monkeypatch):
    """A second compile with the same fingerprint is loaded from the stored entry (no graph
    rewriting) and gives the same draws; a corrupt entry falls back to compiling."""
    from pytensor import config

    from bayes_mmm.inference import compile_cache

    data = bm.simulate(104, 2, seed=1).data.subset_dates(0, 50)
    spec = bm.MMM(seasonality=0)
    key = compile_cache.fingerprint(spec, data)
    entry = tmp_path / f"{key}.npz"
    monkeypatch.setattr(compile_cache, "_entry", lambda k: tmp_path / f"{k}.npz")
    with config.change_flags(**NUTPIE_COMPILE_FLAGS):
        first = compile_cache.compile_fingerprinted(build_model(spec, data), key)
        assert entry.exists()
        with monkeypatch.context() as m:  # loading must not rebuild the graph
            m.setattr(compile_cache, "cached_compile_parts", None)
            m.setattr(compile_cache, "compile_nutpie", None)
            second = compile_cache.compile_fingerprinted(build_model(spec, data), key)
        entry.write_bytes(b"not an npz")
        third = compile_cache.compile_fingerprinted(build_model(spec, data), key)
    a, b, c = _draws(first), _draws(second), _draws(third)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values)
        np.testing.assert_array_equal(a[name].values, c[name].values)
