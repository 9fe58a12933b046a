"""Jupyter cards of plan results: the numbers a marketing lead asks for, escaped, with intervals."""

import bayes_mmm as bm


def test_budget_result_card_shows_totals_uplift_interval_and_table(mock_fit):
    result = mock_fit.optimize_budget(horizon=8, relative_bounds=0.3)
    card = result._repr_html_()
    assert "BudgetResult" in card and "P(better than now)" in card and "90% interval" in card
    assert f"{result.optimal.total:,.0f}" in card
    for channel in mock_fit.data.channels:
        assert channel in card
    assert card.count("<table") == 1


def test_plan_outcome_card_shows_the_change_and_the_plan_table(mock_fit):
    outcome = mock_fit.scenario(total_change=0.10, horizon=8)
    card = outcome._repr_html_()
    assert "PlanOutcome" in card and "outcome of the plan" in card
    assert f"{outcome.change['mean']:+,.0f}" in card
    assert "<table" in card and isinstance(outcome, bm.PlanOutcome)


def test_multi_panel_plots_take_figsize(mock_fit):
    import matplotlib.pyplot as plt

    for name in ("prior_vs_posterior", "adstock_decay", "roi", "response_curves"):
        fig = getattr(mock_fit.plot, name)(figsize=(9, 5))
        assert tuple(fig.get_size_inches()) == (9, 5), name
        plt.close(fig)
