"""Atomic file writes: every file the package writes appears whole or not at all.

A writer writes to a temporary file in the target's folder; only when it finishes is the
temporary file renamed over the target (``os.replace``, atomic on POSIX and Windows), so a failure
half-way (a bad value, a full disk, a killed process) leaves any existing file untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bayes_mmm.core.errors import OutputError, message


@contextlib.contextmanager
def atomic_path(path, what: str = "output file") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it to ``path``.

    On any exception the temporary file is removed and ``path`` keeps its old content.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(str(path))
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.close(handle)
    except OSError as exc:
        raise _unwritable(what, path, exc) from exc
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _unwritable(what, path, exc) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path, text: str, what: str = "output file") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path, what) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def write_csv(path, table, what: str = "CSV output") -> Path:
    """Write a DataFrame to ``path`` atomically (no index)."""
    with atomic_path(path, what) as temporary:
        table.to_csv(temporary, index=False)
    return Path(path)


def _unwritable(what: str, path: Path, exc: OSError) -> OutputError:
    return OutputError(
        message(
            what,
            "a writable file path",
            f"'{path}' ({type(exc).__name__}: {exc})",
            "Choose another path or fix the folder's permissions.",
        )
    )
