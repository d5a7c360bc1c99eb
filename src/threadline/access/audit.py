"""The audit log: an append-only, hash-chained record of who did what, when,
in which case and why.

Each entry's hash is SHA-256 over a canonical JSON of the entry, its
``prev_hash`` included, so changing, removing or reordering any entry breaks
every later link, and ``verify()`` names the first bad one. The database
refuses UPDATE and DELETE on the log (triggers, see ``db``); the hash chain
catches what someone with the power to drop those triggers does anyway.
Signed checkpoints of the head (``checkpoints``), kept outside the
database, also catch a rewrite of the whole chain.

This module has no permission checks: ``AuditTrail`` (``trail``) is the
checked front door. There is deliberately no way to update or delete.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, select

from threadline.access import tables as t
from threadline.access.db import AppDatabase
from threadline.access.settings import AccessSettings
from threadline.errors import AuditChainBroken


class Action(StrEnum):
    # looks at and changes to the data: these need a case or a purpose
    SEARCH = "search"
    VIEW = "view"
    EXPORT = "export"
    MERGE = "merge"
    JUDGEMENT = "judgement"
    #: a masked value shown, with the reader's reason
    REVEAL = "reveal"
    #: a logged-in user refused (no permission, not in the case, no purpose)
    REFUSED = "refused"
    # changes to the data and its keeping
    INGEST = "ingest"
    DATASET_DROP = "dataset.drop"
    RETENTION_SET = "retention.set"
    RETENTION_SWEEP = "retention.sweep"
    RESOLVE = "resolve"
    REINDEX = "reindex"
    MENTIONS = "mentions"
    # long work run as a job: started, asked to stop, and how it ended
    JOB_START = "job.start"
    JOB_CANCEL = "job.cancel"
    JOB_END = "job.end"
    # accounts and sessions
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    USER_CREATE = "user.create"
    USER_SET_ROLE = "user.set_role"
    USER_DISABLE = "user.disable"
    USER_ENABLE = "user.enable"
    USER_REVOKE = "user.revoke"
    USER_PASSWORD = "user.password"
    # cases
    CASE_CREATE = "case.create"
    CASE_MEMBER_ADD = "case.member_add"
    CASE_MEMBER_REMOVE = "case.member_remove"
    CASE_OWNER = "case.owner"
    CASE_NOTE_ADD = "case.note_add"
    CASE_ENTITY_ADD = "case.entity_add"
    CASE_ENTITY_REMOVE = "case.entity_remove"
    CASE_POLICY = "case.policy"
    # reading the log is itself recorded
    AUDIT_READ = "audit.read"
    # an admin's choice that changes what is recorded
    POLICY_CHANGE = "policy.change"


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts: str
    actor: str
    action: str
    case_id: str | None
    purpose: str | None
    target: str | None
    details: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = t.GENESIS_HASH
    hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def compute_hash(self) -> str:
        payload = {
            "seq": self.seq,
            "ts": self.ts,
            "actor": self.actor,
            "action": self.action,
            "case_id": self.case_id,
            "purpose": self.purpose,
            "target": self.target,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }
        return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is: one text per value, so anyone can
    recompute a hash with any JSON library that can do the same."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    #: entries read
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def raise_if_broken(self) -> None:
        if self.first_bad_seq is not None:
            raise AuditChainBroken(self.first_bad_seq, self.reason or "broken")


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(row.seq),
        ts=row.ts,
        actor=row.actor,
        action=row.action,
        case_id=row.case_id,
        purpose=row.purpose,
        target=row.target,
        details=json.loads(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


# Built once: one of each per audited request (see users._CURRENT_USER).
_INSERT_ENTRY = t.audit_log.insert()
_MOVE_HEAD = (
    t.audit_head.update()
    .where(t.audit_head.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


class AuditLog:
    def __init__(self, db: AppDatabase, settings: AccessSettings) -> None:
        self.db = db
        self.clock = settings.clock

    def append(
        self,
        actor: str,
        action: Action | str,
        case_id: str | None = None,
        purpose: str | None = None,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
        *,
        conn: Connection | None = None,
    ) -> AuditEntry:
        """Append one entry. Given ``conn``, the entry joins that transaction,
        so an action and its record commit (or fail) together."""
        if conn is None:
            with self.db.write() as own:
                return self.append(actor, action, case_id, purpose, target, details, conn=own)
        # the head lock is held to commit: appends queue, the chain never forks
        seq, prev_hash = self.db.lock_audit_head(conn)
        # normalised through JSON, so what is hashed is what verify() will read
        details_json = canonical_json(dict(details or {}))
        entry = AuditEntry(
            seq=seq + 1,
            ts=self.clock().isoformat(timespec="microseconds"),
            actor=actor,
            action=str(action),
            case_id=case_id,
            purpose=purpose,
            target=target,
            details=json.loads(details_json),
            prev_hash=prev_hash,
        )
        entry = replace(entry, hash=entry.compute_hash())
        row = {**asdict(entry), "details": details_json}
        conn.execute(_INSERT_ENTRY, row)
        conn.execute(_MOVE_HEAD, {"new_seq": entry.seq, "new_hash": entry.hash})
        return entry

    def entries(
        self,
        limit: int = 50,
        *,
        actor: str | None = None,
        case_id: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]:
        """The newest ``limit`` entries that match, oldest first."""
        query = select(t.audit_log).order_by(t.audit_log.c.seq.desc()).limit(limit)
        if actor is not None:
            query = query.where(t.audit_log.c.actor == actor)
        if case_id is not None:
            query = query.where(t.audit_log.c.case_id == case_id)
        if action is not None:
            query = query.where(t.audit_log.c.action == action)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [_entry(row) for row in reversed(rows)]

    def entry(self, seq: int) -> AuditEntry | None:
        with self.db.read() as conn:
            row = conn.execute(select(t.audit_log).where(t.audit_log.c.seq == seq)).one_or_none()
        return None if row is None else _entry(row)

    def count(self) -> int:
        with self.db.read() as conn:
            return int(conn.scalar(select(func.count()).select_from(t.audit_log)) or 0)

    def verify(self) -> VerifyReport:
        """Recompute the chain from the first entry; stop at the first bad one."""
        with self.db.read() as conn:
            head = conn.execute(select(t.audit_head).where(t.audit_head.c.id == 1)).one()
            rows = conn.execution_options(yield_per=1000).execute(
                select(t.audit_log).order_by(t.audit_log.c.seq)
            )
            seq, prev, count = 0, t.GENESIS_HASH, 0
            for row in rows:
                count += 1
                entry = _entry(row)
                problem = _check(entry, seq, prev)
                if problem is not None:
                    bad, reason = problem
                    return VerifyReport(False, count, head.seq, head.hash, bad, reason)
                seq, prev = entry.seq, entry.hash
        problem = _check_head(int(head.seq), str(head.hash), seq, prev)
        if problem is not None:
            bad, reason = problem
            return VerifyReport(False, count, head.seq, head.hash, bad, reason)
        return VerifyReport(True, count, head.seq, head.hash)


def _check(entry: AuditEntry, last_seq: int, last_hash: str) -> tuple[int, str] | None:
    if entry.seq != last_seq + 1:
        missing = last_seq + 1
        span = f"{missing}" if entry.seq == missing + 1 else f"{missing} to {entry.seq - 1}"
        return missing, f"entry {span} missing (deleted): the log jumps to entry {entry.seq}"
    if entry.compute_hash() != entry.hash:
        return entry.seq, "its contents do not match its hash (changed after it was written)"
    if entry.prev_hash != last_hash:
        return entry.seq, (
            f"its prev_hash does not match entry {last_seq}'s hash "
            "(entries rewritten, inserted or reordered)"
        )
    return None


def _check_head(head_seq: int, head_hash: str, seq: int, last_hash: str) -> tuple[int, str] | None:
    if head_seq > seq:
        span = f"{seq + 1}" if head_seq == seq + 1 else f"{seq + 1} to {head_seq}"
        return seq + 1, f"entry {span} missing from the end (deleted)"
    if head_seq < seq:
        return head_seq + 1, "written around Threadline: the chain head is behind it"
    if head_hash != last_hash:
        return seq, "the chain head holds another hash for it (rewritten)"
    return None
