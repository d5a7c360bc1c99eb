"""Load shedding: a quick refusal instead of an endless queue.

Without it, a server past its capacity queues every request: latencies grow
to tens of seconds for everyone and nobody is told to back off. With it, a
request that would only wait is answered at once with 503 and
``Retry-After``, so the accepted requests keep their latency and a client
(or a proxy) can retry a little later.

Two signals, either of which refuses a new request:

- requests in flight (queued for a worker thread or running) at ``limit``;
- the event loop running late by more than ``max_lag`` seconds while
  requests arrive at ``min_rate`` a second or more. Short requests (a search
  on an idle workspace) run on the loop itself, so past capacity they never
  pile up as requests in flight but as bytes unread in the sockets: the
  loop's lateness is what shows that queue. A refusal costs a fraction of a
  search, so refusing lets the loop catch up. A late loop alone is not
  enough: on a machine busy with other work (a resolve in another process)
  one analyst's few requests are late too, and refusing them helps nobody.

A request that has not begun its answer after ``timeout`` seconds (waiting
for the workspace behind a long upload, or a heavy graph query) is answered
504 so the client is not left hanging. Its handler thread cannot be stopped
from outside and runs to its end; until then it still counts as in flight,
so timed-out work cannot pile up beyond the bound. Streaming answers that
have begun are never cut, and an ingest (long by nature, bounded by the
upload's own worker limits) is not timed.

Every route counts alike; password hashing has a pool and a queue bound of
its own (``login_pool``), so a flood of logins cannot fill these.
"""

from __future__ import annotations

import asyncio
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from threadline.api.errors import error_response

#: seconds a refused client is asked to wait; short, since a burst passes quickly
RETRY_AFTER = 1
#: how often the loop's lateness is sampled
TICK = 0.02


class LoopLag:
    """How late the running event loop is, sampled every ``TICK`` seconds.

    ``late`` is the worst lateness of the last samples, decaying, so a single
    slow callback does not refuse requests for long but a saturated loop does.
    """

    def __init__(self) -> None:
        self.late = 0.0
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Watch the running loop (again, when the app has moved to another:
        a test client runs each request on a loop of its own)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._task is None or self._task.done():
            if self._task is not None and self._loop is loop:
                self._task.cancel()
            self._loop = loop
            self.late = 0.0
            self._task = loop.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            began = time.perf_counter()
            await asyncio.sleep(TICK)
            late = time.perf_counter() - began - TICK
            self.late = max(late, self.late * 0.5)


class ArrivalRate:
    """Requests started over about the last second: this second's count plus
    the previous second's, weighted by how much of it is still in the window."""

    def __init__(self) -> None:
        self._second = int(time.monotonic())
        self._count = 0
        self._previous = 0

    def arrive(self) -> float:
        now = time.monotonic()
        second = int(now)
        if second != self._second:
            self._previous = self._count if second == self._second + 1 else 0
            self._second, self._count = second, 0
        self._count += 1
        return self._count + self._previous * (1.0 - (now - second))


class InFlightLimit:
    """ASGI middleware: refuse with 503 when ``limit`` requests are in flight,
    or when the loop is more than ``max_lag`` seconds late while requests
    arrive at ``min_rate`` a second or more.

    The counters are touched only on the event loop, so they need no lock.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        max_lag: float,
        min_rate: float = 20.0,
        timeout: float | None = None,
        untimed: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.limit = limit
        self.max_lag = max_lag
        self.min_rate = min_rate
        self.timeout = timeout
        #: path prefixes of work that is long by nature (an ingest), not timed
        self.untimed = untimed
        self.timed_out = 0
        self.lag = LoopLag()
        self.arrivals = ArrivalRate()
        self.in_flight = 0
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.lag.start()
        rate = self.arrivals.arrive()
        behind = self.lag.late > self.max_lag and rate >= self.min_rate
        if self.in_flight >= self.limit or behind:
            self.refused += 1
            response = error_response(
                503,
                "overloaded",
                f"the server is busier than it can answer in time; try again in {RETRY_AFTER} s",
                headers={"Retry-After": str(RETRY_AFTER)},
            )
            await response(scope, receive, send)
            return
        self.in_flight += 1
        if self.timeout is None or str(scope.get("path", "")).startswith(self.untimed):
            try:
                await self.app(scope, receive, send)
            finally:
                self.in_flight -= 1
            return
        await self._with_timeout(self.timeout, scope, receive, send)

    async def _with_timeout(
        self, timeout: float, scope: Scope, receive: Receive, send: Send
    ) -> None:
        started = False
        abandoned = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if abandoned:
                return  # the client already has its 504
            started = True
            await send(message)

        handler = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        # counted until the handler really ends, whoever stops waiting for it
        handler.add_done_callback(self._finished)
        done, _ = await asyncio.wait({handler}, timeout=timeout)
        if done:
            handler.result()  # re-raise what the app raised
            return
        if started:
            await handler  # an answer under way is never cut
            return
        abandoned = True
        self.timed_out += 1
        response = error_response(
            504,
            "timeout",
            f"the server did not answer within {timeout:g} s (the workspace may be busy "
            "with a long task); try again later or narrow the request",
        )
        await response(scope, receive, send)

    def _finished(self, handler: asyncio.Future[None]) -> None:
        self.in_flight -= 1
        if not handler.cancelled():
            handler.exception()  # retrieved, so an abandoned failure is not reported twice
