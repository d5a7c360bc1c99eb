"""Each format becomes the FtM entities an analyst expects, with the text
where search will look for it, and each value citing its file and page."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest

from threadline.workspace import Workspace


def _by_schema(ws: Workspace, dataset: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for entity in ws.entities(dataset):
        found.setdefault(entity.schema.name, []).append(entity)
    return found


def _one(entities: list[Any], file_name: str) -> Any:
    matches = [e for e in entities if file_name in e.proxy.get("fileName")]
    assert len(matches) == 1, [e.proxy.get("fileName") for e in entities]
    return matches[0]


@pytest.fixture
def corpus(tmp_path: Path, docs: Any) -> Path:
    root = tmp_path / "leak"
    (root / "contracts").mkdir(parents=True)
    (root / "contracts" / "deal.pdf").write_bytes(
        docs.pdf_bytes(["Share purchase agreement", "Signed by Ivan Petrov\nin Limassol"])
    )
    docs.docx_file(root / "memo.docx", ["Board memo", "Payment to Acme Holdings Ltd"], "Maria")
    docs.pptx_file(root / "deck.pptx", ["First slide about Kestrel", "Second slide: offshore"])
    docs.odt_file(root / "letter.odt", ["Dear Sir", "The Zephyr account is closed"])
    (root / "note.rtf").write_bytes(
        rb"{\rtf1\ansi{\fonttbl\f0 Arial;}\f0 Wire to Bluefin Trading\par}"
    )
    (root / "page.html").write_bytes(
        b"<html><head><title>Registry</title><script>var hidden='scriptword'</script>"
        b"<style>.x{}</style></head><body><nav>Home Menu</nav>"
        b"<p>Director: Olena Kovalenko</p><footer>Copyright</footer></body></html>"
    )
    # cp1251 Cyrillic without a BOM: the encoding has to be detected
    (root / "cyrillic.txt").write_bytes(
        "Договор между компанией Восток и господином Сидоровым, "
        "подписан в Москве пятого марта".encode("cp1251")
    )
    # named .dat: the type comes from the content
    (root / "mail.dat").write_bytes(
        docs.eml(
            "Alice <alice@example.org>",
            "Bob <bob@example.org>",
            "Deal",
            "Body one",
            "<m1@example.org>",
            attachment=("terms.txt", b"Attached terms text"),
        )
    )
    reply = docs.eml(
        "Bob <bob@example.org>",
        "Alice <alice@example.org>",
        "Re: Deal",
        "Body two",
        "<m2@example.org>",
        in_reply_to="<m1@example.org>",
    )
    (root / "box.mbox").write_bytes(docs.mbox([reply]))
    with tarfile.open(root / "bundle.tar.gz", "w:gz") as tar:
        inner = root / "contracts" / "deal.pdf"
        tar.add(inner, arcname="copy/deal-copy.pdf")
    return root


def test_a_folder_of_every_format(workspace: Workspace, corpus: Path, docs: Any) -> None:
    report = workspace.ingest_documents(corpus, "leak", limits=docs.limits, workers=2)
    assert report.failed == [], report.failed
    found = _by_schema(workspace, "leak")

    pdf = _one(found["Pages"], "deal.pdf")
    assert pdf.proxy.get("mimeType") == ["application/pdf"]
    assert len(pdf.proxy.get("contentHash")[0]) == 64
    pages = sorted(
        (p for p in found["Page"] if pdf.id in p.proxy.get("document")),
        key=lambda p: int(p.proxy.get("index")[0]),
    )
    assert [p.proxy.get("bodyText")[0] for p in pages] == [
        "Share purchase agreement",
        "Signed by Ivan Petrov\nin Limassol",
    ]
    # each page's text cites the file and the page it came from
    rows = workspace.store.entity_rows([pages[1].id])
    body = next(r for r in rows if r.prop == "bodyText")
    assert body.source == "leak/contracts/deal.pdf" and body.source_line == 2

    # the folder chain: deal.pdf -> contracts -> leak
    folders = {f.id: f for f in found["Folder"]}
    contracts = folders[pdf.proxy.get("parent")[0]]
    assert contracts.proxy.get("fileName") == ["contracts"]
    assert folders[contracts.proxy.get("parent")[0]].proxy.get("fileName") == ["leak"]

    memo = _one(found["Pages"], "memo.docx")
    assert memo.proxy.get("author") == ["Maria"]
    texts = " ".join(p.proxy.get("bodyText")[0] for p in found["Page"])
    assert "Payment to Acme Holdings Ltd" in texts
    assert "Second slide: offshore" in texts and "The Zephyr account is closed" in texts
    assert "Wire to Bluefin Trading" in texts
    deck = _one(found["Pages"], "deck.pptx")
    assert len([p for p in found["Page"] if deck.id in p.proxy.get("document")]) == 2

    html = _one(found["HyperText"], "page.html")
    assert html.proxy.get("bodyText") == ["Director: Olena Kovalenko"]
    assert html.proxy.get("title") == ["Registry"]

    text = _one(found["PlainText"], "cyrillic.txt")
    assert "господином Сидоровым" in text.proxy.get("bodyText")[0]

    # e-mail: parties as entities, the thread from In-Reply-To, the attachment a child
    first = _one(found["Email"], "mail.dat")
    parties = {p.proxy.get("email")[0]: p for p in found["LegalEntity"]}
    assert first.proxy.get("from") == [parties["alice@example.org"].id]
    assert first.proxy.get("to") == [parties["bob@example.org"].id]
    reply = next(e for e in found["Email"] if e.proxy.get("subject") == ["Re: Deal"])
    assert reply.proxy.get("inReplyToEmail") == [first.id]
    attached = _one(found["PlainText"], "terms.txt")
    assert attached.proxy.get("parent") == [first.id]
    assert attached.proxy.get("bodyText") == ["Attached terms text"]

    # an archive member: parent is the Package, source names the path inside
    package = _one(found["Package"], "bundle.tar.gz")
    copy = next(p for p in found["Pages"] if p.proxy.get("parent") == [package.id])
    rows = workspace.store.entity_rows([copy.id])
    assert {r.source for r in rows} == {"leak/bundle.tar.gz!/copy/deal-copy.pdf"}
    # the same bytes twice (folder and archive): one blob
    assert copy.proxy.get("contentHash") == pdf.proxy.get("contentHash")
    blob = workspace.document_blob(pdf.proxy.get("contentHash")[0])
    assert blob.read_bytes() == (corpus / "contracts" / "deal.pdf").read_bytes()


def test_export_passes_ftm_validate(
    workspace: Workspace, corpus: Path, docs: Any, tmp_path: Path
) -> None:
    import subprocess
    import sys

    workspace.ingest_documents(corpus, "leak", limits=docs.limits, workers=2)
    out = tmp_path / "leak.ftm.json"
    with open(out, "wb") as fh:
        workspace.export("ftm", fh)
    ftm = Path(sys.executable).parent / "ftm"
    done = subprocess.run([str(ftm), "validate", "-i", str(out)], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def test_ocr_of_scans(workspace: Workspace, tmp_path: Path, docs: Any) -> None:
    root = tmp_path / "scans"
    root.mkdir()
    docs.save_png(root / "receipt.png", ["PAYMENT RECEIVED FROM", "NORTHWIND TRADING"])
    docs.scanned_pdf(root / "scan.pdf", [["FIRST SCANNED PAGE"], ["SECOND PAGE KESTREL"]])
    report = workspace.ingest_documents(root, "scans", limits=docs.limits, workers=2)
    assert report.failed == []
    found = _by_schema(workspace, "scans")
    image = _one(found["Image"], "receipt.png")
    assert "NORTHWIND TRADING" in image.proxy.get("bodyText")[0]
    pages = sorted(found["Page"], key=lambda p: int(p.proxy.get("index")[0]))
    assert "FIRST SCANNED PAGE" in pages[0].proxy.get("bodyText")[0]
    assert "KESTREL" in pages[1].proxy.get("bodyText")[0]
