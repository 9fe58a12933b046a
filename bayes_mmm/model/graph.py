"""The PyMC graph: priors and likelihood wired around the shared math of
:mod:`bayes_mmm.model.equations`.

Variables (named dims):

* transform parameters (``alpha``, ``theta``, ``half``, ``slope``, ``lam``) over ``channel``
  (or a ``channel_<param>`` subset when only some channels use them);
* effects: free ``beta_<family>`` over a channel subset, or ``roi_z`` / ``share_z`` for channels
  with ROI / share priors; Deterministics ``beta`` (geo, channel), ``roi`` and ``share`` (channel);
* baseline: ``level`` (geo, mean expected outcome; ``intercept`` is derived from it), ``trend``,
  ``seasonality`` (fourier), ``control_coef`` (control);
* ``noise`` and the likelihood ``y`` (date, geo) on the scaled target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayes_mmm.core.errors import DataError, SpecError, describe_rows, message
from bayes_mmm.data.mmm_data import MMMData
from bayes_mmm.model.baselines import GPBaseline, add_gp_baseline
from bayes_mmm.model.effect_priors import (
    QUANTITY_KINDS,
    channel_effects,
    is_effect_kind,
    scatter_channels,
)
from bayes_mmm.model.equations import (
    Scales,
    baseline,
    build_design,
    compute_scales,
    contribution,
    media_response,
    pad_periods,
)
from bayes_mmm.model.frequency import check_frequency
from bayes_mmm.model.lift_likelihood import add_lift_likelihood
from bayes_mmm.model.likelihoods import LIKELIHOODS
from bayes_mmm.model.spec import ModelSpec, ResolvedChannel
from bayes_mmm.model.transforms import ADSTOCKS, SATURATIONS


@dataclass(frozen=True)
class ParamGroup:
    """One free random variable holding a parameter for a subset of channels."""

    variable: str
    dim: str
    channels: tuple[str, ...]
    priors: tuple


def parameter_layout(channels: list[ResolvedChannel]) -> dict[str, list[ParamGroup]]:
    """Which random variables hold which channel parameters (model and post-processing share it).

    Channels whose prior for a parameter has the same distribution family share one vector RV.
    Effect groups are keyed "beta" (Prior on beta), "roi" and "share".
    """
    users: dict[str, list[tuple[str, object]]] = {}
    for ch in channels:
        for p in ADSTOCKS[ch.adstock].params + SATURATIONS[ch.saturation].params:
            users.setdefault(p, []).append((ch.name, ch.priors[p]))
        users.setdefault(f"effect:{ch.effect_kind}", []).append((ch.name, ch.effect))
    all_names = tuple(ch.name for ch in channels)
    layout: dict[str, list[ParamGroup]] = {}
    for key, entries in users.items():
        if key.startswith("effect:"):
            kind = key.split(":")[1]
            if kind != "beta":
                names = tuple(n for n, _ in entries)
                layout[kind] = [
                    ParamGroup(f"{kind}_z", f"channel_{kind}", names, tuple(p for _, p in entries))
                ]
                continue
            param = "beta"
        else:
            param = key
        families: dict[str, list] = {}
        for name, prior in entries:
            families.setdefault(prior.distribution, []).append((name, prior))
        groups = []
        for family, members in families.items():
            names = tuple(n for n, _ in members)
            if param == "beta":
                variable, dim = f"beta_{family.lower()}", f"channel_beta_{family.lower()}"
            elif len(families) == 1:
                variable, dim = param, ("channel" if names == all_names else f"channel_{param}")
            else:
                variable, dim = f"{param}_{family.lower()}", f"channel_{param}_{family.lower()}"
            groups.append(ParamGroup(variable, dim, names, tuple(p for _, p in members)))
        layout[param] = groups
    return layout


def _vector_prior(group: ParamGroup):
    """Build one RV for a group, with per-channel prior parameters stacked into vectors."""
    import pymc as pm

    first = group.priors[0]
    params = {k: np.array([p.params[k] for p in group.priors]) for k in first.params}
    return getattr(pm, first.distribution)(group.variable, **params, dims=group.dim)


GEO_SHAPE_SD = {"alpha": 0.3}  # logit scale; other shape parameters vary on the log scale
GEO_SHAPE_LOG_SD = 0.2


def _per_region(name: str, national, n_geo: int):
    """Regional transform parameters around the national ones (non-centred, fixed spread)."""
    import pymc as pm
    import pytensor.tensor as pt

    z = pm.Normal(f"{name}_geo_z", 0.0, 1.0, dims=("geo", "channel"))
    if name == "alpha":
        value = pm.math.sigmoid(pm.math.logit(national)[None, :] + GEO_SHAPE_SD["alpha"] * z)
    else:
        value = national[None, :] * pt.exp(GEO_SHAPE_LOG_SD * z)
    return pm.Deterministic(f"{name}_geo", value, dims=("geo", "channel"))


def check_fit_data(spec: ModelSpec, data: MMMData) -> None:
    """Spec-dependent data checks (the adstock window and the likelihood's support)."""
    check_frequency(spec, data.dates)
    span = f"{data.n_dates} (dates {data.dates[0].date()}..{data.dates[-1].date()})"
    if data.n_dates < spec.l_max:
        raise DataError(
            message(
                "number of periods",
                f"at least l_max={spec.l_max} (the adstock window)",
                span,
                "Use more data or a smaller l_max.",
            )
        )
    if data.n_dates < 8:
        raise DataError(
            message(
                "number of periods",
                "at least 8 periods to fit",
                span,
                "Load more periods: a handful of weeks cannot separate media from baseline.",
            )
        )
    if LIKELIHOODS[spec.likelihood].positive_only and (data.target <= 0).any():
        t, g = np.nonzero(data.target <= 0)
        rows = [
            f"{data.dates[i].date()}" + (f" ({data.geos[j]})" if data.is_geo else "")
            for i, j in zip(t, g)
        ]
        raise DataError(
            message(
                f"target '{data.target_name}'",
                f"values > 0 for likelihood='{spec.likelihood}'",
                f"zero or negative values on dates {describe_rows(rows)}",
                "Use likelihood='normal' or 'studentt', or fix those rows.",
            )
        )
    spend = data.spend.sum(axis=(0, 1))
    for ch in spec.resolve(data.channels):
        c = data.channels.index(ch.name)
        rule = QUANTITY_KINDS.get(ch.effect_kind)
        if rule is not None and rule.per_spend and spend[c] <= 0:
            raise SpecError(
                message(
                    f"{type(ch.effect).__name__} on channel '{ch.name}'",
                    "a channel with spend in the training window",
                    "no spend at all",
                    "ROI is undefined without spend: drop the prior or the channel.",
                )
            )


def build_model(spec: ModelSpec, data: MMMData, lift_tests=None, scales: Scales | None = None):
    """Build the PyMC model for ``spec`` on ``data`` (the training window)."""
    import pymc as pm
    import pytensor.tensor as pt

    check_fit_data(spec, data)
    channels = spec.resolve(data.channels)
    scales = scales or compute_scales(data)
    design = build_design(data, scales, spec.seasonality, spec.period)
    pad = spec.l_max - 1
    media_padded = pad_periods(design.media, pad)
    money_per_scaled = (
        pad_periods(data.value_per_unit, pad, "last") * scales.target
    )  # (date+pad, geo)
    outcome_per_scaled = pad_periods(np.ones_like(data.target), pad, "last") * scales.target
    layout = parameter_layout(channels)
    geo_media = spec.geo_media and data.n_geos > 1

    with pm.Model(coords=_coords(spec, data, layout)) as model:
        params = _transform_params(layout, data, geo_media)
        saturated = media_response(
            pt.as_tensor(media_padded), params, channels, spec.l_max, geo_params=geo_media
        )
        beta = channel_effects(
            spec,
            data,
            layout,
            params,
            channels,
            saturated,
            media_padded,
            money_per_scaled,
            outcome_per_scaled,
        )
        _business_quantities(data, beta, saturated, money_per_scaled, outcome_per_scaled)
        # Centred baseline: `level` is the mean of the expected outcome over the training window, so
        # it is nearly independent of the channel effects; the intercept is derived from it.
        base_params = _baseline_priors(spec, data, data.n_geos)
        base_params["intercept"] = pt.zeros(data.n_geos)
        rest = baseline(design, base_params) + _time_varying_baseline(spec, data)
        rest = rest + contribution(beta, saturated[: data.n_dates]).sum(axis=-1)
        intercept = pm.Deterministic(
            "intercept", base_params["level"] - rest.mean(axis=0), dims="geo"
        )
        noise = spec.prior("noise").build(
            "noise", dims="geo" if spec.geo_noise and data.n_geos > 1 else None
        )
        y_scaled = data.target / scales.target
        LIKELIHOODS[spec.likelihood].observe(intercept + rest, noise, y_scaled, ("date", "geo"))
        if lift_tests is not None and len(lift_tests):
            add_lift_likelihood(
                lift_tests,
                data=data,
                scales=scales,
                params=params,
                beta=beta,
                channels=channels,
                l_max=spec.l_max,
                money_per_scaled=money_per_scaled,
                geo_params=geo_media,
            )
    return model


def _time_varying_baseline(spec: ModelSpec, data: MMMData):
    """The GP baseline's ``(date, geo)`` term (:mod:`bayes_mmm.model.baselines`), or 0."""
    if isinstance(spec.baseline, GPBaseline):
        return add_gp_baseline(spec.baseline, data.n_dates, data.n_geos)
    return 0.0


def _coords(spec: ModelSpec, data: MMMData, layout: dict) -> dict:
    coords = {
        "date": data.dates,
        "geo": list(data.geos),
        "channel": list(data.channels),
        "control": list(data.control_names),
        "fourier": [f"{f}_{k}" for f in ("sin", "cos") for k in range(1, spec.seasonality + 1)],
    }
    for groups in layout.values():
        for g in groups:
            coords.setdefault(g.dim, list(g.channels))
    return coords


def _transform_params(layout: dict, data: MMMData, geo_media: bool) -> dict:
    """One vector RV per prior family and transform parameter, scattered over channels."""
    index = {c: i for i, c in enumerate(data.channels)}
    params = {}
    for param, groups in layout.items():
        if is_effect_kind(param):
            continue
        params[param] = scatter_channels(
            [([index[c] for c in g.channels], _vector_prior(g)) for g in groups],
            (data.n_channels,),
            fill=0.5,
        )  # unused by channels without the parameter
    if geo_media:
        params = {k: _per_region(k, v, data.n_geos) for k, v in params.items()}
    return params


def _business_quantities(data: MMMData, beta, saturated, money_per_scaled, outcome_per_scaled):
    """Deterministics ``beta`` (geo, channel), ``roi`` and ``share`` (channel) over the data."""
    import pymc as pm

    spend_total = data.spend.sum(axis=0)  # (geo, channel)
    pm.Deterministic("beta", beta, dims=("geo", "channel"))
    money = beta * (saturated * money_per_scaled[:, :, None]).sum(axis=0)
    outcome = beta * (saturated * outcome_per_scaled[:, :, None]).sum(axis=0)
    pm.Deterministic(
        "roi", money.sum(axis=0) / np.maximum(spend_total.sum(axis=0), 1e-12), dims="channel"
    )
    pm.Deterministic("share", outcome.sum(axis=0) / np.abs(data.target).sum(), dims="channel")


def _baseline_priors(spec: ModelSpec, data: MMMData, n_geo: int) -> dict:
    import pymc as pm

    out = {"level": spec.prior("level").build("level", dims="geo")}
    if spec.trend and spec.geo_trend and n_geo > 1:
        out["trend_geo"] = spec.prior("trend").build("trend_geo", dims="geo")
    elif spec.trend:
        out["trend"] = spec.prior("trend").build("trend")
    if spec.seasonality:
        out["seasonality"] = spec.prior("seasonality").build("seasonality", dims="fourier")
        if spec.geo_seasonality and n_geo > 1:
            z = pm.Normal("seasonality_amp_z", 0.0, 1.0, dims="geo")
            out["seasonality_amp"] = pm.Deterministic(
                "seasonality_amp", pm.math.exp(0.3 * z), dims="geo"
            )
    if data.control_names:
        out["control"] = spec.prior("control").build("control_coef", dims="control")
    return out


__all__ = ["build_model", "check_fit_data", "parameter_layout"]
