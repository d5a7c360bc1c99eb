"""The PDF text layer: read by poppler's pdftotext when installed, by pdfium
otherwise, page for page the same text either way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from document_corpus import pdf_bytes
from threadline.ingest.documents.extractors import pdf as pdf_module
from threadline.ingest.documents.extractors.pdf import poppler_text
from threadline.ingest.documents.extractors.text import clean_text

PAGES = ["Share purchase agreement\nbetween Cobalt Marine Ltd", "", "Signed by Ivan Petrov"]


@pytest.fixture
def three_pages(tmp_path: Path) -> Path:
    path = tmp_path / "deal.pdf"
    path.write_bytes(pdf_bytes(PAGES))
    return path


def _pdfium_pages(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [clean_text(pdf[n].get_textpage().get_text_range()) for n in range(len(pdf))]
    finally:
        pdf.close()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_poppler_reads_each_page_as_pdfium_does(three_pages: Path) -> None:
    pages = poppler_text(three_pages, 3, timeout=30)
    assert pages is not None
    assert [clean_text(p) for p in pages] == _pdfium_pages(three_pages)
    assert [clean_text(p) for p in pages] == [clean_text(p) for p in PAGES]


def test_without_poppler_pdfium_reads_the_text(
    three_pages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_module.shutil, "which", lambda _name: None)
    assert poppler_text(three_pages, 3, timeout=30) is None


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_page_count_that_does_not_line_up_falls_back(three_pages: Path) -> None:
    # pdfium said four pages: the texts cannot be matched to pages safely
    assert poppler_text(three_pages, 4, timeout=30) is None


def test_a_file_poppler_cannot_read_falls_back(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot really")
    assert poppler_text(broken, 1, timeout=30) is None


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_text_beyond_the_page_edge_is_kept(tmp_path: Path) -> None:
    """A line running off the page is hidden from a reader, not from us."""
    line = " ".join(f"word{n}" for n in range(60))
    path = tmp_path / "wide.pdf"
    path.write_bytes(pdf_bytes([line]))
    pages = poppler_text(path, 1, timeout=30)
    assert pages is not None
    assert clean_text(pages[0]) == line == _pdfium_pages(path)[0]
