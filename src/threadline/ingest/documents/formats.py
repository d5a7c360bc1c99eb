"""The document formats Threadline reads, by MIME type as libmagic reports
it from the content (never from the name). A new format is one
``EXTRACTORS.register`` call; its library loads when such a file is met."""

from __future__ import annotations

import re
from pathlib import Path

from threadline.ingest.documents.base import ExtractionFailed, Extractor
from threadline.ingest.registry import Registry

EXTRACTORS: Registry[Extractor] = Registry("extractor", Extractor)
_P = "threadline.ingest.documents.extractors"

EXTRACTORS.register("pdf", f"{_P}.pdf:PDFExtractor", mime_types=("application/pdf",))
EXTRACTORS.register(
    "image",
    f"{_P}.image:ImageExtractor",
    mime_types=("image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp", "image/webp"),
)
EXTRACTORS.register(
    "docx",
    f"{_P}.office:DOCXExtractor",
    mime_types=("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
)
EXTRACTORS.register(
    "pptx",
    f"{_P}.office:PPTXExtractor",
    mime_types=("application/vnd.openxmlformats-officedocument.presentationml.presentation",),
)
EXTRACTORS.register(
    "odt", f"{_P}.office:ODTExtractor", mime_types=("application/vnd.oasis.opendocument.text",)
)
EXTRACTORS.register("rtf", f"{_P}.office:RTFExtractor", mime_types=("text/rtf", "application/rtf"))
EXTRACTORS.register(
    "html", f"{_P}.html:HTMLExtractor", mime_types=("text/html", "application/xhtml+xml")
)
EXTRACTORS.register("eml", f"{_P}.mail:EmailExtractor", mime_types=("message/rfc822",))
EXTRACTORS.register("mbox", f"{_P}.mail:MboxExtractor", mime_types=("application/mbox",))
EXTRACTORS.register("zip", f"{_P}.archive:ZipExtractor", mime_types=("application/zip",))
EXTRACTORS.register(
    "tar",
    f"{_P}.archive:TarExtractor",
    mime_types=(
        "application/x-tar",
        "application/gzip",
        "application/x-gzip",
        "application/x-bzip2",
        "application/x-xz",
    ),
)
EXTRACTORS.register(
    "7z", f"{_P}.archive:SevenZipExtractor", mime_types=("application/x-7z-compressed",)
)
EXTRACTORS.register(
    "text",
    f"{_P}.text:TextExtractor",
    mime_types=(
        "text/plain",
        "text/csv",
        "text/x-c",
        "application/json",
        "text/xml",
        "application/xml",
        "text/markdown",
        "application/csv",
    ),
)

#: MIME types libmagic reports for formats we know but do not parse, with why
UNSUPPORTED = {
    "application/vnd.ms-outlook": (
        "Outlook MSG is not read: the maintained parser (extract-msg) is GPL, which "
        "Threadline cannot ship; export the mails as EML or MBOX"
    ),
    "application/CDFV2": "an OLE compound file (old Office format or Outlook MSG) is not read",
}


_MIME = re.compile(r"[a-z]+/[A-Za-z0-9.+_-]+")


def detect_mime(path: Path) -> str:
    """The MIME type of ``path`` from its first bytes (libmagic)."""
    import magic

    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if not head:
        return "application/x-empty"
    try:
        mime = str(magic.from_buffer(head, mime=True))
    except magic.MagicException as exc:
        raise ExtractionFailed(f"libmagic cannot tell the type ({exc})", "detect") from exc
    if not _MIME.fullmatch(mime):
        raise ExtractionFailed(f"libmagic cannot tell the type (it said {mime!r})", "detect")
    if mime in ("application/octet-stream", "text/plain") and _looks_like_mbox(head):
        return "application/mbox"
    return mime


def _looks_like_mbox(head: bytes) -> bool:
    return head.startswith(b"From ") and b"\n" in head[:1000] and b":" in head[:4000]
