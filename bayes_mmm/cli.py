"""Command line: ``bayes-mmm demo``, ``bayes-mmm fit data.csv --config spec.yaml --out results/``,
``bayes-mmm optimize results/model.nc --budget ...``. Bad input exits with code 2 and one message.

Config (YAML)::

    data:  {date: date, target: sales, channels: [tv_spend, search_spend], controls: [price_index]}
    model: {adstock: geometric, saturation: hill, l_max: 8,
            channels: {tv_spend: {effect: {type: ROIPrior, median: 1.5, interval: [0.5, 4.0]}}}}
    fit:   {chains: 4, draws: 1000, tune: 500, seed: 1}
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bayes_mmm.core.atomic import atomic_path, write_csv
from bayes_mmm.core.errors import BayesMMMError, DataError, OutputError, SpecError, message


def output_folder(path) -> Path:
    """The ``--out`` folder, created before any sampling; a clear error if it cannot be."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".bayes_mmm_write_test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(
            message(
                "--out",
                "a folder this process can write",
                f"'{out}' ({type(exc).__name__}: {exc.strerror or exc})",
                "Pass --out <new folder>; an existing file of that name is not replaced.",
            )
        ) from exc
    return out


def save_draws(fit, path: Path) -> None:
    """Save the fit to ``path``; if that fails, to a fresh temporary folder, and say where."""
    try:
        fit.save(path)
    except BayesMMMError as exc:
        import tempfile

        rescue = Path(tempfile.mkdtemp(prefix="bayes_mmm_")) / "model.nc"
        fit.save(rescue)
        raise OutputError(f"{exc} The fit was saved to {rescue} instead.") from exc


def demo(args) -> int:
    import pandas as pd

    import bayes_mmm as bm

    out = output_folder(args.out)
    sim = bm.simulate(args.weeks, args.channels, seed=args.seed)
    print(
        f"Simulated {args.weeks} weeks x {args.channels} channels (seed={args.seed}); "
        "fitting with NUTS..."
    )
    fit = bm.MMM().fit(
        sim.data,
        chains=args.chains,
        draws=args.draws,
        tune=args.tune,
        seed=args.seed,
        progress=not args.quiet,
    )
    table = fit.roi(level=0.9).merge(sim.true_roi(), on="channel")
    table["covered"] = (table["lower"] <= table["true_roi"]) & (table["true_roi"] <= table["upper"])
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(
            "\nROI (incremental sales per unit of spend), 90% credible interval, "
            "vs the simulated truth:"
        )
        print(
            table[["channel", "mean", "median", "lower", "upper", "true_roi", "covered"]].to_string(
                index=False
            )
        )
        print("\nFit:")
        print(fit.fit_metrics().to_string(index=False))
        diag = fit.diagnostics()
        print(
            f"\nDiagnostics: max R-hat {diag['r_hat'].max():.3f}, "
            f"min ESS bulk {diag['ess_bulk'].min():.0f}, "
            f"divergences {diag.attrs['divergences']}"
        )
        for note in diag.attrs["advice"]:
            print(" -", note)
    save_draws(fit, out / "model.nc")  # the draws first: nothing after sampling can lose them
    with atomic_path(out / "fit.png", "plot file") as temporary:
        fit.plot.fit_over_time().savefig(temporary, dpi=110, format="png")
    print(f"\nWrote {out / 'fit.png'} and {out / 'model.nc'}")
    return 0


DATA_KEYS = {
    "date",
    "target",
    "channels",
    "controls",
    "media",
    "geo",
    "population",
    "revenue_per_unit",
    "fill_missing",
    "date_format",
}
FIT_KEYS = {"chains", "draws", "tune", "seed", "sampler", "holdout", "target_accept"}
CONFIG_KEYS = {"data", "model", "fit"}


def load_config(path) -> dict:
    """Read and check a YAML config: ``data`` (column roles), ``model`` (MMM spec),
    ``fit`` (sampler)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise SpecError(message("--config", "an existing YAML file", str(path)))
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise SpecError(message(f"config '{path}'", "valid YAML", f"a parse error: {exc}")) from exc
    if not isinstance(config, dict):
        raise SpecError(
            message(f"config '{path}'", "a mapping with keys data/model/fit", type(config).__name__)
        )
    for section, allowed in (("", CONFIG_KEYS), ("data", DATA_KEYS), ("fit", FIT_KEYS)):
        block = config if not section else (config.get(section) or {})
        unknown = sorted(set(block) - allowed)
        if unknown:
            name = f"config keys{' in ' + section if section else ''}"
            raise SpecError(
                message(name, f"some of {sorted(allowed)}", unknown, "Check the spelling.")
            )
    for key in ("date", "target", "channels"):
        if key not in (config.get("data") or {}):
            raise SpecError(
                message(f"config data.{key}", "a column name (channels: a list)", "missing")
            )
    return config


def fit_command(args) -> int:
    import pandas as pd

    import bayes_mmm as bm

    config = load_config(args.config)
    if not Path(args.data).is_file():
        raise DataError(message("data", "an existing CSV file", str(args.data)))
    try:
        frame = pd.read_csv(args.data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(
            message(f"data '{args.data}'", "a readable CSV file", f"a parse error: {exc}")
        ) from exc
    out = output_folder(args.out)
    data = bm.MMMData.from_frame(frame, **config["data"])
    spec = bm.MMM.from_dict(config.get("model") or {})
    settings = {"chains": 4, "draws": 1000, "tune": 500, "seed": 1, **(config.get("fit") or {})}
    fit = spec.fit(data, progress=not args.quiet, **settings)
    save_draws(fit, out / "model.nc")  # the draws first: a failure below never discards them
    try:
        roi = fit.roi()
        write_csv(out / "roi.csv", roi)
        write_csv(out / "diagnostics.csv", fit.diagnostics())
        fit.report(out / "report.html")
    except BayesMMMError as exc:
        raise type(exc)(f"{exc} The fit itself was saved to {out / 'model.nc'}.") from exc
    written = ["model.nc", "roi.csv", "diagnostics.csv", "report.html"]
    print(roi[["channel", "mean", "lower", "upper"]].to_string(index=False))
    print(f"Wrote {', '.join(str(out / w) for w in written)}")
    return 0


def optimize_command(args) -> int:
    import bayes_mmm as bm

    fit = bm.load(args.model)
    result = fit.optimize_budget(
        budget=args.budget,
        horizon=args.horizon,
        relative_bounds=args.relative_bounds,
        objective=args.objective,
    )
    print(result.table.to_string(index=False))
    u = result.uplift
    print(
        f"Expected uplift {u['mean']:,.0f} (90% interval {u['lower']:,.0f} to {u['upper']:,.0f}); "
        f"P(optimal beats current) = {result.prob_better:.2f}"
    )
    if args.out:
        write_csv(args.out, result.table, "--out")
        print(f"Wrote {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bayes-mmm", description="Bayesian marketing mix modelling."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser(
        "demo", help="simulate data, fit, print ROI vs truth, write a PNG of the fit"
    )
    d.add_argument("--weeks", type=int, default=104)
    d.add_argument("--channels", type=int, default=3)
    d.add_argument("--chains", type=int, default=4)
    d.add_argument("--draws", type=int, default=1000)
    d.add_argument("--tune", type=int, default=500)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--out", default="demo_output")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=demo)
    f = sub.add_parser(
        "fit", help="fit a CSV with a YAML config; write report, ROI/diagnostics CSV, model file"
    )
    f.add_argument("data", help="CSV file (one row per period, or per period x region)")
    f.add_argument(
        "--config", required=True, help="YAML with sections data (column roles), model, fit"
    )
    f.add_argument("--out", default="results", help="output folder")
    f.add_argument("--quiet", action="store_true")
    f.set_defaults(func=fit_command)
    o = sub.add_parser("optimize", help="optimise the budget of a saved model over the posterior")
    o.add_argument("model", help="model file written by 'bayes-mmm fit' (model.nc)")
    o.add_argument(
        "--budget", type=float, default=None, help="total spend over the horizon (default: current)"
    )
    o.add_argument("--horizon", type=int, default=13, help="weeks")
    o.add_argument(
        "--relative-bounds",
        type=float,
        default=0.3,
        help="each channel within +-this share of current",
    )
    o.add_argument(
        "--objective", default="outcome", choices=["outcome", "profit", "mean_sd", "cvar"]
    )
    o.add_argument("--out", default=None, help="CSV for the allocation table")
    o.set_defaults(func=optimize_command)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BayesMMMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
