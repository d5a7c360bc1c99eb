"""The document page over the API: text page by page with search terms and
mentions marked, e-mail headers and thread, where the file sits, the
original as a download; every view and download audited with its case or
purpose, personal details masked as on entities; the entity page lists the
documents that mention it; a case holds a document as evidence."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from document_corpus import pdf_bytes
from tests.helpers.api import PURPOSE, Api, make_api
from threadline.access import Action

MEMO = pdf_bytes(
    [
        "Board minutes of the harbour authority",
        "Payment approved by Ivan Petrov.\nQuestions to olena@example.org please.",
    ]
)


def eml(message_id: str, subject: str, body: str, reply_to: str | None = None) -> bytes:
    head = (
        "From: Olena Koval <olena@example.org>\n"
        "To: Ivan Petrov <ivan@example.org>\n"
        f"Subject: {subject}\n"
        "Date: Tue, 02 Jan 2024 09:30:00 +0000\n"
        f"Message-ID: <{message_id}>\n"
    )
    if reply_to:
        head += f"In-Reply-To: <{reply_to}>\nReferences: <{reply_to}>\n"
    return (head + "\n" + body + "\n").encode()


@pytest.fixture(scope="module")
def api(workspace_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    made = make_api(workspace_copy)
    root = tmp_path_factory.mktemp("docs") / "leak"
    root.mkdir()
    (root / "memo.pdf").write_bytes(MEMO)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("mail/first.eml", eml("a@x", "Harbour invoice", "Please pay it."))
        out.writestr("mail/reply.eml", eml("b@x", "Re: Harbour invoice", "Paid.", "a@x"))
    (root / "mail.zip").write_bytes(archive.getvalue())
    with made.state.data() as ws:
        ws.ingest_documents(root, "leakdocs", workers=1)
    yield made
    made.state.close()


def find(api: Api, query: str, name: str) -> dict[str, Any]:
    hits = api.get("olga", "/search", params={"q": query, "purpose": PURPOSE}).json()
    return next(d for d in hits["documents"] if d["file_name"] == name)


def page_of(api: Api, doc_id: str, user: str = "olga", **params: Any) -> Any:
    params = params or {"purpose": PURPOSE}
    return api.get(user, f"/documents/{doc_id}", params=params)


def marked(page: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [s for s in page["segments"] if s.get("kind") == kind]


def test_the_text_comes_page_by_page_with_terms_and_mentions_marked(api: Api) -> None:
    hit = find(api, "payment approved", "memo.pdf")
    assert hit["page"] == 2
    assert [part["text"] for part in hit["snippet"] if part["match"]] == ["Payment", "approved"]
    response = page_of(api, hit["id"], purpose=PURPOSE, q="approved")
    assert response.status_code == 200, response.text
    doc = response.json()
    assert (doc["file_name"], doc["mime_type"], doc["schema"]) == (
        "memo.pdf",
        "application/pdf",
        "Pages",
    )
    assert [p["number"] for p in doc["pages"]] == [1, 2]
    second = doc["pages"][1]
    # the page's text is the segments joined
    text = "".join(s.get("text", "") for s in second["segments"])
    assert "Payment approved by Ivan Petrov." in text
    assert [s["text"] for s in marked(second, "term")] == ["approved"]
    (mention,) = marked(second, "mention")
    assert mention["text"] == "Ivan Petrov" and mention["caption"]
    assert [s["text"] for s in marked(second, "email")] == ["olena@example.org"]
    # the entities it mentions, linked by their (resolved) ids: the registry's
    # Ivan Petrov and the leak's Петров Иван are one resolved entity, one row
    # (the third Ivan Petrov, the address in the mail's headers, is its own)
    (ivan,) = [m for m in doc["mentions"] if "p-ivan" in m["records"]]
    assert sorted(ivan["records"]) == ["leak-ivan", "p-ivan"]
    assert ivan["pages"] == [2]
    assert mention["entity_id"] in {m["id"] for m in doc["mentions"]}
    person = api.get("olga", f"/entities/{mention['entity_id']}", params={"purpose": PURPOSE})
    assert person.json()["caption"] == mention["caption"]
    assert "properties" in doc and "bodyText" not in doc["properties"]


def test_every_view_is_audited_with_its_purpose_or_case(api: Api) -> None:
    doc_id = find(api, "minutes", "memo.pdf")["id"]
    refused = api.get("olga", f"/documents/{doc_id}")
    assert refused.status_code in (400, 403), refused.text
    assert page_of(api, doc_id, case=api.case_id).status_code == 200
    entry = api.access.audit.log.entries(1, actor="olga")[-1]
    assert (entry.action, entry.target, entry.case_id) == (str(Action.VIEW), doc_id, api.case_id)
    assert entry.details == {"document": "view"}
    # not a member of the case: refused, as for entities
    assert page_of(api, doc_id, user="nina", case=api.case_id).status_code == 403


def test_an_email_shows_its_headers_its_thread_and_where_it_sits(api: Api) -> None:
    reply_id = find(api, "paid", "reply.eml")["id"]
    doc = page_of(api, reply_id).json()
    headers = doc["email"]["headers"]
    assert headers["subject"] == "Re: Harbour invoice"
    assert [(p["name"], p["email"]) for p in headers["from"]] == [
        ("Olena Koval", "olena@example.org")
    ]
    thread = doc["email"]["thread"]
    assert [(m["subject"], m["depth"], m["current"]) for m in thread] == [
        ("Harbour invoice", 0, False),
        ("Re: Harbour invoice", 1, True),
    ]
    # the folder named at ingest, then the archive (members keep their path in the source)
    assert [p["file_name"] for p in doc["parents"]] == ["leak", "mail.zip"]
    # the archive lists its members
    archive_id = doc["parents"][1]["id"]
    archive = page_of(api, archive_id).json()
    assert sorted(c["file_name"] for c in archive["children"]) == ["first.eml", "reply.eml"]


def test_the_original_is_a_download_and_audited(api: Api) -> None:
    doc_id = find(api, "minutes", "memo.pdf")["id"]
    response = api.get("olga", f"/documents/{doc_id}/download", params={"purpose": PURPOSE})
    assert response.status_code == 200
    assert response.content == MEMO
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment")
    entry = api.access.audit.log.entries(1, actor="olga")[-1]
    assert entry.target == doc_id and entry.details["document"] == "download"
    assert entry.purpose == PURPOSE
    assert api.get("olga", f"/documents/{doc_id}/download").status_code in (400, 403)


def test_viewers_see_personal_details_masked_and_get_no_original(api: Api) -> None:
    doc_id = find(api, "minutes", "memo.pdf")["id"]
    doc = page_of(api, doc_id, user="vera").json()
    assert doc["masked"] is True
    (email,) = marked(doc["pages"][1], "email")
    assert email == {"kind": "email", "masked": True}
    assert "olena@example.org" not in str(doc)
    response = api.get("vera", f"/documents/{doc_id}/download", params={"purpose": PURPOSE})
    assert response.status_code == 403
    # recorded as a refusal, not as a download
    entry = api.access.audit.log.entries(1, actor="vera")[-1]
    assert entry.action != str(Action.VIEW)


def test_the_entity_page_lists_the_documents_that_mention_it(api: Api) -> None:
    hit = find(api, "payment approved", "memo.pdf")
    mention = marked(page_of(api, hit["id"]).json()["pages"][1], "mention")[0]
    person = api.get("olga", f"/entities/{mention['entity_id']}", params={"purpose": PURPOSE})
    rows = person.json()["mentioned_in"]
    # one row, though the name matched both records merged into the person
    (row,) = [r for r in rows if r["document"]["file_name"] == "memo.pdf"]
    assert row["page"] == 2 and row["document"]["id"] == hit["id"]
    assert {"text": "Ivan Petrov", "match": True} in row["snippet"]


def test_a_case_holds_a_document_as_evidence(api: Api) -> None:
    doc_id = find(api, "minutes", "memo.pdf")["id"]
    added = api.post("olga", f"/cases/{api.case_id}/entities", json={"entity_id": doc_id})
    assert added.status_code == 201, added.text
    case = api.get("olga", f"/cases/{api.case_id}").json()
    (item,) = [e for e in case["entities"] if e["entity_id"] == doc_id]
    assert (item["caption"], item["schema"], item["document"]) == ("memo.pdf", "Pages", True)


def test_an_entity_that_is_no_document_has_no_document_page(api: Api) -> None:
    assert page_of(api, "c-alpha").status_code == 404
    assert page_of(api, "no-such-document").status_code == 404


def test_the_graph_api_follows_mentions_only_when_asked(api: Api) -> None:
    hit = find(api, "payment approved", "memo.pdf")
    person = marked(page_of(api, hit["id"]).json()["pages"][1], "mention")[0]["entity_id"]

    def neighbour_ids(**params: Any) -> set[str]:
        params = {"purpose": PURPOSE, **params}
        answer = api.get("olga", f"/graph/neighbours/{person}", params=params)
        assert answer.status_code == 200, answer.text
        return {node["id"] for node in answer.json()["nodes"]}

    assert hit["id"] not in neighbour_ids()
    assert hit["id"] in neighbour_ids(mentions="true")
