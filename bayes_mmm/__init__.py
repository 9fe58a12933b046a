"""bayes_mmm: Bayesian marketing mix modelling with honest uncertainty.

Spec -> fit -> result::

    import bayes_mmm as bm
    data = bm.MMMData.from_frame(df, date="date", target="sales",
                                 channels=["tv_spend", "search_spend"])
    fit = bm.MMM().fit(data, chains=4, draws=1000, tune=1000, seed=1)
    fit.roi(level=0.9)
"""

from bayes_mmm.backtest import BacktestResult, backtest
from bayes_mmm.comparison import Comparison, compare
from bayes_mmm.core.errors import (
    BayesMMMError,
    DataError,
    ModelFileError,
    OptimizationError,
    OutputError,
    SpecError,
)
from bayes_mmm.core.version import __version__
from bayes_mmm.data import datasets
from bayes_mmm.data.lift_test_spec import LiftTest
from bayes_mmm.inputs import MMMData
from bayes_mmm.model.baselines import GPBaseline
from bayes_mmm.model.priors import MROIPrior, Prior, RelativeROIPrior, ROIPrior, SharePrior
from bayes_mmm.model.spec import ChannelSpec
from bayes_mmm.model.transforms import ADSTOCKS, SATURATIONS
from bayes_mmm.planning.budget_result import BudgetResult
from bayes_mmm.planning.optimizer import optimize_budget
from bayes_mmm.planning.options import Objective, PlanningWindow, SpendLimits
from bayes_mmm.planning.outcomes import PlanOutcome, evaluate_plan, scenario
from bayes_mmm.planning.plans import Plan
from bayes_mmm.results.pooling import compare_fits, compare_pooling, shrinkage
from bayes_mmm.simulate import Simulation, simulate
from bayes_mmm.workflow import MMM, MMMFit, load

__all__ = [
    "ADSTOCKS",
    "MMM",
    "SATURATIONS",
    "BacktestResult",
    "BayesMMMError",
    "BudgetResult",
    "ChannelSpec",
    "Comparison",
    "DataError",
    "GPBaseline",
    "LiftTest",
    "MMMData",
    "MMMFit",
    "MROIPrior",
    "ModelFileError",
    "Objective",
    "OptimizationError",
    "OutputError",
    "Plan",
    "PlanOutcome",
    "PlanningWindow",
    "Prior",
    "ROIPrior",
    "RelativeROIPrior",
    "SharePrior",
    "Simulation",
    "SpecError",
    "SpendLimits",
    "__version__",
    "backtest",
    "compare",
    "compare_fits",
    "compare_pooling",
    "datasets",
    "evaluate_plan",
    "load",
    "optimize_budget",
    "scenario",
    "shrinkage",
    "simulate",
]
