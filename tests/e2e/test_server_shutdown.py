"""SIGTERM while an upload is being read: the server ends the worker reading
it, answers its sender 503 (send it again later), stores nothing of it, and
stops; the workspace opens cleanly afterwards. Without the cancel, uvicorn
would wait for the ingest to finish and store it."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.e2e import PASSWORD, THREADLINE, free_port, wait_until_up
from threadline.access import AccessControl
from threadline.access.policy import Principal
from threadline.workspace import Workspace

ROWS = 400_000


def _big_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,name,alias,notes\n")
        for i in range(ROWS):
            fh.write(f"{i},Person Nr {i},Alias {i},a note about person {i}\n")
    return path


def test_sigterm_cancels_an_upload_being_read(tmp_path: Path) -> None:
    path = tmp_path / "ws"
    Workspace.init(path).close()
    with AccessControl.for_workspace(path, None) as access:
        access.accounts.create(Principal.local_operator("t"), "olga", PASSWORD, "analyst")
    csv = _big_csv(tmp_path / "dump.csv")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(THREADLINE), "-w", str(path), "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if k != "THREADLINE_DB"},
        )
    answer: dict[str, Any] = {}
    try:
        wait_until_up(url, proc, log)
        login = httpx.post(
            f"{url}/api/v1/auth/login", json={"username": "olga", "password": PASSWORD}
        )
        token = login.json()["token"]

        def upload() -> None:
            form = {"dataset": "dump", "schema": "Person", "map": ["name=name"], "key": ["id"]}
            try:
                with csv.open("rb") as fh:
                    response = httpx.post(
                        f"{url}/api/v1/ingest",
                        data=form,
                        files={"file": ("dump.csv", fh, "text/csv")},
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=300,
                    )
                answer["status"] = response.status_code
                answer["body"] = response.text
            except httpx.HTTPError as exc:
                answer["error"] = repr(exc)

        sender = threading.Thread(target=upload)
        sender.start()
        # wait until the worker is reading: its spool appears with the first batch
        deadline = time.monotonic() + 120
        while not list((path / "tmp").glob("spool-*")):
            assert time.monotonic() < deadline, log.read_text()
            assert sender.is_alive(), answer
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        sender.join(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert answer.get("status") == 503, (answer, log.read_text()[-2000:])
    assert "the server is stopping" in answer["body"]
    with Workspace.open(path) as ws:
        assert "dump" not in {d.name for d in ws.datasets()}
        assert not list((path / "tmp").glob("spool-*"))
