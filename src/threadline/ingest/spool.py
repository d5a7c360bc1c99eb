"""An ingest in two halves, for files a stranger sent: a worker process
(``isolated.run_isolated``, with memory and time limits) reads and maps the
file into a spool of Arrow statement batches; the server, which holds the
store, then commits the spool as one ingest. The worker never opens the
store; the server never runs a reader on the untrusted bytes.

The spool is an Arrow IPC stream in the workspace's temporary folder,
deleted once committed (or abandoned).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc

from threadline.ingest.batch import ARROW_SCHEMA, StatementBatch
from threadline.ingest.pipeline import IngestOptions, IngestReport, ingest_file
from threadline.store.base import StatementStore


@dataclass(frozen=True)
class Spooled:
    """What the worker read: the ingest's identity, its counts and report,
    and where its statements wait."""

    begin: tuple[str, str, str, str, str]
    records: int
    rejected: int
    spool: Path
    report: IngestReport


class _SpoolWriter:
    ingest_id = 0

    def __init__(self, spool: Path, begin: tuple[str, str, str, str, str]) -> None:
        self.spool = spool
        self.begin = begin
        self.statements = 0
        self.records = 0
        self.rejected = 0
        self._writer: Any = None

    def append(self, batch: StatementBatch) -> None:
        if not len(batch):
            return
        if self._writer is None:
            self._writer = ipc.new_stream(pa.OSFile(str(self.spool), "wb"), ARROW_SCHEMA)
        self._writer.write_table(batch.to_arrow())
        self.statements += len(batch)

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def commit(self, records: int, rejected: int) -> int:
        self.flush()
        self.records, self.rejected = records, rejected
        return 0  # the store counts the entities when the spool is committed

    def rollback(self) -> None:
        self.flush()
        self.spool.unlink(missing_ok=True)


class _SpoolStore:
    """Just enough of a store for ``ingest_file``: one pending ingest."""

    def __init__(self, spool: Path) -> None:
        self.spool = spool
        self.writer: _SpoolWriter | None = None

    def begin_ingest(
        self, dataset: str, source: str, path: str, sha256: str, fmt: str
    ) -> _SpoolWriter:
        self.writer = _SpoolWriter(self.spool, (dataset, source, path, sha256, fmt))
        return self.writer


def spool_ingest(path: Path, options: IngestOptions, rejects_dir: Path, spool: Path) -> Spooled:
    """Read and map ``path`` into ``spool`` (run this in the worker)."""
    store = _SpoolStore(spool)
    report = ingest_file(store, path, options, rejects_dir)  # type: ignore[arg-type]
    writer = store.writer
    assert writer is not None
    return Spooled(writer.begin, writer.records, writer.rejected, spool, report)


def commit_spooled(store: StatementStore, spooled: Spooled) -> IngestReport:
    """Write the spool into ``store`` as one all-or-nothing ingest."""
    txn = store.begin_ingest(*spooled.begin)
    try:
        if spooled.spool.exists():
            with pa.OSFile(str(spooled.spool), "rb") as source:
                for batch in ipc.open_stream(source):
                    txn.append(_Batch(pa.Table.from_batches([batch])))
        txn.flush()
        entities = txn.commit(spooled.records, spooled.rejected)
    except BaseException:
        txn.rollback()
        raise
    finally:
        with contextlib.suppress(OSError):
            spooled.spool.unlink()
    return replace(spooled.report, entities=entities, statements=txn.statements)


class _Batch:
    """An Arrow table where the store expects a batch (it asks for Arrow)."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def to_arrow(self) -> pa.Table:
        return self.table
