"""An ingest into the PostgreSQL store: batches written under a pending
ingest on a connection of the ingest's own, then made live in one small
transaction under the store's write lock.

The pending ingest's id is held as a session advisory lock by that
connection. A process that dies loses its connection and so the lock: a
pending ingest nobody holds is a dead one, which any process may clean up
(``PostgresStore.collect_garbage``) while other processes' ingests go on."""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import psycopg
import pyarrow as pa

from threadline.model.statements import STATEMENT_COLUMNS
from threadline.store.base import IngestWriter, SourceWrite, StatementBatch
from threadline.store.postgres.connection import Conn, Cursor, serialised
from threadline.store.postgres.tables import LOCK_CLASS

if TYPE_CHECKING:
    from threadline.store.postgres.store import PostgresStore

_COPY = (
    "COPY statements (id, entity_id, schema, prop, prop_type, value, original_value, lang, "
    "dataset, source, source_line, first_seen, last_seen, ingest_id) FROM STDIN"
)


def statement_id(dataset: str, entity_id: str, prop: str, value: str, lang: str | None) -> str:
    """FtM's statement key, as the DuckDB engine computes it in SQL (sha1
    needs pgcrypto in PostgreSQL, which a managed server may not offer)."""
    key = ".".join((dataset, entity_id, prop, value)) + ("" if lang is None else "@" + lang)
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def copy_batch(
    cur: Cursor,
    table: pa.Table,
    dataset: str,
    now: datetime,
    sources: Sequence[str],
    ingests: Sequence[int],
) -> None:
    """Insert ``table``'s statements (inside the caller's transaction); row
    ``i`` belongs to ``sources[i]`` and ``ingests[i]``."""
    if table.num_rows == 0:
        return
    columns = [table.column(name).to_pylist() for name in STATEMENT_COLUMNS]
    with cur.copy(_COPY) as copy:
        for (
            entity_id,
            schema,
            prop,
            prop_type,
            value,
            original,
            lang,
            line,
        ), source, ingest in zip(zip(*columns, strict=True), sources, ingests, strict=True):
            copy.write_row(
                (
                    statement_id(dataset, entity_id, prop, value, lang),
                    entity_id,
                    schema,
                    prop,
                    prop_type,
                    value,
                    original,
                    lang,
                    dataset,
                    source,
                    line,
                    now,
                    now,
                    ingest,
                )
            )


def _arrow(batch: StatementBatch) -> pa.Table:
    return batch if isinstance(batch, pa.Table) else batch.to_arrow()


class PostgresIngest(IngestWriter):
    """All statements of one source file, written in committed batches under
    a pending ingest (invisible to readers), made live in one transaction
    that retires what an earlier ingest of the same (dataset, source) wrote."""

    def __init__(
        self, store: PostgresStore, dataset: str, source: str, path: str, sha256: str, fmt: str
    ) -> None:
        self.store = store
        self.dataset = dataset
        self.source = source
        self.started_at = datetime.now()
        self.statements = 0
        self.conn: Conn = store.connect()
        # The row and the lock in one transaction: no other process ever
        # sees this ingest pending without its lock held.
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "INSERT INTO ingests (dataset, source, path, sha256, format, started_at, "
                "finished_at, records, entities, statements, rejected, state) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, 0, 0, 0, 0, 'pending') RETURNING id",
                [dataset, source, path, sha256, fmt, self.started_at, self.started_at],
            )
            row = cur.fetchone()
            assert row is not None
            self.ingest_id = int(str(row[0]))
            cur.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, self.ingest_id])
        self.open = True
        # Two batches in flight at most: memory stays bounded.
        self._queue: queue.Queue[StatementBatch | None] = queue.Queue(maxsize=2)
        self._writer: threading.Thread | None = None
        self._error: BaseException | None = None

    def append(self, batch: StatementBatch) -> None:
        """Queue a batch for the writer thread, which copies it to the
        server while the caller maps the next rows."""
        self._raise_writer_error()
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_loop, daemon=True)
            self._writer.start()
        self._queue.put(batch)

    def flush(self) -> None:
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
                self._insert(_arrow(item))
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                self._error = exc

    def _insert(self, table: pa.Table) -> None:
        rows = table.num_rows
        with self.conn.transaction(), self.conn.cursor() as cur:
            copy_batch(
                cur,
                table,
                self.dataset,
                self.started_at,
                [self.source] * rows,
                [self.ingest_id] * rows,
            )
        self.statements += rows

    def commit(self, records: int, rejected: int) -> int:
        self.flush()
        params = {"dataset": self.dataset, "source": self.source, "ingest": self.ingest_id}
        old = (
            "SELECT id FROM ingests WHERE dataset = %(dataset)s AND source = %(source)s "
            "AND state = 'live'"
        )
        try:
            with serialised(self.conn) as cur:
                cur.execute(
                    "SELECT count(DISTINCT entity_id) FROM statements WHERE ingest_id = %(ingest)s",
                    params,
                )
                counted = cur.fetchone()
                entities = int(str(counted[0])) if counted else 0
                cur.execute(
                    f"INSERT INTO index_queue SELECT DISTINCT entity_id FROM statements "
                    f"WHERE ingest_id = %(ingest)s OR ingest_id IN ({old})",
                    params,
                )
                # A value seen before in this source keeps the date it was first seen.
                cur.execute(
                    f"""
                    UPDATE statements AS s SET first_seen = o.first_seen
                    FROM (SELECT id, min(first_seen) AS first_seen FROM statements
                          WHERE ingest_id IN ({old}) GROUP BY id) AS o
                    WHERE s.ingest_id = %(ingest)s AND s.id = o.id
                    """,
                    params,
                )
                cur.execute(f"UPDATE ingests SET state = 'replaced' WHERE id IN ({old})", params)
                cur.execute(
                    "UPDATE ingests SET state = 'live', finished_at = %s, records = %s, "
                    "entities = %s, statements = %s, rejected = %s WHERE id = %s",
                    [datetime.now(), records, entities, self.statements, rejected, self.ingest_id],
                )
                cur.execute(
                    "INSERT INTO datasets VALUES (%s, NULL, %s) ON CONFLICT DO NOTHING",
                    [self.dataset, self.started_at],
                )
                bump_generation(cur)
        except BaseException:
            self.rollback()
            raise
        self.open = False
        self._release()
        self.store.collect_garbage()
        return entities

    def rollback(self) -> None:
        """Abandon the ingest: its rows were never visible; delete them now."""
        if not self.open:
            return
        self.open = False
        with contextlib.suppress(BaseException):
            self.flush()
        with contextlib.suppress(psycopg.Error):
            self.conn.execute("UPDATE ingests SET state = 'failed' WHERE id = %s", [self.ingest_id])
        self._release()
        self.store.collect_garbage()

    def _release(self) -> None:
        # Closing the connection ends the session and so its lock on the id.
        with contextlib.suppress(psycopg.Error):
            self.conn.close()


def bump_generation(cur: Cursor) -> None:
    """Count one more committed change (inside the change's transaction)."""
    cur.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'")


def write_sources(store: PostgresStore, dataset: str, writes: Sequence[SourceWrite]) -> int:
    """Many small sources in one transaction, each replacing its live
    version as an ingest would, one statement per step for all of them."""
    latest = list({write.source: write for write in writes}.values())
    if not latest:
        return 0
    now = datetime.now()
    conn = store.conn
    with serialised(conn) as cur:
        ids: list[int] = []
        for write in latest:
            cur.execute(
                "INSERT INTO ingests (dataset, source, path, sha256, format, started_at, "
                "finished_at, records, entities, statements, rejected, state) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0, 0, 0, 'pending') RETURNING id",
                [
                    dataset,
                    write.source,
                    write.path,
                    write.sha256,
                    write.format,
                    now,
                    now,
                    write.records,
                ],
            )
            row = cur.fetchone()
            assert row is not None
            ids.append(int(str(row[0])))
        tables = [_arrow(w.batch) for w in latest]
        sources = [w.source for w, t in zip(latest, tables, strict=True) for _ in range(t.num_rows)]
        owners = [i for i, t in zip(ids, tables, strict=True) for _ in range(t.num_rows)]
        every = pa.concat_tables(
            [t.select(STATEMENT_COLUMNS) for t in tables], promote_options="permissive"
        )
        copy_batch(cur, every, dataset, now, sources, owners)
        params = {"dataset": dataset, "new": ids, "sources": [w.source for w in latest]}
        old = (
            "SELECT id FROM ingests WHERE dataset = %(dataset)s AND state = 'live' "
            "AND source = ANY(%(sources)s)"
        )
        cur.execute(
            f"INSERT INTO index_queue SELECT DISTINCT entity_id FROM statements "
            f"WHERE ingest_id = ANY(%(new)s) OR ingest_id IN ({old})",
            params,
        )
        # a value seen before in the same source keeps its first sighting
        cur.execute(
            f"""
            UPDATE statements AS s SET first_seen = o.first_seen
            FROM (SELECT id, source, min(first_seen) AS first_seen FROM statements
                  WHERE ingest_id IN ({old}) GROUP BY id, source) AS o
            WHERE s.ingest_id = ANY(%(new)s) AND s.id = o.id AND s.source = o.source
            """,
            params,
        )
        cur.execute(f"UPDATE ingests SET state = 'replaced' WHERE id IN ({old})", params)
        cur.execute(
            """
            UPDATE ingests SET state = 'live', finished_at = %(now)s,
                entities = coalesce(c.entities, 0),
                statements = coalesce(c.statements, 0)
            FROM (SELECT i.id, count(DISTINCT s.entity_id) AS entities,
                         count(s.entity_id) AS statements
                  FROM ingests i LEFT JOIN statements s ON s.ingest_id = i.id
                  WHERE i.id = ANY(%(new)s) GROUP BY i.id) AS c
            WHERE ingests.id = c.id
            """,
            {**params, "now": datetime.now()},
        )
        cur.execute(
            "SELECT coalesce(sum(entities), 0) FROM ingests WHERE id = ANY(%(new)s)", params
        )
        counted = cur.fetchone()
        cur.execute(
            "INSERT INTO datasets VALUES (%s, NULL, %s) ON CONFLICT DO NOTHING", [dataset, now]
        )
        bump_generation(cur)
    store.collect_garbage()
    return int(str(counted[0])) if counted else 0
