"""Ultimate ownership on hand-built structures: diamonds, cycles, partial and
missing percentages, parallel and dated edges."""

from __future__ import annotations

import pytest

from tests.helpers.graph import E, build
from threadline.errors import GraphError
from threadline.graph.filters import EdgeFilter
from threadline.graph.ownership import holdings, owners
from threadline.graph.structure import Graph
from threadline.graph.views import ownership_dict


def shares(graph: Graph, result_holdings: list[object]) -> dict[str, float | None]:
    return {graph.node_ids[h.node]: h.share for h in result_holdings}  # type: ignore[attr-defined]


def test_diamond_sums_both_chains() -> None:
    # p owns a and b half each; a holds 40% of c, b holds 60%: p holds 50% of c.
    g = build(
        [
            E("p", "a", pct=50),
            E("p", "b", pct=50),
            E("a", "c", pct=40),
            E("b", "c", pct=60),
        ],
        nodes=[("p", "Person")],
    )
    result = owners(g, "c")
    assert shares(g, result.holdings) == {"p": pytest.approx(50.0)}
    (top,) = result.holdings
    assert top.ultimate and top.complete
    assert sorted(c.nodes for c in top.chains) == [
        [g.node("p"), g.node("a"), g.node("c")],
        [g.node("p"), g.node("b"), g.node("c")],
    ]
    everyone = owners(g, "c", ultimate_only=False)
    assert shares(g, everyone.holdings) == {
        "p": pytest.approx(50.0),
        "b": pytest.approx(60.0),
        "a": pytest.approx(40.0),
    }


def test_cycle_ends_and_is_not_counted_twice() -> None:
    # a and b hold each other; p holds 80% of a. Owners of b: a's chain goes
    # up to p once; the a<->b loop is never walked round.
    g = build(
        [E("p", "a", pct=80), E("a", "b", pct=50), E("b", "a", pct=10)],
        nodes=[("p", "Person")],
    )
    result = owners(g, "b", ultimate_only=False)
    got = shares(g, result.holdings)
    assert got["p"] == pytest.approx(40.0)
    assert got["a"] == pytest.approx(50.0)
    assert "b" not in got
    assert [g.node_ids[h.node] for h in result.holdings if h.ultimate] == ["p"]


def test_pure_cycle_still_reports_owners() -> None:
    g = build([E("a", "b", pct=50), E("b", "a", pct=50)])
    result = owners(g, "a")
    # b's only owner is a itself, below it in the chain: b is the top.
    assert shares(g, result.holdings) == {"b": pytest.approx(50.0)}
    assert result.holdings[0].ultimate


def test_cross_holding_owners_at_the_top_are_both_ultimate() -> None:
    # a and b hold each other and both hold c; nobody holds them from
    # outside: both are the top (found by the property test against networkx)
    g = build([E("a", "c", pct=30), E("b", "c", pct=40), E("a", "b", pct=50), E("b", "a", pct=50)])
    result = owners(g, "c")
    assert {g.node_ids[h.node] for h in result.holdings} == {"a", "b"}
    assert all(h.ultimate for h in result.holdings)
    # a outside holder above the circle is the top instead
    g = build(
        [E("a", "c", pct=30), E("b", "c", pct=40), E("a", "b", pct=50), E("b", "a", pct=50),
         E("p", "a", pct=100)],
        nodes=[("p", "Person")],
    )  # fmt: skip
    assert [g.node_ids[h.node] for h in owners(g, "c").holdings] == ["p"]


def test_missing_percentage_is_unknown_not_guessed() -> None:
    g = build(
        [
            E("p", "a", pct=None),
            E("a", "c", pct=100),
            E("q", "c", pct=30),
            E("q", "b", pct=50),
            E("b", "c", pct=None),
        ],
        nodes=[("p", "Person"), ("q", "Person")],
    )
    result = owners(g, "c", threshold=25)
    by_id = {g.node_ids[h.node]: h for h in result.holdings}
    # p's only chain has an unstated link: share unknown, still reported.
    assert by_id["p"].share is None and not by_id["p"].complete
    # q: 30% known directly, plus a chain of unknown share: a lower bound.
    assert by_id["q"].share == pytest.approx(30.0) and not by_id["q"].complete
    data = ownership_dict(g, result)
    p_json = next(o for o in data["owners"] if o["id"] == "p")
    assert p_json["share"] is None
    assert p_json["chains"][0]["share"] is None


def test_threshold_drops_small_complete_owners_only() -> None:
    g = build(
        [E("p", "c", pct=10), E("q", "c", pct=90), E("r", "c", pct=None)],
        nodes=[("p", "Person"), ("q", "Person"), ("r", "Person")],
    )
    kept = {g.node_ids[h.node] for h in owners(g, "c", threshold=25).holdings}
    assert kept == {"q", "r"}
    with pytest.raises(GraphError, match="percentage"):
        owners(g, "c", threshold=250)


def test_parallel_edges_count_once_latest_wins_and_all_are_cited() -> None:
    g = build(
        [
            E("p", "c", pct=20, start="2015", datasets=["registry-2015"]),
            E("p", "c", pct=60, start="2021-03", datasets=["registry-2021"]),
        ],
        nodes=[("p", "Person")],
    )
    (top,) = owners(g, "c").holdings
    assert top.share == pytest.approx(60.0)
    (chain,) = top.chains
    assert len(chain.hops[0].edges) == 2


def test_as_of_uses_the_edges_in_force() -> None:
    g = build(
        [
            E("p", "c", pct=100, start="2010", end="2018-06"),
            E("q", "c", pct=100, start="2018-07"),
        ],
        nodes=[("p", "Person"), ("q", "Person")],
    )
    assert set(shares(g, owners(g, "c", flt=EdgeFilter(as_of="2015")).holdings)) == {"p"}
    assert set(shares(g, owners(g, "c", flt=EdgeFilter(as_of="2020-01-01")).holdings)) == {"q"}
    # A year overlaps both periods.
    assert set(shares(g, owners(g, "c", flt=EdgeFilter(as_of="2018")).holdings)) == {"p", "q"}


def test_only_ownership_edges_carry_shares() -> None:
    g = build(
        [E("p", "c", type="Directorship"), E("q", "c", pct=100)],
        nodes=[("p", "Person"), ("q", "Person")],
    )
    assert set(shares(g, owners(g, "c").holdings)) == {"q"}


def test_holdings_reverse_owners() -> None:
    g = build(
        [
            E("p", "a", pct=50),
            E("a", "b", pct=50),
            E("b", "c", pct=None),
            E("p", "d", pct=100, type="Ownership"),
        ],
        nodes=[("p", "Person")],
    )
    got = shares(g, holdings(g, "p").holdings)
    assert got == {
        "a": pytest.approx(50.0),
        "b": pytest.approx(25.0),
        "c": None,
        "d": pytest.approx(100.0),
    }
    # The reverse of "p holds 25% of b" is "b's owners include p at 25%".
    assert shares(g, owners(g, "b").holdings)["p"] == pytest.approx(25.0)


def test_every_chain_hop_is_a_real_ownership_edge() -> None:
    g = build(
        [E("p", "a", pct=50), E("a", "c", pct=50), E("p", "c", pct=10), E("c", "a", pct=5)],
        nodes=[("p", "Person")],
    )
    for holding in owners(g, "c", ultimate_only=False).holdings:
        for chain in holding.chains:
            assert chain.nodes[0] == holding.node and chain.nodes[-1] == g.node("c")
            for hop, (upper, lower) in zip(
                chain.hops, zip(chain.nodes, chain.nodes[1:], strict=False), strict=True
            ):
                assert (hop.source, hop.target) == (upper, lower)
                for record in g.edge_records(hop.edges):
                    assert record.type == "Ownership"
                    assert (record.source, record.target) == (
                        g.node_ids[upper],
                        g.node_ids[lower],
                    )
                    assert record.statement_ids
