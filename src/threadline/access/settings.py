"""Tunable parts of access control, with defaults that suit a newsroom or an
audit team. The clock is a setting so tests can move time forward instead of
sleeping through a timeout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AccessSettings:
    #: a session ends after this long without a request...
    idle_timeout: timedelta = timedelta(minutes=30)
    #: ...and this long after login, however busy
    absolute_timeout: timedelta = timedelta(hours=12)
    #: long passphrases beat complexity rules (NIST SP 800-63B); no maximum worth having
    min_password_length: int = 12
    #: argon2id with argon2-cffi's defaults (RFC 9106's low-memory choice); a
    #: stored hash made with other parameters is upgraded at the next login
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    #: roles that see personal details masked everywhere (see ``masking``);
    #: a case's owner can mask them for everyone in the case as well
    masked_roles: frozenset[str] = frozenset({"viewer"})
    clock: Callable[[], datetime] = utc_now
