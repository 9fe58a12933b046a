"""Every plot returns a matplotlib Figure with the expected panels and something drawn in them."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

import bayes_mmm as bm
from bayes_mmm.testing import prior_fit


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def geo_fit():
    """Regional prior-draw fit: 40 weeks, 2 channels, 3 regions."""
    return prior_fit(bm.MMM(), bm.simulate(40, 2, geos=3, seed=2).data, draws=50, seed=2)


@pytest.fixture(scope="module")
def budget(mock_fit):
    return mock_fit.optimize_budget(horizon=4, relative_bounds=0.3)


def _artists(ax) -> int:
    return len(ax.lines) + len(ax.collections) + len(ax.patches) + len(ax.images)


def _check(fig, n_axes: int, min_artists: int = 1):
    assert isinstance(fig, Figure)
    assert len(fig.axes) == n_axes
    drawn = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert all(_artists(ax) >= min_artists for ax in drawn), [_artists(ax) for ax in drawn]
    assert any(ax.get_title() for ax in fig.axes) or fig._suptitle is not None
    return fig


def test_fit_over_time(mock_fit):
    fig = _check(mock_fit.plot.fit_over_time(), 1, 4)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and len(ax.collections) >= 2 and ax.get_legend() is not None


def test_decomposition(mock_fit):
    fig = _check(mock_fit.plot.decomposition(), 1)
    ax = fig.axes[0]
    names = {t.get_text() for t in ax.get_legend().get_texts()}
    # baseline + 2 controls + 3 channels + actual
    assert {"baseline", "price_index", "promo", *mock_fit.data.channels, "actual"} <= names
    assert len(ax.collections) >= 6


def test_contribution_share(mock_fit):
    fig = _check(mock_fit.plot.contribution_share(), 1)
    assert len(fig.axes[0].patches) == 3
    assert "%" in fig.axes[0].get_ylabel()


def test_roi_and_mroi_side_by_side(mock_fit):
    fig = _check(mock_fit.plot.roi(), 2, 2)
    assert [ax.get_title() for ax in fig.axes] == [
        "Return on investment",
        "Marginal ROI (+1% spend)",
    ]
    for ax in fig.axes:
        assert len(ax.collections) >= 1  # error bars


def test_response_curves(mock_fit):
    fig = _check(mock_fit.plot.response_curves(), 3, 3)
    for ax, ch in zip(fig.axes, mock_fit.data.channels):
        assert (
            ax.get_title() == ch and len(ax.lines) == 2 and len(ax.collections) == 1
        )  # mean, current; band


def test_adstock_decay(mock_fit):
    fig = _check(mock_fit.plot.adstock_decay(), 3, 2)
    lags, weights = fig.axes[0].lines[0].get_data()
    assert len(lags) == mock_fit.spec.l_max
    assert (
        abs(weights.sum() - 1) < 1e-6 and weights[0] == weights.max()
    )  # geometric decay, normalised


def test_adstock_decay_delayed_and_none():
    spec = bm.MMM(
        channels={
            "tv_spend": bm.ChannelSpec(adstock="delayed"),
            "search_spend": bm.ChannelSpec(adstock="none"),
        }
    )
    fit = prior_fit(spec, bm.simulate(30, 2, seed=4).data, draws=30, seed=1)
    fig = _check(fit.plot.adstock_decay(), 2, 2)
    assert "(delayed)" in fig.axes[0].get_title() and "(none)" in fig.axes[1].get_title()
    none_weights = fig.axes[1].lines[0].get_ydata()
    assert none_weights[0] == 1 and not none_weights[1:].any()


def test_prior_vs_posterior(mock_fit):
    fig = _check(mock_fit.plot.prior_vs_posterior(), 1, 3)
    ax = fig.axes[0]
    assert len(ax.patches) == 3  # a prior fit: every channel is prior-dominated and highlighted
    assert all(t.get_text().endswith("(!)") for t in ax.get_yticklabels())


def test_regional_roi(geo_fit):
    fig = _check(geo_fit.plot.regional_roi(), 2, 2)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(geo_fit.data.geos)


def _title_clears_panels(fig) -> bool:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    return all(title.y0 >= ax.get_tightbbox(renderer).y1 for ax in fig.axes)


def test_regional_roi_title_sits_above_the_panels(geo_fit):
    """The figure title stays above every panel, also on a tall many-region figure (it used to
    land inside the first row of panels there)."""
    assert _title_clears_panels(geo_fit.plot.regional_roi())
    many = prior_fit(bm.MMM(), bm.simulate(20, 2, geos=150, seed=3).data, draws=4, seed=3)
    fig = many.plot.regional_roi()
    assert fig.get_figheight() > 25 and _title_clears_panels(fig)


def test_regional_roi_rejects_national(mock_fit):
    with pytest.raises(bm.SpecError, match="regional data"):
        mock_fit.plot.regional_roi()


def test_regional_fit_plots(geo_fit):
    _check(geo_fit.plot.fit_over_time(), 1, 4)
    _check(geo_fit.plot.decomposition(), 1)
    _check(geo_fit.plot.inputs(), 3)


def test_optimizer(mock_fit, budget):
    fig = _check(mock_fit.plot.optimizer(budget), 1)
    assert len(fig.axes[0].patches) == 2 * 3
    assert "P(better)" in fig.axes[0].get_title()


def test_inputs(mock_fit):
    fig = _check(mock_fit.plot.inputs(), 3)  # spend panel, heatmap, colorbar
    spend_ax, heat = fig.axes[:2]
    assert len(spend_ax.lines) == 3
    assert heat.images[0].get_array().shape == (5, 5)  # 3 channels + 2 controls
    assert len(heat.texts) == 25  # the correlations are written in the cells


def test_inputs_heatmap_drops_cell_numbers_when_they_cannot_fit():
    """Above ``ANNOTATE_MAX`` names the cells are too small for their numbers: colours only."""
    from bayes_mmm.viz.input_plots import ANNOTATE_MAX, inputs

    sim = bm.simulate(30, [f"ch{i}" for i in range(ANNOTATE_MAX)], seed=5)
    heat = inputs(sim.data).axes[1]
    assert heat.images[0].get_array().shape[0] > ANNOTATE_MAX and not heat.texts


def test_plots_without_controls():
    """Data with no control columns (e.g. cross-sectional Advertising-style data) plots too."""
    sim = bm.simulate(30, 2, seed=5)
    data = bm.MMMData.from_frame(
        sim.frame, date="date", target="sales", channels=list(sim.data.channels)
    )
    fit = prior_fit(bm.MMM(seasonality=0, trend=False), data, draws=30, seed=1)
    fig = _check(fit.plot.decomposition(), 1)
    names = {t.get_text() for t in fig.axes[0].get_legend().get_texts()}
    assert names == {"baseline", *data.channels, "actual"}
    fig = _check(fit.plot.inputs(), 3)
    assert fig.axes[1].images[0].get_array().shape == (2, 2)


def test_optimizer_accepts_a_plain_table():
    import pandas as pd

    table = pd.DataFrame(
        {
            "channel": ["tv", "tv", "search", "search"],
            "geo": ["a", "b", "a", "b"],
            "current": [10.0, 20.0, 5.0, 0.0],
            "optimal": [15.0, 20.0, 3.0, 2.0],
        }
    )
    from bayes_mmm.viz.budget_plots import budget_bars as optimizer

    fig = _check(optimizer(table), 1)  # what fit.plot.optimizer calls: a bare table is enough
    ax = fig.axes[0]
    heights = sorted(round(p.get_height()) for p in ax.patches)
    assert heights == sorted([30, 35, 5, 5])  # regions summed per channel
    assert [t.get_text() for t in ax.texts] == ["+17%", "+0%"]
    assert ax.get_title() == "Budget: current vs optimal spend"


def test_optimizer_rejects_other_objects(mock_fit):
    with pytest.raises(bm.SpecError, match="columns channel, current, optimal"):
        mock_fit.plot.optimizer({"tv": 1})
