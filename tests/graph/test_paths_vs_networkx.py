"""Traversals against networkx on random multigraphs: the same distances, the
same neighbourhoods, the same simple paths, and ownership shares equal to a
brute-force sum over networkx's simple paths. Every path returned must be
made of real edges that join its consecutive entities."""

from __future__ import annotations

import itertools
import math

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.graph import E, build
from threadline.graph.filters import EdgeFilter
from threadline.graph.ownership import owners
from threadline.graph.paths import Path, all_paths, neighbours, shortest_path
from threadline.graph.structure import Graph

TYPES = ["Ownership", "Directorship", "Payment"]


@st.composite
def random_graphs(draw: st.DrawFn) -> tuple[list[str], list[E]]:
    n = draw(st.integers(min_value=2, max_value=12))
    ids = [f"n{i:02d}" for i in range(n)]
    edge_specs = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, n - 1),
                st.sampled_from(TYPES),
                st.one_of(st.none(), st.integers(1, 100)),
            ),
            max_size=30,
        )
    )
    edges = [
        E(ids[a], ids[b], type=t, pct=None if p is None else float(p))
        for a, b, t, p in edge_specs
        if a != b
    ]
    return ids, edges


def as_graph(ids: list[str], edges: list[E]) -> Graph:
    return build(edges, nodes=[(i, "Company") for i in ids])


def nx_graph(ids: list[str], edges: list[E], types: set[str] | None = None) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_nodes_from(ids)
    for e in edges:
        if types is None or e.type in types:
            g.add_edge(e.source, e.target, type=e.type, pct=e.pct)
    return g


def assert_real_path(g: Graph, path: Path, flt: EdgeFilter) -> None:
    assert len(path.hops) == len(path.nodes) - 1
    for hop, a, b in zip(path.hops, path.nodes, path.nodes[1:], strict=False):
        assert (hop.source, hop.target) == (a, b)
        assert hop.edges, "a hop must cite at least one edge"
        for record in g.edge_records(hop.edges):
            ends = (record.source, record.target)
            a_id, b_id = g.node_ids[a], g.node_ids[b]
            if flt.direction == "out":
                assert ends == (a_id, b_id)
            elif flt.direction == "in":
                assert ends == (b_id, a_id)
            else:
                assert set(ends) == {a_id, b_id}
            if flt.types:
                assert record.type in flt.types
            assert record.statement_ids and record.datasets


@settings(max_examples=60, deadline=None)
@given(random_graphs(), st.sampled_from(["both", "out", "in"]), st.booleans())
def test_shortest_path_length_matches_networkx(
    case: tuple[list[str], list[E]], direction: str, typed: bool
) -> None:
    ids, edges = case
    flt = EdgeFilter.of(types=["Ownership"] if typed else None, direction=direction)  # type: ignore[arg-type]
    g = as_graph(ids, edges)
    ref = nx_graph(ids, edges, {"Ownership"} if typed else None)
    if direction == "both":
        ref = ref.to_undirected()
    elif direction == "in":
        ref = ref.reverse()
    source = ids[0]
    lengths = nx.single_source_shortest_path_length(ref, source)
    for target in ids:
        result = shortest_path(g, source, target, flt, max_depth=len(ids))
        if target in lengths:
            (path,) = result.paths
            assert path.length == lengths[target]
            assert g.node_ids[path.nodes[0]] == source and g.node_ids[path.nodes[-1]] == target
            assert_real_path(g, path, flt)
        else:
            assert result.paths == []


@settings(max_examples=60, deadline=None)
@given(random_graphs(), st.integers(1, 3))
def test_neighbours_match_networkx(case: tuple[list[str], list[E]], depth: int) -> None:
    ids, edges = case
    g = as_graph(ids, edges)
    ref = nx_graph(ids, edges).to_undirected()
    expected = nx.single_source_shortest_path_length(ref, ids[-1], cutoff=depth)
    hood = neighbours(g, ids[-1], depth, limit=None)
    assert {g.node_ids[n]: d for n, d in hood.depths.items()} == expected
    # Scratch arrays are reused between queries: a second look sees the same.
    for other in ids:
        neighbours(g, other, depth, limit=None)
    assert neighbours(g, ids[-1], depth, limit=None).depths == hood.depths
    for record in g.edge_records(hood.edges):
        assert record.source in expected and record.target in expected


@settings(max_examples=60, deadline=None)
@given(random_graphs(), st.integers(1, 4))
def test_all_simple_paths_match_networkx(case: tuple[list[str], list[E]], cutoff: int) -> None:
    ids, edges = case
    g = as_graph(ids, edges)
    simple = nx.Graph(nx_graph(ids, edges).to_undirected())
    source, target = ids[0], ids[-1]
    expected = {tuple(p) for p in nx.all_simple_paths(simple, source, target, cutoff=cutoff)}
    result = all_paths(g, source, target, max_depth=cutoff, limit=10_000)
    got = {tuple(g.node_ids[n] for n in p.nodes) for p in result.paths}
    assert got == expected
    assert not result.truncated
    for path in result.paths:
        assert_real_path(g, path, EdgeFilter())


def brute_force_shares(ids: list[str], edges: list[E], company: str) -> dict[str, float | None]:
    """Effective shares by networkx simple paths, written independently."""
    # Parallel edges: the latest start wins, stated beats unstated (all undated here).
    pct: dict[tuple[str, str], float | None] = {}
    for e in edges:
        if e.type != "Ownership":
            continue
        key = (e.source, e.target)
        if key not in pct or (pct[key] is None and e.pct is not None):
            pct[key] = e.pct
    owned = nx.DiGraph(list(pct))
    owned.add_nodes_from(ids)
    # the top: entities in a group of mutual holders (a strongly connected
    # component) that nobody outside the group holds
    above = nx.ancestors(owned, company)
    groups = nx.condensation(owned.subgraph(above | {company}))
    group_of = groups.graph["mapping"]
    out: dict[str, float | None] = {}
    for owner in ids:
        if owner == company or owner not in above or groups.in_degree(group_of[owner]):
            continue
        chains = list(nx.all_simple_paths(owned, owner, company))
        if not chains:
            continue
        known = [
            math.prod(pct[(a, b)] / 100 for a, b in itertools.pairwise(c))  # type: ignore[operator]
            for c in chains
            if all(pct[(a, b)] is not None for a, b in itertools.pairwise(c))
        ]
        out[owner] = 100 * sum(known) if known else None
    return out


@settings(max_examples=60, deadline=None)
@given(random_graphs())
def test_ultimate_owner_shares_match_brute_force(case: tuple[list[str], list[E]]) -> None:
    ids, edges = case
    g = as_graph(ids, edges)
    company = ids[0]
    result = owners(g, company)
    got = {g.node_ids[h.node]: h.share for h in result.holdings}
    expected = brute_force_shares(ids, edges, company)
    assert set(got) == set(expected)
    for owner, share in expected.items():
        if share is None:
            assert got[owner] is None
        else:
            assert math.isclose(got[owner] or 0.0, share, rel_tol=1e-6, abs_tol=1e-9)
