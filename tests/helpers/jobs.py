"""Helpers for tests of jobs: waiting for one to end, and holding a job's
work at a chosen point while the test looks at the server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from threadline.access.jobs import Job, JobBook

#: how long a test waits for a job before it gives up (a hang, not a speed check)
PATIENCE = 300.0
#: how long a request may wait behind a job before the test calls it stuck
STUCK = 30.0


def wait_for_end(book: JobBook, job_id: str) -> Job:
    """Poll until the job has finished."""
    give_up = time.monotonic() + PATIENCE
    while time.monotonic() < give_up:
        job = book.get(job_id, with_log=True)
        if job.state.finished:
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish: {book.get(job_id)}")


@contextmanager
def held(target: Any, name: str) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Replace ``target.name`` with a wrapper that signals ``reached`` and
    then waits for ``release`` before calling the original: the job stops
    there until the test lets it go."""
    original: Callable[..., Any] = getattr(target, name)
    reached, release = threading.Event(), threading.Event()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reached.set()
        if not release.wait(PATIENCE):
            raise AssertionError("the test never released the job")
        return original(*args, **kwargs)

    setattr(target, name, wrapper)
    try:
        yield reached, release
    finally:
        release.set()
        setattr(target, name, original)


def in_thread(work: Callable[[], Any]) -> Any:
    """``work()`` in another thread; its result, or an AssertionError when it
    is still waiting after ``PATIENCE`` (something held a lock it needs)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # noqa: BLE001 (handed to the test)
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(STUCK)
    if thread.is_alive():
        raise AssertionError("the request is still waiting: the job holds what it needs")
    if "error" in box:
        raise box["error"]
    return box["result"]
