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
# # 02 · Classroom example: a channel that hurts sales
#
# We build two years of weekly data by hand, with coefficients we choose, so every number the
# models report can be checked against the truth:
#
# | driver | how it works | true effect |
# |---|---|---|
# | TV | spend with carryover (geometric adstock, decay 0.5) | +1.6 sales per £ |
# | radio | spend, same-week effect | +2.2 sales per £ |
# | **cold calling** | spend, same-week effect — annoys customers | **−1.2 sales per £** |
# | festival | binary: festival weeks | +9,000 per week |
# | offer | binary: a price offer is running | +5,000 per week |
#
# Effects are linear (no saturation) so that the true ROI of a channel is exactly its
# coefficient. We then fit a plain linear regression (OLS, standard errors by hand) and the
# Bayesian MMM, which is told that cold calling *may* have a negative effect
# (`harmful=("cold_calling",)`).

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


# %% [markdown]
# ## 1. Build the data

# %%
rng = np.random.default_rng(42)
n = 104
dates = pd.date_range("2022-01-03", periods=n, freq="W-MON")
week = np.arange(n)

# spend: a level, a seasonal flighting pattern and noise; TV is off ~20% of weeks
tv = (
    10_000
    * (1 + 0.3 * np.sin(2 * np.pi * week / 52))
    * rng.lognormal(0, 0.4, n)
    * (rng.uniform(size=n) > 0.2)
)
radio = 4_000 * rng.lognormal(0, 0.35, n)
cold_calling = 3_000 * rng.lognormal(0, 0.5, n) * (rng.uniform(size=n) > 0.15)
festival = np.isin(week % 52, [13, 14, 30, 31, 32, 48]).astype(float)
offer = (rng.uniform(size=n) < 0.2).astype(float)

TRUE = {"tv": 1.6, "radio": 2.2, "cold_calling": -1.2, "festival": 9_000.0, "offer": 5_000.0}
BASELINE, DECAY, NOISE_SD = 60_000.0, 0.5, 2_500.0

# TV carryover: this week's effect is a weighted sum of the last 8 weeks' spend, weights 0.5**lag
# normalised to sum to 1 (the same geometric adstock the MMM uses), so total effect per £ = 1.6.
weights = DECAY ** np.arange(8) / (DECAY ** np.arange(8)).sum()
tv_adstocked = np.convolve(tv, weights)[:n]

sales = (
    BASELINE
    + TRUE["tv"] * tv_adstocked
    + TRUE["radio"] * radio
    + TRUE["cold_calling"] * cold_calling
    + TRUE["festival"] * festival
    + TRUE["offer"] * offer
    + rng.normal(0, NOISE_SD, n)
)
df = pd.DataFrame(
    {
        "date": dates,
        "sales": sales,
        "tv": tv,
        "radio": radio,
        "cold_calling": cold_calling,
        "festival": festival,
        "offer": offer,
    }
)
df.describe().T[["mean", "std", "min", "max"]]

# %%
fig, axes = plt.subplots(2, 1, figsize=(10, 5), sharex=True)
axes[0].plot(df["date"], df["sales"], color="k")
axes[0].set_ylabel("sales")
df.set_index("date")[["tv", "radio", "cold_calling"]].plot(ax=axes[1])
axes[1].set_ylabel("spend (£)")
plt.show()


# %% [markdown]
# ## 2. Ordinary least squares, by hand
#
# $\hat\beta = (X^\top X)^{-1} X^\top y$, residual variance $s^2 = \lVert y - X\hat\beta\rVert^2 / (n - p)$,
# standard errors $\sqrt{\operatorname{diag}(s^2 (X^\top X)^{-1})}$.


# %%
def ols(y, X, names):
    """OLS with classical standard errors and 95% intervals (normal approximation)."""
    XtX_inv = np.linalg.inv(X.T @ X)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    s2 = resid @ resid / (len(y) - X.shape[1])
    se = np.sqrt(np.diag(s2 * XtX_inv))
    table = pd.DataFrame(
        {
            "estimate": beta,
            "se": se,
            "t": beta / se,
            "lower_95": beta - 1.96 * se,
            "upper_95": beta + 1.96 * se,
        },
        index=names,
    )
    r2 = 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))
    return table, r2


regressors = ["tv", "radio", "cold_calling", "festival", "offer"]
X = np.column_stack([np.ones(n), df[regressors].to_numpy()])
ols_table, ols_r2 = ols(df["sales"].to_numpy(), X, ["intercept", *regressors])
ols_table["truth"] = [BASELINE, *(TRUE[k] for k in regressors)]
print(f"OLS R² = {ols_r2:.3f}")
ols_table

# %% [markdown]
# OLS recovers the same-week effects (radio, cold calling, festival, offer) well. Its TV
# coefficient only counts the *same week's* effect of TV: the carryover into later weeks is
# missed unless we model it — which is what adstock does.

# %% [markdown]
# ## 3. The Bayesian MMM
#
# The data has no trend or yearly seasonality, so we switch those off, and we know radio and
# cold calling act within the week, so they get no adstock (`ChannelSpec(adstock="none")`).
# `harmful=("cold_calling",)` gives cold calling a prior centred on zero that allows either
# sign; the other channels get the default positive ROI prior. `festival` and `offer` are
# controls.

# %%
data = bm.MMMData.from_frame(
    df,
    date="date",
    target="sales",
    channels=["tv", "radio", "cold_calling"],
    controls=["festival", "offer"],
)
same_week = bm.ChannelSpec(adstock="none")
model = bm.MMM(
    harmful=("cold_calling",),
    seasonality=0,
    trend=False,
    channels={"radio": same_week, "cold_calling": same_week},
)
start = time.perf_counter()
fit = model.fit(data, **FIT)
print(f"fitted in {time.perf_counter() - start:.0f} s")
print(fit.summary())
fit.fit_metrics()

# %%
roi = fit.roi(level=0.9)
roi["truth"] = roi["channel"].map(TRUE)
roi["ols"] = roi["channel"].map(ols_table["estimate"])
roi[["channel", "truth", "ols", "median", "lower", "upper", "contribution"]]

# %% [markdown]
# **The harmful channel.** Cold calling's whole 90% ROI interval lies below zero: the model is
# confident that every £ spent on it *loses* sales. (The next cell fails if that ever stops
# being true.)

# %%
cold = roi.set_index("channel").loc["cold_calling"]
print(
    f"cold calling ROI: {cold['median']:.2f} (90% interval {cold['lower']:.2f} to {cold['upper']:.2f}); "
    f"truth {TRUE['cold_calling']}"
)
assert cold["upper"] < 0, "the harmful channel's ROI interval should lie below zero"
assert cold["lower"] < TRUE["cold_calling"] < cold["upper"] + 0.5

# %%
fig, ax = plt.subplots(figsize=(7, 2.8))
y = np.arange(len(roi))
ax.errorbar(
    roi["median"],
    y,
    xerr=[roi["median"] - roi["lower"], roi["upper"] - roi["median"]],
    fmt="o",
    capsize=3,
    label="MMM median, 90% interval",
)
ax.scatter(roi["ols"], y + 0.15, marker="s", color="C2", label="OLS coefficient")
ax.scatter(roi["truth"], y - 0.15, marker="x", color="C3", s=60, label="truth")
ax.axvline(0, color="grey", lw=0.8)
ax.set_yticks(y, roi["channel"])
ax.set_xlabel("sales per £ spent")
ax.legend(fontsize=8, loc="lower right")
plt.show()

# %% [markdown]
# The controls' effects, in sales per week, from the decomposition (the weeks where the control
# is on):

# %%
contrib = fit.contributions().pivot(index="date", columns="component", values="mean")
pd.DataFrame(
    {
        "truth": [TRUE["festival"], TRUE["offer"]],
        "mmm": [
            contrib.loc[festival == 1, "festival"].mean()
            - contrib.loc[festival == 0, "festival"].mean(),
            contrib.loc[offer == 1, "offer"].mean() - contrib.loc[offer == 0, "offer"].mean(),
        ],
        "ols": ols_table.loc[["festival", "offer"], "estimate"].to_numpy(),
    },
    index=["festival", "offer"],
)

# %% [markdown]
# ## 4. Budget advice
#
# Keep the total budget for the next 13 weeks fixed and let each channel move by at most ±30%.
# The optimiser uses every posterior draw; money should flow out of cold calling.

# %%
result = fit.optimize_budget(relative_bounds=0.3)
print(result)
result.table

# %%
change = result.table.set_index("channel")["change_pct"]
print(f"cold calling: {change['cold_calling']:+.0f}% of its current budget")
assert change["cold_calling"] < -20, "the optimiser should cut cold calling"

# %% [markdown]
# And what if cold calling stopped altogether (everything else unchanged)?

# %%
stop = fit.scenario(total_change=-1.0, channels=["cold_calling"])
print(stop.summary())
