"""Killed mid-write: a process that records judgements (the audit entry in
the app database, then the judgement in the workspace store), SIGKILLed at
a random moment, loses nothing it acknowledged, in the embedded SQLite
database and in PostgreSQL alike: every acknowledged audit entry and
judgement is there afterwards, the audit chain verifies, and both databases
open and take new writes (a kill leaves no lock held, no half transaction).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from threadline.access import AccessControl, Principal, Role
from threadline.access.audit import Action
from threadline.workspace import Workspace

PEOPLE = 40

CHILD = """
import sys
from threadline.access import AccessControl, Principal
from threadline.workspace import Workspace

url, ws_path = sys.argv[1], sys.argv[2]
access = AccessControl(url)
olga = access.accounts.get(Principal.local_operator("kill"), "olga").principal()
ws = Workspace.open(ws_path)
print("ready", flush=True)
i = 0
while True:
    left, right = f"p{i % 40}", f"p{(i * 7 + 1) % 40}"
    if left != right:
        access.audit.judgement(olga, left, right, "unsure", purpose=f"kill {i}")
        ws.judge(left, right, "unsure", user="olga")
        print(f"ack {i} {left} {right}", flush=True)
    i += 1
"""


@pytest.fixture
def workspace_path(tmp_path: Path) -> Path:
    source = tmp_path / "people.ftm.json"
    rows = [
        {"id": f"p{i}", "schema": "Person", "properties": {"name": [f"Person Number{i}"]}}
        for i in range(PEOPLE)
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows), "utf-8")
    with Workspace.init(tmp_path / "ws") as ws:
        ws.ingest(source, "people")
    return tmp_path / "ws"


def _run_and_kill(url: str, ws: Path, acks_before_kill: int) -> list[tuple[int, str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(ws)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    acked: list[tuple[int, str, str]] = []
    try:
        for line in proc.stdout:
            if line.startswith("ack"):
                _, i, left, right = line.split()
                acked.append((int(i), left, right))
                if len(acked) >= acks_before_kill:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
        else:
            pytest.fail(
                f"the writer ended before the kill: {proc.stderr.read() if proc.stderr else ''}"
            )
        # what it printed before dying was acknowledged too
        rest, _ = proc.communicate(timeout=60)
        for line in rest.splitlines():
            if line.startswith("ack"):
                _, i, left, right = line.split()
                acked.append((int(i), left, right))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return acked


@pytest.mark.parametrize("seed", [1, 2])
def test_a_killed_writer_loses_nothing_it_acknowledged(
    db_url: str, workspace_path: Path, seed: int
) -> None:
    operator = Principal.local_operator("tests")
    with AccessControl(db_url) as access:
        access.accounts.create(operator, "olga", "correct horse battery", Role.ANALYST)
    acks = random.Random(seed).randint(3, 25)

    acked = _run_and_kill(db_url, workspace_path, acks)

    assert len(acked) >= acks
    with AccessControl(db_url) as access:
        report = access.audit.log.verify()
        assert report.ok, report
        purposes = {e.purpose for e in access.audit.log.entries(10_000, action=Action.JUDGEMENT)}
        missing = [i for i, _, _ in acked if f"kill {i}" not in purposes]
        assert not missing, f"acknowledged audit entries lost: {missing}"
        # and the database takes new writes: no lock or transaction was left behind
        olga = access.accounts.get(operator, "olga").principal()
        access.audit.judgement(olga, "p1", "p2", "unsure", purpose="after the kill")
        assert access.audit.log.verify().ok
    with Workspace.open(workspace_path) as ws:
        judged = {
            (r.left_id, r.right_id)
            for r in ws.resolution.judgements.history([f"p{i}" for i in range(PEOPLE)])
        }
        for _, left, right in acked:
            assert tuple(sorted((left, right))) in judged, f"judgement {left}~{right} lost"
        ws.judge("p1", "p2", "unsure", user="olga")
