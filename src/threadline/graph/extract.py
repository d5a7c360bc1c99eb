"""The link graph's tables from the store: nodes and edges as the store
engine reads them (``StatementStore.link_nodes``/``link_edges``), plus a node
for every shared value a pivot edge points at."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from threadline.errors import InputError
from threadline.model.links import NODE_SCHEMA, PIVOT_TYPES
from threadline.store.base import StatementStore


def read_graph_tables(
    store: StatementStore, pivots: Sequence[str] = (), mentions: bool = False
) -> tuple[pa.Table, pa.Table]:
    """(nodes, edges) of the whole store, with pivot nodes for ``pivots``
    and, with ``mentions``, the edges from documents to what they name."""
    unknown = [p for p in pivots if p not in PIVOT_TYPES]
    if unknown:
        raise InputError(
            f"unknown pivot kind {unknown[0]!r}",
            hint=f"choose from {', '.join(PIVOT_TYPES)}",
        )
    edges = store.link_edges(pivots, mentions)
    nodes = store.link_nodes()
    if pivots:
        nodes = pa.concat_tables([nodes, pivot_nodes(edges)])
    return nodes, edges


def pivot_nodes(edges: pa.Table) -> pa.Table:
    """Nodes for the shared values pivot edges point at."""
    kinds = edges.column("kind").to_pylist()
    targets = edges.column("target").to_pylist()
    ids = sorted({t for k, t in zip(kinds, targets, strict=True) if k == "pivot"})
    captions = [i.split(":", 2)[2] for i in ids]
    types = [i.split(":", 2)[1] for i in ids]
    return pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "schema": pa.array([f"Pivot:{t}" for t in types], pa.string()),
            "caption": pa.array(captions, pa.string()),
            "members": pa.array([[i] for i in ids], pa.list_(pa.string())),
        },
        schema=NODE_SCHEMA,
    )
