"""Password hashing with argon2id.

A login for an unknown (or disabled) account still verifies a password, against
a dummy hash, so the time a failed login takes does not tell an attacker
which user names exist.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from threadline.errors import InputError

#: longer input buys no security, and capping it bounds the work one request causes
MAX_PASSWORD_LENGTH = 1024


class Passwords:
    def __init__(self, hasher: PasswordHasher, min_length: int) -> None:
        self.hasher = hasher
        self.min_length = min_length
        self._dummy: str | None = None

    def check_strength(self, password: str) -> None:
        if len(password) < self.min_length:
            raise InputError(
                f"password too short: {len(password)} characters, at least "
                f"{self.min_length} needed",
                hint="a few random words make a long password that is easy to type",
            )
        if len(password) > MAX_PASSWORD_LENGTH:
            raise InputError(f"password too long: at most {MAX_PASSWORD_LENGTH} characters")

    def hash(self, password: str) -> str:
        self.check_strength(password)
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True if ``password`` matches ``stored``; with no stored hash (an
        unknown user), spend the same time and say no."""
        if stored is None or len(password) > MAX_PASSWORD_LENGTH:
            self._matches(self._dummy_hash(), password[:MAX_PASSWORD_LENGTH])
            return False
        return self._matches(stored, password)

    def _matches(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.hasher.hash("threadline dummy password")
        return self._dummy

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)
