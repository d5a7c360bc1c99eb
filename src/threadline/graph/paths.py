"""Traversals: neighbours to depth k, the shortest path and all simple paths
between two entities. Every answer is a list of hops, and every hop cites the
real edges (with their sources) that connect its two entities.

Frontiers expand as whole numpy arrays through the CSR adjacency, so a hop
over thousands of nodes is a few vectorised operations, not a Python loop.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from threadline.errors import GraphError
from threadline.graph.filters import Direction, EdgeFilter
from threadline.graph.structure import UNSEEN, Graph, Scratch

Ints = NDArray[np.int64]
ROOT = -1
#: Longest path searched for by default: beyond six hops "connected" says little.
MAX_DEPTH = 6
#: the edge type of a document naming an entity (``--mentions``): weaker
#: than a link, so a path takes one only when no path of links will do
MENTION = "mention"


def _gather(ptr: Ints, index: NDArray[Any], nodes: Ints) -> tuple[Ints, Ints]:
    """The CSR slices of ``nodes``, concatenated: (owning node, edge) per entry."""
    starts = ptr[nodes]
    counts = ptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    offsets = np.cumsum(counts) - counts
    positions = np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, counts)
    return np.repeat(nodes, counts), index[positions].astype(np.int64)


def expand(
    graph: Graph,
    nodes: Ints,
    direction: Direction,
    edge_mask: NDArray[np.bool_] | None,
) -> tuple[Ints, Ints, Ints]:
    """Every edge leaving ``nodes`` the filter allows: (from, edge, to) arrays."""
    parts = []
    if direction in ("out", "both"):
        origin, edges = _gather(graph.out_ptr, graph.out_edges, nodes)
        parts.append((origin, edges, graph.dst[edges].astype(np.int64)))
    if direction in ("in", "both"):
        origin, edges = _gather(graph.in_ptr, graph.in_edges, nodes)
        parts.append((origin, edges, graph.src[edges].astype(np.int64)))
    origin = np.concatenate([p[0] for p in parts])
    edges = np.concatenate([p[1] for p in parts])
    other = np.concatenate([p[2] for p in parts])
    if edge_mask is not None and len(edges):
        keep = edge_mask[edges]
        origin, edges, other = origin[keep], edges[keep], other[keep]
    return origin, edges, other


def _reverse(direction: Direction) -> Direction:
    return {"out": "in", "in": "out", "both": "both"}[direction]  # type: ignore[return-value]


@dataclass
class Hop:
    """Two adjacent entities on a path and every edge that joins them."""

    source: int
    target: int
    edges: list[int]


@dataclass
class Path:
    nodes: list[int]
    hops: list[Hop]

    @property
    def length(self) -> int:
        return len(self.hops)


@dataclass
class Neighbourhood:
    center: int
    #: node index -> depth (0 for the center)
    depths: dict[int, int]
    edges: list[int]
    truncated: bool = False


@dataclass
class PathResult:
    source: int
    target: int
    paths: list[Path] = field(default_factory=list)
    truncated: bool = False


def hop_edges(
    graph: Graph, a: int, b: int, flt: EdgeFilter, mask: NDArray[np.bool_] | None
) -> list[int]:
    """All edges between ``a`` and ``b`` a traversal in ``flt.direction`` may use."""
    _, edges, other = expand(graph, np.array([a], dtype=np.int64), flt.direction, mask)
    return sorted({int(e) for e in edges[other == b].tolist()})


def neighbours(
    graph: Graph,
    entity_id: str,
    depth: int = 1,
    flt: EdgeFilter | None = None,
    limit: int | None = 1000,
) -> Neighbourhood:
    """Entities within ``depth`` hops, breadth first, and the edges followed.
    With ``limit``, stops after that many entities and says so."""
    if depth < 1:
        raise GraphError(f"depth must be at least 1, not {depth}")
    flt = flt or EdgeFilter()
    mask = flt.edge_mask(graph)
    allowed = flt.node_mask(graph)
    center = graph.node(entity_id)
    with graph.scratch() as scratch:
        return _breadth_first(graph, scratch, center, depth, flt, mask, allowed, limit)


def _breadth_first(
    graph: Graph,
    scratch: Scratch,
    center: int,
    depth: int,
    flt: EdgeFilter,
    mask: NDArray[np.bool_] | None,
    allowed: NDArray[np.bool_] | None,
    limit: int | None,
) -> Neighbourhood:
    seen = scratch.dist[0]
    start = np.array([center], dtype=np.int64)
    scratch.touched.append(start)
    seen[center] = 0
    depths = {center: 0}
    edges: list[Ints] = []
    frontier = start
    truncated = False
    for level in range(1, depth + 1):
        origin, found, other = expand(graph, frontier, flt.direction, mask)
        if allowed is not None:
            keep = allowed[other]
            origin, found, other = origin[keep], found[keep], other[keep]
        fresh_mask = seen[other] < 0
        fresh, first = np.unique(other[fresh_mask], return_index=True)
        # Keep breadth-first discovery order, so a limit cuts the farthest.
        fresh = other[fresh_mask][np.sort(first)]
        if limit is not None and len(depths) + len(fresh) > limit:
            fresh = fresh[: max(limit - len(depths), 0)]
            truncated = True
        scratch.touched.append(fresh)
        seen[fresh] = level
        depths.update(dict.fromkeys(fresh.tolist(), level))
        inside = seen[other] >= 0
        edges.append(found[inside])
        frontier = fresh
        if truncated or not len(frontier):
            break
    all_edges = np.unique(np.concatenate(edges)) if edges else np.empty(0, dtype=np.int64)
    return Neighbourhood(center, depths, all_edges.tolist(), truncated)


def _path_from(graph: Graph, parent: Ints, node: int) -> list[int]:
    """Walk parent edges from ``node`` back to the root; returns the nodes."""
    nodes = [node]
    while parent[node] != ROOT:
        edge = int(parent[node])
        src, dst = int(graph.src[edge]), int(graph.dst[edge])
        node = dst if src == node else src
        nodes.append(node)
    return nodes


def shortest_path(
    graph: Graph,
    source_id: str,
    target_id: str,
    flt: EdgeFilter | None = None,
    max_depth: int = MAX_DEPTH,
) -> PathResult:
    """One shortest path (fewest hops) by bidirectional breadth-first search;
    no paths in the result when none is within ``max_depth`` hops.

    Links come first: when mention edges are in the graph (``--mentions``),
    the shortest path of links alone is the answer whenever there is one
    within ``max_depth``, however much shorter a path through a document
    naming both would be; only when links alone do not connect the two is
    the shortest path through mentions given. Its hops still cite every
    edge they may use, mentions included."""
    flt = flt or EdgeFilter()
    mask = flt.edge_mask(graph)
    allowed = flt.node_mask(graph)
    source, target = graph.node(source_id), graph.node(target_id)
    result = PathResult(source, target)
    if source == target:
        result.paths.append(Path([source], []))
        return result
    firm = _links_only(graph, flt, mask)
    if firm is not None:
        with graph.scratch() as scratch:
            found = _bidirectional(
                graph, scratch, source, target, flt, firm, allowed, max_depth, cite=mask
            )
        if found.paths:
            return found
    with graph.scratch() as scratch:
        return _bidirectional(
            graph, scratch, source, target, flt, mask, allowed, max_depth, cite=mask
        )


def _follows_mentions(graph: Graph, flt: EdgeFilter) -> bool:
    """Whether the graph holds mention edges and the filter lets them through."""
    if MENTION not in graph.type_names or MENTION in flt.exclude_types:
        return False
    return not flt.types or MENTION in flt.types


def _links_only(
    graph: Graph, flt: EdgeFilter, mask: NDArray[np.bool_] | None
) -> NDArray[np.bool_] | None:
    """``mask`` without the mention edges; None when it has none to drop."""
    if not _follows_mentions(graph, flt):
        return None
    key = ("links-only", flt.types, flt.exclude_types, flt.datasets, flt.as_of)

    def build() -> NDArray[np.bool_]:
        firm = np.ones(graph.edge_count, dtype=bool) if mask is None else mask.copy()
        for code in graph.type_codes([MENTION]):
            firm &= graph.etype != code
        return firm

    return graph.cached_mask(key, build)


def weak_hops(graph: Graph, path: Path) -> int:
    """Hops of ``path`` that only a mention makes (no link joins the two)."""
    codes = set(graph.type_codes([MENTION]))
    if not codes:
        return 0
    return sum(
        1 for hop in path.hops if hop.edges and all(int(graph.etype[e]) in codes for e in hop.edges)
    )


def _bidirectional(
    graph: Graph,
    scratch: Scratch,
    source: int,
    target: int,
    flt: EdgeFilter,
    mask: NDArray[np.bool_] | None,
    allowed: NDArray[np.bool_] | None,
    max_depth: int,
    cite: NDArray[np.bool_] | None,
) -> PathResult:
    """``cite``: the edges a hop lists (those it may follow, or more)."""
    result = PathResult(source, target)
    parents, dist = scratch.parents, scratch.dist
    ends = np.array([source, target], dtype=np.int64)
    scratch.touched.append(ends)
    parents[0][source] = ROOT
    parents[1][target] = ROOT
    dist[0][source] = 0
    dist[1][target] = 0
    frontiers = [ends[:1], ends[1:]]
    directions = (flt.direction, _reverse(flt.direction))
    levels = [0, 0]
    while levels[0] + levels[1] < max_depth and len(frontiers[0]) and len(frontiers[1]):
        # Grow the side with fewer edges to follow: the search stays small
        # around hubs.
        cost = [
            int(
                (graph.out_ptr[f + 1] - graph.out_ptr[f]).sum()
                + (graph.in_ptr[f + 1] - graph.in_ptr[f]).sum()
            )
            for f in frontiers
        ]
        side = 0 if cost[0] <= cost[1] else 1
        _, found, other = expand(graph, frontiers[side], directions[side], mask)
        if allowed is not None:
            keep = allowed[other] | (other == (target if side == 0 else source))
            found, other = found[keep], other[keep]
        fresh_mask = parents[side][other] == UNSEEN
        fresh, first = np.unique(other[fresh_mask], return_index=True)
        scratch.touched.append(fresh)
        parents[side][fresh] = found[fresh_mask][first]
        levels[side] += 1
        dist[side][fresh] = levels[side]
        frontiers[side] = fresh
        met = fresh[dist[1 - side][fresh] >= 0]
        if len(met):
            # Through the meeting node nearest the other end: the shortest.
            best = int(met[np.argmin(dist[1 - side][met])])
            head = _path_from(graph, parents[0], best)[::-1]
            tail = _path_from(graph, parents[1], best)[1:]
            result.paths.append(_with_hops(graph, head + tail, flt, cite))
            return result
    return result


def _with_hops(
    graph: Graph, nodes: list[int], flt: EdgeFilter, mask: NDArray[np.bool_] | None
) -> Path:
    hops = [Hop(a, b, hop_edges(graph, a, b, flt, mask)) for a, b in itertools.pairwise(nodes)]
    return Path(nodes, hops)


def all_paths(
    graph: Graph,
    source_id: str,
    target_id: str,
    max_depth: int = 4,
    flt: EdgeFilter | None = None,
    limit: int = 100,
) -> PathResult:
    """Every simple path (no entity twice) of at most ``max_depth`` hops,
    shortest first; parallel edges between two entities are one hop citing
    them all. Stops at ``limit`` paths and says so. With mention edges,
    paths of links come first: ordered by the hops only a mention makes,
    then by length."""
    if max_depth < 1:
        raise GraphError(f"max depth must be at least 1, not {max_depth}")
    flt = flt or EdgeFilter()
    mask = flt.edge_mask(graph)
    allowed = flt.node_mask(graph)
    source, target = graph.node(source_id), graph.node(target_id)
    result = PathResult(source, target)
    # Distance of every node near the target (walking back): a branch that
    # cannot reach the target within the hops left is never entered.
    to_target = {target: 0}
    frontier = np.array([target], dtype=np.int64)
    back = _reverse(flt.direction)
    for level in range(1, max_depth):
        _, _, other = expand(graph, frontier, back, mask)
        fresh = [o for o in np.unique(other).tolist() if o not in to_target]
        if allowed is not None:
            fresh = [o for o in fresh if allowed[o] or o == source]
        to_target.update(dict.fromkeys(fresh, level))
        frontier = np.array(fresh, dtype=np.int64)
        if not fresh:
            break
    neighbours_of: dict[int, list[int]] = {}

    def step(node: int) -> list[int]:
        if node not in neighbours_of:
            _, _, other = expand(graph, np.array([node], dtype=np.int64), flt.direction, mask)
            neighbours_of[node] = sorted(set(other.tolist()))
        return neighbours_of[node]

    found: list[list[int]] = []
    trail = [source]
    on_trail = {source}

    def walk(node: int) -> bool:
        if node == target:
            found.append(list(trail))
            return len(found) >= limit
        left = max_depth - (len(trail) - 1)
        for nxt in step(node):
            if nxt in on_trail or to_target.get(nxt, max_depth + 1) > left - 1:
                continue
            trail.append(nxt)
            on_trail.add(nxt)
            stop = walk(nxt)
            trail.pop()
            on_trail.discard(nxt)
            if stop:
                return True
        return False

    result.truncated = walk(source)
    found.sort(key=lambda p: (len(p), p))
    result.paths = [_with_hops(graph, nodes, flt, mask) for nodes in found]
    if _follows_mentions(graph, flt):
        # stable: among paths as weak as each other, shortest first as before
        result.paths.sort(key=lambda path: weak_hops(graph, path))
    return result
