"""The link graph: neighbours, paths and ultimate owners, as the CLI's
``graph ... --json`` gives them (``threadline.graph.views``).

Graph reads show entities and their links, so they are data reads like an
entity view: the view permission, a case or a stated purpose, and an audit
entry (a view of the entity or entities the read starts from) before any
work.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from threadline.access import Action, Principal
from threadline.api.deps import CaseParam, CurrentUser, PurposeParam, State
from threadline.api.rules import require_view
from threadline.api.state import AppState
from threadline.graph import paths as graph_paths
from threadline.graph.filters import EdgeFilter
from threadline.graph.ownership import owners
from threadline.graph.views import neighbourhood_dict, ownership_dict, paths_dict

router = APIRouter(prefix="/graph", tags=["graph"])

EntityId = Annotated[str, Path(min_length=1, max_length=200)]
Names = Annotated[list[str] | None, Query(max_length=20)]
AsOf = Annotated[str | None, Query(max_length=10, description="YYYY, YYYY-MM or YYYY-MM-DD")]
Direction = Annotated[Literal["both", "out", "in"], Query()]
Mentions = Annotated[
    bool,
    Query(description="Also follow the weaker edges from documents to what their text names."),
]


def _check(
    state: AppState,
    principal: Principal,
    operation: str,
    target: str,
    case: str | None,
    purpose: str | None,
) -> None:
    require_view(principal)
    state.access.audit.record(
        principal,
        Action.VIEW,
        case_id=case,
        purpose=purpose,
        target=target,
        details={"graph": operation},
    )


@router.get("/neighbours/{entity_id}")
def graph_neighbours(
    entity_id: EntityId,
    principal: CurrentUser,
    state: State,
    depth: Annotated[int, Query(ge=1, le=6)] = 1,
    type: Names = None,
    schema: Names = None,
    dataset: Names = None,
    as_of: AsOf = None,
    direction: Direction = "both",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
    mentions: Mentions = False,
    case: CaseParam = None,
    purpose: PurposeParam = None,
) -> dict[str, Any]:
    _check(state, principal, "neighbours", entity_id, case, purpose)
    flt = EdgeFilter.of(type, schema, dataset, as_of, direction)
    with state.data() as ws:
        graph = state.graph(ws, mentions)
        hood = graph_paths.neighbours(graph, entity_id, depth, flt, limit)
        return neighbourhood_dict(graph, hood)


@router.get("/path")
def graph_path(
    principal: CurrentUser,
    state: State,
    source: Annotated[str, Query(min_length=1, max_length=200)],
    target: Annotated[str, Query(min_length=1, max_length=200)],
    all_paths: Annotated[bool, Query(alias="all")] = False,
    max_depth: Annotated[int, Query(ge=1, le=12)] = 6,
    limit: Annotated[int, Query(ge=1, le=1000, description="With all, at most this many.")] = 100,
    type: Names = None,
    schema: Names = None,
    dataset: Names = None,
    as_of: AsOf = None,
    direction: Direction = "both",
    mentions: Mentions = False,
    case: CaseParam = None,
    purpose: PurposeParam = None,
) -> dict[str, Any]:
    _check(state, principal, "path", f"{source},{target}", case, purpose)
    flt = EdgeFilter.of(type, schema, dataset, as_of, direction)
    with state.data() as ws:
        graph = state.graph(ws, mentions)
        if all_paths:
            result = graph_paths.all_paths(graph, source, target, max_depth, flt, limit)
        else:
            result = graph_paths.shortest_path(graph, source, target, flt, max_depth)
        return paths_dict(graph, result)


@router.get("/owners/{entity_id}")
def graph_owners(
    entity_id: EntityId,
    principal: CurrentUser,
    state: State,
    threshold: Annotated[float, Query(ge=0, le=100)] = 0.0,
    all_levels: Annotated[bool, Query(description="Also owners that are owned in turn.")] = False,
    dataset: Names = None,
    as_of: AsOf = None,
    max_depth: Annotated[int, Query(ge=1, le=24)] = 12,
    case: CaseParam = None,
    purpose: PurposeParam = None,
) -> dict[str, Any]:
    _check(state, principal, "owners", entity_id, case, purpose)
    flt = EdgeFilter.of(None, None, dataset, as_of)
    with state.data() as ws:
        graph = state.graph(ws)
        result = owners(
            graph, entity_id, threshold, flt, ultimate_only=not all_levels, max_depth=max_depth
        )
        return ownership_dict(graph, result)
