"""Mentions of known people and companies in document text, as FtM Mention
entities citing the page; never a lone surname or a common word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from threadline.search.mentions import MentionMatcher, name_keys
from threadline.workspace import Workspace


def test_names_are_matched_as_whole_words_in_any_script_and_order() -> None:
    matcher = MentionMatcher(
        [("p1", "Ivan Petrov"), ("c1", "Kestrel Maritime Limited"), ("p2", "Smith")]
    )
    text = "Иван Петров and PETROV, Ivan met Kestrel Maritime; Ivan Petrovich; Smith; Petrov"
    hits = [(h.entity_id, h.written, text[h.start : h.end]) for h in matcher.find(text)]
    assert hits == [
        ("p1", "Иван Петров", "Иван Петров"),
        ("p1", "PETROV, Ivan", "PETROV, Ivan"),
        ("c1", "Kestrel Maritime", "Kestrel Maritime"),
    ]
    # a lone surname, a one-word name, initials-only names are never patterns
    assert name_keys("Smith") == [] and name_keys("A. B.") == [] and name_keys("Petrov") == []


def test_documents_mention_known_entities_and_refresh_when_names_arrive(
    workspace: Workspace, tmp_path: Path, docs: Any, helpers: Any
) -> None:
    people = helpers.write_csv(tmp_path / "people.csv", ["name"], [["Ivan Petrov"]])
    workspace.ingest(people, "registry", schema="Person", maps=["name=name"])
    root = tmp_path / "docs"
    root.mkdir()
    (root / "memo.pdf").write_bytes(
        docs.pdf_bytes(["Nothing here", "Payment approved by Petrov Ivan to Olena Kovalenko"])
    )
    (root / "note.txt").write_text("Only Petrov signed.")
    report = workspace.ingest_documents(root, "leak", limits=docs.limits)
    assert report.mentions == 1
    mentions = [e for e in workspace.entities("leak") if e.schema.name == "Mention"]
    person = next(e for e in workspace.entities("registry") if e.schema.name == "Person")
    assert [m.proxy.get("resolved") for m in mentions] == [[person.id]]
    assert mentions[0].proxy.get("name") == ["Petrov Ivan"]
    rows = [r for r in workspace.store.entity_rows([mentions[0].id]) if r.prop == "name"]
    assert rows[0].source_line == 2  # the page
    # a new name arrives in a table: the documents are scanned again, not re-read
    more = helpers.write_csv(tmp_path / "more.csv", ["name"], [["Olena Kovalenko"]])
    workspace.ingest(more, "registry2", schema="Person", maps=["name=name"])
    names = sorted(
        m.proxy.get("name")[0] for m in workspace.entities("leak") if m.schema.name == "Mention"
    )
    assert names == ["Olena Kovalenko", "Petrov Ivan"]
    # the names go again: so do their mentions
    workspace.drop_dataset("registry2")
    names = sorted(
        m.proxy.get("name")[0] for m in workspace.entities("leak") if m.schema.name == "Mention"
    )
    assert names == ["Petrov Ivan"]
