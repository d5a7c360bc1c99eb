"""Whole-graph analytics: connected components, centrality (degree,
betweenness, PageRank) and communities (Leiden, Louvain), computed by igraph
over the link graph or a filtered / induced part of it.

An analyst asks these questions about *relationships between entities*, not
about how many records state them, so every measure here runs on the simple
graph behind the multigraph:

* parallel edges between two entities (the same ownership from three
  sources, a directorship and a shareholding) collapse into one link, so a
  relationship reported often does not look stronger or more central than
  one reported once; links are unweighted;
* self-loops are dropped: a link from an entity to itself connects nothing;
* ``flt.direction`` decides whether links have a direction. ``"both"`` (the
  default) treats them as undirected; ``"out"`` follows them as stated
  (owner -> company); ``"in"`` follows them backwards (company -> owner).
  Components are always weak and communities always undirected, whatever
  the direction;
* ``flt``'s edge types, datasets and date drop edges; its schemata and the
  ``nodes`` argument keep only those entities, and the analysis runs on the
  subgraph they induce (every other entity and its links are left out, as
  if absent from the data).

The simple graph is built with numpy (one sort of the edge keys) and handed
to igraph as one edge array. Copying it into igraph costs about two
microseconds per distinct link (~15-20 s for 10M); on 300k entities and 1.5M
edges (two shared cores) components take 2 s, PageRank 4 s, Louvain 4 s and
Leiden 9 s.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import igraph
import numpy as np
from numpy.typing import NDArray

from threadline.errors import GraphError
from threadline.graph.filters import Direction, EdgeFilter
from threadline.graph.structure import Graph

Ints = NDArray[np.int64]
NodeSet = Sequence[int] | NDArray[np.integer[Any]]

Measure = Literal["degree", "betweenness", "pagerank"]
MEASURES: tuple[Measure, ...] = ("degree", "betweenness", "pagerank")
Method = Literal["leiden", "louvain"]
METHODS: tuple[Method, ...] = ("leiden", "louvain")

#: Exact betweenness costs about nodes x links steps: tens of seconds at this
#: size on a sparse graph, days at a million. Above it a cutoff is required.
EXACT_BETWEENNESS_LIMIT = 10_000
#: PageRank's damping factor: the usual 0.85 (a 15% chance to jump anywhere).
DAMPING = 0.85
#: Members listed per component or community in ``to_dict``, and groups listed.
MEMBERS_SHOWN = 100
GROUPS_SHOWN = 100

# igraph draws random numbers from one process-wide generator; seeding it for
# a run must not interleave with another thread's run.
_RNG_LOCK = threading.Lock()


# -- the simple graph analysed --------------------------------------------------


def _distinct(keys: Ints) -> Ints:
    """The distinct values, ascending, by a sort and a shift: ``np.unique``
    (numpy 2.4) hashes first, ~50 times slower on a million keys."""
    keys = np.sort(keys)
    if len(keys):
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return keys


@dataclass
class _View:
    """The simple graph an analysis runs on, over local node numbers 0..k-1."""

    #: Graph index of each local node (ascending).
    nodes: Ints
    #: Distinct links, no self-loops; for an undirected view ``src < dst``.
    src: Ints
    dst: Ints
    directed: bool

    @property
    def size(self) -> int:
        return len(self.nodes)

    def degree(self) -> Ints:
        """Distinct neighbours of each local node, either direction."""
        src, dst = self.src, self.dst
        if self.directed:
            # A pair linked both ways is two directed links but one neighbour.
            k = max(self.size, 1)
            key = _distinct(np.minimum(src, dst) * k + np.maximum(src, dst))
            src, dst = key // k, key % k
        both = np.bincount(src, minlength=self.size) + np.bincount(dst, minlength=self.size)
        return both.astype(np.int64)

    def igraph(self) -> Any:
        edges = np.column_stack((self.src, self.dst))
        return igraph.Graph(n=self.size, edges=edges, directed=self.directed)


def _selected(graph: Graph, flt: EdgeFilter, nodes: NodeSet | None) -> NDArray[np.bool_] | None:
    """Which nodes the analysis keeps; None for all of them."""
    keep = flt.node_mask(graph)
    if nodes is not None:
        wanted = np.asarray(nodes, dtype=np.int64).ravel()
        if len(wanted) and (wanted.min() < 0 or wanted.max() >= graph.node_count):
            raise GraphError(
                f"node index out of range (the graph has {graph.node_count} nodes); "
                "pass indices from Graph.node()"
            )
        chosen = np.zeros(graph.node_count, dtype=bool)
        chosen[wanted] = True
        keep = chosen if keep is None else keep & chosen
    return keep


def _view(
    graph: Graph,
    flt: EdgeFilter | None,
    nodes: NodeSet | None,
    directed: bool,
) -> _View:
    flt = flt or EdgeFilter()
    edges = flt.edge_mask(graph)
    keep = _selected(graph, flt, nodes)
    src = graph.src.astype(np.int64)
    dst = graph.dst.astype(np.int64)
    use = src != dst
    if edges is not None:
        use &= edges
    if keep is None:
        chosen = np.arange(graph.node_count, dtype=np.int64)
        src, dst = src[use], dst[use]
    else:
        use &= keep[src] & keep[dst]
        chosen = np.flatnonzero(keep).astype(np.int64)
        local = np.full(graph.node_count, -1, dtype=np.int64)
        local[chosen] = np.arange(len(chosen), dtype=np.int64)
        src, dst = local[src[use]], local[dst[use]]
    if directed and flt.direction == "in":
        src, dst = dst, src
    if not directed:
        src, dst = np.minimum(src, dst), np.maximum(src, dst)
    # One sort of the pair keys collapses parallel edges and fixes the link
    # order, so igraph sees the same graph whatever order edges were stored in.
    k = max(len(chosen), 1)
    key = _distinct(src * k + dst)
    return _View(chosen, key // k, key % k, directed)


# -- results --------------------------------------------------------------------


def _entity(graph: Graph, node: int) -> dict[str, Any]:
    return {
        "id": graph.node_ids[node],
        "caption": graph.captions[node],
        "schema": graph.schema_of(node),
    }


@dataclass
class Group:
    """A component or community: its member node indices, most connected
    (distinct neighbours inside the analysed graph) first, then by index."""

    members: Ints

    @property
    def size(self) -> int:
        return len(self.members)

    def to_dict(self, graph: Graph, shown: int = MEMBERS_SHOWN) -> dict[str, Any]:
        return {
            "size": self.size,
            "members": [_entity(graph, int(i)) for i in self.members[:shown].tolist()],
            "truncated": self.size > shown,
        }


@dataclass
class Components:
    """Weakly connected components of at least ``min_size`` entities, largest
    first. ``membership`` numbers every graph node's component in that order
    (-1 for a node outside the analysis); numbers past ``len(groups)`` are
    components below ``min_size``."""

    groups: list[Group]
    membership: Ints
    #: Components of any size, singletons included.
    total: int
    node_count: int
    link_count: int
    min_size: int

    def to_dict(
        self, graph: Graph, shown: int = GROUPS_SHOWN, members: int = MEMBERS_SHOWN
    ) -> dict[str, Any]:
        return {
            "node_count": self.node_count,
            "link_count": self.link_count,
            "component_count": self.total,
            "min_size": self.min_size,
            "listed": len(self.groups),
            "components": [g.to_dict(graph, members) for g in self.groups[:shown]],
            "truncated": len(self.groups) > shown,
        }


@dataclass
class Score:
    node: int
    score: float


@dataclass
class Centrality:
    """The ``top`` entities by a centrality measure, highest first (ties by
    node index)."""

    measure: Measure
    direction: Direction
    cutoff: int | None
    scores: list[Score]
    node_count: int
    link_count: int

    def to_dict(self, graph: Graph) -> dict[str, Any]:
        def value(score: float) -> float | int:
            return int(score) if self.measure == "degree" else score

        return {
            "measure": self.measure,
            "direction": self.direction,
            "cutoff": self.cutoff,
            "node_count": self.node_count,
            "link_count": self.link_count,
            "results": [{**_entity(graph, s.node), "score": value(s.score)} for s in self.scores],
        }


@dataclass
class Communities:
    """Communities of at least ``min_size`` entities, largest first.
    ``modularity`` is the classic (resolution 1) modularity of the whole
    partition, so it compares across resolutions; None without links.
    ``membership`` is numbered as in :class:`Components`."""

    method: Method
    resolution: float
    seed: int
    modularity: float | None
    groups: list[Group]
    membership: Ints
    total: int
    node_count: int
    link_count: int
    min_size: int

    def to_dict(
        self, graph: Graph, shown: int = GROUPS_SHOWN, members: int = MEMBERS_SHOWN
    ) -> dict[str, Any]:
        return {
            "method": self.method,
            "resolution": self.resolution,
            "seed": self.seed,
            "modularity": self.modularity,
            "node_count": self.node_count,
            "link_count": self.link_count,
            "community_count": self.total,
            "min_size": self.min_size,
            "listed": len(self.groups),
            "communities": [g.to_dict(graph, members) for g in self.groups[:shown]],
            "truncated": len(self.groups) > shown,
        }


def _groups(
    view: _View, labels: Ints, min_size: int, graph: Graph
) -> tuple[list[Group], Ints, int]:
    """Renumber ``labels`` (one per local node) largest group first, ties by
    lowest member; split the members out, most connected first."""
    if not view.size:
        return [], np.full(graph.node_count, -1, dtype=np.int64), 0
    found, first, inverse, sizes = np.unique(
        labels, return_index=True, return_inverse=True, return_counts=True
    )
    order = np.lexsort((first, -sizes))
    rank = np.empty(len(found), dtype=np.int64)
    rank[order] = np.arange(len(found), dtype=np.int64)
    number = rank[inverse.ravel()]
    degree = view.degree()
    local = np.arange(view.size, dtype=np.int64)
    by_group = np.lexsort((local, -degree, number))
    counts = sizes[order]
    listed = int(np.searchsorted(-counts, -min_size, side="right"))
    bounds = np.cumsum(counts)[:listed]
    starts = np.concatenate(([0], bounds[:-1])) if listed else bounds
    groups = [
        Group(view.nodes[by_group[a:b]])
        for a, b in zip(starts.tolist(), bounds.tolist(), strict=True)
    ]
    membership = np.full(graph.node_count, -1, dtype=np.int64)
    membership[view.nodes] = number
    return groups, membership, len(found)


# -- components -----------------------------------------------------------------


def components(
    graph: Graph,
    flt: EdgeFilter | None = None,
    nodes: NodeSet | None = None,
    min_size: int = 2,
) -> Components:
    """Weakly connected components (links followed either way), largest first.
    Isolated entities are components of one, listed only with ``min_size=1``."""
    if min_size < 1:
        raise GraphError(f"min size must be at least 1, not {min_size}")
    view = _view(graph, flt, nodes, directed=False)
    labels = np.asarray(view.igraph().connected_components(mode="weak").membership, np.int64)
    groups, membership, total = _groups(view, labels, min_size, graph)
    return Components(groups, membership, total, view.size, len(view.src), min_size)


# -- centrality -----------------------------------------------------------------


def centrality(
    graph: Graph,
    measure: Measure,
    flt: EdgeFilter | None = None,
    nodes: NodeSet | None = None,
    top: int | None = 20,
    cutoff: int | None = None,
    exact_limit: int = EXACT_BETWEENNESS_LIMIT,
) -> Centrality:
    """The ``top`` entities (all with None) by ``measure``:

    * ``degree``: how many distinct entities an entity links to (in
      ``flt.direction``: out = successors, in = predecessors), however many
      edges state each link;
    * ``betweenness``: over ordered pairs of other entities, the share of
      their shortest paths through the entity, summed and divided by the
      (n-1)(n-2) pairs, as networkx normalises it, so it lies in 0-1. With
      ``cutoff`` only paths of at most that many links count: an estimate
      that ranks local brokers, feasible on a large graph. Exact betweenness
      above ``exact_limit`` entities raises :class:`GraphError`;
    * ``pagerank``: the share of time a random walk along the links (damping
      0.85, dangling entities jumping anywhere) spends at the entity; sums
      to 1 over the analysed entities.
    """
    if measure not in MEASURES:
        raise GraphError(f"unknown centrality measure {measure!r}; use {', '.join(MEASURES)}")
    if top is not None and top < 1:
        raise GraphError(f"top must be at least 1, not {top}")
    if cutoff is not None and measure != "betweenness":
        raise GraphError("a cutoff applies to betweenness only")
    if cutoff is not None and cutoff < 1:
        raise GraphError(f"cutoff must be at least 1 link, not {cutoff}")
    direction = (flt or EdgeFilter()).direction
    directed = direction != "both"
    view = _view(graph, flt, nodes, directed=directed)
    n = view.size
    if measure == "degree":
        if not directed:
            scores = view.degree().astype(np.float64)
        else:
            scores = np.bincount(view.src, minlength=n).astype(np.float64)
    elif measure == "betweenness":
        if cutoff is None and n > exact_limit:
            raise GraphError(
                f"exact betweenness over {n:,} entities would take too long (the limit is "
                f"{exact_limit:,}): narrow the analysis to a subgraph (a component, a "
                "community, an edge type or dataset filter) or give a path-length cutoff "
                "(--cutoff 3 counts only paths of up to three links)"
            )
        raw = np.asarray(view.igraph().betweenness(directed=directed, cutoff=cutoff), np.float64)
        # igraph counts each unordered pair once on undirected links; networkx
        # (and the 0-1 reading) counts ordered pairs over (n-1)(n-2).
        scale = (1.0 if directed else 2.0) / ((n - 1) * (n - 2)) if n > 2 else 0.0
        scores = raw * scale
    else:
        scores = np.asarray(view.igraph().pagerank(directed=directed, damping=DAMPING), np.float64)
    local = np.arange(n, dtype=np.int64)
    order = np.lexsort((local, -scores))
    if top is not None:
        order = order[:top]
    ranked = [Score(int(view.nodes[i]), float(scores[i])) for i in order.tolist()]
    return Centrality(measure, direction, cutoff, ranked, n, len(view.src))


# -- communities ----------------------------------------------------------------


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """igraph's random numbers from a private generator seeded with ``seed``,
    so a run is repeatable and Python's global ``random`` state is untouched."""
    with _RNG_LOCK:
        igraph.set_random_number_generator(random.Random(seed))
        try:
            yield
        finally:
            # igraph's default: the ``random`` module.
            igraph.set_random_number_generator(random)


def communities(
    graph: Graph,
    flt: EdgeFilter | None = None,
    nodes: NodeSet | None = None,
    method: Method = "leiden",
    resolution: float = 1.0,
    seed: int = 0,
    min_size: int = 2,
) -> Communities:
    """Groups of entities more linked among themselves than to the rest,
    largest first, by maximising modularity over undirected, unweighted
    links (Leiden, iterated until no move improves it, or Louvain: faster,
    slightly lower modularity, and communities may be internally
    disconnected, which Leiden rules out). Higher ``resolution``
    gives more, smaller communities. The same ``seed`` gives the same answer.
    Unlinked entities are communities of one, listed only with ``min_size=1``."""
    if method not in METHODS:
        raise GraphError(f"unknown community method {method!r}; use {', '.join(METHODS)}")
    if not resolution > 0:
        raise GraphError(f"resolution must be positive, not {resolution}")
    if min_size < 1:
        raise GraphError(f"min size must be at least 1, not {min_size}")
    view = _view(graph, flt, nodes, directed=False)
    ig = view.igraph()
    with _seeded(seed):
        if method == "leiden":
            # Modularity, not igraph's default CPM objective (which at
            # resolution 1 leaves every entity alone); -1 iterates until stable.
            found = ig.community_leiden(
                objective_function="modularity", resolution=resolution, n_iterations=-1
            )
        else:
            found = ig.community_multilevel(resolution=resolution)
    labels = np.asarray(found.membership, dtype=np.int64)
    modularity = float(ig.modularity(labels.tolist())) if len(view.src) else None
    groups, membership, total = _groups(view, labels, min_size, graph)
    return Communities(
        method,
        resolution,
        seed,
        modularity,
        groups,
        membership,
        total,
        view.size,
        len(view.src),
        min_size,
    )
