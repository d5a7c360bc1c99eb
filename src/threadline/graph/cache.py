"""The graph of a workspace, built from the store once and kept on disk under
``graph/`` until the data or the resolution changes. A key of the store's
generation and a checksum of the canonical ids says whether the saved graph
is current, so a judgement that splits a cluster rebuilds it and nothing
stale is ever answered."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from threadline.graph.extract import read_graph_tables
from threadline.graph.structure import Graph
from threadline.store.base import StatementStore


def graph_key(store: StatementStore, pivots: Sequence[str], mentions: bool = False) -> str:
    canonical = store.resolution().checksum() if store.has_resolution() else "none"
    text = f"{store.generation}|{canonical}|{','.join(sorted(pivots))}|{mentions}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def build_graph(store: StatementStore, pivots: Sequence[str] = (), mentions: bool = False) -> Graph:
    """Read nodes and edges from the store and build the graph (no caching)."""
    nodes, edges = read_graph_tables(store, pivots, mentions)
    return Graph.from_tables(nodes, edges)


def load_or_build(
    store: StatementStore,
    folder: Path,
    pivots: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
    mentions: bool = False,
) -> Graph:
    key = graph_key(store, pivots, mentions)
    name = "pivots-" + "-".join(sorted(pivots)) if pivots else "plain"
    if mentions:
        name += "-mentions"
    target = folder / name
    if Graph.saved_key(target) == key:
        return Graph.load(target)
    if progress:
        progress("building the link graph from the store")
    graph = build_graph(store, pivots, mentions)
    target.parent.mkdir(parents=True, exist_ok=True)
    graph.save(target, key)
    return graph
