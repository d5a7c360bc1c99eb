"""The resolution's tables in the PostgreSQL store: scored pairs, the
entities as last scored, canonical ids and judgements (DDL in ``tables``),
the same queries as the DuckDB engine's in PostgreSQL's dialect."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from threadline.store.base import JudgementRow, PairRow, ResolutionTables, ReviewItem
from threadline.store.postgres.connection import Conn, serialised
from threadline.store.postgres.tables import RESOLVE_DDL
from threadline.store.review_sql import open_pairs_sql

_PAIR_COLUMNS = "left_id, right_id, probability, weight, weights, gammas"

_REVIEW_ITEMS = open_pairs_sql("%(low)s", "%(high)s")


class PostgresResolutionTables(ResolutionTables):
    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        with serialised(conn) as cur:
            for ddl in RESOLVE_DDL:
                cur.execute(ddl)

    def _all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def _count(self, sql: str) -> int:
        return int(self._all(sql)[0][0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def get_setting(self, key: str) -> str | None:
        rows = self._all("SELECT value FROM meta WHERE key = %s", [key])
        return str(rows[0][0]) if rows else None

    def set_setting(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # -- entities as last scored ------------------------------------------------

    def fingerprints(self) -> dict[str, str]:
        rows = self._all("SELECT entity_id, fingerprint FROM resolve_entities")
        return {str(e): str(f) for e, f in rows}

    def replace_entities(self, entities: pa.Table) -> None:
        columns = [entities.column(n).to_pylist() for n in ("unique_id", "fingerprint", "veto_ids")]
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("DELETE FROM resolve_entities")
            with cur.copy(
                "COPY resolve_entities (entity_id, fingerprint, veto_ids) FROM STDIN"
            ) as copy:
                copy.set_types(["text", "text", "text[]"])
                for row in zip(*columns, strict=True):
                    copy.write_row(row)

    def veto_ids(self) -> dict[str, list[str]]:
        rows = self._all(
            "SELECT entity_id, veto_ids FROM resolve_entities WHERE veto_ids IS NOT NULL"
        )
        return {str(r[0]): list(r[1] or []) for r in rows}

    def entity_count(self) -> int:
        return self._count("SELECT count(*) FROM resolve_entities")

    # -- pairs ------------------------------------------------------------------

    def add_pairs(self, pairs: pa.Table) -> None:
        # by position, as the DuckDB engine inserts them
        columns = [pairs.column(i).to_pylist() for i in range(6)]
        with (
            self.conn.transaction(),
            self.conn.cursor() as cur,
            cur.copy(f"COPY resolve_pairs ({_PAIR_COLUMNS}) FROM STDIN") as copy,
        ):
            copy.set_types(["text", "text", "float8", "float8", "float8[]", "int4[]"])
            for row in zip(*columns, strict=True):
                copy.write_row(row)

    def delete_pairs(self, entity_ids: Sequence[str] | None = None) -> None:
        if entity_ids is None:
            self.conn.execute("DELETE FROM resolve_pairs")
        elif entity_ids:
            ids = list(entity_ids)
            self.conn.execute(
                "DELETE FROM resolve_pairs WHERE left_id = ANY(%s) OR right_id = ANY(%s)",
                [ids, ids],
            )

    def pairs_above(self, probability: float) -> list[tuple[str, str, float]]:
        rows = self._all(
            "SELECT left_id, right_id, probability FROM resolve_pairs WHERE probability >= %s",
            [probability],
        )
        return [(str(a), str(b), float(p)) for a, b, p in rows]

    def pair(self, left: str, right: str) -> PairRow | None:
        rows = self._all(
            f"SELECT {_PAIR_COLUMNS} FROM resolve_pairs WHERE left_id = %s AND right_id = %s",
            [left, right],
        )
        return _pair(rows[0]) if rows else None

    def pairs_touching(self, entity_ids: Sequence[str], limit: int) -> list[PairRow]:
        if not entity_ids:
            return []
        ids = list(entity_ids)
        rows = self._all(
            f"SELECT {_PAIR_COLUMNS} FROM resolve_pairs "
            "WHERE left_id = ANY(%s) OR right_id = ANY(%s) "
            "ORDER BY probability DESC, left_id, right_id LIMIT %s",
            [ids, ids, limit],
        )
        return [_pair(r) for r in rows]

    def review_items(self, low: float, high: float, limit: int | None) -> list[ReviewItem]:
        rows = self._all(
            f"{_REVIEW_ITEMS} SELECT side_a, side_b, pairs, {_PAIR_COLUMNS} FROM open_pairs "
            "WHERE rank = 1 ORDER BY probability DESC, side_a, side_b LIMIT %(limit)s",
            {"low": low, "high": high, "limit": limit},
        )
        return [ReviewItem(str(r[0]), str(r[1]), _pair(r[3:]), int(r[2])) for r in rows]

    def review_count(self, low: float, high: float) -> int:
        rows = self._all(
            f"{_REVIEW_ITEMS} SELECT count(*) FROM open_pairs WHERE rank = 1",
            {"low": low, "high": high},
        )
        return int(rows[0][0])

    def pair_count(self) -> int:
        return self._count("SELECT count(*) FROM resolve_pairs")

    # -- canonical ids ----------------------------------------------------------

    def canonical_map(self) -> dict[str, str]:
        rows = self._all("SELECT entity_id, canonical_id FROM canonical")
        return {str(e): str(c) for e, c in rows}

    def replace_canonical(self, rows: Sequence[tuple[str, str]]) -> None:
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("DELETE FROM canonical")
            with cur.copy("COPY canonical (entity_id, canonical_id) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def canonical_ids(self, entity_ids: Sequence[str]) -> dict[str, str]:
        if not entity_ids:
            return {}
        rows = self._all(
            "SELECT entity_id, canonical_id FROM canonical WHERE entity_id = ANY(%s)",
            [list(entity_ids)],
        )
        return {str(r[0]): str(r[1]) for r in rows}

    def members(self, canonical_id: str) -> list[str]:
        rows = self._all(
            "SELECT entity_id FROM canonical WHERE canonical_id = %s ORDER BY entity_id",
            [canonical_id],
        )
        return [str(r[0]) for r in rows]

    def cluster_counts(self) -> tuple[int, int]:
        rows = self._all("SELECT count(DISTINCT canonical_id), count(*) FROM canonical")
        return int(rows[0][0]), int(rows[0][1])

    def checksum(self) -> str:
        count, checksum = self._all(
            "SELECT count(*), "
            "coalesce(bit_xor(hashtextextended(entity_id || '|' || canonical_id, 0)), 0) "
            "FROM canonical"
        )[0]
        return f"{count}:{checksum}"

    # -- judgements -------------------------------------------------------------

    def add_judgements(self, rows: Sequence[JudgementRow]) -> int:
        if not rows:
            return 0
        with self.conn.transaction(), self.conn.cursor() as cur:
            # one row at a time, in order: the identity gives each its place
            cur.executemany(
                "INSERT INTO judgements (left_id, right_id, judgement, user_name, created_at, "
                "origin) VALUES (%s, %s, %s, %s, %s, %s)",
                list(rows),
            )
        return len(rows)

    def judgement_rows(
        self, current: bool = False, entity_ids: Sequence[str] | None = None
    ) -> list[JudgementRow]:
        where = "TRUE"
        params: list[Any] = []
        if entity_ids is not None:
            where = "left_id = ANY(%s) OR right_id = ANY(%s)"
            params = [list(entity_ids), list(entity_ids)]
        columns = "left_id, right_id, judgement, user_name, created_at, origin"
        if current:
            sql = (
                f"SELECT {columns} FROM (SELECT *, row_number() OVER "
                "(PARTITION BY left_id, right_id ORDER BY seq DESC) AS newest "
                f"FROM judgements WHERE {where}) AS j WHERE newest = 1 "
                "ORDER BY left_id, right_id"
            )
        else:
            sql = f"SELECT {columns} FROM judgements WHERE {where} ORDER BY seq"
        return [
            (str(r[0]), str(r[1]), str(r[2]), None if r[3] is None else str(r[3]), r[4], str(r[5]))
            for r in self._all(sql, params)
        ]

    def judgement_count(self) -> int:
        return self._count("SELECT count(*) FROM judgements")


def _pair(row: Sequence[Any]) -> PairRow:
    return (
        str(row[0]),
        str(row[1]),
        float(row[2]),
        float(row[3]),
        [float(w) for w in row[4]],
        [int(g) for g in row[5]],
    )
