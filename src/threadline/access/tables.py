"""The app database's tables, one SQLAlchemy Core metadata for SQLite and
PostgreSQL alike. Analyst work lives here, never among source statements.

Ids are random hex strings rather than serial numbers, so they reveal neither
how many cases exist nor which came first, and they read the same in both
engines. The audit log keeps its timestamp and details as the exact text that
was hashed, so verifying it never depends on how a driver renders a date.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

#: bumped when a table changes; ``AppDatabase`` upgrades an older database
#: (see ``db``) and refuses one it does not know
SCHEMA_VERSION = 5
#: ``prev_hash`` of the first audit entry
GENESIS_HASH = "0" * 64


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out: SQLite stores no zone, PostgreSQL may
    answer in the session's zone; both come back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the app database; use UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()

app_meta = Table(
    "app_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("password_changed_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
    CheckConstraint("role IN ('admin', 'analyst', 'viewer')", name="users_role"),
)

sessions = Table(
    "sessions",
    metadata,
    # SHA-256 of the token: a leaked table does not hand out live sessions
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index("sessions_user", "user_id"),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("created_by", String(32), ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

case_members = Table(
    "case_members",
    metadata,
    Column("case_id", String(32), ForeignKey("cases.id"), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("relation", String(16), nullable=False),
    Column("added_by", String(32), ForeignKey("users.id"), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    CheckConstraint("relation IN ('owner', 'member')", name="case_members_relation"),
    Index("case_members_user", "user_id"),
)

#: a case's masking policy (added in schema version 4): when ``mask_sensitive``,
#: everyone reading entities in the case sees personal details masked
case_policies = Table(
    "case_policies",
    metadata,
    Column("case_id", String(32), ForeignKey("cases.id"), primary_key=True),
    Column("mask_sensitive", Boolean, nullable=False),
    Column("set_by", String(32), ForeignKey("users.id"), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("cases.id"), nullable=False),
    Column("author_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("body", Text, nullable=False),
    Index("case_notes_case", "case_id"),
)

case_entities = Table(
    "case_entities",
    metadata,
    Column("case_id", String(32), ForeignKey("cases.id"), primary_key=True),
    Column("entity_id", String(200), primary_key=True),
    Column("added_by", String(32), ForeignKey("users.id"), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", String(40), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(40), nullable=False),
    Column("case_id", String(32)),
    Column("purpose", Text),
    Column("target", Text),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("audit_log_actor", "actor"),
    Index("audit_log_case", "case_id"),
)

# One row: the last entry's seq and hash. Appenders lock it to serialise, and
# verify compares it with the log's tail, so deleting the newest entries shows.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="audit_head_single_row"),
)

# Version 2 added a ``judgements`` table, a second copy of the judgements made
# through the web app; version 3 retired it: judgements live in one place, the
# workspace store's resolution tables, and the audit log records who judged
# and for which case or purpose. A version-2 database keeps its table and rows
# (append-only data is never dropped); nothing reads or writes them.


#: long work (ingest, resolve, reindex, mention tagging, retention sweeps) run
#: as jobs (added in schema version 5). ``runner`` names the process running a
#: job (host:pid:start time), so a later process can tell a job whose runner
#: died from one still running; ``cancel_requested`` is read at progress points.
jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("owner", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("progress", Float, nullable=False, default=0.0),
    Column("message", Text, nullable=False, default=""),
    Column("params", Text, nullable=False),
    Column("result", Text),
    Column("error", Text),
    Column("runner", Text),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    CheckConstraint(
        "state IN ('queued', 'running', 'done', 'failed', 'cancelled')", name="jobs_state"
    ),
    Index("jobs_state", "state"),
)

job_log = Table(
    "job_log",
    metadata,
    Column("job_id", String(32), ForeignKey("jobs.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", UTCDateTime, nullable=False),
    Column("line", Text, nullable=False),
)
