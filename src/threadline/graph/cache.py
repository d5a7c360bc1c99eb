"""The graph of a workspace, built from the store once and kept on disk under
``graph/`` until the data or the resolution changes. A key of the store's
generation and a checksum of the canonical ids says whether the saved graph
is current, so a judgement that splits a cluster rebuilds it and nothing
stale is ever answered."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from threadline.graph.extract import pivot_nodes, read_edges, read_nodes
from threadline.graph.structure import Graph


def graph_key(con: duckdb.DuckDBPyConnection, generation: int, pivots: Sequence[str]) -> str:
    has_canonical = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'canonical'"
    ).fetchall()[0][0]
    canonical = "none"
    if has_canonical:
        count, checksum = con.execute(
            "SELECT count(*), coalesce(bit_xor(hash(entity_id || '|' || canonical_id)), 0) "
            "FROM canonical"
        ).fetchall()[0]
        canonical = f"{count}:{checksum}"
    text = f"{generation}|{canonical}|{','.join(sorted(pivots))}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def build_graph(con: duckdb.DuckDBPyConnection, pivots: Sequence[str] = ()) -> Graph:
    """Read nodes and edges from the store and build the graph (no caching)."""
    edges = read_edges(con, pivots)
    nodes = read_nodes(con)
    if pivots:
        nodes = pa.concat_tables([nodes, pivot_nodes(edges)])
    return Graph.from_tables(nodes, edges)


def load_or_build(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    generation: int,
    pivots: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> Graph:
    key = graph_key(con, generation, pivots)
    name = "pivots-" + "-".join(sorted(pivots)) if pivots else "plain"
    target = folder / name
    if Graph.saved_key(target) == key:
        return Graph.load(target)
    if progress:
        progress("building the link graph from the store")
    graph = build_graph(con, pivots)
    target.parent.mkdir(parents=True, exist_ok=True)
    graph.save(target, key)
    return graph
