"""Data-generating processes the model does NOT share, for the misspecification study.

Each ``make_<scenario>(rng)`` returns a :class:`Dataset`: a weekly frame (date, sales, one
``<name>_spend`` column per channel, controls) and the true ROI of each channel, computed the way
``fit.roi()`` defines it: (outcome with all media - outcome with the channel's spend set to zero,
summed over the data window) / the channel's spend in that window. Pure numpy: nothing here uses
the package's transforms, so the generator is independent of the model being scored.

The default model is additive (baseline + sum of Hill(geometric adstock) effects, l_max = 8),
Normal noise, spend as the media variable. Each scenario breaks it in a stated way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

WEEKS = 104


@dataclass
class Dataset:
    frame: pd.DataFrame
    channels: list[str]  # spend columns given to the model
    controls: list[str]
    true_roi: dict[str, float]
    setting: dict = field(default_factory=dict)


def _kernel_gamma(peak: float, spread: float, length: int) -> np.ndarray:
    """Carryover weights over ``length`` lags with their mode at ``peak`` (gamma-shaped),
    summing to 1."""
    lags = np.arange(length, dtype=float) + 0.5
    shape = 1 + peak / spread
    w = lags ** (shape - 1) * np.exp(-lags / spread)
    return w / w.sum()


def _carry(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Causal convolution along axis 0 of ``x`` (time, channel) with per-channel ``weights``
    (lag, channel)."""
    out = np.zeros_like(x, dtype=float)
    for lag in range(weights.shape[0]):
        out[lag:] += weights[lag] * x[: len(x) - lag]
    return out


def _hill(x: np.ndarray, half: np.ndarray, slope: np.ndarray) -> np.ndarray:
    return x**slope / (x**slope + half**slope)


def _flighted_spend(rng, n: int, n_ch: int, corr: float = 0.0) -> np.ndarray:
    """Weekly spend (time, channel): a yearly pattern x log-normal noise, off-weeks for half
    the channels; with ``corr`` > 0 a shared campaign factor drives every channel's log spend
    (pairwise correlation of log spends about ``corr``)."""
    level = 10_000 * rng.uniform(0.5, 4.0, n_ch)
    t = np.arange(n)
    pattern = 1 + 0.3 * np.sin(2 * np.pi * (t[:, None] / 52.18 + rng.uniform(0, 1, n_ch)))
    shared = rng.standard_normal((n, 1))
    own = rng.standard_normal((n, n_ch))
    z = np.sqrt(corr) * shared + np.sqrt(1 - corr) * own
    spend = level * pattern * np.exp(0.45 * z)
    off = (rng.uniform(size=(n, n_ch)) < 0.2) & (np.arange(n_ch) % 2 == 0)
    return np.where(off, 0.0, spend)


def _baseline(rng, n: int) -> tuple[np.ndarray, dict]:
    """Relative baseline (mean about 1): seasonality + trend + price + promotion."""
    t = np.arange(n)
    season = 0.08 * np.sin(2 * np.pi * t / 52.18 + rng.uniform(0, 6.3)) + 0.04 * np.cos(
        4 * np.pi * t / 52.18 + rng.uniform(0, 6.3)
    )
    trend = rng.normal(0, 0.1) * t / (n - 1)
    price = 100 + np.cumsum(rng.normal(0, 0.5, n))
    promo = (rng.uniform(size=n) < 0.15).astype(float)
    rel = 1 + season + trend - 0.01 * (price - price.mean()) + 0.08 * promo
    return rel, {"price_index": price, "promo": promo}


def _dataset(sales, spend, names, controls, roi, setting) -> Dataset:
    """The weekly frame, its spend columns, controls and true ROI per spend column."""
    columns = [f"{c}_spend" for c in names]
    return Dataset(
        _frame(sales, spend, names, controls),
        columns,
        list(controls),
        dict(zip(columns, roi)),
        setting,
    )


def _frame(sales, spend, names, controls) -> pd.DataFrame:
    frame = pd.DataFrame({"date": pd.date_range("2022-01-03", periods=len(sales), freq="7D")})
    frame["sales"] = sales
    for c, name in enumerate(names):
        frame[f"{name}_spend"] = spend[:, c]
    for k, v in controls.items():
        frame[k] = v
    return frame


def _roi_additive(effects: np.ndarray, spend: np.ndarray) -> np.ndarray:
    return effects.sum(axis=0) / spend.sum(axis=0)


def _additive_sales(rng, spend, kernel, *, half, slope, roi, base, noise):
    """Additive data on ``spend`` (week, channel) with carryover ``kernel`` (lag, channel): Hill
    effects (``half``, ``slope`` uniform ranges) sized to log-uniform true ROIs in ``roi``, on a
    seasonal baseline ``base`` x the mean media effect, Normal noise (a ``noise`` range, fraction
    of mean sales). Returns sales, controls, true ROI and the drawn noise level."""
    n, n_ch = spend.shape
    x = spend / spend[spend > 0].mean()
    sat = _hill(_carry(x, kernel), rng.uniform(*half, n_ch), rng.uniform(*slope, n_ch))
    roi_target = np.exp(rng.uniform(np.log(roi[0]), np.log(roi[1]), n_ch))
    effects = roi_target * spend.sum(0) / sat.sum(0) * sat
    rel, controls = _baseline(rng, n)
    expected = rel * effects.sum(1).mean() * base + effects.sum(1)
    level = rng.uniform(*noise)
    sales = expected + rng.normal(0, level * expected.mean(), n)
    return sales, controls, _roi_additive(effects, spend), level


def make_late_peak(rng) -> Dataset:
    """Carryover peaking 3-5 weeks after spend, spread over a 13-week window.

    Process: 4 channels; per channel a gamma-shaped carryover kernel (mode 3-5 weeks, 13 lags),
    Hill saturation, additive effects on a baseline with seasonality, trend, price and promotion;
    Normal noise 4-8% of mean sales; true ROI log-uniform in 0.2-3.
    Differs from the default model: its geometric adstock peaks at lag 0 and stops at 8 weeks.
    """
    n, names = WEEKS, ["tv", "radio", "print", "ooh"]
    spend = _flighted_spend(rng, n, 4)
    peaks = rng.uniform(3, 5, 4)
    kernel = np.stack([_kernel_gamma(p, 1.2, 13) for p in peaks], axis=1)
    sales, controls, roi, noise = _additive_sales(
        rng,
        spend,
        kernel,
        half=(0.6, 1.4),
        slope=(1.0, 1.8),
        roi=(0.2, 3.0),
        base=2.5,
        noise=(0.04, 0.08),
    )
    setting = {"peaks": peaks.round(2).tolist(), "noise": round(noise, 3)}
    return _dataset(sales, spend, names, controls, roi, setting)


def make_multiplicative_shared(rng) -> Dataset:
    """Multiplicative baseline x media, shared campaign budgets, two weak channels.

    Process: 5 channels whose log spends share a campaign factor (pairwise correlation 0.3-0.7);
    log(sales) = log(baseline) + sum_c b_c Hill(adstock_c(spend_c)) + noise (5-8%), where the
    first channel's carryover peaks 2 weeks after spend and the others decay geometrically
    (rate 0.2-0.6); two channels are weak (true ROI about 0.03-0.6), three strong (about 1-4).
    Differs from the default model: effects multiply the baseline (and each other), noise is
    multiplicative, one carryover is delayed, spends are collinear.
    """
    n, names = WEEKS, ["tv", "search", "social", "display", "video"]
    corr = rng.uniform(0.3, 0.7)
    spend = _flighted_spend(rng, n, 5, corr=corr)
    alphas = rng.uniform(0.2, 0.6, 5)
    kernel = np.stack([alphas[c] ** np.arange(8) for c in range(5)], axis=1)
    kernel[:, 0] = _kernel_gamma(2.0, 1.0, 8)
    kernel = kernel / kernel.sum(0)
    x = spend / spend[spend > 0].mean()
    sat = _hill(_carry(x, kernel), rng.uniform(0.6, 1.4, 5), rng.uniform(1.0, 1.6, 5))
    rel, controls = _baseline(rng, n)
    roi_target = np.concatenate(
        [
            np.exp(rng.uniform(np.log(1.0), np.log(4.0), 3)),
            np.exp(rng.uniform(np.log(0.03), np.log(0.6), 2)),
        ]
    )
    rng.shuffle(roi_target)
    base_level = 12 * spend.sum(1).mean()
    # log-lift b_c chosen so the additive approximation b * base * sat matches the target ROI
    b = roi_target * spend.sum(0) / (base_level * (rel[:, None] * sat).sum(0))
    noise = rng.uniform(0.05, 0.08)
    eps = rng.normal(0, noise, n)

    def outcome(mask: np.ndarray) -> np.ndarray:
        return base_level * rel * np.exp((b * sat * mask).sum(1))

    full = outcome(np.ones(5))
    roi = np.array(
        [(full - outcome(np.arange(5) != c)).sum() / spend[:, c].sum() for c in range(5)]
    )
    sales = full * np.exp(eps - noise**2 / 2)
    setting = {"spend_corr": round(corr, 2), "noise": round(noise, 3)}
    return _dataset(sales, spend, names, controls, roi, setting)


def make_daily_funnel(rng) -> Dataset:
    """Daily carryover through a funnel, impressions at a drifting price, AR(1) noise, an
    omitted channel.

    Process: 4 modelled channels plus one small channel whose spend is not given to the model
    (about 5% of sales). Weekly spend is spread over 7 days; impressions = spend / cost per
    impression, which drifts +-30% (random walk) over the two years; each channel's response is a
    daily geometric carryover (daily decay 0.75-0.95, i.e. 1-5 weeks of memory) of impressions,
    Hill-saturated per day, summed to weeks; noise is AR(1) (rho 0.4-0.7), 4-7% of mean sales.
    Differs from the default model: carryover acts on days (not weeks), effects follow
    impressions (not spend), residuals are autocorrelated, a driver is missing.
    """
    n, names = WEEKS, ["tv", "search", "social", "display"]
    n_all = 5
    weekly = _flighted_spend(rng, n, n_all, corr=0.2)
    weekly[:, 4] *= 0.3
    days = np.repeat(weekly / 7, 7, axis=0) * rng.lognormal(0, 0.2, (7 * n, n_all))
    cpm = np.exp(np.cumsum(rng.normal(0, 0.03, (7 * n, n_all)), axis=0))
    cpm = cpm / cpm.mean(0) * rng.uniform(5, 30, n_all)
    imps = days / cpm
    decay = rng.uniform(0.75, 0.95, n_all)
    kernel = np.stack([(1 - d) * d ** np.arange(70) for d in decay], axis=1)
    x = imps / imps[imps > 0].mean(0)
    sat = _hill(_carry(x, kernel), rng.uniform(0.5, 1.5, n_all), np.ones(n_all))
    sat_weeks = sat.reshape(n, 7, n_all).sum(1)
    roi_target = np.exp(rng.uniform(np.log(0.2), np.log(3.0), n_all))
    beta = roi_target * weekly.sum(0) / sat_weeks.sum(0)
    effects = beta * sat_weeks
    rel, controls = _baseline(rng, n)
    base = rel * effects[:, :4].sum(1).mean() * 2.5
    effects[:, 4] *= 0.05 * base.mean() / effects[:, 4].mean()
    expected = base + effects.sum(1)
    rho, noise = rng.uniform(0.4, 0.7), rng.uniform(0.04, 0.07)
    e = np.zeros(n)
    shocks = rng.normal(0, noise * expected.mean() * np.sqrt(1 - rho**2), n)
    for t in range(n):
        e[t] = (rho * e[t - 1] if t else 0.0) + shocks[t]
    sales = expected + e
    roi = _roi_additive(effects[:, :4], weekly[:, :4])
    setting = {
        "rho": round(rho, 2),
        "noise": round(noise, 3),
        "daily_decay": decay.round(2).tolist(),
    }
    return _dataset(sales, weekly[:, :4], names, controls, roi, setting)


def make_delayed_peak(rng) -> Dataset:
    """The delayed-carryover design of Jin et al. (2017, "Bayesian methods for media mix modeling
    with carryover and shape effects"): carryover weights ``alpha ** ((lag - theta) ** 2)`` over a
    13-week window with the peak ``theta`` 3-5 weeks after spend.

    Process: 3 channels with flighted spend (off-weeks, a yearly pattern); per channel retention
    ``alpha`` 0.6-0.9 and peak 3-5 weeks, Hill saturation (slope 1-2.5), additive effects on a
    baseline with seasonality, trend, price and promotion (media about 40% of sales); Normal noise
    3-6% of mean sales; true ROI log-uniform in 0.5-3. The paper's parameter values are not
    copied: they are drawn from ranges around the stated peak and window.
    Differs from the default model: its geometric adstock peaks at lag 0 and stops at 8 weeks,
    while here almost no response comes in the week of spend.
    """
    n, names = WEEKS, ["tv", "radio", "print"]
    spend = _flighted_spend(rng, n, 3)
    alphas, peaks = rng.uniform(0.6, 0.9, 3), rng.uniform(3, 5, 3)
    lags = np.arange(13, dtype=float)[:, None]
    kernel = alphas ** ((lags - peaks) ** 2)
    kernel = kernel / kernel.sum(0)
    sales, controls, roi, noise = _additive_sales(
        rng,
        spend,
        kernel,
        half=(0.6, 1.2),
        slope=(1.0, 2.5),
        roi=(0.5, 3.0),
        base=1.5,
        noise=(0.03, 0.06),
    )
    setting = {
        "peaks": peaks.round(2).tolist(),
        "alphas": alphas.round(2).tolist(),
        "noise": round(noise, 3),
    }
    return _dataset(sales, spend, names, controls, roi, setting)


SCENARIOS = {
    "late_peak": make_late_peak,
    "multiplicative_shared": make_multiplicative_shared,
    "daily_funnel": make_daily_funnel,
    "delayed_peak": make_delayed_peak,
}

# Seed key of each scenario (dataset i uses default_rng([seed, i, key])). The first three are their
# name lengths, as the first runs used; delayed_peak's name has daily_funnel's length, so it
# gets its own key.
SEED_KEYS = {"late_peak": 9, "multiplicative_shared": 21, "daily_funnel": 12, "delayed_peak": 112}
