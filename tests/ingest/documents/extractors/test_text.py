"""The text clean-up every extractor shares: what a reader sees and what
search matches must be composed (NFC), free of control characters, with
blanks and blank lines folded, whatever the extractor produced."""

from __future__ import annotations

import re
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


def _reference_clean(text: str) -> str:
    """The clean-up as plain regular expressions over every character: the
    fast path (substring tests first, bytes for ASCII) must agree with it."""
    text = re.sub(
        r"[\x00-\x08\x0b\x0e-\x1f\x7f]", "", text.replace("\r\n", "\n").replace("\r", "\n")
    )
    text = unicodedata.normalize("NFC", text.replace("\ufffe", "").replace("\uffff", ""))
    text = re.sub(r"[ \t\u00a0]{2,}|[\t\u00a0]", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


ASCII_PIECES = [
    "a",
    "b",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n\n",
    "\r",
    "\r\n",
    "\x00",
    "\x07",
    "\x0c",
    "\x1f",
    "\x7f",
]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(ASCII_PIECES + PIECES + ["\uffff", "Ж"])).map("".join)
    | st.lists(st.sampled_from(ASCII_PIECES)).map("".join)
)
def test_fast_clean_text_agrees_with_the_plain_expressions(text: str) -> None:
    assert clean_text(text) == _reference_clean(text)


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
