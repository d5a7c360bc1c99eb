"""Graph analytics against networkx on the equivalent simple graph: random
small multigraphs for components and centrality, two cliques for
communities, plus filters, subgraphs, limits and the JSON shape."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from networkx.algorithms.community import modularity as nx_modularity

from tests.helpers.analytics import TYPES, Edge, build, cliques, multigraphs, node_id, to_networkx
from threadline.errors import GraphError
from threadline.graph.analytics import (
    MEASURES,
    METHODS,
    Centrality,
    Measure,
    Method,
    centrality,
    communities,
    components,
)
from threadline.graph.filters import DIRECTIONS, Direction, EdgeFilter

SETTINGS = settings(max_examples=60, deadline=None)
directions = st.sampled_from(DIRECTIONS)
measures = st.sampled_from(MEASURES)
methods = st.sampled_from(METHODS)


def scores_of(result: Centrality) -> dict[int, float]:
    return {s.node: s.score for s in result.scores}


def brute_betweenness(g: nx.Graph, cutoff: int) -> dict[int, float]:
    """Betweenness from every shortest path of at most ``cutoff`` links,
    over ordered pairs, normalised by (n-1)(n-2) as networkx does."""
    n = len(g)
    total = dict.fromkeys(g, 0.0)
    for s, t in itertools.permutations(g, 2):
        if not nx.has_path(g, s, t) or nx.shortest_path_length(g, s, t) > cutoff:
            continue
        paths = list(nx.all_shortest_paths(g, s, t))
        for path in paths:
            for v in path[1:-1]:
                total[v] += 1 / len(paths)
    scale = 1 / ((n - 1) * (n - 2)) if n > 2 else 0.0
    return {v: x * scale for v, x in total.items()}


# -- components -----------------------------------------------------------------


@SETTINGS
@given(multigraphs(), st.integers(1, 3))
def test_components_are_networkx_weak_components(
    case: tuple[int, list[Edge]], min_size: int
) -> None:
    n, edges = case
    graph = build(n, edges)
    result = components(graph, min_size=min_size)
    expected = [set(c) for c in nx.weakly_connected_components(to_networkx(n, edges, "out"))]
    assert result.total == len(expected)
    wanted = sorted((c for c in expected if len(c) >= min_size), key=lambda c: (-len(c), min(c)))
    assert [set(g.members.tolist()) for g in result.groups] == wanted
    # Largest first, and membership numbers match the listed order.
    for number, group in enumerate(result.groups):
        assert group.size == len(group.members)
        assert (result.membership[group.members] == number).all()
    assert (result.membership >= 0).all()
    assert result.node_count == n


def test_components_members_most_connected_first_and_capped() -> None:
    # A star: the hub (node 3) leads its component's member list.
    n = 130
    graph = build(n, [(3, i, "Ownership") for i in range(n) if i != 3])
    result = components(graph)
    assert len(result.groups) == 1
    assert result.groups[0].members[0] == 3
    assert result.groups[0].members[1:].tolist() == [i for i in range(n) if i != 3]
    data = result.to_dict(graph)
    group = data["components"][0]
    assert group["size"] == n and group["truncated"] is True
    assert len(group["members"]) == 100
    assert group["members"][0] == {"id": node_id(3), "caption": "Entity 3", "schema": "Company"}
    assert data["component_count"] == 1 and data["truncated"] is False


# -- centrality -----------------------------------------------------------------


@SETTINGS
@given(multigraphs(), directions)
def test_degree_counts_distinct_neighbours(
    case: tuple[int, list[Edge]], direction: Direction
) -> None:
    n, edges = case
    graph = build(n, edges)
    result = centrality(graph, "degree", EdgeFilter(direction=direction), top=None)
    g = to_networkx(n, edges, direction)
    expected = dict(g.out_degree() if isinstance(g, nx.DiGraph) else g.degree())
    assert scores_of(result) == {v: float(d) for v, d in expected.items()}
    # Highest first, ties by node index.
    keys = [(-s.score, s.node) for s in result.scores]
    assert keys == sorted(keys)


@SETTINGS
@given(multigraphs(), directions)
def test_betweenness_matches_networkx(case: tuple[int, list[Edge]], direction: Direction) -> None:
    n, edges = case
    graph = build(n, edges)
    result = centrality(graph, "betweenness", EdgeFilter(direction=direction), top=None)
    expected = nx.betweenness_centrality(to_networkx(n, edges, direction), normalized=True)
    assert scores_of(result) == pytest.approx(expected, abs=1e-9)


@SETTINGS
@given(multigraphs(max_nodes=8, max_edges=16), directions, st.integers(1, 3))
def test_betweenness_cutoff_counts_short_paths_only(
    case: tuple[int, list[Edge]], direction: Direction, cutoff: int
) -> None:
    n, edges = case
    graph = build(n, edges)
    flt = EdgeFilter(direction=direction)
    result = centrality(graph, "betweenness", flt, top=None, cutoff=cutoff)
    expected = brute_betweenness(to_networkx(n, edges, direction), cutoff)
    assert scores_of(result) == pytest.approx(expected, abs=1e-9)
    assert result.cutoff == cutoff


@SETTINGS
@given(multigraphs(), directions)
def test_pagerank_matches_networkx(case: tuple[int, list[Edge]], direction: Direction) -> None:
    n, edges = case
    graph = build(n, edges)
    result = centrality(graph, "pagerank", EdgeFilter(direction=direction), top=None)
    expected = nx.pagerank(to_networkx(n, edges, direction), alpha=0.85, tol=1e-12, max_iter=10_000)
    assert scores_of(result) == pytest.approx(expected, abs=1e-6)
    assert sum(scores_of(result).values()) == pytest.approx(1.0)


@SETTINGS
@given(multigraphs(), measures, st.data())
def test_type_filter_removes_edges_from_the_analysis(
    case: tuple[int, list[Edge]], measure: Measure, data: st.DataObject
) -> None:
    n, edges = case
    present = sorted({t for _, _, t in edges})
    types = data.draw(
        st.lists(st.sampled_from(present), min_size=1, unique=True) if present else st.just([])
    )
    graph = build(n, edges)
    flt = EdgeFilter.of(types=types) if types else None
    result = centrality(graph, measure, flt, top=None)
    kept = [e for e in edges if e[2] in types]
    alone = centrality(build(n, kept), measure, top=None)
    assert scores_of(result) == pytest.approx(scores_of(alone), abs=1e-9)
    assert result.link_count == alone.link_count


@SETTINGS
@given(multigraphs(), measures, st.data())
def test_subgraph_is_the_induced_subgraph(
    case: tuple[int, list[Edge]], measure: Measure, data: st.DataObject
) -> None:
    n, edges = case
    subset = data.draw(st.lists(st.integers(0, n - 1), unique=True))
    graph = build(n, edges)
    result = centrality(graph, measure, nodes=subset, top=None)
    g = to_networkx(n, edges, "both", nodes=subset)
    if measure == "degree":
        expected: dict[int, float] = {v: float(d) for v, d in g.degree()}
    elif measure == "betweenness":
        expected = nx.betweenness_centrality(g)
    else:
        expected = nx.pagerank(g, alpha=0.85, tol=1e-12, max_iter=10_000) if len(g) else {}
    assert scores_of(result) == pytest.approx(expected, abs=1e-6)
    assert result.node_count == len(subset)
    assert result.link_count == g.number_of_edges()


def test_schema_filter_keeps_only_matching_entities() -> None:
    # 0 and 2 are companies linked through person 1, and directly through 3.
    edges = [
        (0, 1, "Directorship"),
        (2, 1, "Directorship"),
        (0, 3, "Ownership"),
        (3, 2, "Ownership"),
    ]
    graph = build(4, edges, schemata=["Company", "Person", "Company", "Company"])
    result = centrality(graph, "betweenness", EdgeFilter.of(schemata=["Company"]), top=None)
    assert scores_of(result) == {0: 0.0, 2: 0.0, 3: 1.0}
    assert 1 not in scores_of(result)


def test_top_limits_and_to_dict_uses_ids() -> None:
    graph = build(
        5, [(0, 1, "Ownership"), (0, 2, "Ownership"), (0, 3, "Ownership"), (1, 2, "Ownership")]
    )
    result = centrality(graph, "degree", top=2)
    assert [(s.node, s.score) for s in result.scores] == [(0, 3.0), (1, 2.0)]
    data = result.to_dict(graph)
    assert data["results"][0] == {
        "id": node_id(0),
        "caption": "Entity 0",
        "schema": "Company",
        "score": 3,
    }
    assert data["measure"] == "degree" and data["direction"] == "both"
    assert data["node_count"] == 5 and data["link_count"] == 4


def test_exact_betweenness_refused_on_a_large_graph() -> None:
    n = 50
    graph = build(n, [(i, i + 1, "Ownership") for i in range(n - 1)])
    with pytest.raises(GraphError, match="cutoff") as info:
        centrality(graph, "betweenness", exact_limit=40)
    assert "subgraph" in str(info.value)
    # A cutoff, or a subgraph under the limit, runs.
    assert centrality(graph, "betweenness", exact_limit=40, cutoff=2).scores
    assert centrality(graph, "betweenness", nodes=range(30), exact_limit=40).scores


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"measure": "closeness"}, "unknown centrality"),
        ({"measure": "degree", "top": 0}, "top"),
        ({"measure": "degree", "cutoff": 2}, "betweenness only"),
        ({"measure": "betweenness", "cutoff": 0}, "cutoff"),
        ({"measure": "degree", "nodes": [7]}, "out of range"),
    ],
)
def test_bad_centrality_arguments(kwargs: dict[str, object], message: str) -> None:
    graph = build(3, [(0, 1, "Ownership")])
    with pytest.raises(GraphError, match=message):
        centrality(graph, **kwargs)  # type: ignore[arg-type]


def test_parallel_edges_and_loops_count_once() -> None:
    edges = [(0, 1, "Ownership"), (0, 1, "Ownership"), (1, 0, "Directorship"), (1, 1, "Ownership")]
    graph = build(3, edges)
    assert scores_of(centrality(graph, "degree", top=None)) == {0: 1.0, 1: 1.0, 2: 0.0}
    out = centrality(graph, "degree", EdgeFilter(direction="out"), top=None)
    assert scores_of(out) == {0: 1.0, 1: 1.0, 2: 0.0}
    assert out.link_count == 2


def test_empty_analysis() -> None:
    graph = build(3, [(0, 1, "Ownership")])
    for measure in MEASURES:
        result = centrality(graph, measure, nodes=[])
        assert result.scores == [] and result.node_count == 0
    assert components(graph, nodes=[]).groups == []
    found = communities(graph, nodes=[])
    assert found.groups == [] and found.modularity is None


# -- communities ----------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_two_cliques_split_into_two_communities(method: Method) -> None:
    n, edges = cliques(5)
    graph = build(n, edges)
    result = communities(graph, method=method)
    assert [set(g.members.tolist()) for g in result.groups] == [set(range(5)), set(range(5, 10))]
    expected = nx_modularity(to_networkx(n, edges), [set(range(5)), set(range(5, 10))])
    assert result.modularity == pytest.approx(expected)
    assert result.total == 2 and result.link_count == 21
    data = result.to_dict(graph)
    assert data["communities"][0]["members"][0]["id"] == node_id(4)  # the bridge end
    assert data["modularity"] == pytest.approx(expected)


@SETTINGS
@given(
    multigraphs(max_nodes=14, max_edges=30),
    methods,
    st.integers(0, 3),
)
def test_communities_partition_repeatably(
    case: tuple[int, list[Edge]], method: Method, seed: int
) -> None:
    n, edges = case
    graph = build(n, edges)
    state = random.getstate()
    first = communities(graph, method=method, seed=seed, min_size=1)
    again = communities(graph, method=method, seed=seed, min_size=1)
    assert random.getstate() == state
    assert (first.membership == again.membership).all()
    parts = [set(g.members.tolist()) for g in first.groups]
    assert sorted(itertools.chain.from_iterable(parts)) == list(range(n))
    assert [len(p) for p in parts] == sorted((len(p) for p in parts), reverse=True)
    g = to_networkx(n, edges)
    if g.number_of_edges():
        assert first.modularity == pytest.approx(nx_modularity(g, parts), abs=1e-9)
    else:
        assert first.modularity is None


def test_communities_honour_filter_and_resolution() -> None:
    n, edges = cliques(5)
    graph = build(n, edges)
    # Without the Payment bridge the cliques are apart: two components, two communities.
    split = communities(graph, EdgeFilter(exclude_types=("Payment",)))
    assert split.link_count == 20
    assert [set(g.members.tolist()) for g in split.groups] == [set(range(5)), set(range(5, 10))]
    # Resolution far above 1 breaks cliques up.
    assert communities(graph, resolution=20.0).total > 2
    with pytest.raises(GraphError, match="unknown community method"):
        communities(graph, method="girvan")  # type: ignore[arg-type]
    with pytest.raises(GraphError, match="resolution"):
        communities(graph, resolution=0)


def test_membership_marks_nodes_outside_the_analysis() -> None:
    n, edges = cliques(3)
    graph = build(n, edges)
    result = components(graph, nodes=[0, 1, 2])
    assert result.membership.tolist() == [0, 0, 0, -1, -1, -1]
    assert np.array_equal(result.groups[0].members, np.array([0, 1, 2]))
    assert {t for _, _, t in edges} <= set(TYPES)
