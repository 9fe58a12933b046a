"""MMMData construction and the minimum validation errors (full catalogue: test_bad_inputs.py)."""

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm


def frame(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "date": pd.date_range("2023-01-02", periods=n, freq="7D"),
            "sales": rng.normal(100, 5, n),
            "tv": rng.uniform(0, 10, n),
            "search": rng.uniform(0, 5, n),
            "price": rng.normal(1, 0.1, n),
        }
    )


def build(df, **kw):
    args = {"date": "date", "target": "sales", "channels": ["tv", "search"], "controls": ["price"]}
    args.update(kw)
    return bm.MMMData.from_frame(df, **args)


def test_shapes_and_named_dims():
    data = build(frame())
    assert data.spend.shape == (30, 1, 2) and data.controls.shape == (30, 1, 1)
    ds = data.to_dataset()
    assert ds["spend"].dims == ("date", "geo", "channel")
    assert not data.spend.flags.writeable  # immutable arrays


def test_impressions_are_modelled_but_roi_stays_on_spend():
    df = frame()
    df["tv_imps"] = df["tv"] * 1000
    data = build(df, media={"tv": "tv_imps"})
    np.testing.assert_allclose(data.media[:, 0, 0], df["tv_imps"])
    np.testing.assert_allclose(data.spend[:, 0, 0], df["tv"])


@pytest.mark.parametrize(
    "mutate, kw, match",
    [
        (lambda d: d.drop(columns="tv"), {}, r"channel column\(s\) \['tv'\].*missing"),
        (
            lambda d: d.assign(sales=d["sales"].where(d.index != 3)),
            {},
            r"target column 'sales'.*NaN/inf at rows \[3\]",
        ),
        (
            lambda d: d.assign(tv=d["tv"].where(d.index != 5, -1.0)),
            {},
            r"channel column 'tv'.*negative values at rows \[5\]",
        ),
        (
            lambda d: d.assign(date=d["date"].where(d.index != 4, d["date"][3])),
            {},
            r"duplicate dates at rows \[3, 4\]",
        ),
    ],
)
def test_minimum_errors_name_column_and_rows(mutate, kw, match):
    with pytest.raises(bm.DataError, match=match):
        build(mutate(frame()), **kw)


def test_unsorted_dates_are_sorted_with_a_warning():
    df = frame().sample(frac=1.0, random_state=1)
    with pytest.warns(UserWarning, match="not sorted"):
        data = build(df)
    assert data.dates.is_monotonic_increasing
    np.testing.assert_allclose(data.target[:, 0], frame()["sales"])


def test_fewer_weeks_than_adstock_window():
    data = build(frame(n=10))
    with pytest.raises(bm.DataError, match="l_max=12"):
        bm.MMM(l_max=12).build_model(data)


def test_geo_long_frame():
    a, b = frame(seed=1).assign(region="north"), frame(seed=2).assign(region="south")
    data = build(pd.concat([a, b]), geo="region")
    assert data.geos == ("north", "south") and data.target.shape == (30, 2)
    np.testing.assert_allclose(data.target[:, 1], b["sales"])


def test_regional_log_density_graph_has_no_blas_or_scatter_nodes():
    """Cold-compile cost guard: every node of the log-density + gradient graph is a separately
    Numba-compiled function (~0.3 s each, a BLAS matrix product ~5 s). The default regional model
    must not build a matrix product (seasonality is a product-sum) nor scatter channel parameters
    into a vector when one random variable already covers every channel (docs/benchmarks.md)."""
    import pytensor
    import pytensor.tensor as pt
    from pytensor.graph.rewriting.utils import rewrite_graph
    from pytensor.tensor.basic import Alloc
    from pytensor.tensor.math import Dot
    from pytensor.tensor.subtensor import IncSubtensor

    from bayes_mmm.model.graph import build_model

    sim = bm.simulate(52, 3, geos=4, seed=0)
    model = build_model(bm.MMM(), sim.data)
    logp = model.logp()
    grads = pt.grad(logp, model.value_vars)
    outputs = rewrite_graph([logp, *grads], include=("fast_run",), exclude=("inplace",))

    def ops(graph):
        return {type(node.op) for node in pytensor.graph.basic.io_toposort(model.value_vars, graph)}

    blas = sorted(
        op.__name__
        for op in ops(outputs)
        if op is Dot or op.__name__.startswith(("Dot", "Gemm", "Gemv", "CGem", "Ger"))
    )
    assert not blas, blas
    forward = ops(outputs[:1])  # scatters live in the forward pass (the gradient slices by itself)
    assert not any(issubclass(op, (Alloc, IncSubtensor)) for op in forward), sorted(
        op.__name__ for op in forward
    )
