"""Small graphs for tests, written the way an analyst would draw them:
``E("p", "a", "Ownership", pct=50)`` is "p owns 50% of a"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from threadline.graph.structure import Graph
from threadline.model.links import EDGE_SCHEMA, NODE_SCHEMA


@dataclass
class E:
    source: str
    target: str
    type: str = "Ownership"
    pct: float | None = None
    start: str | None = None
    end: str | None = None
    datasets: list[str] = field(default_factory=lambda: ["test"])
    kind: str = "link"


def build(edges: Sequence[E], nodes: Iterable[tuple[str, str]] = ()) -> Graph:
    """A graph of the given edges; ``nodes`` adds (id, schema) pairs, and every
    edge end not listed becomes a Company."""
    schemata = dict(nodes)
    for edge in edges:
        schemata.setdefault(edge.source, "Company")
        schemata.setdefault(edge.target, "Company")
    ids = sorted(schemata)
    node_table = pa.table(
        {
            "id": ids,
            "schema": [schemata[i] for i in ids],
            "caption": [i.upper() for i in ids],
            "members": [[i] for i in ids],
        },
        schema=NODE_SCHEMA,
    )
    edge_table = pa.table(
        {
            "edge_id": [f"e{i}" for i in range(len(edges))],
            "kind": [e.kind for e in edges],
            "type": [e.type for e in edges],
            "source": [e.source for e in edges],
            "target": [e.target for e in edges],
            "source_member": [e.source for e in edges],
            "target_member": [e.target for e in edges],
            "label": [None] * len(edges),
            "start_date": [e.start for e in edges],
            "end_date": [e.end for e in edges],
            "percentage": [e.pct for e in edges],
            "datasets": [e.datasets for e in edges],
            "statement_ids": [[f"st-e{i}"] for i in range(len(edges))],
        },
        schema=EDGE_SCHEMA,
    )
    return Graph.from_tables(node_table, edge_table)
