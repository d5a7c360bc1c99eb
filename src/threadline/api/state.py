"""What the application holds for its lifetime: the workspace, the access
layer, the job runner and a lock.

DuckDB is not safe for concurrent use of one connection from several
threads, and FastAPI runs each request in a thread of its pool, so every use
of the workspace goes through :meth:`AppState.data`, which holds one lock.
Requests to the app database need no such lock: SQLAlchemy hands each thread
a pooled connection of its own.

The link graph is kept in memory between requests and rebuilt when its key
(the store generation and the resolution's checksum) changes, so a judgement
or an ingest shows in the very next graph request.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from threadline.access import AccessControl
from threadline.api.login_pool import LoginPool
from threadline.api.settings import ApiSettings
from threadline.graph.cache import graph_key
from threadline.graph.structure import Graph
from threadline.jobs.context import JobLimits
from threadline.jobs.runner import JobRunner
from threadline.workspace import Workspace

T = TypeVar("T")


class AppState:
    def __init__(
        self,
        workspace_path: str | os.PathLike[str],
        db_url: str | None,
        settings: ApiSettings,
    ) -> None:
        self.settings = settings
        # absolute: a forwarded command (``threadline.cli.control``) may run
        # in another working directory
        self.workspace_path = Path(workspace_path).resolve()
        self.workspace = Workspace.open(self.workspace_path)
        try:
            self.access = AccessControl.for_workspace(self.workspace_path, db_url, settings.access)
        except BaseException:
            self.workspace.close()
            raise
        try:
            # A search index behind the store (a crash, an older index format)
            # is rebuilt now, before serving, not inside the first search,
            # which runs on the event loop (see on_workspace).
            self.workspace.ensure_index()
        except BaseException:
            self.access.close()
            self.workspace.close()
            raise
        self.logins = LoginPool(settings.login_threads, settings.login_queue)
        self._lock = threading.RLock()
        #: by whether it holds the mention edges
        self._graph: dict[bool, tuple[str, Graph]] = {}
        self._closed = False
        limits = JobLimits(
            settings.upload_limits,
            settings.upload_document_limits,
            settings.upload_document_workers,
        )
        self.jobs = JobRunner(self.workspace_path, self.data, self.access, limits)
        self.jobs.start()

    @contextmanager
    def data(self) -> Iterator[Workspace]:
        """The workspace, for this thread alone until the block ends."""
        with self._lock:
            yield self.workspace

    async def on_workspace(self, work: Callable[[Workspace], T]) -> T:
        """``work(workspace)`` for a short request (a search): run at once on
        the event loop when the workspace is free, which saves the hand-over
        to a worker thread (it costs more than the search), or in a worker
        thread when another request holds it, so the loop never waits on a
        long ingest or export."""
        if self._lock.acquire(blocking=False):
            try:
                return work(self.workspace)
            finally:
                self._lock.release()

        def locked() -> T:
            with self.data() as ws:
                return work(ws)

        return await run_in_threadpool(locked)

    async def on_app_db(self, work: Callable[[], T]) -> T:
        """``work()`` against the app database for a short request: at once
        for the embedded SQLite file (reads never wait in WAL mode, writes
        take a moment), in a worker thread for a database server, whose
        round trips must not stall the event loop."""
        if self.access.db.is_sqlite:
            return work()
        return await run_in_threadpool(work)

    def graph(self, ws: Workspace, mentions: bool = False) -> Graph:
        """The link graph (with the documents' mention edges if asked); call
        inside :meth:`data`."""
        key = graph_key(ws.store, (), mentions)
        held = self._graph.get(mentions)
        if held is None or held[0] != key:
            held = self._graph[mentions] = (key, ws.graph(mentions=mentions))
        return held[1]

    def close(self) -> None:
        """Close the app database and the workspace (once, however often called)."""
        if self._closed:
            return
        # before the lock: the running job holds it until it stops
        self.jobs.stop()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._graph = {}
            self.logins.close()
            self.access.close()
            self.workspace.close()
