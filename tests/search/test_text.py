from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.search.text import MAX_TOKEN_LENGTH, name_tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Иван Петров", ["ivan", "petrov"]),
        ("Ivan Petrov", ["ivan", "petrov"]),
        ("IVAN  PETROV", ["ivan", "petrov"]),
        ("Ärger", ["arger"]),
        ("Müller", ["muller"]),
        ("Łódź", ["lodz"]),
        ("Straße", ["strasse"]),
        ("Ελληνικά", ["ellenika"]),
        ("习近平", ["xi", "jin", "ping"]),
        ("ACME-Holdings, Ltd.", ["acme", "holdings", "ltd"]),
        ("No. 12/345-B", ["no", "12", "345", "b"]),
        ("ＡＢＣ１２３", ["abc123"]),
    ],
)
def test_transliterates_folds_and_splits(text: str, tokens: list[str]) -> None:
    assert name_tokens(text) == tokens


@pytest.mark.parametrize("text", ["O'Brien", "O’Brien", "OBrien"])
def test_apostrophes_join_rather_than_split(text: str) -> None:
    assert name_tokens(text) == ["obrien"]


def test_transliterated_soft_sign_matches_latin_spelling() -> None:
    # ICU writes the Cyrillic soft sign as an apostrophe: Ольга -> Ol'ga.
    assert name_tokens("Ольга") == name_tokens("Olga")


@pytest.mark.parametrize("text", ["", "   ", "--- / ---", "\t\n"])
def test_nothing_to_tokenise(text: str) -> None:
    assert name_tokens(text) == []


def test_drops_overlong_tokens() -> None:
    assert name_tokens("ok " + "x" * (MAX_TOKEN_LENGTH + 1)) == ["ok"]


def test_result_is_a_fresh_list() -> None:
    # The tokens come from a cache; mutating a result must not poison it.
    first = name_tokens("Cobalt Marine")
    first.append("junk")
    assert name_tokens("Cobalt Marine") == ["cobalt", "marine"]


@given(st.text())
def test_tokens_are_lowercase_ascii_and_stable(text: str) -> None:
    tokens = name_tokens(text)
    assert all(re.fullmatch(r"[a-z0-9]+", token) for token in tokens)
    # The index stores tokens joined by spaces and splits them again on
    # whitespace, so normalising twice must change nothing.
    assert name_tokens(" ".join(tokens)) == tokens


def test_long_text_tokenises_like_short_text() -> None:
    # Long text is transliterated word by word, short text in one go.
    sentence = "Иван Петров, Müller & O'Brien: 习近平 Ltd."
    long_text = " ".join([sentence] * 10)
    assert len(long_text) > 100
    assert name_tokens(long_text) == name_tokens(sentence) * 10
