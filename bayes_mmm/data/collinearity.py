"""Classical collinearity diagnostics of the model inputs: variance inflation factors (VIF) per
channel and control, and pairwise spend correlations, each with what it means for a Bayesian MMM.

Inputs are national totals per period (spend summed over regions, controls averaged), the series
a regression MMM would use. VIF_j = 1 / (1 - R^2_j) from regressing input j on all the others
(with an intercept). In a Bayesian MMM a high VIF does not break the fit: priors and the curvature
of adstock/saturation still separate the channels, but the data carry little information about
how to split the effect, so the posterior leans on the priors (wide, prior-dominated intervals).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VIF_MODERATE, VIF_HIGH = 5.0, 10.0
CORRELATION_HIGH = 0.7


def national_inputs(data) -> pd.DataFrame:
    """Spend per channel (summed over regions) and controls (averaged), one row per period."""
    frame = pd.DataFrame(np.asarray(data.spend).sum(axis=1), columns=list(data.channels))
    for k, name in enumerate(data.control_names):
        frame[name] = np.asarray(data.controls)[:, :, k].mean(axis=1)
    frame.index = data.dates
    return frame


def vif_meaning(vif: float) -> str:
    if not np.isfinite(vif) or vif >= VIF_HIGH:
        return (
            "strong overlap with other inputs: the data cannot split the effect between them, "
            "the posterior will mostly follow the priors; vary this input on its own or run a "
            "lift test"
        )
    if vif >= VIF_MODERATE:
        return (
            "moderate overlap: priors and adstock/saturation curvature still separate it, but "
            "expect wider ROI intervals than the spend level alone suggests"
        )
    return "little overlap with other inputs: collinearity is not the limiting factor"


def vif_table(data) -> pd.DataFrame:
    """VIF per input: columns input, kind (channel/control), vif, meaning."""
    frame = national_inputs(data)
    x = frame.to_numpy(float)
    x = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1.0)
    rows = []
    for j, name in enumerate(frame.columns):
        others = np.column_stack([np.ones(len(x)), np.delete(x, j, axis=1)])
        coef, *_ = np.linalg.lstsq(others, x[:, j], rcond=None)
        resid = x[:, j] - others @ coef
        total = np.sum((x[:, j] - x[:, j].mean()) ** 2)
        r2 = 1 - resid @ resid / total if total > 0 else 1.0
        vif = 1 / (1 - r2) if r2 < 1 - 1e-12 else np.inf
        kind = "channel" if name in data.channels else "control"
        rows.append({"input": name, "kind": kind, "vif": float(vif), "meaning": vif_meaning(vif)})
    return pd.DataFrame(rows)


def spend_correlations(data) -> pd.DataFrame:
    """Pairwise Pearson correlations of channel spend: channel_a, channel_b, correlation,
    meaning; sorted by |correlation|."""
    frame = national_inputs(data)[list(data.channels)]
    corr = frame.corr().to_numpy()
    rows = []
    names = list(data.channels)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            r = float(corr[a, b])
            meaning = (
                "moved together: the data cannot tell which of the two drove sales; their ROI "
                "posteriors will be negatively correlated and lean on the priors"
                if abs(r) >= CORRELATION_HIGH
                else "mostly independent variation: the data can tell them apart"
            )
            rows.append(
                {"channel_a": names[a], "channel_b": names[b], "correlation": r, "meaning": meaning}
            )
    table = pd.DataFrame(rows, columns=["channel_a", "channel_b", "correlation", "meaning"])
    return table.reindex(table["correlation"].abs().sort_values(ascending=False).index).reset_index(
        drop=True
    )
