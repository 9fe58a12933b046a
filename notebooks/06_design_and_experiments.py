# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Before and after fitting: can the data identify each channel, and which test should run next?
#
# Two questions no other MMM tool answers:
#
# 1. **Design check** (before fitting): `model.check_design(data)` draws "true" worlds from the
#    model's priors, simulates sales on *your* spend and calendar, fits each quickly and reports,
#    per channel, how much the data will narrow the ROI interval, whether the interval covers the
#    truth, and how often the data settle "ROI > 1?" and "is A better than B?". Variance inflation
#    factors and spend correlations come with it.
# 2. **Which experiment next** (after fitting): `fit.next_experiment()` ranks candidate lift
#    tests by the expected improvement of the budget decision (expected value of sample
#    information, EVSI), with the expected shrinkage of each channel's ROI interval, P(the test
#    changes the plan) and the test's cost.
#
# Draw counts are tiny so the notebook runs in a few minutes; use the defaults for real work.

# %%

import pandas as pd

import bayes_mmm as bm

pd.set_option("display.width", 140)

# 78 weeks, 3 channels; "social" has nearly constant spend, so its effect is hard to identify.
sim = bm.simulate(78, 3, seed=4, flat_channels=["social"])
data = sim.data

# %% [markdown]
# ## 1. Design check, before any real fit
# `n_datasets=3` simulated worlds with 2 chains x 100 draws each (use 8-20 worlds and the
# default draws for a decision; `executor=Client(...)` sends the fits to a Dask cluster).

# %%
check = bm.MMM().check_design(data, n_datasets=3, chains=2, draws=100, tune=100, seed=1)
print(check.summary())
check.table[["channel", "width_ratio", "coverage", "p_resolve_roi_gt_1", "roi_precision_pct"]]

# %%
check.vif  # variance inflation factors, with what they mean for this model

# %%
check.correlations

# %%
# The constant-spend channel must come out least identified.
ratios = check.table.set_index("channel")["width_ratio"]
assert ratios["social_spend"] == ratios.max(), ratios

# %% [markdown]
# ## 2. Fit, then ask which lift test would most improve next quarter's budget
# Each candidate: channel, window inside the 13-week planning horizon, spend change per week
# (negative = go dark), optional region and standard error. Without candidates a default grid is
# used: per channel, go dark or +50% for 4 or 8 weeks.

# %%
fit = bm.MMM().fit(data, chains=2, draws=200, tune=200, seed=1, progress=False)
ranking = fit.next_experiment(n_outcomes=6, seed=1, refit=False)  # reweighting only: seconds
ranking.table[
    [
        "channel",
        "weeks",
        "spend_change",
        "evsi",
        "evsi_se",
        "prob_change_plan",
        "roi_width_ratio",
        "spend_moved",
        "outcome_at_risk",
        "khat_max",
    ]
]

# %%
ranking.plot()
# %%
ranking.shrinkage  # expected ROI-interval width after / before the test, every channel

# %% [markdown]
# Read `khat_max` before trusting a row: above 0.7 the reweighted posterior rests on a few draws
# (the test is very informative relative to the draws kept) and its EVSI is an overestimate.
# With `refit=True` (the default) such outcomes are re-evaluated by fitting the model again with
# the simulated test as a lift-test likelihood (the test runs in the planning horizon; its lift is
# the model's counterfactual on the history followed by the horizon, carry-in included). Here the
# top two candidates as ten times more precise tests (e.g. many more regions), one fast refit
# (1 chain x 100 draws) per candidate at most; `evsi_reweighted` is what reweighting alone said:

# %%
top = ranking.table.head(2)[["channel", "start", "end", "spend_change", "lift_se"]]
top = top.assign(lift_se=top["lift_se"] / 10)
checked = fit.next_experiment(
    top, n_outcomes=6, seed=1, n_refit=1, refit_settings={"chains": 1, "draws": 100, "tune": 100}
)
checked.table[["channel", "weeks", "evsi", "evsi_reweighted", "khat_max", "refitted", "note"]]

# %% [markdown]
# Bad candidates get one clear error:

# %%
try:
    fit.next_experiment(
        pd.DataFrame(
            [{"channel": "tv", "start": "2030-01-01", "end": "2030-02-01", "spend_change": -1.0}]
        )
    )
except bm.BayesMMMError as err:
    print(err)
