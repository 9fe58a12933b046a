"""bm.LiftTest: a marketer's encoding of go-dark and spend-increase tests, one clear error per
bad row."""

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.data.lift_test_spec import lift_frame
from bayes_mmm.data.lift_tests import exposure_change, validate_lift_tests


@pytest.fixture(scope="module")
def data():
    return bm.simulate(40, 2, seed=4).data


@pytest.fixture(scope="module")
def regional():
    return bm.simulate(30, 2, geos=3, seed=2).data


def _window(data, a=10, b=13):
    return str(data.dates[a].date()), str(data.dates[b].date())


def test_go_dark_removes_all_exposure_in_the_window(regional):
    start, end = _window(regional)
    ch = regional.channels[0]
    tests = [bm.LiftTest(ch, start, end, "go_dark", lift=-500.0, lift_sd=100.0)]
    table = validate_lift_tests(lift_frame(tests, regional), regional)
    change = exposure_change(table.iloc[0], regional)
    after = np.maximum(regional.media[..., 0] + change, 0.0)  # the model floors exposure at 0
    mask = (regional.dates >= start) & (regional.dates <= end)
    assert np.all(after[mask] == 0) and np.any(regional.media[mask, :, 0] > 0)
    np.testing.assert_array_equal(after[~mask], regional.media[~mask, :, 0])


def test_spend_increase_row_matches_the_table_schema(data):
    start, end = _window(data)
    row = bm.LiftTest(data.channels[1], start, end, 2000.0, lift=3000.0, lift_sd=800.0).row(data)
    assert row == {
        "channel": data.channels[1],
        "start": start,
        "end": end,
        "spend_change": 2000.0,
        "lift": 3000.0,
        "geo": None,
        "lift_se": 800.0,
    }
    table = lift_frame([bm.LiftTest(data.channels[1], start, end, 2000.0, 3000.0, 800.0)], data)
    assert isinstance(table, pd.DataFrame) and len(validate_lift_tests(table, data)) == 1


def test_model_builds_with_lift_test_objects(data):
    start, end = _window(data)
    tests = [
        bm.LiftTest(data.channels[0], start, end, "go_dark", -800.0, 200.0),
        bm.LiftTest(data.channels[1], start, end, 1000.0, 900.0, 300.0),
    ]
    model = bm.MMM().build_model(
        data, lift_tests=validate_lift_tests(lift_frame(tests, data), data)
    )
    assert "lift_observed" in model.named_vars
    observed = model.rvs_to_values[model["lift_observed"]].data
    scale = np.mean(np.abs(data.target), axis=0).mean()  # the table's lifts, normalised
    np.testing.assert_allclose(observed * scale, [-800.0, 900.0], rtol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"channel": "tv_spnd"},
            r"channel: expected one of .*Did you mean 'tv_spnd' -> 'tv_spend'",
        ),
        ({"start": "2010-01-04", "end": "2010-02-01"}, r"window: expected start <= end within"),
        ({"lift_sd": 0.0}, r"lift_sd: expected a standard error > 0"),
        ({"lift_sd": -5.0}, r"lift_sd: expected a standard error > 0"),
        ({"spend_change": -1e9}, r"spend_change: expected a change that keeps spend >= 0.*go_dark"),
        ({"spend_change": "off"}, r"spend_change: expected a number or 'go_dark'"),
        ({"lift": float("nan")}, r"lift: expected a finite number"),
        ({"geo": "north"}, r"geo: expected None \(all regions\)"),
    ],
)
def test_each_bad_lift_test_gets_its_own_error(data, kwargs, match):
    start, end = _window(data)
    base = {
        "channel": "tv_spend",
        "start": start,
        "end": end,
        "spend_change": 100.0,
        "lift": 50.0,
        "lift_sd": 10.0,
    }
    with pytest.raises(bm.DataError, match=match):
        bm.LiftTest(**{**base, **kwargs}).row(data)


def test_lift_tests_argument_must_be_tests_or_a_table(data):
    with pytest.raises(bm.DataError, match=r"a list of bm\.LiftTest"):
        lift_frame(["tv_spend"], data)
    with pytest.raises(bm.DataError, match="at least one test"):
        lift_frame([], data)
