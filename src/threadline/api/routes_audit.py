"""The audit log, for admins: the newest entries (reading them is recorded
too) and a check of the hash chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from threadline.api.deps import CurrentUser, State

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("")
def audit_entries(
    principal: CurrentUser,
    state: State,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    user: Annotated[str | None, Query(max_length=200)] = None,
    case: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """The newest entries, oldest first."""
    entries = state.access.audit.entries(principal, limit, user=user, case_id=case, action=action)
    return {"entries": [entry.to_dict() for entry in entries]}


@router.get("/verify")
def audit_verify(principal: CurrentUser, state: State) -> dict[str, Any]:
    """Recompute the hash chain; ``first_bad`` is the first changed or
    missing entry, null when the log is intact."""
    report = state.access.audit.verify(principal)
    return {**report.to_dict(), "first_bad": report.first_bad_seq}
