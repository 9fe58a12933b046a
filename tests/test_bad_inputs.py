"""Bad-input catalogue: each bad input gets its own error naming the column, the rows and the
fix."""

import dataclasses
import datetime
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bayes_mmm as bm
from bayes_mmm.data.lift_tests import validate_lift_tests

N = 20


def frame(n=N, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "date": pd.date_range("2023-01-02", periods=n, freq="7D"),
            "sales": rng.normal(100, 5, n),
            "tv": rng.uniform(1, 10, n),
            "search": rng.uniform(0, 5, n),
            "price": rng.normal(1, 0.1, n),
        }
    )


def build(df, **kw):
    args = {"date": "date", "target": "sales", "channels": ["tv", "search"], "controls": ["price"]}
    args.update(kw)
    return bm.MMMData.from_frame(df, **args)


def regional(fill=False, drop=None, regions=("north", "south")):
    parts = [frame(seed=i).assign(region=r) for i, r in enumerate(regions)]
    df = pd.concat(parts, ignore_index=True)
    if drop is not None:
        df = df.drop(index=drop)
    return build(df, geo="region", fill_missing=fill)


def setv(column, rows, value):
    def mutate(df):
        df = df.copy()
        df[column] = df[column].astype(object) if isinstance(value, str) else df[column]
        df.loc[rows, column] = value
        return df

    return mutate


DATA_CASES = {
    "missing column": (
        lambda d: d.drop(columns="search"),
        {},
        r"channel column\(s\) \['search'\].*missing",
    ),
    "misspelt column": (
        lambda d: d.rename(columns={"search": "serach"}),
        {},
        r"channel column\(s\) \['search'\].*missing. Did you mean 'search' -> 'serach'",
    ),
    "NaN in target": (
        setv("sales", [2], np.nan),
        {},
        r"target column 'sales'.*NaN/inf at rows \[2\]",
    ),
    "inf in target": (
        setv("sales", [0, 19], -np.inf),
        {},
        r"target column 'sales'.*NaN/inf at rows \[0, 19\]",
    ),
    "NaN in spend": (
        setv("search", [1], np.nan),
        {},
        r"channel column 'search'.*NaN/inf at rows \[1\].*spend with no",
    ),
    "inf in spend": (
        setv("tv", [4, 6], np.inf),
        {},
        r"channel column 'tv'.*NaN/inf at rows \[4, 6\]",
    ),
    "NaN in control": (
        setv("price", [7], np.nan),
        {},
        r"control column 'price'.*NaN/inf at rows \[7\]",
    ),
    "inf in control": (
        setv("price", [3], np.inf),
        {},
        r"control column 'price'.*NaN/inf at rows \[3\]",
    ),
    "many bad rows are truncated": (
        setv("tv", list(range(3, 12)), np.nan),
        {},
        r"NaN/inf at rows \[3, 4, 5, 6, 7\] \(\+4 more\)",
    ),
    "negative spend": (
        setv("search", [3], -2.0),
        {},
        r"channel column 'search'.*negative values at rows \[3\].*Refunds",
    ),
    "string in numeric": (
        setv("tv", [5], "1,200"),
        {},
        r"channel column 'tv'.*non-numeric values \['1,200'\] at rows \[5\]",
    ),
    "duplicate dates": (
        lambda d: d.assign(date=d["date"].where(d.index != 9, d["date"][8])),
        {},
        r"date column 'date'.*one row per date.*duplicate dates at rows \[8, 9\].*Aggregate",
    ),
    "gap in calendar": (
        lambda d: d.drop(index=[10, 11]),
        {},
        r"date column 'date' calendar: expected one row every 7 days, got gaps before dates "
        r"\[2023-03-27\].*Add",
    ),
    "mixed frequencies": (
        lambda d: d.assign(date=d["date"].where(d.index < 15, d["date"] - pd.Timedelta(days=3))),
        {},
        r"date column 'date' calendar: expected a single frequency \(every 7 days\), got mixed "
        r"spacing before dates \[2023-04-14\].*Resample",
    ),
    "monthly data": (
        lambda d: d.assign(date=pd.date_range("2020-01-01", periods=len(d), freq="MS")),
        {},
        r"date column 'date' spacing: expected weekly .* typical spacing of 31 days.*Aggregate",
    ),
    "too few periods": (
        lambda d: d.iloc[:2],
        {},
        r"date column 'date'.*at least 3 distinct periods, got 2",
    ),
    "all-zero channel": (
        lambda d: d.assign(search=0.0),
        {},
        r"channel column\(s\) \['search'\].*all zeros.*Drop",
    ),
    "constant control": (
        lambda d: d.assign(price=1.0),
        {},
        r"control column 'price'.*constant value 1.0",
    ),
    "duplicated channel": (
        lambda d: d.assign(search=d["tv"]),
        {},
        r"channel column 'search'.*identical to 'tv'.*Merge",
    ),
    "constant target": (
        lambda d: d.assign(sales=5.0),
        {},
        r"target column 'sales'.*constant value 5.0",
    ),
    "all-zero target": (lambda d: d.assign(sales=0.0), {}, r"target column 'sales'.*all zeros"),
    "unparseable date": (
        setv("date", [4], "next tuesday"),
        {},
        r"date column 'date'.*'next tuesday'.*rows \[4\].*date_format",
    ),
    "tz-aware mixed with naive": (
        lambda d: d.assign(
            date=[
                pd.Timestamp(x, tz="UTC") if i == 3 else pd.Timestamp(x)
                for i, x in enumerate(d["date"])
            ]
        ),
        {},
        r"naive or all timezone-aware.*rows \[3\]",
    ),
    "empty frame": (lambda d: d.iloc[:0], {}, r"df: expected a non-empty DataFrame, got 0 rows"),
    "media key not a channel": (
        lambda d: d.assign(imps=1.0),
        {"media": {"radio": "imps"}},
        r"media keys",
    ),
    "column used twice": (lambda d: d, {"controls": ["tv"]}, r"each column used once.*\['tv'\]"),
}


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_bad_frame(case):
    mutate, kw, match = DATA_CASES[case]
    with pytest.raises(bm.DataError, match=match):
        build(mutate(frame()), **kw)


def test_unsorted_dates_sorted_with_a_note():
    with pytest.warns(UserWarning, match="not sorted; rows were sorted"):
        data = build(frame().iloc[::-1])
    assert data.dates.is_monotonic_increasing and any("sorted" in n for n in data.notes)


def test_ragged_region_panel_lists_missing_pairs_or_fills():
    with pytest.raises(
        bm.DataError,
        match=(
            r"2 missing \(region, date\) pairs \[\(north, 2023-01-16\), \(north, 2023-01-23\)\]"
            r".*fill_missing=True"
        ),
    ):
        regional(drop=[2, 3])
    filled = regional(fill=True, drop=[2, 3])
    assert filled.spend[2, 0, 0] == 0 and np.isfinite(filled.target).all() and filled.notes


def test_single_region_column():
    with pytest.raises(bm.DataError, match=r"geo column 'region'.*at least 2 regions.*Drop geo="):
        build(frame().assign(region="north"), geo="region")


def test_fewer_weeks_than_adstock_window():
    with pytest.raises(bm.DataError, match=r"at least l_max=12 \(the adstock window\), got 10"):
        bm.MMM(l_max=12).build_model(build(frame(n=10)))


def test_negative_target_with_lognormal_likelihood():
    data = build(setv("sales", [6], -3.0)(frame()))
    with pytest.raises(bm.DataError, match=r"values > 0 for likelihood='lognormal'.*2023-02-13"):
        bm.MMM(likelihood="lognormal").build_model(data)
    bm.MMM(likelihood="normal").build_model(data)  # allowed where the likelihood permits it


SPEC_CASES = {
    "unknown channel in ChannelSpec": (
        lambda: bm.MMM(channels={"radio": bm.ChannelSpec()}),
        bm.SpecError,
        r"\['radio'\] in the spec.*\['tv', 'search'\]",
    ),
    "unknown config key": (
        lambda: bm.MMM.from_dict({"adstok": "geometric"}),
        bm.SpecError,
        r"model spec keys.*\['adstok'\]. Did you mean 'adstok' -> 'adstock'",
    ),
    "unknown channel config key": (
        lambda: bm.MMM.from_dict({"channels": {"tv": {"efect": None}}}),
        bm.SpecError,
        r"channel spec keys.*got \['efect'\]. Did you mean 'efect' -> 'effect'",
    ),
    "channel config not a mapping": (
        lambda: bm.MMM.from_dict({"channels": {"tv": "geometric"}}),
        bm.SpecError,
        r"channel spec: expected a mapping",
    ),
    "config value of the wrong type": (
        lambda: bm.MMM.from_dict({"adstock": {"name": "geometric"}}),
        bm.SpecError,
        r"adstock: expected one of \['delayed', 'geometric', 'none'\], got \{",
    ),
    "prior config without interval": (
        lambda: bm.MMM.from_dict({"effect_prior": {"type": "ROIPrior", "median": 1}}),
        bm.SpecError,
        r"ROIPrior: expected \{median: <number>, interval: .*KeyError",
    ),
    "prior parameter not a number": (
        lambda: bm.Prior("Normal", mu="zero", sigma=1),
        bm.SpecError,
        r"Prior\(Normal\) parameters \['mu'\]: expected numbers, got mu='zero'",
    ),
    "unknown prior distribution": (
        lambda: bm.Prior("Cauchy", alpha=0, beta=1),
        bm.SpecError,
        r"Prior distribution: expected one of .*got 'Cauchy'",
    ),
    "typo in pooling": (
        lambda: bm.MMM(pooling="parital"),
        bm.SpecError,
        r"pooling.*Did you mean 'parital' -> 'partial'",
    ),
    "unknown prior parameter": (
        lambda: bm.MMM(
            channels={"tv": bm.ChannelSpec(priors={"decay": bm.Prior("Beta", alpha=1, beta=1)})}
        ),
        bm.SpecError,
        r"channels\['tv'\].priors.*\['decay'\]",
    ),
    "negative sd": (
        lambda: bm.Prior("Normal", mu=0, sigma=-1),
        bm.SpecError,
        r"sigma: expected a value > 0, got -1.0",
    ),
    "interval lower > upper": (
        lambda: bm.ROIPrior(1.0, (3.0, 0.5)),
        bm.SpecError,
        r"ROIPrior.interval: expected 0 < lower < median < upper, got interval=\(3.0, 0.5\)",
    ),
    "bounds lower > upper": (
        lambda: bm.Prior("TruncatedNormal", mu=0, sigma=1, lower=2, upper=1),
        bm.SpecError,
        r"bounds: expected lower < upper, got lower=2.0, upper=1.0",
    ),
    "unknown transform": (
        lambda: bm.MMM(adstock="weibull"),
        bm.SpecError,
        r"adstock: expected one of \['delayed', 'geometric', 'none'\]",
    ),
}


@pytest.mark.parametrize("case", sorted(SPEC_CASES))
def test_bad_spec(case):
    make, error, match = SPEC_CASES[case]
    with pytest.raises(error, match=match):
        spec = make()
        spec.resolve(("tv", "search"))


def test_roi_prior_on_channel_without_spend_in_training_window():
    df = frame(n=30)
    df.loc[:19, "search"] = 0.0  # spend only in what becomes the holdout
    data = build(df).subset_dates(0, 20)
    spec = bm.MMM(channels={"search": bm.ChannelSpec(effect=bm.ROIPrior(1.0, (0.3, 3.0)))})
    with pytest.raises(
        bm.SpecError, match=r"ROIPrior on channel 'search'.*no spend.*drop the prior"
    ):
        spec.build_model(data)


def test_lift_test_outside_data_window():
    data = build(frame())
    tests = pd.DataFrame(
        [
            {
                "channel": "tv",
                "start": "2030-01-01",
                "end": "2030-02-01",
                "spend_change": 10.0,
                "lift": 5.0,
                "lift_se": 1.0,
            }
        ]
    )
    with pytest.raises(bm.DataError, match=r"lift_tests window.*rows \[0\].*Drop tests"):
        validate_lift_tests(tests, data)


def test_optimiser_bounds_conflict_with_budget(mock_fit):
    if not hasattr(bm.MMMFit, "optimize_budget"):  # written concurrently in bayes_mmm/optimize.py
        pytest.skip("optimiser not available")
    with pytest.raises(
        bm.OptimizationError,
        match=r"constraints: expected a feasible set.*channel '\w+': lower bound "
        r".* exceeds upper bound 1.00 \(budget\).*Loosen",
    ):
        mock_fit.optimize_budget(budget=1.0, horizon=4, relative_bounds=0.3)


def test_plan_with_negative_spend(mock_fit):
    if not hasattr(bm.MMMFit, "evaluate_plan"):
        pytest.skip("optimiser not available")
    plan = dict.fromkeys(mock_fit.data.channels, 10.0) | {"search_spend": -5.0}
    with pytest.raises(
        bm.OptimizationError,
        match=r"plan\['search_spend'\]: expected finite, non-negative spend.*"
        r"got -5.0.*zero=\[\.\.\.\]",
    ):
        mock_fit.evaluate_plan(plan)


# ---------------------------------------------------------------- fuzzing the validator
cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 5),
    st.text(max_size=3),
    st.none(),
    st.booleans(),
)
aware = st.datetimes(timezones=st.just(datetime.UTC))


def _column(draw, n):
    kind = draw(st.sampled_from(["mixed", "numeric", "repeat"]))
    if kind == "numeric":
        return draw(
            st.lists(
                st.sampled_from([0.0, 1.0, 2.5, -1.0, np.nan, np.inf, 1e12]), min_size=n, max_size=n
            )
        )
    if kind == "repeat":  # duplicates / constants / all zero
        return [draw(st.sampled_from([0, 0.0, 1.0, "x"]))] * n
    return draw(st.lists(cells, min_size=n, max_size=n))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(0, 14), data=st.data())
def test_validator_fuzz_raises_only_package_errors(n, data):
    """Random frames (dtypes, NaN, inf, strings, negatives, duplicates, dates, regions) never crash
    the validator."""
    step = data.draw(st.sampled_from([1, 7, 7, 14, 30]))
    start = data.draw(
        st.datetimes(
            min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
            max_value=pd.Timestamp("2030-01-01").to_pydatetime(),
        )
    )
    dates = data.draw(
        st.one_of(
            st.just(list(pd.date_range(start, periods=n, freq=f"{step}D"))),
            st.permutations(list(pd.date_range(start, periods=n, freq="7D"))),  # unsorted
            st.lists(
                st.one_of(st.datetimes(), aware, st.text(max_size=5), st.none()),
                min_size=n,
                max_size=n,
            ),
        )
    )
    columns = {name: _column(data.draw, n) for name in ("sales", "tv", "search", "price")}
    kwargs = {}
    if data.draw(st.booleans()):
        columns["region"] = data.draw(
            st.lists(st.sampled_from(["north", "south", 1, None]), min_size=n, max_size=n)
        )
        kwargs = {"geo": "region", "fill_missing": data.draw(st.booleans())}
    df = pd.DataFrame({"date": dates, **columns}) if n else pd.DataFrame(columns=["date", *columns])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = build(df, **kwargs)
        except bm.BayesMMMError:
            return
    assert np.isfinite(out.spend).all() and (out.spend >= 0).all() and np.isfinite(out.target).all()
    assert out.dates.is_monotonic_increasing and out.n_dates >= 3


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.floats()
    | st.integers(-3, 200)
    | st.text(max_size=6)
    | st.sampled_from(["geometric", "hill", "Normal", "Prior", "ROIPrior", "tv", "alpha", "sigma"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "distribution",
                    "params",
                    "median",
                    "interval",
                    "mu",
                    "sigma",
                    "adstock",
                    "priors",
                    "effect",
                    "tv",
                    "alpha",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from([f.name for f in dataclasses.fields(bm.MMM)] + ["bogus"]),
        json_values,
        max_size=4,
    )
)
def test_config_fuzz_raises_only_spec_errors(config):
    """Random YAML/JSON-like configs give a SpecError or a valid spec, never a
    TypeError/KeyError."""
    try:
        spec = bm.MMM.from_dict(config)
        spec.resolve(("tv", "search"))
    except bm.SpecError:
        return
    assert bm.MMM.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize("bound", [(4.6e-274, 0.0), (1e-12, 0.0), (5.0 + 1e-13, 5.0)])
def test_optimiser_bound_inverted_by_less_than_rounding_is_one_bound(mock_fit, bound):
    """Found by Hypothesis: a lower bound above its upper bound by a rounding error reached scipy
    (raw ValueError). Within the tolerance it is one bound: the channel is pinned there."""
    result = mock_fit.optimize_budget(horizon=6, bounds={"social_spend": bound})
    spend = result.table.set_index("channel").loc["social_spend", "optimal"]
    assert spend == pytest.approx(bound[1], abs=1e-6)
