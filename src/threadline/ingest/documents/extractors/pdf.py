"""PDF: text per page from its text layer; a page without one is rendered
(pdfium, through pypdfium2) and OCR'd.

The text layer is read by poppler's ``pdftotext`` when it is installed (the
set-up installs poppler-utils): it reads a page about three times as fast
as pdfium's text page, and runs as a child of the sandboxed worker, so under
its memory limit and with the file's time limit. Without it, or when its
pages do not line up with pdfium's, pdfium reads the text.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from threadline.ingest.documents.base import Context, Encrypted, ExtractionFailed, Extractor
from threadline.ingest.documents.extractors.ocr import ocr_image
from threadline.ingest.documents.extractors.text import clean_text

_META = {"Title": "title", "Author": "author", "Creator": "generator", "Producer": "generator"}


def pdf_date(raw: str) -> str | None:
    """``D:20240131120000+01'00'`` -> ``2024-01-31T12:00:00``."""
    digits = raw.removeprefix("D:")
    if len(digits) < 4 or not digits[:4].isdigit():
        return None
    parts = [digits[0:4], digits[4:6], digits[6:8]]
    date = "-".join(p for p in parts if len(p) == 2 or len(p) == 4)
    time = digits[8:14]
    if len(time) == 6 and time.isdigit():
        return f"{date}T{time[0:2]}:{time[2:4]}:{time[4:6]}"
    return date


class PDFExtractor(Extractor):
    schema = "Pages"

    def extract(self, ctx: Context) -> None:
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(str(ctx.path))
        except pdfium.PdfiumError as exc:
            text = str(exc).lower()
            if "password" in text:
                raise Encrypted("the PDF is encrypted (needs a password)") from exc
            raise ExtractionFailed(f"not a readable PDF ({exc})") from exc
        try:
            self._metadata(ctx, pdf)
            ocred = 0
            total_chars = 0
            layer = poppler_text(ctx.path, len(pdf), ctx.limits.timeout_seconds)
            for number in range(1, len(pdf) + 1):
                if layer is not None:
                    text = clean_text(layer[number - 1])
                else:
                    page = pdf[number - 1]
                    textpage = page.get_textpage()
                    text = clean_text(textpage.get_text_range())
                    textpage.close()
                    page.close()
                if not text.strip() and ocred < ctx.limits.max_ocr_pages:
                    ocred += 1
                    page = pdf[number - 1]
                    text = clean_text(self._ocr(ctx, page, number))
                    page.close()
                total_chars += len(text)
                if total_chars > ctx.limits.max_text_chars:
                    ctx.document.add("processingError", "text truncated at the size limit")
                    break
                entity = ctx.entity("Page", ctx.document.id, str(number))
                entity.add("document", ctx.document.id)
                entity.add("index", number, number)
                entity.add("bodyText", text, number)
                ctx.result.pages += 1
        finally:
            pdf.close()

    def _metadata(self, ctx: Context, pdf: object) -> None:
        meta = pdf.get_metadata_dict(skip_empty=True)  # type: ignore[attr-defined]
        for key, prop in _META.items():
            ctx.document.add(prop, meta.get(key))
        for key, prop in (("CreationDate", "authoredAt"), ("ModDate", "modifiedAt")):
            if meta.get(key):
                ctx.document.add(prop, pdf_date(meta[key]))

    def _ocr(self, ctx: Context, page: object, number: int) -> str:
        scale = ctx.limits.ocr_dpi / 72
        width, height = page.get_size()  # type: ignore[attr-defined]
        if width * scale * height * scale > ctx.limits.max_pixels:
            raise ExtractionFailed(f"page {number} is too large to render for OCR", "limits")
        bitmap = page.render(scale=scale, grayscale=True)  # type: ignore[attr-defined]
        # a scratch folder only for a page that needs OCR: making and removing
        # one for every file cost more than a born-digital page's text
        with tempfile.TemporaryDirectory(prefix="tl-ocr-") as scratch:
            image = Path(scratch) / f"page-{number}.png"
            bitmap.to_pil().save(image)
            bitmap.close()
            return ocr_image(image, ctx.ocr_languages, ctx.limits.timeout_seconds)


_WHOLE_PLANE = ["-x", "-100000", "-y", "-100000", "-W", "200000", "-H", "200000"]


def poppler_text(path: Path, pages: int, timeout: float) -> list[str] | None:
    """Each page's text by ``pdftotext``, or None when it is not installed,
    fails, or finds another number of pages than pdfium (the caller then
    reads the text with pdfium)."""
    program = shutil.which("pdftotext")
    if program is None or pages == 0:
        return None
    try:
        done = subprocess.run(
            # the crop area is far larger than any page: by default
            # pdftotext drops text outside the page box, and text hidden
            # there is exactly what an investigator needs to see
            [program, "-q", "-enc", "UTF-8", *_WHOLE_PLANE, str(path), "-"],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    # every page ends with a form feed
    texts = done.stdout.decode("utf-8", "replace").split("\f")
    if len(texts) != pages + 1 or texts[-1].strip():
        return None
    return texts[:pages]
