"""Intervals of totals (all regions, all channels, a window) are quantiles of summed draws.

The checks fail if any of them is computed as a sum of per-part quantiles, which is too wide for
a total of imperfectly correlated parts.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.results.aggregates import channels_total, predict_total, window_totals
from bayes_mmm.testing import prior_fit


@pytest.fixture(scope="module")
def geo_fit():
    """Regional prior-draw fit: 30 weeks, 2 channels, 4 regions (regions' noise independent)."""
    return prior_fit(bm.MMM(), bm.simulate(30, 2, geos=4, seed=5).data, draws=200, seed=4)


def test_regional_total_band_is_quantile_of_summed_draws_not_sum_of_quantiles(geo_fit):
    total = predict_total(geo_fit, level=0.9, seed=7)
    _, y_rep = geo_fit.replicate_draws(seed=7)
    summed = y_rep.sum(axis=-1)
    np.testing.assert_allclose(total["lower"], np.quantile(summed, 0.05, axis=0))
    np.testing.assert_allclose(total["upper"], np.quantile(summed, 0.95, axis=0))
    per_geo = geo_fit.predict(level=0.9, seed=7).groupby("date", sort=False)
    sum_of_quantiles = (per_geo["upper"].sum() - per_geo["lower"].sum()).to_numpy()
    width = (total["upper"] - total["lower"]).to_numpy()
    # independent regional noise: the total's band is clearly narrower than the summed bands
    assert np.all(width < sum_of_quantiles)
    assert np.median(width / sum_of_quantiles) < 0.8


def test_fit_over_time_draws_the_summed_draw_band(geo_fit):
    fig = geo_fit.plot.fit_over_time()
    band = fig.axes[0].collections[0]  # the 90% band
    ys = band.get_paths()[0].vertices[:, 1]
    total = predict_total(geo_fit, level=0.9)
    assert np.isclose(ys.min(), total["lower"].min()) and np.isclose(ys.max(), total["upper"].max())
    plt.close(fig)


def test_window_totals_use_summed_draws(geo_fit):
    table = window_totals(geo_fit, level=0.8).set_index("component")
    draws = geo_fit.component_draws
    mask = geo_fit.window()
    tv = geo_fit.data.channels[0]
    s = draws[tv][:, mask].sum(axis=(1, 2))
    assert np.isclose(table.loc[tv, "lower"], np.quantile(s, 0.1))
    total = sum(d[:, mask].sum(axis=(1, 2)) for d in draws.values())
    assert np.isclose(table.loc["total", "upper"], np.quantile(total, 0.9))
    assert np.isclose(table.loc["total", "mean"], table.drop("total")["mean"].sum())
    parts = table.drop("total")
    assert (
        table.loc["total", "upper"] - table.loc["total", "lower"]
        < (parts["upper"] - parts["lower"]).sum()
    )


def test_all_channels_total_uses_summed_draws(geo_fit):
    out = channels_total(geo_fit, level=0.9)
    mask = geo_fit.window()
    s = sum(geo_fit.component_draws[ch][:, mask].sum(axis=(1, 2)) for ch in geo_fit.data.channels)
    assert np.isclose(out["lower"], np.quantile(s, 0.05))
    assert np.isclose(out["upper"], np.quantile(s, 0.95))


def test_aggregate_level_is_checked(geo_fit):
    with pytest.raises(bm.BayesMMMError, match="level"):
        window_totals(geo_fit, level=1.5)
