"""The statement store on DuckDB, in the workspace (the embedded default).

An ingest writes committed batches under a pending ingest id, invisible to
readers, then one small transaction makes it live, so an ingest that fails
or is killed leaves the store as it was; the dead rows go at the next open
(:meth:`DuckDBStore.collect_garbage`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
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
from threadline.store.duckdb.ingest import DuckDBIngest, write_sources
from threadline.store.duckdb.links import read_link_edges, read_link_nodes
from threadline.store.duckdb.sql import sql_list
from threadline.store.duckdb.tables import DDL, SCHEMA_VERSION
from threadline.store.grouping import grouped_values

#: the meta key prefix of a dataset's retention in days
_RETENTION = "retention_days:"

ROW_COLUMNS = ", ".join(StatementRow.__slots__)


class DuckDBStore(StatementStore):
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
        self._resolution: ResolutionTables | None = None
        self._has_resolution: bool | None = None
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

    def entity_rows(self, entity_ids: Sequence[str]) -> list[StatementRow]:
        if not entity_ids:
            return []
        rows = self.con.execute(
            f"SELECT {ROW_COLUMNS} FROM live_statements WHERE list_contains(?, entity_id) "
            "ORDER BY entity_id, prop, value, dataset, source, source_line",
            [list(entity_ids)],
        ).fetchall()
        return [StatementRow(*r) for r in rows]

    def referring(
        self, entity_ids: Sequence[str], props: Sequence[str], limit: int = 10_000
    ) -> list[tuple[str, str, str]]:
        if not entity_ids or not props:
            return []
        rows = self.con.execute(
            "SELECT DISTINCT entity_id, schema, prop FROM live_statements "
            "WHERE prop_type = 'entity' AND list_contains(?, prop) AND list_contains(?, value) "
            "ORDER BY entity_id, prop LIMIT ?",
            [list(props), list(entity_ids), limit],
        ).fetchall()
        return [(str(a), str(b), str(c)) for a, b, c in rows]

    def has_entity(self, entity_id: str) -> bool:
        rows = self.con.execute(
            "SELECT 1 FROM live_statements WHERE entity_id = ? LIMIT 1", [entity_id]
        ).fetchall()
        return bool(rows)

    def entity_ids(self) -> list[str]:
        rows = self.con.execute(
            "SELECT DISTINCT entity_id FROM live_statements ORDER BY entity_id"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def iter_entity_groups(
        self, dataset: str | None = None, batch_size: int = 50_000
    ) -> Iterator[list[StatementRow]]:
        # A cursor of its own, so callers may use the store while iterating.
        cur = self.con.cursor()
        cur.execute(
            f"SELECT {ROW_COLUMNS} FROM live_statements WHERE $dataset IS NULL "
            "OR dataset = $dataset "
            "ORDER BY entity_id, prop, value, dataset, source, source_line",
            {"dataset": dataset},
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
        prop_types: Sequence[str] | None = None,
        skip_schemata: Sequence[str] | None = None,
    ) -> Iterator[EntityValues]:
        # Sorted passes over the statements, grouped here, one per range of
        # entity ids: a few scans whatever the store's size (one scan per
        # small hash partition was quadratic), and each range's sort and
        # queue lookup fit under DuckDB's memory cap (the whole queue as one
        # hash table did not, at 2M rows). ``chunk`` rows are fetched at a time.
        cur = self.con.cursor()
        where = ["entity_id >= $low", "($high IS NULL OR entity_id < $high)"]
        if prop_types is not None:
            where.append(f"(prop = 'id' OR prop_type IN ({sql_list(prop_types)}))")
        if skip_schemata:
            where.append(f"schema NOT IN ({sql_list(skip_schemata)})")
        if queued:
            where.append(
                "entity_id IN (SELECT entity_id FROM index_queue "
                "WHERE entity_id >= $low AND ($high IS NULL OR entity_id < $high))"
            )
        # Ordered by value too, so a caption taken from the first value is
        # the same on every run.
        query = (
            "SELECT entity_id, schema, dataset, prop, value FROM live_statements "
            f"WHERE {' AND '.join(where)} ORDER BY entity_id, prop, value"
        )
        try:
            for low, high in _id_ranges(cur, queued):
                params = {"low": low, "high": high}
                reader = cur.execute(query, params).to_arrow_reader(max(1, chunk))
                yield from grouped_values(reader)
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

    def live_sources(self, dataset: str) -> dict[str, tuple[str, str]]:
        rows = self.con.execute(
            "SELECT source, sha256, format FROM ingests WHERE dataset = ? AND state = 'live'",
            [dataset],
        ).fetchall()
        return {str(r[0]): (str(r[1]), str(r[2])) for r in rows}

    def retire_sources(self, dataset: str, sources: Sequence[str]) -> None:
        if not sources:
            return
        con = self.con
        con.begin()
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _tl_retire (source VARCHAR)")
            con.executemany("INSERT INTO _tl_retire VALUES (?)", [[s] for s in sources])
            retired = (
                "SELECT id FROM ingests WHERE dataset = $dataset AND state = 'live' "
                "AND source IN (SELECT source FROM _tl_retire)"
            )
            con.execute(
                f"INSERT INTO index_queue SELECT DISTINCT entity_id FROM statements "
                f"WHERE ingest_id IN ({retired})",
                {"dataset": dataset},
            )
            con.execute(
                f"UPDATE ingests SET state = 'replaced' WHERE id IN ({retired})",
                {"dataset": dataset},
            )
            self.set_meta("generation", str(self.generation + 1))
            con.commit()
        except BaseException:
            con.rollback()
            self.forget_generation()
            raise

    def entity_links(self, link_schemata: Sequence[str]) -> dict[str, set[str]]:
        # A Directorship joins its director and organization; a property
        # naming another entity joins the two directly.
        rows = self.con.execute(
            f"""
            WITH refs AS (
                SELECT DISTINCT entity_id AS holder, value AS target,
                       schema IN ({sql_list(link_schemata)}) AS via_link
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

    def stored_statements(self) -> int:
        rows = self.con.execute("SELECT count(*) FROM statements").fetchall()
        return int(rows[0][0])

    def queued_gone(self) -> list[str]:
        # Per range of ids, and as a grouping rather than NOT IN or EXCEPT:
        # those hash every stored id at once, which ran out of memory at 2M
        # rows; a range's queued ids fit, and a grouping spills to disk.
        query = """
            SELECT entity_id FROM (
                SELECT entity_id, 0 AS live FROM index_queue WHERE {range}
                UNION ALL
                SELECT entity_id, 1 AS live FROM live_statements WHERE {range}
                AND entity_id IN (SELECT entity_id FROM index_queue WHERE {range})
            ) GROUP BY entity_id HAVING max(live) = 0 ORDER BY entity_id
        """.format(range="entity_id >= $low AND ($high IS NULL OR entity_id < $high)")
        cur = self.con.cursor()
        try:
            gone: list[str] = []
            for low, high in _id_ranges(cur, True):
                rows = cur.execute(query, {"low": low, "high": high}).fetchall()
                gone.extend(str(r[0]) for r in rows)
            return gone
        finally:
            cur.close()

    def clear_index_queue(self) -> None:
        self.con.execute("DELETE FROM index_queue")

    # -- writing ----------------------------------------------------------------

    def collect_garbage(self) -> int:
        # Safe any time no ingest of this process is in flight: DuckDB's file
        # lock makes this process the only writer, so on open every pending
        # ingest is a dead one.
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
    ) -> DuckDBIngest:
        return DuckDBIngest(self, dataset, source, path, sha256, fmt)

    def write_sources(self, dataset: str, writes: Sequence[SourceWrite]) -> int:
        return write_sources(self, dataset, writes)

    def drop_dataset(self, name: str) -> None:
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
            self.set_retention(name, None)  # a new dataset of that name starts afresh
            self.set_meta("generation", str(self.generation + 1))
            con.commit()
        except BaseException:
            con.rollback()
            self.forget_generation()
            raise
        self.collect_garbage()

    def retention(self) -> dict[str, int]:
        rows = self.con.execute(
            "SELECT d.name, m.value FROM datasets d JOIN meta m ON m.key = ? || d.name "
            "WHERE m.value <> '' ORDER BY d.name",
            [_RETENTION],
        ).fetchall()
        return {name: int(value) for name, value in rows}

    def set_retention(self, dataset: str, days: int | None) -> None:
        self.set_meta(_RETENTION + dataset, "" if days is None else str(days))

    def expire_ingests(
        self, dataset: str, loaded_before: datetime, *, dry_run: bool = False
    ) -> list[ExpiredIngest]:
        # finished_at is stored naive, in the machine's local time
        cutoff = loaded_before.astimezone().replace(tzinfo=None)
        rows = self.con.execute(
            "SELECT id, source, finished_at, statements FROM ingests "
            "WHERE dataset = ? AND state = 'live' AND finished_at < ? ORDER BY finished_at, id",
            [dataset, cutoff],
        ).fetchall()
        expired = [ExpiredIngest(dataset, r[1], r[2].astimezone(), int(r[3])) for r in rows]
        if dry_run or not rows:
            return expired
        ids = [r[0] for r in rows]
        con = self.con
        con.execute(
            "INSERT INTO index_queue SELECT DISTINCT entity_id FROM statements "
            "WHERE ingest_id IN (SELECT unnest(?::BIGINT[]))",
            [ids],
        )
        con.begin()
        try:
            con.execute(
                "UPDATE ingests SET state = 'dropped' WHERE id IN (SELECT unnest(?::BIGINT[]))",
                [ids],
            )
            con.execute(
                "DELETE FROM datasets WHERE name = ? AND NOT EXISTS "
                "(SELECT 1 FROM ingests WHERE dataset = ? AND state = 'live')",
                [dataset, dataset],
            )
            self.set_meta("generation", str(self.generation + 1))
            con.commit()
        except BaseException:
            con.rollback()
            self.forget_generation()
            raise
        if not self.has_dataset(dataset):
            self.set_retention(dataset, None)  # a new dataset of that name starts afresh
        self.collect_garbage()
        return expired

    # -- the link graph -------------------------------------------------------------

    def link_nodes(self) -> pa.Table:
        return read_link_nodes(self.con, self.has_resolution())

    def link_edges(self, pivots: Sequence[str] = (), mentions: bool = False) -> pa.Table:
        return read_link_edges(self.con, self.has_resolution(), pivots, mentions)

    # -- resolution -----------------------------------------------------------------

    def has_resolution(self) -> bool:
        # Asked on every search and entity view; the answer changes only when
        # this process creates the tables (the file lock makes it the only
        # writer), in resolution() below.
        if self._has_resolution is None:
            rows = self.con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'canonical'"
            ).fetchall()
            self._has_resolution = bool(rows[0][0])
        return self._has_resolution

    def resolution(self) -> ResolutionTables:
        if self._resolution is None:
            from threadline.store.duckdb.resolution import DuckDBResolutionTables

            self._resolution = DuckDBResolutionTables(self.con)
            self._has_resolution = True
        return self._resolution


#: queued ids, or stored statements, per range of an entity-value pass
_QUEUE_PER_RANGE = 500_000
_STATEMENTS_PER_RANGE = 3_000_000
_SAMPLE = 20_000


def _id_ranges(cur: duckdb.DuckDBPyConnection, queued: bool) -> list[tuple[str, str | None]]:
    """[low, high) ranges of entity ids (high None: unbounded), about equal
    in size, from a sample of the ids: their boundaries need no sort of the
    whole store."""
    table = "index_queue" if queued else "statements"
    per_range = _QUEUE_PER_RANGE if queued else _STATEMENTS_PER_RANGE
    rows = cur.execute(f"SELECT count(*) FROM {table}").fetchall()
    parts = -(-int(rows[0][0]) // per_range)
    if parts <= 1:
        return [("", None)]
    sample = sorted(
        str(r[0])
        for r in cur.execute(
            f"SELECT entity_id FROM {table} USING SAMPLE {_SAMPLE} ROWS"
        ).fetchall()
    )
    cuts = sorted({sample[len(sample) * i // parts] for i in range(1, parts)} - {""})
    lows = ["", *cuts]
    return list(zip(lows, [*cuts, None], strict=True))
