"""Small link graphs for the analytics tests, built two ways: as a Threadline
:class:`Graph` (through ``Graph.from_tables``, as the store would) and as the
networkx graph the analytics documentation says is equivalent (parallel
edges collapsed, self-loops dropped, edges reversed for direction "in")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import networkx as nx
import pyarrow as pa
from hypothesis import strategies as st

from threadline.graph.structure import Graph
from threadline.model.links import EDGE_SCHEMA, NODE_SCHEMA

#: (source index, target index, edge type)
Edge = tuple[int, int, str]

TYPES = ("Ownership", "Directorship", "Payment")


def node_id(i: int) -> str:
    return f"e{i:03d}"


def build(
    n: int,
    edges: Sequence[Edge],
    schemata: Sequence[str] | None = None,
    datasets: Sequence[str] | None = None,
) -> Graph:
    """A graph of ``n`` entities (node index i is entity ``node_id(i)``, so
    indices match networkx node labels) and the given typed edges."""
    schemata = schemata or ["Company"] * n
    nodes = pa.table(
        {
            "id": [node_id(i) for i in range(n)],
            "schema": list(schemata),
            "caption": [f"Entity {i}" for i in range(n)],
            "members": [[node_id(i)] for i in range(n)],
        },
        schema=NODE_SCHEMA,
    )
    m = len(edges)
    ds = list(datasets) if datasets is not None else ["test"] * m
    rows = {
        "edge_id": [f"link{k}" for k in range(m)],
        "kind": ["link"] * m,
        "type": [t for _, _, t in edges],
        "source": [node_id(a) for a, _, _ in edges],
        "target": [node_id(b) for _, b, _ in edges],
        "source_member": [node_id(a) for a, _, _ in edges],
        "target_member": [node_id(b) for _, b, _ in edges],
        "label": [None] * m,
        "start_date": [None] * m,
        "end_date": [None] * m,
        "percentage": [None] * m,
        "datasets": [[d] for d in ds],
        "statement_ids": [[f"s{k}"] for k in range(m)],
    }
    return Graph.from_tables(nodes, pa.table(rows, schema=EDGE_SCHEMA))


def to_networkx(
    n: int,
    edges: Iterable[Edge],
    direction: str = "both",
    types: Sequence[str] | None = None,
    nodes: Iterable[int] | None = None,
) -> nx.Graph | nx.DiGraph:
    """The simple graph the analytics module documents it analyses."""
    g: nx.Graph | nx.DiGraph = nx.Graph() if direction == "both" else nx.DiGraph()
    keep = set(range(n)) if nodes is None else set(nodes)
    g.add_nodes_from(sorted(keep))
    for a, b, t in edges:
        if a == b or a not in keep or b not in keep or (types is not None and t not in types):
            continue
        g.add_edge(*((b, a) if direction == "in" else (a, b)))
    return g


@st.composite
def multigraphs(
    draw: st.DrawFn, max_nodes: int = 10, max_edges: int = 25
) -> tuple[int, list[Edge]]:
    """A small directed multigraph: parallel edges, both-way pairs, self-loops
    and isolated entities all occur."""
    n = draw(st.integers(1, max_nodes))
    node = st.integers(0, n - 1)
    edges = draw(st.lists(st.tuples(node, node, st.sampled_from(TYPES)), max_size=max_edges))
    return n, edges


def cliques(size: int = 5) -> tuple[int, list[Edge]]:
    """Two cliques of ``size`` entities (0..size-1 and size..2size-1), each
    pair linked by two parallel edges, and one edge between the cliques."""
    edges: list[Edge] = []
    for base in (0, size):
        for a in range(base, base + size):
            for b in range(a + 1, base + size):
                edges += [(a, b, "Ownership"), (b, a, "Directorship")]
    edges.append((size - 1, size, "Payment"))
    return 2 * size, edges
