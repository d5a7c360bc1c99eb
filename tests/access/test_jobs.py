"""The job book: a job's life (queued, running, finished), its progress and
log, cancel requests, and jobs whose process died marked as interrupted.
Against SQLite and PostgreSQL, like every access test."""

from __future__ import annotations

import pytest

from threadline.access import AccessControl
from threadline.access.jobs import INTERRUPTED, JobState, runner_alive, this_runner
from threadline.errors import JobError, JobNotFound


def test_a_job_goes_from_queued_to_done_with_its_progress_and_log(access: AccessControl) -> None:
    book = access.jobs
    job = book.create("olga", "reindex", {"a": 1})
    assert job.state is JobState.QUEUED
    assert job.owner == "olga"
    assert job.params == {"a": 1}
    assert book.start(job.id, this_runner())
    assert not book.start(job.id, this_runner())  # taken once only
    assert book.progress(job.id, 0.25, "a quarter") is False
    book.log(job.id, "first line")
    book.log(job.id, "second line")
    running = book.get(job.id, with_log=True)
    assert running.state is JobState.RUNNING
    assert running.progress == 0.25
    assert running.message == "a quarter"
    assert running.log == ["first line", "second line"]
    done = book.finish(job.id, JobState.DONE, result={"indexed": 7})
    assert done.state is JobState.DONE
    assert done.progress == 1.0
    assert done.result == {"indexed": 7}
    assert done.finished_at is not None
    assert [j.id for j in book.recent()] == [job.id]
    assert book.recent(owner="mark") == []


def test_cancelling_a_queued_job_ends_it_and_a_running_one_is_asked(
    access: AccessControl,
) -> None:
    book = access.jobs
    queued = book.create("olga", "resolve", {})
    assert book.request_cancel(queued.id).state is JobState.CANCELLED
    assert not book.start(queued.id, this_runner())  # a cancelled job never starts

    running = book.create("olga", "resolve", {})
    book.start(running.id, this_runner())
    asked = book.request_cancel(running.id)
    assert asked.state is JobState.RUNNING and asked.cancel_requested
    # the job learns it at its next progress point
    assert book.progress(running.id, 0.5, "half") is True
    book.finish(running.id, JobState.CANCELLED)
    with pytest.raises(JobError, match="already finished"):
        book.request_cancel(running.id)
    with pytest.raises(JobNotFound):
        book.request_cancel("no-such-job")


def test_a_job_whose_process_died_is_marked_interrupted(access: AccessControl) -> None:
    book = access.jobs
    mine = book.create("olga", "ingest", {})
    book.start(mine.id, this_runner())
    orphan = book.create("olga", "ingest", {})
    book.start(orphan.id, "elsewhere:1:1")
    alive = lambda runner: runner == this_runner()  # noqa: E731
    assert book.reap(alive) == [orphan.id]
    interrupted = book.get(orphan.id)
    assert interrupted.state is JobState.FAILED
    assert interrupted.error == INTERRUPTED
    assert book.get(mine.id).state is JobState.RUNNING  # a live runner's job is left alone
    assert book.reap(alive) == []


def test_this_process_is_alive_and_a_finished_one_is_not() -> None:
    import subprocess
    import sys

    assert runner_alive(this_runner())
    child = subprocess.run(
        [sys.executable, "-c", "from threadline.access.jobs import this_runner; "
         "print(this_runner())"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert not runner_alive(child.stdout.strip())
    # a pid now used by another process (this one) started at another time
    host, _pid, _started = this_runner().rsplit(":", 2)
    import os

    assert not runner_alive(f"{host}:{os.getpid()}:1")
