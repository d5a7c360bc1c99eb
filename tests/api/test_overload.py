"""Past its capacity the server refuses quickly instead of queueing without
end: a bound on requests in flight, and a pool of its own for password
checks so a login flood cannot take the threads that serve searches."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.helpers.api import API, PASSWORD, PURPOSE, Api, make_api
from threadline.api.shedding import InFlightLimit


def held_app(release: asyncio.Event) -> Starlette:
    async def slow(_request: Request) -> PlainTextResponse:
        await release.wait()
        return PlainTextResponse("done")

    return Starlette(routes=[Route("/slow", slow)])


def test_requests_past_the_bound_get_a_quick_503_with_retry_after() -> None:
    async def scenario() -> None:
        release = asyncio.Event()
        limited = InFlightLimit(held_app(release), limit=2, max_lag=10)
        transport = httpx.ASGITransport(app=limited)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            held = [asyncio.create_task(client.get("/slow")) for _ in range(2)]
            while limited.in_flight < 2:
                await asyncio.sleep(0.001)
            # without the bound this would wait for the release: fail instead
            refused = await asyncio.wait_for(client.get("/slow"), 5)
            assert refused.status_code == 503
            assert refused.headers["Retry-After"] == "1"
            assert refused.json()["error"]["code"] == "overloaded"
            release.set()
            assert [(await task).status_code for task in held] == [200, 200]
            # the bound counts requests in flight, not requests ever made
            assert (await client.get("/slow")).status_code == 200
            assert limited.in_flight == 0
            assert limited.refused == 1

    asyncio.run(scenario())


def test_a_request_without_an_answer_in_time_gets_504_and_stays_counted() -> None:
    async def scenario() -> None:
        release = asyncio.Event()
        limited = InFlightLimit(held_app(release), limit=2, max_lag=10, timeout=0.2)
        transport = httpx.ASGITransport(app=limited)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            late = await asyncio.wait_for(client.get("/slow"), 5)
            assert late.status_code == 504
            assert late.json()["error"]["code"] == "timeout"
            assert limited.timed_out == 1
            # its handler has not ended: it still holds a place in flight
            assert limited.in_flight == 1
            release.set()
            await asyncio.sleep(0.01)
            assert limited.in_flight == 0
            assert (await client.get("/slow")).status_code == 200

    asyncio.run(scenario())


def test_untimed_paths_and_begun_answers_are_never_cut() -> None:
    async def scenario() -> None:
        release = asyncio.Event()

        async def slow(_request: Request) -> PlainTextResponse:
            await release.wait()
            return PlainTextResponse("done")

        app = Starlette(routes=[Route("/slow", slow), Route("/ingest", slow)])
        limited = InFlightLimit(app, limit=5, max_lag=10, timeout=0.1, untimed=("/ingest",))
        transport = httpx.ASGITransport(app=limited)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            ingest = asyncio.create_task(client.get("/ingest"))
            await asyncio.sleep(0.3)
            assert not ingest.done()
            release.set()
            assert (await ingest).status_code == 200
            assert limited.timed_out == 0

    asyncio.run(scenario())


def test_a_late_event_loop_refuses_new_requests_until_it_catches_up() -> None:
    async def scenario() -> None:
        release = asyncio.Event()
        release.set()
        # a generous lag bound, and a low arrival rate that the requests below
        # keep up even across the loop's hold: this test shares a busy machine
        limited = InFlightLimit(held_app(release), limit=100, max_lag=0.25, min_rate=2)
        transport = httpx.ASGITransport(app=limited)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for _ in range(5):  # requests arriving at 2 a second or more
                assert (await client.get("/slow")).status_code == 200
            await asyncio.sleep(0.05)  # the lag watcher, started by that request, runs
            time.sleep(0.5)  # a callback that holds the loop: the server is behind
            await asyncio.sleep(0.001)  # the lag watcher, due long ago, wakes and sees it
            refused = await client.get("/slow")
            assert refused.status_code == 503
            assert refused.json()["error"]["code"] == "overloaded"
            # once the loop keeps time again, requests are served
            await asyncio.sleep(0.5)
            statuses = []
            for _ in range(10):  # the lateness decays by half every tick
                statuses.append((await client.get("/slow")).status_code)
                if statuses[-1] == 200:
                    break
                await asyncio.sleep(0.2)
            assert statuses[-1] == 200, statuses

    asyncio.run(scenario())


def test_a_late_loop_still_serves_a_lone_user() -> None:
    # a machine busy with other work: the loop is late, but only one
    # analyst's page is asking, and refusing them would help nobody
    async def scenario() -> None:
        release = asyncio.Event()
        release.set()
        limited = InFlightLimit(held_app(release), limit=100, max_lag=0.05, min_rate=20)
        transport = httpx.ASGITransport(app=limited)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/slow")).status_code == 200
            await asyncio.sleep(0.05)
            time.sleep(0.3)  # the loop is held: late
            await asyncio.sleep(0.001)
            assert limited.lag.late > 0.05
            statuses = [(await client.get("/slow")).status_code for _ in range(5)]
            assert statuses == [200] * 5
            assert limited.refused == 0

    asyncio.run(scenario())


@pytest.fixture
def tight_api(workspace_copy: Path) -> Iterator[Api]:
    made = make_api(workspace_copy, login_threads=1, login_queue=0)
    yield made
    made.state.close()


def test_logins_wait_in_their_own_pool_and_are_refused_when_it_is_full(tight_api: Api) -> None:
    state = tight_api.state
    stuck = threading.Event()
    entered = threading.Event()
    threads: list[str] = []
    real_login = state.access.login

    def slow_login(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        entered.set()
        stuck.wait(10)
        return real_login(*args)

    state.access.login = slow_login  # type: ignore[method-assign]
    body = {"username": "olga", "password": PASSWORD}
    answers: list[int] = []
    first = threading.Thread(
        target=lambda: answers.append(
            tight_api.client.post(f"{API}/auth/login", json=body).status_code
        )
    )
    first.start()
    try:
        assert entered.wait(10)
        # the one login thread is busy and no queue is allowed: refused at once
        refused = tight_api.client.post(f"{API}/auth/login", json=body)
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "overloaded"
        assert int(refused.headers["Retry-After"]) >= 1
        # searches do not wait for the stuck login
        search = tight_api.get("vera", "/search", params={"q": "Cobalt", "purpose": PURPOSE})
        assert search.status_code == 200
    finally:
        stuck.set()
        first.join(10)
    assert answers == [200]
    assert threads and threads[0].startswith("threadline-login")
