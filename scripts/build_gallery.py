"""Render every ``fit.plot`` figure (and the budget and data plots) to docs/img/*.png for the docs
gallery and the README: ``python scripts/build_gallery.py`` (about 3-5 minutes on 2 cores).

Small NUTS fits on simulated data (2 chains x 300 draws): pictures, not a benchmark. The same
seed gives the same figures.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import bayes_mmm as bm

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
FIT = {"chains": 2, "draws": 300, "tune": 300, "seed": 1, "progress": False}


def lift_tests(sim):
    """A go-dark test on the first channel and a spend-increase test on the second, with lifts
    taken from the simulation's true contributions (carryover after the window left out)."""
    dates = sim.data.dates
    start, end = dates[60], dates[63]
    window = (dates >= start) & (dates <= end)
    ch0, ch1 = sim.data.channels[:2]
    lost = float(sim.contributions[window, :, 0].sum())
    spend1 = sim.data.spend[window, :, 1].mean()
    gained = 0.2 * float(sim.contributions[window, :, 1].sum())  # +25% spend, ~+20% effect
    return [
        bm.LiftTest(ch0, start, end, "go_dark", lift=-lost, lift_sd=0.15 * lost),
        bm.LiftTest(ch1, start, end, 0.25 * spend1, lift=gained, lift_sd=0.3 * gained),
    ]


def save(fig, name: str) -> None:
    fig.savefig(OUT / f"{name}.png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    print("wrote", f"docs/img/{name}.png", flush=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    sim = bm.simulate(104, 3, seed=1)
    save(sim.data.plot(), "data_plot")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short demo fits: the convergence warning is expected
        fit = bm.MMM().fit(sim.data, lift_tests=lift_tests(sim), holdout=8, **FIT)
    print(f"national fit: {time.perf_counter() - start:.0f} s", flush=True)
    result = fit.optimize_budget(horizon=13, relative_bounds=0.3)
    p = fit.plot
    views = {
        "fit_over_time": p.fit_over_time,
        "decomposition": p.decomposition,
        "waterfall": p.waterfall,
        "contributions_over_time": p.contributions_over_time,
        "contribution_share": p.contribution_share,
        "spend_vs_effect_share": p.spend_vs_effect_share,
        "roi": p.roi,
        "prior_vs_posterior": p.prior_vs_posterior,
        "parameter_densities": p.parameter_densities,
        "posterior_predictive": p.posterior_predictive,
        "prior_predictive": p.prior_predictive,
        "response_curves": lambda: p.response_curves(result=result),
        "adstock_decay": p.adstock_decay,
        "lift_tests": p.lift_tests,
        "inputs": p.inputs,
        "optimizer": lambda: p.optimizer(result),
        "budget_plan": lambda: p.budget_plan(result),
        "budget_curves": result.plot,
    }
    for name, make in views.items():
        save(make(), name)
    geo = bm.simulate(52, 2, geos=4, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        partial = bm.MMM().fit(geo.data, **FIT)
        unpooled = bm.MMM(pooling="none").fit(geo.data, **FIT)
    save(partial.plot.regional_roi(), "regional_roi")
    save(partial.plot.shrinkage(unpooled), "shrinkage")
    save(partial.plot.fit_over_time(), "fit_over_time_regional")
    fit.report(OUT.parent / "report_example.html", optimization=result)
    print("wrote docs/report_example.html")


if __name__ == "__main__":
    sys.exit(main())
