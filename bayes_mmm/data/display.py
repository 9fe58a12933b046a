"""Rich display of model input in Jupyter: shape, dates, channels with spend totals (HTML)."""

from __future__ import annotations

import html

import pandas as pd


def data_overview(data) -> pd.DataFrame:
    """Per-channel table: channel, modelled exposure, total spend, share of spend (%), active
    periods (spend > 0 in any region), mean spend per active period."""
    table = data.summary()
    media = dict(zip(data.channels, data.media_names or data.channels))
    active = table["active_periods"].replace(0, pd.NA)
    return pd.DataFrame(
        {
            "channel": table["channel"],
            "modelled as": [media.get(c, c) for c in table["channel"]],
            "total spend": table["total_spend"],
            "spend share (%)": 100 * table["spend_share"],
            "active periods": table["active_periods"],
            "spend per active period": table["total_spend"] / active,
        }
    )


def data_html(data) -> str:
    """HTML card of an :class:`~bayes_mmm.data.mmm_data.MMMData`."""
    freq = pd.infer_freq(data.dates) if len(data.dates) > 2 else None
    geos = f"{data.n_geos} regions" if data.is_geo else "national"
    head = (
        f"<b>MMMData</b>: {data.n_dates} periods ({html.escape(str(freq or '?'))}) "
        f"{data.dates[0]:%Y-%m-%d} to {data.dates[-1]:%Y-%m-%d}, {geos}, "
        f"{data.n_channels} channels, target <code>{html.escape(data.target_name)}</code> "
        f"(total {data.target.sum():,.0f})"
    )
    extra = []
    if data.control_names:
        extra.append("controls: " + ", ".join(html.escape(c) for c in data.control_names))
    if data.revenue_per_unit is not None:
        extra.append("revenue_per_unit given: ROI in money")
    if data.population is not None:
        extra.append("population given: per-capita scaling")
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in data.notes)
    table = data_overview(data).to_html(index=False, float_format=lambda v: f"{v:,.1f}", border=0)
    return (
        f"<div><p>{head}</p>"
        + (f"<p>{'; '.join(extra)}</p>" if extra else "")
        + table
        + (f"<p>Notes:</p><ul>{notes}</ul>" if notes else "")
        + "</div>"
    )


def data_repr(data) -> str:
    """One-line text repr."""
    return (
        f"MMMData({data.n_dates} periods {data.dates[0]:%Y-%m-%d}..{data.dates[-1]:%Y-%m-%d}, "
        f"{data.n_geos} geo(s), channels={list(data.channels)}, target={data.target_name!r})"
    )


__all__ = ["data_html", "data_overview", "data_repr"]
