"""The graph of a real workspace: edges read from ingested FtM data carry the
statements they come from, follow resolution (merged entities become one
node), and the saved graph is rebuilt when data or judgements change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers.ftm_records import ent, write_ftm
from threadline.cli.app import app
from threadline.errors import EntityNotFound, InputError
from threadline.graph.filters import EdgeFilter
from threadline.graph.ownership import owners
from threadline.graph.paths import shortest_path
from threadline.workspace import Workspace

REGISTRY = [
    ent("p-ivan", "Person", name="Ivan Petrov", phone="+7 495 123 4567"),
    ent("c-alpha", "Company", name="Alpha Holding Ltd", registrationNumber="A-1"),
    ent("c-beta", "Company", name="Beta Trading LLC"),
    ent("c-gamma", "Company", name="Gamma Supplies", phone="+7 495 123 4567"),
    ent("pb-ministry", "PublicBody", name="Ministry of Roads"),
    ent("o1", "Ownership", owner="p-ivan", asset="c-alpha", percentage="60%", startDate="2015"),
    ent("o2", "Ownership", owner="c-alpha", asset="c-beta", percentage="50"),
    ent("o3", "Ownership", owner="c-beta", asset="c-gamma", percentage="100", endDate="2019-12-31"),
    ent("d1", "Directorship", director="p-ivan", organization="c-beta", role="CEO"),
    ent("k1", "Contract", title="Road repairs 2021", authority="pb-ministry"),
    ent("a1", "ContractAward", contract="k1", supplier="c-gamma", date="2021-04-01"),
    ent("x1", "UnknownLink", subject="c-beta", object="p-missing"),
]

LEAK = [
    # The same person under another id in another source.
    ent("leak-ivan", "Person", name="Ivan Petrov", birthDate="1970-01-01"),
    ent("leak-o", "Ownership", owner="leak-ivan", asset="c-gamma", percentage=None),
]


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    for e in LEAK:
        e["properties"] = {k: v for k, v in e["properties"].items() if v != [None]}
    workspace = Workspace.init(tmp_path / "ws")
    workspace.ingest(write_ftm(tmp_path / "registry.ftm.json", REGISTRY), dataset="registry")
    workspace.ingest(write_ftm(tmp_path / "leak.ftm.json", LEAK), dataset="leak")
    yield workspace
    workspace.close()


def test_edges_carry_dates_shares_and_their_statements(ws: Workspace) -> None:
    graph = ws.graph()
    table = graph.edges_table().to_pylist()
    by_id = {row["edge_id"]: row for row in table}
    assert by_id["o1"]["percentage"] == 60.0 and by_id["o1"]["start_date"] == "2015"
    assert by_id["o3"]["end_date"] == "2019-12-31"
    assert by_id["d1"]["label"] == "CEO"
    assert by_id["o1"]["datasets"] == ["registry"]
    stored = {row.id for row in ws.store.entity_rows(["o1"])}
    assert set(by_id["o1"]["statement_ids"]) == stored
    # References become edges too: the contract's authority.
    authority = [r for r in table if r["type"] == "authority"]
    assert [(r["source"], r["target"]) for r in authority] == [("k1", "pb-ministry")]
    # A reference to an entity never loaded keeps a node of its own.
    assert graph.schema_of(graph.node("p-missing")) == ""


def test_minister_to_supplier_path_cites_every_hop(ws: Workspace) -> None:
    graph = ws.graph()
    result = shortest_path(graph, "pb-ministry", "p-ivan")
    (path,) = result.paths
    assert [graph.node_ids[n] for n in path.nodes][:3] == ["pb-ministry", "k1", "c-gamma"]
    for hop in path.hops:
        for record in graph.edge_records(hop.edges):
            assert {record.source, record.target} == {
                graph.node_ids[hop.source],
                graph.node_ids[hop.target],
            }
            assert record.statement_ids


def test_as_of_and_dataset_filters(ws: Workspace) -> None:
    graph = ws.graph()
    before = owners(graph, "c-gamma", flt=EdgeFilter(as_of="2018"))
    after = owners(graph, "c-gamma", flt=EdgeFilter(as_of="2020"))
    assert {graph.node_ids[h.node] for h in before.holdings} == {"p-ivan", "leak-ivan"}
    assert {graph.node_ids[h.node] for h in after.holdings} == {"leak-ivan"}
    only_registry = owners(graph, "c-gamma", flt=EdgeFilter(datasets=("registry",)))
    (top,) = only_registry.holdings
    assert graph.node_ids[top.node] == "p-ivan"
    assert top.share == pytest.approx(30.0)
    with pytest.raises(InputError, match="dataset 'nope'"):
        owners(graph, "c-gamma", flt=EdgeFilter(datasets=("nope",)))
    with pytest.raises(EntityNotFound, match="no entity with id 'nobody'"):
        owners(graph, "nobody")


def test_merge_folds_members_into_one_node_and_rebuilds(ws: Workspace) -> None:
    before = ws.graph()
    assert before.node("p-ivan") != before.node("leak-ivan")
    ws.resolve()
    ws.judge("p-ivan", "leak-ivan", "same", user="test")
    graph = ws.graph()
    node = graph.node("p-ivan")
    assert graph.node("leak-ivan") == node
    assert sorted(graph.members(graph.node_ids[node])) == ["leak-ivan", "p-ivan"]
    (top,) = owners(graph, "c-gamma").holdings
    assert top.node == node
    # 30% through the registry chain is known; the leak's direct stake is not.
    assert top.share == pytest.approx(30.0) and not top.complete
    ws.judge("p-ivan", "leak-ivan", "not-same", user="test")
    split = ws.graph()
    assert split.node("p-ivan") != split.node("leak-ivan")


def test_pivots_link_shared_values(ws: Workspace) -> None:
    plain = ws.graph()
    assert "phone" not in plain.type_names
    graph = ws.graph(pivots=["phone"])
    hub = graph.node("pivot:phone:+74951234567")
    hood = {graph.node_ids[n] for n in range(graph.node_count) if n != hub}
    assert {"p-ivan", "c-gamma"} <= hood
    path = shortest_path(graph, "p-ivan", "c-gamma", EdgeFilter(types=("phone",))).paths[0]
    assert [graph.node_ids[n] for n in path.nodes] == [
        "p-ivan",
        "pivot:phone:+74951234567",
        "c-gamma",
    ]
    with pytest.raises(InputError, match="unknown pivot kind 'fax'"):
        ws.graph(pivots=["fax"])


def test_cli_owners_json(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREADLINE_WORKSPACE", str(ws.path))
    ws.close()
    result = CliRunner().invoke(
        app, ["graph", "owners", "c-gamma", "--threshold", "25", "--as-of", "2018", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["subject"]["id"] == "c-gamma"
    got = {o["id"]: o for o in data["owners"]}
    assert got["p-ivan"]["share"] == pytest.approx(30.0)
    assert got["p-ivan"]["members"] == ["p-ivan"]
    chain = got["p-ivan"]["chains"][0]
    assert chain["nodes"] == ["p-ivan", "c-alpha", "c-beta", "c-gamma"]
    assert [h["edges"][0]["edge_id"] for h in chain["hops"]] == ["o1", "o2", "o3"]
    assert got["leak-ivan"]["share"] is None

    path = CliRunner().invoke(app, ["graph", "path", "pb-ministry", "c-beta", "--json"])
    assert path.exit_code == 0, path.output
    hops = json.loads(path.stdout)["paths"][0]["hops"]
    assert all(h["edges"] and h["edges"][0]["statement_ids"] for h in hops)

    missing = CliRunner().invoke(app, ["graph", "neighbours", "nobody"])
    # main() turns this into exit code 4 with the message.
    assert isinstance(missing.exception, EntityNotFound)


def test_cli_networks_and_exports(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("THREADLINE_WORKSPACE", str(ws.path))
    ws.close()
    runner = CliRunner()
    comps = runner.invoke(app, ["graph", "components", "--json"])
    assert comps.exit_code == 0, comps.output
    sizes = [c["size"] for c in json.loads(comps.stdout)["components"]]
    # All 8 entities hang together: the leak's person joins through c-gamma.
    assert sizes == [8]
    top = runner.invoke(app, ["graph", "centrality", "degree", "--top", "1", "--json"])
    assert json.loads(top.stdout)["results"][0]["id"] == "c-beta"

    gexf = tmp_path / "around.gexf"
    done = runner.invoke(
        app, ["graph", "export", "gexf", "-o", str(gexf), "--around", "c-alpha", "--depth", "1"]
    )
    assert done.exit_code == 0, done.output
    import networkx as nx

    exported = nx.read_gexf(gexf)
    assert set(exported.nodes) == {"c-alpha", "p-ivan", "c-beta"}

    ftm = runner.invoke(app, ["graph", "export", "ftm", "--path", "pb-ministry", "c-gamma"])
    assert ftm.exit_code == 0, ftm.output
    ids = {json.loads(line)["id"] for line in ftm.stdout.splitlines()}
    assert ids == {"pb-ministry", "k1", "c-gamma", "a1"}

    bad = runner.invoke(app, ["graph", "export", "pdf"])
    assert isinstance(bad.exception, InputError)
    assert "unknown graph format 'pdf'" in str(bad.exception)


def test_merged_node_is_named_as_most_of_its_records_name_it(tmp_path: Path) -> None:
    people = [
        ent("a", "Person", name="I. Petrov"),
        ent("b", "Person", name="Ivan Petrov"),
        ent("c", "Person", name="Ivan Petrov"),
        ent("d", "Person", name="Anna Sidorova"),
    ]
    with Workspace.init(tmp_path / "ws") as ws:
        ws.ingest(write_ftm(tmp_path / "people.ftm.json", people), dataset="people")
        ws.resolve()
        ws.judge("a", "b", "same", user="test")
        ws.judge("a", "c", "same", user="test")
        graph = ws.graph()
        # not the first record by id or by sort order ("I. Petrov")
        assert graph.captions[graph.node("a")] == "Ivan Petrov"
        assert graph.captions[graph.node("d")] == "Anna Sidorova"
