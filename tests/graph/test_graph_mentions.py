"""Mentions in the graph: a weaker edge of its own (type ``mention``) from
a document to each entity its text names, there only when asked for;
``Mention`` records are never nodes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from document_corpus import pdf_bytes
from threadline.graph.filters import EdgeFilter
from threadline.graph.paths import neighbours
from threadline.workspace import Workspace


def _load(workspace: Workspace, tmp_path: Path, helpers: Any) -> tuple[str, str]:
    people = helpers.write_csv(tmp_path / "people.csv", ["name"], [["Ivan Petrov"]])
    workspace.ingest(people, "registry", schema="Person", maps=["name=name"])
    docs = tmp_path / "docs"
    docs.mkdir()
    # named twice on two pages: still one edge
    (docs / "memo.pdf").write_bytes(pdf_bytes(["Ivan Petrov signed.", "Petrov Ivan paid."]))
    workspace.ingest_documents(docs, "leak", workers=1)
    person = next(e for e in workspace.entities("registry") if e.schema.name == "Person")
    memo = next(e for e in workspace.entities("leak") if e.schema.name == "Pages")
    return person.id, memo.id


def test_mention_edges_only_when_asked(workspace: Workspace, tmp_path: Path, helpers: Any) -> None:
    person, memo = _load(workspace, tmp_path, helpers)
    plain = workspace.graph()
    assert "mention" not in plain.type_names
    assert all(plain.schema_of(n) != "Mention" for n in range(plain.node_count))
    hood = neighbours(plain, person, depth=1)
    assert len(hood.depths) == 1  # nothing links the person in the tables

    graph = workspace.graph(mentions=True)
    assert all(graph.schema_of(n) != "Mention" for n in range(graph.node_count))
    hood = neighbours(graph, person, depth=1)
    (record,) = graph.edge_records(hood.edges)
    assert (record.kind, record.type, record.source, record.target) == (
        "mention",
        "mention",
        memo,
        person,
    )
    assert len(record.statement_ids) >= 2  # both mentions cited
    # a filter may name the type, or leave it out
    only = neighbours(graph, person, depth=1, flt=EdgeFilter.of(types=["Ownership"]))
    assert len(only.depths) == 1


def test_the_cli_takes_the_option(
    workspace: Workspace, tmp_path: Path, helpers: Any, cli: Any
) -> None:
    person, memo = _load(workspace, tmp_path, helpers)
    where = str(workspace.path)
    workspace.close()
    code, out, err = cli("-w", where, "graph", "neighbours", person, "--json")
    assert code == 0, err
    assert memo not in out
    code, out, err = cli("-w", where, "graph", "neighbours", person, "--mentions", "--json")
    assert code == 0, err
    assert memo in out and '"mention"' in out
