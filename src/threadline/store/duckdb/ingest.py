"""An ingest into the DuckDB store: batches written under a pending ingest,
then made live in one small transaction."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Sequence, Sized
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from threadline.store.base import IngestWriter, SourceWrite, StatementBatch

if TYPE_CHECKING:
    from threadline.store.duckdb.store import DuckDBStore


#: batches with fewer rows are inserted at once, not on the writer thread
SMALL_BATCH = 5_000


def _small(batch: StatementBatch) -> bool:
    return isinstance(batch, Sized) and len(batch) < SMALL_BATCH


class DuckDBIngest(IngestWriter):
    """All statements of one source file. They are written in committed
    batches under a pending ingest id, invisible to readers, then made live in
    one small transaction that retires what an earlier ingest of the same
    (dataset, source) wrote. Memory stays bounded whatever the file size."""

    def __init__(
        self, store: DuckDBStore, dataset: str, source: str, path: str, sha256: str, fmt: str
    ) -> None:
        self.store = store
        self.con = store.con
        self.dataset = dataset
        self.source = source
        self.path = path
        self.sha256 = sha256
        self.format = fmt
        self.started_at = datetime.now()
        self.statements = 0
        rows = self.con.execute("SELECT coalesce(max(id), 0) + 1 FROM ingests").fetchall()
        self.ingest_id = int(rows[0][0])
        self.con.execute(
            "INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 'pending')",
            [
                self.ingest_id,
                dataset,
                source,
                path,
                sha256,
                fmt,
                self.started_at,
                self.started_at,
            ],
        )
        store._active.add(self.ingest_id)
        self.open = True
        # Two batches in flight at most: memory stays bounded.
        self._queue: queue.Queue[StatementBatch | None] = queue.Queue(maxsize=2)
        self._writer: threading.Thread | None = None
        self._error: BaseException | None = None

    def append(self, batch: StatementBatch) -> None:
        """Queue a batch (an Arrow table with the columns in
        ``STATEMENT_COLUMNS``, or something with ``to_arrow()``) for writing.
        A writer thread inserts it: DuckDB releases the GIL, so inserting
        overlaps with mapping the next rows on a second core."""
        self._raise_writer_error()
        if self._writer is None and not isinstance(batch, pa.Table) and _small(batch):
            # a small batch (one document's statements) is cheaper inserted
            # now than handed to a thread started for it
            self._insert(batch.to_arrow())
            return
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_loop, daemon=True)
            self._writer.start()
        self._queue.put(batch)

    def flush(self) -> None:
        """Wait until every queued batch is written."""
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
            self._writer = None
        self._raise_writer_error()

    def _raise_writer_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is not None:
                continue  # drain: the main thread raises at its next call
            try:
                table = item if isinstance(item, pa.Table) else item.to_arrow()
                self._insert(table)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                self._error = exc

    def _insert(self, batch: pa.Table) -> None:
        _insert_rows(self.con, batch, self.dataset, self.source, self.started_at, self.ingest_id)
        self.statements += batch.num_rows

    def commit(self, records: int, rejected: int) -> int:
        """Make this ingest live, retiring the earlier version of its source.
        The entities touched (old and new) go on the index queue."""
        self.flush()
        con = self.con
        rows = con.execute(
            "SELECT count(DISTINCT entity_id) FROM statements WHERE ingest_id = ?",
            [self.ingest_id],
        ).fetchall()
        entities = int(rows[0][0]) if rows else 0
        where = {"dataset": self.dataset, "source": self.source}
        params = {**where, "ingest": self.ingest_id}
        try:
            old = (
                "SELECT id FROM ingests WHERE dataset = $dataset AND source = $source "
                "AND state = 'live'"
            )
            con.execute(
                f"INSERT INTO index_queue SELECT DISTINCT entity_id FROM statements "
                f"WHERE ingest_id = $ingest OR ingest_id IN ({old})",
                params,
            )
            # A value seen before in this source keeps the date it was first
            # seen. The new rows are still invisible, so this needs no lock-step.
            con.execute(
                f"""
                UPDATE statements AS s SET first_seen = o.first_seen
                FROM (SELECT id, min(first_seen) AS first_seen FROM statements
                      WHERE ingest_id IN ({old}) GROUP BY id) AS o
                WHERE s.ingest_id = $ingest AND s.id = o.id
                """,
                params,
            )
            con.begin()
            con.execute(f"UPDATE ingests SET state = 'replaced' WHERE id IN ({old})", where)
            con.execute(
                "UPDATE ingests SET state = 'live', finished_at = ?, records = ?, entities = ?, "
                "statements = ?, rejected = ? WHERE id = ?",
                [datetime.now(), records, entities, self.statements, rejected, self.ingest_id],
            )
            con.execute(
                "INSERT INTO datasets VALUES (?, NULL, ?) ON CONFLICT DO NOTHING",
                [self.dataset, self.started_at],
            )
            self.store.set_meta("generation", str(self.store.generation + 1))
            con.commit()
            self.open = False
        except BaseException:
            self.rollback()
            self.store.forget_generation()
            raise
        self.store._active.discard(self.ingest_id)
        self.store.collect_garbage()
        return entities

    def rollback(self) -> None:
        """Abandon the ingest: its rows were never visible; delete them now."""
        if not self.open:
            return
        self.open = False
        with contextlib.suppress(BaseException):
            self.flush()
        # No explicit transaction is open unless the final switch failed.
        with contextlib.suppress(duckdb.TransactionException):
            self.con.rollback()
        self.store._active.discard(self.ingest_id)
        self.con.execute("UPDATE ingests SET state = 'failed' WHERE id = ?", [self.ingest_id])
        self.store.collect_garbage()


_INSERT = """
INSERT INTO statements
SELECT sha1(concat_ws('.', $dataset, entity_id, prop, value)
            || CASE WHEN lang IS NULL THEN '' ELSE '@' || lang END),
       entity_id, schema, prop, prop_type, value, original_value, lang,
       $dataset, $source, source_line, $now, $now, $ingest
FROM _tl_batch
"""

_LIVE = "SELECT id FROM ingests WHERE dataset = $dataset AND source = $source AND state = 'live'"


def _insert_rows(
    con: duckdb.DuckDBPyConnection,
    batch: pa.Table,
    dataset: str,
    source: str,
    now: datetime,
    ingest_id: int,
) -> None:
    if batch.num_rows == 0:
        return
    con.register("_tl_batch", batch)
    try:
        con.execute(
            _INSERT,
            {"dataset": dataset, "source": source, "now": now, "ingest": ingest_id},
        )
    finally:
        con.unregister("_tl_batch")


_INSERT_MANY = """
INSERT INTO statements
SELECT sha1(concat_ws('.', $dataset, entity_id, prop, value)
            || CASE WHEN lang IS NULL THEN '' ELSE '@' || lang END),
       entity_id, schema, prop, prop_type, value, original_value, lang,
       $dataset, _source, source_line, $now, $now, _ingest
FROM _tl_batch
"""


def write_sources(store: DuckDBStore, dataset: str, writes: Sequence[SourceWrite]) -> int:
    """Many small sources in one transaction, each replacing its live
    version as an ingest would, with one statement per step for all of them
    (not one per source: a folder of small files is thousands of sources).
    What is known from the batches (entities, what to re-index) is counted
    from them, not read back from the statements table, and the steps that
    retire earlier versions run only when there are some: a first ingest of
    a folder is a handful of statements per flush."""
    # a source written twice in one call: its last write is the one kept
    latest = list({write.source: write for write in writes}.values())
    if not latest:
        return 0
    con = store.con
    now = datetime.now()
    con.begin()
    try:
        rows = con.execute("SELECT coalesce(max(id), 0) + 1 FROM ingests").fetchall()
        first_id = int(rows[0][0])
        ids = list(range(first_id, first_id + len(latest)))
        tables = []
        entities = []
        for ingest_id, write in zip(ids, latest, strict=True):
            table = write.batch if isinstance(write.batch, pa.Table) else write.batch.to_arrow()
            rows_in = table.num_rows
            entities.append(pc.count_distinct(table.column("entity_id")).as_py() if rows_in else 0)
            table = table.append_column("_source", pa.array([write.source] * rows_in, pa.string()))
            tables.append(
                table.append_column("_ingest", pa.array([ingest_id] * rows_in, pa.int64()))
            )
        # the live versions these writes replace (read before the new ones
        # are inserted, which are live too)
        con.register("_tl_sources", pa.table({"source": [w.source for w in latest]}))
        try:
            old = [
                int(row[0])
                for row in con.execute(
                    "SELECT i.id FROM ingests i JOIN _tl_sources n ON i.source = n.source "
                    "WHERE i.dataset = $dataset AND i.state = 'live'",
                    {"dataset": dataset},
                ).fetchall()
            ]
        finally:
            con.unregister("_tl_sources")
        new = pa.table(
            {
                "id": pa.array(ids, pa.int64()),
                "source": [w.source for w in latest],
                "path": [w.path for w in latest],
                "sha256": [w.sha256 for w in latest],
                "format": [w.format for w in latest],
                "records": pa.array([w.records for w in latest], pa.int64()),
                "entities": pa.array(entities, pa.int64()),
                "statements": pa.array([t.num_rows for t in tables], pa.int64()),
            }
        )
        params = {"dataset": dataset, "now": now}
        con.register("_tl_new", new)
        con.register("_tl_batch", pa.concat_tables(tables, promote_options="permissive"))
        try:
            con.execute(
                "INSERT INTO ingests SELECT id, $dataset, source, path, sha256, format, "
                "$now, $now, records, entities, statements, 0, 'live' FROM _tl_new",
                params,
            )
            con.execute(_INSERT_MANY, params)
            con.execute("INSERT INTO index_queue SELECT DISTINCT entity_id FROM _tl_batch")
            if old:
                con.register("_tl_old", pa.table({"id": pa.array(old, pa.int64())}))
                try:
                    _retire_replaced(con)
                finally:
                    con.unregister("_tl_old")
        finally:
            con.unregister("_tl_new")
            con.unregister("_tl_batch")
        con.execute(
            "INSERT INTO datasets VALUES (?, NULL, ?) ON CONFLICT DO NOTHING", [dataset, now]
        )
        store.set_meta("generation", str(store.generation + 1))
        con.commit()
    except BaseException:
        con.rollback()
        store.forget_generation()
        raise
    store.collect_garbage()
    return sum(entities)


def _retire_replaced(con: duckdb.DuckDBPyConnection) -> None:
    """The earlier live versions (``_tl_old``) of the sources just written
    (``_tl_new``) are replaced: their entities are re-indexed, and a value
    seen before in the same source keeps its first sighting."""
    con.execute(
        "INSERT INTO index_queue SELECT DISTINCT entity_id FROM statements "
        "WHERE ingest_id IN (SELECT id FROM _tl_old)"
    )
    con.execute(
        """
        UPDATE statements AS s SET first_seen = o.first_seen
        FROM (SELECT id, source, min(first_seen) AS first_seen FROM statements
              WHERE ingest_id IN (SELECT id FROM _tl_old) GROUP BY id, source) AS o
        WHERE s.ingest_id IN (SELECT id FROM _tl_new)
          AND s.id = o.id AND s.source = o.source
        """
    )
    con.execute("UPDATE ingests SET state = 'replaced' WHERE id IN (SELECT id FROM _tl_old)")
