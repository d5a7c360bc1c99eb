"""``threadline jobs``: the jobs of this workspace (run by ``threadline
serve``, or started from a command line beside it), with their progress and
log, and cancelling one.

These read and write the app database only, never the store, so they work
while a server holds the workspace. Whoever runs them holds the workspace's
files, so, like ``threadline users``, they act as the local operator (an
admin, recorded as ``local:LOGIN``) and may cancel any job.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from threadline.cli.common import emit_json, err, local_operator, out, workspace_path
from threadline.cli.options import DbOpt, JsonOpt

if TYPE_CHECKING:
    from threadline.access import AccessControl

JobIdArg = Annotated[str, typer.Argument(help="The job's id (see `threadline jobs`).")]
#: how often (seconds) `jobs start --wait` looks at the job it follows
_FOLLOW_EVERY = 0.5
#: parameters that name files: made absolute here, since the server runs elsewhere
_PATH_PARAMS = ("path", "mapping")


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


def _params(pairs: list[str]) -> dict[str, Any]:
    import json

    from threadline.errors import InputError

    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--param {pair!r}: write it as NAME=VALUE")
        try:
            value: Any = json.loads(text)
        except ValueError:
            value = text  # plain text needs no quotes
        if key in params:  # repeated: a list (--param maps=name=full_name twice)
            previous = params[key]
            value = [*previous, value] if isinstance(previous, list) else [previous, value]
        params[key] = value
    for key in _PATH_PARAMS:
        if isinstance(params.get(key), str):
            params[key] = str(Path(params[key]).resolve())
    return params


def jobs_start(
    kind: Annotated[
        str,
        typer.Argument(help="ingest, documents, resolve, reindex, mentions or retention_sweep."),
    ],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="NAME=VALUE (repeatable; VALUE is read as JSON when it is JSON, e.g. "
            "merge_threshold=0.9, dry_run=true). ingest: path, dataset, schema, maps, keys, "
            "mapping, format, encoding, sheet, on_error; documents: path, dataset; "
            "mentions: dataset.",
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait",
            help="Beside a running server: follow the job to its end (default: print its "
            "id and return). Without a server the job runs here, to its end.",
        ),
    ] = False,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Start a job. Beside a running `threadline serve` the server runs it (one
    job at a time, while it goes on answering); otherwise it runs here."""
    import time

    from threadline.cli.control import server_holds
    from threadline.errors import JobError
    from threadline.jobs.runner import JobRunner, queue_job

    home = workspace_path()
    owner = local_operator().name
    params = _params(param or [])
    with _access(db) as access:
        if server_holds(home):
            job = queue_job(access, owner, kind, params)
            if not wait:
                if as_json:
                    emit_json(job.to_dict())
                else:
                    err.print(f"Job {job.id} queued; `threadline jobs show {job.id}` follows it.")
                return
            while not job.state.finished:
                time.sleep(_FOLLOW_EVERY)
                job = access.jobs.get(job.id)
        else:
            from contextlib import nullcontext

            from threadline.cli.common import open_workspace

            with open_workspace() as ws:
                runner = JobRunner(home, lambda: nullcontext(ws), access)
                job = runner.run_one(runner.submit(owner, kind, params).id)
        job = access.jobs.get(job.id, with_log=True)
    if as_json:
        emit_json(job.to_dict())
    else:
        for line in job.log:
            err.print(escape(line), highlight=False)
    if str(job.state) != "done":
        raise JobError(f"job {job.id} {job.state}" + (f": {job.error}" if job.error else ""))
    if not as_json:
        err.print(f"Job {job.id} done.")
