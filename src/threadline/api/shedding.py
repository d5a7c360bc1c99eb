"""Load shedding: a bound on requests in flight, and a quick refusal past it.

Without a bound, a server past its capacity queues every request: latencies
grow to tens of seconds for everyone and nobody is told to back off. With
one, a request that would only wait is answered at once with 503 and
``Retry-After``, so the requests that are accepted keep their latency and a
client (or a proxy) can retry a little later.

The bound counts requests between their arrival and the end of their answer,
so it covers the time spent queueing for a worker thread as well as the work.
Every route counts alike; password hashing has a pool and a queue bound of
its own (``login_pool``), so a flood of logins cannot fill this one.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from threadline.api.errors import error_response

#: seconds a refused client is asked to wait; short, since a burst passes quickly
RETRY_AFTER = 1


class InFlightLimit:
    """ASGI middleware: at most ``limit`` HTTP requests at once; more get 503.

    The counter is touched only on the event loop, so it needs no lock.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self.refused += 1
            response = error_response(
                503,
                "overloaded",
                f"the server is at its limit of {self.limit} requests at once; "
                f"try again in {RETRY_AFTER} s",
                headers={"Retry-After": str(RETRY_AFTER)},
            )
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
