"""Generators of documents for these tests: every file is made here, from
code, so the corpus (including the hostile one) is reproducible and nothing
is downloaded. Helpers live in this conftest (tests/ has no helper package);
they are plain functions exposed through the ``docs`` fixture."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from document_corpus import pdf_bytes, save_png, scanned_pdf, text_image
from threadline.ingest.documents.limits import DocumentLimits

#: small budgets so hostile files hit them quickly; still far above what the
#: good files need
TEST_LIMITS = DocumentLimits(
    worker_memory=1 << 30,
    timeout_seconds=60,
    max_expanded_bytes=64 << 20,
    max_ratio=100,
    max_members=1000,
    max_depth=5,
    max_total_bytes=256 << 20,
    max_pixels=20_000_000,
    max_line_bytes=1 << 20,
)


def docx_file(path: Path, paragraphs: list[str], author: str = "") -> Path:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.core_properties.author = author
    document.save(str(path))
    return path


def pptx_file(path: Path, slides: list[str]) -> Path:
    import pptx
    from pptx.util import Inches

    deck = pptx.Presentation()
    for text in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[6])
        box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(1))
        box.text_frame.text = text
    deck.save(str(path))
    return path


def odt_file(path: Path, paragraphs: list[str]) -> Path:
    ns = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    ns += 'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as odf:
        odf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        odf.writestr("content.xml", content)
        odf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        )
    return path


def eml(
    sender: str,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    in_reply_to: str | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Tue, 02 Jan 2024 09:30:00 +0000"
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    if attachment:
        message.add_attachment(
            attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0]
        )
    return bytes(message)


def mbox(messages: list[bytes]) -> bytes:
    out = []
    for data in messages:
        out.append(b"From sender@example.org Tue Jan  2 09:30:00 2024\n")
        for line in data.replace(b"\r\n", b"\n").split(b"\n"):
            out.append((b">" + line if line.startswith(b"From ") else line) + b"\n")
        out.append(b"\n")
    return b"".join(out)


@pytest.fixture(scope="session")
def docs() -> SimpleNamespace:
    return SimpleNamespace(
        limits=TEST_LIMITS,
        pdf_bytes=pdf_bytes,
        text_image=text_image,
        save_png=save_png,
        scanned_pdf=scanned_pdf,
        docx_file=docx_file,
        pptx_file=pptx_file,
        odt_file=odt_file,
        eml=eml,
        mbox=mbox,
    )
