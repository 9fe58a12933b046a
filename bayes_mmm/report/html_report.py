"""One self-contained HTML report of a fit: tables, diagnostics and plots (PNG inlined as base64).

No external CSS, JavaScript, fonts or images: the file can be mailed or archived and opens offline.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_mmm.core.atomic import write_text
from bayes_mmm.core.version import __version__
from bayes_mmm.viz.budget_plots import budget_bars

CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto; \
max-width: 1100px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { border-bottom: 2px solid #1f77b4; padding-bottom: .2em; }
h2 { margin-top: 2em; color: #1f77b4; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th { background: #f2f5f9; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; display: block; margin: .8em 0; }
.note { color: #555; font-size: 0.9em; } .ok { color: #2a7d2a; } .warn { color: #b35900; }
ul.kv { list-style: none; padding-left: 0; }
"""


MASS_MATRIX = {"low_rank": "low-rank", "diag": "diagonal"}  # nutpie's adaptation, as read
REPORT_CURVE_DRAWS = 1000  # response curves in the report: evenly spaced draws (docs/benchmarks.md)


def _curve_note(fit) -> str:
    n = fit.params.n_samples
    if n <= REPORT_CURVE_DRAWS:
        return ""
    return (
        f'<p class="note">Response curves use {REPORT_CURVE_DRAWS} evenly spaced draws of {n} '
        "(for speed); fit.response_curves() uses every draw.</p>"
    )


def _figure(fig, alt: str) -> str:
    """A matplotlib figure as an inline ``<img>`` (base64 PNG); the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _plot(make, alt: str) -> str:
    """Render ``make()``; a plot that fails is reported in place instead of losing the report."""
    try:
        return _figure(make(), alt)
    except Exception as exc:  # a report must never fail on one plot
        return f'<p class="warn">{html.escape(alt)} could not be drawn: {html.escape(str(exc))}</p>'


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    frame = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_float_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: "" if pd.isna(v) else f"{v:,.{digits}f}")
    return frame.to_html(index=False, border=0, escape=True, na_rep="")


def _kv(items: dict) -> str:
    rows = "".join(
        f"<li><b>{html.escape(str(k))}:</b> {html.escape(str(v))}</li>" for k, v in items.items()
    )
    return f'<ul class="kv">{rows}</ul>'


def _num(value, fmt: str) -> str:
    return "not available" if value is None or not np.isfinite(value) else format(value, fmt)


def _data_section(fit) -> str:
    data = fit.data
    info = {
        "periods": f"{data.n_dates} ({fit.n_train} training, {data.n_dates - fit.n_train} holdout)",
        "date range": f"{data.dates[0].date()} to {data.dates[-1].date()}",
        "regions": f"{data.n_geos}: {', '.join(data.geos)}",
        "channels": f"{data.n_channels}: {', '.join(data.channels)}",
        "controls": ", ".join(data.control_names) or "none",
        "target": data.target_name,
    }
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in data.notes)
    return (
        _kv(info)
        + _table(data.summary())
        + (f"<p>Data notes:</p><ul>{notes}</ul>" if notes else "")
        + _plot(fit.plot.inputs, "spend over time and correlations")
    )


def _diagnostics_section(fit) -> str:
    table = fit.diagnostics()
    attrs = table.attrs
    r_hat = table["r_hat"].max() if "r_hat" in table and table["r_hat"].notna().any() else np.nan
    ess = (
        table[["ess_bulk", "ess_tail"]].min().min()
        if {"ess_bulk", "ess_tail"} <= set(table)
        else np.nan
    )
    info = {
        "sampler": f"{fit.fit_info.get('sampler')}"
        + (
            f" ({MASS_MATRIX.get(mass, mass)} mass matrix)"
            if (mass := fit.fit_info.get("mass_matrix"))
            else ""
        )
        + f", {fit.fit_info.get('chains')} chains x {fit.fit_info.get('draws')} draws",
        "max R-hat": _num(r_hat, ".3f"),
        "min ESS (bulk/tail)": _num(ess, ".0f"),
        "divergences": attrs.get("divergences", 0),
        "min BFMI": _num(attrs.get("min_bfmi", np.nan), ".2f"),
        "carryover": f"{fit.spec.carryover}: "
        + (
            "; ".join(
                f"{a['channel']} fitted with {a['adstock_to']} adstock, l_max={a['l_max_to']}"
                for a in fit.fit_info.get("carryover_adapted", [])
            )
            or "no channel changed"
        ),
    }
    problems = table[table["problem"].fillna("") != ""]
    advice = attrs.get("advice", [])
    body = _kv(info)
    if advice:
        body += (
            '<p class="warn">Advice:</p><ul>'
            + "".join(f"<li>{html.escape(a)}</li>" for a in advice)
            + "</ul>"
        )
    else:
        body += '<p class="ok">No convergence problems found.</p>'
    if len(problems):
        body += f"<p>Parameters with problems ({len(problems)}):</p>" + _table(problems.head(50))
    misfit = fit.misfit()
    body += (
        "<p>Misfit checks (carryover screen, residuals vs lagged spend, residual "
        "autocorrelation, predictive coverage; a flagged row's fix is in the advice above):</p>"
        + _table(misfit[["check", "subject", "statistic", "threshold", "flagged"]].round(3))
    )
    return body


def _roi_section(fit) -> str:
    # mROI first: it evaluates spend x 1 and x 1.01 in one pass and keeps both, so the ROI table
    # (x 0, known to be zero, and x 1) then costs nothing; the same numbers in either order
    mroi = fit.mroi().rename(
        columns={"mean": "mroi_mean", "lower": "mroi_lower", "upper": "mroi_upper"}
    )
    roi = fit.roi()
    cols = [
        c
        for c in (
            "channel",
            "mean",
            "median",
            "lower",
            "upper",
            "spend",
            "contribution",
            "prior_lower",
            "prior_upper",
            "prior_dominated",
        )
        if c in roi
    ]
    table = roi[cols].merge(
        mroi[["channel", "mroi_mean", "mroi_lower", "mroi_upper"]], on="channel", how="left"
    )
    body = (
        '<p class="note">ROI: incremental outcome per unit of spend over the training window, '
        "posterior mean and "
        "90% interval; mROI: the same for +1% spend.</p>"
        + _table(table)
        + _plot(fit.plot.roi, "ROI and marginal ROI")
        + _plot(fit.plot.contribution_share, "contribution share")
    )
    if fit.prior_dominated() is not None:
        body += _plot(fit.plot.prior_vs_posterior, "prior vs posterior ROI")
    if fit.data.is_geo:
        body += _plot(fit.plot.regional_roi, "ROI by region")
    return body


def _optimisation_section(result) -> str:
    u = result.uplift
    pct = f"{result.level:.0%}"
    info = {
        "objective": result.info.get("objective"),
        "uplift (mean)": f"{u['mean']:+,.0f}",
        f"uplift {pct} interval": f"{u['lower']:+,.0f} to {u['upper']:+,.0f}",
        "probability better than now": f"{result.prob_better:.2f}",
    }
    if np.isfinite(u.get("pct_mean", np.nan)):
        info["uplift (% of outcome)"] = (
            f"{u['pct_mean']:+.2f}% ({u['pct_lower']:+.2f}% to {u['pct_upper']:+.2f}%)"
        )
    return (
        _kv(info)
        + _table(result.table)
        + _plot(lambda: budget_bars(result), "current vs optimal spend")
        + _plot(result.plot, "response curves at current and optimal spend")
    )


def write_report(fit, path, optimization=None) -> Path:
    """Write one self-contained HTML report of ``fit`` (and an optional optimiser result) to
    ``path``.

    Sections: Data summary, Diagnostics, Model fit, ROI, Response curves, Contributions and, with
    ``optimization`` (a :class:`~bayes_mmm.scenarios.BudgetResult`), Budget optimisation.
    """
    path = Path(path)
    sections = [
        ("Data summary", lambda: _data_section(fit)),
        ("Diagnostics", lambda: _diagnostics_section(fit)),
        (
            "Model fit",
            lambda: _table(fit.fit_metrics()) + _plot(fit.plot.fit_over_time, "actual vs fitted"),
        ),
        ("ROI", lambda: _roi_section(fit)),
        (
            "Response curves",
            lambda: (
                _plot(lambda: fit.plot.response_curves(draws=REPORT_CURVE_DRAWS), "response curves")
                + _curve_note(fit)
                + _plot(fit.plot.adstock_decay, "adstock decay")
            ),
        ),
        ("Contributions", lambda: _plot(fit.plot.decomposition, "decomposition")),
    ]
    if optimization is not None:
        sections.append(("Budget optimisation", lambda: _optimisation_section(optimization)))
    parts = []
    for title, build in sections:
        try:
            body = build()
        except Exception as exc:  # keep the rest of the report
            body = (
                f'<p class="warn">This section could not be computed: {html.escape(str(exc))}</p>'
            )
        parts.append(f"<section><h2>{html.escape(title)}</h2>\n{body}\n</section>")
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>bayes_mmm report</title>"
        f"<style>{CSS}</style></head><body>\n<h1>Marketing mix model report</h1>\n"
        f'<p class="note">{html.escape(repr(fit))} &middot; bayes_mmm {__version__}</p>\n'
        + (
            f'<p class="warn"><b>{html.escape(fit.approximate)}</b></p>\n'
            if fit.approximate
            else ""
        )
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
    return write_text(path, page, "report file")
