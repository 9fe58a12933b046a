"""The model's math, written once for numpy and pytensor alike.

Scaling (documented in docs/model.md):

* target: divided per region by its mean over the training window (``target_scale``, outcome units),
  or with a population column by ``population_g / mean(population) * national mean``;
* media: divided per region and channel by the mean of its positive values (``media_scale``), so
  a scaled value of 1 is "a typical active week" and half-saturation priors are unit-free;
* controls: standardised (mean 0, sd 1) over the training window;
* time: ``t = period index / (n_train - 1)`` in [0, 1] over the training window.

Parameters carry optional leading draw axes: channel parameters ``(..., channel)``, region x
channel ``(..., geo, channel)``, region ``(..., geo)``, Fourier ``(..., fourier)``, controls
``(..., control)``. The same functions build the PyMC graph (no leading axes) and evaluate every
posterior draw at once in numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayes_mmm.data.mmm_data import MMMData
from bayes_mmm.model.transforms import apply_adstock, apply_saturation, backend


@dataclass(frozen=True, eq=False)
class Scales:
    """Scale factors fixed from the training window."""

    target: np.ndarray  # (geo,) outcome units
    media: np.ndarray  # (geo, channel) exposure units
    control_mean: np.ndarray  # (control,)
    control_sd: np.ndarray  # (control,)
    n_train: int


def compute_scales(train: MMMData) -> Scales:
    y = train.target
    if train.population is not None:
        share = train.population / train.population.mean()
        target = np.abs(y).mean() * share
    else:
        target = np.abs(y).mean(axis=0)
    target = np.where(target > 0, target, np.abs(y).mean() or 1.0)
    media = train.media
    positive = media > 0
    counts = positive.sum(axis=0)
    per_geo = np.where(
        counts > 0, np.where(positive, media, 0).sum(axis=0) / np.maximum(counts, 1), np.nan
    )
    overall = np.array(
        [
            media[..., c][positive[..., c]].mean() if positive[..., c].any() else 1.0
            for c in range(media.shape[-1])
        ]
    )
    if train.population is not None:
        per_geo = overall[None, :] * (train.population / train.population.mean())[:, None]
    media_scale = np.where(np.isfinite(per_geo), per_geo, overall[None, :])
    ctrl = train.controls.reshape(
        train.n_dates * train.n_geos, train.controls.shape[-1]
    )  # -1 fails with 0 controls
    sd = ctrl.std(axis=0) if ctrl.shape[-1] else np.zeros(0)
    return Scales(
        target=target,
        media=media_scale,
        control_mean=ctrl.mean(axis=0) if ctrl.shape[-1] else np.zeros(0),
        control_sd=np.where(sd > 0, sd, 1.0),
        n_train=train.n_dates,
    )


def fourier_features(period_index: np.ndarray, order: int, period: float) -> np.ndarray:
    """Yearly seasonality basis: ``[sin(2 pi k t / P), cos(2 pi k t / P)]`` for k = 1..order."""
    if order == 0:
        return np.zeros((len(period_index), 0))
    k = np.arange(1, order + 1)
    angle = 2 * np.pi * np.outer(period_index, k) / period
    return np.concatenate([np.sin(angle), np.cos(angle)], axis=1)


@dataclass(frozen=True, eq=False)
class Design:
    """Scaled inputs for a run of periods, starting ``offset`` periods after the training start."""

    time: np.ndarray  # (date,)
    fourier: np.ndarray  # (date, fourier)
    controls: np.ndarray  # (date, geo, control), standardised
    media: np.ndarray  # (date, geo, channel), scaled


def build_design(
    data: MMMData,
    scales: Scales,
    order: int,
    period: float,
    offset: int = 0,
    media: np.ndarray | None = None,
) -> Design:
    """Scaled design for ``data``'s periods; ``media`` overrides exposure (counterfactuals)."""
    index = np.arange(data.n_dates) + offset
    return Design(
        time=index / max(scales.n_train - 1, 1),
        fourier=fourier_features(index, order, period),
        controls=(data.controls - scales.control_mean) / scales.control_sd,
        media=(data.media if media is None else media) / scales.media,
    )


def pad_periods(x: np.ndarray, n: int, mode: str = "zero") -> np.ndarray:
    """Append ``n`` periods along axis 0: zeros (spend stops) or the last value repeated."""
    if n == 0:
        return x
    # zeros by shape, not from x[:1]: an empty x (a window ending with the data) still gets n rows
    tail = np.zeros((n, *x.shape[1:]), x.dtype) if mode == "zero" else np.repeat(x[-1:], n, axis=0)
    return np.concatenate([x, tail], axis=0)


def to_length(x: np.ndarray, n: int, mode: str = "zero") -> np.ndarray:
    """First ``n`` periods of ``x`` along axis 0, padded as :func:`pad_periods` when it is
    shorter."""
    return x[:n] if len(x) >= n else pad_periods(x, n - len(x), mode)


def media_response(media, params: dict, channels, l_max: int, geo_params: bool = False):
    """Saturated adstocked media, ``(..., date, geo, channel)``, each channel with its own
    transforms.

    ``params`` maps parameter names to ``(..., channel)`` arrays, or ``(..., geo, channel)`` with
    ``geo_params=True`` (shapes varying by region); values for channels that do not use a parameter
    are ignored. Channels sharing transforms are evaluated together.
    """
    xp = backend(media, *params.values())
    groups: dict[tuple[str, str], list[int]] = {}
    for i, ch in enumerate(channels):
        groups.setdefault((ch.adstock, ch.saturation), []).append(i)
    parts, order = [], []
    for (adstock, saturation), idx in groups.items():
        whole = len(groups) == 1
        sel = slice(None) if whole else np.array(idx)
        p = {
            k: (v[..., sel][..., None, :, :] if geo_params else v[..., sel][..., None, None, :])
            for k, v in params.items()
        }
        x = media if whole else media[..., sel]
        parts.append(apply_saturation(saturation, apply_adstock(adstock, x, p, l_max), p))
        order.extend(idx)
    if len(parts) == 1:
        return parts[0]
    stacked = xp.concatenate(parts, axis=-1)
    return stacked[..., np.argsort(order)]


def baseline(design: Design, params: dict):
    """Intercept + trend + seasonality + controls in scaled units, ``(..., date, geo)``."""
    out = (
        params["intercept"][..., None, :]
        + trend_effect(design, params)
        + seasonality(design, params)
    )
    if "control" in params:
        out = out + control_effect(design, params)
    return out


def trend_effect(design: Design, params: dict):
    """Linear trend in scaled units, ``(..., date, geo|1)``: national ``trend`` or per-region
    ``trend_geo``."""
    if "trend_geo" in params:
        return params["trend_geo"][..., None, :] * design.time[:, None]
    if "trend" in params:
        return params["trend"][..., None, None] * design.time[:, None]
    return 0.0 * design.time[:, None]


def seasonality(design: Design, params: dict):
    """Fourier seasonality in scaled units, ``(..., date, geo|1)``; per-region amplitude if
    given."""
    if "seasonality" not in params:
        return 0.0 * design.time[:, None]
    # an elementwise product and sum rather than ``@``: a matrix product compiles to a BLAS call
    # that costs Numba ~5 s to compile (and its gradient another) for a 4-term sum.
    shape = (params["seasonality"][..., None, :] * design.fourier).sum(axis=-1)[..., :, None]
    if "seasonality_amp" in params:
        shape = shape * params["seasonality_amp"][..., None, :]
    return shape


def control_effect(design: Design, params: dict):
    """Sum of control effects in scaled units, ``(..., date, geo)``."""
    return (design.controls * params["control"][..., None, None, :]).sum(axis=-1)


def contribution(beta, saturated):
    """Channel contribution in scaled units: ``beta (..., geo, channel) x saturated
    (..., date, geo, channel)``."""
    return beta[..., None, :, :] * saturated


def beta_from_total(total, amount, unit_total, geo_multiplier=None):
    """Effect size that makes a channel's summed contribution equal ``total x amount``.

    The ROI / contribution-share reparametrisation in one place:
    ``beta_gc = total_c * amount_c * m_gc / sum_g(m_gc * unit_total_gc)``, where ``total`` is the
    ROI (or share), ``amount`` the channel's spend (or the total outcome), ``unit_total`` the
    outcome (or money) that beta = 1 would produce in each region, ``m`` the regional multipliers.
    """
    xp = backend(total, unit_total, geo_multiplier)
    m = 1.0 if geo_multiplier is None else geo_multiplier
    weighted = (m * unit_total).sum(axis=-2)
    return (total * amount / xp.maximum(weighted, 1e-12))[..., None, :] * (m + 0.0 * unit_total)
