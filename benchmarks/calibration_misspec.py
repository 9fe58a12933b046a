"""Calibration under misspecification: coverage, signed and absolute ROI error when the data do
not come from the model's family (data-generating processes in benchmarks/dgps.py).

    nice -n 10 python benchmarks/calibration_misspec.py --datasets 10 \
        --out benchmarks/results/calibration_misspec.jsonl
    python benchmarks/calibration_misspec.py \
        --summarise benchmarks/results/calibration_misspec.jsonl
    python benchmarks/calibration_misspec.py \
        --summarise benchmarks/results/calibration_misspec_auto.jsonl \
        --paired benchmarks/results/calibration_misspec.jsonl

One JSON line per (scenario, dataset, prior setting, channel), the row format of
benchmarks/calibration.py plus ``scenario``, ``signed_error`` (median / truth - 1), the minimum
bulk ESS and the misfit advice the fit's diagnostics gave (``misfit``: problem strings). Rows
written since ``carryover="auto"`` became the default also record the spec's ``carryover`` mode,
the channels it adapted (``carryover_adapted``: ``channel:adstock:l_max=N``) and the fit's CPU
seconds (all threads of the process).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration import LOW_TAIL_PRIOR, MID_TAIL_PRIOR, POOLED_PRIOR, roi_score
from dgps import SCENARIOS, SEED_KEYS
from resume import done_keys

import bayes_mmm as bm

PRIORS = {
    "default": lambda truth, rng: bm.MMM(),
    # the default before carryover="auto" (fit exactly the default spec, only warn)
    "as_specified": lambda truth, rng: bm.MMM(carryover="as_specified"),
    "benchmark": lambda truth, rng: bm.MMM(
        channels={
            ch: bm.ChannelSpec(effect=bm.ROIPrior(m, (m / 2.5, m * 2.5)))
            for ch, m in ((ch, v * rng.uniform(0.7, 1.3)) for ch, v in truth.items())
        }
    ),
    # the fix the carryover checks advise for late peaks (the comparison)
    "delayed_fix": lambda truth, rng: bm.MMM(adstock="delayed", l_max=13),
    "pooled": lambda truth, rng: bm.MMM(effect_prior=POOLED_PRIOR),
    "low_tail": lambda truth, rng: bm.MMM(effect_prior=LOW_TAIL_PRIOR),
    "mid_tail": lambda truth, rng: bm.MMM(effect_prior=MID_TAIL_PRIOR),
    "small_effects": lambda truth, rng: bm.MMM(
        effect_prior=bm.RelativeROIPrior(median=0.12, interval=(0.01, 1.2), level=0.9)
    ),
}


def all_delayed_if_flagged(data) -> bm.MMM:
    """Candidate rule ("auto_all"), measured against the default's per-channel adaptation: when
    the screen flags any channel for a delayed peak, fit *every* channel with the delayed adstock
    and ``l_max`` >= 13 (the issue's ``bm.MMM(adstock="delayed", l_max=13)``); else the default.
    Spec-level, so ``carryover_adapted`` stays empty on these rows: ``adstock`` says it."""
    from bayes_mmm.inference.carryover_adapt import adapt_carryover

    adapted, records = adapt_carryover(bm.MMM(), data)
    if not records:
        return bm.MMM()
    return bm.MMM(adstock="delayed", l_max=max(13, adapted.l_max))


def _rows(ds, name, fit, seconds, scenario, i, args, cpu_seconds=None) -> list[dict]:
    roi = fit.roi(level=0.9).set_index("channel")
    diag = fit.diagnostics()
    adapted = diag["parameter"].astype(str).str.startswith("carryover_adapted")
    misfit = [  # an adaptation notice is not a misfit flag (recorded in carryover_adapted)
        p
        for p in diag.loc[~adapted].get("problem", pd.Series(dtype=str)).dropna()
        if "carryover" in p or "residual" in p or "predictive" in p
    ]
    pred = fit.predict(level=0.9)
    ppc = float(((pred["actual"] >= pred["lower"]) & (pred["actual"] <= pred["upper"])).mean())
    residual = (pred["actual"] - pred["mean"]).round(1).tolist()
    rows = []
    for ch, value in ds.true_roi.items():
        r = roi.loc[ch]
        rows.append(
            {
                "scenario": scenario,
                "dataset": i,
                **ds.setting,
                "priors": name,
                **roi_score(ch, value, r, diag),
                "signed_error": float(r["median"] / value - 1),
                "min_ess": float(diag["ess_bulk"].min()),
                "misfit": misfit,
                "misfit_advice": list(diag.attrs.get("misfit", [])),
                "ppc_coverage_90": ppc,
                "carryover": fit.spec.carryover,
                "adstock": fit.spec.adstock,
                "l_max": fit.spec.l_max,
                "carryover_adapted": [
                    f"{a['channel']}:{a['adstock_to']}:l_max={a['l_max_to']}"
                    for a in fit.fit_info.get("carryover_adapted", [])
                ],
                "seconds": round(seconds, 1),
                "cpu_seconds": None if cpu_seconds is None else round(cpu_seconds, 1),
                "chains": args.chains,
                "draws": args.draws,
                "tune": args.tune,
                "load": [round(v, 2) for v in os.getloadavg()],
                "residual": residual if ch == ds.channels[0] else None,
            }
        )
    return rows


def run(args) -> None:
    out = Path(args.out)
    done = done_keys(out, "scenario", "dataset", "priors")
    warnings.simplefilter("ignore")
    for name in args.priors:  # every dataset under the first setting first
        for i in range(args.datasets):
            for scenario in args.scenarios:
                if (scenario, i, name) in done:
                    continue
                ds = SCENARIOS[scenario](np.random.default_rng([args.seed, i, SEED_KEYS[scenario]]))
                data = bm.MMMData.from_frame(
                    ds.frame,
                    date="date",
                    target="sales",
                    channels=ds.channels,
                    controls=ds.controls,
                )
                if name == "auto_all":
                    spec = all_delayed_if_flagged(data)
                else:
                    spec = PRIORS[name](ds.true_roi, np.random.default_rng([args.seed, i, 1]))
                t0, c0 = time.perf_counter(), time.process_time()
                fit = spec.fit(
                    data,
                    chains=args.chains,
                    draws=args.draws,
                    tune=args.tune,
                    seed=i,
                    progress=False,
                )
                seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
                with out.open("a") as fh:
                    for row in _rows(ds, name, fit, seconds, scenario, i, args, cpu):
                        fh.write(json.dumps(row) + "\n")
                print(f"{scenario} {i} {name}: {seconds:.0f}s", flush=True)


def rescore(rows: pd.DataFrame, seed: int = 2026) -> pd.DataFrame:
    """Misfit flags for rows written before the checks existed, from the stored residuals (first
    channel row of each fit) and the regenerated data: carryover screen, residuals vs lagged
    spend, autocorrelation, and predictive coverage < 80%. Checks the default spec (geometric,
    ``l_max=8``); rows that stored the fit's own advice (``misfit_advice``) are kept as they are."""
    from bayes_mmm.inference.misfit import carryover_check
    from bayes_mmm.results.misfit import PPC_MIN, autocorrelation_row, lagged_spend_rows

    flags = {}
    for (scenario, i, priors), fit_rows in rows.groupby(["scenario", "dataset", "priors"]):
        first = fit_rows.dropna(subset=["residual"])
        live = "misfit_advice" in fit_rows and fit_rows["misfit_advice"].map(
            lambda a: isinstance(a, list)
        )
        if not len(first) or fit_rows["misfit"].map(bool).any() or np.any(live):
            continue
        ds = SCENARIOS[scenario](np.random.default_rng([seed, i, SEED_KEYS[scenario]]))
        data = bm.MMMData.from_frame(
            ds.frame, date="date", target="sales", channels=ds.channels, controls=ds.controls
        )
        residual = np.asarray(first["residual"].iloc[0], dtype=float)
        media = data.media.sum(axis=1)
        found = [
            f"carryover[{r.channel}]"
            for r in carryover_check(
                data, dict.fromkeys(data.channels, "geometric"), 8
            ).itertuples()
            if r.flagged
        ]
        found += [
            f"residual_vs_lagged_spend[{r['subject']}]"
            for r in lagged_spend_rows(residual, media, data.channels, 8)
            if r["flagged"]
        ]
        found += ["residual autocorrelation"] if autocorrelation_row(residual)["flagged"] else []
        found += ["predictive coverage"] if first["ppc_coverage_90"].iloc[0] < PPC_MIN else []
        flags[(scenario, i, priors)] = found
    rows = rows.copy()
    keys = zip(rows["scenario"], rows["dataset"], rows["priors"])
    rows["misfit"] = [flags.get(k, m) for k, m in zip(keys, rows["misfit"])]
    return rows


def _fit_stats(fits: pd.DataFrame) -> pd.Series:
    """Per group of fits (one row each): convergence and misfit-flag shares."""
    unconverged = (fits["max_rhat"] > 1.01) | (fits["min_ess"] < 400)
    flagged = fits["misfit"].map(bool)
    return pd.Series(
        {
            "fits": len(fits),
            "fits_with_divergences": (fits["divergences"] > 0).mean(),
            "max_rhat": fits["max_rhat"].max(),
            "fits_unconverged": unconverged.mean(),
            "fits_flagged_misfit": flagged.mean(),
            "unconverged_without_cause": (unconverged & ~flagged).mean(),
        }
    ).round(3)


def summarise(path: str) -> pd.DataFrame:
    """Per prior setting, per scenario and per channel strength: coverage, signed and absolute
    error of the posterior median, prior-dominated share; convergence per fit ("unconverged":
    R-hat > 1.01 or bulk ESS < 400; "without cause": no misfit check flagged)."""
    rows = pd.DataFrame([json.loads(line) for line in Path(path).read_text().splitlines()])
    rows = rescore(rows)
    rows["strength"] = np.where(rows["true_roi"] < 1.0, "weak (ROI < 1)", "strong (ROI >= 1)")
    parts = []
    for keys in (["priors"], ["priors", "scenario"], ["priors", "strength"]):
        g = rows.groupby(keys)
        per_fit = rows.groupby(list(dict.fromkeys([*keys, "dataset", "scenario"]))).first()
        stats = per_fit.groupby(keys).apply(_fit_stats)
        table = pd.DataFrame(
            {
                "channels": g.size(),
                "coverage_90": g["covered"].mean().round(3),
                "median_signed_error": g["signed_error"].median().round(3),
                "median_abs_error": g["rel_error"].median().round(3),
                "prior_dominated": g["prior_dominated"].mean().round(3),
            }
        ).join(stats)
        table["fits"] = table["fits"].astype(int)
        parts.append(table.reset_index())
    return pd.concat(parts, ignore_index=True).fillna("all")


def compare(path: str, candidate: str, baseline: str = "default") -> pd.DataFrame:
    """``candidate`` vs ``baseline`` priors on the (scenario, dataset) pairs both have, by
    scenario and channel strength: coverage, median signed and absolute error, fits with
    divergences, max R-hat."""
    rows = pd.DataFrame([json.loads(line) for line in Path(path).read_text().splitlines()])
    key = pd.Series(list(zip(rows["scenario"], rows["dataset"])), index=rows.index)
    both = set(key[rows["priors"] == candidate]) & set(key[rows["priors"] == baseline])
    rows = rows[key.isin(both) & rows["priors"].isin([candidate, baseline])].copy()
    rows["strength"] = np.where(rows["true_roi"] < 1.0, "weak", "strong")
    parts = []
    for keys_ in (["priors"], ["priors", "scenario"], ["priors", "strength"]):
        g = rows.groupby(keys_)
        per_fit = list(dict.fromkeys([*keys_, "scenario", "dataset"]))
        fits = rows.groupby(per_fit).first().groupby(keys_)
        parts.append(
            pd.DataFrame(
                {
                    "channels": g.size(),
                    "coverage_90": g["covered"].mean().round(3),
                    "median_signed_error": g["signed_error"].median().round(3),
                    "median_abs_error": g["rel_error"].median().round(3),
                    "fits_with_divergences": fits["divergences"].apply(
                        lambda d: int((d > 0).sum())
                    ),
                    "max_rhat": g["max_rhat"].max().round(3),
                }
            ).reset_index()
        )
    return pd.concat(parts, ignore_index=True).fillna("all")


def paired(new_path: str, old_path: str, priors: str = "default") -> pd.DataFrame:
    """``priors`` rows of ``new_path`` (e.g. the default with ``carryover="auto"``) against the
    same setting's rows in ``old_path`` (before it), on the (scenario, dataset, channel) cells
    both have: coverage, median signed / absolute error, fits with divergences, max R-hat, fits
    unconverged (R-hat > 1.01 or bulk ESS < 400), fits adapted and median CPU seconds, per
    scenario and split by whether the new fit adapted a channel."""
    rows = {
        tag: pd.DataFrame([json.loads(line) for line in Path(p).read_text().splitlines()])
        for tag, p in (("new", new_path), ("old", old_path))
    }
    keys = ["scenario", "dataset", "channel"]
    new = rows["new"][rows["new"]["priors"] == priors]
    old = rows["old"][rows["old"]["priors"] == priors]
    both = new.merge(old, on=keys, suffixes=("", "_old"))
    both["adapted"] = both["carryover_adapted"].map(bool)
    both["fit_adapted"] = both["adapted"].astype(int)
    parts = []
    for by in (["scenario"], ["scenario", "adapted"]):
        g = both.groupby(by)
        fits = both.groupby([*by, "dataset"]).first().groupby(by)
        unconverged = {
            tag: fits.apply(
                lambda f, s=s: int(((f[f"max_rhat{s}"] > 1.01) | (f[f"min_ess{s}"] < 400)).sum())
            )
            for tag, s in (("new", ""), ("old", "_old"))
        }
        table = pd.DataFrame(
            {
                "channels": g.size(),
                "fits": fits.size(),
                "fits_adapted": fits["fit_adapted"].sum(),
                "coverage_old": g["covered_old"].mean().round(3),
                "coverage_new": g["covered"].mean().round(3),
                "signed_old": g["signed_error_old"].median().round(3),
                "signed_new": g["signed_error"].median().round(3),
                "abs_old": g["rel_error_old"].median().round(3),
                "abs_new": g["rel_error"].median().round(3),
                "div_fits_old": fits["divergences_old"].apply(lambda d: int((d > 0).sum())),
                "div_fits_new": fits["divergences"].apply(lambda d: int((d > 0).sum())),
                "max_rhat_old": g["max_rhat_old"].max().round(3),
                "max_rhat_new": g["max_rhat"].max().round(3),
                "unconverged_old": unconverged["old"],
                "unconverged_new": unconverged["new"],
                "median_cpu_s_new": fits["cpu_seconds"].median().round(0),
            }
        )
        parts.append(table.reset_index())
    return pd.concat(parts, ignore_index=True).fillna("all")


def goals(table: pd.DataFrame) -> pd.DataFrame:
    """The issue's goals per (priors, scenario) row of :func:`summarise`: 90% coverage >= 85%,
    median signed ROI error within +-15%, no unconverged fit without a misfit flag naming a
    cause ("silent")."""
    rows = table[(table["strength"] == "all")].copy()
    out = rows[["priors", "scenario", "fits", "coverage_90", "median_signed_error"]].copy()
    out["coverage_met"] = np.where(rows["coverage_90"] >= 0.85, "met", "missed")
    out["bias_met"] = np.where(rows["median_signed_error"].abs() <= 0.15, "met", "missed")
    silent = (rows["unconverged_without_cause"] * rows["fits"]).round().astype(int)
    out["silent_unconverged_fits"] = silent
    out["convergence_met"] = np.where(silent == 0, "met", "missed")
    return out.reset_index(drop=True)


def _print(table: pd.DataFrame) -> None:
    try:
        print(table.to_markdown(index=False))
    except ImportError:  # tabulate is optional: a plain markdown table
        cells = [list(table.columns), *table.astype(str).to_numpy().tolist()]
        lines = ["| " + " | ".join(map(str, row)) + " |" for row in cells]
        print("\n".join([lines[0], "|" + "---|" * len(table.columns), *lines[1:]]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=int, default=10)
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    parser.add_argument("--priors", nargs="+", default=["default", "benchmark"])
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default="benchmarks/results/calibration_misspec.jsonl")
    parser.add_argument("--summarise", metavar="JSONL")
    parser.add_argument("--compare", metavar="PRIORS", help="with --summarise: vs default")
    parser.add_argument("--paired", metavar="OLD_JSONL", help="with --summarise: same setting")
    args = parser.parse_args()
    if args.summarise and args.paired:
        _print(paired(args.summarise, args.paired))
    elif args.summarise and args.compare:
        _print(compare(args.summarise, args.compare))
    elif args.summarise:
        table = summarise(args.summarise)
        _print(table)
        print()
        _print(goals(table))
    else:
        run(args)
        _print(summarise(args.out))
