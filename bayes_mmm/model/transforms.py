"""Media transforms: adstock (carryover) and saturation (diminishing returns).

Each transform is one pure function that works on numpy arrays (post-processing, simulation,
optimisation) and on pytensor tensors (inside the PyMC model): the backend is chosen from the
type of the inputs. Arrays follow the layout ``(..., date, geo, channel)``: time is axis -3 and
parameters broadcast against the trailing ``(geo, channel)`` axes, so a leading ``draw`` axis
evaluates every posterior draw at once. Adstock is a weighted sum of ``l_max`` shifted copies of
the series (a loop over lags, never over time).

Transforms are registered by name in :data:`ADSTOCKS` and :data:`SATURATIONS` with their
parameter names and default priors, so specs, docs and the invariant tests read one table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np

from bayes_mmm.core.errors import SpecError, message
from bayes_mmm.model.priors import Prior


def backend(*values) -> ModuleType:
    """``pytensor.tensor`` if any input is symbolic, else numpy."""
    for value in values:
        if type(value).__module__.startswith("pytensor"):
            import pytensor.tensor as pt

            return pt
    return np


def _where(xp: ModuleType, cond, a, b):
    return xp.switch(cond, a, b) if xp is not np else np.where(cond, a, b)


def shift_in_time(x, lag: int):
    """Delay a ``(..., date, geo, channel)`` series by ``lag`` steps, filling with zeros."""
    if lag == 0:
        return x
    xp = backend(x)
    head = xp.zeros_like(x[..., :lag, :, :])
    return xp.concatenate([head, x[..., :-lag, :, :]], axis=-3)


def _convolve(x, weights: list):
    """Normalised weighted sum of lagged copies: sum_l w_l x[t - l] / sum_l w_l."""
    total = weights[0]
    out = weights[0] * x
    for lag, weight in enumerate(weights[1:], start=1):
        out = out + weight * shift_in_time(x, lag)
        total = total + weight
    return out / total


def geometric_adstock(x, alpha, l_max: int):
    """Geometric carryover: weight of lag l is ``alpha**l`` (0 <= alpha < 1), normalised to 1.

    ``x`` is media per week (any unit); the output keeps the unit and the total over time
    (except what spills past the last week).
    """
    return _convolve(x, [alpha**lag for lag in range(l_max)])


def delayed_adstock(x, alpha, theta, l_max: int):
    """Delayed (peaked) carryover: weight of lag l is ``alpha**((l - theta)**2)``, normalised.

    ``theta`` is the lag (in weeks) at which the effect peaks.
    """
    return _convolve(x, [alpha ** ((lag - theta) ** 2) for lag in range(l_max)])


def no_adstock(x, l_max: int = 1):
    """Identity: for cross-sectional data or channels with no carryover."""
    return x


def _sigmoid(xp: ModuleType, z):
    """``1 / (1 + exp(-z))``: PyTensor's ``sigmoid`` op (cheaper value and gradient in the compiled
    model than the written-out formula), the same formula in numpy."""
    if xp is not np:
        return xp.sigmoid(z)
    with np.errstate(over="ignore"):  # exp(-z) = inf for z < -709 gives the right limit 0
        return 1.0 / (1.0 + np.exp(-z))


def hill_saturation(x, half, slope):
    """Hill curve ``x^s / (x^s + half^s)`` in [0, 1): ``half`` is the media level giving 50%.

    Evaluated as the equal ``sigmoid(s (log x - log half))``: in the compiled model that costs
    one ``log`` and one ``exp`` per cell and a cheap gradient, and cut the large panel's gradient
    from 18 to 12 ms (docs/benchmarks.md). x = 0 takes a separate branch (``x * 0 * slope``: zero
    with zero, finite gradients; NaN stays NaN, so a missing media value never turns into a silent
    zero response).
    """
    xp = backend(x, half, slope)
    positive = x > 0
    safe_x = _where(xp, positive, x, xp.ones_like(x))
    value = _sigmoid(xp, slope * (xp.log(safe_x) - xp.log(half)))
    return _where(xp, positive, value, x * 0.0 * slope)


def logistic_saturation(x, lam):
    """Logistic curve ``(1 - e^{-lam x}) / (1 + e^{-lam x}) = tanh(lam x / 2)`` in [0, 1)."""
    xp = backend(x, lam)
    return xp.tanh(lam * x / 2.0)


def michaelis_menten_saturation(x, half):
    """Michaelis-Menten curve ``x / (x + half)`` in [0, 1); Hill with slope 1."""
    return x / (x + half)


INF = float("inf")
UNIT = (0.0, 1.0)  # a decay share
POSITIVE = (0.0, INF)  # a scale, a half-saturation point, a slope, a lag
DOMAIN_FIXES = {
    "alpha": "Use a prior on (0, 1), e.g. Prior('Beta', alpha=2, beta=3).",
    "theta": "Use a prior on [0, inf), e.g. Prior('HalfNormal', sigma=2).",
    "positive": "Use a positive prior, e.g. Prior('LogNormal', mu=0, sigma=0.7).",
}


@dataclass(frozen=True)
class Transform:
    """A registered transform: its function, parameter names and default priors."""

    name: str
    function: Callable
    params: tuple[str, ...]
    default_priors: dict[str, Prior] = field(default_factory=dict)
    description: str = ""
    domains: dict[str, tuple[float, float]] = field(default_factory=dict)  # param -> [low, high]

    def check_priors(self, priors: dict[str, Prior], where: str) -> None:
        """Reject a prior whose support leaves the parameter's domain (e.g. Normal on a decay in
        (0, 1)): its draws would be impossible values and give NaN or nonsense ROI."""
        for param, (low, high) in self.domains.items():
            prior = priors.get(param)
            if prior is None:
                continue
            lo, hi = prior.scipy().support()
            if lo < low or hi > high:
                raise SpecError(
                    message(
                        f"{where}.priors['{param}'] ({self.name})",
                        f"a prior with support inside [{low}, {high}]",
                        f"Prior({prior.distribution}) with support [{lo}, {hi}]",
                        self.fixes.get(param, "Use a distribution whose draws stay in range."),
                    )
                )

    @property
    def fixes(self) -> dict[str, str]:
        """Per-parameter advice when a prior leaves the domain."""
        return {p: DOMAIN_FIXES.get(p, DOMAIN_FIXES["positive"]) for p in self.domains}


# Media are divided by the channel's mean positive value before transforms, so a half-saturation
# point of 1 means "the typical week's spend gives half the maximum effect".
ADSTOCKS: dict[str, Transform] = {
    "geometric": Transform(
        "geometric",
        geometric_adstock,
        ("alpha",),
        {"alpha": Prior("Beta", alpha=2.0, beta=3.0)},
        "decay alpha in (0, 1): share of a week's effect carried into the next",
        {"alpha": UNIT},
    ),
    "delayed": Transform(
        "delayed",
        delayed_adstock,
        ("alpha", "theta"),
        {"alpha": Prior("Beta", alpha=2.0, beta=3.0), "theta": Prior("HalfNormal", sigma=2.0)},
        "decay alpha in (0, 1) and peak lag theta in weeks",
        {"alpha": UNIT, "theta": POSITIVE},
    ),
    "none": Transform("none", no_adstock, (), {}, "no carryover"),
}

SATURATIONS: dict[str, Transform] = {
    "hill": Transform(
        "hill",
        hill_saturation,
        ("half", "slope"),
        {
            "half": Prior("LogNormal", mu=0.0, sigma=0.7),
            "slope": Prior("LogNormal", mu=0.0, sigma=0.4),
        },
        "half-saturation point (in typical-week units) and slope (>1: S-shaped)",
        {"half": POSITIVE, "slope": POSITIVE},
    ),
    "logistic": Transform(
        "logistic",
        logistic_saturation,
        ("lam",),
        {"lam": Prior("Gamma", alpha=3.0, beta=2.0)},
        "steepness lam (per typical-week unit)",
        {"lam": POSITIVE},
    ),
    "michaelis_menten": Transform(
        "michaelis_menten",
        michaelis_menten_saturation,
        ("half",),
        {"half": Prior("LogNormal", mu=0.0, sigma=0.7)},
        "half-saturation point (in typical-week units)",
        {"half": POSITIVE},
    ),
}


def apply_adstock(kind: str, x, params: dict, l_max: int):
    """Apply the registered adstock ``kind`` with parameter values from ``params``."""
    transform = ADSTOCKS[kind]
    return transform.function(x, *(params[p] for p in transform.params), l_max=l_max)


def apply_saturation(kind: str, x, params: dict):
    """Apply the registered saturation ``kind`` with parameter values from ``params``."""
    transform = SATURATIONS[kind]
    return transform.function(x, *(params[p] for p in transform.params))
