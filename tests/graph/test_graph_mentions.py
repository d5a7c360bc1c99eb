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


def _chain_and_a_memo() -> Any:
    """a owns b owns c owns d (three hops of links); a memo names a and d,
    and names e, whom no link reaches (two hops through the memo)."""
    from tests.helpers.graph import E, build

    links = [E("a", "b"), E("b", "c"), E("c", "d")]
    mentions = [E("memo", who, type="mention", kind="mention") for who in ("a", "d", "e")]
    return build(links + mentions, nodes=[("memo", "Pages"), ("e", "Person")])


def test_a_path_of_links_is_preferred_to_a_shorter_one_through_a_mention() -> None:
    from threadline.graph.paths import all_paths, shortest_path, weak_hops

    graph = _chain_and_a_memo()

    def ids(path: Any) -> list[str]:
        return [graph.node_ids[n] for n in path.nodes]

    (path,) = shortest_path(graph, "a", "d").paths
    assert ids(path) == ["a", "b", "c", "d"] and weak_hops(graph, path) == 0
    # only a mention connects a and e: that path is given, and says so
    (path,) = shortest_path(graph, "a", "e").paths
    assert ids(path) == ["a", "memo", "e"] and weak_hops(graph, path) == 2
    # links too long for the limit: the mention path is what there is
    (path,) = shortest_path(graph, "a", "d", max_depth=2).paths
    assert ids(path) == ["a", "memo", "d"]
    # leaving mentions out by filter still works as before
    assert shortest_path(graph, "a", "e", EdgeFilter.of(types=["Ownership"])).paths == []
    # all paths: the links' path first although it is longer
    found = all_paths(graph, "a", "d", max_depth=4).paths
    assert [ids(p) for p in found] == [["a", "b", "c", "d"], ["a", "memo", "d"]]
