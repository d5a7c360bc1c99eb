"""User accounts: create, list, change role, disable, enable, reset passwords,
end sessions. Only admins (and the local operator) manage accounts; every
change is audited in the same transaction that makes it.

``current()`` re-reads the acting user before every operation, here and in
the other modules, so a principal held by a caller cannot outlive a role
change or a disabled account.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update

from threadline.access import tables as t
from threadline.access.audit import Action, AuditLog
from threadline.access.db import AppDatabase
from threadline.access.passwords import Passwords
from threadline.access.policy import Permission, Principal, Role, require
from threadline.access.settings import AccessSettings
from threadline.errors import AuthenticationFailed, InputError, UserNotFound

_NAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: Role
    active: bool
    created_at: datetime
    password_changed_at: datetime
    last_login_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": str(self.role),
            "active": self.active,
            "created_at": self.created_at.isoformat(),
            "password_changed_at": self.password_changed_at.isoformat(),
            "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None,
        }

    def principal(self) -> Principal:
        return Principal(user_id=self.id, name=self.name, role=self.role)


def user_from_row(row: Row[Any]) -> User:
    return User(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        active=bool(row.active),
        created_at=row.created_at,
        password_changed_at=row.password_changed_at,
        last_login_at=row.last_login_at,
    )


def normalise_name(name: str) -> str:
    """User names are case-insensitive: stored lower-case."""
    clean = name.strip().lower()
    if not _NAME.fullmatch(clean):
        raise InputError(
            f"invalid user name {name!r}",
            hint="use 1 to 64 letters, digits and . _ @ -, starting with a letter or digit",
        )
    return clean


def parse_role(role: str | Role) -> Role:
    try:
        return Role(str(role).strip().lower())
    except ValueError:
        choices = ", ".join(str(r) for r in Role)
        raise InputError(f"unknown role {role!r}", hint=f"choose one of {choices}") from None


def user_row(conn: Connection, name: str) -> Row[Any]:
    row = conn.execute(select(t.users).where(t.users.c.name == normalise_name(name))).first()
    if row is None:
        raise UserNotFound(f"no user named {name!r}; `threadline users list` shows them")
    return row


#: Built once: asked on every request, and SQLAlchemy spends longer building
#: and keying a fresh statement than SQLite spends answering it.
_CURRENT_USER = select(t.users).where(t.users.c.id == bindparam("user_id"))


def current(conn: Connection, principal: Principal) -> Principal:
    """The principal as the database sees it now: current role, still active."""
    if principal.local:
        return principal
    row = conn.execute(_CURRENT_USER, {"user_id": principal.user_id}).first()
    if row is None or not row.active:
        raise AuthenticationFailed(f"account {principal.name!r} is disabled or removed")
    return Principal(user_id=row.id, name=row.name, role=Role(row.role))


def revoke_all(conn: Connection, user_id: str, now: datetime) -> int:
    result = conn.execute(
        update(t.sessions)
        .where(t.sessions.c.user_id == user_id, t.sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)


class Accounts:
    def __init__(self, db: AppDatabase, audit: AuditLog, settings: AccessSettings) -> None:
        self.db = db
        self.audit = audit
        self.clock = settings.clock
        self.passwords = Passwords(settings.hasher, settings.min_password_length)

    def _admin(self, conn: Connection, actor: Principal) -> Principal:
        actor = current(conn, actor)
        require(actor, Permission.MANAGE_USERS)
        return actor

    def create(self, actor: Principal, name: str, password: str, role: str | Role) -> User:
        clean, parsed_role = normalise_name(name), parse_role(role)
        password_hash = self.passwords.hash(password)  # slow: before taking the write lock
        now = self.clock()
        with self.db.write() as conn:
            actor = self._admin(conn, actor)
            if conn.execute(select(t.users.c.id).where(t.users.c.name == clean)).first():
                raise InputError(f"user {clean!r} already exists")
            values = {
                "id": uuid.uuid4().hex,
                "name": clean,
                "role": str(parsed_role),
                "password_hash": password_hash,
                "active": True,
                "created_at": now,
                "password_changed_at": now,
                "last_login_at": None,
            }
            conn.execute(t.users.insert().values(values))
            details = {"role": str(parsed_role)}
            self.audit.append(
                actor.name, Action.USER_CREATE, target=clean, details=details, conn=conn
            )
            return user_from_row(user_row(conn, clean))

    def list_users(self, actor: Principal) -> list[User]:
        with self.db.read() as conn:
            self._admin(conn, actor)
            rows = conn.execute(select(t.users).order_by(t.users.c.name)).all()
        return [user_from_row(row) for row in rows]

    def get(self, actor: Principal, name: str) -> User:
        with self.db.read() as conn:
            self._admin(conn, actor)
            return user_from_row(user_row(conn, name))

    def set_role(self, actor: Principal, name: str, role: str | Role) -> User:
        parsed = parse_role(role)
        return self._change(actor, name, Action.USER_SET_ROLE, {"role": str(parsed)})

    def disable(self, actor: Principal, name: str) -> User:
        # sessions end too: the lookup would refuse them anyway, this makes it visible
        return self._change(actor, name, Action.USER_DISABLE, {"active": False}, revoke=True)

    def enable(self, actor: Principal, name: str) -> User:
        return self._change(actor, name, Action.USER_ENABLE, {"active": True})

    def revoke_sessions(self, actor: Principal, name: str) -> int:
        with self.db.write() as conn:
            actor = self._admin(conn, actor)
            row = user_row(conn, name)
            count = revoke_all(conn, row.id, self.clock())
            details = {"sessions_ended": count}
            self.audit.append(
                actor.name, Action.USER_REVOKE, target=row.name, details=details, conn=conn
            )
            return count

    def set_password(self, actor: Principal, name: str, password: str) -> None:
        """An admin's reset; the user's sessions end."""
        password_hash = self.passwords.hash(password)
        values = {"password_hash": password_hash, "password_changed_at": self.clock()}
        self._change(actor, name, Action.USER_PASSWORD, values, revoke=True, log_values=False)

    def change_own_password(self, principal: Principal, old: str, new: str) -> None:
        """A user changes their own password, proving the old one; all their
        sessions end, so a thief holding one is logged out too."""
        new_hash = self.passwords.hash(new)
        with self.db.read() as conn:
            me = current(conn, principal)
            row = conn.execute(select(t.users).where(t.users.c.id == me.user_id)).first()
        if row is None:
            raise InputError("the local operator has no password; use `threadline users passwd`")
        if not self.passwords.verify(row.password_hash, old):
            raise AuthenticationFailed("the current password is wrong")
        with self.db.write() as conn:
            now = self.clock()
            values = {"password_hash": new_hash, "password_changed_at": now}
            conn.execute(update(t.users).where(t.users.c.id == row.id).values(values))
            details = {"sessions_ended": revoke_all(conn, row.id, now)}
            self.audit.append(
                row.name, Action.USER_PASSWORD, target=row.name, details=details, conn=conn
            )

    def _change(
        self,
        actor: Principal,
        name: str,
        action: Action,
        values: dict[str, Any],
        *,
        revoke: bool = False,
        log_values: bool = True,
    ) -> User:
        with self.db.write() as conn:
            actor = self._admin(conn, actor)
            row = user_row(conn, name)
            conn.execute(update(t.users).where(t.users.c.id == row.id).values(values))
            details: dict[str, Any] = dict(values) if log_values else {}
            if revoke:
                details["sessions_ended"] = revoke_all(conn, row.id, self.clock())
            self.audit.append(actor.name, action, target=row.name, details=details, conn=conn)
            return user_from_row(user_row(conn, row.name))
