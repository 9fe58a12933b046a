"""Time to the first ROI table (issue 15 item 6), for ``bench_fit.py --first-fit``.

Each measurement is a fresh Python process (``python first_fit.py --child ...``) that imports
bayes_mmm, builds ``MMMData`` from a frame, runs ``bm.MMM().fit(data, chains=4, draws=1000,
tune=500, seed=1)`` on the national workload (156 weeks x 5 channels) and computes ``fit.roi()``.
The child times each stage (wall and CPU) by wrapping the functions ``fit()`` calls; the parent
times the whole process (interpreter start to exit) and points PyTensor's compile directory (and
Numba's cache) at a temporary folder:

* ``cold``: a fresh, empty folder (a first fit on a new machine);
* ``warm_same_data``: the folder the cold run filled, the same data (a refit);
* ``warm_new_data``: that folder, new data values of the same shape (another simulation seed).

One JSON line per run goes to ``benchmarks/results/first_fit.jsonl`` with the load average.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "first_fit.jsonl"
STAGES = ("import", "data", "build_model", "compile", "sample", "extra_groups", "result", "roi")


def child(data_seed: int) -> dict:
    """Run in the fresh process: the stages of a first fit and ROI table, wall and CPU seconds."""
    wall, cpu = {}, {}
    t0, c0 = time.perf_counter(), time.process_time()
    import bayes_mmm as bm

    wall["import"], cpu["import"] = time.perf_counter() - t0, time.process_time() - c0
    import warnings

    import nutpie

    from bayes_mmm.inference import sampling

    warnings.simplefilter("ignore")

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            w, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                wall[name] = wall.get(name, 0.0) + time.perf_counter() - w
                cpu[name] = cpu.get(name, 0.0) + time.process_time() - c

        return wrapper

    sampling.build_model = timed("build_model", sampling.build_model)
    if hasattr(sampling, "compile_nutpie"):
        sampling.compile_nutpie = timed("compile", sampling.compile_nutpie)
    else:  # code before the cached compile (``--code`` pointing at an older checkout)
        nutpie.compile_pymc_model = timed("compile", nutpie.compile_pymc_model)
    nutpie.sample = timed("sample", nutpie.sample)
    sampling._optional_groups = timed("extra_groups", sampling._optional_groups)
    sim = bm.simulate(156, 5, seed=data_seed)
    w, c = time.perf_counter(), time.process_time()
    data = bm.MMMData.from_frame(
        sim.frame,
        date="date",
        target="sales",
        channels=list(sim.data.channels),
        controls=["price_index", "promo"],
    )
    wall["data"], cpu["data"] = time.perf_counter() - w, time.process_time() - c
    w, c = time.perf_counter(), time.process_time()
    fit = bm.MMM().fit(data, chains=4, draws=1000, tune=500, seed=1, progress=False)
    fit_wall, fit_cpu = time.perf_counter() - w, time.process_time() - c
    inner = ("build_model", "compile", "sample", "extra_groups")
    wall["result"] = fit_wall - sum(wall.get(k, 0.0) for k in inner)
    cpu["result"] = fit_cpu - sum(cpu.get(k, 0.0) for k in inner)
    w, c = time.perf_counter(), time.process_time()
    roi = fit.roi()
    wall["roi"], cpu["roi"] = time.perf_counter() - w, time.process_time() - c
    stats = fit.tree["sample_stats"].to_dataset()
    return {
        "wall_s": {k: round(wall.get(k, 0.0), 2) for k in STAGES},
        "cpu_s": {k: round(cpu.get(k, 0.0), 2) for k in STAGES},
        "in_process_s": round(time.perf_counter() - t0, 2),
        "divergences": int(stats["diverging"].sum()),
        "roi_mean": [round(float(v), 4) for v in roi["mean"]],
    }


def run_one(run: str, cache: str, data_seed: int, code: Path) -> dict:
    """One fresh process with PyTensor's compile directory (and Numba's cache) in ``cache``,
    importing bayes_mmm from ``code`` (a checkout's root)."""
    env = dict(os.environ)
    env["PYTENSOR_FLAGS"] = f"base_compiledir={cache}"
    env["NUMBA_CACHE_DIR"] = str(Path(cache) / "numba")
    env["PYTHONPATH"] = os.pathsep.join([str(code), env.get("PYTHONPATH", "")])
    load_before = [round(x, 2) for x in os.getloadavg()]
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", str(data_seed)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    process_s = time.perf_counter() - t0
    line = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "workload": "national 156x5",
        "run": run,
        "code": _describe(code),
        "chains": 4,
        "draws": 1000,
        "tune": 500,
        "process_s": round(process_s, 2),
        **line,
        "loadavg_before": load_before,
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "machine": f"{platform.machine()} {len(os.sched_getaffinity(0))} cores",
    }


def _describe(code: Path) -> str:
    """The commit of ``code`` (a git checkout), else its path."""
    try:
        out = subprocess.run(
            ["git", "-C", str(code), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(code), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return out.stdout.strip() + ("+changes" if dirty else "")
    except (subprocess.CalledProcessError, FileNotFoundError):
        return str(code)


def first_fit(repeats: int = 1, write: bool = True, code: Path | None = None) -> list[dict]:
    """Cold, then warm (same data, new data of the same shape) fresh-process runs."""
    code = Path(code or HERE.parent).resolve()
    lines = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="bayes_mmm_cold_") as cache:
            for run, seed in (("cold", 11), ("warm_same_data", 11), ("warm_new_data", 12)):
                line = run_one(run, cache, seed, code)
                print(json.dumps(line), flush=True)
                lines.append(line)
                if write:
                    with RESULTS.open("a") as fh:
                        fh.write(json.dumps(line) + "\n")
    return lines


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(int(sys.argv[2]))))
    else:
        first_fit(int(sys.argv[1]) if len(sys.argv) > 1 else 1, code=sys.argv[2:3] or None)
