"""A small hand-made link graph whose strings are as hostile as real data gets
(quotes, backslashes, markup, line breaks, Cyrillic, control characters), for
checking that every export format escapes them and keeps provenance."""

from __future__ import annotations

import itertools
from typing import Any

import pyarrow as pa

from threadline.graph.structure import Graph
from threadline.model.links import EDGE_SCHEMA, NODE_SCHEMA

NASTY = 'O\'Brien "X" \\ y'
MARKUP = "Acme <Holdings> & Co\nLtd"
CYRILLIC = "ООО «Ромашка»"
PUNCT = "Tab\there; semi|pipe #1; `tick` {x} [y]"

NODES = [
    # id, schema, caption, members
    ("p1", "Person", NASTY, ["p1", "p1-dup"]),
    ("c1", "Company", MARKUP, ["c1"]),
    ("c2", "Company", CYRILLIC, ["c2"]),
    ("c3", "Company", PUNCT, ["c3"]),
    ("x1", "LegalEntity", "Isolated\x00 one", ["x1"]),
    ("pv", "Pivot:phone", "+1 555 0100", ["pv"]),
]

_EDGE_DEFAULTS: dict[str, Any] = {
    "kind": "link",
    "label": None,
    "start_date": None,
    "end_date": None,
    "percentage": None,
    "datasets": ["ds_a"],
    "statement_ids": [],
}

EDGES: list[dict[str, Any]] = [
    {
        "edge_id": "own1",
        "type": "Ownership",
        "source": "p1",
        "target": "c1",
        "source_member": "p1-dup",
        "label": "shareholder",
        "start_date": "2019",
        "end_date": "2021-06-30",
        "percentage": 25.5,
        "datasets": ["ds_a", "ds_b"],
        "statement_ids": ["s1", "s2"],
    },
    {
        # A parallel edge: a second ownership between the same two entities.
        "edge_id": "own2",
        "type": "Ownership",
        "source": "p1",
        "target": "c1",
        "percentage": 1 / 3,
        "statement_ids": ["s3"],
    },
    {
        "edge_id": "own3",
        "type": "Ownership",
        "source": "c1",
        "target": "c2",
        "label": '"beneficial" <owner> & co',
        "statement_ids": ["s4", "s'5"],
    },
    {
        "edge_id": "dir1",
        "type": "Directorship",
        "source": "p1",
        "target": "c2",
        "label": "director\nsince 2019",
        "start_date": "2019-03",
        "statement_ids": ["s6"],
    },
    {
        "edge_id": "c3",
        "kind": "reference",
        "type": "parent",
        "source": "c3",
        "target": "c2",
        "label": "parent",
        "statement_ids": ["s7"],
    },
    {
        "edge_id": "c3",
        "kind": "pivot",
        "type": "phone",
        "source": "c3",
        "target": "pv",
        "label": "phone",
        "statement_ids": ["s8"],
    },
    {
        # A reference to an entity that was never loaded: a stub node.
        "edge_id": "c2",
        "kind": "reference",
        "type": "UnknownLink",
        "source": "c2",
        "target": "ghost",
        "datasets": [],
        "statement_ids": ["s9"],
    },
]


def edge_rows() -> list[dict[str, Any]]:
    rows = []
    for edge in EDGES:
        row = {**_EDGE_DEFAULTS, **edge}
        row.setdefault("source_member", row["source"])
        row.setdefault("target_member", row["target"])
        rows.append(row)
    return rows


def make_graph() -> Graph:
    nodes = pa.table(
        {
            "id": [n[0] for n in NODES],
            "schema": [n[1] for n in NODES],
            "caption": [n[2] for n in NODES],
            "members": [n[3] for n in NODES],
        },
        schema=NODE_SCHEMA,
    )
    edges = pa.Table.from_pylist(edge_rows(), schema=EDGE_SCHEMA)
    return Graph.from_tables(nodes, edges)


def make_chain(n: int) -> Graph:
    """``n`` companies in a line, for the diagram size limits."""
    ids = [f"c{i}" for i in range(n)]
    nodes = pa.table(
        {
            "id": ids,
            "schema": ["Company"] * n,
            "caption": ids,
            "members": [[i] for i in ids],
        },
        schema=NODE_SCHEMA,
    )
    rows = [
        {**_EDGE_DEFAULTS, "edge_id": f"o{i}", "type": "Ownership", "source": a, "target": b}
        | {"source_member": a, "target_member": b}
        for i, (a, b) in enumerate(itertools.pairwise(ids))
    ]
    return Graph.from_tables(nodes, pa.Table.from_pylist(rows, schema=EDGE_SCHEMA))
