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

import orjson

from threadline.errors import JudgementError, Location
from threadline.store.base import JudgementRow, ResolutionTables

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
    """The judgements of a workspace, kept in its store's resolution tables:
    the one place they live, which the resolver clusters from and every
    caller (the CLI, the web app) reads and adds to."""

    def __init__(self, tables: ResolutionTables) -> None:
        self.tables = tables

    def add(self, records: Iterable[JudgementRecord]) -> int:
        rows = []
        for rec in records:
            left, right = ordered(rec.left_id, rec.right_id)
            rows.append((left, right, rec.judgement.value, rec.user, rec.created_at, rec.origin))
        return self.tables.add_judgements(rows)

    def current(self) -> list[JudgementRecord]:
        """The newest judgement of each pair."""
        return [_record(r) for r in self.tables.judgement_rows(current=True)]

    def history(self, ids: list[str] | None = None) -> list[JudgementRecord]:
        """Every judgement, oldest first (those touching ``ids`` if given)."""
        return [_record(r) for r in self.tables.judgement_rows(entity_ids=ids)]

    def count(self) -> int:
        return self.tables.judgement_count()


def _record(row: JudgementRow) -> JudgementRecord:
    return JudgementRecord(row[0], row[1], Judgement(row[2]), row[3], row[4], row[5])


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
