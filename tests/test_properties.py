"""Property tests (hypothesis): the data validator and the optimiser on random inputs.

Validator: random frames with the classes of issue 17 (time zones, Periods, yyyymmdd integers,
time-of-day jitter, complex/bool/Decimal/text values, huge numbers, missing or numeric region
labels) give an MMMData with finite arrays or a DataError - never another exception.
Optimiser: random feasible and infeasible bound sets either satisfy every constraint (budget,
bounds, fixed, zero) with no NaN in the table, or raise an OptimizationError.
"""

import decimal
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bayes_mmm as bm

N = 12
WEEKS = pd.date_range("2023-01-02", periods=N, freq="7D")

DATE_FORMS = st.sampled_from(
    [
        lambda: WEEKS,
        lambda: WEEKS.tz_localize("Europe/Berlin"),
        lambda: [d.tz_localize("America/New_York").isoformat() for d in WEEKS],
        lambda: pd.period_range(WEEKS[0], periods=N, freq="W"),
        lambda: [int(d.strftime("%Y%m%d")) for d in WEEKS],
        lambda: WEEKS + pd.to_timedelta(np.arange(N) * 37 % 600, unit="min"),
        lambda: list(range(N)),
        lambda: [str(d.date()) for d in WEEKS[::-1]],
        lambda: WEEKS.insert(3, pd.Timestamp("3023-01-01"))[:N],
    ]
)
ODD = st.sampled_from(
    [np.nan, np.inf, -1.0, 0.0, 1e306, 1 + 1j, True, "12", "x", None, decimal.Decimal("2.5")]
)


@st.composite
def frames(draw):
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    df = pd.DataFrame(
        {
            "date": draw(DATE_FORMS)(),
            "sales": rng.normal(100, 5, N),
            "tv": rng.uniform(0, 10, N),
            "search": rng.uniform(0, 5, N),
            "price": rng.normal(1, 0.1, N),
        }
    )
    for _ in range(draw(st.integers(0, 3))):
        column = draw(st.sampled_from(["sales", "tv", "search", "price"]))
        df[column] = df[column].astype(object)
        df.at[draw(st.integers(0, N - 1)), column] = draw(ODD)
    kwargs = {}
    if draw(st.booleans()):
        other = df.copy()
        labels = draw(st.sampled_from([("north", "south"), (501, 502), (501.0, 502.0)]))
        df = pd.concat([df.assign(region=labels[0]), other.assign(region=labels[1])])
        df = df.reset_index(drop=True).astype({"region": object})
        if draw(st.booleans()):
            df.at[draw(st.integers(0, 2 * N - 1)), "region"] = draw(st.sampled_from([None, np.nan]))
        kwargs = {"geo": "region", "fill_missing": draw(st.booleans())}
    return df, kwargs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_validator_gives_finite_data_or_a_data_error(case):
    df, kwargs = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            data = bm.MMMData.from_frame(
                df,
                date="date",
                target="sales",
                channels=["tv", "search"],
                controls=["price"],
                **kwargs,
            )
        except bm.DataError as exc:
            assert str(exc).count(": expected ") >= 1  # the one template
            return
    for array in (data.spend, data.media, data.target, data.controls):
        assert np.isfinite(array).all()
    assert (data.spend >= 0).all() and data.dates.is_monotonic_increasing
    assert (data.dates == data.dates.normalize()).all() and data.dates.year.max() <= 2200
    assert all(isinstance(g, str) and g not in ("nan", "None") for g in data.geos)


CHANNELS = ("tv_spend", "search_spend", "social_spend")
bound = st.one_of(
    st.none(),
    st.tuples(st.floats(0, 4e5), st.floats(0, 6e5)),
)


@st.composite
def limits(draw):
    kw = {}
    bounds = {c: b for c in CHANNELS if (b := draw(bound)) is not None}
    if bounds:
        kw["bounds"] = bounds
    free = [c for c in CHANNELS if c not in bounds]
    fixed = draw(st.lists(st.sampled_from(free), unique=True, max_size=2)) if free else []
    if fixed:
        kw["fixed"] = fixed
    rest = [c for c in free if c not in fixed]
    zero = draw(st.lists(st.sampled_from(rest), unique=True, max_size=1)) if rest else []
    if zero:
        kw["zero"] = zero
    if not bounds and draw(st.booleans()):
        kw["relative_bounds"] = draw(st.sampled_from([0.0, 0.2, (0.5, 2.0)]))
    kw["budget"] = draw(st.one_of(st.none(), st.floats(0, 1.2e6)))
    return kw


@pytest.mark.xdist_group("mock_fit")
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kw=limits())
def test_optimiser_meets_constraints_or_says_why(mock_fit, kw):
    try:
        result = mock_fit.optimize_budget(horizon=6, **kw)
    except bm.OptimizationError as exc:
        assert ": expected " in str(exc)
        return
    table = result.table.set_index("channel")
    assert not table.isna().any().any()
    assert np.isfinite([result.uplift["mean"], result.prob_better]).all()
    total = table["optimal"].sum()
    if kw.get("budget") is not None:
        assert total == pytest.approx(kw["budget"], rel=1e-5, abs=1e-3)
    tol = 1e-6 * max(1.0, total)
    for channel, (lo, hi) in kw.get("bounds", {}).items():
        assert lo - tol <= table.loc[channel, "optimal"] <= hi + tol
    for channel in kw.get("fixed", []):
        assert table.loc[channel, "optimal"] == pytest.approx(table.loc[channel, "current"])
    for channel in kw.get("zero", []):
        assert table.loc[channel, "optimal"] == pytest.approx(0.0, abs=tol)
    assert (table["optimal"] >= -tol).all()
