"""The one cleaning every reader gives a cell before mapping.

FtM's ``sanitize_text`` (what ``ftm map`` applies) quietly deletes control
characters. A cell holding one is passed on unchanged instead, so that the
mapping refuses it with its line and column (``model.unsafe_chars``) rather
than store evidence changed without a word.
"""

from __future__ import annotations

from followthemoney.util import sanitize_text

from threadline.model.unsafe_chars import unsafe_character


def clean_cell(value: object) -> str | None:
    """``sanitize_text(value)``, or a string holding an unsafe character as it is."""
    if isinstance(value, str) and value.isascii() and value.isprintable():
        # What sanitize_text does to printable ASCII (NFC changes nothing,
        # no character is unsafe), without its regular expression: most
        # cells of most files take this path.
        return value.strip() or None
    if isinstance(value, str) and unsafe_character(value) is not None:
        return value
    return sanitize_text(value)
