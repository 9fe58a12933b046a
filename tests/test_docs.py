"""The documentation site builds with `mkdocs build --strict` (broken links and API refs fail),
renders the executed notebooks, and its plot gallery loads every picture in headless Chromium."""

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHECK_SCRIPT = """<script>
window.addEventListener("load", () => {
  const imgs = Array.from(document.images);
  const broken = imgs.filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.src);
  const out = {n: imgs.length, broken: broken, text: document.body.innerText.length};
  document.body.setAttribute("data-imgcheck", JSON.stringify(out));
});
</script>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).with_name("mkdocs"))
    if not Path(mkdocs).exists():
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    out = tmp_path_factory.mktemp("docs") / "site"
    result = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_mkdocs_build_strict(site):
    assert (site / "api" / "index.html").is_file()


def test_notebooks_are_rendered_with_their_figures(site):
    pages = sorted((site / "notebooks").glob("*/index.html"))
    assert len(pages) == 6
    for page in pages:
        figures = page.read_text().count('src="data:image/png;base64')
        assert figures >= 1, f"{page.parent.name} shows no figure (re-run build_notebooks.py)"


def test_gallery_lists_every_fit_plot(site):
    from bayes_mmm.viz.fit_plots import FitPlots

    text = (ROOT / "docs" / "gallery.md").read_text()
    methods = [m for m in vars(FitPlots) if not m.startswith("_")]
    missing = [m for m in methods if f"fit.plot.{m}(" not in text]
    assert not missing, f"docs/gallery.md lacks {missing}"


def test_gallery_images_load_in_headless_chromium(site, tmp_path):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("headless Chromium not installed (apt-get install chromium)")
    page = site / "gallery" / "index.html"
    probe = page.with_name("probe.html")
    probe.write_text(page.read_text().replace("</body>", CHECK_SCRIPT + "</body>"))
    result = subprocess.run(
        [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'data-imgcheck="([^"]*)"', result.stdout)
    assert found, f"the page did not finish loading: {result.stderr[-1500:]}"
    check = json.loads(html.unescape(found.group(1)))
    expected = len(re.findall(r"!\[", (ROOT / "docs" / "gallery.md").read_text()))
    assert check["n"] >= expected >= 20
    assert check["broken"] == [], f"images that did not load: {check['broken']}"
    assert check["text"] > 2000, "the gallery page is (nearly) blank"
