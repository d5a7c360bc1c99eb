"""Login throttling: growing delays after failed logins, per account and per
client address, so guessing a password costs hours instead of seconds and a
flood of bad logins is refused before any password is hashed.

The first few failures are free (people mistype); after that each failure
doubles the wait, up to a cap. A successful login clears the account's
record (not the address's: one right guess must not unlock a flood). The
record lives in the process: a server restart forgets it, and in team mode
each server keeps its own, so the bound is per server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from threadline.errors import LoginThrottled

#: failures allowed before the first delay, for an account and for an
#: address (more: an office behind one NAT shares it)
FREE_FAILURES = 5
ADDRESS_FREE_FAILURES = 20
#: the delay after the first failure past the free ones; it doubles with each
BASE_DELAY = timedelta(seconds=1)
#: the longest delay
MAX_DELAY = timedelta(minutes=15)
#: a quiet period after which an account or address starts afresh
FORGET_AFTER = timedelta(hours=1)
#: the most keys remembered; the stalest are dropped past it (a flood from
#: many addresses must not grow the table without bound)
MAX_KEYS = 100_000


@dataclass
class _Record:
    failures: int
    last: datetime
    locked_until: datetime


class LoginThrottle:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def check(self, keys: Iterable[str]) -> None:
        """Raise ``LoginThrottled`` when any of ``keys`` must still wait."""
        now = self.clock()
        with self._lock:
            wait = max(
                (
                    (record.locked_until - now).total_seconds()
                    for key in keys
                    if (record := self._records.get(key)) is not None
                ),
                default=0.0,
            )
        if wait > 0:
            seconds = int(wait) + 1
            raise LoginThrottled(
                f"too many failed logins: try again in {seconds} s", retry_after=seconds
            )

    def failed(self, keys: Iterable[str]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                record = self._records.get(key)
                if record is None or now - record.last > FORGET_AFTER:
                    record = _Record(0, now, now)
                record.failures += 1
                record.last = now
                free = ADDRESS_FREE_FAILURES if key.startswith("address:") else FREE_FAILURES
                over = record.failures - free
                if over > 0:
                    delay = min(MAX_DELAY, BASE_DELAY * (2 ** min(over - 1, 20)))
                    record.locked_until = now + delay
                self._records[key] = record
            if len(self._records) > MAX_KEYS:
                stalest = sorted(self._records, key=lambda k: self._records[k].last)
                for key in stalest[: len(self._records) - MAX_KEYS]:
                    del self._records[key]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._records.pop(key, None)


def login_keys(account: str | None, address: str | None) -> list[str]:
    keys = []
    if account:
        keys.append(f"account:{account}")
    if address:
        keys.append(f"address:{address}")
    return keys
