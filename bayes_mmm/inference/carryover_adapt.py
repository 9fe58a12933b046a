"""``carryover="auto"`` (the default): before sampling, fit a channel whose response clearly
peaks weeks after spend with the delayed adstock and the window the carryover screen advises.

:func:`adapt_carryover` runs the screen of :mod:`bayes_mmm.inference.misfit` on the training data
and, for each channel flagged with a *delayed* peak whose adstock the user left at the package
default (global ``adstock="geometric"``, no ``ChannelSpec(adstock=...)`` and no adstock-parameter
priors), applies the screen's one-line advice: ``ChannelSpec(adstock="delayed")`` and ``l_max``
raised to the advised window when the flagged reach exceeds it (13 weeks, or the reach + 1). A
flag for a long geometric decay (advice: a longer ``l_max`` only) is left to the warning: the
one false alarm of the screen in 100 well-specified datasets was of that kind
(``benchmarks/carryover_screen.py``). The screen is repeated on the adapted spec (at most three
passes) until no adaptable channel is flagged for a delay, so refitting the returned spec on the
same data changes nothing. Channels the user set explicitly are never changed, only warned about
(as with ``carryover="as_specified"``). Unflagged data gives back the same spec object, so the fit
is bit-identical to ``carryover="as_specified"``.
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
        rows = [
            (row, window)
            for _, row in table[table["flagged"] & table["channel"].isin(free)].iterrows()
            for family, window in [advised_change(row, current.l_max)]
            if family == "delayed" and row["channel"] not in records
        ]
        if not rows:
            break
        channels = dict(current.channels)
        for row, _ in rows:
            ch = row["channel"]
            channels[ch] = replace(channels.get(ch, ChannelSpec()), adstock="delayed")
            records[ch] = {
                "channel": ch,
                "adstock_from": row["model_family"],
                "adstock_to": "delayed",
                "l_max_from": spec.l_max,
                "evidence": round(float(row["evidence"]), 1),
                "peak_weeks": int(row["wider_peak"]),
                "reach_weeks": int(row["wider_reach"]),
                "problem": row["problem"],
            }
        l_max = max([current.l_max, *(window for _, window in rows)])
        current = replace(current, channels=channels, l_max=l_max)
    for record in records.values():
        record["l_max_to"] = current.l_max
    return current, list(records.values())


def adaptation_note(record: dict) -> str:
    """One line for the warning, diagnostics, summary and report: what was switched and why."""
    return (
        f"{NOTE_PREFIX}'{record['channel']}' was fitted with the {record['adstock_to']} adstock, "
        f"l_max={record['l_max_to']} (spec: {record['adstock_from']}, "
        f"l_max={record['l_max_from']}): before sampling its response peaked about "
        f"{record['peak_weeks']} weeks after spend (screen evidence {record['evidence']:.0f} > "
        f"{EVIDENCE_MIN:.0f})"
    )


def is_adaptation_note(note: str) -> bool:
    """True for the notice of :func:`adaptation_note` (information, not a problem)."""
    return note.startswith(NOTE_PREFIX)
