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
# # 04 · Regions and impressions
#
# Four regions, three channels, two years of weekly data. The media transforms work on
# **impressions** (what people saw) while ROI stays on **spend** (what was paid): the cost per
# impression changes week by week, so spend is a noisy measure of exposure.
#
# `pooling="partial"` lets each region have its own effect, shrunk towards the national one:
# a region with little information borrows strength from the others.

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
sim = bm.simulate(104, 3, geos=4, impressions=True, seed=4)
sim.frame.head()

# %% [markdown]
# `sim.data` was built with `media=` mapping each spend column to its impression column. With
# your own data:
#
# ```python
# data = bm.MMMData.from_frame(df, date="date", target="sales", geo="geo",
#                              channels=["tv_spend", "search_spend", "social_spend"],
#                              media={"tv_spend": "tv_impressions", "search_spend": "search_impressions",
#                                     "social_spend": "social_impressions"},
#                              controls=["price_index", "promo"])
# ```

# %%
frame = sim.frame
data = bm.MMMData.from_frame(
    frame,
    date="date",
    target="sales",
    geo="geo",
    channels=[f"{c}_spend" for c in ["tv", "search", "social"]],
    media={f"{c}_spend": f"{c}_impressions" for c in ["tv", "search", "social"]},
    controls=["price_index", "promo"],
)
print(data.geos, data.channels, data.media_names)
data.summary()

# %% [markdown]
# ## Fit with partial pooling

# %%
model = bm.MMM(pooling="partial")
start = time.perf_counter()
fit = model.fit(data, **FIT)
print(f"fitted in {time.perf_counter() - start:.0f} s")
print(fit.summary())
fit.fit_metrics()

# %%
fig, axes = plt.subplots(2, 2, figsize=(12, 6), sharex=True)
for ax, geo in zip(axes.flat, data.geos):
    fit.plot.fit_over_time(geo=geo, ax=ax)
    ax.get_legend().remove()
plt.show()

# %% [markdown]
# ## ROI per region vs the truth
#
# `fit.roi(by_geo=True)` gives the national ROI of each channel and one row per region.

# %%
truth = sim.true_roi(by_geo=True)
truth["geo"] = truth["geo"].fillna("national")
roi = fit.roi(by_geo=True).merge(truth, on=["channel", "geo"])
roi["covered"] = roi["true_roi"].between(roi["lower"], roi["upper"])
print(
    f"{roi['covered'].mean():.0%} of the 90% intervals cover the true ROI"
)  # expect some misses, see below
roi[["channel", "geo", "true_roi", "median", "lower", "upper", "covered", "spend"]]

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.2), sharey=True)
for ax, (ch, part) in zip(axes, roi.groupby("channel", sort=False)):
    x = np.arange(len(part))
    ax.errorbar(
        x,
        part["median"],
        yerr=[part["median"] - part["lower"], part["upper"] - part["median"]],
        fmt="o",
        capsize=3,
        label="posterior median, 90%",
    )
    ax.scatter(x, part["true_roi"], marker="x", color="C3", zorder=3, label="truth")
    ax.set_xticks(x, part["geo"], rotation=30)
    ax.set_title(ch)
axes[0].set_ylabel("ROI")
axes[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# The same as small multiples, one panel per channel, with the national ROI as a dashed line:

# %%
fig = fit.plot.regional_roi()
plt.show()

# %% [markdown]
# Expect some misses: a 90% interval misses the truth one time in ten, and misses come in groups
# because the regions of a channel share its national effect (if the national ROI is
# overestimated, so are most regional ones). Longer runs and more data tighten all of them.
#
# ## What if the budget grew by 10%?
#
# `fit.scenario(total_change=0.10)` scales the last 13 weeks' spend of every channel (in every
# region) by 1.1, keeps the weekly pattern, and reports the change in sales over the posterior.

# %%
plus10 = fit.scenario(total_change=0.10)
print(plus10.summary())
plus10.table

# %% [markdown]
# ## An optimised allocation
#
# Same total as now, each channel x region within ±30% of its current spend.

# %%
best = fit.optimize_budget(relative_bounds=0.3)
print(best)
print(
    f"uplift {best.uplift['mean']:+,.0f} sales (90% interval {best.uplift['lower']:+,.0f} to "
    f"{best.uplift['upper']:+,.0f}); P(better than now) = {best.prob_better:.2f}"
)
best.table

# %%
fig = fit.plot.optimizer(best)  # current vs optimal spend per channel
plt.show()
fig = best.plot()  # response curves with the current and the optimal spend
plt.show()

# %% [markdown]
# The HTML report can carry the optimisation too: `fit.report("report.html", optimization=best)`.
