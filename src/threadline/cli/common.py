"""What every command shares: the consoles (stderr for people, stdout for
data), JSON output, progress bars that stay quiet with --quiet or off a
terminal, the workspace the root options point at, and ``run()``, which turns
library errors into a one-line message and the exit code of their class.

Nothing here imports the library's engines: a command imports what it
needs inside its body, so that ``threadline --help`` and the cheap commands
start at once (``tests/cli/test_startup.py`` checks it).
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from threadline.access import Principal
    from threadline.errors import ThreadlineError
    from threadline.workspace import Workspace

err = Console(stderr=True)
out = Console()


class State:
    """The root options (``-w``, ``-q``), set before any command runs; and,
    in a server running a forwarded command (``threadline.cli.control``),
    the workspace it holds."""

    workspace: Path | None = None
    quiet = False
    held: Any = None


def emit_json(data: Any) -> None:
    import orjson

    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str) + b"\n")
    sys.stdout.flush()


def show_progress() -> bool:
    return not State.quiet and err.is_terminal


def open_workspace() -> AbstractContextManager[Workspace]:
    """The workspace of ``-w``, ``$THREADLINE_WORKSPACE`` or the current
    directory, for a ``with`` block. In a server running a forwarded command
    on the workspace it holds, that one (under its lock, left open)."""
    from threadline.workspace import Workspace

    if State.held is not None:
        held: AbstractContextManager[Workspace] | None = State.held.open(
            Workspace.locate(State.workspace)
        )
        if held is not None:
            return held
    return Workspace.find(State.workspace)


def workspace_path() -> Path:
    """Where that workspace is, without opening its store (and taking its lock)."""
    from threadline.workspace import Workspace

    return Workspace.locate(State.workspace)


def local_operator() -> Principal:
    """The person at this terminal, as the audit log names them."""
    from threadline.access import Principal

    try:
        login = os.environ.get("THREADLINE_USER") or getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return Principal.local_operator(login)


def record_read(
    action: str,
    target: str,
    *,
    purpose: str | None,
    case: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record a read of entity data in the audit log before it happens:
    refused (exit 8) without a case or a purpose unless an admin made the
    purpose optional for this workspace's command line. The reader is the
    account named like the login ($THREADLINE_USER), with its role and cases,
    or else the local login with an analyst's rights."""
    from threadline.access import AccessControl, Action, Principal
    from threadline.access.db import embedded_url
    from threadline.errors import AccessError, UserNotFound

    home = workspace_path()
    url = os.environ.get("THREADLINE_DB") or embedded_url(home)
    operator = local_operator()
    login = operator.name.removeprefix("local:")
    with AccessControl(url, home=home) as access:
        try:
            reader = access.accounts.get(operator, login).principal()
        except UserNotFound:
            reader = Principal.local_reader(login)
        try:
            access.audit.record(
                reader, Action(action), case_id=case,
                purpose=access.audit.cli_purpose(case, purpose), target=target, details=details,
            )  # fmt: skip
        except AccessError as exc:
            refusal = {"reason": str(exc)[:500], "command": action}
            access.audit.log.append(reader.name, Action.REFUSED, target=target, details=refusal)
            raise


def record_change(action: str, target: str, details: dict[str, Any] | None = None) -> None:
    """Record a change made from this terminal (an ingest, a dropped dataset,
    a retention setting or sweep) under the local account, after it is
    made (a change needs no purpose: it is the operator's own data)."""
    from threadline.access import AccessControl, Action
    from threadline.access.db import embedded_url

    home = workspace_path()
    url = os.environ.get("THREADLINE_DB") or embedded_url(home)
    with AccessControl(url, home=home) as access:
        access.audit.log.append(
            local_operator().name, Action(action), target=target, details=details
        )


def catch_up_index(ws: Workspace) -> None:
    """Rebuild the search index, with progress, when it is behind the store
    (a crash, or an index of an older format), rather than silently inside
    the first search."""
    if ws.index.generation != ws.store.generation:
        err.print("The search index is behind the store; rebuilding it first.")
        with count_progress("indexing") as progress:
            ws.ensure_index(progress)


@contextmanager
def ingest_progress(label: str) -> Iterator[Any]:
    """Yields a ``(bytes_done, bytes_total, records)`` callback (or None)."""
    if not show_progress():
        yield None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[records]:,} rows  {task.fields[rate]:,.0f} rows/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )
    with progress:
        task = progress.add_task(label, total=1, records=0, rate=0.0)

        def update(done: int, total: int, records: int) -> None:
            elapsed = progress.tasks[task].elapsed or 0.0
            rate = records / elapsed if elapsed > 0 else 0.0
            progress.update(task, completed=done, total=max(total, 1), records=records, rate=rate)

        yield update


@contextmanager
def document_progress(label: str) -> Iterator[Any]:
    """Yields a ``DocumentProgress`` callback (or None): files/s, pages/s,
    errors by stage and the time left."""
    if not show_progress():
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rates]}"),
        TextColumn("[yellow]{task.fields[errors]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )
    with progress:
        task = progress.add_task(label, total=1, rates="", errors="")

        def update(state: Any) -> None:
            elapsed = progress.tasks[task].elapsed or 0.0
            files = state.files_done / elapsed if elapsed > 0 else 0.0
            pages = state.pages / elapsed if elapsed > 0 else 0.0
            errors = ", ".join(f"{n} {stage}" for stage, n in sorted(state.errors.items()))
            progress.update(
                task,
                completed=state.files_done,
                total=max(state.files_total, 1),
                rates=f"{files:,.1f} files/s {pages:,.1f} pages/s",
                errors=f"errors: {errors}" if errors else "",
            )

        yield update


@contextmanager
def count_progress(label: str) -> Iterator[Any]:
    """Yields a ``(done, total)`` callback (or None)."""
    if not show_progress():
        yield None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=err,
    ) as progress:
        task = progress.add_task(label, total=1)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=max(total, 1))

        yield update


def run(app: Callable[..., Any]) -> None:
    """Run the command line and exit with its code."""
    sys.exit(run_args(app))


def fail(exc: ThreadlineError) -> int:
    """Say what went wrong on one line; the exit code of its class."""
    # soft_wrap: one line per error, whatever the width, so logs and greps work.
    err.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
    return exc.exit_code


def run_args(app: Callable[..., Any], argv: list[str] | None = None) -> int:
    """Run the command line (the Typer app, or the root command it built;
    ``argv``, else this process's arguments); a library error becomes a
    one-line message on stderr and its class's exit code (see
    ``threadline.errors``)."""
    import typer

    from threadline.errors import ThreadlineError

    try:
        app(args=argv, standalone_mode=False)
    except ThreadlineError as exc:
        return fail(exc)
    except KeyboardInterrupt:
        err.print("Interrupted; nothing was changed by the interrupted command.")
        return 130
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        return 1
    except Exception as exc:
        # Usage errors (Typer's vendored click) know how to show themselves.
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            return int(exc.exit_code)
        raise
    return 0
