"""Resumable studies: the keys of the rows a JSON-lines results file already holds."""

from __future__ import annotations

import json
from pathlib import Path


def done_keys(out: Path, *fields: str) -> set[tuple]:
    """``{(row[f] for f in fields)}`` over the rows of ``out`` (empty if it does not exist yet);
    creates ``out``'s folder so the study can append to it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        return set()
    rows = map(json.loads, out.read_text().splitlines())
    return {tuple(row[f] for f in fields) for row in rows}
