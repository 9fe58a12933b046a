"""Model input: :class:`MMMData` built from a tidy DataFrame, validated with errors that teach.

Arrays are held with named dimensions ``date x geo x channel`` (and ``control``). National data
has a single geo called ``"national"``, so national and regional models share one code path.

Decisions (documented in docs/data.md):

* Unsorted dates are sorted, with a warning; duplicate dates are rejected.
* Dates must form a regular calendar (weekly or daily): a gap or a mixed frequency is rejected.
* A ragged region panel is rejected unless ``fill_missing=True``: then missing spend/exposure is 0,
  missing controls are carried forward/backward and a missing target is linearly interpolated.
* An all-zero channel, a constant control, a channel identical to another and a constant target
  are rejected: none of them can be estimated.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from bayes_mmm.data.display import data_html, data_repr
from bayes_mmm.data.validation import NATIONAL, validate_frame


@dataclass(frozen=True, eq=False)
class MMMData:
    """Validated model input.

    Attributes (arrays are read-only):
        dates: the calendar, one entry per period (``date``).
        geos: region names; ``("national",)`` for national data.
        channels: channel names (the spend column names).
        spend: spend in currency per period, shape ``(date, geo, channel)``; ROI is on spend.
        media: exposure modelled by the transforms (impressions or spend), same shape.
        target: outcome per period (sales, revenue, units), shape ``(date, geo)``.
        controls: control variables, shape ``(date, geo, control)``.
        population: optional population per geo (per-capita scaling), shape ``(geo,)``.
        revenue_per_unit: optional value of one outcome unit, shape ``(date, geo)``; ROI in money.
    """

    dates: pd.DatetimeIndex
    geos: tuple[str, ...]
    channels: tuple[str, ...]
    spend: np.ndarray
    media: np.ndarray
    target: np.ndarray
    controls: np.ndarray
    control_names: tuple[str, ...] = ()
    target_name: str = "target"
    media_names: tuple[str, ...] = ()
    population: np.ndarray | None = None
    revenue_per_unit: np.ndarray | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self):
        object.__setattr__(self, "dates", pd.DatetimeIndex(self.dates).as_unit("ns"))
        for name in ("spend", "media", "target", "controls", "population", "revenue_per_unit"):
            value = getattr(self, name)
            if value is not None:
                value = np.array(value, dtype=float, order="C", copy=True)
                value.setflags(write=False)
                object.__setattr__(self, name, value)

    @property
    def value_per_unit(self) -> np.ndarray:
        """Money per outcome unit ``(date, geo)``: ``revenue_per_unit``, or 1 (outcomes in target
        units)."""
        return np.ones_like(self.target) if self.revenue_per_unit is None else self.revenue_per_unit

    # ------------------------------------------------------------------ sizes
    @property
    def n_dates(self) -> int:
        return len(self.dates)

    @property
    def n_geos(self) -> int:
        return len(self.geos)

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def is_geo(self) -> bool:
        return self.geos != (NATIONAL,)

    # ------------------------------------------------------------- construction
    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        *,
        date: str,
        target: str,
        channels: Sequence[str],
        controls: Sequence[str] = (),
        media: Mapping[str, str] | None = None,
        geo: str | None = None,
        population: str | None = None,
        revenue_per_unit: str | None = None,
        fill_missing: bool = False,
        date_format: str | None = None,
    ) -> MMMData:
        """Build validated model input from a tidy DataFrame (one row per date, or date x geo).

        Args:
            df: the data.
            date: name of the date column (parseable dates, weekly or daily, regular).
            target: outcome column (sales, revenue or units per period).
            channels: spend columns, currency per period; each one is a channel.
            controls: optional control columns (price, promotions, holidays).
            media: optional ``{spend column: exposure column}``; the exposure (impressions, GRPs)
                is modelled instead of spend while ROI stays on spend.
            geo: optional region column (long data, one row per date x region).
            population: optional population column (constant per region) for per-capita scaling.
            revenue_per_unit: optional column with the money value of one outcome unit.
            fill_missing: fill a ragged region panel instead of rejecting it.
            date_format: optional strftime format to parse the date column.
        """
        return validate_frame(
            cls,
            df,
            date=date,
            target=target,
            channels=list(channels),
            controls=list(controls),
            media=dict(media or {}),
            geo=geo,
            population=population,
            revenue_per_unit=revenue_per_unit,
            fill_missing=fill_missing,
            date_format=date_format,
        )

    # ----------------------------------------------------------------- views
    def subset_dates(self, start: int, stop: int) -> MMMData:
        """A copy restricted to periods ``start:stop`` (positions)."""
        sl = slice(start, stop)
        return type(self)(
            dates=self.dates[sl],
            geos=self.geos,
            channels=self.channels,
            spend=self.spend[sl],
            media=self.media[sl],
            target=self.target[sl],
            controls=self.controls[sl],
            control_names=self.control_names,
            target_name=self.target_name,
            media_names=self.media_names,
            population=self.population,
            revenue_per_unit=None if self.revenue_per_unit is None else self.revenue_per_unit[sl],
            notes=self.notes,
        )

    def to_dataset(self) -> xr.Dataset:
        """All arrays as one xarray Dataset with named dims (stored inside model files)."""
        coords = {
            "date": self.dates.values,
            "geo": list(self.geos),
            "channel": list(self.channels),
            "control": list(self.control_names),
        }
        ds = xr.Dataset(
            {
                "spend": (("date", "geo", "channel"), self.spend),
                "media": (("date", "geo", "channel"), self.media),
                "target": (("date", "geo"), self.target),
                "controls": (("date", "geo", "control"), self.controls),
            },
            coords=coords,
            attrs={
                "target_name": self.target_name,
                "media_names": list(self.media_names),
                "notes": list(self.notes),
            },
        )
        if self.population is not None:
            ds["population"] = (("geo",), self.population)
        if self.revenue_per_unit is not None:
            ds["revenue_per_unit"] = (("date", "geo"), self.revenue_per_unit)
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> MMMData:
        """Inverse of :meth:`to_dataset`."""

        def names(key):
            value = ds.attrs.get(key, [])
            return tuple([value] if isinstance(value, str) else list(value))

        return cls(
            dates=pd.DatetimeIndex(ds["date"].values),
            geos=tuple(str(g) for g in ds["geo"].values),
            channels=tuple(str(c) for c in ds["channel"].values),
            spend=ds["spend"].values,
            media=ds["media"].values,
            target=ds["target"].values,
            controls=ds["controls"].values,
            control_names=tuple(str(c) for c in ds["control"].values),
            target_name=str(ds.attrs.get("target_name", "target")),
            media_names=names("media_names"),
            population=ds["population"].values if "population" in ds else None,
            revenue_per_unit=ds["revenue_per_unit"].values if "revenue_per_unit" in ds else None,
            notes=names("notes"),
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy long DataFrame: one row per date (x geo) with target, spend and controls."""
        rows = []
        for g, geo in enumerate(self.geos):
            part = pd.DataFrame({"date": self.dates, self.target_name: self.target[:, g]})
            if self.is_geo:
                part.insert(1, "geo", geo)
            for c, ch in enumerate(self.channels):
                part[ch] = self.spend[:, g, c]
            for k, name in enumerate(self.control_names):
                part[name] = self.controls[:, g, k]
            rows.append(part)
        return pd.concat(rows, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """Per-channel totals: spend, share of spend, weeks with spend > 0."""
        total = self.spend.sum(axis=(0, 1))
        active = (self.spend > 0).any(axis=1).sum(axis=0)
        return pd.DataFrame(
            {
                "channel": self.channels,
                "total_spend": total,
                "spend_share": total / total.sum(),
                "active_periods": active,
            }
        )

    def _repr_html_(self) -> str:
        return data_html(self)

    def __repr__(self) -> str:
        return data_repr(self)


def _warn(note: str) -> None:
    warnings.warn(note, UserWarning, stacklevel=4)


__all__ = ["NATIONAL", "MMMData"]
