"""Study output: print a row and append it to a JSON-lines results file; resume from the keys of
the rows that file already holds."""

from __future__ import annotations

import json
from pathlib import Path


def emit(row: dict, out: str | Path | None = None) -> None:
    """Print ``row`` as one JSON line and, with ``out``, append it to that file."""
    line = json.dumps(row)
    print(line, flush=True)
    if out:
        with open(out, "a") as fh:
            fh.write(line + "\n")


def done_keys(out: Path, *fields: str) -> set[tuple]:
    """``{(row[f] for f in fields)}`` over the rows of ``out`` (empty if it does not exist yet);
    creates ``out``'s folder so the study can append to it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        return set()
    rows = map(json.loads, out.read_text().splitlines())
    return {tuple(row[f] for f in fields) for row in rows}
