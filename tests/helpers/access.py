"""Helpers shared by the access tests (fixtures are in tests/access/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import text

from threadline.access import AccessControl, Principal

PASSWORD = "correct horse battery"
# argon2's cheapest parameters: tests hash hundreds of passwords
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class People:
    """One case and someone in every position relative to it."""

    case_id: str
    owner: Principal  # analyst who created the case
    member: Principal  # analyst member
    viewer: Principal  # viewer member
    outsider: Principal  # analyst, not a member
    admin: Principal
    spare: Principal  # analyst, not a member, for add-member tests

    def by_position(self, position: str) -> Principal:
        person = getattr(self, position)
        assert isinstance(person, Principal)
        return person


def raw_sql(access: AccessControl, sql: str, **params: object) -> None:
    """Run SQL around the audit log's guard triggers, the way someone with
    full control of the database could: SQLite's triggers are dropped,
    PostgreSQL's are switched off for the transaction (superuser only)."""
    with access.db.engine.begin() as conn:
        if access.db.is_sqlite:
            for name in ("audit_log_no_update", "audit_log_no_delete", "audit_head_forward"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)
