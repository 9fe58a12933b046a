"""Many independent jobs (fits of folds, datasets, markets) through one ``executor`` argument.

``run_jobs(function, jobs, executor=None)`` calls ``function(**job)`` for every job and returns the
results in job order. ``executor`` is:

* ``None`` (default): a local process pool (``concurrent.futures.ProcessPoolExecutor``, at most
  one worker per core and per job), no setup;
* ``"serial"``: in this process, one job after the other (debugging, tiny jobs);
* any object with ``submit(function, *args, **kwargs)`` returning futures with ``result()``: a
  ``concurrent.futures`` executor you made, or a Dask ``distributed.Client`` (local or remote
  cluster) - the scheduling is theirs, never ours.

Jobs carry their own seeds, so each fit is reproducible wherever it runs. ``function`` must be
importable by the workers (a module-level function, not a lambda).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from bayes_mmm.core.errors import SpecError, message


def check_executor(executor) -> None:
    """Reject, before any work starts, an executor that cannot submit work."""
    if executor is None or executor == "serial":
        return
    if isinstance(executor, str) or not callable(getattr(executor, "submit", None)):
        raise SpecError(
            message(
                "executor",
                "None (local processes), 'serial', or an object with .submit() such as a "
                "concurrent.futures executor or a dask.distributed Client",
                f"{type(executor).__name__} {executor!r}"[:120],
                "Pass Client('tcp://scheduler:8786') for a cluster, or leave executor=None.",
            )
        )


def run_jobs(
    function: Callable, jobs: Sequence[dict], executor=None, max_workers: int | None = None
):
    """``[function(**job) for job in jobs]``, run by ``executor``; results in job order."""
    check_executor(executor)
    jobs = list(jobs)
    if not jobs:
        return []
    if executor == "serial":
        return [function(**job) for job in jobs]
    if executor is None:
        workers = max_workers or min(len(jobs), os.cpu_count() or 1)
        if workers <= 1:
            return [function(**job) for job in jobs]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return [f.result() for f in [pool.submit(_call, function, job) for job in jobs]]
    futures = [executor.submit(_call, function, job) for job in jobs]
    return [f.result() for f in futures]


def _call(function: Callable, job: dict):
    return function(**job)
