"""Ingest documents: a file, a folder (recursively) or an archive.

Every file is extracted in a sandboxed worker (:mod:`.sandbox`), on every
core, and written to the store as its own ingest, whose source is its path
(``leak/contracts/a.pdf``, or ``leak/mail.zip!/inbox/b.eml`` inside an
archive). So a killed run resumes where it stopped: a file whose live
ingest has the same SHA-256 is skipped, and re-ingesting a folder processes
only new or changed files. An archive's own record is written after all its
members, so an archive cut off half-way is unpacked again (its finished
members are skipped). Files that fail are recorded (a Document with
``processingStatus`` failure and the stage and reason) and retried with
``retry_failed``."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadline.errors import InputError, Location
from threadline.ingest.batch import StatementBatch
from threadline.ingest.documents.blobs import BlobStore, sha256_of
from threadline.ingest.documents.limits import DEFAULT_LIMITS, DocumentLimits
from threadline.ingest.documents.records import EntityOut, FileResult, make_id
from threadline.ingest.documents.statements import entity_rows
from threadline.ingest.documents.worker import Task
from threadline.store.base import SourceWrite, StatementStore

FORMAT_OK = "document"
FORMAT_FAILED = "document:failed"
FORMAT_ENCRYPTED = "document:encrypted"
FORMAT_FOLDER = "document:folder"
#: finished files are stored together, at least this often (seconds) ...
FLUSH_SECONDS = 1.0
#: ... or when this many are waiting
FLUSH_FILES = 64


@dataclass
class DocumentProgress:
    files_done: int = 0
    files_total: int = 0
    pages: int = 0
    skipped: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)


DocumentProgressFn = Callable[[DocumentProgress], None]


@dataclass
class DocumentReport:
    dataset: str
    source: str
    files: int
    processed: int
    skipped: int
    pages: int
    entities: int
    statements: int
    seconds: float
    #: (source, stage, reason) of each file that failed
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    encrypted: list[str] = field(default_factory=list)
    #: mentions of known entities found in the dataset's documents
    mentions: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["failed"] = [{"source": s, "stage": st, "reason": r} for s, st, r in self.failed]
        return data


@dataclass
class DocumentOptions:
    dataset: str
    limits: DocumentLimits = DEFAULT_LIMITS
    ocr_languages: str = "eng"
    retry_failed: bool = False
    workers: int | None = None


@dataclass
class _Node:
    """A file whose record waits for its members (an archive, a mailbox)."""

    task: Task
    result: FileResult | None = None
    outstanding: int = 0
    parent: _Node | None = None
    #: bytes of every descendant so far (for the root's total budget)
    total_bytes: int = 0


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    """(file, source) under ``root``, sorted, never following links out."""
    base = root.parent
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path, path.relative_to(base).as_posix()


class DocumentIngest:
    def __init__(
        self,
        store: StatementStore,
        blob_root: Path,
        options: DocumentOptions,
        progress: DocumentProgressFn | None = None,
    ) -> None:
        self.store = store
        self.blobs = BlobStore(blob_root)
        self.options = options
        self.limits = options.limits
        self.progress_fn = progress
        self.progress = DocumentProgress()
        self.live = store.live_sources(options.dataset)
        self.queue: list[tuple[Task, _Node | None]] = []
        self.nodes: dict[int, _Node] = {}
        self.seen: set[str] = set()
        self.entities = 0
        self.statements = 0
        self.processed = 0
        self.failed: list[tuple[str, str, str]] = []
        self.encrypted: list[str] = []
        self.pending: list[SourceWrite] = []
        self.pending_since = 0.0

    # -- planning -------------------------------------------------------------------

    def _needs_work(self, source: str, sha256: str) -> bool:
        self.seen.add(source)
        live = self.live.get(source)
        if live is None or live[0] != sha256:
            return True
        if self.options.retry_failed:
            prefix = source + "!/"
            return live[1] == FORMAT_FAILED or any(
                s.startswith(prefix) and f == FORMAT_FAILED for s, (_, f) in self.live.items()
            )
        return False

    def _task(
        self, path: Path, source: str, name: str, parent: str | None, depth: int, sha256: str | None
    ) -> Task:
        return Task(
            path=str(path),
            source=source,
            name=name,
            dataset=self.options.dataset,
            parent_id=parent,
            depth=depth,
            blob_root=str(self.blobs.root),
            limits=self.limits,
            ocr_languages=self.options.ocr_languages,
            sha256=sha256,
        )

    def _folder(self, source: str) -> str | None:
        """The Folder entity holding ``source`` (written once per folder)."""
        folder = source.rsplit("/", 1)[0] if "/" in source else None
        if folder is None:
            return None
        folder_id = make_id("Folder", self.options.dataset, folder)
        key = folder + "/"
        if key in self.seen:
            return folder_id
        self.seen.add(key)
        if key not in self.live:
            entity = EntityOut(folder_id, "Folder")
            entity.add("fileName", folder.rsplit("/", 1)[-1])
            entity.add("parent", self._folder(folder))
            self._write(key, key, "", FORMAT_FOLDER, [entity])
        return folder_id

    def plan(self, root: Path) -> None:
        if root.is_dir():
            files = list(_walk(root))
        elif root.is_file():
            files = [(root, root.name)]
        else:
            raise InputError("no such file or folder", Location(str(root)))
        self.progress.files_total += len(files)
        for path, source in files:
            sha = sha256_of(path)
            if not self._needs_work(source, sha):
                self.progress.skipped += 1
                self.progress.files_done += 1
                continue
            task = self._task(path, source, path.name, self._folder(source), 0, None)
            self.queue.append((task, None))

    # -- running --------------------------------------------------------------------

    def run(self) -> None:
        from threadline.ingest.documents.sandbox import run_sandboxed

        self.queue.reverse()  # pop() from the end keeps the walk's order

        def next_task() -> Task | None:
            if not self.queue:
                return None
            task, parent = self.queue.pop()
            node = _Node(task, parent=parent)
            # by the task itself, not its source: an archive may hold two
            # members of one name
            self.nodes[id(task)] = node
            return task

        self._tick()
        for task, result in run_sandboxed(next_task, self.options.workers):
            node = self.nodes[id(task)]
            node.result = result
            self.progress.pages += result.pages
            self._queue_children(node, result)
            if node.outstanding == 0:
                self._finish(node)
            self._tick()
        self.flush()
        self._tick()

    def _root(self, node: _Node) -> _Node:
        while node.parent is not None:
            node = node.parent
        return node

    def _queue_children(self, node: _Node, result: FileResult) -> None:
        depth = node.task.depth + 1
        root = self._root(node)
        for child in result.children:
            self.progress.files_total += 1
            if not self._needs_work(child.source, child.sha256):
                self.progress.skipped += 1
                self.progress.files_done += 1
                continue
            task = self._task(
                self.blobs.path(child.sha256),
                child.source,
                child.name,
                child.parent_id,
                depth,
                child.sha256,
            )
            root.total_bytes += child.size
            reason = None
            if depth > self.limits.max_depth:
                reason = f"nested more than {self.limits.max_depth} containers deep"
            elif root.total_bytes > self.limits.max_total_bytes:
                limit = self.limits.max_total_bytes
                reason = f"{root.task.source} expands to more than {limit:,} bytes in all"
            if reason is not None:
                from threadline.ingest.documents.sandbox import crashed

                failed = crashed(task, reason, stage="limits")
                self._record(task, failed)
                continue
            node.outstanding += 1
            self.queue.append((task, node))

    def _finish(self, node: _Node) -> None:
        assert node.result is not None
        self._record(node.task, node.result)
        self.nodes.pop(id(node.task), None)
        prefix = node.task.source + "!/"
        stale = [s for s in self.live if s.startswith(prefix) and s not in self.seen]
        if stale:
            self.flush()
            self.store.retire_sources(self.options.dataset, stale)
        parent = node.parent
        if parent is not None:
            parent.outstanding -= 1
            if parent.outstanding == 0 and parent.result is not None:
                self._finish(parent)

    def _record(self, task: Task, result: FileResult) -> None:
        fmt = {"ok": FORMAT_OK, "failed": FORMAT_FAILED, "encrypted": FORMAT_ENCRYPTED}[
            result.status
        ]
        if result.status == "failed":
            stage = result.stage or "parse"
            self.failed.append((task.source, stage, result.reason or ""))
            self.progress.errors[stage] += 1
        elif result.status == "encrypted":
            self.encrypted.append(task.source)
            self.progress.errors["encrypted"] += 1
        self._write(
            task.source, task.path, result.sha256 or task.sha256 or "", fmt, result.entities
        )
        self.processed += 1
        self.progress.files_done += 1

    def _write(
        self, source: str, path: str, sha256: str, fmt: str, entities: list[EntityOut]
    ) -> None:
        """Queue one source's statements; they are stored with others in one
        transaction (a transaction per small file would cost more than
        parsing it), at least every :data:`FLUSH_SECONDS`."""
        batch = StatementBatch()
        for entity in entities:
            entity_rows(batch, entity)
        self.statements += len(batch)
        if not self.pending:
            self.pending_since = time.monotonic()
        self.pending.append(SourceWrite(source, path, sha256, fmt, batch, len(entities)))
        if (
            len(self.pending) >= FLUSH_FILES
            or time.monotonic() - self.pending_since >= FLUSH_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.entities += self.store.write_sources(self.options.dataset, self.pending)
            self.pending = []

    def _tick(self) -> None:
        if self.progress_fn is not None:
            self.progress_fn(self.progress)


def ingest_documents(
    store: StatementStore,
    path: Path,
    options: DocumentOptions,
    blob_root: Path,
    progress: DocumentProgressFn | None = None,
) -> DocumentReport:
    started = time.monotonic()
    run = DocumentIngest(store, blob_root, options, progress)
    run.plan(Path(path))
    run.run()
    return DocumentReport(
        dataset=options.dataset,
        source=Path(path).name,
        files=run.progress.files_total,
        processed=run.processed,
        skipped=run.progress.skipped,
        pages=run.progress.pages,
        entities=run.entities,
        statements=run.statements,
        seconds=time.monotonic() - started,
        failed=run.failed,
        encrypted=run.encrypted,
    )
