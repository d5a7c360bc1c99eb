"""What a job's work is handed: the workspace (behind the lock of whoever
runs the job), a way to report progress that is also where a cancel request
is noticed, and the job's log."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from threadline.errors import JobCancelled

if TYPE_CHECKING:
    from threadline.access.jobs import Job, JobBook
    from threadline.ingest.documents.limits import DocumentLimits
    from threadline.ingest.isolated import WorkerLimits
    from threadline.workspace import Workspace

#: progress is written to the app database at most this often (seconds); a
#: cancel request is noticed at the next write
PROGRESS_EVERY = 0.5

WorkspaceLock = Callable[[], AbstractContextManager["Workspace"]]


@dataclass(frozen=True)
class JobLimits:
    """Limits for work on files a stranger sent (uploads through the API):
    tables are read in a worker under ``upload``, documents in the document
    sandbox under ``documents`` with ``document_workers`` workers."""

    upload: WorkerLimits | None = None
    documents: DocumentLimits | None = None
    document_workers: int | None = None


@dataclass
class JobContext:
    job: Job
    book: JobBook
    #: the workspace, for this job alone until the block ends
    workspace: WorkspaceLock
    limits: JobLimits = field(default_factory=JobLimits)
    _last_write: float = field(default=float("-inf"), init=False)
    _fraction: float | None = field(default=None, init=False)

    @property
    def id(self) -> str:
        return self.job.id

    def progress(
        self,
        fraction: float | None,
        message: str,
        *,
        force: bool = False,
        cancellable: bool = True,
    ) -> None:
        """Record how far the job is; raises ``JobCancelled`` when someone
        asked it to stop, unless the work cannot stop cleanly here
        (``cancellable``: its result is already committed, or stopping would
        leave something half-built). Written at most every ``PROGRESS_EVERY``
        seconds (the first call and ``force`` always), so a tight loop's
        callbacks cost nothing much."""
        if fraction is not None:
            self._fraction = fraction
        now = time.monotonic()
        if not force and now - self._last_write < PROGRESS_EVERY:
            return
        self._last_write = now
        if self.book.progress(self.job.id, self._fraction, message) and cancellable:
            raise JobCancelled(f"job {self.job.id} was cancelled")

    def check(self) -> None:
        """A progress point without news: stop here if cancelled."""
        self.progress(None, "running", force=True)

    def log(self, line: str) -> None:
        self.book.log(self.job.id, line)

    def ingest_progress(self) -> Callable[[int, int, int], None]:
        """The ingest pipeline's ``(bytes done, bytes total, records)`` callback."""

        def update(done: int, total: int, records: int) -> None:
            # the pipeline's last call comes after its commit: too late to stop
            last = done >= total
            message = f"{records:,} rows read"
            self.progress(done / total if total else None, message, cancellable=not last)

        return update

    def count_progress(self, what: str) -> Callable[[int, int], None]:
        """A ``(done, total)`` callback for work that runs to its end once
        started (a reindex: stopped half-way, the search index would be
        half-built until the next rebuild)."""

        def update(done: int, total: int) -> None:
            message = f"{done:,} of {total:,} {what}"
            self.progress(done / total if total else None, message, cancellable=False)

        return update

    def document_progress(self) -> Callable[[Any], None]:
        """The document ingest's ``DocumentProgress`` callback."""

        def update(state: Any) -> None:
            total = state.files_total
            message = f"{state.files_done:,} of {total:,} files, {state.pages:,} pages"
            self.progress(state.files_done / total if total else None, message)

        return update

    def phase_progress(self) -> Callable[[str], None]:
        """The resolver's callback: one phase name at a time."""

        def update(phase: str) -> None:
            self.progress(None, phase)
            self.log(phase)

        return update
