"""Jobs: long work run by the server's job runner while it goes on
answering. Analysts start them (they are the role that writes) and see
everyone's, since a resolve or an ingest running changes what all of them
read; admins see them and may cancel any; viewers have no business here.
Starting and cancelling are recorded in the audit log, and so is how each
job ended (``threadline.jobs.runner``)."""

from __future__ import annotations

import shutil
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query
from pydantic import BaseModel, Field

from threadline.access import Principal, Role
from threadline.access.jobs import Job, new_job_id
from threadline.api.deps import CurrentUser, State
from threadline.api.routes_ingest import Upload
from threadline.api.rules import require_ingest
from threadline.api.uploads import saved_upload
from threadline.errors import InputError, PermissionDenied
from threadline.jobs.kinds import kind_of
from threadline.jobs.runner import job_files

router = APIRouter(prefix="/jobs", tags=["jobs"])


def require_jobs(principal: Principal) -> None:
    if principal.role is Role.VIEWER:
        raise PermissionDenied(
            f"{principal.name} ({principal.role}) may not see jobs; analysts and admins may"
        )


def require_cancel(principal: Principal, job: Job) -> None:
    if principal.role is not Role.ADMIN and job.owner != principal.name:
        raise PermissionDenied(
            f"{principal.name} may not cancel job {job.id}: only the one who started it "
            "or an admin may"
        )


class JobRequest(BaseModel):
    kind: Literal["resolve", "reindex", "mentions", "retention_sweep"] = Field(
        description="ingest jobs start with their file: POST /api/v1/jobs/ingest"
    )
    params: dict[str, Any] = Field(default_factory=dict)


@router.get("")
def jobs_list(
    principal: CurrentUser,
    state: State,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    mine: bool = False,
) -> dict[str, Any]:
    """The newest jobs first, with their state and progress."""
    require_jobs(principal)
    book = state.access.jobs
    book.reap()  # a command line's job whose process died shows as interrupted
    jobs = book.recent(principal.name if mine else None, limit)
    return {"jobs": [job.to_dict() for job in jobs]}


@router.get("/{job_id}")
def job_show(principal: CurrentUser, state: State, job_id: str) -> dict[str, Any]:
    """One job, with its log."""
    require_jobs(principal)
    return state.access.jobs.get(job_id, with_log=True).to_dict()


@router.post("", status_code=202)
def job_start(principal: CurrentUser, state: State, request: JobRequest) -> dict[str, Any]:
    """Queue a resolve, a reindex, a mention tagging run (``dataset``) or a
    retention sweep (``dry_run``); answers at once with the job to follow."""
    require_ingest(principal)
    if not kind_of(request.kind).from_api:
        raise InputError(f"a {request.kind} job is started with POST /api/v1/jobs/ingest")
    return state.jobs.submit(principal.name, request.kind, request.params).to_dict()


@router.post("/ingest", status_code=202)
def job_ingest(
    principal: CurrentUser,
    state: State,
    form: Upload,
    on_error: Annotated[Literal["fail", "skip"], Form()] = "fail",
) -> dict[str, Any]:
    """Queue the ingest of an uploaded file, with ``POST /ingest``'s form:
    read under the same limits, in a worker, while the server answers."""
    require_ingest(principal)
    job_id = new_job_id()
    folder = job_files(state.workspace_path, job_id)
    with saved_upload(form.file, form.mapping) as upload:
        table = form.is_table(state, upload)
        folder.mkdir(parents=True)
        try:
            path = folder / upload.path.name
            shutil.move(upload.path, path)
            mapping = None
            if upload.mapping is not None:
                mapping = folder / upload.mapping.name
                shutil.move(upload.mapping, mapping)
            params: dict[str, Any] = {"path": str(path), "dataset": form.dataset}
            if table:
                params.update(
                    mapping=str(mapping) if mapping else None,
                    schema=form.schema,
                    maps=form.maps,
                    keys=form.keys,
                    format=form.format,
                    encoding=form.encoding,
                    sheet=form.sheet,
                    on_error=on_error,
                    source_name=upload.path.name,
                )
            job = state.jobs.submit(
                principal.name,
                "ingest" if table else "documents",
                params | {"isolate": True},
                job_id,
            )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    return job.to_dict()


@router.post("/{job_id}/cancel")
def job_cancel(principal: CurrentUser, state: State, job_id: str) -> dict[str, Any]:
    """Cancel a queued job, or ask a running one to stop at its next
    progress point (what it had not committed is rolled back)."""
    require_jobs(principal)
    job = state.access.jobs.get(job_id)
    require_cancel(principal, job)
    return state.jobs.cancel(principal.name, job_id).to_dict()
