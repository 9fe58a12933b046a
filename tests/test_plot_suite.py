"""The plot suite: each plot returns a Figure, takes figsize= (and ax= for one panel), draws what
its table says, uses one colour per channel everywhere, keeps legends outside the data, and draws
a break-even line only when the outcome is money."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import bayes_mmm as bm
from bayes_mmm.results.aggregates import spend_and_effect_share, window_totals
from bayes_mmm.results.lift_check import lift_check
from bayes_mmm.testing import prior_fit
from bayes_mmm.viz.style import channel_colors, compact


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sim():
    return bm.simulate(40, 3, seed=6)


@pytest.fixture(scope="module")
def fit(sim):
    dates = sim.data.dates
    tests = pd.DataFrame(
        [
            bm.LiftTest(sim.data.channels[0], dates[20], dates[23], "go_dark", -9e4, 2e4).row(
                sim.data
            )
        ]
    )
    f = prior_fit(bm.MMM(), sim.data, draws=60, seed=1, lift_tests=tests)
    _, y_rep = f.replicate_draws(seed=1)  # a prior fit's predictive draws are prior predictive
    y = y_rep.reshape(2, 60, *y_rep.shape[1:])
    f.tree["prior_predictive"] = xr.DataTree(
        xr.Dataset(
            {"y": (("chain", "draw", "date", "geo"), y)},
            coords={"date": sim.data.dates.values, "geo": list(sim.data.geos)},
        )
    )
    return f


@pytest.fixture(scope="module")
def budget(fit):
    return fit.optimize_budget(horizon=4, relative_bounds=0.3)


def _legends_outside(fig):
    """Every legend's box lies outside its axes' data area (no legend covers data)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box, area = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
        overlap_w = min(box.x1, area.x1) - max(box.x0, area.x0)
        overlap_h = min(box.y1, area.y1) - max(box.y0, area.y0)
        assert overlap_w <= 1 or overlap_h <= 1, f"legend over the data in '{ax.get_title()}'"


SINGLE = [
    "waterfall",
    "contributions_over_time",
    "spend_vs_effect_share",
    "prior_predictive",
    "lift_tests",
    "fit_over_time",
    "decomposition",
    "contribution_share",
]


@pytest.mark.parametrize("name", SINGLE)
def test_single_panel_plots_take_ax_and_keep_legends_outside(fit, name):
    fig, ax = plt.subplots(figsize=(7, 3))
    out = getattr(fit.plot, name)(ax=ax)
    assert out is fig and len(ax.patches) + len(ax.lines) + len(ax.collections) > 0
    fig2 = getattr(fit.plot, name)(figsize=(9, 3.5))
    assert isinstance(fig2, Figure) and tuple(fig2.get_size_inches()) == (9, 3.5)
    _legends_outside(fig2)


@pytest.mark.parametrize(
    "name", ["posterior_predictive", "parameter_densities", "roi", "response_curves"]
)
def test_multi_panel_plots_take_figsize(fit, name):
    fig = getattr(fit.plot, name)(figsize=(12, 6))
    assert isinstance(fig, Figure) and np.allclose(fig.get_size_inches(), (12, 6))
    _legends_outside(fig)


def test_one_colour_per_channel_across_plots(fit):
    colors = channel_colors(fit.data.channels)
    share = fit.plot.spend_vs_effect_share()
    effect_bars = share.axes[0].patches[len(fit.data.channels) :]
    assert [to_hex(b.get_facecolor()) for b in effect_bars] == list(colors.values())
    lines = fit.plot.contributions_over_time().axes[0].lines[: len(fit.data.channels)]
    assert [to_hex(line.get_color()) for line in lines] == list(colors.values())
    curves = fit.plot.response_curves()
    assert [to_hex(ax.lines[0].get_color()) for ax in curves.axes] == list(colors.values())


def test_waterfall_draws_the_window_totals(fit):
    fig = fit.plot.waterfall(level=0.8)
    table = window_totals(fit, level=0.8)
    heights = [p.get_height() for p in fig.axes[0].patches]
    np.testing.assert_allclose(heights, table["mean"], atol=1e-6)


def test_spend_vs_effect_share_table_adds_up(fit):
    table = spend_and_effect_share(fit)
    assert np.isclose(table["spend_share"].sum(), 100)
    assert np.isclose(table["effect_share"].sum(), 100, atol=1e-6)
    assert (table["effect_lower"] <= table["effect_share"]).all()


def test_break_even_line_only_for_revenue(sim):
    units = prior_fit(bm.MMM(), sim.data, draws=30, seed=2)
    labels = [ln.get_label() for ax in units.plot.roi().axes for ln in ax.lines]
    assert "break-even (1)" not in labels
    frame = sim.frame.assign(price=2.5)
    money_data = bm.MMMData.from_frame(
        frame,
        date="date",
        target="sales",
        channels=list(sim.data.channels),
        controls=list(sim.data.control_names),
        revenue_per_unit="price",
    )
    money = prior_fit(bm.MMM(), money_data, draws=30, seed=2)
    labels = [ln.get_label() for ax in money.plot.roi().axes for ln in ax.lines]
    assert labels.count("break-even (1)") == 2


def test_lift_check_table_and_plot(fit):
    table = lift_check(fit, level=0.9)
    assert len(table) == 1 and table["measured"].iloc[0] == -9e4
    assert table["measured_lower"].iloc[0] < -9e4 < table["measured_upper"].iloc[0]
    assert (
        table["model_lower"].iloc[0] <= table["model_mean"].iloc[0] <= table["model_upper"].iloc[0]
    )
    no_tests = prior_fit(bm.MMM(), fit.data, draws=20, seed=1)
    with pytest.raises(bm.SpecError, match="lift tests"):
        no_tests.plot.lift_tests()


def test_budget_plan_shows_change_effect_and_uplift(fit, budget):
    fig = fit.plot.budget_plan(budget)
    assert len(fig.axes) == 3
    assert "P(better than now)" in fig.axes[2].get_title()
    assert f"{budget.prob_better:.2f}" in fig.axes[2].get_title()
    optimum = fit.plot.response_curves(result=budget)
    assert any(ln.get_label() == "optimal" for ax in optimum.axes for ln in ax.lines)


def test_tick_labels_are_compact():
    assert [compact(v) for v in (950, 12_345, 120_011, 2.5e6, 3e9)] == [
        "950",
        "12.35k",
        "120k",
        "2.5M",
        "3bn",
    ]


def test_regional_shrinkage_plot():
    data = bm.simulate(30, 2, geos=3, seed=2).data
    partial = prior_fit(bm.MMM(), data, draws=40, seed=1)
    unpooled = prior_fit(bm.MMM(pooling="none"), data, draws=40, seed=2)
    fig = partial.plot.shrinkage(unpooled)
    assert len(fig.axes) == 2 and fig._suptitle is not None
    assert all(len(ax.get_yticklabels()) == 3 for ax in fig.axes)
