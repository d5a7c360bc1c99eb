"""Exports: a case's entities (for its members), or the workspace's (with a
stated purpose), as FtM JSON lines or CSV. See ``exports`` for what an
export holds; every export is recorded with its size."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from threadline.access import Action, Principal
from threadline.api.deps import CaseParam, CurrentUser, PurposeParam, State
from threadline.api.exports import build_export
from threadline.errors import DatasetNotFound, EntityNotFound, InputError
from threadline.model.entity import Entity
from threadline.workspace import Workspace

router = APIRouter(tags=["export"])


def _case_entities(ws: Workspace, entity_ids: list[str]) -> Iterator[Entity]:
    for entity_id in entity_ids:
        try:
            yield ws.entity(entity_id)
        except EntityNotFound:
            continue


def _watermark(principal: Principal, case: str | None, purpose: str | None) -> str:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    why = f"case {case}" if case else f"purpose: {(purpose or '').strip()[:200]}"
    return f"Threadline export by {principal.name} at {now}, {why}"


def _entities(
    ws: Workspace, case_ids: list[str] | None, dataset: str | None
) -> Generator[Entity, None, None]:
    if case_ids is not None:
        yield from _case_entities(ws, case_ids)
        return
    if dataset is not None and not ws.store.has_dataset(dataset):
        raise DatasetNotFound(f"no dataset named {dataset!r}")
    yield from ws.entities(dataset)


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
def export(
    principal: CurrentUser,
    state: State,
    format: Annotated[Literal["ftm", "csv"], Query()] = "ftm",
    case: CaseParam = None,
    purpose: PurposeParam = None,
    dataset: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """A case's entities (members only), or with a purpose the workspace's
    (or one dataset's)."""
    if case is not None and dataset is not None:
        raise InputError("export a case or a dataset, not both")
    state.access.audit.require_purpose(principal, case, purpose, Action.EXPORT)
    case_ids = None
    if case is not None:
        case_ids = [e.entity_id for e in state.access.cases.entities(principal, case)]
    watermark = _watermark(principal, case, purpose)
    with state.data() as ws:
        entities = _entities(ws, case_ids, dataset)
        try:
            result = build_export(entities, format, watermark, state.settings.export_max_rows)
        finally:
            entities.close()  # ends the store cursor of a cut-off export
    details: dict[str, object] = {
        "format": format,
        "rows": result.rows,
        "truncated": result.truncated,
    }
    if dataset:
        details["dataset"] = dataset
    what = f"case {case}" if case else (f"dataset {dataset}" if dataset else "workspace")
    state.access.audit.export(principal, what, case_id=case, purpose=purpose, details=details)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Response(
        result.content,
        media_type=result.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="threadline-{stamp}.{result.suffix}"',
            "X-Threadline-Watermark": watermark.encode("ascii", "replace").decode("ascii"),
            "X-Threadline-Rows": str(result.rows),
            "X-Threadline-Truncated": "true" if result.truncated else "false",
            "Cache-Control": "no-store",
        },
    )
