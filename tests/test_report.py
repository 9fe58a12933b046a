"""The HTML report: one self-contained file with every section, rendered by headless Chromium."""

import re
import shutil
import subprocess

import pytest

HEADINGS = [
    "Data summary",
    "Diagnostics",
    "Model fit",
    "ROI",
    "Response curves",
    "Contributions",
    "Budget optimisation",
]


@pytest.fixture(scope="module")
def report_path(mock_fit, tmp_path_factory):
    result = mock_fit.optimize_budget(horizon=4, relative_bounds=0.3)
    path = tmp_path_factory.mktemp("report") / "report.html"
    assert mock_fit.report(path, optimization=result) == path
    return path


def test_report_sections_and_inline_images(report_path):
    text = report_path.read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert f"<h2>{heading}</h2>" in text
    assert text.count("data:image/png;base64,") >= 8
    assert "could not" not in text
    # self-contained: no external stylesheets, scripts, images or links
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", text)
    assert "http://" not in text and "https://" not in text
    assert "<script" not in text and "<link" not in text


def test_report_without_optimisation(mock_fit, tmp_path):
    from bayes_mmm.report.html_report import write_report

    text = write_report(mock_fit, tmp_path / "sub" / "r.html").read_text(encoding="utf-8")
    assert "<h2>ROI</h2>" in text and "Budget optimisation" not in text


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip(
            "headless Chromium not installed (apt-get install chromium; "
            "scripts/dev.sh test does it as root)"
        )
    return exe


def test_report_renders_in_headless_chromium(report_path, tmp_path):
    from matplotlib.image import imread

    exe = _chromium()
    flags = ["--headless", "--no-sandbox", "--disable-gpu"]
    png = tmp_path / "report.png"
    url = report_path.resolve().as_uri()
    subprocess.run(
        [exe, *flags, f"--screenshot={png}", "--window-size=1200,3000", url],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert png.exists(), "Chromium wrote no screenshot"
    pixels = imread(png)
    assert pixels.shape[:2] == (3000, 1200)
    assert pixels[..., :3].std() > 0.02, "screenshot is blank"
    dom = subprocess.run(
        [exe, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=False
    ).stdout
    for heading in HEADINGS:
        assert f"<h2>{heading}</h2>" in dom
