"""One entity with every value's source, its links and its merge evidence.
Each view is recorded (who, case or purpose, which entity) before the
entity is read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from threadline.api.deps import CaseParam, CurrentUser, PurposeParam, State
from threadline.api.views import entity_page

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
    state.access.audit.view(principal, entity_id, case_id=case, purpose=purpose)
    with state.data() as ws:
        entity = ws.entity(entity_id)
        return entity_page(ws, state.graph(ws), entity)
