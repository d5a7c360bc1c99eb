"""The extractor interface. One class per family of formats, registered by
MIME type in :mod:`.formats`; the worker picks one by the content's type
(libmagic), never by the file name. Like ingest-file's ingestors, an
extractor fills in the document's entity and hands back the files it found
inside (members, attachments) as children, which are parsed in turn, each
in its own sandboxed worker."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from pathlib import Path

from threadline.ingest.documents.blobs import BlobStore, Readable, TooLarge
from threadline.ingest.documents.limits import DocumentLimits
from threadline.ingest.documents.records import Child, EntityOut, FileResult, make_id


class ExtractionFailed(Exception):
    """The file cannot be read; ``stage`` says at which step."""

    def __init__(self, reason: str, stage: str = "parse") -> None:
        super().__init__(reason)
        self.reason = reason
        self.stage = stage


class Encrypted(ExtractionFailed):
    def __init__(self, reason: str = "the file is encrypted") -> None:
        super().__init__(reason, "parse")


class LimitExceeded(ExtractionFailed):
    def __init__(self, reason: str) -> None:
        super().__init__(reason, "limits")


@dataclass
class Context:
    """One file being extracted: where its bytes are, what it is called and
    where it sits, the budgets, and the result being filled in."""

    path: Path
    source: str
    name: str
    dataset: str
    limits: DocumentLimits
    blobs: BlobStore
    result: FileResult
    document: EntityOut
    depth: int
    ocr_languages: str

    def entity(self, schema: str, *key: str) -> EntityOut:
        """A new entity whose id derives from this dataset and ``key``."""
        entity = EntityOut(make_id(schema, self.dataset, *key), schema)
        self.result.entities.append(entity)
        return entity

    def add_child(self, stream: Readable, name: str, inner: str, parent_id: str) -> Child:
        """Copy a member or attachment to the blob store under the budgets
        left; it is parsed later as a file of its own."""
        budget = self.limits.max_file_bytes
        try:
            sha, size = self.blobs.put_stream(stream, budget)
        except TooLarge as exc:
            raise LimitExceeded(f"{inner}: member larger than {budget:,} bytes") from exc
        child = Child(sha, size, name, f"{self.source}!/{inner}", parent_id)
        self.result.children.append(child)
        return child

    def failed_member(self, inner: str, reason: str) -> None:
        """A member left out on purpose (a link, a path outside the archive,
        an encrypted member): recorded as a Document with the reason."""
        source = f"{self.source}!/{inner}"
        entity = self.entity("Document", "member", source)
        entity.add("fileName", inner.rsplit("/", 1)[-1] or inner)
        entity.add("parent", self.document.id)
        entity.add("processingStatus", "failure")
        entity.add("processingError", f"unpack: {reason}")


class Extractor(abc.ABC):
    #: the FtM schema of the document entity
    schema: str = "Document"

    @abc.abstractmethod
    def extract(self, ctx: Context) -> None:
        """Fill in ``ctx.document`` (and any page or message entities), raise
        :class:`ExtractionFailed` when the file cannot be read."""
