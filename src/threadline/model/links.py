"""The shape of the link graph: the FtM schemata that are links, the node and
edge tables every reader of the store produces (the DuckDB engine, the
benchmark generators) and the graph is built from, and the pivot kinds.
One definition, so a generator cannot drift from the extraction."""

from __future__ import annotations

import pyarrow as pa

NODE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("schema", pa.string()),
        ("caption", pa.string()),
        # Source entity ids merged into this node (just the node id if unmerged).
        ("members", pa.list_(pa.string())),
    ]
)

EDGE_SCHEMA = pa.schema(
    [
        # The FtM entity the edge comes from: the link entity itself (an
        # Ownership's id) or the entity holding the reference property.
        ("edge_id", pa.string()),
        # link: an FtM edge schema; reference: an entity property; pivot: a shared value
        ("kind", pa.string()),
        # The edge schema (Ownership) or the property name (authority, phone).
        ("type", pa.string()),
        ("source", pa.string()),
        ("target", pa.string()),
        # The entity ids as stated in the source, before resolution.
        ("source_member", pa.string()),
        ("target_member", pa.string()),
        ("label", pa.string()),
        ("start_date", pa.string()),
        ("end_date", pa.string()),
        # Percent (0-100); null when not stated or not a number.
        ("percentage", pa.float64()),
        ("datasets", pa.list_(pa.string())),
        ("statement_ids", pa.list_(pa.string())),
    ]
)

#: Properties that point at supporting documents, not at a relationship.
IGNORED_REFERENCES = frozenset({"proof"})

#: Pivot kinds a user can switch on, and the FtM property types behind them.
PIVOT_TYPES: dict[str, tuple[str, ...]] = {
    "phone": ("phone",),
    "email": ("email",),
    "address": ("address",),
    "iban": ("iban",),
    "identifier": ("identifier",),
}

#: A value shared by more entities than this (a registered agent's address,
#: a placeholder phone) links nothing meaningful and would dominate every
#: path; it is left out of the pivots.
PIVOT_CAP = 200


def edge_schemata() -> dict[str, tuple[str, str, str]]:
    """FtM edge schemata: name -> (source property, target property, label)."""
    from followthemoney import model  # not on import: opening a store needs no FtM

    out = {}
    for schema in model.schemata.values():
        if schema.edge and not schema.abstract and schema.edge_source and schema.edge_target:
            out[schema.name] = (schema.edge_source, schema.edge_target, schema.edge_label or "")
    return out
