"""The benchmark generators make data the model accepts: a benchmark of data
Threadline would never see measures nothing. Each runs here at a tiny size."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from followthemoney import model
from followthemoney.property import Property

import gen_graph
import gen_officers
import gen_people
from threadline.graph.structure import Graph
from threadline.model.links import EDGE_SCHEMA, IGNORED_REFERENCES, NODE_SCHEMA, edge_schemata
from threadline.workspace import Workspace


def _known_value(prop: Property, value: str) -> bool:
    return prop.type.clean(value, proxy=None) is not None


# -- gen_graph ------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph_tables() -> tuple[pa.Table, pa.Table]:
    return gen_graph.generate(nodes=400, edges=3000, seed=5)


def test_gen_graph_tables_have_the_model_shapes(
    graph_tables: tuple[pa.Table, pa.Table],
) -> None:
    nodes, edges = graph_tables
    assert nodes.schema.equals(NODE_SCHEMA)
    assert edges.schema.equals(EDGE_SCHEMA)
    assert nodes.num_rows == 400
    assert edges.num_rows == 3000
    # Small as it is, every edge type shows up, so the checks below see them all.
    assert set(edges.column("type").to_pylist()) == {t for t, *_ in gen_graph.EDGE_TYPES}


def test_gen_graph_edges_are_ones_the_model_makes(
    graph_tables: tuple[pa.Table, pa.Table],
) -> None:
    nodes, edges = graph_tables
    schema_of = dict(
        zip(nodes.column("id").to_pylist(), nodes.column("schema").to_pylist(), strict=True)
    )
    for name in set(schema_of.values()):
        schema = model.get(name)
        assert schema is not None and not schema.abstract and not schema.edge, name
    links = edge_schemata()
    ends = edges.group_by(["kind", "type", "source", "target"]).aggregate([]).to_pylist()
    checked = set()
    for row in ends:
        source, target = model[schema_of[row["source"]]], model[schema_of[row["target"]]]
        key = (row["kind"], row["type"], source.name, target.name)
        if key in checked:
            continue
        checked.add(key)
        if row["kind"] == "link":
            assert row["type"] in links, key
            link = model[row["type"]]
            src_prop, dst_prop, _ = links[row["type"]]
            # The link's own properties say which schemata may sit at each end.
            assert source.is_a(link.get(src_prop).range), key
            assert target.is_a(link.get(dst_prop).range), key
        else:
            assert row["kind"] == "reference", key
            assert row["type"] not in IGNORED_REFERENCES, key
            prop = source.get(row["type"])
            assert prop is not None and prop.type.name == "entity", key
            assert target.is_a(prop.range), key
    percentages = edges.column("percentage").drop_null()
    assert pc.all(pc.less_equal(percentages, 100)).as_py()
    assert pc.all(pc.greater_equal(percentages, 0)).as_py()


def test_gen_graph_tables_load_as_a_graph(
    graph_tables: tuple[pa.Table, pa.Table], tmp_path: Path
) -> None:
    nodes, edges = graph_tables
    gen_graph.write_tables(tmp_path, nodes, edges)
    nodes, edges = gen_graph.read_tables(tmp_path)
    graph = Graph.from_tables(nodes, edges)
    # Every edge end is a generated node: no stub nodes were needed.
    assert len(graph.node_ids) == nodes.num_rows
    assert len(graph.src) == edges.num_rows


def test_gen_graph_fails_loudly_on_an_edge_type_the_model_does_not_know(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gen_graph.check_edge_types()
    made_up = ("Friendship", "link", "fr-", (3,), ("friend",))
    monkeypatch.setattr(gen_graph, "EDGE_TYPES", (*gen_graph.EDGE_TYPES, made_up))
    with pytest.raises(ValueError, match="'Friendship' is not an FtM edge schema"):
        gen_graph.generate(nodes=50, edges=100, seed=1)
    not_a_reference = ("name", "reference", "", (3,), ("name",))
    monkeypatch.setattr(gen_graph, "EDGE_TYPES", (*gen_graph.EDGE_TYPES[:-1], not_a_reference))
    with pytest.raises(ValueError, match="reference 'name' is not an entity property"):
        gen_graph.check_edge_types()


# -- gen_people ------------------------------------------------------------------


def test_gen_people_entities_are_valid_ftm(tmp_path: Path) -> None:
    entities, truth = gen_people.generate(300, seed=2)
    assert len(entities) == 300
    assert set(truth) == {e["id"] for e in entities}
    for entity in entities:
        schema = model.get(entity["schema"])
        assert schema is not None and schema.name == "Person"
        for name, values in entity["properties"].items():
            prop = schema.get(name)
            assert prop is not None, name
            for value in values:
                assert _known_value(prop, value), (entity["id"], name, value)

    entities_path, truth_path = gen_people.write(300, tmp_path / "people", seed=2)
    assert gen_people.read_truth(truth_path) == truth
    with Workspace.init(tmp_path / "ws") as ws:
        report = ws.ingest(entities_path, "people")
        assert report.format == "entities"
        assert (report.entities, report.rejected) == (300, 0)


# -- gen_officers ---------------------------------------------------------------


def test_gen_officers_csv_maps_to_valid_entities(tmp_path: Path) -> None:
    csv_path, mapping = tmp_path / "officers.csv", tmp_path / "mapping.yml"
    gen_officers.write_officers_csv(csv_path, rows=120)
    gen_officers.write_mapping(mapping, csv_path)
    with Workspace.init(tmp_path / "ws") as ws:
        report = ws.ingest(csv_path, "bench", mapping)
        assert (report.records, report.rejected) == (120, 0)
        entities = list(ws.entities("bench"))
    schema_of = {e.id: e.schema.name for e in entities}
    assert set(schema_of.values()) == {"Person", "Company", "Directorship"}
    for entity in entities:
        for prop, value in entity.proxy.itervalues():
            assert _known_value(prop, value), (entity.id, prop.name, value)
        if entity.schema.name == "Directorship":
            assert [schema_of[i] for i in entity.proxy.get("director")] == ["Person"]
            assert [schema_of[i] for i in entity.proxy.get("organization")] == ["Company"]
