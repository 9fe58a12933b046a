"""Command line: ``bayes-mmm demo`` (and more subcommands as they land)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def demo(args) -> int:
    import pandas as pd

    import bayes_mmm as bm

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sim = bm.simulate(args.weeks, args.channels, seed=args.seed)
    print(f"Simulated {args.weeks} weeks x {args.channels} channels (seed={args.seed}); fitting with NUTS...")
    fit = bm.MMM().fit(sim.data, chains=args.chains, draws=args.draws, tune=args.tune, seed=args.seed,
                       progress=not args.quiet)
    table = fit.roi(level=0.9).merge(sim.true_roi(), on="channel")
    table["covered"] = (table["lower"] <= table["true_roi"]) & (table["true_roi"] <= table["upper"])
    with pd.option_context("display.width", 120, "display.precision", 3):
        print("\nROI (incremental sales per unit of spend), 90% credible interval, vs the simulated truth:")
        print(table[["channel", "mean", "median", "lower", "upper", "true_roi", "covered"]].to_string(index=False))
        print("\nFit:")
        print(fit.fit_metrics().to_string(index=False))
        diag = fit.diagnostics()
        print(f"\nDiagnostics: max R-hat {diag['r_hat'].max():.3f}, min ESS bulk {diag['ess_bulk'].min():.0f}, "
              f"divergences {diag.attrs['divergences']}")
        for note in diag.attrs["advice"]:
            print(" -", note)
    fig = fit.plot.fit_over_time()
    fig.savefig(out / "fit.png", dpi=110)
    fit.save(out / "model.nc")
    print(f"\nWrote {out / 'fit.png'} and {out / 'model.nc'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bayes-mmm", description="Bayesian marketing mix modelling.")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="simulate data, fit, print ROI vs truth, write a PNG of the fit")
    d.add_argument("--weeks", type=int, default=104)
    d.add_argument("--channels", type=int, default=3)
    d.add_argument("--chains", type=int, default=4)
    d.add_argument("--draws", type=int, default=1000)
    d.add_argument("--tune", type=int, default=1000)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--out", default="demo_output")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    from .errors import BayesMMMError

    try:
        return args.func(args)
    except BayesMMMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
