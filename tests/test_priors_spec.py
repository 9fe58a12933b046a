"""Prior objects, spec validation and JSON round trips."""

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.model.priors import prior_from_dict


def test_roi_prior_has_exact_median_and_interval():
    p = bm.ROIPrior(median=1.5, interval=(0.5, 4.0), level=0.9)
    np.testing.assert_allclose(p.quantile([0.05, 0.5, 0.95]), [0.5, 1.5, 4.0])


def test_roi_prior_from_mean_sd():
    p = bm.ROIPrior.from_mean_sd(2.0, 1.0)
    rng = np.random.default_rng(0)
    z = rng.standard_normal(400_000)
    draws = np.exp(p.log_median + z * np.where(z < 0, p.sigma_below, p.sigma_above))
    assert abs(draws.mean() - 2.0) < 0.02 and abs(draws.std() - 1.0) < 0.03


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: bm.Prior("HalfNormal", sigma=-1), r"sigma: expected a value > 0, got -1.0"),
        (lambda: bm.Prior("Cauchy", alpha=1), r"Prior distribution: expected one of"),
        (lambda: bm.Prior("Normal", mu=0), r"expected exactly \['mu', 'sigma'\]"),
        (lambda: bm.Prior("Uniform", lower=2, upper=1), r"lower < upper"),
        (lambda: bm.ROIPrior(1.5, (4.0, 0.5)), r"interval: expected 0 < lower < median < upper"),
        (lambda: bm.ROIPrior(-1, (0.1, 2)), r"median: expected a finite value > 0"),
        (lambda: bm.ROIPrior(1, (0.5, 2), level=1.5), r"level: expected a probability"),
    ],
)
def test_bad_priors_raise_spec_error(make, match):
    with pytest.raises(bm.SpecError, match=match):
        make()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"adstock": "weibull"}, r"adstock: expected one of"),
        ({"saturation": "tanh"}, r"saturation: expected one of"),
        ({"l_max": 0}, r"l_max"),
        ({"pooling": "some"}, r"pooling"),
        ({"priors": {"gamma": bm.Prior("Normal", mu=0, sigma=1)}}, r"priors keys"),
    ],
)
def test_bad_spec_fields(kwargs, match):
    with pytest.raises(bm.SpecError, match=match):
        bm.MMM(**kwargs)


def test_unknown_channel_in_spec_is_named(sim3):
    spec = bm.MMM(channels={"tv": bm.ChannelSpec(adstock="delayed")})
    with pytest.raises(bm.SpecError, match=r"\['tv'\].*tv_spend"):
        spec.build_model(sim3.data)


def test_spec_json_round_trip():
    spec = bm.MMM(
        adstock="delayed",
        l_max=6,
        harmful=("calls",),
        channels={
            "tv": bm.ChannelSpec(
                saturation="logistic",
                effect=bm.ROIPrior(1.5, (0.5, 4.0)),
                priors={"alpha": bm.Prior("Beta", alpha=3, beta=3)},
            )
        },
    )
    again = bm.MMM.from_dict(spec.to_dict())
    assert again == spec
    assert prior_from_dict(bm.SharePrior(0.1, (0.02, 0.3)).to_dict()) == bm.SharePrior(
        0.1, (0.02, 0.3)
    )


def test_harmful_channel_cannot_take_roi_prior(sim3):
    spec = bm.MMM(
        channels={"tv_spend": bm.ChannelSpec(harmful=True, effect=bm.ROIPrior(1, (0.5, 2)))}
    )
    with pytest.raises(bm.SpecError, match="harmful"):
        spec.resolve(sim3.data.channels)


def test_prior_draws_do_not_log_pymc_sampling_line(sim3, caplog):
    """pymc's INFO 'Sampling: [...]' line is noise in a notebook cell: prior draws silence it."""
    import logging

    with caplog.at_level(logging.INFO, logger="pymc"):
        bm.MMM().prior_roi(sim3.data, draws=50)
        assert logging.getLogger("pymc").level == logging.INFO  # the user's level is restored
    assert not [r for r in caplog.records if r.getMessage().startswith("Sampling")]


def test_spread_round_trips_and_is_validated():
    pooled = bm.RelativeROIPrior(0.25, (0.03, 1.5), spread=1.0)
    assert prior_from_dict(pooled.to_dict()) == pooled
    assert "spread" not in bm.RelativeROIPrior(0.25, (0.03, 1.5)).to_dict()
    with pytest.raises(bm.SpecError, match=r"spread: expected a number >= 0"):
        bm.RelativeROIPrior(0.25, (0.03, 1.5), spread=-1)


@pytest.mark.parametrize("spread, correlated", [(0.0, False), (0.5, True)])
def test_spread_pools_channels_around_a_shared_level(sim3, spread, correlated):
    """With spread > 0 the channels' prior ROIs share a level (correlated on the log scale);
    without it they are independent."""
    import pymc as pm

    prior = bm.RelativeROIPrior(0.25, (0.03, 1.5), spread=spread)
    model = bm.MMM(effect_prior=prior).build_model(sim3.data)
    assert ("relative_roi_z_spread" in model.named_vars) == correlated
    roi = pm.draw(model["roi"], draws=2000, random_seed=0)
    corr = np.corrcoef(np.log(roi).T)[np.triu_indices(roi.shape[1], 1)]
    assert (corr.min() > 0.5) if correlated else (np.abs(corr).max() < 0.1)
