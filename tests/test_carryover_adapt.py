"""carryover="auto" (opt-in): before sampling, a channel whose response clearly peaks weeks
after spend is fitted with the delayed adstock and the advised window; nothing else changes, the
user's own choices are kept, the package's example data are not adapted, and the fit, its tables,
warning, summary and model file all say (and use) what was actually fitted."""

import json
import warnings

import numpy as np
import pytest
from test_misfit import planted_data

import bayes_mmm as bm
from bayes_mmm.inference.carryover_adapt import adapt_carryover, adaptation_note
from bayes_mmm.results.summary import summarize_fit
from bayes_mmm.testing import prior_fit


@pytest.fixture(scope="module")
def planted():
    return planted_data()


def test_auto_switches_exactly_the_delayed_channel(planted):
    user = bm.MMM(carryover="auto")
    spec, records = adapt_carryover(user, planted)
    assert [r["channel"] for r in records] == ["tv_spend"]
    assert records[0]["adstock_from"] == "geometric" and records[0]["adstock_to"] == "delayed"
    assert records[0]["evidence"] > 8 and 3 <= records[0]["peak_weeks"] <= 5
    assert isinstance(spec, bm.MMM) and spec.carryover == "auto"
    assert {c.name: c.adstock for c in spec.resolve(planted.channels)} == {
        "tv_spend": "delayed",
        "search_spend": "geometric",
        "social_spend": "geometric",
    }
    assert spec.l_max == records[0]["l_max_to"] >= 8
    assert (
        user == bm.MMM(carryover="auto") and user.channels == {}
    )  # the user's spec is not mutated
    json.dumps(records)  # stored in fit_info (model files hold it as JSON)
    # a fixed point: refitting the fitted spec on the same data changes nothing, and the screen
    # no longer flags the adapted channel
    assert adapt_carryover(spec, planted) == (spec, [])
    assert not spec.check_carryover(planted)["flagged"].any()


def test_as_specified_keeps_the_spec_and_only_warns(planted):
    user = bm.MMM(carryover="as_specified")
    spec, records = adapt_carryover(user, planted)
    assert spec is user and records == []
    assert user.check_carryover(planted).set_index("channel").loc["tv_spend", "flagged"]


@pytest.mark.parametrize(
    "user",
    [
        bm.MMM(channels={"tv_spend": bm.ChannelSpec(adstock="geometric")}),
        bm.MMM(
            channels={
                "tv_spend": bm.ChannelSpec(priors={"alpha": bm.Prior("Beta", alpha=5, beta=2)})
            }
        ),
        bm.MMM(adstock="none"),
    ],
    ids=["explicit-adstock", "adstock-prior", "global-non-default"],
)
def test_a_users_explicit_carryover_is_kept(planted, user):
    spec, records = adapt_carryover(user, planted)
    assert spec is user and records == []


def test_other_channel_settings_survive_the_switch(planted):
    effect = bm.ROIPrior(2.0, (0.5, 6.0))
    user = bm.MMM(
        carryover="auto",
        channels={"tv_spend": bm.ChannelSpec(effect=effect, saturation="logistic")},
    )
    spec, _ = adapt_carryover(user, planted)
    tv = spec.channels["tv_spend"]
    assert (tv.adstock, tv.effect, tv.saturation) == ("delayed", effect, "logistic")


EXAMPLES = [
    ((104, 3), {"seed": 1}),
    ((104, 3), {"geos": 4, "impressions": True, "seed": 4}),
    ((52, 3), {"seed": 8, "roi": [1.0, 2.0, 3.0], "flat_channels": ["social"], "noise": 0.04}),
    ((78, 3), {"seed": 4, "flat_channels": ["social"]}),
    ((60, 3), {"geos": 4, "seed": 9}),
    ((60, 2), {"seed": 5, "roi": [2.0, 0.8]}),
    ((30, 2), {"geos": 3, "seed": 2}),
]


@pytest.mark.parametrize(("args", "kwargs"), EXAMPLES)
def test_package_examples_are_not_adapted(args, kwargs):
    """No false alarm on bm.simulate data used by the README, docs and notebooks: the spec comes
    back as the same object, so the fit is bit-identical to carryover="as_specified"."""
    user = bm.MMM(carryover="auto")
    data = bm.simulate(*args, **kwargs).data
    spec, records = adapt_carryover(user, data)
    assert spec is user and records == []


def test_bad_carryover_setting_is_one_clear_error():
    with pytest.raises(bm.SpecError, match=r"carryover.*'auto', 'as_specified'.*'yes'"):
        bm.MMM(carryover="yes")
    spec = bm.MMM(carryover="as_specified")
    assert (
        bm.MMM.from_dict(spec.to_dict()) == spec and spec.to_dict()["carryover"] == spec.carryover
    )


@pytest.fixture(scope="module")
def adapted_mock(planted):
    """A prior-draw fit of the adapted spec carrying the adaptation record, as fit() returns."""
    spec, records = adapt_carryover(bm.MMM(carryover="auto"), planted)
    part = prior_fit(spec, planted, draws=50, seed=2)
    groups = {f"/{k}": part.tree[k].to_dataset() for k in part.tree.children}
    return bm.MMMFit.from_parts(
        spec=spec,
        data=planted,
        groups=groups,
        fit_info={**part.fit_info, "carryover_adapted": records},
    )


def test_the_fit_says_what_was_switched_and_how_to_opt_out(adapted_mock):
    diag = adapted_mock.diagnostics()
    row = diag[diag["parameter"] == "carryover_adapted[tv_spend]"]
    assert len(row) == 1
    assert "delayed adstock" in row["problem"].iloc[0] and "evidence" in row["problem"].iloc[0]
    assert "carryover='as_specified'" in row["advice"].iloc[0]
    notes = [n for n in diag.attrs["advice"] if n.startswith("carryover adapted: 'tv_spend'")]
    assert len(notes) == 1 and "To opt out: bm.MMM(..., carryover='as_specified')" in notes[0]
    misfit = adapted_mock.misfit().set_index(["check", "subject"])
    assert misfit.loc[("carryover_adapted", "tv_spend"), "flagged"]
    assert not misfit.loc[("carryover", "tv_spend"), "flagged"]  # not flagged again
    assert notes[0] in summarize_fit(adapted_mock).advice


def test_the_notice_alone_does_not_turn_the_verdict():
    from bayes_mmm.results.summary import _sampler_advice

    record = {
        "channel": "tv",
        "adstock_from": "geometric",
        "adstock_to": "delayed",
        "l_max_from": 8,
        "l_max_to": 13,
        "evidence": 40.0,
        "peak_weeks": 4,
        "reach_weeks": 9,
    }
    note = adaptation_note(record)
    assert "'tv' was fitted with the delayed adstock, l_max=13 (spec: geometric, l_max=8)" in note
    assert not _sampler_advice([note]) and _sampler_advice([note, "R-hat 1.05: run more draws"])


def test_model_file_round_trips_the_adapted_spec(adapted_mock, tmp_path):
    path = tmp_path / "adapted.nc"
    adapted_mock.save(path)
    loaded = bm.load(path)
    assert (
        loaded.spec == adapted_mock.spec and loaded.spec.channels["tv_spend"].adstock == "delayed"
    )
    assert loaded.fit_info["carryover_adapted"] == adapted_mock.fit_info["carryover_adapted"]
    np.testing.assert_allclose(loaded.roi()["median"], adapted_mock.roi()["median"])
    assert "carryover_adapted[tv_spend]" in set(loaded.diagnostics()["parameter"])


def test_a_model_file_from_before_the_setting_loads_as_specified(adapted_mock, tmp_path):
    """Older files were fitted as specified: a refit of the loaded spec must fit the same."""
    import xarray as xr

    adapted_mock.save(tmp_path / "new.nc")
    with xr.open_datatree(tmp_path / "new.nc", engine="h5netcdf") as tree:
        tree = tree.load()
    spec = json.loads(tree.attrs["spec"])
    del spec["carryover"]
    tree.attrs["spec"] = json.dumps(spec)
    tree.to_netcdf(tmp_path / "old.nc", engine="h5netcdf")
    assert bm.load(tmp_path / "old.nc").spec.carryover == "as_specified"
    assert bm.load(tmp_path / "new.nc").spec.carryover == "auto"


@pytest.mark.slow
def test_a_real_fit_holds_and_uses_the_adapted_spec(planted):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = bm.MMM(carryover="auto").fit(
            planted, chains=2, draws=200, tune=300, seed=1, progress=False
        )
    assert fit.spec.channels["tv_spend"].adstock == "delayed"
    assert [c.adstock for c in fit.channels] == ["delayed", "geometric", "geometric"]
    assert "theta" in fit.posterior  # the delayed adstock's peak was sampled
    assert [r["channel"] for r in fit.fit_info["carryover_adapted"]] == ["tv_spend"]
    texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    fit_warnings = [t for t in texts if t.startswith("bayes_mmm fit")]
    assert len(fit_warnings) == 1 and fit_warnings[0].count("carryover adapted: 'tv_spend'") == 1
    assert "carryover='as_specified'" in fit_warnings[0]
    assert (
        not fit.misfit().set_index(["check", "subject"]).loc[("carryover", "tv_spend"), "flagged"]
    )


def test_default_fits_the_spec_as_written(planted):
    """carryover='auto' is opt-in: the default spec is never adapted, even on delayed data."""
    assert bm.MMM().carryover == "as_specified"
    spec, records = adapt_carryover(bm.MMM(), planted)
    assert spec == bm.MMM() and records == []
