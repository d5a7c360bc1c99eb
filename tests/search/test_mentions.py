"""Tagging known names in document text: the hit is the name as written, at
its place in the text, whatever the script, spacing or order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.search.mentions import MentionMatcher, name_keys, normalise

NAMES = [
    ("ivan", "Ivan Petrov"),
    ("acme", "Acme Holdings Ltd"),
    ("olena", "Olena Kovalenko"),
]


def hits(text: str) -> list[tuple[str, str]]:
    return [(h.entity_id, h.written) for h in MentionMatcher(NAMES).find(text)]


def test_names_are_found_as_written_in_any_script_and_spacing() -> None:
    text = "Paid by ИВАН  ПЕТРОВ,\nthen by Olena\tKovalenko."
    assert hits(text) == [("ivan", "ИВАН  ПЕТРОВ"), ("olena", "Olena\tKovalenko")]


def test_offsets_point_at_the_text() -> None:
    text = "«Иван Петров» — the director of 北京 Acme Holdings Ltd; and Petrov, Ivan."
    for hit in MentionMatcher(NAMES).find(text):
        assert text[hit.start : hit.end] == hit.written
    assert hits(text) == [
        ("ivan", "Иван Петров"),
        ("acme", "Acme Holdings Ltd"),
        ("ivan", "Petrov, Ivan"),
    ]


def test_legal_form_is_covered_when_written_and_optional_when_not() -> None:
    assert hits("Acme Holdings Ltd paid") == [("acme", "Acme Holdings Ltd")]
    assert hits("Acme Holdings paid") == [("acme", "Acme Holdings")]


def test_lone_surnames_and_partial_names_are_never_tagged() -> None:
    assert hits("Petrov said that Ivan Sidorov and Kovalenko met Olena.") == []
    assert name_keys("Petrov") == []
    assert name_keys("Li Na") == []  # two short words: too common to tag alone


def test_words_inside_longer_words_do_not_match() -> None:
    assert hits("Ivan Petrovich and XIvan Petrov") == []


WORDS = st.sampled_from(
    ["Ivan", "Petrov", "ИВАН", "Петров", "Acme", "Holdings", "Ltd", "北京", "Straße", "-", "—",
     ",", "\n", "  ", "O'Brien", "the", "Olena", "Kovalenko", "Æsir", "😀", "１２３"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=40))
def test_every_hit_is_a_known_name_at_its_place(parts: list[str]) -> None:
    text = " ".join(parts)
    keys = {key for _, name in NAMES for key in name_keys(name)}
    for hit in MentionMatcher(NAMES).find(text):
        assert text[hit.start : hit.end] == hit.written
        assert normalise(hit.written).text in keys, hit


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=40))
def test_the_normalised_text_is_the_words_folded(parts: list[str]) -> None:
    text = " ".join(parts)
    normal = normalise(text)
    assert normal.text.startswith(" ") and normal.text.endswith(" ")
    assert "  " not in normal.text
    assert len(normal.token_starts) == len(normal.text.split()) == len(normal.token_words)
