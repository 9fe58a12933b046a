"""Simulated MMM data with known parameters; the truth comes from the engine behind fit.roi()."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import SpecError, is_number, message
from bayes_mmm.data.windows import date_mask
from bayes_mmm.inputs import MMMData
from bayes_mmm.model.equations import (
    beta_from_total,
    compute_scales,
    fourier_features,
    media_response,
    pad_periods,
)
from bayes_mmm.model.transforms import ADSTOCKS, SATURATIONS
from bayes_mmm.results.counterfactual import Engine
from bayes_mmm.results.posterior import PosteriorParams
from bayes_mmm.workflow import MMM

DEFAULT_CHANNELS = (
    "tv",
    "search",
    "social",
    "display",
    "radio",
    "print",
    "video",
    "email",
    "ooh",
    "affiliate",
)


@dataclass(frozen=True, eq=False)
class Simulation:
    """A simulated dataset and its ground truth.

    Attributes:
        frame: tidy DataFrame (date, [geo], sales, <channel>_spend, [<channel>_impressions],
            controls).
        data: the same as a validated :class:`MMMData`.
        spec: an MMM spec with the transforms used to simulate.
        params: true parameters as one-draw :class:`PosteriorParams` (for the engine).
        true_params: human-readable truth: per channel alpha, half, slope, roi.
        contributions: true outcome per channel and period, ``(date, geo, channel)``.
    """

    frame: pd.DataFrame
    data: MMMData
    spec: MMM
    params: PosteriorParams
    true_params: pd.DataFrame
    contributions: np.ndarray

    def engine(self) -> Engine:
        return Engine(
            self.spec.resolve(self.data.channels),
            self.spec.l_max,
            compute_scales(self.data),
            self.data.media,
            self.data.spend,
            self.data.value_per_unit,
            self.params,
        )

    def true_roi(self, start=None, end=None, by_geo: bool = False) -> pd.DataFrame:
        """True ROI per channel over a window, by the same counterfactual as ``fit.roi()``."""
        window = date_mask(self.data.dates, start, end)
        engine = self.engine()
        rows = []
        for c, ch in enumerate(self.data.channels):
            inc, spend = engine.roi_draws(c, window)
            rows.append({"channel": ch, "true_roi": float(inc.sum() / spend.sum())})
            if by_geo:
                rows += [
                    {"channel": ch, "geo": g, "true_roi": float(inc[0, i] / spend[i])}
                    for i, g in enumerate(self.data.geos)
                    if spend[i] > 0
                ]
        return pd.DataFrame(rows)


def simulate(
    n_weeks: int = 104,
    channels: Sequence[str] | int = 3,
    *,
    geos: int = 0,
    roi: Sequence[float] | None = None,
    noise: float = 0.05,
    adstock: str = "geometric",
    saturation: str = "hill",
    l_max: int = 8,
    impressions: bool = False,
    harmful: Sequence[str] = (),
    controls: bool = True,
    region_sd: float = 0.25,
    media_share: float = 0.3,
    flat_channels: Sequence[str] = (),
    steady: dict[str, Sequence[str]] | None = None,
    dark_channels: Sequence[str] = (),
    local_channels: dict[str, int] | None = None,
    seed: int = 0,
    start: str = "2022-01-03",
    drift: float = 0.0,
    step: float = 0.0,
) -> Simulation:
    """Simulate weekly sales driven by media with known adstock, saturation and ROI.

    Args:
        n_weeks: number of weeks.
        channels: channel names or a count (named tv, search, social, ...).
        geos: number of regions (0 = national data).
        roi: true ROI per channel over the whole period (default: uniform 0.5-3); negative for
            harmful channels.
        noise: noise sd as a fraction of mean sales.
        adstock: registered adstock name used to simulate.
        saturation: registered saturation name used to simulate.
        l_max: adstock window in weeks.
        impressions: also produce impression columns (cost per impression varies by week).
        harmful: channels whose effect is negative (their roi must be negative).
        controls: add a price index and a binary promotion control.
        region_sd: sd of log regional effect multipliers around the national effect.
        media_share: approximate share of sales driven by media.
        flat_channels: channels given (nearly) constant spend: their effect is hard to identify.
        steady: ``{region name: [channels]}`` whose spend in that region varies only in the first
            6 weeks (little information: partial pooling should pull it toward the national effect).
        dark_channels: channels switched off everywhere for a random run of 8-26 weeks.
        local_channels: ``{channel: number of regions}``: channels bought only in that many
            (randomly chosen) regions, zero spend elsewhere. These two options draw from their own
            random stream, so leaving them out gives exactly the data of earlier versions.
        seed: random seed (same seed, same data).
        drift: weekly sd of a random-walk baseline level, as a fraction of the mean baseline
            (0.02: the level wanders by about +-15% over a year); 0 = the fixed baseline.
        step: a level break two thirds of the way through, as a fraction of the mean baseline
            (-0.2: a competitor takes a fifth of baseline sales). Both use their own random
            stream, so the rest of the data is the same as without drift.
    """
    names = _check_design(channels, adstock, saturation)
    rng = np.random.default_rng(seed)
    n_ch, n_geo = len(names), max(geos, 1)
    roi = np.asarray(rng.uniform(0.5, 3.0, n_ch) if roi is None else roi, dtype=float)
    _check_roi(roi, names, harmful)
    dates = pd.date_range(start, periods=n_weeks, freq="7D")
    geo_names = [f"region_{g + 1:02d}" for g in range(geos)] if geos else ["national"]
    spend, media = _spend(rng, n_weeks, names, geos, flat_channels, steady, impressions)
    _switch_off(seed, spend, media, names, dark_channels, local_channels or {})
    spec = MMM(adstock=adstock, saturation=saturation, l_max=l_max, harmful=tuple(harmful))
    transform = _true_transforms(rng, n_ch, adstock, saturation)
    saturated = media_response(
        pad_periods(media, l_max - 1) / _media_scale(media),
        transform,
        spec.resolve(tuple(names)),
        l_max,
    )
    region_mult = (
        np.exp(region_sd * rng.standard_normal((n_geo, n_ch))) if geos else np.ones((1, n_ch))
    )
    outcome_beta = beta_from_total(roi, spend.sum(axis=(0, 1)), saturated.sum(axis=0), region_mult)
    contributions = (outcome_beta[None] * saturated)[:n_weeks]  # outcome units
    baseline, control_frame = _baseline(rng, contributions, media_share, controls)
    baseline = _drift(baseline, drift, step, seed)
    expected = baseline + contributions.sum(axis=-1)
    sales = expected + rng.normal(0, noise, expected.shape) * expected.mean(axis=0)
    frame = _to_frame(
        dates,
        geo_names,
        geos > 0,
        names,
        spend,
        media if impressions else None,
        sales,
        control_frame,
    )
    data = MMMData.from_frame(
        frame,
        date="date",
        target="sales",
        channels=[f"{c}_spend" for c in names],
        controls=list(control_frame),
        geo="geo" if geos else None,
        media={f"{c}_spend": f"{c}_impressions" for c in names} if impressions else None,
    )
    spec = MMM(
        adstock=adstock,
        saturation=saturation,
        l_max=l_max,
        harmful=tuple(f"{c}_spend" for c in harmful),
    )
    scales = compute_scales(data)
    params = PosteriorParams(
        transform={k: v[None, :].copy() for k, v in transform.items()},
        beta=(outcome_beta / scales.target[:, None])[None],
        baseline={},
        noise=np.array([noise]),
    )
    true_params = pd.DataFrame({"channel": data.channels, **transform, "roi": roi})
    return Simulation(frame, data, spec, params, true_params, contributions)


def _check_design(channels, adstock: str, saturation: str) -> list[str]:
    if isinstance(channels, int) and not 1 <= channels <= len(DEFAULT_CHANNELS):
        raise SpecError(
            message(
                "channels", f"a count in [1, {len(DEFAULT_CHANNELS)}] or a list of names", channels
            )
        )
    if adstock not in ADSTOCKS or saturation not in SATURATIONS:
        raise SpecError(
            message("adstock/saturation", "registered transform names", f"{adstock}/{saturation}")
        )
    return list(DEFAULT_CHANNELS[:channels]) if isinstance(channels, int) else list(channels)


def _check_roi(roi: np.ndarray, names: list[str], harmful) -> None:
    if roi.shape != (len(names),):
        raise SpecError(message("roi", f"{len(names)} values (one per channel)", roi.tolist()))
    for i, ch in enumerate(names):
        if (ch in harmful) != (roi[i] < 0):
            raise SpecError(
                message(f"roi for '{ch}'", "negative exactly for harmful channels", roi[i])
            )


def _spend(rng, n_weeks: int, names: list[str], geos: int, flat_channels, steady, impressions):
    """Spend ``(date, geo, channel)``: level x yearly pattern x noise, weeks off for every other
    channel, regional sizes; and the exposure modelled (impressions at a varying cost, or spend)."""
    n_ch, n_geo = len(names), max(geos, 1)
    size = rng.uniform(0.5, 2.0, n_geo) if geos else np.ones(1)
    base = np.array([4.0, 2.5, 1.5, 1.0, 0.6, 0.8, 1.2, 0.3, 0.9, 0.5][:n_ch] * (n_ch // 10 + 1))
    level = 10_000 * base[:n_ch]
    t = np.arange(n_weeks)
    pattern = 1 + 0.3 * np.sin(2 * np.pi * (t[:, None] / 52.18 + rng.uniform(0, 1, n_ch)))
    spend = level * pattern * rng.lognormal(0, 0.35, (n_weeks, n_ch))
    off_share = np.array([0.25 if i % 2 == 0 else 0.0 for i in range(n_ch)])
    spend = spend * (rng.uniform(size=(n_weeks, n_ch)) > off_share)
    spend = spend[:, None, :] * size[None, :, None] * rng.lognormal(0, 0.15, (n_weeks, n_geo, n_ch))
    for ch in flat_channels:
        c = names.index(ch)
        spend[:, :, c] = (
            level[c] * size[None, :] * (1 + 0.01 * rng.standard_normal((n_weeks, n_geo)))
        )
    for geo_name, chans in (steady or {}).items():
        g = [f"region_{i + 1:02d}" for i in range(geos)].index(geo_name)
        for ch in chans:
            c = names.index(ch)
            spend[6:, g, c] = spend[:, g, c].mean()
    cpm = rng.uniform(5, 30, n_ch) * rng.lognormal(0, 0.1, (n_weeks, n_geo, n_ch))
    return spend, (spend / cpm * 1000 if impressions else spend)


def _switch_off(seed, spend, media, names, dark_channels, local_channels) -> None:
    """Zero spend (in place): dark runs of 8-26 weeks, channels bought in only some regions.
    Draws from its own stream (seed, 15): without these options the data are unchanged."""
    rng = np.random.default_rng([seed, 15])
    n_weeks, n_geo = spend.shape[:2]
    for ch in dark_channels:
        c = names.index(ch)
        length = min(int(rng.integers(8, 27)), n_weeks // 2)
        first = int(rng.integers(0, n_weeks - length + 1))
        spend[first : first + length, :, c] = 0.0
        media[first : first + length, :, c] = 0.0
    for ch, n_regions in local_channels.items():
        c = names.index(ch)
        off = rng.permutation(n_geo)[max(int(n_regions), 1) :]
        spend[:, off, c] = 0.0
        media[:, off, c] = 0.0


def _true_transforms(rng, n_ch: int, adstock: str, saturation: str) -> dict[str, np.ndarray]:
    """True transform parameters per channel (media scaled by its mean positive value)."""
    transform = {
        "alpha": rng.uniform(0.2, 0.7, n_ch),
        "theta": rng.uniform(0.5, 3.0, n_ch),
        "half": rng.uniform(0.6, 1.6, n_ch),
        "slope": rng.uniform(1.0, 2.0, n_ch),
        "lam": rng.uniform(0.8, 2.0, n_ch),
    }
    used = set(ADSTOCKS[adstock].params + SATURATIONS[saturation].params)
    return {k: v for k, v in transform.items() if k in used}


def _baseline(rng, contributions: np.ndarray, media_share: float, controls: bool):
    """Baseline ``(date, geo)`` in outcome units, sized so media drives about ``media_share`` of
    sales: level x (1 + seasonality + trend), minus a price effect, plus promotions."""
    n_weeks = contributions.shape[0]
    t = np.arange(n_weeks)
    media_total = np.abs(contributions).sum(axis=-1).mean(axis=0)  # (geo,)
    base_level = media_total * (1 - media_share) / media_share
    season = fourier_features(t, 2, 52.18) @ rng.normal(0, 0.08, 4)
    trend = rng.normal(0, 0.1) * t / max(n_weeks - 1, 1)
    baseline = base_level[None, :] * (1 + season[:, None] + trend[:, None])
    if not controls:
        return baseline, {}
    price = 100 + np.cumsum(rng.normal(0, 0.5, n_weeks))
    promo = (rng.uniform(size=n_weeks) < 0.15).astype(float)
    baseline = (
        baseline
        - base_level[None, :] * 0.01 * (price - price.mean())[:, None]
        + base_level[None, :] * 0.08 * promo[:, None]
    )
    return baseline, {"price_index": price, "promo": promo}


def _drift(baseline: np.ndarray, drift: float, step: float, seed: int) -> np.ndarray:
    """Baseline ``(date, geo)`` plus a random-walk level and a step break (own random stream)."""
    for name, value in (("drift", drift), ("step", step)):
        if not is_number(value) or not -1 < value < 1:
            raise SpecError(message(name, "a fraction of the baseline in (-1, 1)", repr(value)))
    if drift == 0 and step == 0:
        return baseline
    n = baseline.shape[0]
    walk = np.cumsum(np.random.default_rng([seed, 13]).normal(0, abs(drift), n))
    path = walk - walk.mean() + step * (np.arange(n) >= (2 * n) // 3)
    return baseline + baseline.mean(axis=0)[None, :] * path[:, None]


def _media_scale(media: np.ndarray) -> np.ndarray:
    positive = media > 0
    scale = np.where(positive, media, 0).sum(0) / np.maximum(positive.sum(0), 1)
    return np.where(scale > 0, scale, 1.0)  # a channel not bought in a region: any scale


def _to_frame(dates, geo_names, is_geo, names, spend, impressions, sales, controls) -> pd.DataFrame:
    parts = []
    for g, geo in enumerate(geo_names):
        part = pd.DataFrame({"date": dates})
        if is_geo:
            part["geo"] = geo
        part["sales"] = sales[:, g]
        for i, ch in enumerate(names):
            part[f"{ch}_spend"] = spend[:, g, i]
            if impressions is not None:
                part[f"{ch}_impressions"] = impressions[:, g, i]
        for k, v in controls.items():
            part[k] = v
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
