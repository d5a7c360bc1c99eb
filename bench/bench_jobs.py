"""Jobs and the command line beside a running server (issue 16 items 1-2).

Builds a workspace of ``--rows`` generated people (``gen_people.py``'s shape is not
needed: one CSV, two columns), starts ``threadline serve`` on it, and measures:

1. A command's cost when handed to the server: ``threadline stats --json`` as a real
   process, ``--runs`` times, beside the server (forwarded over the control socket),
   against the same command on a copy of the workspace with no server (the peer,
   measured in the same run).
2. Searches while a job runs: closed-loop ``GET /api/v1/search`` latencies with the
   server idle, then while an upload of ``--upload-rows`` rows runs as a job
   (``POST /api/v1/jobs/ingest``: read in a worker, only the commit holds the
   workspace), then while the same file is uploaded through the synchronous
   ``POST /api/v1/ingest`` (the peer: the request holds the workspace until it has
   stored the file). Reports p50/p99/max and how many searches were answered
   during each load.

Usage: python bench/bench_jobs.py [--rows 20000] [--upload-rows 200000] [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent / "threadline"
PASSWORD = "a long enough passphrase"


def write_csv(path: Path, rows: int, offset: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,name,number\n")
        for i in range(offset, offset + rows):
            fh.write(f"{i},Person Number{i} Surname{i % 977},N{i}\n")
    return path


def run(*args: str, stdin: str | None = None) -> float:
    env = {**os.environ, "THREADLINE_PURPOSE": "bench"}
    start = time.perf_counter()
    done = subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, input=stdin)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{args}: {done.stderr}")
    return took


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentiles(values: list[float]) -> str:
    if not values:
        return "no answers"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"n={len(values)} p50={statistics.median(ordered) * 1000:.0f} ms "
        f"p99={p99 * 1000:.0f} ms max={ordered[-1] * 1000:.0f} ms"
    )


def searches_during(url: str, token: str, work: threading.Thread) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    with httpx.Client(timeout=600) as client:
        work.start()
        while work.is_alive():
            start = time.perf_counter()
            answer = client.get(
                f"{url}/api/v1/search",
                params={"q": "Person Number17", "purpose": "bench"},
                headers=headers,
            )
            if answer.status_code == 200:
                latencies.append(time.perf_counter() - start)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--upload-rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    try:
        ws = root / "ws"
        alone = root / "alone"
        csv = write_csv(root / "people.csv", args.rows)
        run("init", str(ws))
        quick = ["--schema", "Person", "--map", "name=name", "--map", "idNumber=number"]
        run("-w", str(ws), "ingest", str(csv), "-d", "people", *quick, "--key", "id")
        add = ("users", "add", "olga", "--role", "analyst", "--password-stdin")
        run("-w", str(ws), *add, stdin=PASSWORD + "\n")
        shutil.copytree(ws, alone)
        upload = write_csv(root / "upload.csv", args.upload_rows, offset=args.rows)

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = (root / "serve.log").open("wb")
        server = subprocess.Popen(
            [str(BIN), "-w", str(ws), "serve", "--port", str(port)], stdout=log, stderr=log
        )
        try:
            for _ in range(600):
                try:
                    if httpx.get(url + "/login", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            # 1. a command, forwarded against run alone
            forwarded = [run("-w", str(ws), "stats", "--json") for _ in range(args.runs)]
            local = [run("-w", str(alone), "stats", "--json") for _ in range(args.runs)]
            print(
                f"threadline stats --json, {args.runs} runs: beside the server (forwarded) "
                f"median {statistics.median(forwarded):.2f} s; alone (peer) median "
                f"{statistics.median(local):.2f} s"
            )

            token = httpx.post(
                f"{url}/api/v1/auth/login", json={"username": "olga", "password": PASSWORD}
            ).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            form = {"schema": "Person", "map": ["name=name", "idNumber=number"], "key": ["id"]}

            # 2a. idle
            idle_done = threading.Event()
            idle = threading.Thread(target=lambda: idle_done.wait(5))
            print("searches, server idle (5 s):", percentiles(searches_during(url, token, idle)))

            # 2b. during an upload run as a job
            def as_job() -> None:
                with upload.open("rb") as fh:
                    job = httpx.post(
                        f"{url}/api/v1/jobs/ingest",
                        data={**form, "dataset": "asjob"},
                        files={"file": ("upload.csv", fh, "text/csv")},
                        headers=headers,
                        timeout=600,
                    ).json()
                while True:
                    state = httpx.get(f"{url}/api/v1/jobs/{job['id']}", headers=headers).json()
                    if state["state"] in ("done", "failed", "cancelled"):
                        print(f"  job {state['state']}: {state.get('error') or ''}")
                        return
                    time.sleep(0.2)

            started = time.perf_counter()
            during_job = searches_during(url, token, threading.Thread(target=as_job))
            job_took = time.perf_counter() - started
            print(
                f"searches during an upload of {args.upload_rows:,} rows as a job "
                f"({job_took:.1f} s):",
                percentiles(during_job),
            )

            # 2c. the peer: the same upload through the synchronous route
            def synchronous() -> None:
                with upload.open("rb") as fh:
                    answer = httpx.post(
                        f"{url}/api/v1/ingest",
                        data={**form, "dataset": "sync"},
                        files={"file": ("upload.csv", fh, "text/csv")},
                        headers=headers,
                        timeout=600,
                    )
                print(f"  POST /ingest answered {answer.status_code}")

            started = time.perf_counter()
            during_sync = searches_during(url, token, threading.Thread(target=synchronous))
            sync_took = time.perf_counter() - started
            print(
                f"searches during the same upload through POST /ingest ({sync_took:.1f} s):",
                percentiles(during_sync),
            )
        finally:
            server.terminate()
            server.wait(60)
            log.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
