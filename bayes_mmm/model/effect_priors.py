"""Channel effects from their priors: the ROI -> beta reparametrisation, in one place.

A channel's effect ``beta`` (scaled units, per geo) comes from one of:

* ``beta`` - a :class:`~bayes_mmm.priors.Prior` directly on beta (e.g. Normal for harmful channels);
* ``roi`` / ``mroi`` / ``share`` / ``relative_roi`` - a split log-normal prior on a business
  quantity ``q``; beta is derived so that the model's quantity equals ``q`` exactly:
  ``beta = q x amount / (outcome that beta = 1 would give)``
  (:func:`~bayes_mmm.components.beta_from_total`), where for ROI the amount is the spend, for
  mROI 1% of the spend against the outcome of +1% spend, for share the total outcome, and for
  relative ROI the total outcome times the channel's share of media spend.

With regions and partial pooling, ``beta_gc = beta_c x m_gc`` with mean-one multipliers
``m_gc = exp(tau_c z_gc - tau_c^2 / 2)``; the ROI-type quantity then holds for the national total.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bayes_mmm.model.equations import beta_from_total, media_response

MROI_STEP = 0.01


@dataclass(frozen=True)
class QuantityKind:
    """A business quantity a channel's effect prior can be put on (a ``QuantilePrior.kind``).

    ``amount(data, idx)`` is the per (geo, channel) amount the quantity multiplies (the spend for
    ROI); ``per_spend``: the quantity is money per unit of spend (uses ``revenue_per_unit``;
    undefined for a channel without spend), else outcome units; ``marginal``: measured on the
    outcome of +1% spend instead of the whole outcome.
    """

    name: str
    amount: Callable
    per_spend: bool
    marginal: bool = False


def _outcome(data) -> np.ndarray:
    return np.abs(data.target).sum(axis=0)[:, None]


def _spend_share_of_outcome(data, idx) -> np.ndarray:
    spend = data.spend.sum(axis=0)
    return _outcome(data) * spend[:, idx] / np.maximum(spend.sum(axis=1, keepdims=True), 1e-12)


# Register a new kind here (and give its prior class ``kind = "<name>"``; docs/architecture.md).
QUANTITY_KINDS: dict[str, QuantityKind] = {
    "roi": QuantityKind("roi", lambda data, idx: data.spend.sum(axis=0)[:, idx], per_spend=True),
    "mroi": QuantityKind(
        "mroi",
        lambda data, idx: MROI_STEP * data.spend.sum(axis=0)[:, idx],
        per_spend=True,
        marginal=True,
    ),
    "share": QuantityKind(
        "share", lambda data, idx: _outcome(data) * np.ones((1, len(idx))), per_spend=False
    ),
    "relative_roi": QuantityKind("relative_roi", _spend_share_of_outcome, per_spend=False),
}


def is_effect_kind(name: str) -> bool:
    """True for the effect groups of a parameter layout: ``beta`` or a registered quantity kind."""
    return name == "beta" or name in QUANTITY_KINDS


def scatter_channels(parts: list, shape: tuple[int, ...], fill: float = 0.0):
    """Place values for channel subsets into a ``shape`` tensor whose last axis is the channel.

    ``parts`` holds ``(channel indices, value (..., len(indices)))`` pairs; channels no part covers
    get ``fill``. A single part covering every channel in order is returned as is: scatter and
    alloc nodes would only add to what Numba compiles (~0.3 s per node on a cold cache).
    """
    import pytensor.tensor as pt

    if len(parts) == 1 and list(parts[0][0]) == list(range(shape[-1])):
        return parts[0][1]
    full = pt.ones(shape) * fill
    for idx, value in parts:
        full = pt.set_subtensor(full[..., np.asarray(idx)], value)
    return full


def log_quantity(group, dims):
    """Log of the group's business quantity per channel (pytensor), from standard normals.

    Independent channels: ``log q_c = log median_c + z_c x sigma_c`` (split: ``sigma_below`` for
    z < 0). Channels whose prior has ``spread > 0`` are partially pooled: they share a level
    ``u x sigma_c`` (u standard normal, the same split scales) and differ from it by
    ``h x spread_c x z_c`` with ``h ~ HalfNormal(1)`` learned from the data, so channels the data
    cannot see follow the level of those they can, with the spread the seen channels show.
    """
    import pymc as pm
    import pytensor.tensor as pt

    z = pm.Normal(group.variable, 0.0, 1.0, dims=dims)
    mu = np.array([p.log_median for p in group.priors])
    lo = np.array([p.sigma_below for p in group.priors])
    hi = np.array([p.sigma_above for p in group.priors])
    spread = np.array([getattr(p, "spread", 0.0) for p in group.priors])
    independent = mu + z * pt.switch(z < 0, lo, hi)
    if not spread.any():
        return independent
    u = pm.Normal(f"{group.variable}_level", 0.0, 1.0)
    h = pm.HalfNormal(f"{group.variable}_spread", 1.0)
    pooled = mu + u * pt.switch(u < 0, lo, hi) + h * spread * z
    return pt.switch(spread > 0, pooled, independent)


def channel_effects(
    spec,
    data,
    layout,
    params,
    channels,
    saturated,
    media_padded,
    money_per_scaled,
    outcome_per_scaled,
):
    """Create the effect random variables and return beta ``(geo, channel)`` (pytensor)."""
    import pymc as pm
    import pytensor.tensor as pt

    n_geo, n_ch = data.n_geos, data.n_channels
    index = {c: i for i, c in enumerate(data.channels)}
    unpooled = n_geo > 1 and spec.pooling == "none"
    geo_mult = None
    if n_geo > 1 and spec.pooling == "partial":
        tau = spec.prior("geo_effect_sd").build("geo_effect_sd", dims="channel")
        z = pm.Normal("geo_effect_z", 0.0, 1.0, dims=("geo", "channel"))
        geo_mult = pt.exp(tau * z - tau**2 / 2)
    parts = []
    for kind, groups in layout.items():
        if not is_effect_kind(kind):
            continue
        for group in groups:
            idx = np.array([index[c] for c in group.channels])
            dims = ("geo", group.dim) if unpooled else group.dim
            if kind == "beta":
                first = group.priors[0]
                free = getattr(pm, first.distribution)(
                    group.variable,
                    dims=dims,
                    **{k: np.array([p.params[k] for p in group.priors]) for k in first.params},
                )
                value = free if free.ndim == 2 else pt.ones((n_geo, 1)) * free[None, :]
                if geo_mult is not None:
                    value = value * geo_mult[:, idx]
            else:
                quantity = pt.exp(log_quantity(group, dims))
                rule = QUANTITY_KINDS[kind]
                per_scaled = money_per_scaled if rule.per_spend else outcome_per_scaled
                response = saturated[..., idx]
                if rule.marginal:
                    sub = {k: v[..., idx] for k, v in params.items()}
                    plus = media_response(
                        pt.as_tensor(media_padded[..., idx] * (1 + MROI_STEP)),
                        sub,
                        [channels[i] for i in idx],
                        spec.l_max,
                        geo_params=spec.geo_media and n_geo > 1,
                    )
                    response = plus - response
                unit_total = (response * per_scaled[:, :, None]).sum(axis=0)
                amount = rule.amount(data, idx)
                if quantity.ndim == 2:  # no pooling: one quantity per region
                    value = quantity * amount / pt.maximum(unit_total, 1e-12)
                else:
                    mult = None if geo_mult is None else geo_mult[:, idx]
                    value = beta_from_total(quantity, amount.sum(axis=0), unit_total, mult)
            parts.append((idx, value))
    return scatter_channels(parts, (n_geo, n_ch))
