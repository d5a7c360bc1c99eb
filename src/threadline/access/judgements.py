"""Judgements in the app database: every "same", "not same" or "unsure" made
through the web app, with who made it, when, and in which case or for which
stated purpose.

The workspace's DuckDB keeps its own copy (``threadline.resolve.judgements``),
which the resolver joins and clusters from; this one is the keeper. In server
mode it lives in PostgreSQL, so a workspace rebuilt from its source files and
started against the same server gets its analysts' decisions back: at start
the web app replays what ``missing_from`` finds (see ``threadline.api.state``).

Append-only like the audit log: there is no way here to change or delete a
row, and triggers refuse UPDATE and DELETE (and TRUNCATE in PostgreSQL).

The records are the resolver's ``JudgementRecord``, with its convention for
time: naive UTC, as the workspace's DuckDB keeps it. The app database stores
the same instant as an aware UTC timestamp.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func, select

from threadline.access import tables as t
from threadline.access.audit import Action
from threadline.access.db import AppDatabase
from threadline.access.policy import Principal
from threadline.access.settings import AccessSettings
from threadline.access.trail import AuditTrail
from threadline.resolve.judgements import Judgement, JudgementRecord, ordered


@dataclass(frozen=True)
class LoggedJudgement:
    """A judgement as the app database keeps it: its number, the record, and
    the reason on record (a case or a stated purpose)."""

    seq: int
    record: JudgementRecord
    case_id: str | None
    purpose: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            **self.record.to_dict(),
            "case_id": self.case_id,
            "purpose": self.purpose,
        }


def naive_utc(value: datetime) -> datetime:
    """``value`` in ``JudgementRecord``'s convention: naive UTC."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _logged(row: Row[Any]) -> LoggedJudgement:
    record = JudgementRecord(
        left_id=row.left_id,
        right_id=row.right_id,
        judgement=Judgement(row.judgement),
        user=row.user_name,
        created_at=naive_utc(row.created_at),
        origin=row.origin,
    )
    return LoggedJudgement(int(row.seq), record, row.case_id, row.purpose)


class JudgementLog:
    def __init__(self, db: AppDatabase, trail: AuditTrail, settings: AccessSettings) -> None:
        self.db = db
        self.trail = trail
        self.clock = settings.clock

    def record(
        self,
        principal: Principal,
        record: JudgementRecord,
        *,
        case_id: str | None = None,
        purpose: str | None = None,
    ) -> LoggedJudgement:
        """Keep ``record`` as ``principal``'s judgement, made now. Checked like
        ``AuditTrail.judgement``: a role that may judge, and a case the
        principal belongs to or a stated purpose.

        Who and when are the app database's: the returned record carries the
        principal's name and the access clock's time (its pair ordered), and
        is the one to add to the workspace, so the two copies match."""
        left, right = ordered(record.left_id, record.right_id)
        created = self.clock().astimezone(UTC)
        with self.db.write() as conn:
            principal, clean = self.trail._check(
                conn, principal, Action.JUDGEMENT, case_id, purpose
            )
            # judging takes an analyst: never the local operator, who has no account
            assert principal.user_id is not None
            seq = conn.scalar(
                t.judgements.insert()
                .returning(t.judgements.c.seq)
                .values(
                    created_at=created,
                    user_id=principal.user_id,
                    user_name=principal.name,
                    case_id=case_id,
                    purpose=clean,
                    left_id=left,
                    right_id=right,
                    judgement=record.judgement.value,
                    origin=record.origin,
                )
            )
            assert seq is not None
        kept = replace(
            record,
            left_id=left,
            right_id=right,
            user=principal.name,
            created_at=naive_utc(created),
        )
        return LoggedJudgement(seq, kept, case_id, clean)

    def since(self, seq: int = 0, limit: int | None = None) -> list[LoggedJudgement]:
        """The judgements numbered after ``seq``, oldest first (at most
        ``limit``). Unchecked, like ``AuditLog``: for the app itself (the
        replay at start); no HTTP route reads it."""
        query = select(t.judgements).where(t.judgements.c.seq > seq).order_by(t.judgements.c.seq)
        if limit is not None:
            query = query.limit(limit)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [_logged(row) for row in rows]

    def all(self) -> list[JudgementRecord]:
        """Every judgement kept, oldest first."""
        return [logged.record for logged in self.since(0)]

    def count(self) -> int:
        with self.db.read() as conn:
            return int(conn.scalar(select(func.count()).select_from(t.judgements)) or 0)


def _key(record: JudgementRecord) -> tuple[str, str, str, str | None, datetime]:
    left, right = ordered(record.left_id, record.right_id)
    return (left, right, record.judgement.value, record.user, naive_utc(record.created_at))


def missing_from(
    workspace: Iterable[JudgementRecord], kept: Iterable[JudgementRecord]
) -> list[JudgementRecord]:
    """The ``kept`` judgements that the workspace lacks (none with the same
    pair, judgement, user and time), oldest first: the ones to replay.

    A missing judgement older than the workspace's newest on the same pair is
    left out: the workspace's newest *added* judgement wins, so replaying it
    would overrule a later decision (one made at the command line, say)."""
    have: set[tuple[str, str, str, str | None, datetime]] = set()
    newest: dict[tuple[str, str], datetime] = {}
    for record in workspace:
        key = _key(record)
        have.add(key)
        pair, when = (key[0], key[1]), key[4]
        if pair not in newest or when > newest[pair]:
            newest[pair] = when
    missing = []
    for record in kept:
        key = _key(record)
        if key in have:
            continue
        latest = newest.get((key[0], key[1]))
        if latest is None or key[4] >= latest:
            missing.append(record)
    return sorted(missing, key=lambda r: naive_utc(r.created_at))
