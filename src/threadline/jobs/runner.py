"""The job runner: one thread that runs queued jobs one after another (the
store has one writer), records their progress, log and end in the job book,
and each start, cancel and end in the audit log.

On start it marks the jobs a dead process left running as failed
(interrupted) and takes up the jobs still queued, so a server that was
killed resumes its queue and never shows a job running for ever. What a
killed job had written is gone: ingests are all or nothing, and the store
removes the rows of an ingest that never committed when it next opens
(documents are stored file by file, so running the job again resumes).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shutil
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from threadline.access import AccessControl
from threadline.access.audit import Action
from threadline.access.jobs import Job, JobState, this_runner
from threadline.errors import JobCancelled, JobError, ThreadlineError
from threadline.jobs.context import JobContext, JobLimits, WorkspaceLock
from threadline.jobs.kinds import kind_of

log = logging.getLogger("threadline.jobs")

#: how often (seconds) an idle runner looks for jobs another process queued
#: (``threadline jobs start`` beside the server writes them to the app database)
POLL_EVERY = 1.0
#: where a job keeps the files it owns (an upload), under the workspace
JOBS_DIR = Path("tmp") / "jobs"


def job_files(workspace: Path, job_id: str) -> Path:
    """The folder of files a job owns (removed when the job ends)."""
    return workspace / JOBS_DIR / job_id


class JobRunner:
    def __init__(
        self,
        workspace_path: Path,
        workspace: WorkspaceLock,
        access: AccessControl,
        limits: JobLimits | None = None,
    ) -> None:
        self.workspace_path = Path(workspace_path)
        self.workspace = workspace
        self.access = access
        self.book = access.jobs
        self.limits = limits or JobLimits()
        self.runner = this_runner()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._current: str | None = None
        #: the jobs handed to the queue, so a poll does not queue them twice
        self._known: set[str] = set()
        self._stopping = threading.Event()

    # -- life ---------------------------------------------------------------------

    def start(self) -> None:
        """Clean up after a dead runner, take up the queue, start the thread."""
        for job_id in self.book.reap():
            log.warning("job %s was interrupted when its process stopped", job_id)
            interrupted = self.book.get(job_id)
            self._audit_end(interrupted, interrupted.state, interrupted.error)
            self._remove_files(job_id)
        self._take_up_queued()
        self._thread = threading.Thread(target=self._loop, name="threadline-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the running job to stop at its next progress point and wait
        for it; queued jobs stay queued for the next start."""
        current = self._current
        if current is not None:
            with contextlib.suppress(JobError):  # it finished meanwhile
                self.book.request_cancel(current)
        self._stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    # -- submitting ---------------------------------------------------------------

    def submit(
        self, owner: str, kind: str, params: Mapping[str, Any], job_id: str | None = None
    ) -> Job:
        """Check ``params`` for ``kind``, queue the job and record its start
        under ``owner`` (the audit log's name for who asked)."""
        job = queue_job(self.access, owner, kind, params, job_id)
        self._enqueue(job.id)
        return job

    def _enqueue(self, job_id: str) -> None:
        if job_id not in self._known:
            self._known.add(job_id)
            self._queue.put(job_id)

    def _take_up_queued(self) -> None:
        """Queue the jobs queued in the job book that this runner has not
        seen: left by a runner that stopped, or written by another process."""
        for job_id in self.book.queued():
            self._enqueue(job_id)

    def cancel(self, actor: str, job_id: str) -> Job:
        return cancel_job(self.access, self.workspace_path, actor, job_id)

    # -- running ------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                job_id = self._queue.get(timeout=POLL_EVERY)
            except queue.Empty:
                try:
                    self._take_up_queued()
                except ThreadlineError as exc:  # the app database is away for a moment
                    log.warning("jobs: cannot read the queue: %s", exc)
                continue
            if job_id is None:
                return
            try:
                self.run_one(job_id)
            except Exception as exc:  # the runner must outlive any one job
                log.exception("job %s: the runner failed", job_id)
                with contextlib.suppress(ThreadlineError):
                    self.book.log(job_id, f"runner: {type(exc).__name__}: {exc}")
                # still queued (it could not start): the next poll tries again
                self._known.discard(job_id)

    def run_one(self, job_id: str) -> Job:
        """Run one queued job here and now (the runner's thread calls this;
        so may a command line that runs a job itself)."""
        if not self.book.start(job_id, self.runner):
            return self.book.get(job_id)  # cancelled while queued
        self._current = job_id
        job = self.book.get(job_id)
        ctx = JobContext(job, self.book, self.workspace, self.limits)
        # every log starts and ends with a line, so a job that reports no
        # progress of its own still says who ran it and how it ended
        ctx.log(f"{job.kind} started for {job.owner}")
        result: dict[str, Any] | None = None
        error: str | None = None
        try:
            result = kind_of(job.kind).run(ctx, dict(job.params))
            state = JobState.DONE
        except JobCancelled:
            state = JobState.CANCELLED
        except ThreadlineError as exc:
            # an uploaded file is named as it was sent, not by its place on the server
            error = str(exc).replace(f"{job_files(self.workspace_path, job_id)}{os.sep}", "")
            ctx.log(f"error: {error}")
            state = JobState.FAILED
        except Exception as exc:
            log.exception("job %s failed", job_id)
            state, error = JobState.FAILED, f"internal error: {type(exc).__name__}: {exc}"
        finally:
            self._current = None
            self._remove_files(job_id)
        # recorded before the job shows as finished: whoever sees it finished
        # finds what it did in the audit log
        if result is not None:
            kind = kind_of(job.kind)
            self.access.audit.log.append(
                job.owner,
                kind.action,
                target=kind.target(job.params),
                details={"job": job_id, **_summary(result)},
            )
        self._audit_end(job, state, error)
        counts = ", ".join(f"{k} {v}" for k, v in _summary(result or {}).items())
        self.book.log(job_id, f"{state}: {counts}" if counts else str(state))
        return self.book.finish(job_id, state, result=result, error=error)

    def _audit_end(self, job: Job, state: JobState, error: str | None) -> None:
        audit_end(self.access, job, state, error)

    def _remove_files(self, job_id: str) -> None:
        shutil.rmtree(job_files(self.workspace_path, job_id), ignore_errors=True)


def queue_job(
    access: AccessControl,
    owner: str,
    kind: str,
    params: Mapping[str, Any],
    job_id: str | None = None,
) -> Job:
    """Check ``params`` for ``kind`` and queue the job in the job book, its
    start recorded under ``owner``; a runner (this process's, or the
    server's, which polls the book) takes it up."""
    checked = kind_of(kind).check(params)
    job = access.jobs.create(owner, kind, checked, job_id)
    access.audit.log.append(
        owner, Action.JOB_START, target=job.id, details={"kind": kind, "params": checked}
    )
    return job


def audit_end(access: AccessControl, job: Job, state: JobState, error: str | None) -> None:
    """How a job ended, in the audit log, under the name of who started it."""
    details: dict[str, Any] = {"kind": job.kind, "state": str(state)}
    if error:
        details["error"] = error[:500]
    access.audit.log.append(job.owner, Action.JOB_END, target=job.id, details=details)


def cancel_job(access: AccessControl, workspace_path: Path, actor: str, job_id: str) -> Job:
    """Cancel a queued job, or ask a running one to stop (from any process:
    the runner reads the request at the job's next progress point); recorded
    under ``actor``. Who may is the caller's to check."""
    job = access.jobs.request_cancel(job_id)
    access.audit.log.append(
        actor, Action.JOB_CANCEL, target=job_id, details={"kind": job.kind, "owner": job.owner}
    )
    if job.state is JobState.CANCELLED:  # it had not started
        audit_end(access, job, job.state, None)
        shutil.rmtree(job_files(workspace_path, job_id), ignore_errors=True)
    return job


def _summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The counts of a result, for the audit log (not lists of ids)."""
    keep = (
        "source", "sha256", "format", "records", "entities", "statements", "rejected",
        "files", "processed", "pages", "failed", "mentions", "pairs", "clusters",
        "merged_entities", "indexed", "dry_run", "removed", "dataset",
    )  # fmt: skip
    summary: dict[str, Any] = {}
    for key in keep:
        if key in result:
            value = result[key]
            summary[key] = len(value) if isinstance(value, list) and key == "failed" else value
    return summary
