"""Budget constraints of the optimiser: box bounds per decision variable and linear constraints.

Everything is held in currency over the horizon (spend = scale x scaled budget) together with the
source of each bound, so an infeasible combination is reported by name, e.g. "sum of lower bounds
1.20M exceeds budget 1.00M" or "channel 'tv': lower bound 150.0k (bounds['tv']) exceeds upper
bound 130.0k (relative_bounds 0.7-1.3x current)".
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from bayes_mmm.core.errors import OptimizationError, message
from bayes_mmm.planning.plans import money

FLEX_UPPER = 5.0  # default upper bound per variable in flexible-budget mode, x current budget


class Constraints:
    """Box bounds per variable and linear constraints, in currency, with the source of every
    bound."""

    def __init__(self, channels, geos, owner_ch, owner_geo, scale, current, budget, flexible):
        self.channels, self.geos = list(channels), list(geos)
        self.owner_ch, self.owner_geo, self.scale = owner_ch, owner_geo, scale
        self.current, self.budget, self.flexible = current, budget, flexible
        default = np.full(len(scale), np.inf if budget is None else float(budget))
        if flexible:
            default = np.minimum(default, FLEX_UPPER * scale)
        self.lower, self.upper = np.zeros(len(scale)), default
        self.lower_src = ["spend >= 0"] * len(scale)
        self.upper_src = [
            "budget" if budget is not None else f"default search range {FLEX_UPPER:g}x current"
        ] * len(scale)
        self.linear: list[
            tuple[np.ndarray, float, float, str]
        ] = []  # (coef on spend, lo, hi, label)

    def label(self, v: int) -> str:
        geo = (
            ""
            if self.owner_geo[v] < 0 or len(self.geos) == 1
            else f", region '{self.geos[self.owner_geo[v]]}'"
        )
        return f"channel '{self.channels[self.owner_ch[v]]}'{geo}"

    def _vars(self, name: str, key) -> np.ndarray:
        if isinstance(key, tuple) and len(key) == 2:
            geo, ch = key
            self._known(name, ch)
            if geo not in self.geos:
                raise OptimizationError(message(name, f"regions from {self.geos}", repr(geo)))
            picked = np.flatnonzero(
                (self.owner_ch == self.channels.index(ch))
                & (self.owner_geo == self.geos.index(geo))
            )
            if not picked.size:
                raise OptimizationError(
                    message(name, "(geo, channel) keys only with by_geo=True", repr(key))
                )
            return picked
        self._known(name, key)
        return np.flatnonzero(self.owner_ch == self.channels.index(key))

    def _known(self, name, ch):
        if ch not in self.channels:
            raise OptimizationError(message(name, f"channel names from {self.channels}", repr(ch)))

    def _box(self, v, lo, hi, src):
        if lo is not None and lo > self.lower[v]:
            self.lower[v], self.lower_src[v] = lo, src
        if hi is not None and hi < self.upper[v]:
            self.upper[v], self.upper_src[v] = hi, src

    # long: one pass over the bound sources in priority order (bounds, relative, fixed, zero,
    # regional budgets) so each bound remembers which argument set it; splitting hides the order
    def apply(self, bounds, relative, fixed, zero, region_budgets) -> None:
        both = set(fixed) & set(zero)
        if both:
            raise OptimizationError(
                message("fixed / zero", "disjoint channel lists", f"{sorted(both)} in both")
            )
        pinned = set()
        for name, chans in (("fixed", fixed), ("zero", zero)):
            for ch in chans:
                for v in self._vars(name, ch):
                    level = self.current[v] if name == "fixed" else 0.0
                    self._box(v, level, level, f"{name}={ch!r}")
                    pinned.add(v)
        if relative is not None:
            rel = (
                relative
                if isinstance(relative, Mapping)
                else dict.fromkeys(self.channels, relative)
            )
            for ch, r in rel.items():
                lo_m, hi_m = (1 - r, 1 + r) if np.isscalar(r) else r
                if not (0 <= lo_m <= hi_m):
                    raise OptimizationError(
                        message(
                            "relative_bounds",
                            "0 <= lower multiplier <= upper multiplier",
                            f"{r} for {ch!r}",
                        )
                    )
                for v in self._vars("relative_bounds", ch):
                    if v not in pinned:
                        self._box(
                            v,
                            lo_m * self.current[v],
                            hi_m * self.current[v],
                            f"relative_bounds {lo_m:g}-{hi_m:g}x current",
                        )
        for key, (lo, hi) in (bounds or {}).items():
            for name, val in (("lower", lo), ("upper", hi)):
                if val is not None and not (math.isfinite(val) and val >= 0):
                    raise OptimizationError(
                        message(f"bounds[{key!r}]", f"a {name} bound >= 0 (currency)", val)
                    )
            picked = self._vars("bounds", key)
            if len(picked) == 1:
                self._box(picked[0], lo, hi, f"bounds[{key!r}]")
            else:
                coef = np.isin(np.arange(len(self.scale)), picked).astype(float)
                self.linear.append(
                    (coef, lo or 0.0, np.inf if hi is None else hi, f"bounds[{key!r}] on the total")
                )
        if not self.flexible:
            self.linear.append((np.ones(len(self.scale)), self.budget, self.budget, "budget"))
        elif self.budget is not None:
            self.linear.append((np.ones(len(self.scale)), 0.0, self.budget, "budget cap"))
        for geo, total in (region_budgets or {}).items():
            if geo not in self.geos:
                raise OptimizationError(
                    message("region_budgets", f"regions from {self.geos}", repr(geo))
                )
            if not (math.isfinite(total) and total >= 0):
                raise OptimizationError(
                    message(f"region_budgets[{geo!r}]", "a total spend >= 0", total)
                )
            coef = (self.owner_geo == self.geos.index(geo)).astype(float)
            self.linear.append((coef, total, total, f"region_budgets[{geo!r}]"))

    def check(self) -> None:
        """Raise OptimizationError naming the first pair of conflicting constraints."""
        tol = 1e-9 * max(float(np.sum(self.current)), 1.0)
        for v in range(len(self.scale)):
            if self.lower[v] > self.upper[v] + tol:
                self._fail(
                    f"{self.label(v)}: lower bound {money(self.lower[v])} ({self.lower_src[v]}) "
                    f"exceeds upper bound {money(self.upper[v])} ({self.upper_src[v]})"
                )
        # a lower bound above its upper bound by less than the tolerance is the same bound (e.g.
        # (1e-274, 0.0)): reconcile it, or scipy refuses the bounds with a raw ValueError
        self.lower = np.minimum(self.lower, self.upper)
        for coef, lo, hi, label in self.linear:
            sel = coef > 0
            low, high = self.lower[sel].sum(), self.upper[sel].sum()
            what = "budget" if label == "budget" else label
            if low > hi + tol:
                self._fail(f"sum of lower bounds {money(low)} exceeds {what} {money(hi)}")
            if high < lo - tol:
                self._fail(f"sum of upper bounds {money(high)} is below {what} {money(lo)}")
        regions = [(c, lo) for c, lo, _, label in self.linear if label.startswith("region_budgets")]
        if regions and not self.flexible:
            total = sum(lo for _, lo in regions)
            covered = np.sum([c for c, _ in regions], axis=0) > 0
            if total > self.budget + tol or (covered.all() and abs(total - self.budget) > tol):
                self._fail(
                    f"region budgets sum to {money(total)} but budget is {money(self.budget)}"
                )
        from scipy.optimize import linprog

        if not self.linear:
            return
        a_ub, b_ub = [], []
        for coef, lo, hi, _ in self.linear:
            if np.isfinite(hi):
                a_ub.append(coef), b_ub.append(hi)
            a_ub.append(-coef), b_ub.append(-lo)
        res = linprog(
            np.zeros(len(self.scale)),
            A_ub=np.array(a_ub),
            b_ub=np.array(b_ub) + tol,
            bounds=list(zip(self.lower, np.where(np.isfinite(self.upper), self.upper, None))),
        )
        if res.status == 2:
            self._fail(
                "bounds, budget and region_budgets together admit no plan ("
                + "; ".join(label for *_, label in self.linear)
                + ")"
            )

    def _fail(self, conflict: str):
        raise OptimizationError(
            message(
                "constraints",
                "a feasible set of budget constraints",
                conflict,
                "Loosen the conflicting bounds or change the budget.",
            )
        )

    def scipy(self, norm: float) -> list[dict]:
        """Linear constraints on scaled budgets for scipy (spend = scale x x), divided by
        ``norm``."""
        out, equalities = [], []
        for coef, lo, hi, _ in self.linear:
            a = coef * self.scale / norm
            if lo == hi:
                if equalities and np.linalg.matrix_rank(np.array([*equalities, a])) <= len(
                    equalities
                ):
                    # implied by the others (e.g. budget = sum of every region's budget): SLSQP
                    # needs full rank
                    continue
                equalities.append(a)
                out.append(
                    {
                        "type": "eq",
                        "fun": lambda x, a=a, t=lo / norm: np.array([a @ x - t]),
                        "jac": lambda x, a=a: a[None],
                    }
                )
                continue
            if lo > 0:
                out.append(
                    {
                        "type": "ineq",
                        "fun": lambda x, a=a, t=lo / norm: np.array([a @ x - t]),
                        "jac": lambda x, a=a: a[None],
                    }
                )
            if np.isfinite(hi):
                out.append(
                    {
                        "type": "ineq",
                        "fun": lambda x, a=a, t=hi / norm: np.array([t - a @ x]),
                        "jac": lambda x, a=a: -a[None],
                    }
                )
        return out

    def verify(self, x: np.ndarray, rtol: float = 1e-6) -> None:
        """Raise if the solver's plan breaks a constraint by more than ``rtol`` of the budget."""
        spend = self.scale * x
        tol = rtol * max(float(np.sum(self.current)), float(self.budget or 0), 1.0)
        bad = [
            self.label(v)
            for v in range(len(x))
            if spend[v] < self.lower[v] - tol or spend[v] > self.upper[v] + tol
        ]
        bad += [
            label for coef, lo, hi, label in self.linear if not lo - tol <= coef @ spend <= hi + tol
        ]
        if bad:
            raise OptimizationError(
                message(
                    "optimize_budget",
                    "a plan satisfying every constraint",
                    f"solver ended violating {bad}",
                    "Raise maxiter or loosen constraints.",
                )
            )
