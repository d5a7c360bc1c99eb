"""One entity with every value's source, its links and its merge evidence.
Each view is recorded (who, case or purpose, which entity) before the
entity is read. Personal details are masked where the reader's role or the
case says so (``threadline.access.masking``); revealing one is recorded
with its reason before the value leaves."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from threadline.api.deps import CaseParam, CurrentUser, PurposeParam, State
from threadline.api.views import entity_page, sensitive_row, sourced_value
from threadline.errors import EntityNotFound

router = APIRouter(tags=["entities"])

EntityId = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/entities/{entity_id}")
def get_entity(
    entity_id: EntityId,
    principal: CurrentUser,
    state: State,
    case: CaseParam = None,
    purpose: PurposeParam = None,
) -> dict[str, Any]:
    access = state.access
    access.audit.view(principal, entity_id, case_id=case, purpose=purpose)
    masking = access.masking if access.masking.applies(principal, case) else None
    with state.data() as ws:
        entity = ws.entity(entity_id)
        return entity_page(ws, state.graph(ws), entity, masking)


class RevealBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    property: str = Field(min_length=1, max_length=100)
    ref: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=1000)
    case: str | None = Field(default=None, max_length=64)
    purpose: str | None = Field(default=None, max_length=1000)


@router.post("/entities/{entity_id}/reveal")
def reveal(
    entity_id: EntityId, body: RevealBody, principal: CurrentUser, state: State
) -> dict[str, Any]:
    """One masked value, by the reference the entity page gave for it, with
    the reason it is needed; the reveal is recorded before it is returned."""
    masking = state.access.masking
    with state.data() as ws:
        entity = ws.entity(entity_id)
        found = [
            row
            for row in entity.statements
            if row.prop == body.property
            and sensitive_row(entity, row)
            and masking.matches(body.ref, entity.id, row.prop, row.value)
        ]
    if not found:
        raise EntityNotFound(
            f"no masked {body.property!r} value of {entity_id!r} with that reference; "
            "references change when the server restarts: reload the entity page"
        )
    state.access.audit.reveal(
        principal, entity.id, body.property, body.reason, case_id=body.case, purpose=body.purpose
    )
    return {"property": body.property, "ref": body.ref, **sourced_value(found[0])}
