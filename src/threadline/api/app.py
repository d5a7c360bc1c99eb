"""``create_app``: the FastAPI application over one workspace.

JSON API under ``/api/v1`` (one module of routes per area), the OpenAPI
document at ``/api/v1/openapi.json``, the web UI's pages and static files,
security headers on every response and one error shape for every failure.
``threadline serve`` runs it with uvicorn; tests drive it in process.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from threadline import __version__
from threadline.api import (
    docs_page,
    errors,
    routes_audit,
    routes_auth,
    routes_cases,
    routes_documents,
    routes_entities,
    routes_export,
    routes_graph,
    routes_ingest,
    routes_jobs,
    routes_review,
    routes_search,
    routes_users,
)
from threadline.api.docs_page import API_PREFIX, OPENAPI_URL
from threadline.api.headers import SecurityHeaders
from threadline.api.limits import BodyLimit
from threadline.api.settings import ApiSettings
from threadline.api.shedding import InFlightLimit
from threadline.api.state import AppState
from threadline.errors import ThreadlineError

log = logging.getLogger("threadline.api")

ROUTERS = (
    routes_auth,
    routes_search,
    routes_entities,
    routes_documents,
    routes_graph,
    routes_review,
    routes_cases,
    routes_ingest,
    routes_jobs,
    routes_export,
    routes_users,
    routes_audit,
)

DESCRIPTION = """\
Search, entities with the source of every value, the link graph, entity
resolution review, cases and ingest over one Threadline workspace.

Log in with `POST /api/v1/auth/login`, then send `Authorization: Bearer TOKEN`
(or the `tl_session` cookie, with `X-Threadline-Request: 1` on requests that
change something). Searches, entity views, exports and judgements need a case
you are a member of (`case`) or a stated purpose (`purpose`), and are recorded
in the audit log. Every error is `{"error": {"status", "code", "message"}}`.
"""


def _include_web(app: FastAPI) -> None:
    """The web UI's pages, when the web package is present."""
    try:
        from threadline.web.pages import mount_static, router
    except ImportError:
        return
    app.include_router(router)
    mount_static(app)


def _checkpoint(state: AppState) -> None:
    """Sign the audit head when the log has grown since the last checkpoint.
    A broken chain is not signed; ``audit verify`` reports it."""
    checkpoints = state.access.checkpoints
    if checkpoints is None:
        return
    try:
        head = state.access.audit.log.verify().head_seq
        if head > checkpoints.latest_seq():
            checkpoints.write()
    except ThreadlineError as exc:
        log.warning("audit checkpoint not written: %s", exc)


async def _checkpoint_loop(state: AppState, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        await anyio.to_thread.run_sync(_checkpoint, state)


def create_app(
    workspace_path: str | os.PathLike[str],
    db_url: str | None = None,
    settings: ApiSettings | None = None,
) -> FastAPI:
    """The application over the workspace at ``workspace_path``; users, cases
    and the audit log in its ``app.sqlite``, or at ``db_url``
    (``postgresql://...``). Opens both at once, so a bad path or URL fails
    here rather than on the first request."""
    settings = settings or ApiSettings()
    state = AppState(workspace_path, db_url, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Sync routes run in anyio's worker threads (40 by default). Their
        # work is short and mostly holds the GIL or the workspace lock, so
        # more threads only add switching: dozens of threads fighting for
        # the GIL cost more CPU than the searches themselves.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = settings.worker_threads
        # What is loaded by now (FtM's model, the app, the caches) lives as
        # long as the server: keep it out of the collector's scans, which
        # otherwise show as pauses in the slowest answers.
        gc.collect()
        gc.freeze()
        checkpoints = asyncio.create_task(_checkpoint_loop(state, settings.checkpoint_every))
        yield
        checkpoints.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await checkpoints
        await anyio.to_thread.run_sync(_checkpoint, state)
        state.close()

    app = FastAPI(
        title="Threadline",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.threadline = state
    errors.install(app)
    for module in ROUTERS:
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(docs_page.router)
    _include_web(app)
    # the last added runs first: headers go on every answer, the 413 included
    app.add_middleware(BodyLimit, upload_limit=settings.max_upload_bytes)
    app.add_middleware(
        InFlightLimit,
        limit=settings.max_in_flight,
        max_lag=settings.max_loop_lag,
        min_rate=settings.shed_min_rate,
        timeout=settings.request_timeout,
        untimed=(f"{API_PREFIX}/ingest", f"{API_PREFIX}/jobs/ingest"),
    )
    app.add_middleware(SecurityHeaders)
    return app
