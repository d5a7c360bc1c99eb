"""Documents: the page (metadata, text page by page with search terms and
mentions marked, e-mail headers and thread, where the file sits) and the
original file. Each view and each download is recorded in the audit log
with its case or purpose before anything is read, as entity views are;
personal details are masked where the reader's role or the case says so,
and then the original, which would show them, is not handed out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse

from threadline.access import Action
from threadline.api.deps import CaseParam, CurrentUser, PurposeParam, State
from threadline.api.document_view import document_page, is_document
from threadline.errors import EntityNotFound, PermissionDenied

router = APIRouter(prefix="/documents", tags=["documents"])

DocumentId = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/{document_id}")
def get_document(
    document_id: DocumentId,
    principal: CurrentUser,
    state: State,
    q: Annotated[str | None, Query(max_length=500, description="Search terms to mark.")] = None,
    case: CaseParam = None,
    purpose: PurposeParam = None,
) -> dict[str, Any]:
    access = state.access
    access.audit.record(
        principal,
        Action.VIEW,
        case_id=case,
        purpose=purpose,
        target=document_id,
        details={"document": "view"},
    )
    masking = access.masking if access.masking.applies(principal, case) else None
    with state.data() as ws:
        entity = ws.entity(document_id, resolved=False)
        return document_page(ws, entity, q, masking)


@router.get("/{document_id}/download", response_class=FileResponse)
def download(
    document_id: DocumentId,
    principal: CurrentUser,
    state: State,
    case: CaseParam = None,
    purpose: PurposeParam = None,
) -> FileResponse:
    """The original bytes, as a download (never shown inline: a stranger's
    HTML or PDF is not run in the app's origin)."""
    access = state.access
    if access.masking.applies(principal, case):
        # refused before the record: nothing is handed out
        raise PermissionDenied(
            "personal details are masked for you here, and the original file would show "
            "them: read the document's text on its page, or ask an analyst of the case"
        )
    with state.data() as ws:
        entity = ws.entity(document_id, resolved=False)
        sha256 = entity.proxy.first("contentHash")
        if not is_document(entity.schema.name) or sha256 is None:
            raise EntityNotFound(f"no stored file for {document_id!r}")
        path = ws.document_blob(sha256)
    name = entity.proxy.first("fileName") or sha256
    access.audit.record(
        principal,
        Action.VIEW,
        case_id=case,
        purpose=purpose,
        target=document_id,
        details={"document": "download", "sha256": sha256},
    )
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=name,
        content_disposition_type="attachment",
    )
