"""Prior specifications: small frozen, JSON-serialisable objects.

* :class:`Prior` - any of a few PyMC distributions by name, e.g. ``Prior("Beta", alpha=2, beta=3)``.
* :class:`ROIPrior` - a prior on a channel's return on investment in business units
  (incremental outcome per unit of spend), given as a median and a credible interval.
* :class:`SharePrior` - a prior on a channel's share of the total outcome, for targets that are
  not money (units, sign-ups).
* :class:`RelativeROIPrior` - the unit-free default: ROI relative to outcome per unit of media
  spend.

ROI and share priors are *split log-normal*: ``value = exp(log(median) + z * s)`` with
``z ~ Normal(0, 1)`` and ``s`` taking one value below the median and another above, chosen so
the prior has exactly the requested median and interval. Sampling ``z`` (non-centred) keeps the
geometry easy for NUTS.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

from scipy import stats

from bayes_mmm.core.errors import SpecError, is_number, message

# distribution -> (required parameters, parameters that must be > 0)
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Normal": (("mu", "sigma"), ("sigma",)),
    "HalfNormal": (("sigma",), ("sigma",)),
    "LogNormal": (("mu", "sigma"), ("sigma",)),
    "Beta": (("alpha", "beta"), ("alpha", "beta")),
    "Gamma": (("alpha", "beta"), ("alpha", "beta")),
    "Exponential": (("lam",), ("lam",)),
    "StudentT": (("nu", "mu", "sigma"), ("nu", "sigma")),
    "TruncatedNormal": (("mu", "sigma", "lower", "upper"), ("sigma",)),
    "Uniform": (("lower", "upper"), ()),
}


@dataclass(frozen=True)
class Prior:
    """A named PyMC distribution with fixed parameters, e.g. ``Prior("HalfNormal", sigma=0.5)``."""

    distribution: str
    params: dict[str, float] = field(default_factory=dict)

    def __init__(self, distribution: str, **params: float):
        if not isinstance(distribution, str) or distribution not in DISTRIBUTIONS:
            raise SpecError(
                message("Prior distribution", f"one of {sorted(DISTRIBUTIONS)}", repr(distribution))
            )
        bad = [
            k for k, v in params.items() if isinstance(v, bool) or not isinstance(v, numbers.Real)
        ]
        if bad:
            raise SpecError(
                message(
                    f"Prior({distribution}) parameters {bad}",
                    "numbers",
                    ", ".join(f"{k}={params[k]!r}" for k in bad),
                )
            )
        object.__setattr__(self, "distribution", distribution)
        object.__setattr__(self, "params", {k: float(v) for k, v in params.items()})
        self._validate()

    def _validate(self) -> None:
        if self.distribution not in DISTRIBUTIONS:
            raise SpecError(
                message(
                    "Prior distribution", f"one of {sorted(DISTRIBUTIONS)}", repr(self.distribution)
                )
            )
        required, positive = DISTRIBUTIONS[self.distribution]
        if set(self.params) != set(required):
            raise SpecError(
                message(
                    f"Prior({self.distribution}) parameters",
                    f"exactly {list(required)}",
                    sorted(self.params),
                )
            )
        for name, value in self.params.items():
            if not math.isfinite(value):
                raise SpecError(
                    message(f"Prior({self.distribution}).{name}", "a finite number", value)
                )
        for name in positive:
            if self.params[name] <= 0:
                raise SpecError(
                    message(
                        f"Prior({self.distribution}).{name}",
                        "a value > 0",
                        self.params[name],
                        "Scales and shapes must be positive.",
                    )
                )
        lower, upper = self.params.get("lower"), self.params.get("upper")
        if lower is not None and upper is not None and not lower < upper:
            raise SpecError(
                message(
                    f"Prior({self.distribution}) bounds",
                    "lower < upper",
                    f"lower={lower}, upper={upper}",
                )
            )

    def build(self, name: str, dims=None, shape=None):
        """Create the PyMC random variable inside the current model context."""
        import pymc as pm

        return getattr(pm, self.distribution)(name, **self.params, dims=dims, shape=shape)

    def scipy(self):
        """The equivalent frozen scipy distribution (for prior summaries and tests)."""
        p = self.params
        d = self.distribution
        if d == "Normal":
            return stats.norm(p["mu"], p["sigma"])
        if d == "HalfNormal":
            return stats.halfnorm(scale=p["sigma"])
        if d == "LogNormal":
            return stats.lognorm(s=p["sigma"], scale=math.exp(p["mu"]))
        if d == "Beta":
            return stats.beta(p["alpha"], p["beta"])
        if d == "Gamma":
            return stats.gamma(p["alpha"], scale=1 / p["beta"])
        if d == "Exponential":
            return stats.expon(scale=1 / p["lam"])
        if d == "StudentT":
            return stats.t(p["nu"], p["mu"], p["sigma"])
        if d == "TruncatedNormal":
            a, b = (p["lower"] - p["mu"]) / p["sigma"], (p["upper"] - p["mu"]) / p["sigma"]
            return stats.truncnorm(a, b, p["mu"], p["sigma"])
        return stats.uniform(p["lower"], p["upper"] - p["lower"])

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Prior", "distribution": self.distribution, "params": dict(self.params)}


PRIOR_TYPES: dict[str, type] = {}  # QuantilePrior subclasses by name, filled as they are defined


@dataclass(frozen=True)
class QuantilePrior:
    """Split log-normal prior given by its median and a central interval at ``level``.

    Subclasses set ``kind`` (a quantity registered in
    :data:`bayes_mmm.model.effect_priors.QUANTITY_KINDS`) and are registered by class name for
    model files and configs (``PRIOR_TYPES``). ``spread > 0`` (experimental, off by default)
    partially pools the channels sharing this kind of prior: a common level drawn from this
    prior plus a learned spread ``HalfNormal(1) x spread`` on the log scale
    (:func:`bayes_mmm.model.effect_priors.log_quantity`).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        PRIOR_TYPES[cls.__name__] = cls

    median: float
    interval: tuple[float, float]
    level: float = 0.9
    spread: float = 0.0  # > 0: partially pool channels (see effect_priors.log_quantity)
    kind = "roi"

    def __post_init__(self):
        name = type(self).__name__
        try:
            lo, hi = (float(v) for v in self.interval)
            median, level = float(self.median), float(self.level)
        except (TypeError, ValueError) as exc:
            raise SpecError(
                message(
                    name,
                    "a numeric median, (lower, upper) interval and level",
                    f"median={self.median!r}, interval={self.interval!r}, level={self.level!r}",
                    f"e.g. {name}(1.5, (0.5, 4.0)).",
                )
            ) from exc
        object.__setattr__(self, "interval", (lo, hi))
        object.__setattr__(self, "median", median)
        object.__setattr__(self, "level", level)
        if not (is_number(self.spread) and 0 <= self.spread < math.inf):
            raise SpecError(message(f"{name}.spread", "a number >= 0", repr(self.spread)))
        object.__setattr__(self, "spread", float(self.spread))
        if not (math.isfinite(self.median) and self.median > 0):
            raise SpecError(message(f"{name}.median", "a finite value > 0", self.median))
        if not 0 < self.level < 1:
            raise SpecError(message(f"{name}.level", "a probability in (0, 1)", self.level))
        if not (0 < lo < self.median < hi and math.isfinite(hi)):
            raise SpecError(
                message(
                    f"{name}.interval",
                    "0 < lower < median < upper",
                    f"interval={self.interval}, median={self.median}",
                    "Give the interval as (lower, upper) around the median.",
                )
            )

    @property
    def z(self) -> float:
        return float(stats.norm.ppf(0.5 + self.level / 2))

    @property
    def log_median(self) -> float:
        return math.log(self.median)

    @property
    def sigma_below(self) -> float:
        return math.log(self.median / self.interval[0]) / self.z

    @property
    def sigma_above(self) -> float:
        return math.log(self.interval[1] / self.median) / self.z

    def quantile(self, q):
        """Exact prior quantile(s) of the split log-normal."""
        import numpy as np

        z = stats.norm.ppf(np.asarray(q, dtype=float))
        return np.exp(self.log_median + z * np.where(z < 0, self.sigma_below, self.sigma_above))

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": type(self).__name__,
            "median": self.median,
            "interval": list(self.interval),
            "level": self.level,
        } | ({"spread": self.spread} if self.spread else {})

    @classmethod
    def from_mean_sd(cls, mean: float, sd: float, level: float = 0.9):
        """Log-normal with the given mean and standard deviation (symmetric in log space)."""
        if not (mean > 0 and sd > 0):
            raise SpecError(
                message(
                    f"{cls.__name__}.from_mean_sd", "mean > 0 and sd > 0", f"mean={mean}, sd={sd}"
                )
            )
        sigma = math.sqrt(math.log1p((sd / mean) ** 2))
        mu = math.log(mean) - sigma**2 / 2
        z = float(stats.norm.ppf(0.5 + level / 2))
        return cls(
            median=math.exp(mu),
            interval=(math.exp(mu - z * sigma), math.exp(mu + z * sigma)),
            level=level,
        )


class ROIPrior(QuantilePrior):
    """Prior on ROI = incremental outcome / spend, e.g. ``ROIPrior(1.5, (0.5, 4.0), level=0.9)``."""

    kind = "roi"


class MROIPrior(QuantilePrior):
    """Prior on marginal ROI: incremental outcome of +1% spend over the data window per unit of
    that spend."""

    kind = "mroi"


class SharePrior(QuantilePrior):
    """Prior on the channel's share of the total outcome over the data window (0.1 = 10%)."""

    kind = "share"


class RelativeROIPrior(QuantilePrior):
    """Unit-free prior on a channel's ROI relative to the outcome per unit of total media spend.

    ``k = share of outcome / share of media spend``: k = 1 for every channel would mean media drives
    100% of the outcome, split in proportion to spend; the default (median 0.25) says media drives
    about a quarter of the outcome a priori, with wide uncertainty. Implied ROI =
    ``k x total outcome / total media spend``. Works for any target unit (revenue, units, sign-ups).
    """

    kind = "relative_roi"


def prior_from_dict(d: dict[str, Any]) -> Prior | ROIPrior | SharePrior:
    """Rebuild a prior from :meth:`to_dict` output (used by model files and YAML configs)."""
    if not isinstance(d, dict) or "type" not in d:
        raise SpecError(message("prior", "a mapping with a 'type' key", repr(d)))
    kind = d["type"]
    classes = PRIOR_TYPES
    if not isinstance(kind, str) or (kind != "Prior" and kind not in classes):
        raise SpecError(
            message(
                "prior type",
                f"'Prior' or one of {sorted(classes)}",
                repr(kind),
            )
        )
    if kind == "Prior":
        params = d.get("params") or {}
        if not isinstance(d.get("distribution"), str) or not isinstance(params, dict):
            raise SpecError(
                message(
                    "Prior",
                    "{type: Prior, distribution: <name>, params: {<name>: <number>}}",
                    repr(d),
                    "e.g. {type: Prior, distribution: Normal, params: {mu: 0, sigma: 1}}.",
                )
            )
        return Prior(d["distribution"], **{str(k): v for k, v in params.items()})
    try:
        median, interval = float(d["median"]), tuple(float(v) for v in d["interval"])
        level = float(d.get("level", 0.9))
        spread = float(d.get("spread", 0.0))
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(
            message(
                kind,
                "{median: <number>, interval: [<lower>, <upper>], level: <0-1, optional>}",
                repr(d),
                f"Fix the prior ({type(exc).__name__}: {exc}).",
            )
        ) from exc
    return classes[kind](median=median, interval=interval, level=level, spread=spread)
