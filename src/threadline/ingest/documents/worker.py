"""Extract one file: what runs inside a sandboxed worker (:mod:`.sandbox`).
Its result is plain data; the parent process writes it to the store."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from threadline.ingest.documents.base import Context, Encrypted, ExtractionFailed
from threadline.ingest.documents.blobs import BlobStore, TooLarge
from threadline.ingest.documents.formats import EXTRACTORS, UNSUPPORTED, detect_mime
from threadline.ingest.documents.limits import DocumentLimits
from threadline.ingest.documents.records import EntityOut, FileResult, make_id


@dataclass(frozen=True)
class Task:
    """One file to extract. ``path`` is the file on disk (the user's file, or
    its copy in the blob store for an archive member or attachment)."""

    path: str
    source: str
    name: str
    dataset: str
    parent_id: str | None
    depth: int
    blob_root: str
    limits: DocumentLimits
    ocr_languages: str
    #: known for members and attachments (already in the blob store)
    sha256: str | None = None


def document_id(dataset: str, source: str) -> str:
    return make_id("Document", dataset, source)


def extract_file(task: Task) -> FileResult:
    path = Path(task.path)
    blobs = BlobStore(Path(task.blob_root))
    result = FileResult(task.source, task.sha256 or "", "application/octet-stream")
    document = EntityOut(document_id(task.dataset, task.source), "Document")
    try:
        size = path.stat().st_size
        if task.sha256 is None:
            # the original bytes, kept once per content hash
            result.sha256, size = blobs.put_file(path, task.limits.max_file_bytes)
        result.mime_type = mime = detect_mime(path)
    except TooLarge:
        return _failed(result, document, task, "limits", "file over the size limit")
    except ExtractionFailed as exc:
        return _failed(result, document, task, exc.stage, exc.reason)
    except OSError as exc:
        return _failed(result, document, task, "detect", f"cannot read the file ({exc})")
    handler = EXTRACTORS.for_mime(mime)
    if handler is None:
        reason = UNSUPPORTED.get(mime)
        if reason is not None:
            return _failed(result, document, task, "detect", reason)
        # an unknown type is still a document: named, hashed, stored, findable
        _describe(document, task, result, size)
        result.entities.insert(0, document)
        return result
    extractor = EXTRACTORS.load(handler)()
    document.schema = extractor.schema
    _describe(document, task, result, size)
    ctx = Context(
        path=path,
        source=task.source,
        name=task.name,
        dataset=task.dataset,
        limits=task.limits,
        blobs=blobs,
        result=result,
        document=document,
        depth=task.depth,
        ocr_languages=task.ocr_languages,
    )
    try:
        extractor.extract(ctx)
    except Encrypted as exc:
        result.status, result.stage, result.reason = "encrypted", exc.stage, exc.reason
        document.add("processingStatus", "failure")
        document.add("processingError", f"encrypted: {exc.reason}")
        result.children.clear()
    except ExtractionFailed as exc:
        _mark_failed(result, document, exc.stage, exc.reason)
        result.children.clear()
    except MemoryError:
        _mark_failed(result, document, "limits", "ran out of its memory limit")
        result.children.clear()
    except RecursionError:
        _mark_failed(result, document, "parse", "nested too deeply to parse")
        result.children.clear()
    if result.status == "ok":
        document.add("processingStatus", "success")
    # the document first: the rest refer to it
    result.entities.insert(0, document)
    return result


def _describe(document: EntityOut, task: Task, result: FileResult, size: int) -> None:
    name = task.name
    document.add("fileName", name)
    extension = posixpath.splitext(name)[1].lstrip(".").lower()
    document.add("extension", extension or None)
    document.add("mimeType", result.mime_type)
    document.add("contentHash", result.sha256 or None)
    document.add("fileSize", size)
    document.add("parent", task.parent_id)


def _mark_failed(result: FileResult, document: EntityOut, stage: str, reason: str) -> None:
    result.status, result.stage, result.reason = "failed", stage, reason
    document.add("processingStatus", "failure")
    document.add("processingError", f"{stage}: {reason}")


def _failed(
    result: FileResult, document: EntityOut, task: Task, stage: str, reason: str
) -> FileResult:
    _describe(document, task, result, 0)
    _mark_failed(result, document, stage, reason)
    result.entities.insert(0, document)
    return result
