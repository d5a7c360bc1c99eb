"""Server-side sessions: login hands out a random token, and every request
trades it back for a principal.

Only the token's SHA-256 is stored, so a copy of the database opens no
sessions. ``authenticate()`` reads the session and its user together on every
call: a revoked session, a disabled account, an idle or old session, or a
changed role all take effect on the very next request, with no cache to wait
out.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, or_, select, update

from threadline.access import tables as t
from threadline.access.audit import Action, AuditLog
from threadline.access.db import AppDatabase
from threadline.access.passwords import Passwords
from threadline.access.policy import Principal, Role
from threadline.access.settings import AccessSettings
from threadline.access.throttle import LoginThrottle, login_keys
from threadline.access.users import normalise_name
from threadline.errors import AuthenticationFailed, InputError, LoginThrottled

#: last_seen is written at most this often: a write per request would queue every
#: request behind SQLite's single writer, for a precision idle timeouts do not need
_TOUCH_EVERY = timedelta(seconds=60)
_BAD_LOGIN = "wrong user name or password"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


#: Built once: every request looks its session up (see users._CURRENT_USER).
_SESSION_BY_TOKEN = (
    select(t.sessions, t.users.c.name, t.users.c.role, t.users.c.active)
    .join(t.users, t.users.c.id == t.sessions.c.user_id)
    .where(t.sessions.c.token_hash == bindparam("digest"))
)


@dataclass(frozen=True)
class Login:
    """What a successful login returns: the token to hand to the client (it is
    never stored), who logged in, and when the session ends at the latest."""

    token: str
    principal: Principal
    expires_at: datetime


class Sessions:
    def __init__(
        self, db: AppDatabase, audit: AuditLog, settings: AccessSettings, passwords: Passwords
    ) -> None:
        self.db = db
        self.audit = audit
        self.settings = settings
        self.passwords = passwords
        self.throttle = LoginThrottle(settings.clock)

    def login(self, name: str, password: str, address: str | None = None) -> Login:
        """Check a password and start a session. ``address`` is the client's
        (the HTTP layer passes it): failures are throttled per account and
        per address, before any password is hashed."""
        try:
            clean: str | None = normalise_name(name)
        except InputError:
            clean = None  # still spend the hashing time below
        keys = login_keys(clean, address)
        try:
            self.throttle.check(keys)
        except LoginThrottled:
            self._failed(clean, name, "throttled")
            raise
        row = None
        if clean is not None:
            with self.db.read() as conn:
                row = conn.execute(select(t.users).where(t.users.c.name == clean)).first()
        if not self.passwords.verify(row.password_hash if row else None, password):
            self.throttle.failed(keys)
            self._failed(clean, name, "wrong password" if row else "unknown user")
            raise AuthenticationFailed(_BAD_LOGIN)
        self.throttle.succeeded(f"account:{clean}")
        assert row is not None
        if not row.active:
            self._failed(row.name, name, "account disabled")
            raise AuthenticationFailed(
                f"account {row.name!r} is disabled; ask an administrator to enable it"
            )
        # hashing is slow: do it before taking the write lock
        rehashed = None
        if self.passwords.needs_rehash(row.password_hash):
            rehashed = self.passwords.hasher.hash(password)
        token = secrets.token_urlsafe(32)
        now = self.settings.clock()
        expires = now + self.settings.absolute_timeout
        with self.db.write() as conn:
            self._forget_ended(conn, row.id, now)
            conn.execute(
                t.sessions.insert().values(
                    token_hash=token_hash(token),
                    user_id=row.id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=expires,
                    revoked_at=None,
                )
            )
            values: dict[str, object] = {"last_login_at": now}
            if rehashed is not None:
                values["password_hash"] = rehashed
            conn.execute(update(t.users).where(t.users.c.id == row.id).values(values))
            details = {"rehashed": rehashed is not None}
            self.audit.append(row.name, Action.LOGIN, details=details, conn=conn)
        return Login(token, Principal(row.id, row.name, Role(row.role)), expires)

    def _failed(self, clean: str | None, given: str, reason: str) -> None:
        # a name that is not a valid user name is not used as the actor, so a
        # crafted one (``local:root``) cannot pass for someone else in the log
        details = {"reason": reason}
        if clean is None:
            details["name"] = given[:64]
        self.audit.append(clean or "(invalid name)", Action.LOGIN_FAILED, details=details)

    def _forget_ended(self, conn: Connection, user_id: str, now: datetime) -> None:
        """Drop the user's ended sessions, so the table does not grow forever."""
        conn.execute(
            delete(t.sessions).where(
                t.sessions.c.user_id == user_id,
                or_(
                    t.sessions.c.revoked_at.is_not(None),
                    t.sessions.c.expires_at <= now,
                    t.sessions.c.last_seen_at <= now - self.settings.idle_timeout,
                ),
            )
        )

    def authenticate(self, token: str) -> Principal:
        """The principal behind a session token, checked afresh; raises
        ``AuthenticationFailed`` saying why a session has ended."""
        digest = token_hash(token)
        now = self.settings.clock()
        with self.db.read() as conn:
            row = conn.execute(_SESSION_BY_TOKEN, {"digest": digest}).first()
        if row is None:
            raise AuthenticationFailed("unknown session; log in")
        if row.revoked_at is not None:
            raise AuthenticationFailed("session ended (logged out or revoked); log in again")
        if now >= row.expires_at:
            raise AuthenticationFailed("session expired; log in again")
        if now - row.last_seen_at >= self.settings.idle_timeout:
            raise AuthenticationFailed("session expired after being idle; log in again")
        if not row.active:
            raise AuthenticationFailed(f"account {row.name!r} is disabled")
        if now - row.last_seen_at >= _TOUCH_EVERY:
            with self.db.write() as conn:
                conn.execute(
                    update(t.sessions)
                    .where(t.sessions.c.token_hash == digest, t.sessions.c.revoked_at.is_(None))
                    .values(last_seen_at=now)
                )
        return Principal(row.user_id, row.name, Role(row.role))

    def logout(self, token: str) -> None:
        digest = token_hash(token)
        with self.db.write() as conn:
            row = conn.execute(
                select(t.sessions.c.user_id, t.users.c.name)
                .join(t.users, t.users.c.id == t.sessions.c.user_id)
                .where(t.sessions.c.token_hash == digest, t.sessions.c.revoked_at.is_(None))
            ).first()
            if row is None:
                return
            conn.execute(
                update(t.sessions)
                .where(t.sessions.c.token_hash == digest)
                .values(revoked_at=self.settings.clock())
            )
            self.audit.append(row.name, Action.LOGOUT, conn=conn)
