#!/usr/bin/env bash
# bayes_mmm developer entry point: finds Python >= 3.12, creates .venv, installs, runs a job.
#   bash scripts/dev.sh demo     # simulate -> fit -> ROI table vs truth -> demo_output/fit.png
#   bash scripts/dev.sh test     # the test suite (what CI runs)
#   bash scripts/dev.sh notebooks  # execute the example notebooks, write them with outputs
#   bash scripts/dev.sh gallery  # regenerate the docs gallery figures (docs/img)
#   bash scripts/dev.sh bench    # benchmarks (benchmarks/*.py), optional pymc-marketing comparison
# Needs: a Python >= 3.12 interpreter somewhere (PATH, pyenv, /usr/bin) and access to PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"

find_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3.14 python3.13 python3.12 python3 python)
  if command -v pyenv >/dev/null 2>&1; then
    local root; root=$(pyenv root)
    for v in $(ls -1 "$root/versions" 2>/dev/null | sort -rV); do candidates+=("$root/versions/$v/bin/python"); done
  fi
  for d in "$HOME/.pyenv/versions" /root/.pyenv/versions /opt/python /usr/local/bin; do
    for p in $(ls -1d "$d"/3.1[2-9]*/bin/python "$d"/python3.1[2-9] 2>/dev/null | sort -rV); do candidates+=("$p"); done
  done
  for c in "${candidates[@]}"; do
    local exe; exe=$(command -v "$c" 2>/dev/null || true)
    [ -n "$exe" ] || continue
    if "$exe" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$exe"; return 0
    fi
  done
  echo "bayes_mmm needs Python >= 3.12 (pymc 6, arviz 1). None found on PATH or under pyenv; install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
  return 1
}

ensure_venv() {
  local extras="$1"
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    local py; py=$(find_python)
    echo "[dev.sh] creating .venv with $py" >&2
    rm -rf "$VENV"; "$py" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
  fi
  local stamp="$VENV/.installed-$extras-$(sha1sum pyproject.toml | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    echo "[dev.sh] installing bayes_mmm[$extras] into .venv" >&2
    "$VENV/bin/python" -m pip install -q -e ".[$extras]"
    touch "$stamp"
  fi
}

job="${1:-test}"; shift || true
case "$job" in
  demo)
    ensure_venv "test"
    exec "$VENV/bin/bayes-mmm" demo "$@" ;;
  test)
    ensure_venv "test,docs"
    # headless Chromium renders the HTML report in tests/test_report.py (the test skips without it)
    if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
        && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
      echo "[dev.sh] installing chromium (apt-get) for the report rendering test" >&2
      { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
        || echo "[dev.sh] note: could not install chromium; the report rendering test will be skipped" >&2
    fi
    # lint and format first: the test command fails when ruff does (configured in pyproject.toml)
    "$VENV/bin/ruff" check . && "$VENV/bin/ruff" format --check . \
      || { echo "[dev.sh] ruff failed: run '.venv/bin/ruff format . && .venv/bin/ruff check --fix .'" >&2; exit 1; }
    # two pytest-xdist workers: NUTS compiles are single-threaded, so two at once use both cores
    # (BAYES_MMM_TEST_WORKERS=0 runs serially); modules sharing an expensive fit stay on one worker
    exec "$VENV/bin/python" -m pytest -q -n "${BAYES_MMM_TEST_WORKERS:-2}" --dist loadgroup "$@" ;;
  notebooks)
    # execute notebooks/NN_*.py (jupytext) and write the .ipynb with outputs
    ensure_venv "test,docs"
    exec "$VENV/bin/python" scripts/build_notebooks.py "$@" ;;
  gallery)
    # regenerate docs/img/*.png (docs gallery and README figures) and docs/report_example.html
    ensure_venv "test,docs"
    exec "$VENV/bin/python" scripts/build_gallery.py "$@" ;;
  bench)
    ensure_venv "test"
    exec "$VENV/bin/python" benchmarks/bench_fit.py "$@" ;;
  *)
    echo "usage: bash scripts/dev.sh {demo|test|notebooks|gallery|bench} [args]" >&2; exit 2 ;;
esac
