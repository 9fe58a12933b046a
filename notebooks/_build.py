"""Generate the example notebooks (outputs empty); ``python notebooks/_build.py``.

The notebooks are executed end to end by ``tests/test_notebooks.py`` (nbclient). Edit the cells
here, re-run this script and commit both the script and the ``.ipynb`` files.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

# Shared first code cell: quiet warnings (diagnostics are printed explicitly instead), small fits.
SETUP = """\
import logging
import time
import warnings

warnings.filterwarnings("ignore")                  # diagnostics are printed explicitly below
logging.getLogger("pymc").setLevel(logging.ERROR)

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import bayes_mmm as bm

%matplotlib inline
pd.set_option("display.precision", 3)
pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 20)

# Short runs keep the notebook quick (about a minute); use chains=4, draws=1000, tune=1000 for real work.
FIT = dict(chains=2, draws=400, tune=500, seed=1, progress=False)"""

DIAGNOSE = """\
def show_diagnostics(fit):
    \"\"\"Print the sampler health summary: divergences, worst R-hat and ESS, and the package's advice.\"\"\"
    diag = fit.diagnostics()
    params = diag.dropna(subset=["r_hat"])
    print(f"divergences: {diag.attrs['divergences']}, min BFMI: {diag.attrs['min_bfmi']:.2f}")
    print(f"max R-hat: {params['r_hat'].max():.3f}, min bulk ESS: {params['ess_bulk'].min():.0f}, "
          f"min tail ESS: {params['ess_tail'].min():.0f}  (short demo run: ESS < 400 is expected)")
    print("advice:", *(diag.attrs["advice"] or ["none"]), sep="\\n- ")
    return diag"""


def md(text: str):
    return new_markdown_cell(dedent(text).strip())


def code(text: str):
    return new_code_cell(dedent(text).strip())


# --------------------------------------------------------------------------------------------- 01
QUICKSTART = [
    md("""
    # 01 · Quickstart: simulate → fit → check → ROI → save

    The whole workflow on simulated data, where the true ROI of every channel is known, so you can
    see how close the model gets:

    1. simulate two years of weekly sales with three media channels,
    2. fit the default Bayesian MMM (geometric adstock + Hill saturation) with NUTS,
    3. check the sampler diagnostics and the in-sample fit,
    4. compare the ROI credible intervals with the truth,
    5. plot actual vs fitted, the decomposition and the curves, write an HTML report and save / load
       the model.
    """),
    code(SETUP),
    code(DIAGNOSE),
    md("""
    ## 1. Data with known truth

    `bm.simulate` returns a tidy DataFrame (`.frame`), the same data validated as `bm.MMMData`
    (`.data`) and the ground truth (`.true_params`, `.true_roi()`).
    """),
    code("""
    sim = bm.simulate(104, 3, seed=1)
    sim.frame.head()
    """),
    code("""
    sim.data.summary()
    """),
    md("""
    With your own data you would build the same object with

    ```python
    data = bm.MMMData.from_frame(df, date="date", target="sales",
                                 channels=["tv_spend", "search_spend", "social_spend"],
                                 controls=["price_index", "promo"])
    ```
    """),
    md("""
    ## 2. Fit

    `bm.MMM()` is the default spec: geometric adstock (up to 8 weeks of carryover), Hill
    saturation, a trend, yearly seasonality and a weakly informative ROI prior. `fit` runs NUTS
    (nutpie) and returns an immutable `MMMFit`.
    """),
    code("""
    model = bm.MMM()
    start = time.perf_counter()
    fit = model.fit(sim.data, **FIT)
    print(f"fitted in {time.perf_counter() - start:.0f} s")
    fit
    """),
    md("""
    ## 3. Diagnostics

    Check these before reading any result: no divergences, R-hat ≤ 1.01, enough effective samples.
    `fit.diagnostics()` has one row per parameter; `.attrs["advice"]` says what to do when
    something is off.
    """),
    code("""
    diag = show_diagnostics(fit)
    diag.sort_values("r_hat", ascending=False).head(8)
    """),
    code("""
    fit.fit_metrics()
    """),
    md("""
    ## 4. ROI vs the truth

    ROI = incremental sales caused by the channel's spend ÷ that spend, with a 90% credible
    interval. Because this is simulated data we can check whether each interval covers the true ROI.
    """),
    code("""
    roi = fit.roi(level=0.9).merge(sim.true_roi(), on="channel")
    roi["covered"] = roi["true_roi"].between(roi["lower"], roi["upper"])
    roi[["channel", "true_roi", "median", "lower", "upper", "covered", "spend", "contribution"]]
    """),
    code("""
    ax = fit.plot.roi().axes[0]
    ax.scatter(roi["true_roi"], range(len(roi)), marker="x", color="C3", zorder=3, label="true ROI")
    ax.legend()
    plt.show()
    """),
    md("""
    Marginal ROI (the return on the *next* unit of spend, +1%) is lower than the average ROI when a
    channel is saturating: that is the number that matters for budget changes.
    """),
    code("""
    fit.mroi()
    """),
    md("## 5. Actual vs fitted"),
    code("""
    fig = fit.plot.fit_over_time()
    plt.show()
    """),
    md("""
    Decomposition: how much of each week's sales each component explains (posterior means).
    """),
    code("""
    fig = fit.plot.decomposition()
    plt.show()
    contrib = fit.contributions().pivot(index="date", columns="component", values="mean")
    media = list(sim.data.channels)
    (contrib[media].sum() / sim.data.target.sum()).rename("share of sales").to_frame().T
    """),
    md("""
    ## 6. Curves: diminishing returns and carryover

    Response curves: incremental sales if the whole period's spend were scaled from 0 to 2x, with
    a 90% band; the dashed line is the current spend. Adstock: the share of a week's effect that
    lands 0, 1, 2, ... weeks later.
    """),
    code("""
    fig = fit.plot.response_curves()
    plt.show()
    fig = fit.plot.adstock_decay()
    plt.show()
    """),
    md("""
    Every plot is a method of `fit.plot` and returns a matplotlib figure: `fit_over_time`,
    `decomposition`, `contribution_share`, `roi`, `response_curves`, `adstock_decay`,
    `prior_vs_posterior`, `regional_roi` (regional data), `inputs` (spend and correlations) and
    `optimizer(result)`.
    """),
    md("""
    ## 7. Report, save and load

    `fit.report(path)` writes one self-contained HTML file (plots inlined) to mail or archive. A
    fitted model saves to a single netCDF file (no pickle) and loads back with `bm.load`.
    """),
    code("""
    import tempfile
    from pathlib import Path

    out_dir = Path(tempfile.mkdtemp(prefix="bayes_mmm_quickstart_"))
    report_path = fit.report(out_dir / "report.html")
    print(f"report written to {report_path} ({report_path.stat().st_size / 1e6:.1f} MB, open it in a browser)")
    """),
    code("""
    path = out_dir / "model.nc"
    fit.save(path)
    loaded = bm.load(path)
    print(loaded)
    pd.testing.assert_frame_equal(loaded.roi(), fit.roi())
    print(f"saved to {path} ({path.stat().st_size / 1e6:.1f} MB); the loaded model gives the same ROI table")
    """),
]

# --------------------------------------------------------------------------------------------- 02
CLASSROOM = [
    md("""
    # 02 · Classroom example: a channel that hurts sales

    We build two years of weekly data by hand, with coefficients we choose, so every number the
    models report can be checked against the truth:

    | driver | how it works | true effect |
    |---|---|---|
    | TV | spend with carryover (geometric adstock, decay 0.5) | +1.6 sales per £ |
    | radio | spend, same-week effect | +2.2 sales per £ |
    | **cold calling** | spend, same-week effect — annoys customers | **−1.2 sales per £** |
    | festival | binary: festival weeks | +9,000 per week |
    | offer | binary: a price offer is running | +5,000 per week |

    Effects are linear (no saturation) so that the true ROI of a channel is exactly its
    coefficient. We then fit a plain linear regression (OLS, standard errors by hand) and the
    Bayesian MMM, which is told that cold calling *may* have a negative effect
    (`harmful=("cold_calling",)`).
    """),
    code(SETUP),
    code(DIAGNOSE),
    md("## 1. Build the data"),
    code("""
    rng = np.random.default_rng(42)
    n = 104
    dates = pd.date_range("2022-01-03", periods=n, freq="W-MON")
    week = np.arange(n)

    # spend: a level, a seasonal flighting pattern and noise; TV is off ~20% of weeks
    tv = 10_000 * (1 + 0.3 * np.sin(2 * np.pi * week / 52)) * rng.lognormal(0, 0.4, n) * (rng.uniform(size=n) > 0.2)
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

    sales = (BASELINE + TRUE["tv"] * tv_adstocked + TRUE["radio"] * radio + TRUE["cold_calling"] * cold_calling
             + TRUE["festival"] * festival + TRUE["offer"] * offer + rng.normal(0, NOISE_SD, n))
    df = pd.DataFrame({"date": dates, "sales": sales, "tv": tv, "radio": radio, "cold_calling": cold_calling,
                       "festival": festival, "offer": offer})
    df.describe().T[["mean", "std", "min", "max"]]
    """),
    code("""
    fig, axes = plt.subplots(2, 1, figsize=(10, 5), sharex=True)
    axes[0].plot(df["date"], df["sales"], color="k")
    axes[0].set_ylabel("sales")
    df.set_index("date")[["tv", "radio", "cold_calling"]].plot(ax=axes[1])
    axes[1].set_ylabel("spend (£)")
    plt.show()
    """),
    md("""
    ## 2. Ordinary least squares, by hand

    $\\hat\\beta = (X^\\top X)^{-1} X^\\top y$, residual variance $s^2 = \\lVert y - X\\hat\\beta\\rVert^2 / (n - p)$,
    standard errors $\\sqrt{\\operatorname{diag}(s^2 (X^\\top X)^{-1})}$.
    """),
    code("""
    def ols(y, X, names):
        \"\"\"OLS with classical standard errors and 95% intervals (normal approximation).\"\"\"
        XtX_inv = np.linalg.inv(X.T @ X)
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ beta
        s2 = resid @ resid / (len(y) - X.shape[1])
        se = np.sqrt(np.diag(s2 * XtX_inv))
        table = pd.DataFrame({"estimate": beta, "se": se, "t": beta / se,
                              "lower_95": beta - 1.96 * se, "upper_95": beta + 1.96 * se}, index=names)
        r2 = 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))
        return table, r2

    regressors = ["tv", "radio", "cold_calling", "festival", "offer"]
    X = np.column_stack([np.ones(n), df[regressors].to_numpy()])
    ols_table, ols_r2 = ols(df["sales"].to_numpy(), X, ["intercept", *regressors])
    ols_table["truth"] = [BASELINE, *(TRUE[k] for k in regressors)]
    print(f"OLS R² = {ols_r2:.3f}")
    ols_table
    """),
    md("""
    OLS recovers the same-week effects (radio, cold calling, festival, offer) well. Its TV
    coefficient only counts the *same week's* effect of TV: the carryover into later weeks is
    missed unless we model it — which is what adstock does.
    """),
    md("""
    ## 3. The Bayesian MMM

    The data has no trend or yearly seasonality, so we switch those off, and we know radio and
    cold calling act within the week, so they get no adstock (`ChannelSpec(adstock="none")`).
    `harmful=("cold_calling",)` gives cold calling a prior centred on zero that allows either
    sign; the other channels get the default positive ROI prior. `festival` and `offer` are
    controls.
    """),
    code("""
    data = bm.MMMData.from_frame(df, date="date", target="sales", channels=["tv", "radio", "cold_calling"],
                                 controls=["festival", "offer"])
    same_week = bm.ChannelSpec(adstock="none")
    model = bm.MMM(harmful=("cold_calling",), seasonality=0, trend=False,
                   channels={"radio": same_week, "cold_calling": same_week})
    start = time.perf_counter()
    fit = model.fit(data, **FIT)
    print(f"fitted in {time.perf_counter() - start:.0f} s")
    diag = show_diagnostics(fit)
    fit.fit_metrics()
    """),
    code("""
    roi = fit.roi(level=0.9)
    roi["truth"] = roi["channel"].map(TRUE)
    roi["ols"] = roi["channel"].map(ols_table["estimate"])
    roi[["channel", "truth", "ols", "median", "lower", "upper", "contribution"]]
    """),
    md("""
    **The harmful channel.** Cold calling's whole 90% ROI interval lies below zero: the model is
    confident that every £ spent on it *loses* sales. (The next cell fails if that ever stops
    being true.)
    """),
    code("""
    cold = roi.set_index("channel").loc["cold_calling"]
    print(f"cold calling ROI: {cold['median']:.2f} (90% interval {cold['lower']:.2f} to {cold['upper']:.2f}); "
          f"truth {TRUE['cold_calling']}")
    assert cold["upper"] < 0, "the harmful channel's ROI interval should lie below zero"
    assert cold["lower"] < TRUE["cold_calling"] < cold["upper"] + 0.5
    """),
    code("""
    fig, ax = plt.subplots(figsize=(7, 2.8))
    y = np.arange(len(roi))
    ax.errorbar(roi["median"], y, xerr=[roi["median"] - roi["lower"], roi["upper"] - roi["median"]],
                fmt="o", capsize=3, label="MMM median, 90% interval")
    ax.scatter(roi["ols"], y + 0.15, marker="s", color="C2", label="OLS coefficient")
    ax.scatter(roi["truth"], y - 0.15, marker="x", color="C3", s=60, label="truth")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, roi["channel"])
    ax.set_xlabel("sales per £ spent")
    ax.legend(fontsize=8, loc="lower right")
    plt.show()
    """),
    md("""
    The controls' effects, in sales per week, from the decomposition (the weeks where the control
    is on):
    """),
    code("""
    contrib = fit.contributions().pivot(index="date", columns="component", values="mean")
    pd.DataFrame({"truth": [TRUE["festival"], TRUE["offer"]],
                  "mmm": [contrib.loc[festival == 1, "festival"].mean() - contrib.loc[festival == 0, "festival"].mean(),
                          contrib.loc[offer == 1, "offer"].mean() - contrib.loc[offer == 0, "offer"].mean()],
                  "ols": ols_table.loc[["festival", "offer"], "estimate"].to_numpy()},
                 index=["festival", "offer"])
    """),
    md("""
    ## 4. Budget advice

    Keep the total budget for the next 13 weeks fixed and let each channel move by at most ±30%.
    The optimiser uses every posterior draw; money should flow out of cold calling.
    """),
    code("""
    result = fit.optimize_budget(relative_bounds=0.3)
    print(result)
    result.table
    """),
    code("""
    change = result.table.set_index("channel")["change_pct"]
    print(f"cold calling: {change['cold_calling']:+.0f}% of its current budget")
    assert change["cold_calling"] < -20, "the optimiser should cut cold calling"
    """),
    md("And what if cold calling stopped altogether (everything else unchanged)?"),
    code("""
    stop = fit.scenario(total_change=-1.0, channels=["cold_calling"])
    print(stop.summary())
    """),
]

# --------------------------------------------------------------------------------------------- 03
ADVERTISING = [
    md("""
    # 03 · The Advertising data: OLS vs a Bayesian model with saturation

    The classic *Advertising* data set (James, Witten, Hastie & Tibshirani, *An Introduction to
    Statistical Learning*): sales (thousands of units) and TV, radio and newspaper budgets
    (thousands of dollars) in 200 markets.

    This is **cross-sectional** data — 200 markets, not 200 weeks — so there is no carryover and no
    seasonality or trend. We therefore use `bm.MMM(adstock="none", l_max=1, seasonality=0,
    trend=False)`: only the saturation curve and the effect size remain. `MMMData` expects a
    regular calendar, so we give the markets **fake consecutive weekly dates**; with adstock, trend
    and seasonality switched off the dates play no role in the model.

    The data is read from the shared data folder next to the repository (it is not copied into it).
    """),
    code(SETUP),
    code(DIAGNOSE),
    code("""
    from pathlib import Path

    from scipy import stats

    root = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").exists())
    DATA = root.parent / "shared" / "data" / "advertising.csv"
    ads = pd.read_csv(DATA)
    print(DATA, ads.shape)
    ads.describe().T[["mean", "std", "min", "max"]]
    """),
    code("""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
    for ax, col in zip(axes, ["TV", "radio", "newspaper"]):
        ax.scatter(ads[col], ads["sales"], s=10, alpha=0.6)
        ax.set_xlabel(f"{col} budget ($k)")
    axes[0].set_ylabel("sales (k units)")
    plt.show()
    """),
    md("""
    ## 1. OLS: coefficients, p-values, adjusted R²

    $\\hat\\beta = (X^\\top X)^{-1}X^\\top y$; $t_j = \\hat\\beta_j / \\operatorname{se}_j$ has a
    $t_{n-p}$ distribution under the null of no effect, so the two-sided p-value is
    $2\\,(1 - F_{t,n-p}(|t_j|))$; adjusted $R^2 = 1 - (1-R^2)\\,(n-1)/(n-p)$.
    """),
    code("""
    channels = ["TV", "radio", "newspaper"]
    y = ads["sales"].to_numpy()
    X = np.column_stack([np.ones(len(ads)), ads[channels].to_numpy()])
    n, p = X.shape
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    s2 = resid @ resid / (n - p)
    se = np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ X)))
    t = beta / se
    ols = pd.DataFrame({"coef": beta, "se": se, "t": t, "p_value": 2 * stats.t.sf(np.abs(t), df=n - p)},
                       index=["intercept", *channels])
    r2 = 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))
    adj_r2 = 1 - (1 - r2) * (n - 1) / (n - p)
    print(f"R² = {r2:.3f}, adjusted R² = {adj_r2:.3f}, residual se = {np.sqrt(s2):.3f}")
    ols.round(4)
    """),
    code("""
    # the textbook values
    np.testing.assert_allclose(ols["coef"], [2.939, 0.0458, 0.1885, -0.0010], atol=6e-4)
    assert ols.loc["newspaper", "p_value"] > 0.5 and ols.loc[["TV", "radio"], "p_value"].max() < 1e-10
    """),
    md("""
    OLS says: TV and radio matter, newspaper does not (p ≈ 0.86). Its residuals, though, are not
    well behaved (see section 4): a straight line misses the diminishing returns of TV.

    ## 2. Bayesian model with saturation
    """),
    code("""
    df = ads.assign(date=pd.date_range("2020-01-06", periods=len(ads), freq="W-MON"))   # fake calendar
    data = bm.MMMData.from_frame(df, date="date", target="sales", channels=channels)
    model = bm.MMM(adstock="none", l_max=1, seasonality=0, trend=False)
    start = time.perf_counter()
    fit = model.fit(data, **FIT)
    print(f"fitted in {time.perf_counter() - start:.0f} s")
    diag = show_diagnostics(fit)
    fit.fit_metrics()
    """),
    md("""
    `fit.roi()` is the *average* return (sales per $ of budget, all markets together);
    `fit.mroi()` is the *marginal* return of one more $ — the quantity comparable with an OLS slope.
    Units here: thousand units of sales per thousand dollars.
    """),
    code("""
    roi = fit.roi(level=0.9).set_index("channel")
    mroi = fit.mroi(level=0.9).set_index("channel")
    comparison = pd.DataFrame({"ols_coef": ols.loc[channels, "coef"], "ols_p": ols.loc[channels, "p_value"],
                               "roi_median": roi["median"], "roi_lower": roi["lower"], "roi_upper": roi["upper"],
                               "mroi_median": mroi["median"], "mroi_lower": mroi["lower"], "mroi_upper": mroi["upper"]})
    comparison.round(4)
    """),
    md("""
    Newspaper's effect is near zero and its interval shows it: it lies entirely below the lower
    bounds of TV and radio. (The default ROI prior is positive — advertising rarely *reduces*
    sales — so the interval sits just above zero instead of straddling it as the OLS interval does.)
    """),
    code("""
    news = roi.loc["newspaper"]
    print(f"newspaper ROI {news['median']:.4f} (90% interval {news['lower']:.4f} to {news['upper']:.4f})")
    assert news["upper"] < 0.03, "newspaper's ROI interval should be narrow around zero"
    assert news["upper"] < min(roi.loc["TV", "lower"], roi.loc["radio", "lower"])
    """),
    code("""
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
    """),
    md("""
    ## 3. Predicted vs actual
    """),
    code("""
    pred = fit.predict()
    ols_fitted = X @ beta
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharex=True, sharey=True)
    for ax, fitted, title in [(axes[0], ols_fitted, f"OLS (R² {r2:.3f})"),
                              (axes[1], pred["mean"].to_numpy(), f"Bayesian (R² {fit.fit_metrics()['r2'].iloc[0]:.3f})")]:
        ax.scatter(fitted, y, s=10, alpha=0.6)
        ax.plot([0, 28], [0, 28], color="grey", lw=0.8)
        ax.set_title(title)
        ax.set_xlabel("predicted sales")
    axes[0].set_ylabel("actual sales")
    plt.show()
    """),
    md("""
    ## 4. Residual checks

    Residuals vs fitted should show no pattern, and their histogram should look roughly normal.
    OLS leaves a clear curve (over-predicting at both ends, the signature of the missing
    diminishing returns and the TV x radio interaction); saturation removes part of it.
    """),
    code("""
    bayes_resid = y - pred["mean"].to_numpy()
    fig, axes = plt.subplots(2, 2, figsize=(10, 6))
    for row, (fitted, res, name) in enumerate([(ols_fitted, resid, "OLS"), (pred["mean"].to_numpy(), bayes_resid, "Bayesian")]):
        axes[row, 0].scatter(fitted, res, s=10, alpha=0.6)
        axes[row, 0].axhline(0, color="grey", lw=0.8)
        axes[row, 0].set_title(f"{name}: residual vs fitted")
        axes[row, 1].hist(res, bins=25)
        axes[row, 1].set_title(f"{name}: residuals (sd {res.std():.2f}, skew {stats.skew(res):.2f})")
    fig.tight_layout()
    plt.show()
    """),
    code("""
    pd.DataFrame({"rmse": [np.sqrt(np.mean(resid**2)), np.sqrt(np.mean(bayes_resid**2))],
                  "skew": [stats.skew(resid), stats.skew(bayes_resid)],
                  "shapiro_p": [stats.shapiro(resid).pvalue, stats.shapiro(bayes_resid).pvalue]},
                 index=["OLS", "Bayesian"])
    """),
]

# --------------------------------------------------------------------------------------------- 04
REGIONS = [
    md("""
    # 04 · Regions and impressions

    Four regions, three channels, two years of weekly data. The media transforms work on
    **impressions** (what people saw) while ROI stays on **spend** (what was paid): the cost per
    impression changes week by week, so spend is a noisy measure of exposure.

    `pooling="partial"` lets each region have its own effect, shrunk towards the national one:
    a region with little information borrows strength from the others.
    """),
    code(SETUP),
    code(DIAGNOSE),
    code("""
    sim = bm.simulate(104, 3, geos=4, impressions=True, seed=4)
    sim.frame.head()
    """),
    md("""
    `sim.data` was built with `media=` mapping each spend column to its impression column. With
    your own data:

    ```python
    data = bm.MMMData.from_frame(df, date="date", target="sales", geo="geo",
                                 channels=["tv_spend", "search_spend", "social_spend"],
                                 media={"tv_spend": "tv_impressions", "search_spend": "search_impressions",
                                        "social_spend": "social_impressions"},
                                 controls=["price_index", "promo"])
    ```
    """),
    code("""
    frame = sim.frame
    data = bm.MMMData.from_frame(frame, date="date", target="sales", geo="geo",
                                 channels=[f"{c}_spend" for c in ["tv", "search", "social"]],
                                 media={f"{c}_spend": f"{c}_impressions" for c in ["tv", "search", "social"]},
                                 controls=["price_index", "promo"])
    print(data.geos, data.channels, data.media_names)
    data.summary()
    """),
    md("## Fit with partial pooling"),
    code("""
    model = bm.MMM(pooling="partial")
    start = time.perf_counter()
    fit = model.fit(data, **FIT)
    print(f"fitted in {time.perf_counter() - start:.0f} s")
    diag = show_diagnostics(fit)
    fit.fit_metrics()
    """),
    code("""
    fig, axes = plt.subplots(2, 2, figsize=(12, 6), sharex=True)
    for ax, geo in zip(axes.flat, data.geos):
        fit.plot.fit_over_time(geo=geo, ax=ax)
        ax.get_legend().remove()
    plt.show()
    """),
    md("""
    ## ROI per region vs the truth

    `fit.roi(by_geo=True)` gives the national ROI of each channel and one row per region.
    """),
    code("""
    truth = sim.true_roi(by_geo=True)
    truth["geo"] = truth["geo"].fillna("national")
    roi = fit.roi(by_geo=True).merge(truth, on=["channel", "geo"])
    roi["covered"] = roi["true_roi"].between(roi["lower"], roi["upper"])
    print(f"{roi['covered'].mean():.0%} of the 90% intervals cover the true ROI")  # expect some misses, see below
    roi[["channel", "geo", "true_roi", "median", "lower", "upper", "covered", "spend"]]
    """),
    code("""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.2), sharey=True)
    for ax, (ch, part) in zip(axes, roi.groupby("channel", sort=False)):
        x = np.arange(len(part))
        ax.errorbar(x, part["median"], yerr=[part["median"] - part["lower"], part["upper"] - part["median"]],
                    fmt="o", capsize=3, label="posterior median, 90%")
        ax.scatter(x, part["true_roi"], marker="x", color="C3", zorder=3, label="truth")
        ax.set_xticks(x, part["geo"], rotation=30)
        ax.set_title(ch)
    axes[0].set_ylabel("ROI")
    axes[0].legend(fontsize=8)
    plt.show()
    """),
    md("""
    The same as small multiples, one panel per channel, with the national ROI as a dashed line:
    """),
    code("""
    fig = fit.plot.regional_roi()
    plt.show()
    """),
    md("""
    Expect some misses: a 90% interval misses the truth one time in ten, and misses come in groups
    because the regions of a channel share its national effect (if the national ROI is
    overestimated, so are most regional ones). Longer runs and more data tighten all of them.

    ## What if the budget grew by 10%?

    `fit.scenario(total_change=0.10)` scales the last 13 weeks' spend of every channel (in every
    region) by 1.1, keeps the weekly pattern, and reports the change in sales over the posterior.
    """),
    code("""
    plus10 = fit.scenario(total_change=0.10)
    print(plus10.summary())
    plus10.table
    """),
    md("""
    ## An optimised allocation

    Same total as now, each channel x region within ±30% of its current spend.
    """),
    code("""
    best = fit.optimize_budget(relative_bounds=0.3)
    print(best)
    print(f"uplift {best.uplift['mean']:+,.0f} sales (90% interval {best.uplift['lower']:+,.0f} to "
          f"{best.uplift['upper']:+,.0f}); P(better than now) = {best.prob_better:.2f}")
    best.table
    """),
    code("""
    fig = fit.plot.optimizer(best)      # current vs optimal spend per channel
    plt.show()
    fig = best.plot()                   # response curves with the current and the optimal spend
    plt.show()
    """),
    md("""
    The HTML report can carry the optimisation too: `fit.report("report.html", optimization=best)`.
    """),
]

# --------------------------------------------------------------------------------------------- 05
PRIORS = [
    md("""
    # 05 · Priors in business units and lift tests

    With one year of data some channels cannot be told apart from the baseline. Two kinds of
    outside knowledge help:

    * **benchmark priors**: "TV usually returns between 0.4 and 3 per £" — `bm.ROIPrior(median, (lo, hi))`,
    * **lift tests**: an experiment (here a go-dark test: social switched off for 10 weeks) that
      measured the incremental sales directly.

    We check what the priors imply *before* fitting, then compare the posterior with and without
    the lift test, and see which channels the data alone could not inform (`prior_dominated`).
    """),
    code(SETUP),
    code(DIAGNOSE),
    code("""
    # 52 weeks; social's spend barely changes week to week, so the data cannot pin its effect down
    sim = bm.simulate(52, 3, seed=8, roi=[1.0, 2.0, 3.0], flat_channels=["social"], noise=0.04)
    data = sim.data
    truth = sim.true_roi().set_index("channel")["true_roi"]
    fig, ax = plt.subplots(figsize=(10, 3))
    sim.frame.set_index("date")[list(data.channels)].plot(ax=ax, title="weekly spend")
    plt.show()
    truth
    """),
    md("""
    ## 1. Benchmark priors, checked before fitting

    Industry benchmarks for TV and search (not the truth: within ±30% of it here). Social gets the
    package's default, weakly informative prior. `model.prior_roi(data)` draws from the priors and
    reports the ROI and the share of sales they imply — before any sampling.
    """),
    code("""
    benchmarks = {"tv_spend": bm.ROIPrior(1.2, (0.4, 3.0)), "search_spend": bm.ROIPrior(1.6, (0.6, 4.0))}
    model = bm.MMM(seasonality=1, channels={ch: bm.ChannelSpec(effect=prior) for ch, prior in benchmarks.items()})
    prior_table = model.prior_roi(data, draws=1000, seed=1)
    prior_table
    """),
    md("""
    ## 2. A go-dark lift test

    Social was switched off in weeks 20–29 in a (simulated) experiment. The measured lift is the
    sales lost over the window and its carryover — here computed from the simulation's true
    parameters with the same counterfactual engine the model uses, plus measurement noise with a
    10% standard error.

    Lift-test rows: `channel, start, end, spend_change` (per week, negative = less spend),
    `lift` (incremental sales over the window, negative for a go-dark test) and `lift_se`.
    """),
    code("""
    channel, weeks = "social_spend", slice(20, 30)
    c = data.channels.index(channel)
    spend = data.spend[:, 0, c]
    spend_change = -2 * float(spend[weeks].max())          # more than the spend: the channel goes dark

    # counterfactual exposure: spend (= exposure here, no impressions) set to max(spend + change, 0) in the window
    multiplier = np.ones_like(data.spend[..., c])
    multiplier[weeks, 0] = np.maximum(spend[weeks] + spend_change, 0) / spend[weeks]
    true_lift = float(sim.engine().incremental(c, multiplier, money=False).sum())

    rng = np.random.default_rng(0)
    lift_se = 0.1 * abs(true_lift)
    lift_tests = pd.DataFrame([{"channel": channel, "start": data.dates[weeks.start], "end": data.dates[weeks.stop - 1],
                                "spend_change": spend_change, "lift": true_lift + rng.normal(0, lift_se),
                                "lift_se": lift_se}])
    print(f"true lift {true_lift:,.0f} sales; spend withheld {spend[weeks].sum():,.0f}")
    lift_tests
    """),
    md("## 3. Fit without and with the lift test"),
    code("""
    FIT.update(draws=300, tune=400)      # two fits in this notebook: keep each one short
    start = time.perf_counter()
    fit = model.fit(data, **FIT)
    print(f"without lift test: fitted in {time.perf_counter() - start:.0f} s")
    diag = show_diagnostics(fit)
    """),
    code("""
    start = time.perf_counter()
    calibrated = model.fit(data, lift_tests=lift_tests, **FIT)
    print(f"with lift test: fitted in {time.perf_counter() - start:.0f} s")
    diag_cal = show_diagnostics(calibrated)
    """),
    md("""
    ## 4. Prior vs posterior

    `fit.roi()` carries the prior interval of every channel (`prior_lower`, `prior_upper`) and the
    ratio of posterior to prior width. A ratio above 0.8 flags a channel as **prior-dominated**:
    its ROI comes mostly from the prior, not the data.
    """),
    code("""
    cols = ["channel", "median", "lower", "upper", "prior_lower", "prior_upper", "width_ratio", "prior_dominated"]
    both = pd.concat({"without lift test": fit.roi()[cols], "with lift test": calibrated.roi()[cols]}, names=["fit"])
    both["truth"] = both["channel"].map(truth)
    both
    """),
    code("""
    fit.prior_dominated()
    """),
    code("""
    fig = fit.plot.prior_vs_posterior()          # prior-dominated channels are highlighted
    plt.show()
    """),
    code("""
    fig, ax = plt.subplots(figsize=(8, 3.2))
    for k, (name, f) in enumerate([("prior", None), ("posterior", fit), ("posterior + lift test", calibrated)]):
        table = (fit.roi() if f is None else f.roi()).set_index("channel")
        lo, hi = (table["prior_lower"], table["prior_upper"]) if f is None else (table["lower"], table["upper"])
        y = np.arange(len(table)) + (k - 1) * 0.22
        ax.hlines(y, lo, hi, color=f"C{k}", lw=3, label=name)
    ax.scatter(truth.to_numpy(), np.arange(len(truth)), marker="x", color="k", s=60, zorder=3, label="truth")
    ax.set_yticks(np.arange(len(truth)), truth.index)
    ax.set_xlabel("ROI (90% interval)")
    ax.legend(fontsize=8)
    plt.show()
    """),
    code("""
    before = fit.roi().set_index("channel").loc[channel]
    after = calibrated.roi().set_index("channel").loc[channel]
    print(f"social ROI without lift test: {before['median']:.2f} [{before['lower']:.2f}, {before['upper']:.2f}]")
    print(f"social ROI with lift test:    {after['median']:.2f} [{after['lower']:.2f}, {after['upper']:.2f}]")
    print(f"truth: {truth[channel]:.2f}")
    assert after["upper"] - after["lower"] < before["upper"] - before["lower"], "the lift test should narrow the interval"
    """),
    md("""
    The lift test turns social from a channel the model could only guess at into one it can
    measure. In practice: run experiments on the channels `prior_dominated()` flags.
    """),
]

NOTEBOOKS = {
    "01_quickstart": QUICKSTART,
    "02_classroom_synthetic": CLASSROOM,
    "03_advertising": ADVERTISING,
    "04_regions_impressions": REGIONS,
    "05_priors_and_lift_tests": PRIORS,
}


def build(directory: Path = HERE) -> list[Path]:
    paths = []
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(
            cells=cells,
            metadata={
                "kernelspec": {
                    "name": "python3",
                    "display_name": "Python 3 (ipykernel)",
                    "language": "python",
                },
                "language_info": {"name": "python"},
            },
        )
        for i, cell in enumerate(nb.cells):  # stable ids: rebuilding gives identical files
            cell["id"] = f"{name[:2]}-{i:02d}"
        nbformat.validate(nb)
        path = directory / f"{name}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for path in build():
        print("wrote", path.relative_to(HERE.parent))
