"""Execute the example notebooks and write them with their outputs.

The sources are jupytext percent files, ``notebooks/NN_name.py`` (edit those, in any editor or
in Jupyter with jupytext); this script runs each one with nbclient in ``notebooks/`` and writes
``notebooks/NN_name.ipynb`` with the outputs (figures included), so GitHub and the docs show
them without running anything. ``python scripts/build_notebooks.py [names...]``; about a minute
per notebook on 2 cores. ``tests/test_notebooks.py`` checks the committed .ipynb files have the
same cells as the sources.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jupytext
import nbclient
import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def sources() -> list[Path]:
    """The jupytext sources, ``notebooks/NN_*.py``, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def read_source(path: Path) -> nbformat.NotebookNode:
    """A notebook (no outputs) from its percent-format source, with stable cell ids."""
    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata.pop("jupytext", None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{path.name[:2]}-{i:02d}"
    return nb


def execute(path: Path, timeout: int = 900) -> nbformat.NotebookNode:
    """Run the source notebook in notebooks/ and return it with its outputs."""
    nb = read_source(path)
    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    return nb


def main(names: list[str]) -> int:
    for path in sources():
        if names and not any(n in path.name for n in names):
            continue
        start = time.perf_counter()
        nb = execute(path)
        target = path.with_suffix(".ipynb")
        nbformat.write(nb, target)
        print(f"{target.name}: executed in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
