"""Inputs of ``next_experiment``: the candidate-test table, its checks, the default grid, and the
planning horizon's reference spend (the last ``horizon`` periods, as the optimiser's reference).

A candidate is one row: ``channel``, ``start`` / ``end`` (dates inside the planning horizon, the
``horizon`` periods after the data), ``spend_change`` (currency per period, negative for a go-dark
test), optional ``geo`` (None = every region in proportion to its spend) and ``lift_se`` (target
units). Each bad input raises one error naming the column, the rows and the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_mmm.core.errors import (
    DataError,
    OptimizationError,
    SpecError,
    describe_rows,
    did_you_mean,
    is_number,
    message,
)

REQUIRED = ("channel", "start", "end", "spend_change")


def future_dates(data, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` periods after the data (same step as the data's calendar)."""
    step = data.dates[-1] - data.dates[-2] if data.n_dates > 1 else pd.Timedelta(days=7)
    return pd.DatetimeIndex([data.dates[-1] + step * (k + 1) for k in range(horizon)])


def future_reference(data, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Reference spend and exposure ``(horizon, geo, channel)``: the last ``horizon`` periods,
    repeated when the data are shorter."""
    rows = np.arange(-horizon, 0) % data.n_dates
    return np.asarray(data.spend)[rows], np.asarray(data.media)[rows]


def planned_exposure(data, test, spend_f: np.ndarray, media_f: np.ndarray) -> np.ndarray:
    """Reference and changed exposure ``(2, date + horizon, geo)`` of the tested channel for a
    test run in the planning horizon: the history followed by the horizon's reference exposure,
    the spend change per period in the test's window (split over regions by spend share when
    ``geo`` is None) at the channel's average exposure per unit of spend, floored at zero."""
    c = list(data.channels).index(test["channel"])
    media = np.concatenate([data.media[..., c], media_f[..., c]])  # (date + horizon, geo)
    change = np.zeros_like(media)
    start = data.n_dates + int(test["offset"])
    rows = slice(start, start + int(test["weeks"]))
    change[rows] = test["spend_change"] * _geo_share(data, test, spend_f) * _per_spend(data, c)
    return np.stack([media, np.maximum(media + change, 0.0)])


def _geo_share(data, test, spend_f: np.ndarray) -> np.ndarray:
    c = list(data.channels).index(test["channel"])
    if pd.isna(test["geo"]):
        total = spend_f[..., c].sum(0)
        return total / max(total.sum(), 1e-12)
    return np.array([g == str(test["geo"]) for g in data.geos], dtype=float)


def _per_spend(data, c: int) -> np.ndarray:
    spend, media = data.spend[..., c].sum(0), data.media[..., c].sum(0)
    return np.where(spend > 0, media / np.maximum(spend, 1e-12), 1.0)


def check_counts(**counts: int) -> None:
    """Each count (n_outcomes, max_draws, horizon, n_datasets, ...) must be an integer >= 2."""
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 2:
            raise SpecError(message(name, "an integer >= 2", repr(value)))


def check_optimisable(fit, horizon: int, options: dict) -> None:
    """At least one channel with spend in the reference periods that the optimiser may move."""
    spend, _ = future_reference(fit.data, horizon)
    pinned = set(options.get("fixed") or ()) | set(options.get("zero") or ())
    free = [
        ch for c, ch in enumerate(fit.data.channels) if ch not in pinned and spend[..., c].sum() > 0
    ]
    if not free:
        raise OptimizationError(
            message(
                "fit",
                "at least one channel with spend in the last "
                f"{horizon} periods that the optimiser may re-allocate",
                f"none among {list(fit.data.channels)} (fixed/zero: {sorted(pinned)})",
                "A test cannot improve a budget decision that is already fixed: free a channel "
                "or use a fit whose channels have recent spend.",
            )
        )


def default_candidates(
    fit, horizon: int = 13, weeks=(4, 8), changes=(-1.0, 0.5), start_offset: int = 0
) -> pd.DataFrame:
    """Default grid: for each channel with recent spend, a go-dark test (-100% of its average
    reference spend per period in the window) and a +50% test, each over 4 and 8 periods, all
    regions, starting ``start_offset`` periods into the horizon."""
    spend, _ = future_reference(fit.data, horizon)
    dates = future_dates(fit.data, horizon)
    rows = []
    for c, ch in enumerate(fit.data.channels):
        for w in weeks:
            window = spend[start_offset : start_offset + w, :, c].sum(axis=1)
            if start_offset + w > horizon or window.mean() <= 0:
                continue
            for change in changes:
                rows.append(
                    {
                        "channel": ch,
                        "geo": None,
                        "start": dates[start_offset],
                        "end": dates[start_offset + w - 1],
                        "spend_change": change * float(window.mean()),
                    }
                )
    return pd.DataFrame(rows)


# long: one check per candidate column in the documented order; each raises its own error
def validate_candidates(candidates, fit, horizon: int, spend_f: np.ndarray) -> pd.DataFrame:
    """Check candidate tests; returns a clean copy with ``weeks``, ``offset`` and ``lift_se``."""
    data = fit.data
    if not isinstance(candidates, pd.DataFrame) or candidates.empty:
        raise DataError(message("candidates", "a non-empty pandas DataFrame", repr(candidates)))
    missing = [c for c in REQUIRED if c not in candidates.columns]
    if missing:
        raise DataError(
            message(
                "candidates columns",
                f"{list(REQUIRED)} (+ optional 'geo', 'lift_se')",
                f"missing {missing}",
            )
        )
    out = candidates.reset_index(drop=True).copy()
    out["geo"] = out.get("geo", None)
    unknown = out.index[~out["channel"].isin(data.channels)].tolist()
    if unknown:
        names = out.loc[unknown, "channel"].tolist()
        raise DataError(
            message(
                "candidates 'channel'",
                f"one of {list(data.channels)}",
                f"unknown channels {names} at rows {describe_rows(unknown)}",
                did_you_mean(names, data.channels),
            )
        )
    geos = out["geo"].dropna()
    bad = geos.index[~geos.astype(str).isin(data.geos)].tolist()
    if bad:
        raise DataError(
            message(
                "candidates 'geo'",
                f"one of {list(data.geos)} or None (all regions)",
                f"unknown regions {out.loc[bad, 'geo'].tolist()} at rows {describe_rows(bad)}",
                did_you_mean(out.loc[bad, "geo"].tolist(), data.geos),
            )
        )
    _windows(out, future_dates(data, horizon))
    change = pd.to_numeric(out["spend_change"], errors="coerce").to_numpy(float)
    bad = out.index[~np.isfinite(change) | (change == 0)].tolist()
    if bad:
        raise DataError(
            message(
                "candidates 'spend_change'",
                "finite, non-zero currency per period",
                f"bad values at rows {describe_rows(bad)}",
            )
        )
    out["spend_change"] = change
    _no_negative_spend(out, data, spend_f)
    out["lift_se"] = _lift_se(out, fit)
    return out


def _windows(out: pd.DataFrame, future: pd.DatetimeIndex) -> None:
    start = pd.to_datetime(out["start"], errors="coerce")
    end = pd.to_datetime(out["end"], errors="coerce")
    bad = out.index[
        start.isna() | end.isna() | (start < future[0]) | (end > future[-1]) | (start > end)
    ].tolist()
    if not bad:
        offsets = future.searchsorted(start)
        weeks = np.array([((future >= s) & (future <= e)).sum() for s, e in zip(start, end)])
        bad = out.index[weeks < 1].tolist()
    if bad:
        raise DataError(
            message(
                "candidates window (start, end)",
                f"start <= end inside the planning horizon {future[0].date()}..{future[-1].date()} "
                f"({len(future)} periods after the data)",
                f"windows outside it at rows {describe_rows(bad)}",
                "Move the test into the horizon or pass a longer horizon=.",
            )
        )
    out["start"], out["end"], out["offset"], out["weeks"] = start, end, offsets, weeks


def _no_negative_spend(out: pd.DataFrame, data, spend_f: np.ndarray) -> None:
    """The window's total spend in each region tested must stay >= 0 (single periods below zero
    are floored at zero exposure, as in the lift-test likelihood)."""
    bad, floors = [], []
    for i, test in out.iterrows():
        c = list(data.channels).index(test["channel"])
        window = spend_f[int(test["offset"]) : int(test["offset"]) + int(test["weeks"]), :, c]
        if pd.isna(test["geo"]):
            total = spend_f[..., c].sum(0)
            share = total / max(total.sum(), 1e-12)
        else:
            share = np.array([g == str(test["geo"]) for g in data.geos], dtype=float)
        covered = share > 0
        per_period = window.mean(axis=0)[covered] / share[covered]
        floor = -float(per_period.min()) if covered.any() else 0.0
        if test["spend_change"] < floor - 1e-6 * max(1.0, abs(floor)):
            bad.append(i)
            floors.append(round(floor, 2))
    if bad:
        raise DataError(
            message(
                "candidates 'spend_change'",
                "a change that keeps the window's spend >= 0 in every region tested",
                f"negative spend at rows {describe_rows(bad)} (smallest allowed change: "
                f"{describe_rows(floors)} per period)",
                "A go-dark test is spend_change = -(current spend per period); it cannot go "
                "below zero.",
            )
        )


def _lift_se(out: pd.DataFrame, fit) -> np.ndarray:
    """Given ``lift_se`` (checked), or the residual noise over the test's periods and regions:
    ``sigma x sqrt(2 x periods x regions)`` (test and counterfactual both noisy)."""
    noise = np.asarray(fit.params.noise, float)
    sigma = (noise.mean(0) if noise.ndim > 1 else np.full(fit.data.n_geos, noise.mean())) * (
        fit.scales.target
    )  # (geo,) residual sd per period in target units
    default = np.empty(len(out))
    for i, test in out.iterrows():
        if pd.isna(test["geo"]):
            default[i] = np.sqrt(2 * test["weeks"] * np.sum(sigma**2))
        else:
            default[i] = np.sqrt(2 * test["weeks"]) * sigma[list(fit.data.geos).index(test["geo"])]
    if "lift_se" not in out:
        return default
    given = pd.to_numeric(out["lift_se"], errors="coerce").to_numpy(float)
    bad = out.index[out["lift_se"].notna() & ~(given > 0)].tolist()
    if bad:
        raise DataError(
            message(
                "candidates 'lift_se'",
                "standard errors > 0 (target units) or missing for the default",
                f"bad values at rows {describe_rows(bad)}",
            )
        )
    return np.where(np.isfinite(given), given, default)


def check_refit_options(khat_limit, n_refit, refit_settings) -> None:
    """``khat_limit`` a number > 0, ``n_refit`` an integer >= 1, ``refit_settings`` None or a dict
    of chains / draws / tune."""
    if not is_number(khat_limit) or not khat_limit > 0:
        raise SpecError(
            message("khat_limit", "a number > 0 (0.7 is the usual PSIS rule)", khat_limit)
        )
    if isinstance(n_refit, bool) or not isinstance(n_refit, int | np.integer) or n_refit < 1:
        raise SpecError(message("n_refit", "an integer >= 1", repr(n_refit)))
    allowed = {"chains", "draws", "tune"}
    if refit_settings is not None and (
        not isinstance(refit_settings, dict) or not set(refit_settings) <= allowed
    ):
        raise SpecError(
            message(
                "refit_settings",
                f"None or a dict with keys among {sorted(allowed)}",
                repr(refit_settings)[:120],
            )
        )
