"""Cases: need-to-know compartments. The access layer decides every
question (who sees a case, who adds members, who writes notes); these
routes shape its answers. Case reads are not audited (only members can make
them); every change is, by the access layer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from threadline.access import Case, Principal, Role
from threadline.api.case_activity import case_activity
from threadline.api.deps import CurrentUser, State
from threadline.api.document_view import is_document
from threadline.api.note_links import split_entity, with_entity
from threadline.api.state import AppState
from threadline.errors import EntityNotFound

router = APIRouter(prefix="/cases", tags=["cases"])

CaseId = Annotated[str, Path(min_length=1, max_length=64)]


def case_dict(case: Case, principal: Principal) -> dict[str, Any]:
    return {
        "id": case.id,
        "title": case.name,
        "description": case.description,
        "owner": case.owner,
        "created_at": case.created_at.isoformat(),
        # non-admins are only ever shown their own cases; admins see every
        # case and belong to none
        "member": principal.role is not Role.ADMIN,
    }


def _captions(state: AppState, entity_ids: list[str]) -> dict[str, str]:
    return {entity_id: caption for entity_id, (caption, _) in _described(state, entity_ids).items()}


def _described(state: AppState, entity_ids: list[str]) -> dict[str, tuple[str, str]]:
    """id -> (caption, schema) of the entities (and documents) still stored."""
    found = {}
    with state.data() as ws:
        for entity_id in entity_ids:
            try:
                entity = ws.entity(entity_id)
            except EntityNotFound:
                continue  # added by id before its data was loaded, or dropped since
            found[entity_id] = (entity.caption, entity.schema.name)
    return found


class NewCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)


class NewMember(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)


class NewEntity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity_id: str = Field(min_length=1, max_length=200)


class NewNote(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=100_000)
    # no spaces or parentheses: the id is kept in the note as "(about entity ID)"
    entity_id: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[^\s()]+$")


class CasePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mask_sensitive: bool


@router.get("")
def list_cases(principal: CurrentUser, state: State) -> dict[str, Any]:
    cases = state.access.cases.list_cases(principal)
    return {"cases": [case_dict(case, principal) for case in cases]}


@router.post("", status_code=201)
def create_case(body: NewCase, principal: CurrentUser, state: State) -> dict[str, Any]:
    case = state.access.cases.create(principal, body.title, body.description)
    return case_dict(case, principal)


@router.get("/{case_id}")
def get_case(case_id: CaseId, principal: CurrentUser, state: State) -> dict[str, Any]:
    """The case with its members, entities and notes: members only."""
    cases = state.access.cases
    notes = cases.notes(principal, case_id)  # the read check: members only
    entities = cases.entities(principal, case_id)
    members = cases.members(principal, case_id)
    data = case_dict(cases.get(principal, case_id), principal)
    data["mask_sensitive"] = cases.masks(case_id)
    described = _described(state, [e.entity_id for e in entities])
    note_entities = [split_entity(note.body) for note in notes]
    note_captions = _captions(state, [e for _, e in note_entities if e])
    data["members"] = [
        {
            "name": m.name,
            "role": str(m.role),
            "relation": str(m.relation),
            "added_by": m.added_by,
            "added_at": m.added_at.isoformat(),
        }
        for m in members
    ]
    data["entities"] = [
        {
            "entity_id": e.entity_id,
            "caption": described.get(e.entity_id, (e.entity_id, ""))[0],
            "schema": described.get(e.entity_id, ("", None))[1],
            # evidence: a document opens on its own page
            "document": is_document(described.get(e.entity_id, ("", ""))[1]),
            "added_by": e.added_by,
            "added_at": e.added_at.isoformat(),
        }
        for e in entities
    ]
    data["notes"] = [
        {
            "id": note.id,
            "text": text,
            "author": note.author,
            "created_at": note.created_at.isoformat(),
            "entity_id": entity_id,
            "entity_caption": note_captions.get(entity_id) if entity_id else None,
        }
        for note, (text, entity_id) in zip(notes, note_entities, strict=True)
    ]
    return data


@router.put("/{case_id}/policy")
def set_policy(
    case_id: CaseId, body: CasePolicy, principal: CurrentUser, state: State
) -> dict[str, Any]:
    """Only the case's owner decides whether personal details are masked for
    everyone reading entities in the case; the choice is audited."""
    state.access.cases.set_masking(principal, case_id, body.mask_sensitive)
    return {"mask_sensitive": body.mask_sensitive}


@router.post("/{case_id}/members", status_code=201)
def add_member(
    case_id: CaseId, body: NewMember, principal: CurrentUser, state: State
) -> dict[str, Any]:
    """Only the case's owner adds members."""
    state.access.cases.add_member(principal, case_id, body.username)
    return {"ok": True}


@router.delete("/{case_id}/members/{username}", status_code=204)
def remove_member(
    case_id: CaseId,
    username: Annotated[str, Path(min_length=1, max_length=64)],
    principal: CurrentUser,
    state: State,
) -> Response:
    state.access.cases.remove_member(principal, case_id, username)
    return Response(status_code=204)


@router.post("/{case_id}/entities", status_code=201)
def add_entity(
    case_id: CaseId, body: NewEntity, principal: CurrentUser, state: State
) -> dict[str, Any]:
    state.access.cases.add_entity(principal, case_id, body.entity_id)
    return {"ok": True, "entity_id": body.entity_id}


@router.post("/{case_id}/notes", status_code=201)
def add_note(
    case_id: CaseId, body: NewNote, principal: CurrentUser, state: State
) -> dict[str, Any]:
    note = state.access.cases.add_note(principal, case_id, with_entity(body.text, body.entity_id))
    text, entity_id = split_entity(note.body)
    return {
        "id": note.id,
        "text": text,
        "author": note.author,
        "created_at": note.created_at.isoformat(),
        "entity_id": entity_id,
    }


@router.get("/{case_id}/activity")
def activity(
    case_id: CaseId,
    principal: CurrentUser,
    state: State,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """The audit entries of this case: members only."""
    entries = case_activity(state.access, principal, case_id, limit)
    return {"events": [entry.to_dict() for entry in entries]}
