"""The statement store: DuckDB in the workspace (embedded default).

Writes happen in one transaction per ingest, so an ingest that fails or is
killed leaves the store exactly as it was (DuckDB rolls back an uncommitted
transaction when the database is reopened)."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import duckdb
import pyarrow as pa

from threadline.errors import DatasetNotFound, WorkspaceError
from threadline.model.statements import EntityValues, StatementRow
from threadline.store.tables import DDL, SCHEMA_VERSION

ROW_COLUMNS = ", ".join(StatementRow.__slots__)


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    name: str
    entities: int
    statements: int
    sources: list[str]
    last_ingest: datetime | None


class StatementStore:
    """Statements in DuckDB. One store object owns one connection; DuckDB lets
    a single process write a database file at a time."""

    def __init__(self, path: Path, memory_limit: str = "1GB", threads: int | None = None) -> None:
        self.path = path
        self._generation: int | None = None
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WorkspaceError(
                    f"the store {path} is in use by another Threadline process",
                    # the message above already says what to do
                ) from exc
            raise WorkspaceError(f"cannot open the store {path}: {exc}") from exc
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute("SET preserve_insertion_order = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        for ddl in DDL:
            self.con.execute(ddl)
        self._active: set[int] = set()
        version = self.get_meta("schema_version")
        if version is None:
            self.set_meta("schema_version", SCHEMA_VERSION)
        elif version != SCHEMA_VERSION:
            raise WorkspaceError(
                f"the store was written by schema version {version}, this Threadline reads "
                f"version {SCHEMA_VERSION}"
            )
        self.collect_garbage()

    def close(self) -> None:
        self.con.close()

    # -- meta -----------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        if key == "generation":
            self._generation = None
        self.con.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    @property
    def generation(self) -> int:
        """Bumped by every committed change; the search index records the
        generation it has seen, so a crash between the two is detectable."""
        # Read on every search, so cached: this process is the store's only
        # writer (DuckDB's file lock), every change goes through set_meta,
        # which forgets it, and so does a rolled-back change.
        if self._generation is None:
            self._generation = int(self.get_meta("generation") or 0)
        return self._generation

    def forget_generation(self) -> None:
        self._generation = None

    # -- reading ----------------------------------------------------------------

    def entity_rows(self, entity_ids: list[str]) -> list[StatementRow]:
        if not entity_ids:
            return []
        rows = self.con.execute(
            f"SELECT {ROW_COLUMNS} FROM live_statements WHERE list_contains(?, entity_id) "
            "ORDER BY entity_id, prop, value, dataset, source, source_line",
            [entity_ids],
        ).fetchall()
        return [StatementRow(*r) for r in rows]

    def iter_entity_groups(
        self,
        where: str = "TRUE",
        params: list[Any] | None = None,
        batch_size: int = 50_000,
    ) -> Iterator[list[StatementRow]]:
        """Statements grouped by entity, streamed in entity-id order."""
        # A cursor of its own, so callers may use the store while iterating.
        cur = self.con.cursor()
        cur.execute(
            f"SELECT {ROW_COLUMNS} FROM live_statements WHERE {where} "
            "ORDER BY entity_id, prop, value, dataset, source, source_line",
            params or [],
        )
        group: list[StatementRow] = []
        while True:
            chunk = cur.fetchmany(batch_size)
            if not chunk:
                break
            for raw in chunk:
                row = StatementRow(*raw)
                if group and group[0].entity_id != row.entity_id:
                    yield group
                    group = []
                group.append(row)
        if group:
            yield group
        cur.close()

    def iter_entity_values(
        self,
        chunk: int = 50_000,
        queued: bool = False,
        prop_types: list[str] | None = None,
        skip_schemata: list[str] | None = None,
    ) -> Iterator[EntityValues]:
        """Per entity: (id, schemata, datasets, props, values): a lean,
        aggregated read for indexing, without per-statement provenance; with
        ``queued``, only the entities on the index queue. Aggregates about
        ``chunk`` entities at a time so memory stays bounded."""
        cur = self.con.cursor()
        narrow = ""
        if prop_types is not None:
            narrow += f" AND (prop = 'id' OR prop_type IN ({_sql_list(prop_types)}))"
        if skip_schemata:
            narrow += f" AND schema NOT IN ({_sql_list(skip_schemata)})"
        query = """
            SELECT entity_id, list(DISTINCT schema), list(DISTINCT dataset),
                   list(prop) FILTER (prop <> 'id'), list(value) FILTER (prop <> 'id')
            FROM live_statements WHERE {where} {narrow} GROUP BY entity_id
        """
        source = "index_queue" if queued else "live_statements"
        only = "entity_id IN (SELECT entity_id FROM index_queue) AND " if queued else ""
        try:
            rows = cur.execute(f"SELECT count(DISTINCT entity_id) FROM {source}").fetchall()
            parts = max(1, -(-int(rows[0][0]) // chunk))
            for part_no in range(parts):
                where = f"{only}hash(entity_id) % {parts} = {part_no}"
                yield from _rows(cur.sql(query.format(where=where, narrow=narrow)).fetchall())
        finally:
            cur.close()

    def datasets(self) -> list[DatasetInfo]:
        rows = self.con.execute(
            """
            SELECT d.name,
                   (SELECT count(DISTINCT entity_id) FROM live_statements s
                     WHERE s.dataset = d.name),
                   (SELECT count(*) FROM live_statements s WHERE s.dataset = d.name),
                   (SELECT list(DISTINCT source ORDER BY source) FROM ingests i
                     WHERE i.dataset = d.name AND i.state = 'live'),
                   (SELECT max(finished_at) FROM ingests i
                     WHERE i.dataset = d.name AND i.state = 'live')
            FROM datasets d ORDER BY d.name
            """
        ).fetchall()
        return [DatasetInfo(r[0], r[1], r[2], list(r[3] or []), r[4]) for r in rows]

    def has_dataset(self, name: str) -> bool:
        rows = self.con.execute("SELECT 1 FROM datasets WHERE name = ?", [name]).fetchall()
        return bool(rows)

    def entity_links(self, link_schemata: list[str]) -> dict[str, set[str]]:
        """Which entities each entity is linked to: through a link entity of
        ``link_schemata`` (a Directorship joins its director and
        organization) or through a property that names another entity."""
        rows = self.con.execute(
            f"""
            WITH refs AS (
                SELECT DISTINCT entity_id AS holder, value AS target,
                       schema IN ({_sql_list(link_schemata)}) AS via_link
                FROM live_statements WHERE prop_type = 'entity'
            )
            SELECT a.target, b.target FROM refs a JOIN refs b
              ON a.holder = b.holder AND a.target <> b.target
              WHERE a.via_link AND b.via_link
            UNION
            SELECT holder, target FROM refs WHERE NOT via_link
            UNION
            SELECT target, holder FROM refs WHERE NOT via_link
            """
        ).fetchall()
        links: dict[str, set[str]] = {}
        for node, other in rows:
            links.setdefault(str(node), set()).add(str(other))
        return links

    def stats(self) -> dict[str, Any]:
        total = self.con.execute(
            "SELECT count(*), count(DISTINCT entity_id), count(DISTINCT dataset) "
            "FROM live_statements"
        ).fetchall()[0]
        schemata = self.con.execute(
            """
            SELECT schema, count(*) AS n
            FROM (SELECT entity_id, any_value(schema) AS schema
                  FROM live_statements GROUP BY entity_id)
            GROUP BY schema ORDER BY n DESC, schema
            """
        ).fetchall()
        return {
            "statements": total[0],
            "entities": total[1],
            "datasets": total[2],
            "schemata": {name: n for name, n in schemata},
            "generation": self.generation,
        }

    def queued_gone(self) -> list[str]:
        """Queued entities that no longer exist (their index entries must go)."""
        rows = self.con.execute(
            "SELECT DISTINCT entity_id FROM index_queue "
            "WHERE entity_id NOT IN (SELECT entity_id FROM live_statements)"
        ).fetchall()
        return [r[0] for r in rows]

    def clear_index_queue(self) -> None:
        self.con.execute("DELETE FROM index_queue")

    # -- writing ----------------------------------------------------------------

    def collect_garbage(self) -> int:
        """Delete statements no reader can see: those of ingests that were
        replaced, dropped, or killed while pending. Safe to run any time no
        ingest is in flight (DuckDB's file lock makes this process the only
        writer, so on open every pending ingest is a dead one)."""
        con = self.con
        con.execute(
            "UPDATE ingests SET state = 'failed' WHERE state = 'pending' AND id NOT IN "
            "(SELECT unnest(?::BIGINT[]))",
            [sorted(self._active)],
        )
        rows = con.execute(
            "DELETE FROM statements WHERE ingest_id IN "
            "(SELECT id FROM ingests WHERE state NOT IN ('live', 'pending'))"
        ).fetchall()
        con.execute("DELETE FROM ingests WHERE state IN ('failed', 'dropped')")
        return int(rows[0][0]) if rows else 0

    def begin_ingest(
        self, dataset: str, source: str, path: str, sha256: str, fmt: str
    ) -> IngestTransaction:
        return IngestTransaction(self, dataset, source, path, sha256, fmt)

    def drop_dataset(self, name: str) -> None:
        """Remove a dataset and all its statements. The entities it touched go
        on the index queue."""
        if not self.has_dataset(name):
            raise DatasetNotFound(f"no dataset named {name!r} (see `threadline datasets`)")
        self.con.execute(
            "INSERT INTO index_queue "
            "SELECT DISTINCT entity_id FROM live_statements WHERE dataset = ?",
            [name],
        )
        con = self.con
        con.begin()
        try:
            con.execute(
                "UPDATE ingests SET state = 'dropped' WHERE dataset = ? AND state = 'live'", [name]
            )
            con.execute("DELETE FROM datasets WHERE name = ?", [name])
            self.set_meta("generation", str(self.generation + 1))
            con.commit()
        except BaseException:
            con.rollback()
            self.forget_generation()
            raise
        self.collect_garbage()


class _ToArrow(Protocol):
    def to_arrow(self) -> pa.Table: ...


BatchSource: TypeAlias = "pa.Table | _ToArrow"


def _sql_list(names: list[str]) -> str:
    # Model names (schemata, property types) only: letters, never user input.
    assert all(name.isalnum() for name in names)
    return ", ".join(f"'{name}'" for name in names)


def _rows(
    rows: list[tuple[Any, ...]],
) -> Iterator[EntityValues]:
    for row in rows:
        yield row[0], row[1], row[2], row[3] or [], row[4] or []


class IngestTransaction:
    """All statements of one source file. They are written in committed
    batches under a pending ingest id, invisible to readers, then made live in
    one small transaction that retires what an earlier ingest of the same
    (dataset, source) wrote. Memory stays bounded whatever the file size."""

    def __init__(
        self, store: StatementStore, dataset: str, source: str, path: str, sha256: str, fmt: str
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
        self._queue: queue.Queue[BatchSource | None] = queue.Queue(maxsize=2)
        self._writer: threading.Thread | None = None
        self._error: BaseException | None = None

    def append(self, batch: BatchSource) -> None:
        """Queue a batch (an Arrow table with the columns in
        ``STATEMENT_COLUMNS``, or something with ``to_arrow()``) for writing.
        A writer thread inserts it: DuckDB releases the GIL, so inserting
        overlaps with mapping the next rows on a second core."""
        self._raise_writer_error()
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
        if batch.num_rows == 0:
            return
        self.con.register("_tl_batch", batch)
        try:
            self.con.execute(
                """
                INSERT INTO statements
                SELECT sha1(concat_ws('.', $dataset, entity_id, prop, value)
                            || CASE WHEN lang IS NULL THEN '' ELSE '@' || lang END),
                       entity_id, schema, prop, prop_type, value, original_value, lang,
                       $dataset, $source, source_line, $now, $now, $ingest
                FROM _tl_batch
                """,
                {
                    "dataset": self.dataset,
                    "source": self.source,
                    "now": self.started_at,
                    "ingest": self.ingest_id,
                },
            )
        finally:
            self.con.unregister("_tl_batch")
        self.statements += batch.num_rows

    def commit(self, records: int, entities: int, rejected: int) -> None:
        """Make this ingest live, retiring the earlier version of its source.
        The entities touched (old and new) go on the index queue."""
        self.flush()
        con = self.con
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
