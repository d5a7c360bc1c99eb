"""The statement store on PostgreSQL (team mode): one database shared by
several ``serve`` and worker processes, on one machine or several.

Readers in any number of processes see only live ingests, each statement
a consistent snapshot (PostgreSQL's MVCC). Writers run side by side while
they copy their batches in; the switches that make an ingest live, drop a
dataset or retire sources take one advisory lock, so they happen one at a
time across every process. A pending ingest is held by its writer's
session lock; the dead ones of crashed processes are removed at the next
open of any process (:meth:`PostgresStore.collect_garbage`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from threadline.errors import DatasetNotFound, WorkspaceError
from threadline.model.statements import EntityValues, StatementRow
from threadline.store.base import (
    DatasetInfo,
    ExpiredIngest,
    ResolutionTables,
    SourceWrite,
    StatementStore,
)
from threadline.store.grouping import grouped_values
from threadline.store.postgres.connection import Conn, connect, display_url, serialised
from threadline.store.postgres.ingest import PostgresIngest, bump_generation, write_sources
from threadline.store.postgres.tables import DDL, LOCK_CLASS, SCHEMA_VERSION

#: the meta key prefix of a dataset's retention in days
_RETENTION = "retention_days:"

ROW_COLUMNS = ", ".join(StatementRow.__slots__)

_VALUE_NAMES = ["entity_id", "schema", "dataset", "prop", "value"]


class PostgresStore(StatementStore):
    """Statements in a PostgreSQL database (or one schema of it, chosen by
    the URL's ``search_path``). One store object holds one connection for
    its short reads and switches; each ingest and each long read opens one
    of its own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.display_url = display_url(url)
        self.conn: Conn = connect(url)
        self._resolution: ResolutionTables | None = None
        self._has_resolution = False
        with serialised(self.conn) as cur:
            for ddl in DDL:
                cur.execute(ddl)
            cur.execute("SELECT value FROM meta WHERE key = 'schema_version'")
            row = cur.fetchone()
            if row is None:
                cur.execute(
                    "INSERT INTO meta VALUES ('schema_version', %s), ('generation', '0')",
                    [SCHEMA_VERSION],
                )
            elif row[0] != SCHEMA_VERSION:
                raise WorkspaceError(
                    f"the store at {self.display_url} was written by schema version {row[0]}, "
                    f"this Threadline reads version {SCHEMA_VERSION}"
                )
        self.collect_garbage()

    def connect(self) -> Conn:
        """A new connection to the same database and schema."""
        return connect(self.url)

    def close(self) -> None:
        self.conn.close()

    # -- meta -----------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = %s", [key]).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    @property
    def generation(self) -> int:
        # Not cached: other processes commit too.
        return int(self.get_meta("generation") or 0)

    # -- reading ----------------------------------------------------------------

    def _all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def entity_rows(self, entity_ids: Sequence[str]) -> list[StatementRow]:
        if not entity_ids:
            return []
        rows = self._all(
            f"SELECT {ROW_COLUMNS} FROM live_statements WHERE entity_id = ANY(%s) "
            "ORDER BY entity_id, prop, value, dataset, source, source_line",
            [list(entity_ids)],
        )
        return [StatementRow(*r) for r in rows]

    def referring(
        self, entity_ids: Sequence[str], props: Sequence[str], limit: int = 10_000
    ) -> list[tuple[str, str, str]]:
        if not entity_ids or not props:
            return []
        rows = self._all(
            "SELECT DISTINCT entity_id, schema, prop FROM live_statements "
            "WHERE prop_type = 'entity' AND prop = ANY(%s) AND value = ANY(%s) "
            "ORDER BY entity_id, prop LIMIT %s",
            [list(props), list(entity_ids), limit],
        )
        return [(str(a), str(b), str(c)) for a, b, c in rows]

    def has_entity(self, entity_id: str) -> bool:
        return bool(
            self._all("SELECT 1 FROM live_statements WHERE entity_id = %s LIMIT 1", [entity_id])
        )

    def entity_ids(self) -> list[str]:
        rows = self._all("SELECT DISTINCT entity_id FROM live_statements ORDER BY entity_id")
        return [str(r[0]) for r in rows]

    def stream_rows(
        self, sql: str, params: dict[str, Any], size: int
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Rows of a long read in chunks, from a server-side cursor on a
        connection of its own: the caller may use the store (and commit)
        while iterating, and the whole result is never in memory."""
        conn = self.connect()
        try:
            with conn.transaction(), conn.cursor(name="tl_stream") as cur:
                cur.itersize = size
                cur.execute(sql, params)
                while chunk := cur.fetchmany(size):
                    yield chunk
        finally:
            conn.close()

    def iter_entity_groups(
        self, dataset: str | None = None, batch_size: int = 50_000
    ) -> Iterator[list[StatementRow]]:
        group: list[StatementRow] = []
        sql = (
            f"SELECT {ROW_COLUMNS} FROM live_statements "
            "WHERE %(dataset)s::text IS NULL OR dataset = %(dataset)s "
            "ORDER BY entity_id, prop, value, dataset, source, source_line"
        )
        for chunk in self.stream_rows(sql, {"dataset": dataset}, batch_size):
            for raw in chunk:
                row = StatementRow(*raw)
                if group and group[0].entity_id != row.entity_id:
                    yield group
                    group = []
                group.append(row)
        if group:
            yield group

    def iter_entity_values(
        self,
        chunk: int = 50_000,
        queued: bool = False,
        prop_types: Sequence[str] | None = None,
        skip_schemata: Sequence[str] | None = None,
    ) -> Iterator[EntityValues]:
        where = ["TRUE"]
        params: dict[str, Any] = {}
        if prop_types is not None:
            where.append("(prop = 'id' OR prop_type = ANY(%(types)s))")
            params["types"] = list(prop_types)
        if skip_schemata:
            where.append("schema <> ALL(%(skip)s)")
            params["skip"] = list(skip_schemata)
        if queued:
            where.append("entity_id IN (SELECT entity_id FROM index_queue)")
        # Ordered by value too, so a caption taken from the first value is
        # the same on every run.
        sql = (
            "SELECT entity_id, schema, dataset, prop, value FROM live_statements "
            f"WHERE {' AND '.join(where)} ORDER BY entity_id, prop, value"
        )
        batches = (
            pa.RecordBatch.from_arrays(
                [pa.array(list(col), pa.string()) for col in zip(*rows, strict=True)],
                names=_VALUE_NAMES,
            )
            for rows in self.stream_rows(sql, params, max(1, chunk))
        )
        yield from grouped_values(batches)

    def datasets(self) -> list[DatasetInfo]:
        rows = self._all(
            """
            SELECT d.name,
                   (SELECT count(DISTINCT entity_id) FROM live_statements s
                     WHERE s.dataset = d.name),
                   (SELECT count(*) FROM live_statements s WHERE s.dataset = d.name),
                   (SELECT array_agg(DISTINCT source ORDER BY source) FROM ingests i
                     WHERE i.dataset = d.name AND i.state = 'live'),
                   (SELECT max(finished_at) FROM ingests i
                     WHERE i.dataset = d.name AND i.state = 'live')
            FROM datasets d ORDER BY d.name
            """
        )
        return [DatasetInfo(r[0], int(r[1]), int(r[2]), list(r[3] or []), r[4]) for r in rows]

    def has_dataset(self, name: str) -> bool:
        return bool(self._all("SELECT 1 FROM datasets WHERE name = %s", [name]))

    def live_sources(self, dataset: str) -> dict[str, tuple[str, str]]:
        rows = self._all(
            "SELECT source, sha256, format FROM ingests WHERE dataset = %s AND state = 'live'",
            [dataset],
        )
        return {str(r[0]): (str(r[1]), str(r[2])) for r in rows}

    def retire_sources(self, dataset: str, sources: Sequence[str]) -> None:
        if not sources:
            return
        retired = (
            "SELECT id FROM ingests WHERE dataset = %(dataset)s AND state = 'live' "
            "AND source = ANY(%(sources)s)"
        )
        params = {"dataset": dataset, "sources": list(sources)}
        with serialised(self.conn) as cur:
            cur.execute(
                f"INSERT INTO index_queue SELECT DISTINCT entity_id FROM statements "
                f"WHERE ingest_id IN ({retired})",
                params,
            )
            cur.execute(f"UPDATE ingests SET state = 'replaced' WHERE id IN ({retired})", params)
            bump_generation(cur)

    def entity_links(self, link_schemata: Sequence[str]) -> dict[str, set[str]]:
        rows = self._all(
            """
            WITH refs AS (
                SELECT DISTINCT entity_id AS holder, value AS target,
                       schema = ANY(%(links)s) AS via_link
                FROM live_statements WHERE prop_type = 'entity'
            )
            SELECT a.target, b.target FROM refs a JOIN refs b
              ON a.holder = b.holder AND a.target <> b.target
              WHERE a.via_link AND b.via_link
            UNION
            SELECT holder, target FROM refs WHERE NOT via_link
            UNION
            SELECT target, holder FROM refs WHERE NOT via_link
            """,
            {"links": list(link_schemata)},
        )
        links: dict[str, set[str]] = {}
        for node, other in rows:
            links.setdefault(str(node), set()).add(str(other))
        return links

    def stats(self) -> dict[str, Any]:
        total = self._all(
            "SELECT count(*), count(DISTINCT entity_id), count(DISTINCT dataset) "
            "FROM live_statements"
        )[0]
        schemata = self._all(
            """
            SELECT schema, count(*) AS n
            FROM (SELECT entity_id, min(schema) AS schema
                  FROM live_statements GROUP BY entity_id) AS e
            GROUP BY schema ORDER BY n DESC, schema
            """
        )
        return {
            "statements": int(total[0]),
            "entities": int(total[1]),
            "datasets": int(total[2]),
            "schemata": {str(name): int(n) for name, n in schemata},
            "generation": self.generation,
        }

    def stored_statements(self) -> int:
        return int(self._all("SELECT count(*) FROM statements")[0][0])

    def queued_gone(self) -> list[str]:
        rows = self._all(
            "SELECT DISTINCT q.entity_id FROM index_queue q WHERE NOT EXISTS "
            "(SELECT 1 FROM live_statements s WHERE s.entity_id = q.entity_id) "
            "ORDER BY q.entity_id"
        )
        return [str(r[0]) for r in rows]

    def clear_index_queue(self) -> None:
        self.conn.execute("DELETE FROM index_queue")

    # -- writing ----------------------------------------------------------------

    def collect_garbage(self) -> int:
        # A pending ingest whose session lock nobody holds belongs to a
        # process that died (its connection, and so its lock, went with it);
        # a live writer's lock makes pg_try_advisory_xact_lock fail, so its
        # ingest is left alone, whichever process it runs in.
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("SELECT id FROM ingests WHERE state = 'pending'")
            for (ingest_id,) in cur.fetchall():
                cur.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_CLASS, ingest_id])
                free = cur.fetchone()
                if free and free[0]:
                    cur.execute("UPDATE ingests SET state = 'failed' WHERE id = %s", [ingest_id])
            cur.execute(
                "DELETE FROM statements WHERE ingest_id IN "
                "(SELECT id FROM ingests WHERE state NOT IN ('live', 'pending'))"
            )
            deleted = cur.rowcount
            cur.execute("DELETE FROM ingests WHERE state IN ('failed', 'dropped')")
        return max(deleted, 0)

    def begin_ingest(
        self, dataset: str, source: str, path: str, sha256: str, fmt: str
    ) -> PostgresIngest:
        return PostgresIngest(self, dataset, source, path, sha256, fmt)

    def write_sources(self, dataset: str, writes: Sequence[SourceWrite]) -> int:
        return write_sources(self, dataset, writes)

    def drop_dataset(self, name: str) -> None:
        with serialised(self.conn) as cur:
            cur.execute("SELECT 1 FROM datasets WHERE name = %s", [name])
            if cur.fetchone() is None:
                raise DatasetNotFound(f"no dataset named {name!r} (see `threadline datasets`)")
            cur.execute(
                "INSERT INTO index_queue "
                "SELECT DISTINCT entity_id FROM live_statements WHERE dataset = %s",
                [name],
            )
            cur.execute(
                "UPDATE ingests SET state = 'dropped' WHERE dataset = %s AND state = 'live'",
                [name],
            )
            cur.execute("DELETE FROM datasets WHERE name = %s", [name])
            # a new dataset of that name starts afresh
            cur.execute("DELETE FROM meta WHERE key = %s", [_RETENTION + name])
            bump_generation(cur)
        self.collect_garbage()

    def retention(self) -> dict[str, int]:
        rows = self._all(
            "SELECT d.name, m.value FROM datasets d JOIN meta m ON m.key = %s || d.name "
            "WHERE m.value <> '' ORDER BY d.name",
            [_RETENTION],
        )
        return {str(name): int(value) for name, value in rows}

    def set_retention(self, dataset: str, days: int | None) -> None:
        self.set_meta(_RETENTION + dataset, "" if days is None else str(days))

    def expire_ingests(
        self, dataset: str, loaded_before: datetime, *, dry_run: bool = False
    ) -> list[ExpiredIngest]:
        # finished_at is stored naive, in the machine's local time (as in DuckDB)
        cutoff = loaded_before.astimezone().replace(tzinfo=None)
        select = (
            "SELECT id, source, finished_at, statements FROM ingests "
            "WHERE dataset = %s AND state = 'live' AND finished_at < %s ORDER BY finished_at, id"
        )
        if dry_run:
            rows = self._all(select, [dataset, cutoff])
            return [ExpiredIngest(dataset, r[1], r[2].astimezone(), int(r[3])) for r in rows]
        with serialised(self.conn) as cur:
            cur.execute(select, [dataset, cutoff])
            rows = cur.fetchall()
            if not rows:
                return []
            ids = [int(r[0]) for r in rows]
            cur.execute(
                "INSERT INTO index_queue SELECT DISTINCT entity_id FROM statements "
                "WHERE ingest_id = ANY(%s)",
                [ids],
            )
            cur.execute("UPDATE ingests SET state = 'dropped' WHERE id = ANY(%s)", [ids])
            cur.execute(
                "DELETE FROM datasets WHERE name = %s AND NOT EXISTS "
                "(SELECT 1 FROM ingests WHERE dataset = %s AND state = 'live')",
                [dataset, dataset],
            )
            if cur.rowcount:
                # a new dataset of that name starts afresh
                cur.execute("DELETE FROM meta WHERE key = %s", [_RETENTION + dataset])
            bump_generation(cur)
        self.collect_garbage()
        return [ExpiredIngest(dataset, r[1], r[2].astimezone(), int(r[3])) for r in rows]

    # -- the link graph -------------------------------------------------------------

    def link_nodes(self) -> pa.Table:
        from threadline.store.postgres.links import read_link_nodes

        return read_link_nodes(self)

    def link_edges(self, pivots: Sequence[str] = (), mentions: bool = False) -> pa.Table:
        from threadline.store.postgres.links import read_link_edges

        return read_link_edges(self, pivots, mentions)

    # -- resolution -----------------------------------------------------------------

    def has_resolution(self) -> bool:
        # Cached once true (the tables are never dropped); asked again while
        # false, since another process may create them.
        if not self._has_resolution:
            row = self.conn.execute("SELECT to_regclass('canonical') IS NOT NULL").fetchone()
            self._has_resolution = bool(row and row[0])
        return self._has_resolution

    def resolution(self) -> ResolutionTables:
        if self._resolution is None:
            from threadline.store.postgres.resolution import PostgresResolutionTables

            self._resolution = PostgresResolutionTables(self.conn)
            self._has_resolution = True
        return self._resolution
