"""Web API search under a fixed arrival rate (issue 5), with the library as the peer.

Target: ``GET /api/v1/search`` at >= 300 requests/s with p99 <= 200 ms, on loopback,
audit on, with the embedded default app database (SQLite ``app.sqlite``).

1. ``setup``: a workspace of ``--n`` generated people and companies (the generator
   of ``bench_search.py``: Latin and Cyrillic names, legal-form suffixes, one or two
   of five datasets), ingested through the library as FtM entity files, one per
   dataset; an analyst account. Queries are drawn from the generated names: exact
   names, names with one typo, the other script, two tokens reversed. ``--workspace``
   reuses (or builds once into) a directory; its queries are kept in it.
2. ``library``: the peer, in this process: the same queries through the library
   (``Workspace.search`` with the page size, and ``search_page`` as the route
   calls it, facets over the best 500 hits), no HTTP, no access checks, no audit.
3. ``serve``: ``threadline serve`` in a process of its own on 127.0.0.1 (a free
   port), the embedded app database, its access log to a file. Log in
   (``POST /auth/login``, then ``Authorization: Bearer``), check that a search
   without a purpose is refused, then:
   - a closed-loop pass: one request at a time, for the overhead against the peer;
   - a warm-up, then each ``--rates`` step for ``--seconds``: open loop, request i
     scheduled at ``t0 + i / rate`` whatever the earlier ones are doing, latency
     taken from the scheduled time (no coordinated omission), kept-alive
     connections up to ``--connections``; a request whose turn comes more than
     ``--max-lag`` seconds late is dropped unsent and counted as an error.
   Per step: achieved throughput, p50/p95/p99/max, errors, server RSS (peak of a
   0.25 s poll), server and load-generator CPU per request, machine CPU use.
4. ``audit``: the server stopped, the audit log must hold one ``search`` entry per
   search answered 200, and ``threadline audit verify`` must pass.
5. ``--profile N``: where the server's time goes, in this process: the calls the
   route makes, timed one by one (and under cProfile) for N searches, against
   ``create_app`` driven by ``TestClient`` for the framework's share.
6. ``--py-spy BIN``: one more step (``--py-spy-rate``, default the top rate) with
   py-spy sampling the server (all threads, 200 Hz, not pausing it); its
   collapsed stacks are summed into the shares of the route's stages.

The load generator and the server share the machine's cores. The load generator is
a minimal asyncio HTTP/1.1 client (``--client raw``, keep-alive, Content-Length
bodies only): ``httpx.AsyncClient`` (``--client httpx``) took 4.2 ms of CPU a
request against 0.8 ms for this one on the development machine, time a small
machine would take from the server.

    python bench/bench_api.py                       # 100k entities, 25-400 req/s
    python bench/bench_api.py --n 20000 --rates 100,200 --seconds 10
    python bench/bench_api.py --workspace /tmp/tl-api-ws --profile 300
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import psutil

sys.path.insert(0, str(Path(__file__).parent))
from bench_search import Target, generate, make_queries, typo

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
USER = "bench-analyst"
PASSWORD = "bench-api-password-123"
PURPOSES = [
    "due diligence on a supplier",
    "sanctions screening, weekly batch",
    "story research: offshore holdings",
    "checking a tip from a source",
]
QUERY_FILE = "bench-api-queries.json"
TARGET_RATE = 300.0
TARGET_P99_MS = 200.0
PAGE = 20  # the route's default page size
CPUS = os.cpu_count() or 1


# -- setup ---------------------------------------------------------------------------


def ftm_entity(doc: Any) -> dict[str, Any]:
    """An FtM entity of one generated index document."""
    identifier, address = doc.text
    if doc.schema == "Person":
        props = {"name": [doc.caption], "country": doc.countries, "idNumber": [identifier]}
    else:
        props = {
            "name": [doc.caption],
            "jurisdiction": doc.countries,
            "registrationNumber": [identifier],
        }
    props["address"] = [address]
    return {"id": doc.entity_id, "schema": doc.schema, "properties": props}


def build_workspace(root: Path, n: int, seed: int) -> list[tuple[str, str]]:
    """Generate, write one FtM file per dataset, ingest them; the queries."""
    from threadline import Workspace

    rng = random.Random(seed)
    targets: list[Target] = []
    files: dict[str, Any] = {}
    data_dir = root / "source"
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        for doc in generate(n, rng, targets, keep=5000):
            line = orjson.dumps(ftm_entity(doc)) + b"\n"
            for dataset in doc.datasets:
                if dataset not in files:
                    path = data_dir / f"{dataset}.ftm.json"
                    files[dataset] = stack.enter_context(path.open("wb"))
                files[dataset].write(line)
    print(f"  generated {n:,} entities in {time.perf_counter() - started:.1f}s", flush=True)
    with Workspace.init(root / "ws") as ws:
        for dataset in sorted(files):
            began = time.perf_counter()
            report = ws.ingest(data_dir / f"{dataset}.ftm.json", dataset)
            print(
                f"  ingested {dataset}: {report.entities:,} entities in "
                f"{time.perf_counter() - began:.1f}s",
                flush=True,
            )
        entities = int(ws.store.stats()["entities"])
    print(f"  workspace: {entities:,} entities, {time.perf_counter() - started:.1f}s in all")
    queries = [(kind, text) for kind, text, _ in make_queries(rng, targets, 2000)]
    (root / "ws" / QUERY_FILE).write_text(json.dumps(queries, ensure_ascii=False), "utf-8")
    return queries


def sampled_queries(ws_path: Path, seed: int) -> list[tuple[str, str]]:
    """Queries for a workspace this script did not build: its own names."""
    from threadline import Workspace

    rng = random.Random(seed)
    # a reservoir sample of the names, read through the store interface
    names: list[str] = []
    seen = 0
    with Workspace.open(ws_path) as ws:
        for _, _, _, props, values in ws.store.iter_entity_values(prop_types=["name"]):
            for prop, value in zip(props, values, strict=True):
                if prop != "name":
                    continue
                seen += 1
                if len(names) < 3000:
                    names.append(value)
                elif (slot := rng.randrange(seen)) < 3000:
                    names[slot] = value
    queries = []
    for number in range(2000):
        name = rng.choice(names)
        kind = ("exact", "typo", "two-token")[number % 3]
        text = {"exact": name, "typo": typo(rng, name)}.get(kind)
        queries.append((kind, text or " ".join(reversed(name.split()[:2]))))
    return queries


def ensure_user(ws_path: Path) -> None:
    from threadline.access import AccessControl
    from threadline.access.policy import Principal, Role
    from threadline.errors import ThreadlineError

    # ThreadlineError: there already, when an earlier run used this workspace
    with AccessControl.for_workspace(ws_path, None) as access, contextlib.suppress(ThreadlineError):
        access.accounts.create(Principal.local_operator("bench"), USER, PASSWORD, Role.ANALYST)


def audit_counts(ws_path: Path) -> dict[str, int]:
    db = ws_path / "app.sqlite"
    if not db.exists():
        return {}
    with contextlib.closing(sqlite3.connect(db)) as con:
        rows = con.execute("SELECT action, count(*) FROM audit_log GROUP BY action").fetchall()
    return {str(action): int(count) for action, count in rows}


# -- statistics ---------------------------------------------------------------------


def percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        value = values[0] if values else float("nan")
        return {"p50": value, "p95": value, "p99": value, "max": value}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(values)}


def rounded(stats: dict[str, float], digits: int = 2) -> dict[str, float]:
    return {key: round(value, digits) for key, value in stats.items()}


# -- the peer: the library in this process -----------------------------------------


def library_peer(ws_path: Path, texts: list[str]) -> dict[str, Any]:
    from threadline import Workspace
    from threadline.api.search_page import search_page

    with Workspace.open(ws_path) as ws:
        for text in texts[:50]:  # warm the index and the caches
            search_page(ws, text, schema=None, dataset=None, country=None, limit=PAGE)
        plain: list[float] = []
        paged: list[float] = []
        for text in texts:
            began = time.perf_counter()
            ws.search(text, limit=PAGE)
            middle = time.perf_counter()
            search_page(ws, text, schema=None, dataset=None, country=None, limit=PAGE)
            paged.append((time.perf_counter() - middle) * 1000)
            plain.append((middle - began) * 1000)
    return {
        "queries": len(texts),
        "search_top20_ms": rounded(percentiles(plain), 3),
        "search_page_ms": rounded(percentiles(paged), 3),
        "search_page_mean_ms": round(statistics.fmean(paged), 3),
    }


# -- the server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(ws_path: Path, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {key: value for key, value in os.environ.items() if key != "THREADLINE_DB"}
    command = [str(BIN / "threadline"), "-q", "-w", str(ws_path), "serve"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--host", HOST, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited ({proc.returncode}); see {log}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start in 120 s; see {log}")
            time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # uvicorn shuts down; the lifespan closes
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# -- load generation ----------------------------------------------------------------


class Closed(Exception):
    """The server closed a kept-alive connection before answering."""


class RawConnection:
    """One kept-alive HTTP/1.1 connection; enough of the protocol for this server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = False

    @classmethod
    async def open(cls, port: int) -> RawConnection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def get(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise Closed from exc
            raise
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if length is None:
            raise RuntimeError("a response without Content-Length")
        body = await self.reader.readexactly(length)
        self.used = True
        if close:
            self.close()  # answered, but this connection cannot be kept
        return status, body

    def alive(self) -> bool:
        return not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


Getter = Callable[[str], Awaitable[tuple[int, bytes]]]


class RawClient:
    def __init__(self, port: int, token: str, connections: int) -> None:
        self.port = port
        self.token = token
        self.idle: list[RawConnection] = []
        self.slots = asyncio.Semaphore(connections)
        self.opened = 0

    def request(self, path: str) -> bytes:
        return (
            f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\nAccept: application/json\r\n\r\n"
        ).encode()

    async def _connection(self) -> RawConnection:
        while self.idle:
            conn = self.idle.pop()
            if conn.alive():
                return conn
            conn.close()
        self.opened += 1
        return await RawConnection.open(self.port)

    async def get(self, path: str) -> tuple[int, bytes]:
        raw = self.request(path)
        for _ in range(3):
            conn = await self._connection()
            try:
                status, body = await conn.get(raw)
            except Closed:
                conn.close()
                if not conn.used:
                    raise  # a fresh connection, closed unanswered
                continue  # a kept-alive connection the server had closed: once more
            except BaseException:
                conn.close()
                raise
            if conn.alive():
                self.idle.append(conn)
            return status, body
        raise Closed

    async def aclose(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


class HttpxClient:
    def __init__(self, port: int, token: str, connections: int) -> None:
        import httpx

        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.client = httpx.AsyncClient(
            base_url=f"http://{HOST}:{port}",
            headers={"Authorization": f"Bearer {token}"},
            limits=limits,
            timeout=60,
        )
        self.slots = asyncio.Semaphore(connections)
        self.opened = 0

    async def get(self, path: str) -> tuple[int, bytes]:
        response = await self.client.get(path)
        return response.status_code, response.content

    async def aclose(self) -> None:
        await self.client.aclose()


Client = RawClient | HttpxClient


@dataclass
class Step:
    rate: float
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    ok: int = 0
    empty: int = 0  # answered 200 with no hits
    sent: int = 0
    wall: float = 0.0
    rss_peak_mib: float = 0.0
    rss_end_mib: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    machine_cpu_pct: float = 0.0  # all cores, everything on the machine
    schedule_lag_max_ms: float = 0.0

    def summary(self) -> dict[str, Any]:
        completed = self.sent  # what the server had to answer; dropped ones never reached it
        return {
            "rate": self.rate,
            "seconds": self.seconds,
            "scheduled": int(self.rate * self.seconds),
            "sent": self.sent,
            "ok": self.ok,
            "errors": dict(self.errors),
            "empty_results": self.empty,
            "achieved_rps": round(self.ok / self.wall, 1) if self.wall else 0.0,
            "latency_ms": rounded(percentiles(self.latencies)),
            "server_rss_peak_mib": round(self.rss_peak_mib, 1),
            "server_rss_end_mib": round(self.rss_end_mib, 1),
            "server_cpu_ms_per_request": round(1000 * self.server_cpu_s / max(completed, 1), 2),
            "client_cpu_ms_per_request": round(1000 * self.client_cpu_s / max(completed, 1), 2),
            "machine_cpu_pct": round(self.machine_cpu_pct, 1),
            # what the rest of the machine took, besides the server and this process
            "other_processes_cpu_pct": round(
                self.machine_cpu_pct
                - 100 * (self.server_cpu_s + self.client_cpu_s) / (self.wall * CPUS),
                1,
            )
            if self.wall
            else 0.0,
            "schedule_lag_max_ms": round(self.schedule_lag_max_ms, 1),
        }


def search_path(text: str, number: int) -> str:
    params = {"q": text, "purpose": PURPOSES[number % len(PURPOSES)], "limit": PAGE}
    return "/api/v1/search?" + urlencode(params)


async def fire(client: Client, step: Step, path: str, scheduled: float, max_lag: float) -> None:
    async with client.slots:
        if time.perf_counter() - scheduled > max_lag:
            step.errors["dropped (over --max-lag late)"] += 1
            return
        step.sent += 1
        try:
            async with asyncio.timeout(60):
                status, body = await client.get(path)
        except Exception as exc:  # noqa: BLE001 -- every failure is counted by its kind
            step.errors[type(exc).__name__] += 1
            return
    latency = (time.perf_counter() - scheduled) * 1000
    if status != 200:
        step.errors[f"HTTP {status}"] += 1
        return
    step.ok += 1
    step.latencies.append(latency)
    if not orjson.loads(body)["total"]:
        step.empty += 1


async def run_step(
    client: Client,
    server_proc: psutil.Process,
    paths: list[str],
    offset: int,
    rate: float,
    seconds: float,
    max_lag: float,
) -> Step:
    step = Step(rate, seconds)
    me = psutil.Process()
    total = int(rate * seconds)
    server_cpu = sum(server_proc.cpu_times()[:2])
    client_cpu = sum(me.cpu_times()[:2])
    psutil.cpu_percent(None)
    done = asyncio.Event()

    async def poll_rss() -> None:
        while not done.is_set():
            rss = server_proc.memory_info().rss / 2**20
            step.rss_peak_mib = max(step.rss_peak_mib, rss)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 0.25)

    poller = asyncio.create_task(poll_rss())
    tasks = set()
    t0 = time.perf_counter() + 0.05
    for number in range(total):
        scheduled = t0 + number / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            step.schedule_lag_max_ms = max(step.schedule_lag_max_ms, -delay * 1000)
        path = paths[(offset + number) % len(paths)]
        task = asyncio.create_task(fire(client, step, path, scheduled, max_lag))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    step.wall = time.perf_counter() - t0
    done.set()
    await poller
    step.server_cpu_s = sum(server_proc.cpu_times()[:2]) - server_cpu
    step.client_cpu_s = sum(me.cpu_times()[:2]) - client_cpu
    step.machine_cpu_pct = psutil.cpu_percent(None)
    step.rss_end_mib = server_proc.memory_info().rss / 2**20
    step.rss_peak_mib = max(step.rss_peak_mib, step.rss_end_mib)
    return step


async def closed_loop(client: Client, paths: list[str]) -> dict[str, Any]:
    """One request at a time: the latency of a request on an idle server."""
    latencies = []
    errors = 0
    for path in paths:
        began = time.perf_counter()
        status, _ = await client.get(path)
        latencies.append((time.perf_counter() - began) * 1000)
        errors += status != 200
    return {
        "requests": len(paths),
        "errors": errors,
        "latency_ms": rounded(percentiles(latencies), 3),
    }


def log_in(port: int) -> str:
    import httpx

    with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=30) as http:
        answer = http.post("/api/v1/auth/login", json={"username": USER, "password": PASSWORD})
        answer.raise_for_status()
        token = str(answer.json()["token"])
        headers = {"Authorization": f"Bearer {token}"}
        refused = http.get("/api/v1/search", params={"q": "smith"}, headers=headers)
        code = refused.json().get("error", {}).get("code")
        if refused.status_code != 400 or code != "purpose_required":
            raise RuntimeError(f"a search without a purpose was not refused: {refused.text}")
    return token


async def drive(args: argparse.Namespace, port: int, pid: int, texts: list[str]) -> dict[str, Any]:
    token = log_in(port)
    factory = RawClient if args.client == "raw" else HttpxClient
    client: Client = factory(port, token, args.connections)
    paths = [search_path(text, number) for number, text in enumerate(texts)]
    proc = psutil.Process(pid)
    result: dict[str, Any] = {}
    try:
        sequential = await closed_loop(client, paths[: args.peer_queries])
        print(f"  closed loop: {sequential}", flush=True)
        warm = await run_step(client, proc, paths, 0, args.rates[0], args.warmup, args.max_lag)
        print(f"  warm-up: {warm.summary()}", flush=True)
        steps: list[dict[str, Any]] = []
        offset = int(args.rates[0] * args.warmup)
        for rate in args.rates:
            step = await run_step(client, proc, paths, offset, rate, args.seconds, args.max_lag)
            offset += int(rate * args.seconds)
            steps.append(step.summary())
            print(f"  {rate:g} req/s: {json.dumps(steps[-1])}", flush=True)
        extra = [warm.summary()]
        if args.py_spy:
            rate = args.py_spy_rate or max(args.rates)
            print(f"  profiled step: {rate:g} req/s with py-spy on the server", flush=True)
            stacks = args.root / "server-stacks.txt"
            spy = subprocess.Popen(
                [args.py_spy, "record", "--pid", str(pid), "--rate", "200", "--nonblocking",
                 "--format", "raw", "--output", str(stacks), "--duration", f"{args.seconds:.0f}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            step = await run_step(client, proc, paths, offset, rate, args.seconds, args.max_lag)
            extra.append(step.summary())
            await asyncio.to_thread(spy.wait, 60)
            result["profiled_step"] = step.summary()
            result["server_stacks"] = stack_summary(stacks)
            print(f"  {json.dumps(result['profiled_step'])}", flush=True)
        answered = sequential["requests"] - sequential["errors"]
        answered += sum(done["ok"] for done in [*extra, *steps])
        # requests sent but not answered 200 (timeouts, resets) may or may not be on record
        unanswered = sum(
            done["sent"] - done["ok"] - sum(v for k, v in done["errors"].items() if "HTTP" in k)
            for done in [*extra, *steps]
        )
        result |= {
            "closed_loop": sequential,
            "warmup": warm.summary(),
            "steps": steps,
            "searches_answered": answered,
            "searches_unanswered": unanswered,
            "connections_opened": client.opened,
        }
    finally:
        await client.aclose()
    return result


# -- where the time goes ----------------------------------------------------------------

#: inclusive shares worth naming: (label, function, a part of its file's path)
STAGES = [
    ("route: search (whole endpoint)", "search", "routes_search.py"),
    ("  authenticate (session + user)", "authenticate", "sessions.py"),
    ("  require_purpose", "require_purpose", "trail.py"),
    ("  search_page (index + facets)", "search_page", "search_page.py"),
    ("    Workspace.ensure_index (DuckDB meta read)", "ensure_index", "workspace.py"),
    ("    TantivyIndex.search", "search", "tantivy_index.py"),
    ("  audit record (check + append)", "record", "trail.py"),
    ("FastAPI: validate + serialize the response", "serialize_response", "fastapi/routing.py"),
    ("FastAPI: solve dependencies", "solve_dependencies", "fastapi/dependencies/utils.py"),
    ("uvicorn h11: parse requests, write responses", "data_received", "h11_impl.py"),
    ("uvicorn h11: send the response (+ access log)", "send", "h11_impl.py"),
    ("anyio worker threads (all sync code)", "run", "anyio/_backends/_asyncio.py"),
    ("asyncio event loop", "_run_once", "asyncio/base_events.py"),
]


#: innermost frames that are a thread waiting, not working
WAITS = {
    "Condition.wait": "idle worker threads",
    "EpollSelector.select": "event loop waiting for sockets",
    "AppState.data": "requests waiting for the workspace lock",
}


def _frame(frame: str) -> tuple[str, str]:
    """(function, file) of a py-spy frame ``func (path:line)``."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "src/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return name, path


def stack_summary(path: Path, top: int = 20) -> dict[str, Any]:
    """Shares of py-spy's collapsed stacks. py-spy counts some blocked threads as
    active, so samples whose innermost frame is a known wait are set apart; the
    stage, self and inclusive shares are of the remaining (busy) samples."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    waiting: Counter[str] = Counter()
    total = 0
    for line in path.read_text("utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [_frame(frame) for frame in stack.split(";")]
        leaf = frames[-1][0]
        if leaf in WAITS:
            waiting[WAITS[leaf]] += samples
            continue
        own[f"{leaf} ({frames[-1][1]})"] += samples
        for name in {f"{name} ({where})" for name, where in frames}:
            inclusive[name] += samples
        for label, function, where in STAGES:
            if any(
                (name == function or name.endswith("." + function)) and file.endswith(where)
                for name, file in frames
            ):
                stages[label] += samples
    busy = max(total - sum(waiting.values()), 1)

    def pct(counts: Counter[str], keys: list[str], of: int) -> dict[str, float]:
        return {key: round(100 * counts[key] / of, 1) for key in keys}

    return {
        "samples": total,
        "waiting_pct_of_all": pct(waiting, sorted(waiting), max(total, 1)),
        "busy_samples": busy,
        "stages_pct": pct(stages, [label for label, *_ in STAGES], busy),
        "self_pct": pct(own, [key for key, _ in own.most_common(top)], busy),
        "inclusive_pct": pct(inclusive, [key for key, _ in inclusive.most_common(top)], busy),
    }


# -- where the time goes (in process) ------------------------------------------------


def profile(ws_path: Path, texts: list[str]) -> dict[str, Any]:
    """The route's calls one by one, then the whole app through TestClient."""
    from fastapi.testclient import TestClient
    from pydantic import TypeAdapter

    from threadline.access import Action
    from threadline.api import create_app
    from threadline.api.search_page import search_page
    from threadline.search.base import SearchQuery

    app = create_app(ws_path)
    state = app.state.threadline
    # FastAPI validates a route's return value against its annotation, then
    # dumps it with pydantic (``dump_json``)
    response_adapter = TypeAdapter(dict[str, Any])
    parts: dict[str, list[float]] = {
        "authenticate": [], "require_purpose": [], "search_page": [],
        "audit record": [], "validate + dump JSON": [],
    }  # fmt: skip
    token = state.access.login(USER, PASSWORD).token
    profiler = cProfile.Profile()

    def one(text: str, purpose: str) -> None:
        t0 = time.perf_counter()
        principal = state.access.authenticate(token)
        t1 = time.perf_counter()
        state.access.audit.require_purpose(principal, None, purpose, Action.SEARCH)
        t2 = time.perf_counter()
        with state.data() as ws:
            page = search_page(
                ws, text, schema=None, dataset=None, country=None, limit=PAGE,
            )  # fmt: skip
        t3 = time.perf_counter()
        state.access.audit.record(
            principal, Action.SEARCH, purpose=purpose, target=text,
            details={"results": page["total"]},
        )  # fmt: skip
        t4 = time.perf_counter()
        response_adapter.dump_json(response_adapter.validate_python(page))
        t5 = time.perf_counter()
        for name, began, ended in zip(
            parts, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5), strict=True
        ):
            parts[name].append((ended - began) * 1000)

    for number, text in enumerate(texts[:20]):
        one(text, PURPOSES[number % len(PURPOSES)])
    for values in parts.values():
        values.clear()
    for number, text in enumerate(texts):
        one(text, PURPOSES[number % len(PURPOSES)])
    means = {name: round(statistics.fmean(values), 3) for name, values in parts.items()}

    # inside search_page: the store reads each search makes, and the index
    # asked for the page alone against the facets over every match
    inner: dict[str, list[float]] = {
        "store generation (DuckDB)": [], "resolution check (DuckDB)": [],
        "index facets (all matches)": [],
        f"index search, limit {PAGE}": [],
    }  # fmt: skip
    with state.data() as ws:
        has_resolution = getattr(ws, "_has_resolution", lambda: False)
        for text in texts:
            t0 = time.perf_counter()
            _ = ws.store.generation
            t1 = time.perf_counter()
            has_resolution()
            t2 = time.perf_counter()
            ws.index.facets(SearchQuery(text))
            t3 = time.perf_counter()
            ws.index.search(SearchQuery(text, limit=PAGE))
            t4 = time.perf_counter()
            for name, began, ended in zip(inner, (t0, t1, t2, t3), (t1, t2, t3, t4), strict=True):
                inner[name].append((ended - began) * 1000)
    inner_means = {name: round(statistics.fmean(values), 3) for name, values in inner.items()}

    profiler.enable()
    for number, text in enumerate(texts):
        one(text, PURPOSES[number % len(PURPOSES)])
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)

    with TestClient(app) as http:
        headers = {"Authorization": f"Bearer {token}"}
        for number, text in enumerate(texts[:20]):
            http.get(search_path(text, number), headers=headers)
        whole = []
        for number, text in enumerate(texts):
            began = time.perf_counter()
            answer = http.get(search_path(text, number), headers=headers)
            whole.append((time.perf_counter() - began) * 1000)
            answer.raise_for_status()
    return {
        "requests": len(texts),
        "mean_ms": means,
        "search_page_inner_mean_ms": inner_means,
        "sum_of_parts_mean_ms": round(sum(means.values()), 3),
        "testclient_mean_ms": round(statistics.fmean(whole), 3),
        "testclient_ms": rounded(percentiles(whole), 3),
        "cprofile_top": out.getvalue(),
    }


# -- report ----------------------------------------------------------------------------


def markdown(summary: dict[str, Any]) -> str:
    lines = [
        "| offered req/s | achieved req/s | p50 ms | p95 ms | p99 ms | max ms | errors "
        "| server RSS peak MiB | server CPU ms/req | client CPU ms/req | other processes' CPU % "
        "| target |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for step in summary["http"]["steps"]:
        lat = step["latency_ms"]
        errors = sum(step["errors"].values())
        met = step["achieved_rps"] >= TARGET_RATE * 0.98 and lat["p99"] <= TARGET_P99_MS
        verdict = (
            ("met" if met and not errors else "not met") if step["rate"] >= TARGET_RATE else ""
        )
        lines.append(
            f"| {step['rate']:g} | {step['achieved_rps']:,.1f} | {lat['p50']:,.1f} "
            f"| {lat['p95']:,.1f} | {lat['p99']:,.1f} | {lat['max']:,.1f} | {errors} "
            f"| {step['server_rss_peak_mib']:,.0f} | {step['server_cpu_ms_per_request']} "
            f"| {step['client_cpu_ms_per_request']} | {step['other_processes_cpu_pct']:.0f} "
            f"| {verdict} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="entities to generate")
    parser.add_argument("--workspace", type=Path, help="reuse (or build into) this directory")
    parser.add_argument(
        "--rates", default="25,50,100,200,300,400", help="offered requests/s, one step each"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each step")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds at the first rate")
    parser.add_argument("--connections", type=int, default=128, help="most open connections")
    parser.add_argument("--max-lag", type=float, default=10.0, help="drop requests this late (s)")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument(
        "--peer-queries",
        type=int,
        default=500,
        help="queries for the library peer and the closed-loop pass",
    )
    parser.add_argument("--profile", type=int, default=0, help="searches to profile in process")
    parser.add_argument("--py-spy", help="py-spy binary: one more step, the server sampled")
    parser.add_argument("--py-spy-rate", type=float, help="rate of that step (default: the top)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    args.rates = [float(rate) for rate in args.rates.split(",")]

    started = time.perf_counter()
    temporary = args.workspace is None
    root = args.workspace or Path(tempfile.mkdtemp(prefix="threadline-bench-api-"))
    ws_path = root / "ws"
    args.root = root
    print(f"setup: {root} (load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs)")
    if (ws_path / QUERY_FILE).exists():
        queries = [tuple(q) for q in json.loads((ws_path / QUERY_FILE).read_text("utf-8"))]
        print(f"  reusing {ws_path} and its {len(queries)} queries")
    elif args.workspace is not None and (args.workspace / "threadline.toml").exists():
        ws_path = args.workspace
        queries = sampled_queries(ws_path, args.seed)
        print(f"  reusing {ws_path}; {len(queries)} queries from its names")
    else:
        queries = build_workspace(root, args.n, args.seed)
    ensure_user(ws_path)
    kinds = Counter(kind for kind, _ in queries)
    texts = [text for _, text in queries]
    audit_before = audit_counts(ws_path)

    print(f"library peer: {args.peer_queries} queries in process", flush=True)
    peer = library_peer(ws_path, texts[: args.peer_queries])
    print(f"  {peer}", flush=True)

    port = free_port()
    log = root / "server.log"
    print(f"serve: threadline serve on {HOST}:{port} (log {log})", flush=True)
    with server(ws_path, port, log) as proc:
        http = asyncio.run(drive(args, port, proc.pid, texts))
    print(f"  server exited with {proc.returncode}", flush=True)

    audit_after = audit_counts(ws_path)
    searches = audit_after.get("search", 0) - audit_before.get("search", 0)
    verify = subprocess.run(
        [str(BIN / "threadline"), "-q", "-w", str(ws_path), "audit", "verify", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    answered, unanswered = http["searches_answered"], http["searches_unanswered"]
    audit = {
        "search_entries_added": searches,
        "searches_answered_200": answered,
        "one_entry_per_search": answered <= searches <= answered + unanswered,
        "entries_total": sum(audit_after.values()),
        "verify_exit": verify.returncode,
        "verify": json.loads(verify.stdout) if verify.stdout.strip() else verify.stderr,
    }
    print(f"audit: {json.dumps(audit)}", flush=True)

    profiled = None
    if args.profile:
        print(f"profile: {args.profile} searches in process", flush=True)
        profiled = profile(ws_path, texts[: args.profile])
        print(profiled.pop("cprofile_top"))
        print(f"  mean ms per part: {profiled['mean_ms']}")
        print(f"  inside search_page: {profiled['search_page_inner_mean_ms']}")
        print(
            f"  sum {profiled['sum_of_parts_mean_ms']} ms; the whole app through TestClient "
            f"{profiled['testclient_mean_ms']} ms"
        )

    if "server_stacks" in http:
        stacks = http["server_stacks"]
        print(f"server samples (py-spy, {stacks['samples']}): waits, then shares of the busy ones")
        for key in ("waiting_pct_of_all", "stages_pct", "self_pct"):
            for name, pct in stacks[key].items():
                print(f"  {pct:5.1f}%  {name}")
            print()
    sequential = http["closed_loop"]["latency_ms"]
    summary = {
        "n": args.n,
        "client": args.client,
        "cpus": os.cpu_count(),
        "query_kinds": dict(kinds),
        "library": peer,
        "http": http,
        "overhead_p50": round(sequential["p50"] / peer["search_page_ms"]["p50"], 2),
        "overhead_p50_vs_search_top20": round(
            sequential["p50"] / peer["search_top20_ms"]["p50"], 2
        ),
        "audit": audit,
        "profile": profiled,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print()
    print(markdown(summary))
    print(
        f"\nclosed loop p50 {sequential['p50']} ms over HTTP against "
        f"{peer['search_page_ms']['p50']} ms in the library (search_page): "
        f"{summary['overhead_p50']}x"
    )
    print(json.dumps(summary))
    if temporary:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
