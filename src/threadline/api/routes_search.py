"""Search, with a case or a stated purpose, recorded in the audit log with
the query, the filters and how many results (entities and documents) came
back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from threadline.access import Action
from threadline.api.deps import CaseParam, CurrentUser, PurposeParam, State
from threadline.api.search_page import search_page

router = APIRouter(tags=["search"])


@router.get("/search")
async def search(
    principal: CurrentUser,
    state: State,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Names or text.")],
    schema: Annotated[str | None, Query(max_length=100)] = None,
    dataset: Annotated[str | None, Query(max_length=100)] = None,
    country: Annotated[str | None, Query(max_length=10)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    case: CaseParam = None,
    purpose: PurposeParam = None,
) -> dict[str, Any]:
    # refused users never reach the index; the entry itself is written once
    # the result count is known, and before anything is returned
    # async, with its short steps run at once where that is safe (see
    # AppState.on_workspace and on_app_db): the busiest request of all
    audit = state.access.audit
    await state.on_app_db(lambda: audit.require_purpose(principal, case, purpose, Action.SEARCH))
    filters = {
        k: v for k, v in {"schema": schema, "dataset": dataset, "country": country}.items() if v
    }
    page = await state.on_workspace(
        lambda ws: search_page(ws, q, schema=schema, dataset=dataset, country=country, limit=limit)
    )
    details: dict[str, Any] = {"results": page["total"], "documents": len(page["documents"])}
    if filters:
        details["filters"] = filters
    await state.on_app_db(
        lambda: audit.record(
            principal, Action.SEARCH, case_id=case, purpose=purpose, target=q, details=details
        )
    )
    return page
