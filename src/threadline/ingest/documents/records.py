"""What a worker hands back for one file: FtM entities as plain data (so they
cross the process boundary cheaply), the files found inside it (archive
members, attachments) and how it went.

A value's ``page`` is the 1-based page it was read from (None where a file
has no pages); it becomes the statement's ``source_line``, so every value
cites its file (the ingest's source, with the path inside archives) and
page. A Page's ``bodyText`` is the whole text of that page, so a character
offset into it (a search hit, a mention) is an offset into that page."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["ok", "failed", "encrypted"]


def make_id(*parts: str) -> str:
    """A stable entity id: the same file at the same path always gets the same id."""
    digest = hashlib.sha1()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


@dataclass(slots=True)
class EntityOut:
    id: str
    schema: str
    #: (property, raw value, page)
    values: list[tuple[str, str, int | None]] = field(default_factory=list)

    def add(self, prop: str, value: object, page: int | None = None) -> None:
        if value is None:
            return
        text = value if isinstance(value, str) else str(value)
        if text.strip():
            self.values.append((prop, text, page))


@dataclass(slots=True)
class Child:
    """A file inside a file, already copied to the blob store by content hash."""

    sha256: str
    size: int
    #: its name as the container gave it (for fileName)
    name: str
    #: the container's source plus this member's path: ``a.zip!/dir/b.pdf``
    source: str
    #: the entity the child hangs under (a Package, an Email, a Folder)
    parent_id: str


@dataclass(slots=True)
class FileResult:
    source: str
    sha256: str
    mime_type: str
    status: Status = "ok"
    #: where it failed: detect, limits, unpack, parse, ocr, sandbox
    stage: str | None = None
    reason: str | None = None
    pages: int = 0
    entities: list[EntityOut] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
