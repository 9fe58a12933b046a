"""Quick-look fits (method='advi'): labelled approximate everywhere, reproducible, roughly right."""

import warnings

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.core.errors import SpecError


@pytest.fixture(scope="module")
def advi_fits():
    sim = bm.simulate(60, 2, seed=5, roi=[2.0, 0.8])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = [
            bm.MMM().fit(sim.data, method="advi", chains=2, draws=200, seed=3, progress=False)
            for _ in range(2)
        ]
    return sim, fits


@pytest.mark.slow
def test_advi_fit_is_labelled_approximate_in_every_table_the_repr_and_the_report(
    advi_fits, tmp_path
):
    _, (fit, _) = advi_fits
    assert fit.fit_info["method"] == "advi"
    roi = fit.roi()
    assert (roi["method"] == "advi").all()
    for table in (roi, fit.mroi(), fit.contributions(), fit.predict(), fit.fit_metrics()):
        assert "approximate fit (advi" in table.attrs["approximate"]
    assert fit.diagnostics().attrs["advice"][0].startswith("approximate fit (advi")
    assert "APPROXIMATE: advi" in repr(fit)
    html = fit.report(tmp_path / "r.html").read_text()
    assert "approximate fit (advi, variational)" in html


@pytest.mark.slow
def test_advi_same_seed_same_draws_and_roi_near_the_truth(advi_fits):
    sim, (a, b) = advi_fits
    np.testing.assert_array_equal(a.posterior["roi"].values, b.posterior["roi"].values)
    assert a.posterior["roi"].shape[:2] == (2, 200)
    got = a.roi().set_index("channel")["mean"]
    truth = sim.true_roi().set_index("channel")["true_roi"]
    ratio = got / truth
    assert ((ratio > 0.5) & (ratio < 2.0)).all(), ratio  # a quick look, not a final answer


def test_unknown_method_is_one_error_before_fitting():
    sim = bm.simulate(30, 2, seed=1)
    with pytest.raises(SpecError, match=r"method.*'nuts', 'advi', 'fullrank_advi'.*'nut'"):
        bm.MMM().fit(sim.data, method="nut")
