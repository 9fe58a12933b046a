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
# # 01 · Quickstart: simulate → fit → check → ROI → save
#
# The whole workflow on simulated data, where the true ROI of every channel is known, so you can
# see how close the model gets:
#
# 1. simulate two years of weekly sales with three media channels,
# 2. fit the default Bayesian MMM (geometric adstock + Hill saturation) with NUTS,
# 3. check the sampler diagnostics and the in-sample fit,
# 4. compare the ROI credible intervals with the truth,
# 5. plot actual vs fitted, the decomposition and the curves, write an HTML report and save / load
#    the model.

# %%
import time

import matplotlib.pyplot as plt
import pandas as pd

import bayes_mmm as bm

# %matplotlib inline
pd.set_option("display.precision", 3)
pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 20)

# Short runs keep the notebook quick (about a minute); use chains=4, draws=1000, tune=1000 for real work.
FIT = dict(chains=2, draws=400, tune=500, seed=1, progress=False)


# %% [markdown]
# ## 1. Data with known truth
#
# `bm.simulate` returns a tidy DataFrame (`.frame`), the same data validated as `bm.MMMData`
# (`.data`) and the ground truth (`.true_params`, `.true_roi()`).

# %%
sim = bm.simulate(104, 3, seed=1)
sim.frame.head()

# %%
sim.data  # in Jupyter: a card with the periods, dates, channels and spend totals

# %%
fig = sim.data.plot()  # spend over time and the correlations, before any fit

# %% [markdown]
# With your own data you would build the same object with
#
# ```python
# data = bm.MMMData.from_frame(df, date="date", target="sales",
#                              channels=["tv_spend", "search_spend", "social_spend"],
#                              controls=["price_index", "promo"])
# ```

# %% [markdown]
# ## 2. Fit
#
# `bm.MMM()` is the default spec: geometric adstock (up to 8 weeks of carryover), Hill
# saturation, a trend, yearly seasonality and a weakly informative ROI prior. `fit` runs NUTS
# (nutpie) and returns an immutable `MMMFit`.

# %%
model = bm.MMM()
start = time.perf_counter()
fit = model.fit(sim.data, **{**FIT, "progress": True})  # compile message + progress bar
print(f"fitted in {time.perf_counter() - start:.0f} s")
fit

# %% [markdown]
# ## 3. Diagnostics
#
# Check these before reading any result: no divergences, R-hat ≤ 1.01, enough effective samples.
# `fit.diagnostics()` has one row per parameter; `.attrs["advice"]` says what to do when
# something is off.

# %%
print(fit.summary())  # convergence, fit, ROI, prior-dominated channels, advice
fit.diagnostics().sort_values("r_hat", ascending=False).head(8)

# %%
fit.fit_metrics()

# %% [markdown]
# ## 4. ROI vs the truth
#
# ROI = incremental sales caused by the channel's spend ÷ that spend, with a 90% credible
# interval. Because this is simulated data we can check whether each interval covers the true ROI.

# %%
roi = fit.roi(level=0.9).merge(sim.true_roi(), on="channel")
roi["covered"] = roi["true_roi"].between(roi["lower"], roi["upper"])
roi[["channel", "true_roi", "median", "lower", "upper", "covered", "spend", "contribution"]]

# %%
ax = fit.plot.roi().axes[0]
ax.scatter(roi["true_roi"], range(len(roi)), marker="x", color="C3", zorder=3, label="true ROI")
ax.legend()
plt.show()

# %% [markdown]
# Marginal ROI (the return on the *next* unit of spend, +1%) is lower than the average ROI when a
# channel is saturating: that is the number that matters for budget changes.

# %%
fit.mroi()

# %% [markdown]
# ## 5. Actual vs fitted

# %%
fig = fit.plot.fit_over_time()
plt.show()

# %% [markdown]
# Decomposition: how much of each week's sales each component explains (posterior means).

# %%
fig = fit.plot.decomposition()
plt.show()
fig = fit.plot.waterfall()  # the same split as totals, with intervals of summed draws
plt.show()
fig = fit.plot.posterior_predictive()  # density, residuals over time, residual autocorrelation
plt.show()
contrib = fit.contributions().pivot(index="date", columns="component", values="mean")
media = list(sim.data.channels)
(contrib[media].sum() / sim.data.target.sum()).rename("share of sales").to_frame().T

# %% [markdown]
# ## 6. Curves: diminishing returns and carryover
#
# Response curves: incremental sales if the whole period's spend were scaled from 0 to 2x, with
# a 90% band; the dashed line is the current spend. Adstock: the share of a week's effect that
# lands 0, 1, 2, ... weeks later.

# %%
fig = fit.plot.response_curves()
plt.show()
fig = fit.plot.adstock_decay()
plt.show()

# %% [markdown]
# Every plot is a method of `fit.plot` and returns a matplotlib figure: `fit_over_time`,
# `decomposition`, `contribution_share`, `roi`, `response_curves`, `adstock_decay`,
# `prior_vs_posterior`, `regional_roi` (regional data), `inputs` (spend and correlations) and
# `optimizer(result)`.

# %% [markdown]
# ## 7. Report, save and load
#
# `fit.report(path)` writes one self-contained HTML file (plots inlined) to mail or archive. A
# fitted model saves to a single netCDF file (no pickle) and loads back with `bm.load`.

# %%
import tempfile
from pathlib import Path

out_dir = Path(tempfile.mkdtemp(prefix="bayes_mmm_quickstart_"))
report_path = fit.report(out_dir / "report.html")
print(
    f"report written to {report_path} ({report_path.stat().st_size / 1e6:.1f} MB, open it in a browser)"
)

# %%
path = out_dir / "model.nc"
fit.save(path)
loaded = bm.load(path)
print(loaded)
pd.testing.assert_frame_equal(loaded.roi(), fit.roi())
print(
    f"saved to {path} ({path.stat().st_size / 1e6:.1f} MB); the loaded model gives the same ROI table"
)
