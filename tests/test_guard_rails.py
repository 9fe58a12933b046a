"""Convergence guard rails: problems land in fit.diagnostics() with advice, and one UserWarning,
never an error."""

import warnings

import arviz as az
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayes_mmm as bm
from bayes_mmm.inference.diagnostics import (
    ADVICE,
    BFMI_MIN,
    ESS_MIN,
    RHAT_MAX,
    advice,
    bfmi,
    problem_table,
    sampler_problems,
)

HEALTHY = {"divergences": 0, "max_treedepth_hits": 0, "bfmi": [0.9, 1.1], "min_bfmi": 0.9}


def params(r_hat=1.0, ess=2000.0, name="alpha[tv]"):
    return pd.DataFrame(
        [
            {"parameter": "beta[tv]", "r_hat": 1.001, "ess_bulk": 3000.0, "ess_tail": 2500.0},
            {"parameter": name, "r_hat": r_hat, "ess_bulk": ess, "ess_tail": ess},
        ]
    )


def test_healthy_fit_gets_no_advice_and_no_problem_rows():
    assert advice(params(), HEALTHY) == []
    table = problem_table(params(), HEALTHY)
    assert len(table) == 2 and (table["problem"] == "").all() and (table["advice"] == "").all()


# problem -> (parameter table, sampler problems, prior-dominated, text in the note, the concrete
# fix it names)
CASES = {
    "divergences": (
        params(),
        {**HEALTHY, "divergences": 7},
        [],
        "7 divergent transitions",
        "target_accept",
    ),
    "r_hat": (params(r_hat=1.2), HEALTHY, [], f"R-hat > {RHAT_MAX} for ['alpha[tv]']", "tune=2000"),
    "ess": (params(ess=50.0), HEALTHY, [], f"ESS < {ESS_MIN} for ['alpha[tv]']", "draws=2000"),
    "bfmi": (
        params(),
        {**HEALTHY, "bfmi": [0.9, 0.12], "min_bfmi": 0.12},
        [],
        "Low energy BFMI (0.12",
        "pooling=",
    ),
    "treedepth": (
        params(),
        {**HEALTHY, "max_treedepth_hits": 3},
        [],
        "3 draws hit the maximum tree depth",
        "ROI prior",
    ),
    "prior_dominated": (
        params(),
        HEALTHY,
        ["radio"],
        "Channel 'radio' is prior-dominated",
        "lift test",
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_problem_gets_one_concrete_note(kind):
    table, problems, dominated, text, fix = CASES[kind]
    notes = advice(table, problems, dominated)
    assert len(notes) == 1
    assert text in notes[0] and fix in notes[0]


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_problem_is_a_row_of_the_table_with_advice(kind):
    table, problems, dominated, _, fix = CASES[kind]
    out = problem_table(table, problems, dominated)
    flagged = out[out["problem"] != ""]
    assert len(flagged) == 1, out
    assert flagged["advice"].iloc[0] == ADVICE[kind] and fix in flagged["advice"].iloc[0]
    expected = {
        "divergences": "sampler",
        "bfmi": "sampler",
        "treedepth": "sampler",
        "prior_dominated": "roi[radio]",
    }
    assert flagged["parameter"].iloc[0] == expected.get(kind, "alpha[tv]")


def test_problems_on_one_parameter_are_joined():
    out = problem_table(params(r_hat=1.3, ess=20.0), HEALTHY)
    row = out.set_index("parameter").loc["alpha[tv]"]
    assert row["problem"] == f"r_hat > {RHAT_MAX}; ess < {ESS_MIN}"
    assert ADVICE["r_hat"] in row["advice"] and ADVICE["ess"] in row["advice"]


def test_many_flagged_parameters_are_truncated_in_the_note():
    table = pd.DataFrame(
        [{"parameter": f"p{i}", "r_hat": 1.5, "ess_bulk": 1e4, "ess_tail": 1e4} for i in range(8)]
    )
    (note,) = advice(table, HEALTHY)
    assert "['p0', 'p1', 'p2', 'p3', 'p4']..." in note and "p5" not in note


def test_bfmi_matches_arviz_and_is_nan_for_constant_energy():
    energy = np.random.default_rng(0).normal(size=(3, 200)).cumsum(axis=1)  # random walk: low BFMI
    np.testing.assert_allclose(bfmi(energy), np.asarray(az.bfmi(energy)), rtol=1e-12)
    assert max(bfmi(energy)) < BFMI_MIN
    iid = np.random.default_rng(1).normal(size=(2, 2000))
    assert min(bfmi(iid)) > 1.5  # independent energies: BFMI ~ 2
    assert np.isnan(bfmi(np.ones((1, 50)))[0])


def _stats(**variables):
    ds = xr.Dataset({k: (("chain", "draw"), v) for k, v in variables.items()})
    return xr.DataTree.from_dict({"/sample_stats": ds})


def test_sampler_problems_reads_nutpie_and_pymc_names():
    rng = np.random.default_rng(2)
    diverging = np.zeros((2, 100), bool)
    diverging[1, :4] = True
    nutpie = _stats(
        diverging=diverging, maxdepth_reached=diverging, energy=rng.normal(size=(2, 100))
    )
    pymc = _stats(
        diverging=diverging, reached_max_treedepth=diverging, energy=rng.normal(size=(2, 100))
    )
    for tree in (nutpie, pymc):
        out = sampler_problems(tree)
        assert out["divergences"] == 4 and out["max_treedepth_hits"] == 4
        assert len(out["bfmi"]) == 2 and out["min_bfmi"] == min(out["bfmi"]) > 1


def test_bfmi_reported_as_nan_without_energy_and_not_flagged():
    out = sampler_problems(_stats(diverging=np.zeros((2, 10), bool)))
    assert np.isnan(out["min_bfmi"]) and out["bfmi"] == []
    assert advice(params(), out) == [] and (problem_table(params(), out)["problem"] == "").all()


def test_mock_fit_diagnostics_attrs(mock_fit):
    diag = mock_fit.diagnostics()
    assert {"parameter", "r_hat", "ess_bulk", "ess_tail", "problem", "advice"} <= set(diag.columns)
    assert {
        "divergences",
        "max_treedepth_hits",
        "bfmi",
        "min_bfmi",
        "advice",
        "prior_dominated",
    } <= set(diag.attrs)
    assert np.isnan(
        diag.attrs["min_bfmi"]
    )  # prior draws have no energy: reported as NaN, not invented
    flagged = diag[diag["problem"] != ""]
    assert len(flagged) and (flagged["advice"] != "").all()


def test_warn_if_problems_warns_exactly_once(mock_fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mock_fit.warn_if_problems()
    assert [w.category for w in caught] == [UserWarning]
    text = str(caught[0].message)
    assert (
        text.startswith("bayes_mmm fit needs attention")
        and "prior-dominated" in text
        and "fit.diagnostics()" in text
    )


def test_warn_if_problems_never_raises(mock_fit, monkeypatch):
    def broken(self, level=0.9):
        raise KeyError("energy")

    monkeypatch.setattr(bm.MMMFit, "diagnostics", broken)
    with pytest.warns(
        UserWarning, match=r"diagnostics could not be computed \(KeyError.*the draws are kept"
    ) as rec:
        mock_fit.warn_if_problems()
    assert len(rec) == 1


def test_healthy_fit_is_silent(mock_fit, monkeypatch):
    healthy = problem_table(params(), HEALTHY)
    healthy.attrs["advice"] = []
    monkeypatch.setattr(bm.MMMFit, "diagnostics", lambda self, level=0.9: healthy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mock_fit.warn_if_problems()


def _fake_sampler(mock_fit, monkeypatch, **stats):
    """fit() runs for real, except that NUTS is replaced by the mock fit's draws (+ given sample
    stats)."""
    sample_stats = (
        mock_fit.tree["sample_stats"]
        .to_dataset()
        .assign({k: (("chain", "draw"), v) for k, v in stats.items()})
    )
    tree = xr.DataTree.from_dict({"/posterior": mock_fit.posterior, "/sample_stats": sample_stats})
    monkeypatch.setattr("bayes_mmm.inference.sampling.sample_posterior", lambda model, **kw: tree)


def test_fit_path_folds_sampler_problems_into_one_warning(mock_fit, sim3, monkeypatch):
    diverging = np.zeros((2, 100), bool)
    diverging[0, :3] = True
    energy = np.random.default_rng(0).normal(size=(2, 100)).cumsum(axis=1)  # BFMI << 0.3
    _fake_sampler(mock_fit, monkeypatch, diverging=diverging, energy=energy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = bm.MMM().fit(
            sim3.data, chains=2, draws=100, tune=5, seed=3, progress=False, holdout=0
        )
    user = [w for w in caught if issubclass(w.category, UserWarning)]
    assert len(user) == 1
    text = str(user[0].message)
    assert (
        "3 divergent transitions" in text and "Low energy BFMI" in text and "target_accept" in text
    )
    sampler_rows = fit.diagnostics().query("parameter == 'sampler'")
    assert set(sampler_rows["problem"]) >= {
        "3 divergences",
        *(f"BFMI {b:.2f} < 0.3 in chain {i}" for i, b in enumerate(bfmi(energy))),
    }


def test_failing_extra_step_keeps_the_draws(mock_fit, sim3, monkeypatch):
    _fake_sampler(mock_fit, monkeypatch)

    def broken_prior(*args, **kwargs):
        raise RuntimeError("prior sampling exploded")

    monkeypatch.setattr("bayes_mmm.inference.sampling.prior_groups", broken_prior)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = bm.MMM().fit(
            sim3.data, chains=2, draws=100, tune=5, seed=3, progress=False, holdout=0
        )
    user = [w for w in caught if issubclass(w.category, UserWarning)]
    assert len(user) == 1
    assert "the prior group could not be computed (RuntimeError: prior sampling exploded)" in str(
        user[0].message
    )
    assert "prior" not in fit.tree.children and np.isfinite(fit.roi()["mean"]).all()
    assert "prior_predictive" not in fit.tree.children


@pytest.mark.slow
def test_bad_fit_warns_once_and_keeps_samples(sim3):
    data = sim3.data.subset_dates(0, 50)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = bm.MMM(seasonality=0).fit(data, chains=2, draws=20, tune=5, seed=1, progress=False)
    user = [w for w in caught if issubclass(w.category, UserWarning)]
    assert len(user) == 1, [str(w.message)[:80] for w in user]
    assert "bayes_mmm fit needs attention" in str(user[0].message)
    assert "ESS <" in str(user[0].message) or "R-hat" in str(user[0].message)
    diag = fit.diagnostics()
    flagged = diag[diag["problem"] != ""]
    assert len(flagged) and (flagged["advice"] != "").all() and diag.attrs["advice"]
    assert len(diag.attrs["bfmi"]) == 2 and np.isfinite(
        diag.attrs["min_bfmi"]
    )  # nutpie records energy
    assert fit.posterior.sizes["draw"] == 20
    assert np.isfinite(fit.roi()["mean"]).all()  # the samples are kept and usable
