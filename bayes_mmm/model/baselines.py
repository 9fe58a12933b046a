"""Time-varying baseline: a Hilbert-space GP over time (PyMC's ``pm.gp.HSGP``) added to the level.

``bm.MMM(baseline="gp")`` (or ``baseline=GPBaseline(...)``) adds a smooth zero-mean curve
``f(t)`` to the fixed baseline (level + trend + Fourier seasonality + controls), so slow drifts
(distribution gains, a competitor's entry, a price war) go into the baseline instead of leaking
into the media effects. Priors are in user units:

* ``lengthscale``: 90% prior interval in periods (weeks), log-normal; the default (10, 100) weeks
  keeps the curve slower than a flight of media (adstock spans <= 8 weeks, so a GP that wiggles
  week to week could absorb media) and faster than the linear trend. Lower bound >= 2 periods.
* ``amplitude``: half-normal scale of the GP's marginal sd as a fraction of the mean target
  (the target is scaled by its mean, so 0.1 = drifts of about +-10-20% of typical sales).
* regions: one shared curve plus partially pooled regional deviations with the same lengthscale
  and a half-normal amplitude of ``amplitude * regional_share``.

Variables: ``gp_lengthscale``, ``gp_amplitude``, ``gp_z`` (basis), and with regions
``gp_geo_amplitude``, ``gp_geo_z`` (basis, geo); the Deterministic ``gp_baseline`` (date, geo) in
scaled units is what the results read. Future periods (holdout, plans) hold each draw's last
fitted value (docs/model.md): the GP says nothing about the future beyond persistence.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from bayes_mmm.core.errors import SpecError, check_keys, is_number, message

BASELINES = ("fixed", "gp")
Z90 = 1.6448536269514722  # standard normal 95% quantile: a 90% interval spans +-Z90 sd


@dataclass(frozen=True)
class GPBaseline:
    """Options of the GP baseline (all in user units; see the module docstring for why).

    Attributes:
        lengthscale: 90% prior interval of the lengthscale in periods (weeks).
        amplitude: prior scale of the GP sd, as a fraction of the mean target.
        regional_share: regional deviations' amplitude scale relative to ``amplitude``.
        c: HSGP boundary factor (the approximation box is ``c`` times the half-range of time).
        m: number of basis functions; None: enough for the lower lengthscale (Riutort-Mayol et
            al. 2023: ``m >= 1.75 c S / lengthscale``), between 8 and 40.
    """

    lengthscale: tuple[float, float] = (10.0, 100.0)
    amplitude: float = 0.1
    regional_share: float = 0.5
    c: float = 1.5
    m: int | None = None

    def __post_init__(self):
        ls = self.lengthscale
        ok = isinstance(ls, tuple | list) and len(ls) == 2 and all(is_number(v) for v in ls)
        if not ok or not 2 <= ls[0] < ls[1]:
            raise SpecError(
                message(
                    "GPBaseline.lengthscale",
                    "a 90% interval (low, high) in periods with 2 <= low < high",
                    repr(ls),
                    "A lengthscale under two periods lets the baseline follow week-to-week noise "
                    "and media flights; use e.g. (10, 100) weeks.",
                )
            )
        object.__setattr__(self, "lengthscale", (float(ls[0]), float(ls[1])))
        for name in ("amplitude", "regional_share"):
            v = getattr(self, name)
            if not is_number(v) or not v > 0:
                raise SpecError(message(f"GPBaseline.{name}", "a number > 0", repr(v)))
        if not is_number(self.c) or not self.c >= 1.2:
            raise SpecError(message("GPBaseline.c", "a boundary factor >= 1.2", repr(self.c)))
        if self.m is not None and not (isinstance(self.m, int) and 4 <= self.m <= 200):
            raise SpecError(message("GPBaseline.m", "None or an integer in [4, 200]", self.m))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "GPBaseline", **asdict(self), "lengthscale": list(self.lengthscale)}

    @classmethod
    def from_dict(cls, d: dict) -> GPBaseline:
        allowed = set(cls.__dataclass_fields__)
        kwargs = {k: v for k, v in d.items() if k != "type"}
        check_keys("baseline keys", kwargs, allowed)
        if isinstance(kwargs.get("lengthscale"), list):
            kwargs["lengthscale"] = tuple(kwargs["lengthscale"])
        return cls(**kwargs)

    def n_basis(self, n_dates: int) -> int:
        """Basis size for ``n_dates`` periods (``m`` if given)."""
        if self.m is not None:
            return self.m
        half_range = max(n_dates - 1, 1) / 2
        return int(np.clip(math.ceil(1.75 * self.c * half_range / self.lengthscale[0]), 8, 40))


def resolve_baseline(value) -> str | GPBaseline:
    """``"fixed"``, ``"gp"`` (default options) or a :class:`GPBaseline`; a dict from a config."""
    if isinstance(value, GPBaseline) or value == "fixed":
        return value
    if value == "gp":
        return GPBaseline()
    if isinstance(value, dict):
        return GPBaseline.from_dict(value)
    raise SpecError(
        message(
            "baseline",
            f"one of {list(BASELINES)} or a GPBaseline(...)",
            repr(value),
            "Use baseline='gp' for a time-varying baseline, 'fixed' for level + trend only.",
        )
    )


def baseline_to_dict(value) -> str | dict:
    return value.to_dict() if isinstance(value, GPBaseline) else value


def add_gp_baseline(options: GPBaseline, n_dates: int, n_geos: int):
    """Add the GP baseline variables to the current PyMC model; returns ``(date, geo)`` tensor."""
    import pymc as pm

    lo, hi = options.lengthscale
    mu, sigma = math.log(math.sqrt(lo * hi)), math.log(hi / lo) / (2 * Z90)
    t = np.arange(n_dates, dtype=float)[:, None]  # time in periods (weeks)
    m = options.n_basis(n_dates)
    ell = pm.LogNormal("gp_lengthscale", mu=mu, sigma=sigma)
    eta = pm.HalfNormal("gp_amplitude", sigma=options.amplitude)
    gp = pm.gp.HSGP(m=[m], c=options.c, cov_func=eta**2 * pm.gp.cov.Matern52(1, ls=ell))
    phi, sqrt_psd = gp.prior_linearized(X=t)
    phi = np.asarray(phi.eval())  # fixed basis: depends on time only
    z = pm.Normal("gp_z", 0.0, 1.0, shape=m)
    # elementwise product and sum, not ``@``: Numba compiles BLAS calls slowly (equations.py)
    f = (phi * (z * sqrt_psd)[None, :]).sum(axis=-1)[:, None]
    if n_geos > 1:
        eta_g = pm.HalfNormal("gp_geo_amplitude", sigma=options.amplitude * options.regional_share)
        gp_g = pm.gp.HSGP(m=[m], c=options.c, cov_func=eta_g**2 * pm.gp.cov.Matern52(1, ls=ell))
        _, sqrt_psd_g = gp_g.prior_linearized(X=t)
        z_g = pm.Normal("gp_geo_z", 0.0, 1.0, shape=(m, n_geos))
        f = f + (phi[:, :, None] * (z_g * sqrt_psd_g[:, None])[None]).sum(axis=1)
    else:
        f = f + np.zeros((1, n_geos))
    return pm.Deterministic("gp_baseline", f, dims=("date", "geo"))


def extend_last(draws: np.ndarray, n_dates: int) -> np.ndarray:
    """``(sample, n_train, geo)`` GP draws -> ``(sample, n_dates, geo)``, holding each draw's last
    fitted value over periods after training (the assumption for holdouts and plans)."""
    n_train = draws.shape[1]
    if n_dates <= n_train:
        return draws[:, :n_dates]
    tail = np.repeat(draws[:, -1:], n_dates - n_train, axis=1)
    return np.concatenate([draws, tail], axis=1)


__all__ = [
    "BASELINES",
    "GPBaseline",
    "add_gp_baseline",
    "baseline_to_dict",
    "extend_last",
    "resolve_baseline",
]
