"""One call in a worker process of its own, with limits: address space
(RLIMIT_AS), CPU time (RLIMIT_CPU) and a wall-clock deadline after which the
worker is killed. For parsing files a stranger sent (uploads to the server):
a reader that allocates without bound, loops or crashes takes down its
worker, never the server, and the caller gets a clear ``InputError``.

Workers come from the one forkserver (``threadline.ingest.forkserver``): a
call costs a fork, not an interpreter start, and never inherits the
server's threads or open databases.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import resource
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from threadline.errors import InputError, ServerBusy, ThreadlineError
from threadline.ingest.forkserver import worker_context

T = TypeVar("T")

#: workers running now, so a stopping server can end them (``cancel_running``)
_RUNNING: set[Any] = set()
_RUNNING_LOCK = threading.Lock()
_STOPPING = threading.Event()


@dataclass(frozen=True)
class WorkerLimits:
    #: bytes the job may allocate beyond what the worker holds when it starts
    #: (the libraries already loaded: about 420 MiB of address space, 150 MiB
    #: resident); enforced as an address-space limit (RLIMIT_AS)
    memory: int = 512 * 1024 * 1024
    #: CPU seconds before the kernel stops it
    cpu_seconds: int = 120
    #: wall-clock seconds before it is killed (a reader blocked on I/O)
    wall_seconds: float = 180.0


def _child(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    limits: WorkerLimits,
    conn: multiprocessing.connection.Connection,
) -> None:
    # the address space the loaded libraries reserve is not the job's: the
    # budget starts from what the worker has now
    ceiling = _address_space() + limits.memory
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    try:
        conn.send(("ok", fn(*args)))
    except MemoryError:
        conn.send(("memory", None))
    except ThreadlineError as exc:
        conn.send(("error", exc))
    except Exception as exc:  # noqa: BLE001 - a reader's bug is this file's failure, reported
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


_CANCELLED = (
    "the server is stopping: the file was not loaded (nothing of it was stored); "
    "send it again when the server is back"
)


def cancel_running() -> int:
    """End every running worker and refuse new ones (a server stopping on
    SIGTERM): their callers get ``ServerBusy`` and store nothing. Returns how
    many were ended."""
    with _RUNNING_LOCK:
        _STOPPING.set()
        running = list(_RUNNING)
    for process in running:
        process.kill()
    return len(running)


def track(process: Any) -> None:
    """Count ``process`` among the running workers a stopping server ends
    (the document sandbox's workers, reading an uploaded archive); raises
    ``ServerBusy`` instead when the server is already stopping."""
    with _RUNNING_LOCK:
        if _STOPPING.is_set():
            process.kill()
            raise ServerBusy(_CANCELLED, retry_after=30)
        _RUNNING.add(process)


def untrack(process: Any) -> None:
    with _RUNNING_LOCK:
        _RUNNING.discard(process)


def stopping() -> bool:
    """Whether ``cancel_running`` was called (the server is stopping)."""
    return _STOPPING.is_set()


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MiB"


def run_isolated(
    fn: Callable[..., T], *args: Any, limits: WorkerLimits, what: str = "the file"
) -> T:
    """``fn(*args)`` in a limited worker; its result, or its ThreadlineError
    raised here; an ``InputError`` naming the limit when it ran out of one.
    ``fn`` and its arguments must be picklable (module-level)."""
    ctx = worker_context()
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(fn, args, limits, send), daemon=True)
    with _RUNNING_LOCK:
        if _STOPPING.is_set():
            raise ServerBusy(_CANCELLED, retry_after=30)
        process.start()
        _RUNNING.add(process)
    send.close()
    try:
        if not receive.poll(limits.wall_seconds) and process.is_alive():
            process.kill()
            raise InputError(
                f"reading {what} took longer than {limits.wall_seconds:.0f} s and was stopped",
                hint="split the file, or load it from the command line",
            )
        try:
            kind, value = receive.recv()
        except (EOFError, OSError):
            process.join(5)
            if _STOPPING.is_set():
                raise ServerBusy(_CANCELLED, retry_after=30) from None
            raise InputError(_died(process.exitcode, limits, what)) from None
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(process)
        receive.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    if kind == "ok":
        result: T = value
        return result
    if kind == "error":
        raise value
    if kind == "memory":
        raise InputError(
            f"reading {what} needs more than {_mib(limits.memory)} of memory and was stopped",
            hint="split the file, or load it from the command line",
        )
    raise InputError(f"{what} could not be read: {value}")


def _died(code: int | None, limits: WorkerLimits, what: str) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        if name == "SIGXCPU":
            return f"reading {what} used more than {limits.cpu_seconds} s of CPU and was stopped"
        return f"reading {what} was stopped by {name} (more than {_mib(limits.memory)}, or a crash)"
    return f"reading {what} ended unexpectedly (exit code {code})"
