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
# # 03 · The Advertising data: OLS vs a Bayesian model with saturation
#
# The classic *Advertising* data set (James, Witten, Hastie & Tibshirani, *An Introduction to
# Statistical Learning*): sales (thousands of units) and TV, radio and newspaper budgets
# (thousands of dollars) in 200 markets.
#
# This is **cross-sectional** data — 200 markets, not 200 weeks — so there is no carryover and no
# seasonality or trend. We therefore use `bm.MMM(adstock="none", l_max=1, seasonality=0,
# trend=False)`: only the saturation curve and the effect size remain. `MMMData` expects a
# regular calendar, so we give the markets **fake consecutive weekly dates**; with adstock, trend
# and seasonality switched off the dates play no role in the model.
#
# The data ships with the package: `bm.datasets.load_advertising()`.

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
from scipy import stats

ads = bm.datasets.load_advertising()  # bundled with the package (source in its docstring)
print(ads.shape)
ads.describe().T[["mean", "std", "min", "max"]]

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
for ax, col in zip(axes, ["TV", "radio", "newspaper"]):
    ax.scatter(ads[col], ads["sales"], s=10, alpha=0.6)
    ax.set_xlabel(f"{col} budget ($k)")
axes[0].set_ylabel("sales (k units)")
plt.show()

# %% [markdown]
# ## 1. OLS: coefficients, p-values, adjusted R²
#
# $\hat\beta = (X^\top X)^{-1}X^\top y$; $t_j = \hat\beta_j / \operatorname{se}_j$ has a
# $t_{n-p}$ distribution under the null of no effect, so the two-sided p-value is
# $2\,(1 - F_{t,n-p}(|t_j|))$; adjusted $R^2 = 1 - (1-R^2)\,(n-1)/(n-p)$.

# %%
channels = ["TV", "radio", "newspaper"]
y = ads["sales"].to_numpy()
X = np.column_stack([np.ones(len(ads)), ads[channels].to_numpy()])
n, p = X.shape
beta, *_ = np.linalg.lstsq(X, y, rcond=None)
resid = y - X @ beta
s2 = resid @ resid / (n - p)
se = np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ X)))
t = beta / se
ols = pd.DataFrame(
    {"coef": beta, "se": se, "t": t, "p_value": 2 * stats.t.sf(np.abs(t), df=n - p)},
    index=["intercept", *channels],
)
r2 = 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))
adj_r2 = 1 - (1 - r2) * (n - 1) / (n - p)
print(f"R² = {r2:.3f}, adjusted R² = {adj_r2:.3f}, residual se = {np.sqrt(s2):.3f}")
ols.round(4)

# %%
# the textbook values
np.testing.assert_allclose(ols["coef"], [2.939, 0.0458, 0.1885, -0.0010], atol=6e-4)
assert ols.loc["newspaper", "p_value"] > 0.5 and ols.loc[["TV", "radio"], "p_value"].max() < 1e-10

# %% [markdown]
# OLS says: TV and radio matter, newspaper does not (p ≈ 0.86). Its residuals, though, are not
# well behaved (see section 4): a straight line misses the diminishing returns of TV.
#
# ## 2. Bayesian model with saturation

# %%
df = ads.assign(date=pd.date_range("2020-01-06", periods=len(ads), freq="W-MON"))  # fake calendar
data = bm.MMMData.from_frame(df, date="date", target="sales", channels=channels)
model = bm.MMM(adstock="none", l_max=1, seasonality=0, trend=False)
start = time.perf_counter()
fit = model.fit(data, **FIT)
print(f"fitted in {time.perf_counter() - start:.0f} s")
print(fit.summary())
fit.fit_metrics()

# %% [markdown]
# `fit.roi()` is the *average* return (sales per $ of budget, all markets together);
# `fit.mroi()` is the *marginal* return of one more $ — the quantity comparable with an OLS slope.
# Units here: thousand units of sales per thousand dollars.

# %%
roi = fit.roi(level=0.9).set_index("channel")
mroi = fit.mroi(level=0.9).set_index("channel")
comparison = pd.DataFrame(
    {
        "ols_coef": ols.loc[channels, "coef"],
        "ols_p": ols.loc[channels, "p_value"],
        "roi_median": roi["median"],
        "roi_lower": roi["lower"],
        "roi_upper": roi["upper"],
        "mroi_median": mroi["median"],
        "mroi_lower": mroi["lower"],
        "mroi_upper": mroi["upper"],
    }
)
comparison.round(4)

# %% [markdown]
# Newspaper's effect is near zero and its interval shows it: it lies entirely below the lower
# bounds of TV and radio. (The default ROI prior is positive — advertising rarely *reduces*
# sales — so the interval sits just above zero instead of straddling it as the OLS interval does.)

# %%
news = roi.loc["newspaper"]
print(
    f"newspaper ROI {news['median']:.4f} (90% interval {news['lower']:.4f} to {news['upper']:.4f})"
)
assert news["upper"] < 0.03, "newspaper's ROI interval should be narrow around zero"
assert news["upper"] < min(roi.loc["TV", "lower"], roi.loc["radio", "lower"])

# %%
curves = fit.response_curves(multipliers=np.linspace(0, 2, 21))
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
for ax, ch in zip(axes, channels):
    c = curves[curves["channel"] == ch]
    ax.fill_between(c["multiplier"], c["lower"], c["upper"], alpha=0.3)
    ax.plot(c["multiplier"], c["mean"])
    ax.axvline(1, color="grey", lw=0.8)
    ax.set_title(ch)
    ax.set_xlabel("budget x current")
axes[0].set_ylabel("incremental sales, all markets")
plt.show()

# %% [markdown]
# ## 3. Predicted vs actual

# %%
pred = fit.predict()
ols_fitted = X @ beta
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharex=True, sharey=True)
for ax, fitted, title in [
    (axes[0], ols_fitted, f"OLS (R² {r2:.3f})"),
    (axes[1], pred["mean"].to_numpy(), f"Bayesian (R² {fit.fit_metrics()['r2'].iloc[0]:.3f})"),
]:
    ax.scatter(fitted, y, s=10, alpha=0.6)
    ax.plot([0, 28], [0, 28], color="grey", lw=0.8)
    ax.set_title(title)
    ax.set_xlabel("predicted sales")
axes[0].set_ylabel("actual sales")
plt.show()

# %% [markdown]
# ## 4. Residual checks
#
# Residuals vs fitted should show no pattern, and their histogram should look roughly normal.
# OLS leaves a clear curve (over-predicting at both ends, the signature of the missing
# diminishing returns and the TV x radio interaction); saturation removes part of it.

# %%
bayes_resid = y - pred["mean"].to_numpy()
fig, axes = plt.subplots(2, 2, figsize=(10, 6))
for row, (fitted, res, name) in enumerate(
    [(ols_fitted, resid, "OLS"), (pred["mean"].to_numpy(), bayes_resid, "Bayesian")]
):
    axes[row, 0].scatter(fitted, res, s=10, alpha=0.6)
    axes[row, 0].axhline(0, color="grey", lw=0.8)
    axes[row, 0].set_title(f"{name}: residual vs fitted")
    axes[row, 1].hist(res, bins=25)
    axes[row, 1].set_title(f"{name}: residuals (sd {res.std():.2f}, skew {stats.skew(res):.2f})")
fig.tight_layout()
plt.show()

# %%
pd.DataFrame(
    {
        "rmse": [np.sqrt(np.mean(resid**2)), np.sqrt(np.mean(bayes_resid**2))],
        "skew": [stats.skew(resid), stats.skew(bayes_resid)],
        "shapiro_p": [stats.shapiro(resid).pvalue, stats.shapiro(bayes_resid).pvalue],
    },
    index=["OLS", "Bayesian"],
)
