"""Graph exports: every format reads back (networkx for GEXF and GraphML, the
csv module for Neo4j CSV, literal parsing for Cypher) with the same nodes,
edges and provenance, hostile strings survive escaping, subgraphs hold only
what was asked for, and diagrams refuse graphs too large to read."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from tests.helpers.graph_export import (
    CYRILLIC,
    MARKUP,
    NASTY,
    PUNCT,
    edge_rows,
    make_chain,
    make_graph,
)
from threadline.errors import GraphError, InputError
from threadline.graph import export
from threadline.graph.export import (
    FORMATS,
    Subgraph,
    export_graph,
    write_dot,
    write_gexf,
    write_graphml,
    write_mermaid,
    write_neo4j_csv,
    write_neo4j_cypher,
)
from threadline.graph.paths import neighbours, shortest_path
from threadline.graph.structure import Graph

# -- helpers -----------------------------------------------------------------------

#: A single-quoted Cypher string literal with backslash escapes.
CYPHER_LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'")
CYPHER_UNESCAPE = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t"}
#: A double-quoted DOT string with backslash escapes.
DOT_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def cypher_unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: CYPHER_UNESCAPE[m.group(1)], body)


def binary(writer: Callable[..., None], graph: Graph, sub: Subgraph | None = None) -> bytes:
    out = io.BytesIO()
    writer(graph, out, sub)
    return out.getvalue()


def text(writer: Callable[..., None], graph: Graph, sub: Subgraph | None = None) -> str:
    out = io.StringIO()
    writer(graph, out, sub)
    return out.getvalue()


def expected_caption(graph: Graph, i: int) -> str:
    # XML 1.0 cannot hold NUL and friends: the exporter drops them.
    return graph.captions[i].replace("\x00", "")


def joined(values: list[str] | None) -> str:
    return ";".join(values or [])


def assert_same_graph(graph: Graph, read: Any) -> None:
    """``read`` (a networkx multigraph read back) holds exactly ``graph``."""
    assert read.is_directed()
    assert read.number_of_nodes() == graph.node_count
    assert read.number_of_edges() == graph.edge_count
    for i, node in enumerate(graph.node_ids):
        data = read.nodes[node]
        assert data["label"] == expected_caption(graph, i)
        assert data["schema"] == graph.schema_of(i)
        assert data["members"] == joined(graph.members(node))
    edges = {key: (u, v, data) for u, v, key, data in read.edges(keys=True, data=True)}
    for record in graph.edge_records(range(graph.edge_count)):
        u, v, data = edges[f"e{record.index}"]
        assert (u, v) == (record.source, record.target)
        for name in ("edge_id", "kind", "type", "label", "start_date", "end_date"):
            assert data.get(name) == getattr(record, name), name
        if record.percentage is None:
            assert "percentage" not in data
        else:
            assert isinstance(data["percentage"], float)
            assert data["percentage"] == record.percentage
        assert data["statement_ids"] == joined(record.statement_ids)
        assert data["datasets"] == joined(record.datasets)
        assert data["source_member"] == record.source_member


@pytest.fixture(scope="module")
def graph() -> Graph:
    return make_graph()


# -- GEXF and GraphML ----------------------------------------------------------------


def test_gexf_reads_back_with_every_attribute(graph: Graph) -> None:
    data = binary(write_gexf, graph)
    assert_same_graph(graph, nx.read_gexf(io.BytesIO(data)))


def test_gexf_declares_typed_directed_attributes(graph: Graph) -> None:
    root = ET.fromstring(binary(write_gexf, graph))
    ns = {"g": "http://gexf.net/1.3"}
    assert root.find("g:graph", ns).get("defaultedgetype") == "directed"  # type: ignore[union-attr]
    types = {
        a.get("title"): a.get("type")
        for a in root.iterfind(".//g:attributes[@class='edge']/g:attribute", ns)
    }
    assert types["percentage"] == "double"
    assert types["statement_ids"] == "string"


def test_graphml_reads_back_with_every_attribute(graph: Graph) -> None:
    data = binary(write_graphml, graph)
    assert_same_graph(graph, nx.read_graphml(io.BytesIO(data), force_multigraph=True))


def test_graphml_declares_typed_keys(graph: Graph) -> None:
    root = ET.fromstring(binary(write_graphml, graph))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {
        (k.get("for"), k.get("attr.name")): k.get("attr.type") for k in root.iterfind("g:key", ns)
    }
    assert keys[("edge", "percentage")] == "double"
    assert keys[("node", "label")] == "string"
    assert root.find("g:graph", ns).get("edgedefault") == "directed"  # type: ignore[union-attr]


def test_xml_keeps_hostile_strings(graph: Graph) -> None:
    read = nx.read_graphml(io.BytesIO(binary(write_graphml, graph)), force_multigraph=True)
    labels = {data["label"] for _, data in read.nodes(data=True)}
    assert {NASTY, MARKUP, CYRILLIC, PUNCT, "Isolated one"} <= labels
    edge_labels = {data.get("label") for *_, data in read.edges(data=True)}
    assert '"beneficial" <owner> & co' in edge_labels
    assert "director\nsince 2019" in edge_labels


def test_batches_do_not_change_the_output(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = Subgraph(nodes=[0, 4], edges=[1, 2, 3, 6])
    whole = binary(write_gexf, graph), binary(write_graphml, graph, sub)
    monkeypatch.setattr(export, "BATCH", 2)
    assert (binary(write_gexf, graph), binary(write_graphml, graph, sub)) == whole


# -- subgraphs ---------------------------------------------------------------------


def test_subgraph_export_holds_only_the_subgraph(graph: Graph) -> None:
    hood = neighbours(graph, "c3", depth=1)
    sub = Subgraph.from_neighbourhood(hood)
    read = nx.read_gexf(io.BytesIO(binary(write_gexf, graph, sub)))
    assert set(read.nodes) == {"c3", "c2", "pv"}
    assert {data["id"] for *_, data in read.edges(data=True)} == {f"e{e}" for e in hood.edges}
    assert read.nodes["c2"]["label"] == CYRILLIC


def test_subgraph_adds_edge_ends_and_rejects_bad_indices(graph: Graph) -> None:
    # Edge 2 is c1 -> c2; neither end was listed, both must come along.
    read = nx.read_graphml(io.BytesIO(binary(write_graphml, graph, Subgraph([4], [2]))))
    assert set(read.nodes) == {"x1", "c1", "c2"}
    assert read.number_of_edges() == 1
    with pytest.raises(GraphError, match="edge index 99"):
        binary(write_gexf, graph, Subgraph([], [99]))
    with pytest.raises(GraphError, match="node index -1"):
        binary(write_gexf, graph, Subgraph([-1], []))


def test_subgraph_builders(graph: Graph) -> None:
    path = shortest_path(graph, "c3", "p1")
    sub = Subgraph.from_paths(path)
    ids = {graph.node_ids[i] for i in sub.nodes}
    assert ids == {"c3", "c2", "p1"}
    assert {graph.edge_records(sub.edges)[0].edge_id} <= {"c3", "dir1"}
    induced = Subgraph.induced(graph, [graph.node("p1"), graph.node("c1")])
    assert [r.edge_id for r in graph.edge_records(induced.edges)] == ["own1", "own2"]


def test_empty_subgraph_is_a_valid_document(graph: Graph) -> None:
    read = nx.read_gexf(io.BytesIO(binary(write_gexf, graph, Subgraph())))
    assert read.number_of_nodes() == 0


# -- Neo4j ---------------------------------------------------------------------------


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def test_neo4j_csv_headers_and_rows(graph: Graph, tmp_path: Path) -> None:
    write_neo4j_csv(graph, tmp_path / "neo")
    header, nodes = read_csv(tmp_path / "neo" / "nodes.csv")
    assert header == ["id:ID", ":LABEL", "caption", "schema", "members:string[]"]
    assert len(nodes) == graph.node_count
    by_id = {row["id:ID"]: row for row in nodes}
    assert by_id["p1"] == {
        "id:ID": "p1",
        ":LABEL": "Entity;Person",
        "caption": NASTY,
        "schema": "Person",
        "members:string[]": "p1;p1-dup",
    }
    assert by_id["c1"]["caption"] == MARKUP
    assert by_id["pv"][":LABEL"] == "Entity;Pivot_phone"
    assert by_id["ghost"][":LABEL"] == "Entity;Unknown"
    assert by_id["x1"]["caption"] == "Isolated one"

    header, rels = read_csv(tmp_path / "neo" / "relationships.csv")
    assert header[:3] == [":START_ID", ":END_ID", ":TYPE"]
    assert "percentage:double" in header and "statement_ids:string[]" in header
    assert len(rels) == graph.edge_count
    for row, source in zip(rels, edge_rows(), strict=True):
        assert (row[":START_ID"], row[":END_ID"]) == (source["source"], source["target"])
        assert row["edge_id"] == source["edge_id"]
        assert row["label"] == (source["label"] or "")
        assert row["statement_ids:string[]"] == joined(source["statement_ids"])
        pct = row["percentage:double"]
        assert (float(pct) if pct else None) == source["percentage"]
    assert [r[":TYPE"] for r in rels] == [
        "OWNERSHIP",
        "OWNERSHIP",
        "OWNERSHIP",
        "DIRECTORSHIP",
        "PARENT",
        "PHONE",
        "UNKNOWN_LINK",
    ]


def test_neo4j_names_are_identifiers() -> None:
    assert export.neo4j_rel_type("UnknownLink") == "UNKNOWN_LINK"
    assert export.neo4j_rel_type("authority") == "AUTHORITY"
    assert export.neo4j_rel_type("a`b c") == "A_B_C"
    assert export.neo4j_rel_type("") == "RELATED"
    assert export.neo4j_label("Pivot:phone") == "Pivot_phone"
    assert export.neo4j_label("") == "Unknown"


def test_cypher_literals_round_trip(graph: Graph) -> None:
    script = text(write_neo4j_cypher, graph)
    statements = [line for line in script.splitlines() if line and not line.startswith("//")]
    # One statement a line: no raw line break ever leaks out of a literal.
    assert all(line.endswith(";") for line in statements)
    for line in statements:
        # Every quote belongs to a well-formed literal; nothing is left over
        # that could end a string early and inject Cypher.
        assert "'" not in CYPHER_LITERAL.sub("", line)
    literals = {cypher_unescape(m) for m in CYPHER_LITERAL.findall(script)}
    assert {NASTY, MARKUP, CYRILLIC, PUNCT, "director\nsince 2019", "s'5"} <= literals
    assert "'O\\'Brien \"X\" \\\\ y'" in script


def test_cypher_has_every_node_and_edge(graph: Graph) -> None:
    script = text(write_neo4j_cypher, graph)
    merged = re.findall(
        r"^MERGE \(n:Entity \{id: '((?:[^'\\]|\\.)*)'\}\) SET n:`(\w+)`", script, re.M
    )
    assert sorted(cypher_unescape(node) for node, _ in merged) == sorted(graph.node_ids)
    assert ("ghost", "Unknown") in merged
    rels = re.findall(r"^MATCH .* MERGE \(a\)-\[r:`(\w+)` \{edge_id: '([^']*)'", script, re.M)
    assert rels == [(export.neo4j_rel_type(r["type"]), r["edge_id"]) for r in edge_rows()]
    assert "percentage: 25.5," in script
    assert "statement_ids: ['s1', 's2']" in script
    assert "CREATE CONSTRAINT" in script


# -- diagrams ---------------------------------------------------------------------------


def test_mermaid_structure_and_escaping(graph: Graph) -> None:
    chart = text(write_mermaid, graph)
    lines = chart.splitlines()
    assert lines[0] == "flowchart LR"
    nodes = [line for line in lines[1:] if "-->" not in line]
    edges = [line for line in lines[1:] if "-->" in line]
    assert len(nodes) == graph.node_count and len(edges) == graph.edge_count
    for line in nodes:
        assert re.fullmatch(r'    n\d+\["[^"\n]*"\]', line), line
    for line in edges:
        assert re.fullmatch(r'    n\d+ -->\|"[^"|\n]*"\| n\d+', line), line
    assert 'n0["O\'Brien #quot;X#quot; \\ y"]' in chart
    assert "#lt;Holdings#gt; #amp; Co Ltd" in chart
    assert "semi#124;pipe #35;1; #96;tick#96;" in chart
    assert '-->|"Ownership 25.5%"|' in chart


def test_dot_structure_and_escaping(graph: Graph) -> None:
    dot = text(write_dot, graph)
    assert dot.startswith("digraph threadline {\n") and dot.endswith("}\n")
    for line in dot.splitlines()[1:-1]:
        # All quotes pair up into strings; no raw line break inside one.
        assert '"' not in DOT_STRING.sub("", line)
    assert 'label="O\'Brien \\"X\\" \\\\ y"' in dot
    assert 'label="Acme <Holdings> & Co\\nLtd"' in dot
    assert 'n0 -> n1 [label="Ownership 25.5%"];' in dot
    assert dot.count(" -> ") == graph.edge_count


@pytest.mark.parametrize("writer", [write_mermaid, write_dot])
def test_diagrams_refuse_large_graphs(writer: Callable[..., None]) -> None:
    big = make_chain(export.MAX_DIAGRAM_NODES + 1)
    with pytest.raises(GraphError, match="GEXF or GraphML") as err:
        text(writer, big)
    assert f"{export.MAX_DIAGRAM_NODES + 1} entities" in str(err.value)
    # A small part of the same graph is fine.
    small = text(writer, big, Subgraph.induced(big, [0, 1, 2]))
    assert small.count("n0") >= 2


# -- the dispatcher ---------------------------------------------------------------------


def test_unknown_format_names_the_choices(graph: Graph, tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        export_graph(graph, "pdf", tmp_path / "x.pdf")
    assert str(err.value) == (
        "unknown graph format 'pdf' "
        "(choose from gexf, graphml, neo4j-cypher, neo4j-csv, mermaid, dot)"
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_graph_to_a_path(graph: Graph, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out{FORMATS[fmt].suffix}"
    export_graph(graph, fmt, target)
    if FORMATS[fmt].target == "folder":
        assert sorted(p.name for p in target.iterdir()) == ["nodes.csv", "relationships.csv"]
    else:
        assert target.read_bytes()
    assert not list(tmp_path.glob("*.part"))


def test_export_graph_to_a_stream(graph: Graph) -> None:
    out = io.BytesIO()
    export_graph(graph, "mermaid", out, Subgraph([graph.node("c2")], []))
    assert out.getvalue().decode("utf-8") == f'flowchart LR\n    n0["{CYRILLIC}"]\n'
    assert not out.closed
    with pytest.raises(InputError, match="folder"):
        export_graph(graph, "neo4j-csv", io.BytesIO())


def test_failed_export_leaves_no_file(tmp_path: Path) -> None:
    big = make_chain(export.MAX_DIAGRAM_NODES + 1)
    target = tmp_path / "big.mmd"
    with pytest.raises(GraphError):
        export_graph(big, "mermaid", target)
    assert list(tmp_path.iterdir()) == []
