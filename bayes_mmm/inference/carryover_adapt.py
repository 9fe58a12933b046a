"""``carryover="auto"`` (the default): before sampling, fit a channel whose response clearly
peaks weeks after spend with the adstock and window the carryover screen advises.

:func:`adapt_carryover` runs the screen of :mod:`bayes_mmm.inference.misfit` on the training data
and, for each flagged channel whose adstock the user left at the package default (global
``adstock="geometric"``, no ``ChannelSpec(adstock=...)`` and no adstock-parameter priors), applies
the screen's one-line advice: the delayed adstock for a delayed peak, and ``l_max`` raised to the
advised window (13 weeks, or the flagged reach). It repeats the screen on the adapted spec (at most
three passes) until no adaptable channel is flagged, so the returned spec is a fixed point: refit
on the same data it changes nothing, and the post-fit screen does not flag the adapted channels.
Channels the user set explicitly are never changed, only warned about (as with
``carryover="as_specified"``). Unflagged data gives back the same spec object, so the fit is
bit-identical to ``carryover="as_specified"``.
"""

from __future__ import annotations

from dataclasses import replace

from bayes_mmm.data.mmm_data import MMMData
from bayes_mmm.inference.misfit import EVIDENCE_MIN, advised_change, carryover_table
from bayes_mmm.model.spec import ChannelSpec
from bayes_mmm.model.transforms import ADSTOCKS

DEFAULT_ADSTOCK = "geometric"
PASSES = 3
OPT_OUT = "bm.MMM(..., carryover='as_specified') fits the spec as written"
NOTE_PREFIX = "carryover adapted: "


def adaptable_channels(spec, channels) -> list[str]:
    """Channels whose carryover ``carryover="auto"`` may change: adstock not chosen by the user."""
    if spec.carryover != "auto" or spec.adstock != DEFAULT_ADSTOCK:
        return []
    adstock_params = set(ADSTOCKS[DEFAULT_ADSTOCK].params)
    out = []
    for name in channels:
        cs = spec.channels.get(name, ChannelSpec())
        if cs.adstock is None and not adstock_params & set(cs.priors):
            out.append(name)
    return out


def adapt_carryover(spec, data: MMMData):
    """``(fitted_spec, records)``: the spec to fit on ``data`` (the training periods) and one
    JSON-ready record per adapted channel (channel, adstock and l_max before/after, the screen's
    evidence, peak and reach in weeks, the problem text). ``spec`` itself is never mutated; with
    nothing to adapt it is returned as is."""
    free = adaptable_channels(spec, data.channels)
    records: dict[str, dict] = {}
    current = spec
    for _ in range(PASSES if free else 0):
        table = carryover_table(data, current)
        flagged = table[table["flagged"] & table["channel"].isin(free)]
        if flagged.empty:
            break
        channels, l_max = dict(current.channels), current.l_max
        for _, row in flagged.iterrows():
            ch = row["channel"]
            family, window = advised_change(row, current.l_max)
            if family is not None:
                channels[ch] = replace(channels.get(ch, ChannelSpec()), adstock=family)
            l_max = max(l_max, window)
            to = family or row["model_family"]
            if ch in records:  # a later pass: keep the evidence that first flagged it
                records[ch]["adstock_to"] = to
                continue
            records[ch] = {
                "channel": ch,
                "adstock_from": row["model_family"],
                "adstock_to": to,
                "l_max_from": spec.l_max,
                "evidence": round(float(row["evidence"]), 1),
                "peak_weeks": int(row["wider_peak"]),
                "reach_weeks": int(row["wider_reach"]),
                "problem": row["problem"],
            }
        current = replace(current, channels=channels, l_max=l_max)
    for record in records.values():
        record["l_max_to"] = current.l_max
    return current, list(records.values())


def adaptation_note(record: dict) -> str:
    """One line for the warning, diagnostics, summary and report: what was switched and why."""
    was = f"{record['adstock_from']}, l_max={record['l_max_from']}"
    now = f"{record['adstock_to']} adstock, l_max={record['l_max_to']}"
    if record["adstock_to"] == record["adstock_from"]:
        change = f"with l_max={record['l_max_to']} (spec: l_max={record['l_max_from']})"
    else:
        change = f"with the {now} (spec: {was})"
    seen = (
        f"peaked about {record['peak_weeks']} weeks after spend"
        if record["peak_weeks"] > 0
        else f"lasted about {record['reach_weeks']} weeks"
    )
    return (
        f"{NOTE_PREFIX}'{record['channel']}' was fitted {change}: before sampling its "
        f"response {seen} (screen evidence {record['evidence']:.0f} > {EVIDENCE_MIN:.0f})"
    )


def is_adaptation_note(note: str) -> bool:
    """True for the notice of :func:`adaptation_note` (information, not a problem)."""
    return note.startswith(NOTE_PREFIX)
