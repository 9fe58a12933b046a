"""Regional model: national ROI recovery, shrinkage of an uninformative region, pooling
comparison."""

import warnings

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.results.pooling import compare_fits, compare_pooling, shrinkage

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("geo_fits")]  # one worker fits once


@pytest.fixture(scope="module")
def geo_sim():
    # region_01's tv spend varies only in its first 6 weeks: its own data says little about tv
    # there. Every assertion below is a statistical property, so it was checked on simulation seeds
    # 0-7 of this design (2 x 400 draws, fit seed 3): the 90% intervals covered 15 of the 16 true
    # national ROIs (seed 5 missed tv by 0.05, the 1-in-10 miss a 90% interval makes); the steady
    # region's interval width ratio (partial / none) was 0.38-0.79, and its narrowing exceeded the
    # informative regions' median narrowing by 0.21-0.41. Seed 2 is one of the seven datasets
    # without a miss; coverage over many datasets is measured in benchmarks/calibration.py
    # (docs/priors.md).
    # That sweep ran at the earlier regional target_accept of 0.95. Re-run at today's default 0.9:
    # coverage 15 of 16 again (seed 5), 0 divergences, width ratio 0.37-0.90, margin 0.08-0.47, the
    # national ROI inside the steady region's partial-pooling interval on 6 of 8 seeds (the 800
    # draws' interval ends are noisy); seed 2 passes every check at both settings (ratio 0.63,
    # margin 0.27 at 0.9).
    return bm.simulate(
        78, 2, geos=5, seed=2, roi=[1.5, 2.5], region_sd=0.2, steady={"region_01": ["tv"]}
    )


@pytest.fixture(scope="module")
def geo_fits(geo_sim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kw = {
            "chains": 2,
            "draws": 400,
            "tune": 500,
            "seed": 3,
            "progress": False,
            "log_likelihood": True,
        }
        # seasonality must match the simulation's (order 2): with order 1 the leftover yearly swing
        # is absorbed by search, whose spend also follows a yearly pattern, and its ROI is biased.
        return {p: bm.MMM(pooling=p).fit(geo_sim.data, **kw) for p in ("partial", "none")}


def test_national_roi_recovered_without_divergences(geo_fits, geo_sim):
    fit = geo_fits["partial"]
    table = fit.roi(level=0.9).merge(geo_sim.true_roi(), on="channel")
    assert ((table["lower"] <= table["true_roi"]) & (table["true_roi"] <= table["upper"])).all(), (
        table
    )
    diag = fit.diagnostics()
    assert diag.attrs["divergences"] == 0
    assert diag["r_hat"].max() < 1.05


def test_regional_roi_table_has_every_region(geo_fits, geo_sim):
    table = geo_fits["partial"].roi(by_geo=True)
    assert set(table["geo"]) == {"national", *geo_sim.data.geos}
    assert table.loc[table["geo"] != "national", "prior_dominated"].isna().all()


def test_uninformative_region_is_pulled_toward_national(geo_fits):
    table = shrinkage(geo_fits["partial"], geo_fits["none"])
    row = table[(table["channel"] == "tv_spend") & (table["geo"] == "region_01")].iloc[0]
    informative = table[(table["channel"] == "tv_spend") & (table["geo"] != "region_01")]
    # partial pooling narrows the uninformative region's interval (seeds 0-7: ratio 0.38-0.79) and
    # keeps the national ROI inside it
    assert row["width_partial"] < 0.85 * row["width_none"]
    assert row["lower_partial"] <= row["national"] <= row["upper_partial"]
    # the steady region gains clearly more from pooling than the informative ones do (relative
    # narrowing; seeds 0-7: a margin of 0.21-0.41)
    gain = 1 - row["width_partial"] / row["width_none"]
    assert gain > np.median(1 - informative["width_partial"] / informative["width_none"]) + 0.15


def test_pooling_comparison_with_loo(geo_fits):
    table = compare_fits(geo_fits)
    assert set(table.index) == {"partial", "none"}
    assert {"elpd", "weight"} <= {c.split("_")[0] for c in table.columns}
    assert np.isclose(table["weight"].sum(), 1.0, atol=1e-6)
    assert (table["weight"] >= 0).all()


def test_pooling_comparison_rejects_national_data(sim3):
    with pytest.raises(bm.SpecError, match="regional data"):
        compare_pooling(bm.MMM(), sim3.data)


def test_region_varying_media_shapes_keep_roi_definitions_consistent():
    """geo_media=True: per-region adstock/saturation; in-graph ROI equals the engine's
    counterfactual."""
    from bayes_mmm.testing import prior_fit

    sim = bm.simulate(40, 2, geos=3, seed=2)
    fit = prior_fit(bm.MMM(geo_media=True), sim.data, draws=50)
    assert fit.params.transform["alpha"].shape == (100, 3, 2)
    assert not np.allclose(fit.params.transform["alpha"][:, 0], fit.params.transform["alpha"][:, 1])
    np.testing.assert_allclose(
        fit.roi()["mean"], fit.posterior["roi"].mean(("chain", "draw")).values, rtol=1e-9
    )
