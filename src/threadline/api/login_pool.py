"""Logins run in a small pool of their own.

Checking a password is deliberately expensive (argon2id: tens of
milliseconds and 64 MiB each). Run in the threads that serve searches, a
flood of bad logins from many addresses (which the per-address throttle does
not stop) would take every thread and the searches would wait behind it.
Here logins get ``threads`` threads of their own and at most ``queue`` more
waiting; past that a login is refused at once with 503 and ``Retry-After``,
and the rest of the server keeps its capacity.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from threadline.errors import ServerBusy

T = TypeVar("T")

#: seconds a refused login is asked to wait
RETRY_AFTER = 2


class LoginPool:
    def __init__(self, threads: int, queue: int) -> None:
        self.threads = threads
        self.queue = queue
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="threadline-login")
        # touched only on the event loop, so no lock
        self._pending = 0

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """``work(*args)`` in the login threads, or ``ServerBusy`` when they
        and their queue are full."""
        if self._pending >= self.threads + self.queue:
            raise ServerBusy(
                "too many logins at once; try again in a moment", retry_after=RETRY_AFTER
            )
        self._pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, functools.partial(work, *args))
        finally:
            self._pending -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
