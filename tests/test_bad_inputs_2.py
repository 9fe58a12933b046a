"""Bad-input catalogue, round 2 (issue 17): calendars and time zones, dtypes and names, coverage
gaps, spec values of the wrong type, priors outside a parameter's domain, optimiser degenerate
problems, hand-edited model files, CLI paths and configs, lift tests that cannot inform the model.

Each case asserts the error type and a message fragment naming the column/argument, or a
documented behaviour (never a raw traceback, never a silent number).
"""

import datetime
import decimal
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayes_mmm as bm
from bayes_mmm.data.lift_tests import validate_lift_tests

N = 20


def frame(n=N, seed=0, start="2023-01-02", freq="7D") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "date": pd.date_range(start, periods=n, freq=freq),
            "sales": rng.normal(100, 5, n),
            "tv": rng.uniform(1, 10, n),
            "search": rng.uniform(0.5, 5, n),
            "price": rng.normal(1, 0.1, n),
        }
    )


def build(df, **kw):
    args = {"date": "date", "target": "sales", "channels": ["tv", "search"], "controls": ["price"]}
    args.update(kw)
    return bm.MMMData.from_frame(df, **args)


def with_col(column, values, dtype=None):
    def mutate(df):
        df = df.copy()
        df[column] = pd.Series(list(values), index=df.index, dtype=dtype)
        return df

    return mutate


def setv(column, rows, value):
    def mutate(df):
        df = df.copy()
        df[column] = df[column].astype(object)
        for r in rows:
            df.at[r, column] = value
        return df

    return mutate


def regions(labels, n=N):
    parts = [frame(n, seed=i).assign(region=lab) for i, lab in enumerate(labels)]
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------ data: one error per class
D = N  # rows
DATA_ERRORS = {
    # calendar and time zones
    "plain integers as dates": (with_col("date", range(D)), {}, r"date column 'date'.*yyyymmdd"),
    "floats as dates": (
        with_col("date", np.linspace(1.5, 30.5, D)),
        {},
        r"date column 'date'.*numbers such as",
    ),
    "booleans as dates": (with_col("date", [True, False] * 10), {}, r"date column 'date'.*numbers"),
    "far-future typo year": (
        setv("date", [5], pd.Timestamp("3023-02-06")),
        {},
        r"date column 'date'.*between 1900 and 2200.*3023-02-06.*rows \[5\]",
    ),
    "year 1850": (
        setv("date", [0], "1850-01-02"),
        {},
        r"date column 'date'.*between 1900 and 2200.*rows \[0\]",
    ),
    "yyyymmdd with a bad day": (
        with_col("date", [20230132 + 7 * i for i in range(D)]),
        {},
        r"date column 'date'.*unparseable values",
    ),
    "mixed naive and aware": (
        setv("date", [3], pd.Timestamp("2023-01-23", tz="UTC")),
        {},
        r"date column 'date'.*all dates naive or all timezone-aware.*rows \[3\]",
    ),
    "garbage date strings": (
        setv("date", [4], "next tuesday"),
        {},
        r"date column 'date'.*'next tuesday'.*rows \[4\].*date_format",
    ),
    "missing date": (setv("date", [2], None), {}, r"date column 'date'.*rows \[2\]"),
    "monthly dates": (
        with_col("date", pd.date_range("2020-01-01", periods=D, freq="MS")),
        {},
        r"date column 'date' spacing.*typical spacing of 3[01] days.*Aggregate",
    ),
    "a week skipped": (
        lambda d: d.drop(index=[7]),
        {},
        r"date column 'date' calendar.*gaps before dates \[2023-02-2",
    ),
    "daily and weekly rows mixed": (
        setv("date", [10], pd.Timestamp("2023-03-10")),
        {},
        r"date column 'date' calendar.*mixed spacing",
    ),
    # dtypes and names
    "complex spend": (
        setv("tv", [1, 2], 1 + 2j),
        {},
        r"channel column 'tv'.*real numbers.*complex values at rows \[1, 2\]",
    ),
    "complex target": (setv("sales", [0], 3j), {}, r"target column 'sales'.*complex values"),
    "complex dtype control": (
        lambda d: d.assign(price=d["price"].astype(complex)),
        {},
        r"control column 'price'.*complex values",
    ),
    "boolean spend": (
        with_col("search", [True, False] * 10),
        {},
        r"channel column 'search'.*True/False values.*controls=",
    ),
    "boolean target": (
        with_col("sales", [True, False] * 10),
        {},
        r"target column 'sales'.*True/False",
    ),
    "boolean objects as spend": (
        with_col("tv", [True, False] * 10, dtype=object),
        {},
        r"channel column 'tv'.*True/False",
    ),
    "text numbers with units": (
        setv("tv", [3], "12 EUR"),
        {},
        r"channel column 'tv'.*non-numeric values \['12 EUR'\] at rows \[3\]",
    ),
    "duplicate channel column": (
        lambda d: pd.concat([d, d[["tv"]]], axis=1),
        {},
        r"DataFrame columns.*unique column names.*\['tv'\]",
    ),
    "duplicate target column": (
        lambda d: pd.concat([d, d[["sales"]]], axis=1),
        {},
        r"DataFrame columns.*\['sales'\]",
    ),
    "integer channel name": (
        lambda d: d.rename(columns={"tv": 7}),
        {"channels": [7, "search"]},
        r"channel column name\(s\) \[7\].*text column names.*df.columns.map\(str\)",
    ),
    "integer control name": (
        lambda d: d.rename(columns={"price": 3}),
        {"controls": [3]},
        r"control column name\(s\) \[3\]",
    ),
    "huge spend": (setv("tv", [6], 1e306), {}, r"channel column 'tv'.*below 1e\+15.*rows \[6\]"),
    "huge target": (setv("sales", [1], -1e300), {}, r"target column 'sales'.*below 1e\+15"),
    "huge control": (setv("price", [9], 1e200), {}, r"control column 'price'.*below 1e\+15"),
    "infinite spend as text": (setv("tv", [2], "inf"), {}, r"channel column 'tv'.*NaN/inf"),
    # coverage gaps
    "all channels zero": (
        lambda d: d.assign(tv=0.0, search=0.0),
        {},
        r"channel column\(s\) \['tv', 'search'\].*all zeros",
    ),
    "target all zero": (lambda d: d.assign(sales=0.0), {}, r"target column 'sales'.*all zeros"),
    "two identical channels": (
        lambda d: d.assign(search=d["tv"]),
        {},
        r"channel column 'search'.*identical to 'tv'",
    ),
}


@pytest.mark.parametrize("case", sorted(DATA_ERRORS))
def test_bad_frame_round2(case):
    mutate, kw, match = DATA_ERRORS[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(bm.DataError, match=match):
            build(mutate(frame()), **kw)


REGION_ERRORS = {
    "NaN region label": (
        lambda: regions(["north", "south"]).assign(region=lambda d: d["region"].mask(d.index == 3)),
        {},
        r"geo column 'region'.*a region label on every row.*rows \[3\]",
    ),
    "None region label with fill_missing": (
        lambda: (
            regions(["north", "south"])
            .astype({"region": object})
            .assign(region=lambda d: d["region"].where(d.index != 25, None))
        ),
        {"fill_missing": True},
        r"geo column 'region'.*missing labels at rows \[25\]",
    ),
    "region with one row": (
        lambda: pd.concat([regions(["north", "south"]), frame(1).assign(region="east")]),
        {},
        r"geo panel 'region'.*19 missing \(region, date\) pairs \[\(east, 2023-01-09\)",
    ),
    "single region": (lambda: regions(["north"]), {}, r"geo column 'region'.*at least 2 regions"),
}


@pytest.mark.parametrize("case", sorted(REGION_ERRORS))
def test_bad_regions(case):
    make, kw, match = REGION_ERRORS[case]
    with pytest.raises(bm.DataError, match=match):
        build(make(), geo="region", **kw)


# ------------------------------------------------------------------ data: documented behaviour
def _dates(values):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build(with_col("date", values)(frame())).dates


WEEKS = pd.date_range("2023-01-02", periods=N, freq="7D")
DATE_FORMS = {
    "weekly, Berlin time zone across DST": pd.date_range(
        "2023-01-02", periods=N, freq="7D", tz="Europe/Berlin"
    ),
    "weekly, New York across DST": pd.date_range(
        "2023-01-02", periods=N, freq="7D", tz="America/New_York"
    ),
    "ISO strings with different offsets": [
        d.tz_localize("Europe/Berlin").isoformat() for d in WEEKS
    ],
    "aware python datetimes": [
        datetime.datetime(
            d.year, d.month, d.day, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
        )
        for d in WEEKS
    ],
    "time-of-day jitter": [
        d + pd.Timedelta(minutes=int(m)) for d, m in zip(WEEKS, np.arange(N) % 7 * 97)
    ],
    "pandas Periods": pd.period_range("2023-01-02", periods=N, freq="W"),
    "Period objects": list(pd.period_range("2023-01-02", periods=N, freq="W")),
    "yyyymmdd integers": [int(d.strftime("%Y%m%d")) for d in WEEKS],
    "yyyymmdd strings": [d.strftime("%Y%m%d") for d in WEEKS],
    "datetime.date objects": [d.date() for d in WEEKS],
    "numpy datetime64": WEEKS.to_numpy(),
}


@pytest.mark.parametrize("case", sorted(DATE_FORMS))
def test_date_forms_land_on_their_local_calendar_date(case):
    """Every form gives the same weekly calendar at midnight (no 23:00 the day before, no
    'mixed spacing' across a daylight-saving change)."""
    dates = _dates(DATE_FORMS[case])
    expected = WEEKS.to_period("W").start_time if "Period" in case else WEEKS
    assert list(dates) == list(expected)


def test_time_of_day_is_dropped_with_a_warning():
    with pytest.warns(UserWarning, match=r"date column 'date' has times of day"):
        build(with_col("date", WEEKS + pd.Timedelta(hours=9))(frame()))


@pytest.mark.parametrize(
    "values",
    [
        [decimal.Decimal(str(round(v, 2))) for v in np.linspace(1, 9, N)],
        [str(round(v, 2)) for v in np.linspace(1, 9, N)],
        list(np.linspace(1, 9, N).astype(np.float32)),
        list(range(1, N + 1)),
    ],
    ids=["Decimal", "numeric strings", "float32", "int"],
)
def test_number_forms_are_read_as_floats(values):
    data = build(with_col("tv", values, dtype=object)(frame()))
    np.testing.assert_allclose(data.spend[:, 0, 0], [float(v) for v in values], rtol=1e-6)


def test_boolean_control_is_a_0_1_flag():
    data = build(frame().assign(promo=[True, False] * 10), controls=["price", "promo"])
    assert data.controls[:4, 0, 1].tolist() == [1.0, 0.0, 1.0, 0.0]


def test_numeric_region_codes_are_one_label():
    """501 and 501.0 (a float column after a NaN elsewhere) are both region '501'."""
    df = regions([501.0, 502.0])
    data = build(df, geo="region")
    assert data.geos == ("501", "502")
    tests = pd.DataFrame(
        [
            {
                "channel": "tv",
                "geo": 501,
                "start": WEEKS[3],
                "end": WEEKS[4],
                "spend_change": -1.0,
                "lift": -2.0,
                "lift_se": 1.0,
            }
        ]
    )
    assert validate_lift_tests(tests, data)["geo"].tolist() == ["501"]


# ------------------------------------------------------------------ spec values of the wrong type
def channel_prior(param, prior, adstock=None, saturation=None):
    spec = bm.ChannelSpec(adstock=adstock, saturation=saturation, priors={param: prior})
    return lambda: bm.MMM(channels={"tv": spec})


NORMAL = bm.Prior("Normal", mu=0.5, sigma=0.2)
SPEC_ERRORS = {
    "trend as the string 'false'": (
        lambda: bm.MMM.from_dict({"trend": "false"}),
        r"trend: expected true or false.*'false'.*without quotes",
    ),
    "harmful as the string 'false'": (
        lambda: bm.MMM.from_dict({"channels": {"tv": {"harmful": "false"}}}),
        r"ChannelSpec.harmful: expected true or false.*'false'",
    ),
    "geo_noise as 'yes'": (lambda: bm.MMM(geo_noise="yes"), r"geo_noise: expected true or false"),
    "geo_media as 1": (lambda: bm.MMM(geo_media=1), r"geo_media: expected true or false.*got 1"),
    "geo_trend as None": (lambda: bm.MMM(geo_trend=None), r"geo_trend: expected true or false"),
    "geo_seasonality as 'no'": (
        lambda: bm.MMM.from_dict({"geo_seasonality": "no"}),
        r"geo_seasonality: expected true or false",
    ),
    "l_max as True": (lambda: bm.MMM(l_max=True), r"l_max: expected an integer.*True"),
    "l_max as 8.0": (lambda: bm.MMM(l_max=8.0), r"l_max: expected an integer.*8.0"),
    "l_max as '8'": (lambda: bm.MMM.from_dict({"l_max": "8"}), r"l_max: expected an integer"),
    "seasonality as 2.5": (lambda: bm.MMM(seasonality=2.5), r"seasonality: expected a Fourier"),
    "seasonality as True": (lambda: bm.MMM(seasonality=True), r"seasonality: expected a Fourier"),
    "period as a string": (lambda: bm.MMM(period="52"), r"period: expected a seasonal period"),
    "period as True": (lambda: bm.MMM(period=True), r"period: expected a seasonal period"),
    "harmful as a number": (lambda: bm.MMM(harmful=3), r"harmful: expected a list of channel"),
    "Normal on a geometric decay": (
        channel_prior("alpha", NORMAL),
        r"channels\['tv'\].priors\['alpha'\] \(geometric\).*support inside \[0.0, 1.0\].*Beta",
    ),
    "Normal on a delayed decay": (
        channel_prior("alpha", NORMAL, adstock="delayed"),
        r"priors\['alpha'\] \(delayed\).*Prior\(Normal\)",
    ),
    "Normal on the peak lag": (
        channel_prior("theta", NORMAL, adstock="delayed"),
        r"priors\['theta'\] \(delayed\).*support inside \[0.0, inf\].*HalfNormal",
    ),
    "Uniform(0, 2) on a decay": (
        channel_prior("alpha", bm.Prior("Uniform", lower=0, upper=2)),
        r"priors\['alpha'\].*support \[0.0, 2.0\]",
    ),
    "Normal on a half-saturation": (
        channel_prior("half", NORMAL),
        r"priors\['half'\] \(hill\).*LogNormal",
    ),
    "StudentT on a Hill slope": (
        channel_prior("slope", bm.Prior("StudentT", nu=3, mu=1, sigma=1)),
        r"priors\['slope'\] \(hill\).*Prior\(StudentT\)",
    ),
    "Normal on a logistic steepness": (
        channel_prior("lam", NORMAL, saturation="logistic"),
        r"priors\['lam'\] \(logistic\)",
    ),
    "Uniform(-1, 1) on a Michaelis-Menten half": (
        channel_prior(
            "half", bm.Prior("Uniform", lower=-1, upper=1), saturation="michaelis_menten"
        ),
        r"priors\['half'\] \(michaelis_menten\).*support \[-1.0, 1.0\]",
    ),
    "TruncatedNormal below zero on a half": (
        channel_prior("half", bm.Prior("TruncatedNormal", mu=1, sigma=1, lower=-1, upper=3)),
        r"priors\['half'\].*TruncatedNormal",
    ),
    "Normal on a decay from a config": (
        lambda: bm.MMM.from_dict(
            {
                "channels": {
                    "tv": {
                        "priors": {
                            "alpha": {
                                "type": "Prior",
                                "distribution": "Normal",
                                "params": {"mu": 0.5, "sigma": 0.2},
                            }
                        }
                    }
                }
            }
        ),
        r"priors\['alpha'\] \(geometric\)",
    ),
    "Normal noise prior": (
        lambda: bm.MMM(priors={"noise": bm.Prior("Normal", mu=1, sigma=1)}),
        r"priors\['noise'\].*\[0, inf\).*HalfNormal",
    ),
    "StudentT regional spread prior": (
        lambda: bm.MMM(priors={"geo_effect_sd": bm.Prior("StudentT", nu=3, mu=0, sigma=1)}),
        r"priors\['geo_effect_sd'\]",
    ),
}


@pytest.mark.parametrize("case", sorted(SPEC_ERRORS))
def test_bad_spec_round2(case):
    make, match = SPEC_ERRORS[case]
    with pytest.raises(bm.SpecError, match=match):
        make().resolve(("tv", "search"))


def test_priors_inside_the_domain_are_accepted():
    for param, prior in {
        "alpha": bm.Prior("Uniform", lower=0, upper=1),
        "half": bm.Prior("Gamma", alpha=2, beta=2),
        "slope": bm.Prior("TruncatedNormal", mu=1, sigma=1, lower=0.1, upper=4),
    }.items():
        bm.MMM(channels={"tv": bm.ChannelSpec(priors={param: prior})}).resolve(("tv", "search"))
    assert bm.MMM.from_dict({"trend": False, "geo_media": True}).trend is False


def test_daily_data_with_the_weekly_seasonal_period_is_refused():
    daily = build(frame(n=120, freq="D"))
    with pytest.raises(
        bm.SpecError, match=r"period: expected about 365.25 for daily data.*l_max=56"
    ):
        bm.MMM().build_model(daily)
    with pytest.warns(UserWarning, match=r"l_max=8 is the weekly default.*l_max=56"):
        bm.MMM(period=365.25).build_model(daily)
    bm.MMM(period=365.25, l_max=14).build_model(daily)  # explicit choices: no warning needed
    bm.MMM(seasonality=0, l_max=14).build_model(daily)  # no yearly cycle: period unused


def test_weekly_data_with_a_daily_period_is_refused():
    with pytest.raises(bm.SpecError, match=r"period: expected about 52.18 for weekly data"):
        bm.MMM(period=365.25).build_model(build(frame(n=30)))


# ------------------------------------------------------------------ sampler settings
SETTINGS = {
    "tune=0 (nutpie panics)": ({"tune": 0}, r"tune: expected an integer >= 1.*tune >= 200"),
    "tune=True": ({"tune": True}, r"tune: expected an integer"),
    "draws=True": ({"draws": True}, r"draws: expected an integer >= 10"),
    "chains=True": ({"chains": True}, r"chains: expected an integer >= 1"),
    "draws as a string": ({"draws": "100"}, r"draws: expected an integer"),
    "holdout=True": ({"holdout": True}, r"holdout: expected an integer number of periods"),
    "holdout negative": ({"holdout": -1}, r"holdout: expected an integer number of periods"),
    "sampler typo": ({"sampler": "nutpy"}, r"sampler: expected one of"),
    "seed as a string": ({"seed": "1"}, r"seed: expected an integer or None"),
}


@pytest.mark.parametrize("case", sorted(SETTINGS))
def test_bad_sampler_settings(case):
    kw, match = SETTINGS[case]
    args = {"chains": 1, "draws": 20, "tune": 20, "progress": False, **kw}
    with pytest.raises(bm.SpecError, match=match):
        bm.MMM().fit(build(frame(n=30)), **args)


# ------------------------------------------------------------------ lift tests that cannot inform
def lift_row(**kw):
    row = {
        "channel": "tv",
        "start": WEEKS[3],
        "end": WEEKS[5],
        "spend_change": -1.0,
        "lift": -5.0,
        "lift_se": 1.0,
    }
    return pd.DataFrame([{**row, **kw}])


LIFT_ERRORS = {
    "window between two weeks": (
        lift_row(start="2023-01-24", end="2023-01-27"),
        r"lift_tests: expected a window holding at least one period.*rows \[0\].*Widen",
    ),
    "no spend change": (
        lift_row(spend_change=0.0),
        r"lift_tests: expected a non-zero spend_change.*rows \[0\]",
    ),
    "container column": (
        lift_row(notes={"vendor": "x"}),
        r"lift_tests column 'notes'.*containers \(dict/list\) at rows \[0\]",
    ),
    "unparseable start": (lift_row(start="soon"), r"lift_tests 'start'.*unparseable.*rows \[0\]"),
    "missing end": (lift_row(end=None), r"lift_tests 'end'.*rows \[0\]"),
    "lift as text": (lift_row(lift="big"), r"lift_tests 'lift'.*finite numbers"),
    "unknown region code": (lift_row(geo=999), r"lift_tests 'geo'.*unknown regions"),
}


@pytest.mark.parametrize("case", sorted(LIFT_ERRORS))
def test_lift_tests_that_cannot_inform(case):
    tests, match = LIFT_ERRORS[case]
    with pytest.raises(bm.DataError, match=match):
        validate_lift_tests(tests, build(frame()))


def test_go_dark_larger_than_spend_is_read_as_zero_with_a_warning():
    with pytest.warns(UserWarning, match=r"lift_tests rows \[0\].*read as 'spend cut to 0'"):
        out = validate_lift_tests(lift_row(spend_change=-1e6), build(frame()))
    assert out["spend_change"].iloc[0] == -1e6  # kept as given; exposure floors at 0


# ------------------------------------------------------------------ optimiser degenerate problems
OPT_ERRORS = {
    "negative budget": ({"budget": -1.0}, r"budget: expected a total spend >= 0"),
    "NaN budget": ({"budget": float("nan")}, r"budget: expected a total spend >= 0"),
    "boolean budget": ({"budget": True}, r"budget: expected a total spend >= 0"),
    "unknown channel in bounds": ({"bounds": {"radio": (0, 1)}}, r"bounds: expected channel"),
    "bounds lower > upper": (
        {"bounds": {"tv_spend": (5.0, 1.0)}},
        r"constraints: expected a feasible set.*lower bound 5.00",
    ),
    "horizon 0": ({"horizon": 0}, r"horizon: expected a whole number of weeks"),
    "horizon as text": ({"horizon": "13"}, r"horizon: expected a whole number of weeks"),
    "unknown fixed channel": ({"fixed": ["radio"]}, r"fixed: expected channel names"),
    "fixed and zero overlap": (
        {"fixed": ["tv_spend"], "zero": ["tv_spend"]},
        r"fixed / zero: expected disjoint channel lists",
    ),
    "everything zero with a budget": (
        {"zero": ["tv_spend", "search_spend", "social_spend"]},
        r"sum of upper bounds 0.00 is below budget",
    ),
    "negative relative bound": ({"relative_bounds": -0.5}, r"relative_bounds: expected 0 <="),
    "NaN relative bound": ({"relative_bounds": float("nan")}, r"relative_bounds: expected 0 <="),
    "bad level": ({"level": 1.5}, r"level: expected a probability"),
}


@pytest.mark.parametrize("case", sorted(OPT_ERRORS))
def test_optimiser_bad_problems(mock_fit, case):
    kw, match = OPT_ERRORS[case]
    with pytest.raises(bm.OptimizationError if "level" not in kw else bm.SpecError, match=match):
        mock_fit.optimize_budget(**{"horizon": 8, **kw})


@pytest.mark.parametrize(
    "kw",
    [
        {"budget": 0.0},
        {"fixed": ["tv_spend", "search_spend", "social_spend"]},
        {"relative_bounds": 0},
        {"zero": ["tv_spend", "search_spend", "social_spend"], "budget": 0},
    ],
    ids=["budget 0", "all fixed", "relative_bounds 0", "all zero, budget 0"],
)
def test_optimiser_with_nothing_to_optimise_returns_the_pinned_plan(mock_fit, kw):
    result = mock_fit.optimize_budget(horizon=8, **kw)
    table = result.table
    assert not table.isna().any().any()
    expected = 0.0 if kw.get("budget") == 0 else table["current"]
    np.testing.assert_allclose(table["optimal"], expected, atol=1e-6)
    assert "nothing to optimise" in str(result.info["solver_message"])


# ------------------------------------------------------------------ hand-edited model files
def _edit_attr(path, key, value):
    import h5py

    with h5py.File(path, "r+") as f:
        if value is None:
            del f.attrs[key]
        else:
            f.attrs[key] = value


def _spec_with(path, change):
    import h5py

    with h5py.File(path, "r") as f:
        spec = json.loads(f.attrs["spec"])
    change(spec)
    _edit_attr(path, "spec", json.dumps(spec))


def _nan_draw(path):
    tree = xr.open_datatree(path, engine="h5netcdf").load()
    post = tree["posterior"].to_dataset()
    name = next(n for n, v in post.data_vars.items() if v.dtype.kind == "f")
    post[name] = post[name].where(post[name] < -1e300)  # all NaN
    tree["posterior"] = xr.DataTree(post)
    path.unlink()
    tree.to_netcdf(path, engine="h5netcdf")


MODEL_FILE_EDITS = {
    "trend as 'false' in the spec": (
        lambda p: _spec_with(p, lambda s: s.update(trend="false")),
        r"invalid spec: trend: expected true or false",
    ),
    "Normal decay prior in the spec": (
        lambda p: _spec_with(
            p,
            lambda s: s.update(channels={"tv_spend": {"priors": {"alpha": NORMAL.to_dict()}}}),
        ),
        r"invalid spec: channels\['tv_spend'\].priors\['alpha'\]",
    ),
    "spec not JSON": (lambda p: _edit_attr(p, "spec", "{trend: no"), r"a spec, fit_info"),
    "fit_info missing": (lambda p: _edit_attr(p, "fit_info", None), r"a spec, fit_info"),
    "format from the future": (lambda p: _edit_attr(p, "format_version", 99), r"format_version"),
    "signature removed": (
        lambda p: _edit_attr(p, "bayes_mmm_format", None),
        r"attribute bayes_mmm_format",
    ),
    "truncated file": (
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        r"a readable netCDF-4 file",
    ),
    "empty file": (lambda p: p.write_bytes(b""), r"not a netCDF-4/HDF5 file"),
    "NaN draws": (_nan_draw, r"/posterior/.*expected finite draws.*NaN/inf values"),
}


@pytest.mark.parametrize("case", sorted(MODEL_FILE_EDITS))
def test_hand_edited_model_file(mock_fit, tmp_path, case):
    edit, match = MODEL_FILE_EDITS[case]
    path = tmp_path / "m.nc"
    mock_fit.save(path)
    edit(path)
    with pytest.raises(bm.ModelFileError, match=match):
        bm.load(path)


# ------------------------------------------------------------------ CLI paths and configs
@pytest.fixture
def cli_files(tmp_path):
    import yaml

    csv = tmp_path / "data.csv"
    frame(n=30).to_csv(csv, index=False)
    base = {
        "data": {"date": "date", "target": "sales", "channels": ["tv", "search"]},
        "fit": {"chains": 1, "draws": 20, "tune": 20},
    }

    def config(change=None, text=None):
        path = tmp_path / "spec.yaml"
        cfg = json.loads(json.dumps(base))
        if change:
            change(cfg)
        path.write_text(text if text is not None else yaml.safe_dump(cfg))
        return path

    return csv, config


CLI_ERRORS = {
    "trend 'false' in the config": (
        lambda c: (
            c["model"].update(trend="false") if "model" in c else c.update(model={"trend": "false"})
        ),
        None,
        r"trend: expected true or false",
    ),
    "tune 0 in the config": (lambda c: c["fit"].update(tune=0), None, r"tune: expected an integer"),
    "Normal decay prior in the config": (
        lambda c: c.update(model={"channels": {"tv": {"priors": {"alpha": NORMAL.to_dict()}}}}),
        None,
        r"priors\['alpha'\] \(geometric\)",
    ),
    "python object tag": (None, "data: !!python/object/apply:os.system ['echo hi']\n", r"YAML"),
    "a list instead of a mapping": (None, "- data\n- model\n", r"a mapping with keys"),
    "channels missing": (lambda c: c["data"].pop("channels"), None, r"config data.channels"),
    "unknown fit key": (lambda c: c["fit"].update(warmup=5), None, r"config keys in fit"),
}


@pytest.mark.parametrize("case", sorted(CLI_ERRORS))
def test_cli_config_errors_exit_2(cli_files, tmp_path, capsys, case):
    from bayes_mmm.cli import main

    change, text, match = CLI_ERRORS[case]
    csv, config = cli_files
    args = ["fit", str(csv), "--config", str(config(change, text)), "--out", str(tmp_path / "o")]
    assert main([*args, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and __import__("re").search(match, err), err
    assert not (tmp_path / "o" / "model.nc").exists()


def test_cli_optimize_paths(mock_fit, tmp_path, capsys):
    from bayes_mmm.cli import main

    model = tmp_path / "m.nc"
    mock_fit.save(model)
    assert main(["optimize", str(tmp_path / "none.nc")]) == 2
    assert "model file: expected an existing file" in capsys.readouterr().err
    assert main(["optimize", str(model), "--horizon", "4", "--out", str(tmp_path)]) == 2
    assert "--out: expected a writable file path" in capsys.readouterr().err
    out = tmp_path / "plan.csv"
    assert main(["optimize", str(model), "--horizon", "4", "--out", str(out)]) == 0
    assert list(pd.read_csv(out)["channel"]) == list(mock_fit.data.channels)


def test_cli_empty_csv(cli_files, tmp_path, capsys):
    from bayes_mmm.cli import main

    csv, config = cli_files
    csv.write_text("")
    assert main(["fit", str(csv), "--config", str(config()), "--out", str(tmp_path / "o")]) == 2
    assert "a readable CSV file" in capsys.readouterr().err


# ------------------------------------------------------------------ coverage gaps in fits
@pytest.fixture(scope="module")
def dark_fit():
    """80 weeks; social_spend is dark for the first 68 weeks, the last 12 are the holdout, so
    its training spend is zero (prior-draw mock fit on the training window)."""
    from bayes_mmm.testing import prior_fit

    sim = bm.simulate(80, 3, seed=1)
    df = sim.frame.copy()
    df.loc[:67, "social_spend"] = 0.0
    data = bm.MMMData.from_frame(
        df,
        date="date",
        target="sales",
        channels=list(sim.data.channels),
        controls=list(sim.data.control_names),
    )
    part = prior_fit(bm.MMM(), data.subset_dates(0, 68), draws=40, seed=2)
    groups = {f"/{k}": part.tree[k].to_dataset() for k in part.tree.children}
    return bm.MMMFit.from_parts(
        spec=part.spec, data=data, groups=groups, fit_info={**part.fit_info, "holdout": 12}
    )


def test_channel_dark_in_training_has_no_roi_not_zero(dark_fit):
    later = dark_fit.roi(start=dark_fit.data.dates[68], end=dark_fit.data.dates[-1])
    row = later.set_index("channel").loc["social_spend"]
    assert row[["mean", "lower", "upper"]].isna().all() and row["spend"] > 0
    assert "not identified" in row["note"] and row["prior_dominated"]
    others = later.set_index("channel").drop("social_spend")
    assert others[["mean", "lower", "upper"]].notna().all().all() and others["note"].isna().all()
    mroi = dark_fit.mroi(start=dark_fit.data.dates[68], end=dark_fit.data.dates[-1])
    assert mroi.set_index("channel").loc["social_spend", ["mean", "lower"]].isna().all()
    assert dark_fit.untrained_channels == ("social_spend",)


def test_optimiser_keeps_a_channel_dark_in_training(dark_fit):
    with pytest.warns(UserWarning, match=r"\['social_spend'\] had no spend in the training window"):
        result = dark_fit.optimize_budget(horizon=8)
    row = result.table.set_index("channel").loc["social_spend"]
    assert row["optimal"] == pytest.approx(row["current"]) and row["current"] > 0
    assert np.isnan(row["mroi"]) and "not identified" in row["note"]
    assert result.info["kept_untrained"] == ["social_spend"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # explicit bounds: the user decides, no warning
        bounded = dark_fit.optimize_budget(horizon=8, bounds={"social_spend": (0.0, 1e6)})
    assert bounded.info["kept_untrained"] == []


def test_channel_with_no_current_spend_gets_finite_gradients(mock_fit):
    """A channel that spends nothing in the reference weeks is planned from zero: finite mROI,
    no NaN, constraints hold."""
    from bayes_mmm.testing import prior_fit

    df = bm.simulate(104, 3, seed=1).frame.copy()
    df.loc[df.index[-13:], "search_spend"] = 0.0
    data = bm.MMMData.from_frame(
        df,
        date="date",
        target="sales",
        channels=list(mock_fit.data.channels),
        controls=list(mock_fit.data.control_names),
    )
    fit = prior_fit(bm.MMM(), data, draws=30, seed=5)
    total = 1e5
    result = fit.optimize_budget(horizon=13, budget=total, bounds={"search_spend": (0, 5e4)})
    table = result.table
    assert not table[["current", "optimal", "mroi", "mroi_lower", "mroi_upper"]].isna().any().any()
    assert table["optimal"].sum() == pytest.approx(total, rel=1e-6)
    assert 0 <= table.set_index("channel").loc["search_spend", "optimal"] <= 5e4 + 1e-6


def test_fill_missing_refuses_a_region_seen_on_one_date():
    df = pd.concat([regions(["north", "south"]), frame(1).assign(region="east")])
    with pytest.raises(
        bm.DataError, match=r"geo panel 'region'.*at least half.*east \(1 of 20\).*Drop those"
    ):
        build(df, geo="region", fill_missing=True)
    few = regions(["north", "south"]).drop(index=[2, 3])  # 2 of 20 missing: filled, with a note
    assert build(few, geo="region", fill_missing=True).notes


def test_unknown_lift_channel_and_region_name_the_value_and_a_suggestion():
    with pytest.raises(
        bm.DataError, match=r"unknown channels \['tvv'\] at rows \[0\].*'tvv' -> 'tv'"
    ):
        validate_lift_tests(lift_row(channel="tvv"), build(frame()))
    data = build(regions(["north", "south"]), geo="region")
    with pytest.raises(bm.DataError, match=r"unknown regions \['nort'\].*'nort' -> 'north'"):
        validate_lift_tests(lift_row(geo="nort"), data)
