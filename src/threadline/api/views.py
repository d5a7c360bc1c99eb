"""JSON shapes of entities, as the API contract gives them: every value with
its source, the entity's links from the graph, and the evidence behind a
merge. Shaping only; the data comes from the library."""

from __future__ import annotations

from typing import Any

from threadline.access.masking import Masking
from threadline.errors import EntityNotFound
from threadline.graph.paths import neighbours
from threadline.graph.structure import Graph
from threadline.graph.views import node_dict
from threadline.model.entity import Entity
from threadline.model.sensitive import is_sensitive
from threadline.model.statements import StatementRow
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


def sensitive_row(entity: Entity, row: StatementRow) -> bool:
    # the record's own schema and the resolved one: a person's tax number
    # stays masked when the person is resolved with a LegalEntity record
    return is_sensitive(row.schema, row.prop) or is_sensitive(entity.schema.name, row.prop)


def sourced_value(row: StatementRow) -> dict[str, Any]:
    return {
        "value": row.value,
        "original_value": row.original_value,
        "dataset": row.dataset,
        "source": row.source,
        "source_line": row.source_line,
        "entity_id": row.entity_id,
    }


def sourced_properties(
    entity: Entity, masking: Masking | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every value with its source; with ``masking``, personal details are
    replaced by a reference to reveal them by (``POST .../reveal``)."""
    properties: dict[str, list[dict[str, Any]]] = {}
    for row in entity.statements:
        if row.prop == "id":
            continue
        item = sourced_value(row)
        if masking is not None and sensitive_row(entity, row):
            del item["value"], item["original_value"]
            item["masked"] = True
            item["ref"] = masking.ref(entity.id, row.prop, row.value)
        properties.setdefault(row.prop, []).append(item)
    return properties


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
    }
