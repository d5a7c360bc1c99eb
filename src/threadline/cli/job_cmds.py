"""``threadline jobs``: the jobs of this workspace (run by ``threadline
serve``, or started from a command line beside it), with their progress and
log, and cancelling one.

These read and write the app database only, never the store, so they work
while a server holds the workspace. Whoever runs them holds the workspace's
files, so, like ``threadline users``, they act as the local operator (an
admin, recorded as ``local:LOGIN``) and may cancel any job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from threadline.cli.common import emit_json, err, local_operator, out, workspace_path
from threadline.cli.options import DbOpt, JsonOpt

if TYPE_CHECKING:
    from threadline.access import AccessControl

JobIdArg = Annotated[str, typer.Argument(help="The job's id (see `threadline jobs`).")]


def _access(db: str | None) -> AccessControl:
    import os

    from threadline.access import AccessControl
    from threadline.access.db import embedded_url

    home = workspace_path()
    url = db or os.environ.get("THREADLINE_DB") or embedded_url(home)
    return AccessControl(url, home=home)


def jobs_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many jobs (the newest).", min=1)] = 30,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """List the newest jobs with their state and progress."""
    if ctx.invoked_subcommand is not None:
        return
    with _access(db) as access:
        access.jobs.reap()  # a job whose process died shows as interrupted
        jobs = access.jobs.recent(limit=limit)
    if as_json:
        emit_json([job.to_dict() for job in jobs])
        return
    if not jobs:
        err.print("No jobs yet.")
        return
    table = Table("id", "kind", "owner", "state", "progress", "message", "created (UTC)")
    for job in jobs:
        table.add_row(
            job.id,
            job.kind,
            escape(job.owner),
            str(job.state),
            f"{job.progress:.0%}",
            escape(job.error or job.message),
            job.created_at.isoformat(sep=" ", timespec="seconds")[:19],
        )
    out.print(table)


def jobs_show(job_id: JobIdArg, as_json: JsonOpt = False, db: DbOpt = None) -> None:
    """Show one job: its parameters, progress, result or error, and its log."""
    with _access(db) as access:
        access.jobs.reap()
        job = access.jobs.get(job_id, with_log=True)
    if as_json:
        emit_json(job.to_dict())
        return
    title = f"[bold]{job.kind}[/bold] {job.id}: {job.state} ({job.progress:.0%})"
    out.print(title, highlight=False)
    out.print(f"owner: {escape(job.owner)}", highlight=False)
    out.print(f"message: {escape(job.message)}", highlight=False)
    if job.error:
        out.print(f"error: {escape(job.error)}", highlight=False)
    for line in job.log:
        out.print(f"  {escape(line)}", highlight=False)


def jobs_cancel(job_id: JobIdArg, db: DbOpt = None) -> None:
    """Cancel a queued job, or ask a running one to stop at its next progress
    point; what it had not stored is rolled back."""
    from threadline.jobs.runner import cancel_job

    home = workspace_path()
    with _access(db) as access:
        job = cancel_job(access, home, local_operator().name, job_id)
    if str(job.state) == "cancelled":
        err.print(f"Job {job.id} cancelled.")
    else:
        err.print(f"Asked job {job.id} to stop; `threadline jobs show {job.id}` follows it.")
