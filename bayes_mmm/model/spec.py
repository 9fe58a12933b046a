"""Model specification: small frozen objects, JSON round-trippable, no data inside.

:class:`ModelSpec` holds what users give ``bm.MMM(adstock="geometric", saturation="hill")``;
``bm.MMM`` (:mod:`bayes_mmm.workflow`) adds ``fit(data)``, which returns an immutable ``MMMFit``.
Per-channel overrides go in
``channels={"tv": ChannelSpec(adstock="delayed", effect=ROIPrior(1.5, (0.5, 4)))}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from bayes_mmm.core.errors import (
    SpecError,
    check_flag,
    check_keys,
    is_integer,
    message,
    one_of,
)
from bayes_mmm.model.baselines import GPBaseline, baseline_to_dict, resolve_baseline
from bayes_mmm.model.likelihoods import LIKELIHOODS
from bayes_mmm.model.priors import (
    MROIPrior,
    Prior,
    RelativeROIPrior,
    ROIPrior,
    SharePrior,
    prior_from_dict,
)
from bayes_mmm.model.transforms import ADSTOCKS, SATURATIONS

EffectPrior = Prior | ROIPrior | MROIPrior | SharePrior | RelativeROIPrior
POOLINGS = ("partial", "none", "full")
# "auto": fit() screens the carryover before sampling and fits flagged default-adstock channels with
# the adstock and window the screen advises (bayes_mmm.inference.carryover_adapt); "as_specified":
# fit exactly what was written, only warn.
CARRYOVER_MODES = ("auto", "as_specified")


@dataclass(frozen=True)
class ChannelSpec:
    """How one channel is transformed and which priors it gets.

    Attributes:
        adstock: registered adstock name ("geometric", "delayed", "none"); None: the model default.
        saturation: registered saturation name ("hill", "logistic", "michaelis_menten"); None:
            default.
        priors: priors of transform parameters by name, e.g.
            ``{"alpha": Prior("Beta", alpha=3, beta=3)}``.
        effect: prior on the channel effect: ``Prior`` on beta (scaled units), ``ROIPrior`` or
            ``SharePrior``; None: the model default.
        harmful: the effect may be negative (e.g. cold calling); effect prior is Normal(0, sigma).
    """

    adstock: str | None = None
    saturation: str | None = None
    priors: Mapping[str, Prior] = field(default_factory=dict)
    effect: EffectPrior | None = None
    harmful: bool = False

    def __post_init__(self):
        object.__setattr__(self, "harmful", check_flag("ChannelSpec.harmful", self.harmful))

    def to_dict(self) -> dict[str, Any]:
        return {
            "adstock": self.adstock,
            "saturation": self.saturation,
            "harmful": self.harmful,
            "priors": {k: v.to_dict() for k, v in self.priors.items()},
            "effect": None if self.effect is None else self.effect.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ChannelSpec:
        allowed = {"adstock", "saturation", "priors", "effect", "harmful"}
        if not isinstance(d, Mapping):
            raise SpecError(
                message(
                    "channel spec",
                    f"a mapping with keys among {sorted(allowed)}",
                    repr(d),
                    "Write e.g. {adstock: delayed, effect: {type: ROIPrior, ...}}.",
                )
            )
        check_keys("channel spec keys", d, allowed)
        if not isinstance(d.get("priors") or {}, Mapping):
            raise SpecError(
                message(
                    "channel spec priors", "a mapping of parameter name -> prior", repr(d["priors"])
                )
            )
        return cls(
            adstock=d.get("adstock"),
            saturation=d.get("saturation"),
            harmful=d.get("harmful", False),
            priors={k: prior_from_dict(v) for k, v in (d.get("priors") or {}).items()},
            effect=None if d.get("effect") is None else prior_from_dict(d["effect"]),
        )


DEFAULT_PRIORS: dict[str, Prior] = {
    "beta": Prior("HalfNormal", sigma=0.5),
    "beta_harmful": Prior("Normal", mu=0.0, sigma=0.5),
    "level": Prior("Normal", mu=1.0, sigma=0.5),
    "trend": Prior("Normal", mu=0.0, sigma=0.2),
    "seasonality": Prior("Normal", mu=0.0, sigma=0.2),
    "control": Prior("Normal", mu=0.0, sigma=0.2),
    "noise": Prior("HalfNormal", sigma=0.2),
    "geo_effect_sd": Prior("HalfNormal", sigma=0.3),
}


# Unit-free default (see docs/priors.md): a priori media drives ~25% of the outcome, split by
# spend share; the long lower tail (5% quantile 0.003) leaves room for channels that barely work,
# chosen from the misspecification study (issue 16, docs/priors.md "Weak channels").
DEFAULT_EFFECT_PRIOR = RelativeROIPrior(median=0.25, interval=(0.003, 1.5), level=0.9)


@dataclass(frozen=True)
class ResolvedChannel:
    """A channel's spec with every default filled in."""

    name: str
    adstock: str
    saturation: str
    priors: dict[str, Prior]
    effect: EffectPrior
    harmful: bool

    @property
    def effect_kind(self) -> str:
        return getattr(self.effect, "kind", "beta")


def check_scale_priors(priors: Mapping[str, Prior]) -> None:
    """Standard deviations (noise, regional spread) need priors on [0, inf)."""
    for name in ("noise", "geo_effect_sd"):
        prior = priors.get(name)
        if isinstance(prior, Prior) and prior.scipy().support()[0] < 0:
            raise SpecError(
                message(
                    f"priors['{name}']",
                    "a prior on [0, inf) (a standard deviation)",
                    f"Prior({prior.distribution}) with negative values",
                    "Use e.g. Prior('HalfNormal', sigma=0.2).",
                )
            )


@dataclass(frozen=True)
class ModelSpec:
    """A Bayesian MMM specification (the data-free part of ``bm.MMM``; see
    :mod:`bayes_mmm.workflow`).

    Attributes:
        adstock: default adstock for every channel ("geometric", "delayed", "none").
        saturation: default saturation ("hill", "logistic", "michaelis_menten").
        l_max: adstock window in periods (weeks): carryover beyond it is cut.
        channels: per-channel overrides ``{channel: ChannelSpec}``.
        harmful: channels whose effect may be negative (shortcut for ChannelSpec(harmful=True)).
        effect_prior: default effect prior (Prior on beta in scaled units, or ROIPrior /
            SharePrior).
        priors: overrides of baseline priors by name (see ``DEFAULT_PRIORS``).
        trend: include a linear trend.
        seasonality: Fourier order of yearly seasonality (0 = none).
        period: seasonal period in data periods (52.18 for weekly data).
        pooling: across regions: "partial" (hierarchical), "none" (independent) or "full".
        likelihood: "normal", "studentt" (robust to outliers) or "lognormal" (multiplicative noise,
            positive targets only).
        geo_noise: separate noise scale per region.
        geo_trend: a trend per region instead of one national trend.
        geo_seasonality: a seasonal amplitude per region (log-normal, sd 0.3, around the shared
            shape).
        geo_media: adstock and saturation parameters vary by region around the national ones
            (decay on the logit scale with sd 0.3, other shape parameters log-normal with sd 0.2).
        baseline: "fixed" (level, trend, seasonality, controls) or "gp" / ``GPBaseline(...)``: plus
            a smooth time-varying curve over time (:mod:`bayes_mmm.model.baselines`).
        carryover: "as_specified" (default): fit exactly this spec; the carryover screen only
            warns. "auto" (opt-in): before sampling, ``fit()`` fits a channel whose response
            clearly peaks weeks after spend with the delayed adstock (and ``l_max`` raised to the
            window the screen advises), unless its adstock was set; the fit says so. Not the
            default: on daily-carryover data it made 3 of 10 fits fail to converge
            (docs/priors.md).
    """

    adstock: str = "geometric"
    saturation: str = "hill"
    l_max: int = 8
    channels: Mapping[str, ChannelSpec] = field(default_factory=dict)
    harmful: tuple[str, ...] = ()
    effect_prior: EffectPrior = DEFAULT_EFFECT_PRIOR
    priors: Mapping[str, Prior] = field(default_factory=dict)
    trend: bool = True
    seasonality: int = 2
    period: float = 52.18
    pooling: str = "partial"
    likelihood: str = "normal"
    geo_noise: bool = False
    geo_trend: bool = False
    geo_seasonality: bool = False
    geo_media: bool = False
    baseline: str | GPBaseline = "fixed"
    carryover: str = "as_specified"

    def __post_init__(self):
        object.__setattr__(self, "baseline", resolve_baseline(self.baseline))
        for name, kind in (
            ("channels", "channel name -> ChannelSpec"),
            ("priors", "prior name -> Prior"),
        ):
            if not isinstance(getattr(self, name), Mapping):
                raise SpecError(message(name, f"a mapping of {kind}", repr(getattr(self, name))))
        harmful = [self.harmful] if isinstance(self.harmful, str) else self.harmful
        if not isinstance(harmful, (list, tuple)) or not all(isinstance(c, str) for c in harmful):
            raise SpecError(message("harmful", "a list of channel names", repr(self.harmful)))
        object.__setattr__(self, "harmful", tuple(harmful))
        object.__setattr__(self, "channels", dict(self.channels))
        object.__setattr__(self, "priors", dict(self.priors))
        one_of("adstock", self.adstock, sorted(ADSTOCKS))
        one_of("saturation", self.saturation, sorted(SATURATIONS))
        for flag in ("trend", "geo_noise", "geo_trend", "geo_seasonality", "geo_media"):
            object.__setattr__(self, flag, check_flag(flag, getattr(self, flag)))
        if not (is_integer(self.l_max) and 1 <= self.l_max <= 104):
            raise SpecError(
                message("l_max", "an integer number of periods in [1, 104]", repr(self.l_max))
            )
        if not (is_integer(self.seasonality) and 0 <= self.seasonality <= 10):
            raise SpecError(
                message("seasonality", "a Fourier order in [0, 10]", repr(self.seasonality))
            )
        one_of("pooling", self.pooling, POOLINGS)
        one_of("carryover", self.carryover, CARRYOVER_MODES)
        one_of("likelihood", self.likelihood, LIKELIHOODS)
        if (
            isinstance(self.period, bool)
            or not isinstance(self.period, (int, float))
            or not self.period > 1
        ):
            raise SpecError(
                message("period", "a seasonal period > 1 (periods per year)", self.period)
            )
        unknown = set(self.priors) - set(DEFAULT_PRIORS)
        if unknown:
            raise SpecError(
                message(
                    "priors keys",
                    f"some of {sorted(DEFAULT_PRIORS)}",
                    sorted(unknown),
                    "Channel-level priors go in channels={name: ChannelSpec(priors=...)}.",
                )
            )
        check_scale_priors(self.priors)
        for name, spec in self.channels.items():
            if not isinstance(spec, ChannelSpec):
                raise SpecError(
                    message(f"channels['{name}']", "a ChannelSpec", type(spec).__name__)
                )
            if spec.adstock is not None:
                one_of(f"channels['{name}'].adstock", spec.adstock, sorted(ADSTOCKS))
            if spec.saturation is not None:
                one_of(f"channels['{name}'].saturation", spec.saturation, sorted(SATURATIONS))

    # ------------------------------------------------------------------ resolution
    def prior(self, name: str) -> Prior:
        return self.priors.get(name, DEFAULT_PRIORS[name])

    def resolve(self, channels: tuple[str, ...]) -> list[ResolvedChannel]:
        """Fill in defaults for each data channel; reject overrides naming unknown channels."""
        unknown = [c for c in [*self.channels, *self.harmful] if c not in channels]
        if unknown:
            raise SpecError(
                message(
                    f"channel name(s) {unknown} in the spec",
                    f"channels of the data {list(channels)}",
                    "unknown names",
                    "Check spelling against MMMData.channels.",
                )
            )
        out = []
        for name in channels:
            cs = self.channels.get(name, ChannelSpec())
            adstock = cs.adstock or self.adstock
            saturation = cs.saturation or self.saturation
            harmful = cs.harmful or name in self.harmful
            params = ADSTOCKS[adstock].params + SATURATIONS[saturation].params
            extra = set(cs.priors) - set(params)
            if extra:
                raise SpecError(
                    message(
                        f"channels['{name}'].priors",
                        f"parameters of {adstock}/{saturation}: {list(params)}",
                        sorted(extra),
                    )
                )
            priors = {
                **ADSTOCKS[adstock].default_priors,
                **SATURATIONS[saturation].default_priors,
                **cs.priors,
            }
            for transform in (ADSTOCKS[adstock], SATURATIONS[saturation]):
                transform.check_priors(priors, f"channels['{name}']")
            if cs.effect is not None:
                effect = cs.effect
            else:
                effect = self.prior("beta_harmful") if harmful else self.effect_prior
            if harmful and not isinstance(effect, Prior):
                raise SpecError(
                    message(
                        f"channels['{name}'].effect",
                        "a Prior on beta (e.g. Normal) for a harmful channel",
                        type(effect).__name__,
                        "ROI/share priors are log-normal and cannot be negative.",
                    )
                )
            out.append(ResolvedChannel(name, adstock, saturation, priors, effect, harmful))
        return out

    def with_(self, **changes) -> ModelSpec:
        """A copy with some fields changed (specs are immutable)."""
        return replace(self, **changes)

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "channels" or f.name == "priors":
                value = {k: v.to_dict() for k, v in value.items()}
            elif f.name == "effect_prior":
                value = value.to_dict()
            elif f.name == "harmful":
                value = list(value)
            elif f.name == "baseline":
                value = baseline_to_dict(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ModelSpec:
        known = {f.name for f in fields(cls)}
        if not isinstance(d, Mapping):
            raise SpecError(
                message("model spec", "a mapping of spec keys to values", type(d).__name__)
            )
        check_keys("model spec keys", d, known)
        kwargs = dict(d)
        if "channels" in kwargs:
            channels = kwargs["channels"] or {}
            if not isinstance(channels, Mapping):
                raise SpecError(
                    message(
                        "channels",
                        "a mapping of channel name -> channel spec",
                        type(channels).__name__,
                    )
                )
            kwargs["channels"] = {k: ChannelSpec.from_dict(v or {}) for k, v in channels.items()}
        if "priors" in kwargs:
            if not isinstance(kwargs["priors"] or {}, Mapping):
                raise SpecError(
                    message("priors", "a mapping of prior name -> prior", repr(kwargs["priors"]))
                )
            kwargs["priors"] = {k: prior_from_dict(v) for k, v in (kwargs["priors"] or {}).items()}
        if "effect_prior" in kwargs:
            kwargs["effect_prior"] = prior_from_dict(kwargs["effect_prior"])
        if "harmful" in kwargs:
            kwargs["harmful"] = kwargs["harmful"] or ()
        return cls(**kwargs)
