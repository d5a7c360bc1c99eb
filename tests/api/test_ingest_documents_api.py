"""Documents and archives over the ingest API: detected from the content,
read file by file in the document sandbox under the upload budgets, stored
with their failures, and recorded in the audit log like table uploads."""

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
from threadline.api.settings import UPLOAD_DOCUMENT_LIMITS
from threadline.ingest.documents.limits import MiB

#: small budgets, so a bomb hits them at once
LIMITS = UPLOAD_DOCUMENT_LIMITS.__class__(
    worker_memory=UPLOAD_DOCUMENT_LIMITS.worker_memory,
    timeout_seconds=60,
    max_expanded_bytes=1 * MiB,
    max_members=50,
)

MEMO = pdf_bytes(["Board minutes", "Payment approved by Ivan Petrov for the harbour works"])
EMAIL = (
    b"From: Olena Koval <olena@example.org>\n"
    b"To: Ivan Petrov <ivan@example.org>\n"
    b"Subject: Harbour invoice\n"
    b"Date: Tue, 02 Jan 2024 09:30:00 +0000\n"
    b"Message-ID: <invoice-1@example.org>\n"
    b"\n"
    b"Please pay the harbour invoice today.\n"
)


@pytest.fixture(scope="module")
def api(workspace_copy: Path) -> Iterator[Api]:
    made = make_api(workspace_copy, upload_document_limits=LIMITS)
    yield made
    made.state.close()


def upload(api: Api, name: str, data: bytes, user: str = "olga", **form: Any) -> Any:
    files = {"file": (name, data, "application/octet-stream")}
    return api.post(user, "/ingest", data={"dataset": "uploads", **form}, files=files)


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def ingest_entries(api: Api) -> list[Any]:
    return api.access.audit.log.entries(20, action=str(Action.INGEST))


def test_a_pdf_is_loaded_as_a_document_and_recorded(api: Api) -> None:
    response = upload(api, "memo.pdf", MEMO)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["kind"] == "documents"
    assert (report["files"], report["processed"], report["pages"]) == (1, 1, 2)
    assert report["failed"] == []
    # Ivan Petrov is known, from two records (the registry's and the leak's
    # Петров Иван): the page mentions each
    assert report["mentions"] == 2
    entry = ingest_entries(api)[-1]
    assert (entry.actor, entry.target) == ("olga", "uploads")
    assert entry.details["format"] == "documents"
    assert entry.details["source"] == "memo.pdf"
    assert entry.details["files"] == 1 and entry.details["failed"] == 0
    assert len(entry.details["sha256"]) == 64
    hits = api.get("olga", "/search", params={"q": "harbour works", "purpose": PURPOSE}).json()
    assert [d["file_name"] for d in hits["documents"]] == ["memo.pdf"]


def test_an_archive_is_unpacked_member_by_member(api: Api) -> None:
    data = zipped({"mail/invoice.eml": EMAIL, "memo.pdf": MEMO})
    response = upload(api, "leak.zip", data)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["kind"] == "documents"
    assert (report["files"], report["processed"]) == (3, 3)  # the archive and its members
    assert report["failed"] == []
    hits = api.get("olga", "/search", params={"q": "invoice today", "purpose": PURPOSE}).json()
    assert [d["file_name"] for d in hits["documents"]] == ["invoice.eml"]


def test_a_zip_bomb_is_stored_as_failed_and_recorded(api: Api) -> None:
    bomb = zipped({"zeros.bin": b"\0" * (2 * MiB)})
    response = upload(api, "bomb.zip", bomb)
    assert response.status_code == 200, response.text
    (failed,) = response.json()["failed"]
    assert failed["source"] == "bomb.zip"
    assert failed["stage"] == "limits" and "zip bomb" in failed["reason"]
    assert ingest_entries(api)[-1].details["failed"] == 1


def test_the_sender_may_say_what_the_file_is(api: Api) -> None:
    # a CSV as a document: its text is searchable, no rows are mapped
    csv = b"name,role\nMarta Kovac,treasurer of the harbour board\n"
    response = upload(api, "board.csv", csv, kind="documents")
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "documents"
    hits = api.get("olga", "/search", params={"q": "treasurer", "purpose": PURPOSE}).json()
    assert "board.csv" in [d["file_name"] for d in hits["documents"]]
    # a PDF is no table
    response = upload(api, "memo.pdf", MEMO, kind="table", schema="Person", map=["name=x"])
    assert response.status_code == 400, response.text


def test_preview_of_a_document_names_its_type(api: Api) -> None:
    files = {"file": ("scan.bin", MEMO, "application/octet-stream")}
    response = api.post("olga", "/ingest/preview", data={"dataset": "uploads"}, files=files)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert (preview["kind"], preview["mime_type"]) == ("documents", "application/pdf")
    assert preview["entities"] == []


def test_viewers_may_not_upload_documents(api: Api) -> None:
    before = len(ingest_entries(api))
    response = upload(api, "memo.pdf", MEMO, user="vera")
    assert response.status_code == 403
    assert len(ingest_entries(api)) == before
