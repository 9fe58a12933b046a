"""bayes_mmm: Bayesian marketing mix modelling with honest uncertainty.

Spec -> fit -> result::

    import bayes_mmm as bm
    data = bm.MMMData.from_frame(df, date="date", target="sales", channels=["tv_spend", "search_spend"])
    fit = bm.MMM().fit(data, chains=4, draws=1000, tune=1000, seed=1)
    fit.roi(level=0.9)
"""

__version__ = "0.1.0"

from .data import MMMData
from .errors import BayesMMMError, DataError, ModelFileError, OptimizationError, SpecError
from .fit import MMMFit
from .optimize import optimize_budget
from .persistence import load
from .plans import Plan
from .priors import MROIPrior, Prior, RelativeROIPrior, ROIPrior, SharePrior
from .scenarios import BudgetResult, PlanOutcome, evaluate_plan, scenario
from .simulate import Simulation, simulate
from .spec import MMM, ChannelSpec
from .transforms import ADSTOCKS, SATURATIONS

__all__ = [
    "MMM", "ChannelSpec", "MMMData", "MMMFit", "Prior", "ROIPrior", "MROIPrior", "RelativeROIPrior", "SharePrior", "simulate", "Simulation",
    "load", "BayesMMMError", "DataError", "SpecError", "ModelFileError", "OptimizationError", "ADSTOCKS",
    "SATURATIONS", "__version__",
    "optimize_budget", "evaluate_plan", "scenario", "Plan", "BudgetResult", "PlanOutcome",
]
