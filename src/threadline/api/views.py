"""JSON shapes of entities, as the API contract gives them: every value with
its source, the entity's links from the graph, and the evidence behind a
merge. Shaping only; the data comes from the library."""

from __future__ import annotations

from typing import Any

from threadline.access.masking import Masking
from threadline.api.document_view import mentioning
from threadline.api.sourced import sensitive_row, sourced_properties, sourced_value
from threadline.errors import EntityNotFound
from threadline.graph.paths import neighbours
from threadline.graph.structure import Graph
from threadline.graph.views import node_dict
from threadline.model.entity import Entity
from threadline.workspace import Workspace

#: an entity page lists at most this many linked entities
RELATIONS_LIMIT = 500


def summary(entity: Entity) -> dict[str, Any]:
    """Id, caption, schema, datasets and plain property values: enough to
    compare two records side by side."""
    return {
        "id": entity.id,
        "caption": entity.caption,
        "schema": entity.schema.name,
        "datasets": entity.datasets,
        "properties": {name: sorted(values) for name, values in entity.proxy.properties.items()},
    }


__all__ = ["entity_page", "sensitive_row", "sourced_properties", "sourced_value", "summary"]


def relations(graph: Graph, entity_id: str) -> list[dict[str, Any]]:
    """The entity's links, one per edge, read from the entity's side. Link
    entities (an Ownership, a Payment) are edges themselves and have none."""
    try:
        hood = neighbours(graph, entity_id, depth=1, limit=RELATIONS_LIMIT)
    except EntityNotFound:
        return []
    here = graph.node_ids[hood.center]
    out = []
    for record in graph.edge_records(hood.edges):
        outgoing = record.source == here
        other = record.target if outgoing else record.source
        out.append(
            {
                "edge_type": record.type,
                "direction": "out" if outgoing else "in",
                "other": node_dict(graph, graph.node(other)),
                "edge": record.to_dict(),
            }
        )
    return out


def merge(ws: Workspace, entity: Entity) -> dict[str, Any] | None:
    members = entity.members
    if len(members) < 2:
        return None
    inside = set(members)
    evidence = [
        pair.to_dict()
        for pair in ws.resolution.pairs_of(members, limit=200)
        if pair.left_id in inside and pair.right_id in inside
    ]
    judgements = [record.to_dict() for record in ws.resolution.judgements.history(members)]
    return {"members": members, "evidence": evidence, "judgements": judgements}


def entity_page(
    ws: Workspace, graph: Graph, entity: Entity, masking: Masking | None = None
) -> dict[str, Any]:
    return {
        "id": entity.id,
        "caption": entity.caption,
        "schema": entity.schema.name,
        "datasets": entity.datasets,
        "members": entity.members,
        "masked": masking is not None,
        "properties": sourced_properties(entity, masking),
        "relations": relations(graph, entity.id),
        "merge": merge(ws, entity),
        # the documents whose text names it (``search/mentions.py``)
        "mentioned_in": mentioning(ws, entity),
    }
