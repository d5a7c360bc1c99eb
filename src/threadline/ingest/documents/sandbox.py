"""Run extractions in worker processes with an address-space limit
(RLIMIT_AS), a CPU limit per file (RLIMIT_CPU) and a wall-clock deadline
per file after which the worker is killed. A parser that crashes, hangs or
allocates without bound takes down only its own worker; the file is
recorded as failed at stage ``sandbox`` with what happened, and a fresh
worker takes the next file. A worker reads files one at a time, at most
``TASKS_PER_WORKER`` of them, and holds the next one while it reads.

Workers come from the one forkserver (``threadline.ingest.forkserver``)
that has imported the extraction code once, so starting one costs a fork,
not an interpreter start, and never inherits the parent's database threads."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess

from threadline.errors import ServerBusy
from threadline.ingest import isolated
from threadline.ingest.documents.limits import DocumentLimits
from threadline.ingest.documents.records import EntityOut, FileResult
from threadline.ingest.documents.worker import Task, document_id, extract_file
from threadline.ingest.forkserver import worker_context

#: files one worker extracts before it is replaced: a parser that leaks or
#: fragments memory cannot push a later, innocent file over the limit
TASKS_PER_WORKER = 64
#: files a worker holds at once: the one it reads and the next, waiting in
#: its pipe, so it never waits for this process to store a result
QUEUE_PER_WORKER = 2
STOPPED = (
    "the server is stopping: the files read so far are stored, the rest are not; "
    "send the file again when the server is back (stored files are skipped)"
)


def _serve(limits: DocumentLimits, conn: multiprocessing.connection.Connection) -> None:
    """A worker: extract the files it is sent, one at a time, under
    ``limits``, until told to stop (None) or it has done its share."""
    # Loaded before the limits apply (a no-op when the forkserver preloaded
    # it): finding libmagic runs ldconfig, which a tight limit would break.
    import threadline.ingest.documents.preload  # noqa: F401

    resource.setrlimit(resource.RLIMIT_AS, (limits.worker_memory, limits.worker_memory))
    for _ in range(TASKS_PER_WORKER):
        task = conn.recv()
        if task is None:
            break
        # CPU time is counted per process: each file gets its own allowance
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime) + 1
        cpu = spent + limits.worker_cpu_seconds
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))
        try:
            result = extract_file(task)
        except MemoryError:
            conn.send(crashed(task, "ran out of its memory limit"))
            break  # its heap is in no state for another file
        except Exception as exc:  # noqa: BLE001 - any parser bug is this file's failure, reported
            result = crashed(task, f"{type(exc).__name__}: {exc}", stage="parse")
        conn.send(result)
    conn.close()


def crashed(task: Task, reason: str, stage: str = "sandbox") -> FileResult:
    """The record of a file whose worker died or ran out of a limit."""
    result = FileResult(task.source, task.sha256 or "", "application/octet-stream")
    result.status, result.stage, result.reason = "failed", stage, reason
    document = EntityOut(document_id(task.dataset, task.source), "Document")
    document.add("fileName", task.name)
    document.add("parent", task.parent_id)
    document.add("contentHash", task.sha256)
    document.add("processingStatus", "failure")
    document.add("processingError", f"{stage}: {reason}")
    result.entities.append(document)
    return result


@dataclass
class _Worker:
    process: BaseProcess
    conn: multiprocessing.connection.Connection
    limits: DocumentLimits
    #: tasks sent so far (a worker serves ``TASKS_PER_WORKER``, then ends)
    sent: int = 0
    #: sent and not yet answered, in order: the first is being extracted
    tasks: deque[Task] = field(default_factory=deque)
    #: when the first of ``tasks`` must be done
    deadline: float = 0.0

    def give(self, task: Task) -> None:
        self.conn.send(task)
        self.sent += 1
        self.tasks.append(task)
        if len(self.tasks) == 1:
            self.deadline = time.monotonic() + task.limits.timeout_seconds

    def stop(self) -> None:
        """Ask it to end when idle; kill it when busy or it will not end."""
        isolated.untrack(self.process)
        if self.tasks:
            self.process.kill()
        elif self.process.is_alive():
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _describe_exit(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        if name == "SIGXCPU":
            return "ran out of its CPU-time limit"
        return f"the worker was killed by {name} (out of memory, or a crash in a parser)"
    return f"the worker exited with code {code} (out of memory, or a crash in a parser)"


def run_sandboxed(
    next_task: Callable[[], Task | None],
    workers: int | None = None,
) -> Iterator[tuple[Task, FileResult]]:
    """Extract tasks on ``workers`` processes (every core by default), asking
    ``next_task`` for work whenever one is free (it may return more after a
    result: an archive's members); yields (task, result) as each finishes and
    returns when nothing runs and ``next_task`` has nothing.

    A worker process extracts up to ``TASKS_PER_WORKER`` files, one at a
    time, and is replaced after a failure, a limit or its share: starting one
    per file cost as much as reading a short PDF. Each busy worker also holds
    the next file (``QUEUE_PER_WORKER``), so it goes on while this process
    stores what it sent; a file queued behind one that crashed its worker
    was never started, and goes to another worker."""
    ctx = worker_context()
    slots = workers or os.cpu_count() or 1
    pool: list[_Worker] = []
    #: tasks given to a worker that ended before starting them
    returned: deque[Task] = deque()

    def take() -> Task | None:
        return returned.popleft() if returned else next_task()

    def start(limits: DocumentLimits) -> _Worker:
        receive, send = ctx.Pipe(duplex=True)
        process = ctx.Process(target=_serve, args=(limits, send), daemon=True)
        process.start()
        send.close()
        # a stopping server ends these workers as it ends the isolated
        # readers of uploads (``isolated.cancel_running``)
        isolated.track(process)
        return _Worker(process, receive, limits)

    def assign(task: Task) -> None:
        """Give ``task`` to an idle worker, or to a new one in its place."""
        idle = next(
            (w for w in pool if not w.tasks and w.limits == task.limits and w.process.is_alive()),
            None,
        )
        if idle is None:
            for stale in [w for w in pool if not w.tasks]:
                stale.stop()  # other limits, or gone: its slot is for this task
                pool.remove(stale)
            idle = start(task.limits)
            pool.append(idle)
        try:
            idle.give(task)
        except OSError:  # it ended on its own; a fresh one takes the task
            pool.remove(idle)
            idle.stop()
            idle = start(task.limits)
            pool.append(idle)
            idle.give(task)

    def queue_behind(task: Task) -> bool:
        """Queue ``task`` behind the file a busy worker is reading."""
        for worker in pool:
            if (
                worker.tasks
                and len(worker.tasks) < QUEUE_PER_WORKER
                and worker.sent < TASKS_PER_WORKER
                and worker.limits == task.limits
            ):
                try:
                    worker.give(task)
                except OSError:
                    continue  # it died: the wait below reports its file
                return True
        return False

    def refill() -> None:
        while True:
            busy = sum(1 for w in pool if w.tasks)
            room = any(
                len(w.tasks) < QUEUE_PER_WORKER and w.sent < TASKS_PER_WORKER
                for w in pool
                if w.tasks
            )
            if busy >= slots and not room:
                return
            task = take()
            if task is None:
                return
            if busy < slots:
                assign(task)
            elif not queue_behind(task):
                returned.appendleft(task)
                return

    def retire(worker: _Worker) -> None:
        # what it was given and never started goes to another worker
        returned.extend(worker.tasks)
        worker.tasks.clear()
        pool.remove(worker)
        worker.stop()

    try:
        refill()
        while any(w.tasks for w in pool):
            busy = [w for w in pool if w.tasks]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = multiprocessing.connection.wait(
                [w.conn for w in busy] + [w.process.sentinel for w in busy], timeout
            )
            if isolated.stopping():
                # workers killed by a stopping server are not failed files:
                # end the run; what was stored stays, the rest is read next time
                raise ServerBusy(STOPPED, retry_after=30)
            done: list[tuple[Task, FileResult]] = []
            for worker in busy:
                task = worker.tasks[0]
                result: FileResult | None = None
                healthy = False
                if worker.conn in ready:
                    try:
                        result = worker.conn.recv()
                        healthy = True
                    except (EOFError, OSError):
                        worker.process.join(5)
                        result = crashed(task, _describe_exit(worker.process))
                elif worker.process.sentinel in ready and not worker.conn.poll():
                    worker.process.join(5)
                    result = crashed(task, _describe_exit(worker.process))
                elif time.monotonic() >= worker.deadline:
                    worker.process.kill()
                    result = crashed(task, f"took longer than {task.limits.timeout_seconds:.0f} s")
                if result is None:
                    continue
                worker.tasks.popleft()
                if worker.tasks:
                    # the next one starts now (or started while this process
                    # was busy: its deadline is, if anything, generous)
                    worker.deadline = time.monotonic() + worker.tasks[0].limits.timeout_seconds
                spent = worker.sent >= TASKS_PER_WORKER and not worker.tasks
                if not healthy or result.stage == "sandbox" or spent:
                    retire(worker)
                done.append((task, result))
            # the next files start before the finished ones are stored: the
            # workers parse while this process writes
            refill()
            yield from done
            refill()
    finally:
        for worker in pool:
            worker.stop()
