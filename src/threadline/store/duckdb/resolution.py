"""The resolution's tables in the workspace's DuckDB file: scored pairs, the
entities as last scored, canonical ids and judgements (DDL in ``tables``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

from threadline.store.base import JudgementRow, PairRow, ResolutionTables, ReviewItem
from threadline.store.duckdb.tables import RESOLVE_DDL
from threadline.store.review_sql import open_pairs_sql

_PAIR_COLUMNS = "left_id, right_id, probability, weight, weights, gammas"

# The review queue, by entity: pairs between the thresholds, keyed by the
# resolved entity on each side (its canonical id, or its own id when it is
# not merged), one item per two resolved entities with its strongest pair as
# the evidence. An item is settled by any judgement between any members of
# the two sides: "not same" against one member of a cluster covers all.
_REVIEW_ITEMS = open_pairs_sql("?", "?")


class DuckDBResolutionTables(ResolutionTables):
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        for ddl in RESOLVE_DDL:
            con.execute(ddl)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.begin()
        try:
            yield
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def get_setting(self, key: str) -> str | None:
        rows = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return str(rows[0][0]) if rows else None

    def set_setting(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    # -- entities as last scored ------------------------------------------------

    def fingerprints(self) -> dict[str, str]:
        rows = self.con.execute("SELECT entity_id, fingerprint FROM resolve_entities").fetchall()
        return {str(e): str(f) for e, f in rows}

    def replace_entities(self, entities: pa.Table) -> None:
        # Replaced wholesale: faster than deleting and inserting a million
        # rows into an indexed table.
        table = entities.select(["unique_id", "fingerprint", "veto_ids"])
        self.con.register("tl_entities", table)
        try:
            self.con.execute(
                "CREATE OR REPLACE TABLE resolve_entities AS SELECT unique_id AS entity_id, "
                "fingerprint, veto_ids FROM tl_entities"
            )
        finally:
            self.con.unregister("tl_entities")

    def veto_ids(self) -> dict[str, list[str]]:
        rows = self.con.execute(
            "SELECT entity_id, veto_ids FROM resolve_entities WHERE veto_ids IS NOT NULL"
        ).fetchall()
        return {str(r[0]): list(r[1] or []) for r in rows}

    def entity_count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM resolve_entities").fetchall()[0][0])

    # -- pairs ------------------------------------------------------------------

    def add_pairs(self, pairs: pa.Table) -> None:
        self.con.register("tl_new_pairs", pairs)
        try:
            self.con.execute("INSERT INTO resolve_pairs SELECT * FROM tl_new_pairs")
        finally:
            self.con.unregister("tl_new_pairs")

    def delete_pairs(self, entity_ids: Sequence[str] | None = None) -> None:
        if entity_ids is None:
            self.con.execute("DELETE FROM resolve_pairs")
        elif entity_ids:
            ids = list(entity_ids)
            self.con.execute(
                "DELETE FROM resolve_pairs WHERE list_contains(?, left_id) "
                "OR list_contains(?, right_id)",
                [ids, ids],
            )

    def pairs_above(self, probability: float) -> list[tuple[str, str, float]]:
        rows = self.con.execute(
            "SELECT left_id, right_id, probability FROM resolve_pairs WHERE probability >= ?",
            [probability],
        ).fetchall()
        return [(str(a), str(b), float(p)) for a, b, p in rows]

    def pair(self, left: str, right: str) -> PairRow | None:
        rows = self.con.execute(
            f"SELECT {_PAIR_COLUMNS} FROM resolve_pairs WHERE left_id = ? AND right_id = ?",
            [left, right],
        ).fetchall()
        return _pair(rows[0]) if rows else None

    def pairs_touching(self, entity_ids: Sequence[str], limit: int) -> list[PairRow]:
        if not entity_ids:
            return []
        ids = list(entity_ids)
        rows = self.con.execute(
            f"SELECT {_PAIR_COLUMNS} FROM resolve_pairs "
            "WHERE list_contains(?, left_id) OR list_contains(?, right_id) "
            "ORDER BY probability DESC, left_id, right_id LIMIT ?",
            [ids, ids, limit],
        ).fetchall()
        return [_pair(r) for r in rows]

    def review_items(self, low: float, high: float, limit: int | None) -> list[ReviewItem]:
        rows = self.con.execute(
            f"{_REVIEW_ITEMS} SELECT side_a, side_b, pairs, {_PAIR_COLUMNS} FROM open_pairs "
            "WHERE rank = 1 ORDER BY probability DESC, side_a, side_b LIMIT ?",
            [low, high, limit],
        ).fetchall()
        return [ReviewItem(str(r[0]), str(r[1]), _pair(r[3:]), int(r[2])) for r in rows]

    def review_count(self, low: float, high: float) -> int:
        rows = self.con.execute(
            f"{_REVIEW_ITEMS} SELECT count(*) FROM open_pairs WHERE rank = 1", [low, high]
        ).fetchall()
        return int(rows[0][0])

    def pair_count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM resolve_pairs").fetchall()[0][0])

    # -- canonical ids ----------------------------------------------------------

    def canonical_map(self) -> dict[str, str]:
        rows = self.con.execute("SELECT entity_id, canonical_id FROM canonical").fetchall()
        return {str(e): str(c) for e, c in rows}

    def replace_canonical(self, rows: Sequence[tuple[str, str]]) -> None:
        self.con.execute("DELETE FROM canonical")
        if not rows:
            return
        table = pa.table({"entity_id": [r[0] for r in rows], "canonical_id": [r[1] for r in rows]})
        self.con.register("tl_canonical", table)
        try:
            self.con.execute("INSERT INTO canonical SELECT * FROM tl_canonical")
        finally:
            self.con.unregister("tl_canonical")

    def canonical_ids(self, entity_ids: Sequence[str]) -> dict[str, str]:
        if not entity_ids:
            return {}
        # A literal IN list lets DuckDB use the primary-key index rather than
        # scan the table.
        marks = ", ".join("?" * len(entity_ids))
        rows = self.con.execute(
            f"SELECT entity_id, canonical_id FROM canonical WHERE entity_id IN ({marks})",
            list(entity_ids),
        ).fetchall()
        return {str(r[0]): str(r[1]) for r in rows}

    def members(self, canonical_id: str) -> list[str]:
        rows = self.con.execute(
            "SELECT entity_id FROM canonical WHERE canonical_id = ? ORDER BY entity_id",
            [canonical_id],
        ).fetchall()
        return [str(r[0]) for r in rows]

    def cluster_counts(self) -> tuple[int, int]:
        rows = self.con.execute(
            "SELECT count(DISTINCT canonical_id), count(*) FROM canonical"
        ).fetchall()
        return int(rows[0][0]), int(rows[0][1])

    def checksum(self) -> str:
        count, checksum = self.con.execute(
            "SELECT count(*), coalesce(bit_xor(hash(entity_id || '|' || canonical_id)), 0) "
            "FROM canonical"
        ).fetchall()[0]
        return f"{count}:{checksum}"

    # -- judgements -------------------------------------------------------------

    def add_judgements(self, rows: Sequence[JudgementRow]) -> int:
        if not rows:
            return 0
        first = self.con.execute("SELECT coalesce(max(seq), 0) + 1 FROM judgements").fetchall()
        seq = int(first[0][0])
        self.con.executemany(
            "INSERT INTO judgements VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(seq + i, *row) for i, row in enumerate(rows)],
        )
        return len(rows)

    def judgement_rows(
        self, current: bool = False, entity_ids: Sequence[str] | None = None
    ) -> list[JudgementRow]:
        where = "TRUE"
        params: list[Any] = []
        if entity_ids is not None:
            where = "list_contains(?, left_id) OR list_contains(?, right_id)"
            params = [list(entity_ids), list(entity_ids)]
        columns = "left_id, right_id, judgement, user_name, created_at, origin"
        if current:
            sql = (
                f"SELECT {columns} FROM judgements WHERE {where} QUALIFY row_number() OVER "
                "(PARTITION BY left_id, right_id ORDER BY seq DESC) = 1 "
                "ORDER BY left_id, right_id"
            )
        else:
            sql = f"SELECT {columns} FROM judgements WHERE {where} ORDER BY seq"
        return [
            (str(r[0]), str(r[1]), str(r[2]), None if r[3] is None else str(r[3]), r[4], str(r[5]))
            for r in self.con.execute(sql, params).fetchall()
        ]

    def judgement_count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM judgements").fetchall()[0][0])


def _pair(row: tuple[Any, ...]) -> PairRow:
    return (
        str(row[0]),
        str(row[1]),
        float(row[2]),
        float(row[3]),
        [float(w) for w in row[4]],
        [int(g) for g in row[5]],
    )
