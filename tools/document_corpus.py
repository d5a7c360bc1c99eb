"""Generated documents with known text, for the tests and the benchmark:
born-digital PDFs (written byte by byte, xref offsets computed) and clean
scans (text drawn with Pillow's bundled font). Nothing is downloaded."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any


def pdf_bytes(pages: list[str]) -> bytes:
    """A born-digital PDF: each page's lines in Helvetica (ASCII)."""
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        lines = []
        for n, line in enumerate(text.split("\n")):
            safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            lines.append(f"BT /F1 11 Tf 50 {760 - 14 * n} Td ({safe}) Tj ET")
        stream = "\n".join(lines).encode("latin-1")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_ids[i] + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def text_image(lines: list[str], size: int = 36) -> Any:
    """A clean 200-dpi 'scan': black text on a white page, as a Pillow image
    (36 px at 200 dpi is about 13 pt)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=size)
    height = 80 + len(lines) * int(size * 1.6)
    image = Image.new("L", (1700, max(height, 400)), 255)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((80, 60 + n * int(size * 1.6)), line, fill=0, font=font)
    return image


def save_png(path: Path, lines: list[str]) -> Path:
    text_image(lines).save(path, dpi=(200, 200))
    return path


def scanned_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF of page images only (no text layer): what a scanner makes."""
    images = [text_image(lines).convert("RGB") for lines in pages]
    images[0].save(path, "PDF", resolution=200.0, save_all=True, append_images=images[1:])
    return path
