"""Office documents: DOCX (python-docx), PPTX (python-pptx, a page per
slide), ODT (its content.xml, read with lxml, no entities, no network) and
RTF (striprtf). Each becomes Pages with its text in Page entities, like a
PDF, so search and snippets treat every paged document alike."""

from __future__ import annotations

import zipfile

from threadline.ingest.documents.base import Context, Encrypted, ExtractionFailed, Extractor
from threadline.ingest.documents.extractors.text import clean_text, decode_text

_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
_DC = "http://purl.org/dc/elements/1.1/"


def _page(ctx: Context, number: int, text: str) -> None:
    entity = ctx.entity("Page", ctx.document.id, str(number))
    entity.add("document", ctx.document.id)
    entity.add("index", number, number)
    entity.add("bodyText", clean_text(text), number)
    ctx.result.pages += 1


def _ooxml_encrypted(ctx: Context) -> None:
    # An encrypted OOXML file is an OLE compound file, not a zip.
    with open(ctx.path, "rb") as fh:
        if fh.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise Encrypted("the Office document is encrypted")


def _core(ctx: Context, props: object) -> None:
    doc = ctx.document
    doc.add("title", getattr(props, "title", None))
    doc.add("author", getattr(props, "author", None))
    doc.add("language", getattr(props, "language", None))
    for attr, prop in (("created", "authoredAt"), ("modified", "modifiedAt")):
        value = getattr(props, attr, None)
        if value is not None:
            doc.add(prop, value.isoformat()[:19])


class DOCXExtractor(Extractor):
    schema = "Pages"

    def extract(self, ctx: Context) -> None:
        import docx

        _ooxml_encrypted(ctx)
        try:
            document = docx.Document(str(ctx.path))
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise ExtractionFailed(f"not a readable DOCX ({exc})") from exc
        _core(ctx, document.core_properties)
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.append("\t".join(cell.text for cell in row.cells))
        _page(ctx, 1, "\n".join(parts))


class PPTXExtractor(Extractor):
    schema = "Pages"

    def extract(self, ctx: Context) -> None:
        import pptx

        _ooxml_encrypted(ctx)
        try:
            deck = pptx.Presentation(str(ctx.path))
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise ExtractionFailed(f"not a readable PPTX ({exc})") from exc
        _core(ctx, deck.core_properties)
        for number, slide in enumerate(deck.slides, start=1):
            texts = [
                shape.text_frame.text
                for shape in slide.shapes
                if getattr(shape, "has_text_frame", False) and shape.has_text_frame
            ]
            _page(ctx, number, "\n".join(texts))


class ODTExtractor(Extractor):
    schema = "Pages"

    def extract(self, ctx: Context) -> None:
        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            with zipfile.ZipFile(ctx.path) as odf:
                names = set(odf.namelist())
                if "META-INF/manifest.xml" in names:
                    manifest = odf.read("META-INF/manifest.xml")
                    if b"encryption-data" in manifest:
                        raise Encrypted("the OpenDocument file is encrypted")
                info = odf.getinfo("content.xml")
                if info.file_size > ctx.limits.max_text_chars:
                    raise ExtractionFailed("content.xml is over the text limit", "limits")
                content = etree.fromstring(odf.read("content.xml"), parser)
                meta = (
                    etree.fromstring(odf.read("meta.xml"), parser) if "meta.xml" in names else None
                )
        except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
            raise ExtractionFailed(f"not a readable OpenDocument file ({exc})") from exc
        lines = [
            "".join(el.itertext()) for el in content.iter(f"{{{_ODF_TEXT}}}p", f"{{{_ODF_TEXT}}}h")
        ]
        if meta is not None:
            for tag, prop in (
                (f"{{{_DC}}}title", "title"),
                (f"{{{_DC}}}creator", "author"),
                (f"{{{_ODF_META}}}initial-creator", "author"),
                (f"{{{_DC}}}language", "language"),
            ):
                for el in meta.iter(tag):
                    ctx.document.add(prop, el.text)
            for tag, prop in (
                (f"{{{_ODF_META}}}creation-date", "authoredAt"),
                (f"{{{_DC}}}date", "modifiedAt"),
            ):
                for el in meta.iter(tag):
                    ctx.document.add(prop, (el.text or "")[:19])
        _page(ctx, 1, "\n".join(lines))


class RTFExtractor(Extractor):
    schema = "Pages"

    def extract(self, ctx: Context) -> None:
        from striprtf.striprtf import rtf_to_text

        data = ctx.path.read_bytes()
        if len(data) > ctx.limits.max_text_chars:
            raise ExtractionFailed("RTF file over the text limit", "limits")
        markup, _ = decode_text(data)
        try:
            text = str(rtf_to_text(markup, errors="replace"))  # type: ignore[no-untyped-call]
        except (ValueError, IndexError) as exc:
            raise ExtractionFailed(f"not a readable RTF file ({exc})") from exc
        _page(ctx, 1, text)
