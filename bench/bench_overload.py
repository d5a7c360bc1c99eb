"""The server under a login flood and past its capacity (issue 15, items 2 and 3).

Targets: search p99 under 200 ms at 50 searches/s while a flood of bad logins
runs; at twice the capacity the accepted searches keep p99 under 200 ms, the rest
are refused at once with 503 and Retry-After.

1. ``setup``: a workspace of ``--n`` generated entities and an analyst account
   (``bench_api.py``'s builder), queries from its names.
2. ``threadline serve`` in a process of its own, the embedded app database.
3. Steps, open loop, latency from the scheduled time (``bench_api.run_step``):
   - ``baseline``: ``--search-rate`` searches/s alone (the peer of the flood step:
     the same server, same searches, same run);
   - ``flood``: the same searches while ``--flood-rate`` bad logins/s arrive from
     250 loopback addresses (127.0.0.2-251) with random user names, so neither the
     per-address nor the per-account throttle stops them and every one costs a
     password hash;
   - ``capacity``: searches at ``--capacity`` req/s (what one server holds at p99
     under 200 ms, from ``bench_api.py``), then at twice that.

    python bench/bench_overload.py --n 20000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import random
import string
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

from bench_api import (
    HOST,
    RawClient,
    build_workspace,
    ensure_user,
    free_port,
    log_in,
    run_step,
    search_path,
    server,
)

ADDRESSES = [f"127.0.0.{n}" for n in range(2, 252)]


async def _flood(port: int, rate: float, seconds: float) -> dict[str, int]:
    """Bad logins at ``rate`` per second, each from the next loopback address,
    one short connection each (a minimal HTTP/1.1 POST: the load generator's
    own CPU must stay small)."""
    rng = random.Random(5)
    seen: Counter[str] = Counter()

    async def one(number: int) -> None:
        name = "".join(rng.choices(string.ascii_lowercase, k=10))
        body = json.dumps({"username": name, "password": "wrong-guess-123"}).encode()
        head = (
            f"POST /api/v1/auth/login HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        address = ADDRESSES[number % len(ADDRESSES)]
        try:
            async with asyncio.timeout(30):
                reader, writer = await asyncio.open_connection(HOST, port, local_addr=(address, 0))
                writer.write(head + body)
                status = (await reader.readline()).split()[1].decode()
                writer.close()
            seen[f"HTTP {status}"] += 1
        except (OSError, TimeoutError, IndexError) as exc:
            seen[type(exc).__name__] += 1

    tasks = set()
    t0 = time.perf_counter()
    for number in range(int(rate * seconds)):
        delay = t0 + number / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(number))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    return dict(seen)


def flood_process(port: int, rate: float, seconds: float, out: Any) -> None:
    out.put(asyncio.run(_flood(port, rate, seconds)))


async def drive(args: argparse.Namespace, port: int, pid: int, texts: list[str]) -> dict[str, Any]:
    token = log_in(port)
    client = RawClient(port, token, args.connections)
    paths = [search_path(text, number) for number, text in enumerate(texts)]
    proc = psutil.Process(pid)
    lag = 5.0
    results: dict[str, Any] = {}
    try:
        await run_step(client, proc, paths, 0, args.search_rate, 5, lag)  # warm-up
        base = await run_step(client, proc, paths, 0, args.search_rate, args.seconds, lag)
        results["baseline"] = base.summary()
        print(f"  baseline: {json.dumps(results['baseline'])}", flush=True)
        # the flood runs in a process of its own, so that its load generation
        # does not delay this one's searches
        out: multiprocessing.Queue[dict[str, int]] = multiprocessing.Queue()
        flooder = multiprocessing.Process(
            target=flood_process, args=(port, args.flood_rate, args.seconds, out)
        )
        flooder.start()
        during = await run_step(client, proc, paths, 1000, args.search_rate, args.seconds, lag)
        logins = await asyncio.to_thread(out.get, True, 120)
        flooder.join(30)
        results["flood"] = during.summary() | {"logins": logins}
        print(f"  flood: {json.dumps(results['flood'])}", flush=True)
        await asyncio.sleep(2)
        for factor in (1, 2):
            rate = args.capacity * factor
            step = await run_step(client, proc, paths, 0, rate, args.seconds, lag)
            results[f"capacity x{factor}"] = step.summary()
            print(f"  {rate:g} req/s: {json.dumps(step.summary())}", flush=True)
    finally:
        await client.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--search-rate", type=float, default=50)
    parser.add_argument("--flood-rate", type=float, default=40)
    parser.add_argument("--capacity", type=float, default=125)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tl-overload-") as tmp:
        root = Path(tmp)
        queries = build_workspace(root, args.n, args.seed)
        ws_path = root / "ws"
        ensure_user(ws_path)
        port = free_port()
        with server(ws_path, port, root / "server.log") as proc:
            results = asyncio.run(drive(args, port, proc.pid, [t for _, t in queries]))
    summary = {"n": args.n, "cpus": psutil.cpu_count(), **results}
    print(json.dumps(summary, indent=2))
    out = Path(__file__).resolve().parent / "out"  # gitignored
    with contextlib.suppress(OSError):
        out.mkdir(exist_ok=True)
        (out / "overload.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
