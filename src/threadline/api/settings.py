"""Settings of the HTTP layer, with defaults for one newsroom or audit team
on one machine. Access settings (timeouts, password length, the clock) live
in ``AccessSettings`` and pass through unchanged."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from threadline.access import AccessSettings
from threadline.errors import InputError
from threadline.ingest.documents.limits import DocumentLimits, GiB, MiB
from threadline.ingest.isolated import WorkerLimits

#: budgets of an uploaded document or archive: each file (and each member of
#: an archive) is read in a sandboxed worker of its own, like a command-line
#: ingest, but with less room, since the server has other work
UPLOAD_DOCUMENT_LIMITS = DocumentLimits(
    worker_memory=768 * MiB,
    worker_cpu_seconds=120,
    timeout_seconds=180.0,
    max_file_bytes=1 * GiB,
    max_expanded_bytes=1 * GiB,
    max_members=10_000,
    max_depth=4,
    max_total_bytes=2 * GiB,
    max_ocr_pages=200,
)


@dataclass(frozen=True)
class ApiSettings:
    access: AccessSettings = field(default_factory=AccessSettings)
    #: the largest request body an ingest may send; bigger ones get 413 before
    #: anything is written to disk
    max_upload_bytes: int = 200 * 1024 * 1024
    #: the most entities one export holds; more are cut off, and the watermark
    #: says so (exports are for reports, not for copying the workspace)
    export_max_rows: int = 10_000
    #: mark the session cookie Secure; switch on when serving over HTTPS
    #: (browsers already treat http://localhost as a secure context)
    cookie_secure: bool = False
    #: threads running request handlers; the workspace serves one request
    #: at a time, so a few keep the app database and the index busy
    worker_threads: int = field(default_factory=lambda: _env_int("THREADLINE_WORKER_THREADS", 4))
    #: requests in flight (queued or running) before new ones get a quick 503
    #: with Retry-After; at about 8 ms a search, 64 queued are half a second
    #: of work, past which waiting helps nobody (bench/bench_overload.py)
    max_in_flight: int = field(default_factory=lambda: _env_int("THREADLINE_MAX_IN_FLIGHT", 64))
    #: seconds the event loop may run late before new requests get the quick
    #: 503: past it the server is behind, and queueing more only makes every
    #: answer later (bench/bench_overload.py)
    max_loop_lag: float = 0.1
    #: ...but only while requests arrive at this many a second or more: one
    #: analyst's few requests on a machine busy with other work are late
    #: too, and are served (a browser page load makes about ten)
    shed_min_rate: float = 20.0
    #: seconds before a request that has not begun its answer gets 504 (its
    #: work still finishes and still counts as in flight); uploads and
    #: exports stream or run longer and are bounded by their own limits
    request_timeout: float = 30.0
    #: threads checking passwords, apart from the request threads, and logins
    #: allowed to wait for them before a 503
    login_threads: int = 1
    #: seconds between signed checkpoints of the audit chain's head (written
    #: when the log has grown since the last one, and once more at shutdown)
    checkpoint_every: float = 600.0
    login_queue: int = 16
    #: uploads are read in a worker process under these limits (memory,
    #: CPU and wall-clock time): a hostile file stops its worker, not the server
    upload_limits: WorkerLimits = field(default_factory=WorkerLimits)
    #: uploaded documents and archives: each file in a sandboxed worker under
    #: these budgets (``docs/documents.md``), on this many workers at a time
    upload_document_limits: DocumentLimits = UPLOAD_DOCUMENT_LIMITS
    upload_document_workers: int = 1


def _env_int(name: str, default: int) -> int:
    """A positive whole number from the environment, or a clear error."""
    text = os.environ.get(name)
    if text is None:
        return default
    if not text.strip().isdigit() or int(text) < 1:
        raise InputError(f"${name} must be a whole number of at least 1, not {text!r}")
    return int(text)
