"""The one executor argument for multi-fit jobs: local processes, serial, or any submit()."""

from concurrent.futures import ThreadPoolExecutor

import pytest

import bayes_mmm as bm
from bayes_mmm.core.executor import run_jobs


def square_plus(x: int, plus: int = 0) -> int:
    return x * x + plus


JOBS = [{"x": k, "plus": 1} for k in range(5)]
EXPECTED = [1, 2, 5, 10, 17]


def test_serial_and_local_processes_give_results_in_job_order():
    assert run_jobs(square_plus, JOBS, "serial") == EXPECTED
    assert run_jobs(square_plus, JOBS) == EXPECTED  # default: a local process pool
    assert run_jobs(square_plus, []) == []


def test_any_object_with_submit_runs_the_jobs():
    with ThreadPoolExecutor(2) as pool:
        assert run_jobs(square_plus, JOBS, pool) == EXPECTED


@pytest.mark.parametrize("bad", ["dask", 3, object()])
def test_an_executor_that_cannot_submit_is_rejected_before_any_work(bad):
    calls = []
    with pytest.raises(bm.SpecError, match="executor"):
        run_jobs(calls.append, JOBS, bad)
    assert calls == []
