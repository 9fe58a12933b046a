"""Rich display in Jupyter and the bundled data: MMMData card, data.plot(), bm.datasets."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import bayes_mmm as bm


@pytest.fixture(scope="module")
def regional():
    return bm.simulate(30, 2, geos=3, seed=2).data


def test_advertising_data_is_bundled_with_the_textbook_ols():
    ads = bm.datasets.load_advertising()
    assert ads.shape == (200, 5)
    X = np.column_stack([np.ones(len(ads)), ads[["TV", "radio", "newspaper"]].to_numpy()])
    beta, *_ = np.linalg.lstsq(X, ads["sales"].to_numpy(), rcond=None)
    np.testing.assert_allclose(beta, [2.939, 0.0458, 0.1885, -0.0010], atol=6e-4)
    dated = bm.datasets.load_advertising(with_dates=True)
    data = bm.MMMData.from_frame(dated, date="date", target="sales", channels=["TV", "radio"])
    assert data.n_dates == 200 and pd.infer_freq(data.dates) == "W-MON"


def test_mmmdata_html_card_shows_shape_dates_channels_and_spend(regional):
    card = regional._repr_html_()
    assert "30 periods" in card and "3 regions" in card
    assert regional.dates[0].strftime("%Y-%m-%d") in card
    for ch in regional.channels:
        assert ch in card
    total = regional.spend[..., 0].sum()
    assert f"{total:,.1f}" in card
    assert "MMMData(30 periods" in repr(regional)


def test_data_plot_before_any_fit(regional):
    fig = regional.plot()
    assert isinstance(fig, Figure) and len(fig.axes) == 3  # spend, heatmap, colour bar
    spend_ax = fig.axes[0]
    assert len(spend_ax.lines) == regional.n_channels
    assert spend_ax.get_legend() is not None
    plt.close(fig)


def test_subset_keeps_the_plot_method(regional):
    assert hasattr(regional.subset_dates(0, 10), "plot")


def test_mmm_card_bolds_the_changed_settings():
    card = bm.MMM(l_max=4)._repr_html_()
    assert "<td>l_max</td><td><b>4</b></td>" in card
    assert "<td>saturation</td><td>&#x27;hill&#x27;</td>" in card  # default: not bold
