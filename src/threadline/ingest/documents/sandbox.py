"""Run extractions in worker processes, each file in a fresh process with an
address-space limit (RLIMIT_AS), a CPU limit (RLIMIT_CPU) and a wall-clock
deadline after which it is killed. A parser that crashes, hangs or
allocates without bound takes down only its own worker; the file is
recorded as failed at stage ``sandbox`` with what happened.

Workers come from a ``forkserver`` that has imported the extraction code
once, so starting one costs a fork, not an interpreter start, and never
inherits the parent's database threads."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from threadline.errors import ServerBusy
from threadline.ingest import isolated
from threadline.ingest.documents.records import EntityOut, FileResult
from threadline.ingest.documents.worker import Task, document_id, extract_file

_CONTEXT: Any = None
STOPPED = (
    "the server is stopping: the files read so far are stored, the rest are not; "
    "send the file again when the server is back (stored files are skipped)"
)


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        # "__main__" too: otherwise every worker imports the program's main
        # module again (the CLI, typer and all) before it starts on its file
        _CONTEXT.set_forkserver_preload(["__main__", "threadline.ingest.documents.preload"])
    return _CONTEXT


def _child(task: Task, conn: multiprocessing.connection.Connection) -> None:
    # Loaded before the limits apply (a no-op when the forkserver preloaded
    # it): finding libmagic runs ldconfig, which a tight limit would break.
    import threadline.ingest.documents.preload  # noqa: F401

    limits = task.limits
    resource.setrlimit(resource.RLIMIT_AS, (limits.worker_memory, limits.worker_memory))
    cpu = limits.worker_cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    try:
        result = extract_file(task)
    except MemoryError:
        result = crashed(task, "ran out of its memory limit")
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
class _Running:
    task: Task
    process: BaseProcess
    conn: multiprocessing.connection.Connection
    deadline: float


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
    returns when nothing runs and ``next_task`` has nothing."""
    ctx = _context()
    workers = workers or os.cpu_count() or 1
    running: list[_Running] = []

    def refill() -> None:
        while len(running) < workers:
            task = next_task()
            if task is None:
                return
            receive, send = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_child, args=(task, send), daemon=True)
            process.start()
            # a stopping server ends these workers as it ends the isolated
            # readers of uploads (``isolated.cancel_running``)
            isolated.track(process)
            send.close()
            running.append(
                _Running(task, process, receive, time.monotonic() + task.limits.timeout_seconds)
            )

    refill()
    while running:
        now = time.monotonic()
        timeout = max(0.0, min(r.deadline for r in running) - now)
        ready = multiprocessing.connection.wait(
            [r.conn for r in running] + [r.process.sentinel for r in running], timeout
        )
        if isolated.stopping():
            # workers killed by a stopping server are not failed files: end
            # the run; what was stored is kept and the rest is read next time
            for item in running:
                item.process.kill()
                isolated.untrack(item.process)
            raise ServerBusy(STOPPED, retry_after=30)
        done: list[tuple[Task, FileResult]] = []
        for item in list(running):
            result: FileResult | None = None
            if item.conn in ready:
                try:
                    result = item.conn.recv()
                except (EOFError, OSError):
                    item.process.join(5)
                    result = crashed(item.task, _describe_exit(item.process))
            elif item.process.sentinel in ready and not item.conn.poll():
                item.process.join(5)
                result = crashed(item.task, _describe_exit(item.process))
            elif time.monotonic() >= item.deadline:
                item.process.kill()
                result = crashed(
                    item.task, f"took longer than {item.task.limits.timeout_seconds:.0f} s"
                )
            if result is None:
                continue
            running.remove(item)
            isolated.untrack(item.process)
            item.conn.close()
            item.process.join(5)
            if item.process.is_alive():
                item.process.kill()
                item.process.join()
            done.append((item.task, result))
        # the next files start before the finished ones are stored: the
        # workers parse while this process writes
        refill()
        yield from done
        refill()
