"""The real thing: ``threadline serve`` running in its own process and
folder, and real ``threadline`` commands beside it, from another folder.
Store commands are handed to the server and give what they gave before it
started (a relative path is the caller's); with forwarding off, the old exit
3; a job started from the command line is run by the server while it answers
the API; a job started through the API is listed by ``threadline jobs``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.cli import run_cli
from tests.helpers.e2e import PASSWORD, THREADLINE, free_port, wait_until_up
from threadline.access import AccessControl
from threadline.access.policy import Principal

CSV = "id,name\n1,Ivan Petrov\n2,Anna Ivanova\n"
MORE = "id,name\n3,Olga Koval\n"
PATIENCE = 300


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    ws = tmp_path / "ws"
    assert run_cli("init", str(ws)).returncode == 0
    (tmp_path / "people.csv").write_text(CSV, "utf-8")
    quick = ["--schema", "Person", "--map", "name=name", "--key", "id"]
    loaded = run_cli("-w", str(ws), "ingest", "people.csv", "-d", "people", *quick, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    with AccessControl.for_workspace(ws) as access:
        access.accounts.create(Principal.local_operator("t"), "olga", PASSWORD, "analyst")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(THREADLINE), "-w", str(ws), "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=elsewhere,  # not the callers' folder: their relative paths must still work
            env={k: v for k, v in os.environ.items() if k != "THREADLINE_DB"},
        )
    try:
        wait_until_up(url, proc, log)
        yield ws, url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def wait_done(ws: Path, job_id: str) -> dict[str, object]:
    give_up = time.monotonic() + PATIENCE
    while time.monotonic() < give_up:
        shown = run_cli("-w", str(ws), "jobs", "show", job_id, "--json")
        job = json.loads(shown.stdout)
        assert isinstance(job, dict)
        if job["state"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish")


def test_commands_beside_a_real_server(served: tuple[Path, str], tmp_path: Path) -> None:
    ws, url = served
    w = ["-w", str(ws)]

    stats = run_cli(*w, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["entities"] == 2

    # a relative path, from the caller's folder
    (tmp_path / "more.csv").write_text(MORE, "utf-8")
    quick = ["--schema", "Person", "--map", "name=name", "--key", "id"]
    loaded = run_cli(*w, "ingest", "more.csv", "-d", "more", *quick, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    found = run_cli(*w, "search", "Olga Koval", "--json")
    assert [hit["caption"] for hit in json.loads(found.stdout)] == ["Olga Koval"]

    # forwarding off: the store is the server's, as before
    env_off = {**os.environ, "THREADLINE_NO_FORWARD": "1", "THREADLINE_PURPOSE": "tests"}
    refused = subprocess.run(
        [str(THREADLINE), *w, "stats"], capture_output=True, text=True, env=env_off, timeout=120
    )
    assert refused.returncode == 3 and "in use by another Threadline process" in refused.stderr

    # a job from the command line, run by the server; the API answers meanwhile
    started = run_cli(*w, "jobs", "start", "reindex", "--json")
    assert started.returncode == 0, started.stderr
    job_id = json.loads(started.stdout)["id"]
    login = httpx.post(f"{url}/api/v1/auth/login", json={"username": "olga", "password": PASSWORD})
    token = {"Authorization": f"Bearer {login.json()['token']}"}
    listed = httpx.get(f"{url}/api/v1/jobs", headers=token)
    assert job_id in [job["id"] for job in listed.json()["jobs"]]
    ended = wait_done(ws, job_id)
    assert ended["state"] == "done", ended
    assert ended["runner"] != json.loads(started.stdout)["runner"]  # the server ran it

    # a job through the API, listed by the command line
    api_job = httpx.post(
        f"{url}/api/v1/jobs", json={"kind": "retention_sweep", "params": {}}, headers=token
    ).json()
    assert wait_done(ws, api_job["id"])["state"] == "done"
    jobs = json.loads(run_cli(*w, "jobs", "--json").stdout)
    assert {job["kind"] for job in jobs} == {"reindex", "retention_sweep"}

    final = json.loads(run_cli(*w, "stats", "--json").stdout)
    assert final["entities"] == 3
