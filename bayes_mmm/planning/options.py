"""The optimiser's options as three small frozen objects, and the keyword shortcuts that fill them.

* :class:`Objective` - what to maximise over the posterior draws (and flexible-budget targets);
* :class:`SpendLimits` - bounds, fixed and switched-off channels, regional budgets;
* :class:`PlanningWindow` - which weeks are planned, their flighting and the decision granularity.

``fit.optimize_budget(relative_bounds=0.3)`` is shorthand for
``fit.optimize_budget(limits=SpendLimits(relative_bounds=0.3))``: every field of the three objects
may be passed by name as a keyword (the same names as the fields).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from bayes_mmm.core.errors import OptimizationError, check_keys, did_you_mean, message

OBJECTIVES = ("outcome", "profit", "mean_sd", "cvar")


@dataclass(frozen=True)
class Objective:
    """What the optimiser maximises over the posterior draws.

    Attributes:
        kind: "outcome" (expected incremental outcome), "profit" (expected
            ``margin x outcome - spend``), "mean_sd" (``mean - risk_aversion x sd``), "cvar" (mean
            of the worst ``alpha`` share of draws), or a function ``(draw,) -> float`` of the
            per-draw values (gradient by finite differences). With ``margin`` the per-draw value of
            the risk objectives and of a function is profit, else outcome.
        margin: money kept per outcome unit for profit objectives (default 1.0).
        risk_aversion: lambda of "mean_sd" (>= 0).
        alpha: tail share of "cvar", in (0, 1).
        target_mroi: flexible budget: spend until the expected marginal ROI falls to this value.
        target_roi: flexible budget: maximise subject to expected ROI >= this value.
    """

    kind: str | Callable[[np.ndarray], float] = "outcome"
    margin: float | None = None
    risk_aversion: float = 1.0
    alpha: float = 0.1
    target_mroi: float | None = None
    target_roi: float | None = None

    def __post_init__(self):
        if not callable(self.kind) and self.kind not in OBJECTIVES:
            raise OptimizationError(
                message(
                    "objective",
                    f"one of {list(OBJECTIVES)} or a function of the draws",
                    repr(self.kind),
                    did_you_mean([self.kind], OBJECTIVES),
                )
            )
        for name, ok, allowed in (
            (
                "margin",
                self.margin is None or _positive(self.margin),
                "a positive money value per outcome unit",
            ),
            (
                "risk_aversion",
                _number(self.risk_aversion) and self.risk_aversion >= 0,
                "a number >= 0",
            ),
            ("alpha", _number(self.alpha) and 0 < self.alpha < 1, "a tail share in (0, 1)"),
            (
                "target_mroi",
                self.target_mroi is None or _positive(self.target_mroi),
                "a positive marginal ROI",
            ),
            ("target_roi", self.target_roi is None or _positive(self.target_roi), "a positive ROI"),
        ):
            if not ok:
                raise OptimizationError(message(name, allowed, repr(getattr(self, name))))
        if self.target_mroi is not None and self.target_roi is not None:
            raise OptimizationError(
                message(
                    "target_mroi / target_roi",
                    "at most one flexible-budget target",
                    f"target_mroi={self.target_mroi}, target_roi={self.target_roi}",
                )
            )
        if self.kind == "profit" and self.target_mroi is not None:
            raise OptimizationError(
                message(
                    "target_mroi",
                    "None with objective='profit' (profit already sets the "
                    "marginal ROI to 1 / margin)",
                    self.target_mroi,
                )
            )

    @property
    def flexible(self) -> bool:
        """True when the total budget is chosen by a target instead of fixed."""
        return self.target_mroi is not None or self.target_roi is not None

    @property
    def name(self) -> str:
        return self.kind if isinstance(self.kind, str) else getattr(self.kind, "__name__", "custom")

    def value_coefficients(self) -> tuple[float, float]:
        """Per-draw value = a x outcome - b x spend."""
        if self.kind == "profit":
            return (1.0 if self.margin is None else self.margin), 1.0
        if self.margin is not None and self.kind != "outcome":
            return self.margin, 1.0
        return 1.0, (0.0 if self.target_mroi is None else self.target_mroi)


@dataclass(frozen=True)
class SpendLimits:
    """Constraints on the plan (currency totals over the horizon).

    Attributes:
        bounds: absolute bounds ``{channel: (lower, upper)}`` on the channel total (None for no
            bound), or ``{(geo, channel): (lower, upper)}`` per region.
        relative_bounds: bounds relative to current spend: ``0.3`` (each channel within +-30%),
            ``(0.5, 2.0)`` multipliers, or ``{channel: 0.3 | (lo, hi)}``.
        fixed: channels kept at their current spend.
        zero: channels switched off.
        region_budgets: ``{geo: total spend over the horizon}`` (regional models).
    """

    bounds: Mapping | None = None
    relative_bounds: float | tuple | Mapping | None = None
    fixed: Sequence[str] = ()
    zero: Sequence[str] = ()
    region_budgets: Mapping[str, float] | None = None


@dataclass(frozen=True)
class PlanningWindow:
    """Which weeks are planned and how spend is laid out in them.

    Attributes:
        weeks: future horizon in weeks straight after the data; the reference ("current") plan is
            the last ``weeks`` weeks of spend, repeated. Ignored with ``window``.
        window: ``(start, end)`` dates (inclusive) of a historical window to re-allocate instead.
        pattern: weekly flighting within the horizon: "recent", "flat" or weights.
        by_geo: one decision variable per region x channel (default: when the model has regions);
            False keeps each channel's current regional split.
    """

    weeks: int = 13
    window: tuple | None = None
    pattern: object = "recent"
    by_geo: bool | None = None


SHORTCUTS = {
    **{f.name: ("limits", f.name) for f in fields(SpendLimits)},
    **{f.name: ("objective", f.name) for f in fields(Objective) if f.name != "kind"},
    "window": ("planning", "window"),
    "pattern": ("planning", "pattern"),
    "by_geo": ("planning", "by_geo"),
}


def resolve_options(
    objective, horizon, limits, shortcuts: dict
) -> tuple[Objective, SpendLimits, PlanningWindow]:
    """``optimize_budget``'s arguments (objects, plain values, shortcuts) -> the three objects."""
    check_keys("optimize_budget keyword(s)", shortcuts, SHORTCUTS, OptimizationError)
    objective = objective if isinstance(objective, Objective) else Objective(kind=objective)
    planning = horizon if isinstance(horizon, PlanningWindow) else PlanningWindow(weeks=horizon)
    limits = SpendLimits() if limits is None else limits
    if not isinstance(limits, SpendLimits):
        raise OptimizationError(
            message("limits", "a SpendLimits (or keyword shortcuts)", type(limits).__name__)
        )
    groups = {"objective": {}, "limits": {}, "planning": {}}
    for key, value in shortcuts.items():
        group, field_name = SHORTCUTS[key]
        groups[group][field_name] = value
    return (
        replace(objective, **groups["objective"]),
        replace(limits, **groups["limits"]),
        replace(planning, **groups["planning"]),
    )


def check_budget(budget) -> None:
    if budget is not None and not (_number(budget) and math.isfinite(budget) and budget >= 0):
        raise OptimizationError(message("budget", "a total spend >= 0", repr(budget)))


def _number(value) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _positive(value) -> bool:
    return _number(value) and value > 0
