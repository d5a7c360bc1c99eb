"""Analysts' judgements: "same", "not same" or "unsure" about a pair of ids.

Judgements are kept forever (newest per pair wins) and keyed by entity id,
which is derived from source keys, so they survive re-ingest and re-resolve.
The values are nomenklatura's, and ``read_nomenklatura``/``write_nomenklatura``
speak its resolver file format (one JSON list per line: target, source,
judgement, score, user, created_at), so decisions move between Threadline,
nomenklatura and OpenSanctions tooling.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import duckdb
import orjson

from threadline.errors import JudgementError, Location

#: nomenklatura's prefix for canonical ids; they weigh more when ordering a pair.
NK_PREFIX = "NK-"


class Judgement(enum.StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    UNSURE = "unsure"

    @classmethod
    def parse(cls, text: str) -> Judgement:
        aliases = {
            "same": cls.POSITIVE,
            "positive": cls.POSITIVE,
            "yes": cls.POSITIVE,
            "not-same": cls.NEGATIVE,
            "notsame": cls.NEGATIVE,
            "negative": cls.NEGATIVE,
            "no": cls.NEGATIVE,
            "unsure": cls.UNSURE,
        }
        try:
            return aliases[text.strip().lower().replace("_", "-")]
        except KeyError:
            raise JudgementError(
                f"Unknown judgement {text!r}: use same, not-same or unsure."
            ) from None


@dataclass(frozen=True, slots=True)
class JudgementRecord:
    left_id: str
    right_id: str
    judgement: Judgement
    user: str | None
    created_at: datetime
    origin: str = "threadline"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "left_id": self.left_id,
            "right_id": self.right_id,
            "judgement": self.judgement.value,
            "user": self.user,
            "created_at": self.created_at.isoformat(),
            "origin": self.origin,
        }


def ordered(a: str, b: str) -> tuple[str, str]:
    if a == b:
        raise JudgementError(f"A judgement needs two different ids, got {a!r} twice.")
    return (a, b) if a < b else (b, a)


class JudgementStore:
    """Judgements in the workspace's DuckDB. The interface is what the web
    application's server mode will implement over PostgreSQL."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def add(self, records: Iterable[JudgementRecord]) -> int:
        rows = []
        seq = self._next_seq()
        for rec in records:
            left, right = ordered(rec.left_id, rec.right_id)
            rows.append(
                (seq, left, right, rec.judgement.value, rec.user, rec.created_at, rec.origin)
            )
            seq += 1
        if rows:
            self.con.executemany("INSERT INTO judgements VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def _next_seq(self) -> int:
        rows = self.con.execute("SELECT coalesce(max(seq), 0) + 1 FROM judgements").fetchall()
        return int(rows[0][0])

    def current(self) -> list[JudgementRecord]:
        """The newest judgement of each pair."""
        rows = self.con.execute(
            """
            SELECT left_id, right_id, judgement, user_name, created_at, origin
            FROM judgements QUALIFY row_number() OVER
                (PARTITION BY left_id, right_id ORDER BY seq DESC) = 1
            ORDER BY left_id, right_id
            """
        ).fetchall()
        return [_record(r) for r in rows]

    def history(self, ids: list[str] | None = None) -> list[JudgementRecord]:
        where = "TRUE"
        params: list[object] = []
        if ids is not None:
            where = "list_contains(?, left_id) OR list_contains(?, right_id)"
            params = [ids, ids]
        rows = self.con.execute(
            "SELECT left_id, right_id, judgement, user_name, created_at, origin "
            f"FROM judgements WHERE {where} ORDER BY seq",
            params,
        ).fetchall()
        return [_record(r) for r in rows]

    def count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM judgements").fetchall()[0][0])


def _record(row: tuple[object, ...]) -> JudgementRecord:
    created = row[4]
    assert isinstance(created, datetime)
    return JudgementRecord(
        str(row[0]),
        str(row[1]),
        Judgement(str(row[2])),
        None if row[3] is None else str(row[3]),
        created,
        str(row[5]),
    )


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# -- nomenklatura's resolver file -------------------------------------------------


def _nk_weight(identifier: str) -> tuple[int, str]:
    return (2 if identifier.startswith(NK_PREFIX) else 1, identifier)


def write_nomenklatura(records: Iterable[JudgementRecord], out: IO[bytes]) -> int:
    count = 0
    for rec in records:
        target, source = sorted((rec.left_id, rec.right_id), key=_nk_weight, reverse=True)
        created = rec.created_at.replace(tzinfo=None).isoformat()[:28]
        out.write(orjson.dumps([target, source, rec.judgement.value, None, rec.user, created]))
        out.write(b"\n")
        count += 1
    return count


def read_nomenklatura(path: Path) -> Iterator[JudgementRecord]:
    """Judgements from a nomenklatura resolver file; "no_judgement" lines
    (candidate pairs with a score only) are skipped, deleted edges too."""
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            where = Location(str(path), line_no)
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise JudgementError(
                    f"{where}: not a JSON line ({exc}); expected "
                    '["target", "source", "judgement", score, "user", "created_at"]'
                ) from None
            if not isinstance(data, list) or len(data) < 3:
                raise JudgementError(
                    f"{where}: expected a JSON list "
                    '["target", "source", "judgement", score, "user", "created_at"]'
                )
            if len(data) > 6 and data[6]:
                continue  # deleted edge
            if data[2] == "no_judgement":
                continue
            try:
                judgement = Judgement(str(data[2]))
            except ValueError:
                raise JudgementError(
                    f"{where}: unknown judgement {data[2]!r} "
                    "(expected positive, negative, unsure or no_judgement)"
                ) from None
            created = now()
            if len(data) > 5 and data[5]:
                try:
                    created = datetime.fromisoformat(str(data[5])).replace(tzinfo=None)
                except ValueError:
                    raise JudgementError(f"{where}: bad created_at {data[5]!r}") from None
            user = str(data[4]) if len(data) > 4 and data[4] else None
            yield JudgementRecord(
                str(data[0]), str(data[1]), judgement, user, created, "nomenklatura"
            )
