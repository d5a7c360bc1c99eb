"""A file a stranger sent is read in a worker of its own, with limits: a
reader that allocates without bound, hangs, spins or crashes stops its
worker, and the caller gets a clear InputError naming the limit; the
caller's own process carries on. The worker's results and its input errors
come back as they are."""

from __future__ import annotations

import pytest

from tests.helpers import isolated_jobs as jobs
from threadline.errors import InputError
from threadline.ingest.isolated import WorkerLimits, run_isolated

LIMITS = WorkerLimits(memory=512 * 1024 * 1024, cpu_seconds=2, wall_seconds=3.0)


def test_a_result_comes_back() -> None:
    assert run_isolated(jobs.double, 21, limits=LIMITS) == 42


def test_the_budget_is_what_the_job_may_allocate() -> None:
    # the libraries the worker starts with do not eat into it
    assert run_isolated(jobs.allocate, 400, limits=LIMITS) == 400 * 1024 * 1024


def test_too_much_memory_stops_the_worker_with_a_clear_error() -> None:
    with pytest.raises(InputError, match=r"needs more than 512 MiB of memory") as info:
        run_isolated(jobs.allocate, 2048, limits=LIMITS, what="bomb.xlsx")
    assert "bomb.xlsx" in str(info.value)


def test_a_hang_is_killed_at_the_deadline() -> None:
    with pytest.raises(InputError, match=r"took longer than 3 s"):
        run_isolated(jobs.sleep, 60, limits=LIMITS)


def test_a_spin_runs_out_of_cpu_time() -> None:
    limits = WorkerLimits(memory=LIMITS.memory, cpu_seconds=1, wall_seconds=30.0)
    with pytest.raises(InputError, match=r"more than 1 s of CPU"):
        run_isolated(jobs.spin, limits=limits)


def test_a_crash_is_an_error_not_a_crash_here() -> None:
    with pytest.raises(InputError, match=r"SIGABRT"):
        run_isolated(jobs.crash, limits=LIMITS)


def test_an_input_error_keeps_its_place() -> None:
    with pytest.raises(InputError) as info:
        run_isolated(jobs.refuse, limits=LIMITS)
    error = info.value
    assert error.location is not None and error.location.line == 7
    assert error.location.column == "name" and error.hint == "fix it"
