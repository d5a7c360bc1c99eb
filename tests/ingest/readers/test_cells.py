"""A cell is cleaned exactly as ``ftm map`` cleans it (``sanitize_text``),
unless it holds a character Threadline refuses, which is passed on as it is
so the mapping can report it; the fast path for plain ASCII must not change
either result."""

from __future__ import annotations

from followthemoney.util import sanitize_text
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.ingest.readers.cells import clean_cell
from threadline.model.unsafe_chars import unsafe_character

#: every ASCII character, and a few that are not (spaces FtM rewrites, accents)
CHARS = st.sampled_from([chr(i) for i in range(0x80)] + list("\u00a0\u2003\u202eé\u0301ß"))


@settings(max_examples=3000, deadline=None)
@given(st.text(CHARS, max_size=8))
def test_a_cell_is_cleaned_as_ftm_map_cleans_it(text: str) -> None:
    expected = text if unsafe_character(text) is not None else sanitize_text(text)
    assert clean_cell(text) == expected


def test_blank_and_padded_ascii_cells() -> None:
    assert clean_cell("  Ivan Petrov ") == "Ivan Petrov"
    assert clean_cell("   ") is None
    assert clean_cell("a\x07b") == "a\x07b"  # refused later, with its place
