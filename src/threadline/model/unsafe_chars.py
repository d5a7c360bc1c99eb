"""Characters a value may not carry: control characters and bidirectional
overrides.

A NUL or an escape code in a name breaks exports and terminals; a
right-to-left override (U+202E) makes a value display differently from what
it holds ("Trojan Source"), so an analyst could read one name and match on
another. Rather than remove them quietly (changing evidence) or store them
as they are (hiding them), ingest refuses such a value with its place, and
``--on-error drop-value`` loads the record without it, counted in the report.
Tab, line feed and carriage return are ordinary text. Marks that only hint
direction (U+200E, U+200F) are not refused: right-to-left scripts use them
(FtM's cleaning drops them, as ``ftm map`` does).
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def unsafe_character(text: str) -> str | None:
    """A description of the first unsafe character in ``text`` (``U+202E
    RIGHT-TO-LEFT OVERRIDE``), or None when there is none."""
    match = _UNSAFE.search(text)
    if match is None:
        return None
    char = match.group()
    name = unicodedata.name(char, "a control character")
    return f"U+{ord(char):04X} ({name})"
