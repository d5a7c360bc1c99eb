"""The job book: long work (ingest, resolve, reindex, mention tagging,
retention sweeps) recorded as jobs in the app database, so that any process
(the server, a command line beside it) can list them, follow their progress
and log, and ask to cancel one.

A job is ``queued``, then ``running`` under one process (its ``runner``:
host, pid and the pid's start time), then ``done``, ``failed`` or
``cancelled``. Cancelling is cooperative: the flag is read at the job's
progress points (``threadline.jobs``). A job whose runner died (killed, the
machine rebooted) is found by :meth:`JobBook.reap` and marked failed as
interrupted; the work itself left nothing half-done, because the store's
ingests are all or nothing (see docs/jobs.md).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from threadline.access import tables as t
from threadline.access.db import AppDatabase
from threadline.access.settings import utc_now
from threadline.errors import JobError, JobNotFound

#: the longest log a job keeps; later lines replace the last one's count
MAX_LOG_LINES = 1_000
#: what a job killed with its process says
INTERRUPTED = "interrupted: the process running it stopped before it finished"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    owner: str
    state: JobState
    progress: float
    message: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    runner: str | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    log: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = str(self.state)
        for key in ("created_at", "started_at", "finished_at"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data


def _proc_start(pid: int) -> str | None:
    """The pid's start time in clock ticks since boot (Linux), which tells a
    live process from a later one that reused its pid; None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces: count from its closing bracket
    return stat.rsplit(")", 1)[1].split()[19]


def new_job_id() -> str:
    return secrets.token_hex(8)


def this_runner() -> str:
    """How this process names itself as a job's runner."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_proc_start(pid) or '-'}"


def runner_alive(runner: str) -> bool:
    """Whether the process named ``runner`` still runs. A runner on another
    host cannot be checked from here and counts as alive."""
    host, pid_text, started = runner.rsplit(":", 2)
    if host != socket.gethostname():
        return True
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    return started == "-" or _proc_start(pid) == started


def _row_to_job(row: Any, log: list[str] | None = None) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        owner=row.owner,
        state=JobState(row.state),
        progress=float(row.progress),
        message=row.message,
        params=json.loads(row.params),
        result=json.loads(row.result) if row.result is not None else None,
        error=row.error,
        runner=row.runner,
        cancel_requested=bool(row.cancel_requested),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        log=log or [],
    )


class JobBook:
    """Jobs in the app database. Every method is one short transaction, so
    the process running a job and those watching it never wait on each other
    for long."""

    def __init__(self, db: AppDatabase, clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.clock = clock

    def create(
        self, owner: str, kind: str, params: Mapping[str, Any], job_id: str | None = None
    ) -> Job:
        """Queue a job; ``job_id`` when the caller made one (to name the
        folder of the files the job owns before it exists)."""
        job_id = job_id or new_job_id()
        with self.db.write() as conn:
            conn.execute(
                t.jobs.insert().values(
                    id=job_id,
                    kind=kind,
                    owner=owner,
                    state=JobState.QUEUED,
                    progress=0.0,
                    message="queued",
                    params=json.dumps(dict(params), sort_keys=True, default=str),
                    cancel_requested=False,
                    created_at=self.clock(),
                )
            )
        return self.get(job_id)

    def get(self, job_id: str, with_log: bool = False) -> Job:
        with self.db.read() as conn:
            row = conn.execute(select(t.jobs).where(t.jobs.c.id == job_id)).one_or_none()
            if row is None:
                raise JobNotFound(f"no job {job_id!r} (see `threadline jobs`)")
            lines: list[str] = []
            if with_log:
                lines = list(
                    conn.scalars(
                        select(t.job_log.c.line)
                        .where(t.job_log.c.job_id == job_id)
                        .order_by(t.job_log.c.seq)
                    )
                )
        return _row_to_job(row, lines)

    def recent(self, owner: str | None = None, limit: int = 100) -> list[Job]:
        """The newest jobs first (all of them, or ``owner``'s)."""
        query = select(t.jobs).order_by(t.jobs.c.created_at.desc(), t.jobs.c.id).limit(limit)
        if owner is not None:
            query = query.where(t.jobs.c.owner == owner)
        with self.db.read() as conn:
            return [_row_to_job(row) for row in conn.execute(query)]

    def queued(self) -> list[str]:
        """The ids of the queued jobs, oldest first."""
        query = (
            select(t.jobs.c.id)
            .where(t.jobs.c.state == JobState.QUEUED)
            .order_by(t.jobs.c.created_at, t.jobs.c.id)
        )
        with self.db.read() as conn:
            return list(conn.scalars(query))

    def start(self, job_id: str, runner: str) -> bool:
        """Mark a queued job running under ``runner``; False when it is no
        longer queued (cancelled while it waited, or taken by another runner)."""
        with self.db.write() as conn:
            done = conn.execute(
                t.jobs.update()
                .where(t.jobs.c.id == job_id, t.jobs.c.state == JobState.QUEUED)
                .values(
                    state=JobState.RUNNING,
                    runner=runner,
                    started_at=self.clock(),
                    message="started",
                )
            )
        return done.rowcount == 1

    def progress(self, job_id: str, fraction: float | None, message: str) -> bool:
        """Record how far a running job is; returns whether it was asked to cancel."""
        values: dict[str, Any] = {"message": message[:500]}
        if fraction is not None:
            values["progress"] = min(max(float(fraction), 0.0), 1.0)
        with self.db.write() as conn:
            conn.execute(t.jobs.update().where(t.jobs.c.id == job_id).values(**values))
            flag = conn.scalar(select(t.jobs.c.cancel_requested).where(t.jobs.c.id == job_id))
        return bool(flag)

    def log(self, job_id: str, line: str) -> None:
        with self.db.write() as conn:
            count = conn.scalar(
                select(func.count()).select_from(t.job_log).where(t.job_log.c.job_id == job_id)
            )
            if int(count or 0) >= MAX_LOG_LINES:
                return
            conn.execute(
                t.job_log.insert().values(
                    job_id=job_id, seq=int(count or 0) + 1, ts=self.clock(), line=line[:2000]
                )
            )

    def finish(
        self,
        job_id: str,
        state: JobState,
        *,
        result: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> Job:
        if not state.finished:
            raise ValueError(f"{state} is not a finished state")
        values: dict[str, Any] = {"state": state, "finished_at": self.clock(), "message": state}
        if state is JobState.DONE:
            values["progress"] = 1.0
        if result is not None:
            values["result"] = json.dumps(dict(result), sort_keys=True, default=str)
        if error is not None:
            values["error"] = error[:2000]
        with self.db.write() as conn:
            conn.execute(t.jobs.update().where(t.jobs.c.id == job_id).values(**values))
        return self.get(job_id)

    def request_cancel(self, job_id: str) -> Job:
        """Cancel a queued job at once; ask a running one to stop at its next
        progress point. A finished job cannot be cancelled."""
        with self.db.write() as conn:
            state = conn.scalar(select(t.jobs.c.state).where(t.jobs.c.id == job_id))
            if state is None:
                raise JobNotFound(f"no job {job_id!r} (see `threadline jobs`)")
            if JobState(state).finished:
                raise JobError(f"job {job_id} has already finished ({state})")
            values: dict[str, Any] = {"cancel_requested": True}
            if state == JobState.QUEUED:
                values.update(
                    state=JobState.CANCELLED, finished_at=self.clock(), message="cancelled"
                )
            conn.execute(t.jobs.update().where(t.jobs.c.id == job_id).values(**values))
        return self.get(job_id)

    def reap(self, alive: Callable[[str], bool] = runner_alive) -> list[str]:
        """Mark every running job whose runner is gone as failed (interrupted);
        returns their ids. Called when a runner starts and whenever jobs are
        listed, so a killed server's jobs never show as running for ever."""
        with self.db.read() as conn:
            running = conn.execute(
                select(t.jobs.c.id, t.jobs.c.runner).where(t.jobs.c.state == JobState.RUNNING)
            ).all()
        dead = [row.id for row in running if row.runner is None or not alive(row.runner)]
        for job_id in dead:
            with self.db.write() as conn:
                conn.execute(
                    t.jobs.update()
                    .where(t.jobs.c.id == job_id, t.jobs.c.state == JobState.RUNNING)
                    .values(
                        state=JobState.FAILED,
                        error=INTERRUPTED,
                        message="interrupted",
                        finished_at=self.clock(),
                    )
                )
        return dead
