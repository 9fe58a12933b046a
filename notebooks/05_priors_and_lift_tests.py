# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Priors in business units and lift tests
#
# With one year of data some channels cannot be told apart from the baseline. Two kinds of
# outside knowledge help:
#
# * **benchmark priors**: "TV usually returns between 0.4 and 3 per £" — `bm.ROIPrior(median, (lo, hi))`,
# * **lift tests**: an experiment (here a go-dark test: social switched off for 10 weeks) that
#   measured the incremental sales directly.
#
# We check what the priors imply *before* fitting, then compare the posterior with and without
# the lift test, and see which channels the data alone could not inform (`prior_dominated`).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import bayes_mmm as bm

# %matplotlib inline
pd.set_option("display.precision", 3)
pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 20)

# Short runs keep the notebook quick (about a minute); use chains=4, draws=1000, tune=1000 for real work.
FIT = dict(chains=2, draws=400, tune=500, seed=1, progress=False)


# %%
# 52 weeks; social's spend barely changes week to week, so the data cannot pin its effect down
sim = bm.simulate(52, 3, seed=8, roi=[1.0, 2.0, 3.0], flat_channels=["social"], noise=0.04)
data = sim.data
truth = sim.true_roi().set_index("channel")["true_roi"]
fig, ax = plt.subplots(figsize=(10, 3))
sim.frame.set_index("date")[list(data.channels)].plot(ax=ax, title="weekly spend")
plt.show()
truth

# %% [markdown]
# ## 1. Benchmark priors, checked before fitting
#
# Industry benchmarks for TV and search (not the truth: within ±30% of it here). Social gets the
# package's default, weakly informative prior. `model.prior_roi(data)` draws from the priors and
# reports the ROI and the share of sales they imply — before any sampling.

# %%
benchmarks = {
    "tv_spend": bm.ROIPrior(1.2, (0.4, 3.0)),
    "search_spend": bm.ROIPrior(1.6, (0.6, 4.0)),
}
model = bm.MMM(
    seasonality=1, channels={ch: bm.ChannelSpec(effect=prior) for ch, prior in benchmarks.items()}
)
prior_table = model.prior_roi(data, draws=1000, seed=1)
prior_table

# %% [markdown]
# ## 2. Two lift tests, written as a marketer reports them
#
# * a **go-dark** test: social was switched off in weeks 20–29;
# * a **spend-increase** test: search got 3,000 more per week in weeks 36–39.
#
# `bm.LiftTest(channel, start, end, spend_change, lift, lift_sd, geo=None)`: `spend_change` is the
# change in spend per period (currency) or `"go_dark"`, `lift` the measured incremental sales over
# the window (negative when sales were lost) and `lift_sd` its standard error. Here the "measured"
# lifts come from the simulation's true parameters (the same counterfactual the model uses) plus
# measurement noise with a 10% standard error.


# %%
def true_lift(channel, weeks, new_spend):
    """Sales difference when the channel's spend in ``weeks`` is ``new_spend`` (simulation truth)."""
    c = data.channels.index(channel)
    spend = data.spend[:, 0, c]
    multiplier = np.ones_like(data.spend[..., c])
    multiplier[weeks, 0] = new_spend / spend[weeks]
    return float(sim.engine().incremental(c, multiplier, money=False).sum())


rng = np.random.default_rng(0)
dark, more = slice(20, 30), slice(36, 40)
lift_dark = true_lift("social_spend", dark, 0.0)
lift_more = true_lift("search_spend", more, data.spend[more, 0, 1] + 3000.0)
lift_tests = [
    bm.LiftTest(
        "social_spend",
        data.dates[20],
        data.dates[29],
        "go_dark",
        lift=lift_dark + rng.normal(0, 0.1 * abs(lift_dark)),
        lift_sd=0.1 * abs(lift_dark),
    ),
    bm.LiftTest(
        "search_spend",
        data.dates[36],
        data.dates[39],
        3000.0,
        lift=lift_more + rng.normal(0, 0.1 * lift_more),
        lift_sd=0.1 * lift_more,
    ),
]
print(f"true lifts: go-dark {lift_dark:,.0f}, spend increase {lift_more:,.0f} sales")
pd.DataFrame([t.row(data) for t in lift_tests])  # the table the model uses

# %% [markdown]
# ## 3. Fit without and with the lift test

# %%
FIT.update(draws=300, tune=400)  # two fits in this notebook: keep each one short
start = time.perf_counter()
fit = model.fit(data, **FIT)
print(f"without lift test: fitted in {time.perf_counter() - start:.0f} s")
print(fit.summary())

# %%
start = time.perf_counter()
calibrated = model.fit(data, lift_tests=lift_tests, **FIT)
print(f"with lift test: fitted in {time.perf_counter() - start:.0f} s")
print(calibrated.summary())

# %% [markdown]
# ## 4. Prior vs posterior
#
# `fit.roi()` carries the prior interval of every channel (`prior_lower`, `prior_upper`) and the
# ratio of posterior to prior width. A ratio above 0.8 flags a channel as **prior-dominated**:
# its ROI comes mostly from the prior, not the data.

# %%
cols = [
    "channel",
    "median",
    "lower",
    "upper",
    "prior_lower",
    "prior_upper",
    "width_ratio",
    "prior_dominated",
]
both = pd.concat(
    {"without lift test": fit.roi()[cols], "with lift test": calibrated.roi()[cols]}, names=["fit"]
)
both["truth"] = both["channel"].map(truth)
both

# %%
fit.prior_dominated()

# %%
fig = fit.plot.prior_vs_posterior()  # prior-dominated channels are highlighted
plt.show()

# %%
fig = calibrated.plot.lift_tests()  # measured lift vs the lift the calibrated model implies
plt.show()

# %%
fig = calibrated.plot.parameter_densities()  # prior vs posterior of adstock, saturation and ROI
plt.show()

# %%
channel = "social_spend"
before = fit.roi().set_index("channel").loc[channel]
after = calibrated.roi().set_index("channel").loc[channel]
print(
    f"social ROI without lift test: {before['median']:.2f} [{before['lower']:.2f}, {before['upper']:.2f}]"
)
print(
    f"social ROI with lift test:    {after['median']:.2f} [{after['lower']:.2f}, {after['upper']:.2f}]"
)
print(f"truth: {truth[channel]:.2f}")
assert after["upper"] - after["lower"] < before["upper"] - before["lower"], (
    "the lift test should narrow the interval"
)

# %% [markdown]
# The lift test turns social from a channel the model could only guess at into one it can
# measure. In practice: run experiments on the channels `prior_dominated()` flags.
