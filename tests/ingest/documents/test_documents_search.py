"""Document text is searchable: phrases, snippets with page numbers, filters,
transliteration, and `threadline search --json` lists documents too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from threadline.errors import SearchError
from threadline.workspace import Workspace


@pytest.fixture
def ingested(workspace: Workspace, tmp_path: Path, docs: Any) -> Workspace:
    root = tmp_path / "files"
    root.mkdir()
    (root / "report.pdf").write_bytes(
        docs.pdf_bytes(
            [
                "Annual report of the holding",
                "The shares were sold to Kestrel Maritime Limited\nfor one euro",
                "Kestrel appears again; maritime matters",
            ]
        )
    )
    (root / "note.txt").write_text("Ivan Petrov met Olena in Kyiv", encoding="utf-8")
    (root / "ru.txt").write_text("Встреча с Иваном Петровым в Москве", encoding="utf-8")
    (root / "mail.eml").write_bytes(
        docs.eml(
            "Alice <a@example.org>",
            "Bob <b@example.org>",
            "Kestrel",
            "Kestrel invoice",
            "<k1@example.org>",
        )
    )
    workspace.ingest_documents(root, "files", limits=docs.limits, workers=2)
    return workspace


def test_phrases_find_the_page_with_a_snippet(ingested: Workspace) -> None:
    hits = ingested.search_text('"Kestrel Maritime Limited"')
    assert [(h.file_name, h.page) for h in hits] == [("report.pdf", 2)]
    assert "<b>Kestrel</b> <b>Maritime</b> <b>Limited</b>" in hits[0].snippet
    # the words apart are found on both pages, the phrase only on page 2
    pages = {h.page for h in ingested.search_text("kestrel maritime", schema="Pages")}
    assert pages == {2, 3}


def test_filters_by_schema_mime_dataset_and_date(ingested: Workspace) -> None:
    assert {h.schema for h in ingested.search_text("kestrel")} == {"Pages", "Email"}
    assert [h.schema for h in ingested.search_text("kestrel", mime_type="message/rfc822")] == [
        "Email"
    ]
    assert ingested.search_text("kestrel", dataset="elsewhere") == []
    # the mail is dated 2024-01-02; the PDF has no date
    assert [h.schema for h in ingested.search_text("kestrel", date_from="2024-01")] == ["Email"]
    assert ingested.search_text("kestrel", date_to="2023-12-31") == []
    with pytest.raises(SearchError, match="is not a date"):
        ingested.search_text("kestrel", date_from="last week")


def test_latin_query_finds_cyrillic_text(ingested: Workspace) -> None:
    names = {h.file_name for h in ingested.search_text("Ivanom Petrovym")}
    assert "ru.txt" in names
    # the snippet marks the Cyrillic words the Latin search matched
    (hit,) = [h for h in ingested.search_text("Ivanom Petrovym") if h.file_name == "ru.txt"]
    assert "<b>Иваном</b> <b>Петровым</b>" in hit.snippet


def test_cli_search_json_lists_documents(ingested: Workspace, cli: Any) -> None:
    path = ingested.path
    ingested.close()
    code, stdout, stderr = cli(
        "-w", str(path), "search", '"Kestrel Maritime"', "--json", "--purpose", "test"
    )
    assert code == 0, stderr
    rows = [r for r in json.loads(stdout) if r["kind"] == "document"]
    assert rows[0]["fileName"] == "report.pdf" and rows[0]["page"] == 2
    assert rows[0]["schema"] == "Pages" and "<b>Kestrel</b>" in rows[0]["snippet"]
    assert set(rows[0]) >= {"id", "schema", "fileName", "page", "snippet"}


@pytest.mark.parametrize(
    "query", ["Иван Петров", "Игорь Петров", "O'Brien met Ivan", "Ivan (Petrov"]
)
def test_names_with_apostrophes_or_stray_syntax_are_searched_not_refused(
    ingested: Workspace, query: str
) -> None:
    # a soft sign transliterates to an apostrophe ("Igor'"); a name may hold
    # one, or a bracket may be left open: the words are searched
    hits = ingested.search_text(query)
    if "Ivan" in query or "Иван" in query:
        assert "note.txt" in {h.file_name for h in hits}
