"""Data-driven carryover check before sampling: does a channel's response look delayed, or longer
than ``l_max``, than the model's adstock allows? Plus the residual statistics the post-fit misfit
checks share (lagged-spend correlation, autocorrelation).

The carryover check regresses the (national) target on a quick baseline (intercept, trend,
seasonality, controls) plus each channel's media convolved with one candidate carryover kernel,
linear in the effects, and compares per channel the best kernel the model's adstock family can
represent (within ``l_max``) with the best of a wider set: delayed peaks (lag 1-8 weeks) and
long geometric decays (up to 26 weeks). A channel is flagged when the wider kernel wins by a
Bayes-information margin of more than ``EVIDENCE_MIN`` (2 log Bayes factor > 8, between "strong"
and "very strong"), after charging one ``log(n)`` per extra parameter. Measured by
``benchmarks/carryover_screen.py`` (docs/priors.md): 1 of 100 well-specified calibration datasets
flagged (largest margin 11.0), 99 of 100 ``delayed_peak`` datasets (peaks 3-5 weeks), 50 of 100
``late_peak`` ones (broad gamma-shaped peaks: weak channels rarely stand out). The other channels
sit at their best kernel of either set (two coordinate passes), so one delayed channel does not
hide another. Saturation is ignored (the check is about timing), so it is a screen, not an
estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_mmm.data.mmm_data import MMMData
from bayes_mmm.model.equations import fourier_features

EVIDENCE_MIN = 8.0
LONG_WINDOW = 26
DELAYED_WINDOW = 13
# Decays of the delayed kernels, the same grid for the model's family and the wider set, so a
# channel already on the delayed adstock is never flagged for a kernel its own grid lacks.
DELAYED_ALPHAS = (0.3, 0.5, 0.7, 0.85, 0.92)


@dataclass(frozen=True)
class Kernel:
    """One candidate carryover: weights over lags (sum 1), its family and extra parameters."""

    family: str  # "geometric", "delayed" or "none"
    alpha: float
    theta: float
    weights: np.ndarray
    n_params: int

    @property
    def peak(self) -> int:
        return int(np.argmax(self.weights))

    @property
    def reach(self) -> int:
        """Lags holding 95% of the carryover (weeks)."""
        return int(np.searchsorted(np.cumsum(self.weights), 0.95) + 1)


def _kernel(family: str, alpha: float, theta: float, window: int) -> Kernel:
    lags = np.arange(window, dtype=float)
    if family == "geometric":
        w, n_params = alpha**lags, 1
    elif family == "delayed":
        w, n_params = alpha ** ((lags - theta) ** 2), 2
    else:
        w, n_params = (lags == 0).astype(float), 0
    return Kernel(family, alpha, theta, w / w.sum(), n_params)


def model_kernels(family: str, l_max: int) -> list[Kernel]:
    """Kernels the model's adstock family can represent within ``l_max``."""
    if family == "geometric":
        return [_kernel("geometric", a, 0, l_max) for a in np.arange(0.0, 0.95, 0.1)]
    if family == "delayed":
        return [
            _kernel("delayed", a, t, l_max) for a in DELAYED_ALPHAS for t in range(0, min(l_max, 9))
        ]
    return [_kernel("none", 0, 0, 1)]


def wider_kernels() -> list[Kernel]:
    """Delayed peaks at 1-8 weeks (13-week window) and long geometric decays (26 weeks).

    The broadest delayed kernel (0.92: a peak with a standard deviation of about 2.5 weeks) raised
    the share of ``late_peak`` datasets flagged from 41 to 50 of 100 with no new false alarm on the
    well-specified ones (``benchmarks/carryover_screen.py``).
    """
    delayed = [
        _kernel("delayed", a, t, DELAYED_WINDOW) for a in DELAYED_ALPHAS for t in range(1, 9)
    ]
    long = [_kernel("geometric", a, 0, LONG_WINDOW) for a in (0.7, 0.8, 0.85, 0.9, 0.95)]
    return delayed + long


def convolve(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Causal convolution of a series (time,) with lag ``weights``; nothing before the start."""
    out = np.zeros(len(x))
    for lag, w in enumerate(weights[: len(x)]):
        out[lag:] += w * x[: len(x) - lag]
    return out


def baseline_design(data: MMMData, order: int, period: float) -> np.ndarray:
    """Intercept, linear trend, yearly Fourier terms and standardised (geo-mean) controls."""
    n = data.n_dates
    t = np.arange(n)
    parts = [np.ones((n, 1)), (t / max(n - 1, 1))[:, None], fourier_features(t, order, period)]
    if data.controls.size:
        c = data.controls.mean(axis=1)
        sd = c.std(axis=0)
        parts.append((c - c.mean(axis=0)) / np.where(sd > 0, sd, 1.0))
    return np.concatenate(parts, axis=1)


def kernel_sse(y: np.ndarray, fixed: np.ndarray, x: np.ndarray, kernels) -> np.ndarray:
    """Residual sum of squares of ``y`` regressed on ``[fixed, convolve(x, k)]`` for each kernel.

    The least-squares fits of ``np.linalg.lstsq`` (same numbers to rounding), computed together:
    ``fixed`` is projected out once (an orthonormal basis of its column space, singular values
    below lstsq's default cutoff dropped), then each kernel's column adds its one-dimensional
    projection (Frisch-Waugh). A column inside the span of ``fixed`` adds nothing. 100x faster
    than a least-squares solve per kernel on 30 channels.
    """
    u, sv, _ = np.linalg.svd(fixed, full_matrices=False)
    eps = np.finfo(float).eps * max(fixed.shape[0], fixed.shape[1] + 1)
    basis = u[:, sv > eps * sv.max()] if sv.size else u[:, :0]
    columns = np.column_stack([convolve(x, k.weights) for k in kernels])
    r_y = y - basis @ (basis.T @ y)
    r_v = columns - basis @ (basis.T @ columns)
    norm2 = (r_v**2).sum(axis=0)
    scale = np.maximum(sv.max() if sv.size else 0.0, np.sqrt((columns**2).sum(axis=0)))
    inside = norm2 <= (eps * scale) ** 2
    coef = np.where(inside, 0.0, (r_v * r_y[:, None]).sum(axis=0) / np.where(inside, 1.0, norm2))
    return ((r_y[:, None] - r_v * coef) ** 2).sum(axis=0)


def _best(y, fixed, x, kernels) -> tuple[float, Kernel]:
    sse = kernel_sse(y, fixed, x, kernels)
    k = int(np.argmin(sse))  # the first of equal scores, like min()
    return float(sse[k]), kernels[k]


def carryover_check(
    data: MMMData, families: dict[str, str], l_max: int, order: int = 2, period: float = 52.18
) -> pd.DataFrame:
    """One row per channel: the best kernel within the model's family and window, the best
    wider kernel, the evidence for the wider one (``evidence``: n log(SSE ratio) - log(n) x extra
    parameters) and ``flagged`` (evidence > ``EVIDENCE_MIN``).

    ``families``: the adstock family of each channel (``ResolvedChannel.adstock``).
    """
    y = data.target.sum(axis=1)
    media = data.media.sum(axis=1)
    media = media / np.where(media.mean(axis=0) > 0, media.mean(axis=0), 1.0)
    n = len(y)
    base = baseline_design(data, order, period)
    own = {ch: model_kernels(families[ch], l_max) for ch in data.channels}
    current = {ch: _best(y, base, media[:, c], own[ch])[1] for c, ch in enumerate(data.channels)}

    def others_fixed(c: int) -> np.ndarray:
        parts = [convolve(media[:, j], current[o].weights) for j, o in enumerate(data.channels)]
        return np.column_stack([base, *[v for j, v in enumerate(parts) if j != c]])

    for _ in range(2):  # the other channels at their best kernel of either set (coordinate pass)
        for c, ch in enumerate(data.channels):
            current[ch] = _best(y, others_fixed(c), media[:, c], own[ch] + wider_kernels())[1]
    rows = []
    for c, ch in enumerate(data.channels):
        fixed = others_fixed(c)
        sse_m, k_m = _best(y, fixed, media[:, c], own[ch])
        sse_w, k_w = _best(y, fixed, media[:, c], wider_kernels())
        evidence = n * np.log(sse_m / max(sse_w, 1e-300)) - np.log(n) * max(
            k_w.n_params - k_m.n_params, 0
        )
        rows.append(
            {
                "channel": ch,
                "model_family": families[ch],
                "model_peak": k_m.peak,
                "wider_family": k_w.family,
                "wider_peak": k_w.peak,
                "wider_reach": k_w.reach,
                "evidence": float(evidence),
                "flagged": bool(evidence > EVIDENCE_MIN),
            }
        )
    return pd.DataFrame(rows)


def advised_change(row, l_max: int) -> tuple[str | None, int]:
    """What the screen advises for a flagged row: the adstock to switch to (None: keep the
    family) and the window ``l_max`` to fit with (never below the current one)."""
    window = max(DELAYED_WINDOW, int(row["wider_reach"]) + 1)
    longer = min(max(window, l_max + 1), 104)
    if row["wider_family"] == "delayed" and row["model_family"] == "delayed":
        return None, longer  # already delayed: only the window
    if row["wider_family"] == "delayed":
        return "delayed", (window if row["wider_reach"] > l_max else l_max)
    return None, longer


def carryover_advice(row, l_max: int) -> str:
    """The one-line fix for a flagged carryover row."""
    family, new_l_max = advised_change(row, l_max)
    if family is None:
        return f"l_max={new_l_max}"
    fix = f"channels={{'{row['channel']}': ChannelSpec(adstock='{family}')}}"
    return fix + (f", l_max={new_l_max}" if new_l_max != l_max else "")


def carryover_problem(row, l_max: int) -> str:
    """Plain-language statement of what the check found for a flagged row."""
    if row["wider_family"] == "delayed":
        what = f"peaks about {row['wider_peak']} weeks after spend"
    else:
        what = f"lasts about {row['wider_reach']} weeks"
    return (
        f"carryover of '{row['channel']}' looks delayed or longer than l_max={l_max}: the response "
        f"{what} (evidence {row['evidence']:.0f} vs the {row['model_family']} adstock)"
    )


def carryover_table(data: MMMData, spec) -> pd.DataFrame:
    """:func:`carryover_check` for a model spec, with ``problem`` and ``advice`` (the one-line
    fix) filled in on flagged rows; runs in well under a second, before any sampling."""
    families = {c.name: c.adstock for c in spec.resolve(data.channels)}
    table = carryover_check(data, families, spec.l_max, spec.seasonality, spec.period)
    table["problem"] = [
        carryover_problem(r, spec.l_max) if r["flagged"] else "" for _, r in table.iterrows()
    ]
    table["advice"] = [
        carryover_advice(r, spec.l_max) if r["flagged"] else "" for _, r in table.iterrows()
    ]
    return table


def lagged_correlation(residual: np.ndarray, x: np.ndarray, max_lag: int) -> np.ndarray:
    """Correlation of ``residual[t]`` with ``x[t - k]`` for k = 0..max_lag (NaN where constant)."""
    out = np.full(max_lag + 1, np.nan)
    for k in range(max_lag + 1):
        r, v = residual[k:], x[: len(x) - k]
        if len(r) > 3 and r.std() > 0 and v.std() > 0:
            out[k] = float(np.corrcoef(r, v)[0, 1])
    return out


def autocorrelation(x: np.ndarray, lags: int) -> np.ndarray:
    """Sample autocorrelations of a series at lags 0..lags (lag 0 is 1; constant series: 0s)."""
    x = np.asarray(x, float) - np.mean(x)
    denom = float(x @ x) or 1.0
    return np.array([float(x[: len(x) - k] @ x[k:]) / denom for k in range(lags + 1)])


def ljung_box(residual: np.ndarray, lags: int = 4) -> tuple[np.ndarray, float]:
    """Autocorrelations 1..lags and the Ljung-Box p-value of the residual series."""
    from scipy.stats import chi2

    n = len(residual)
    acf = autocorrelation(residual, lags)[1:]
    q = n * (n + 2) * np.sum(acf**2 / (n - np.arange(1, lags + 1)))
    return acf, float(chi2.sf(q, lags))
