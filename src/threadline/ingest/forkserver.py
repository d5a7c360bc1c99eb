"""The one forkserver that every worker process comes from.

Untrusted tables (``isolated``) and documents (``documents.sandbox``) are
parsed in worker processes forked from a server that imported the parsers
once, so a worker costs a fork, not an interpreter start, and never
inherits the parent's threads or open databases.

Python keeps a single forkserver per process, whatever context asks for it:
its preload list is whatever was set before it first started. So there is
one list here, with everything either kind of worker needs, rather than two
callers each believing theirs applies.
"""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

#: Imported once by the forkserver. "__main__" too: otherwise every worker
#: imports the program's main module again (the CLI, typer and all) first.
PRELOAD = ["__main__", "threadline.ingest.spool", "threadline.ingest.documents.preload"]

_CONTEXT: Any = None
_LOCK = threading.Lock()


def worker_context() -> Any:
    """The multiprocessing context that starts workers from the forkserver."""
    global _CONTEXT
    with _LOCK:
        if _CONTEXT is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _CONTEXT = context
        return _CONTEXT
