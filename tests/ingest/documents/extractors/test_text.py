"""The text clean-up every extractor shares: what a reader sees and what
search matches must be composed (NFC), free of control characters, with
blanks and blank lines folded, whatever the extractor produced."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.ingest.documents.extractors.text import clean_text, decode_text

PIECES = list("ab \t\n\r\u00a0\x00\x07\x0c\u0301éÅ\u212b\ufffe")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(PIECES)))
def test_clean_text_is_composed_and_folded(text: str) -> None:
    out = clean_text(text)
    assert unicodedata.is_normalized("NFC", out)
    assert "  " not in out and "\n\n\n" not in out and "\t" not in out
    assert not any(char in out for char in "\x00\x07\r\ufffe\u00a0")
    assert out == out.strip()


def test_single_spaces_and_paragraphs_are_kept() -> None:
    assert clean_text("Share  purchase\t agreement\r\n\r\n\r\nSigned") == (
        "Share purchase agreement\n\nSigned"
    )


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Le conseil a déjà approuvé le paiement; la réunion a été déjà reportée. " * 3, "cp1252"),
        ("El consejo aprobó el pago en la reunión del año pasado, según el contrato. " * 3,
         "cp1252"),
        ("Совет директоров одобрил платёж по договору, подписанному владельцем. " * 3, "cp1251"),
        ("Zarząd zatwierdził płatność; właściciel spółki podpisał umowę źródłową. " * 3,
         "cp1250"),
    ],
)  # fmt: skip
def test_legacy_code_pages_are_read_as_written(text: str, encoding: str) -> None:
    decoded, _ = decode_text(text.encode(encoding))
    assert decoded == text
