"""A note about one entity. The access layer's notes are text only, so the
entity a note is about is kept as a readable last line of its text,
``(about entity ID)``, and read back from there: the link survives in both
app databases and reads sensibly anywhere the note is shown. When notes get
an entity column of their own, only this module changes.
"""

from __future__ import annotations

import re

_SUFFIX = re.compile(r"\n\n\(about entity ([^\s()]{1,200})\)\Z")


def with_entity(text: str, entity_id: str | None) -> str:
    text = text.strip()
    return f"{text}\n\n(about entity {entity_id})" if entity_id else text


def split_entity(body: str) -> tuple[str, str | None]:
    match = _SUFFIX.search(body)
    if match is None:
        return body, None
    return body[: match.start()], match.group(1)
