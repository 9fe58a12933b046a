"""Record numbers (draws, tables) that must not change when code moves: same seed -> same numbers.

Usage: python benchmarks/same_numbers.py out.json  (run before and after a refactor, compare)."""

import hashlib
import json
import sys
import warnings

import numpy as np

import bayes_mmm as bm
from bayes_mmm import testing

warnings.simplefilter("ignore")
out = {}
sim = bm.simulate(104, 3, seed=1)
out["sim_hash"] = hashlib.sha1(sim.data.to_frame().to_csv().encode()).hexdigest()
pf = testing.prior_fit(bm.MMM(), sim.data, draws=100, seed=3)
out["prior_roi"] = pf.roi().round(10).to_dict("list")
out["prior_mroi"] = pf.mroi().round(10).to_dict("list")
out["prior_contrib_head"] = pf.contributions().head(20).round(8).to_dict("list")
out["prior_predict"] = pf.predict().head(10).round(8).to_dict("list")
res = pf.optimize_budget(relative_bounds=0.3)
out["opt"] = res.table.round(6).to_dict("list") if hasattr(res, "table") else repr(res)
sc = pf.scenario(total_change=0.1)
out["scenario"] = repr(sc)
out["prior_roi_spec"] = bm.MMM().prior_roi(sim.data, draws=200, seed=0).round(8).to_dict("list")
fit = bm.MMM().fit(sim.data, chains=2, draws=100, tune=100, seed=5, progress=False)
post = fit.tree["posterior"].to_dataset()
out["post_hash"] = {
    k: hashlib.sha1(np.ascontiguousarray(v.values).tobytes()).hexdigest()
    for k, v in post.data_vars.items()
}
out["fit_roi"] = fit.roi().round(10).to_dict("list")
with open(sys.argv[1], "w") as fh:
    json.dump(out, fh, indent=1, sort_keys=True, default=str)
print("ok")
