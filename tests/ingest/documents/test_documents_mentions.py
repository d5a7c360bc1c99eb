"""Mentions of known people and companies in document text, as FtM Mention
entities citing the page; never a lone surname or a common word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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


def test_emails_phones_and_ibans_are_kept_and_tie_documents_to_their_holders(
    workspace: Workspace, tmp_path: Path, docs: Any, helpers: Any
) -> None:
    people = helpers.write_csv(
        tmp_path / "people.csv",
        ["name", "email", "phone"],
        [["Olena Koval", "olena@example.org", "+380 44 123 4567"]],
    )
    workspace.ingest(
        people, "registry", schema="Person", maps=["name=name", "email=email", "phone=phone"]
    )
    root = tmp_path / "docs"
    root.mkdir()
    (root / "note.txt").write_text(
        "Reach OLENA@example.org or +380 44 123 4567. Pay GB82 WEST 1234 5698 7654 32.\n"
    )
    report = workspace.ingest_documents(root, "leak", limits=docs.limits)
    person = next(e for e in workspace.entities("registry") if e.schema.name == "Person")
    mentions = [e for e in workspace.entities("leak") if e.schema.name == "Mention"]
    assert report.mentions == 2
    assert sorted(m.proxy.get("name")[0] for m in mentions) == [
        "+380 44 123 4567",
        "OLENA@example.org",
    ]
    assert {m.proxy.get("resolved")[0] for m in mentions} == {person.id}
    note = next(e for e in workspace.entities("leak") if e.schema.name == "PlainText")
    assert note.proxy.get("emailMentioned") == ["olena@example.org"]
    assert note.proxy.get("phoneMentioned") == ["+380441234567"]
    assert note.proxy.get("ibanMentioned") == ["GB82WEST12345698765432"]


def test_new_mentions_on_a_document_keep_its_pages_searchable(
    workspace: Workspace, tmp_path: Path, docs: Any, helpers: Any
) -> None:
    """A table ingest rewrites the documents' mentions (and their e-mail,
    phone and IBAN values), which queues the documents again: their pages'
    text must stay in the text index, once."""
    root = tmp_path / "docs"
    root.mkdir()
    (root / "memo.pdf").write_bytes(
        docs.pdf_bytes(["Cover page", "Wire to GB82 WEST 1234 5698 7654 32 for Ivan Petrov"])
    )
    workspace.ingest_documents(root, "leak", limits=docs.limits)
    assert [h.page for h in workspace.search_text("wire")] == [2]
    people = helpers.write_csv(tmp_path / "people.csv", ["name"], [["Ivan Petrov"]])
    workspace.ingest(people, "registry", schema="Person", maps=["name=name"])
    assert [h.page for h in workspace.search_text("wire")] == [2]
    assert [h.page for h in workspace.search_text("cover")] == [1]
    # a changed file replaces its pages, not adds to them
    (root / "memo.pdf").write_bytes(docs.pdf_bytes(["Cover page, revised"]))
    workspace.ingest_documents(root, "leak", limits=docs.limits)
    assert [h.page for h in workspace.search_text("cover")] == [1]
    assert workspace.search_text("wire") == []


def test_national_phone_numbers_need_the_workspace_region(
    workspace: Workspace, tmp_path: Path, docs: Any, helpers: Any
) -> None:
    people = helpers.write_csv(
        tmp_path / "people.csv", ["name", "phone"], [["Olena Koval", "+44 20 7946 0958"]]
    )
    workspace.ingest(people, "registry", schema="Person", maps=["name=name", "phone=phone"])
    root = tmp_path / "docs"
    root.mkdir()
    (root / "note.txt").write_text("Call 020 7946 0958; order 02079460958 shipped.\n")
    workspace.ingest_documents(root, "leak", limits=docs.limits)
    note = next(e for e in workspace.entities("leak") if e.schema.name == "PlainText")
    # no region: a number without its country code could be anyone's
    assert note.proxy.get("phoneMentioned") == []
    config = workspace.path / "threadline.toml"
    # the line the new workspace's file holds, commented out
    config.write_text(config.read_text().replace('# phone_region = "GB"', 'phone_region = "gb"'))
    where = workspace.path
    workspace.close()
    with Workspace.open(where) as ws:
        assert ws.refresh_mentions("leak") == 1
        note = next(e for e in ws.entities("leak") if e.schema.name == "PlainText")
        # the grouped number is the holder's; the bare run of digits is not tagged
        assert note.proxy.get("phoneMentioned") == ["+442079460958"]
        (mention,) = [e for e in ws.entities("leak") if e.schema.name == "Mention"]
        assert mention.proxy.get("name") == ["020 7946 0958"]


def test_an_unknown_phone_region_is_a_clear_error(workspace: Workspace) -> None:
    from threadline.errors import WorkspaceError

    config = workspace.path / "threadline.toml"
    config.write_text(config.read_text().replace('# phone_region = "GB"', 'phone_region = "UK"'))
    where = workspace.path
    workspace.close()
    with Workspace.open(where) as ws, pytest.raises(WorkspaceError, match="phone_region"):
        ws.refresh_mentions("leak")


def test_a_company_is_mentioned_by_its_lei_and_a_vessel_by_its_imo_number(
    workspace: Workspace, tmp_path: Path, docs: Any, helpers: Any
) -> None:
    firms = helpers.write_csv(
        tmp_path / "firms.csv", ["name", "lei"], [["Kestrel Maritime Ltd", "5493001KJTIIGC8Y1R12"]]
    )
    workspace.ingest(firms, "registry", schema="Company", maps=["name=name", "leiCode=lei"])
    ships = helpers.write_csv(tmp_path / "ships.csv", ["name", "imo"], [["Sea Owl", "9074729"]])
    workspace.ingest(ships, "ships", schema="Vessel", maps=["name=name", "imoNumber=imo"])
    root = tmp_path / "docs"
    root.mkdir()
    (root / "note.txt").write_text(
        "Charter by LEI 5493001KJTIIGC8Y1R12 of the IMO 9074729; invoice 9074729.\n"
    )
    workspace.ingest_documents(root, "leak", limits=docs.limits)
    holders = {
        e.id: e.schema.name for name in ("registry", "ships") for e in workspace.entities(name)
    }
    mentions = [e for e in workspace.entities("leak") if e.schema.name == "Mention"]
    found = sorted((holders[m.proxy.get("resolved")[0]], m.proxy.get("name")[0]) for m in mentions)
    # the bare 9074729 of the invoice is no IMO number
    assert found == [("Company", "5493001KJTIIGC8Y1R12"), ("Vessel", "IMO 9074729")]
