"""``threadline serve``: the HTTP API and the web UI over the workspace, with
uvicorn. Thin, like every command: find the workspace, build the app, run."""

from __future__ import annotations

from types import FrameType
from typing import Annotated, Any

import typer
from rich.markup import escape

from threadline.cli.common import catch_up_index, err, open_workspace
from threadline.cli.options import DbOpt


def serve(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. The default answers this machine only; put a "
            "TLS-terminating proxy in front before opening it to a network."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8765,
    db: DbOpt = None,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log every HTTP request to stderr. Off by default: the audit log "
            "already records who looked at what, and per-request logging costs CPU.",
        ),
    ] = False,
) -> None:
    """Start the web application: the JSON API under /api/v1 and the web UI."""
    import uvicorn

    from threadline.api import create_app

    with open_workspace() as ws:
        path = ws.path  # the server opens it itself; DuckDB allows one writer
        catch_up_index(ws)
    from threadline.cli.control import ControlServer

    application = create_app(path, db)
    state = application.state.threadline
    # commands run beside the server are handed to it (threadline.cli.control)
    # the root command, to run callers' commands (this module cannot import the app)
    control = ControlServer(state.workspace_path, state.data, ctx.find_root().command)
    if not control.start():
        err.print(
            "No private folder for the control socket: other commands on this workspace "
            "will exit 3 while the server runs."
        )
    where = escape(f"http://{host}:{port}/")
    err.print(
        f"Threadline on [bold]{where}[/bold] (API docs: {where}api/v1/docs); Ctrl+C stops",
        soft_wrap=True,
    )
    config = uvicorn.Config(
        application, host=host, port=port, log_level="info", access_log=access_log
    )
    # the app's lifespan closes the workspace and the app database on shutdown
    try:
        _stopping_server_class()(config).run()
    finally:
        control.close()


def _stopping_server_class() -> type[Any]:
    import uvicorn

    from threadline.ingest.isolated import cancel_running

    class StoppingServer(uvicorn.Server):
        """On SIGTERM or Ctrl+C, end the workers reading uploads before
        uvicorn waits for the requests in flight: an ingest still reading
        its file is cancelled (nothing stored, a 503 to its sender) instead
        of holding the shutdown for minutes."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            cancel_running()
            super().handle_exit(sig, frame)

    return StoppingServer
