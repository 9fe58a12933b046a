"""The example notebooks: sources are jupytext percent files (notebooks/NN_*.py); the committed
.ipynb files carry their outputs (scripts/build_notebooks.py) and must have the same cells as the
sources; each source runs end to end (nbclient). Their own assert cells check the statistics they
teach (e.g. the harmful channel's ROI interval lies below zero).
"""

import subprocess
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("jupytext")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
SOURCES = sorted(p.name for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))
PYTHON_ALIASES = {
    "python",
    f"python{sys.version_info[0]}",
    f"python{sys.version_info[0]}.{sys.version_info[1]}",
}
sys.path.insert(0, str(ROOT / "scripts"))
import build_notebooks  # noqa: E402

sys.path.remove(str(ROOT / "scripts"))


def _kernel_uses_this_interpreter() -> bool:
    """jupyter_client runs argv[0] 'python'/'python3' as sys.executable; anything else must be
    it."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        argv = KernelSpecManager().get_kernel_spec("python3").argv
    except NoSuchKernel:
        return False
    return bool(argv) and (
        argv[0] in PYTHON_ALIASES or Path(argv[0]).resolve() == Path(sys.executable).resolve()
    )


@pytest.fixture(scope="module")
def python3_kernel():
    if not _kernel_uses_this_interpreter():
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--user", "--name", "python3"],
            check=True,
            capture_output=True,
        )
    assert _kernel_uses_this_interpreter(), "no 'python3' kernel spec runs this interpreter"


def test_every_source_has_a_committed_notebook():
    assert len(SOURCES) == 6
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")) == [
        s.replace(".py", ".ipynb") for s in SOURCES
    ]


@pytest.mark.parametrize("name", SOURCES)
def test_committed_notebook_is_current_and_has_outputs(name):
    """Same cells as the source, every code cell executed, figures present, no errors: re-run
    scripts/build_notebooks.py after editing a source."""
    source = build_notebooks.read_source(NOTEBOOK_DIR / name)
    committed = nbformat.read(NOTEBOOK_DIR / name.replace(".py", ".ipynb"), as_version=4)
    pairs = list(zip(source.cells, committed.cells))
    assert len(source.cells) == len(committed.cells), f"re-run scripts/build_notebooks.py {name}"
    for new, old in pairs:
        assert (new.cell_type, new.source) == (old.cell_type, old.source), (
            f"re-run scripts/build_notebooks.py {name}: cell {old.get('id')} differs"
        )
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), f"{name} was not executed in full"
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{name} shows no figure"
    assert "filterwarnings" not in "".join(c.source for c in code), "examples keep warnings on"


def test_no_notebook_reads_outside_the_repository():
    for name in SOURCES:
        text = (NOTEBOOK_DIR / name).read_text()
        assert "shared" not in text and "../" not in text, name


@pytest.mark.slow
@pytest.mark.parametrize("name", SOURCES)
def test_notebook_runs(name, python3_kernel):
    start = time.perf_counter()
    nb = build_notebooks.execute(NOTEBOOK_DIR / name, timeout=600)
    print(f"\n{name}: executed in {time.perf_counter() - start:.0f} s")
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
