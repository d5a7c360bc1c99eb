"""A job killed with its process (SIGKILL, mid-ingest, after it had written
statement batches) leaves nothing behind: the next runner marks it failed as
interrupted, in the job book and the audit log, and removes the files it
owned; the store drops the rows the dead ingest wrote when it next opens, so
the dataset it was loading does not exist; and the queue behind it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from tests.helpers.jobs import PATIENCE, wait_for_end
from threadline.access import AccessControl
from threadline.access.jobs import INTERRUPTED, JobState
from threadline.jobs.runner import JobRunner, job_files
from threadline.workspace import STORE_FILE, Workspace

ROWS = 50_000  # three statements a row: a batch is written well before the commit

PENDING = (
    "SELECT count(*) FROM statements WHERE ingest_id IN "
    "(SELECT id FROM ingests WHERE state = 'pending')"
)

CHILD = f"""
import sys, threading, time
from contextlib import contextmanager
from pathlib import Path
from threadline.access import AccessControl
from threadline.jobs import context
from threadline.jobs.runner import JobRunner, job_files
from threadline.workspace import Workspace

PENDING = {PENDING!r}
ws_path, csv, marker = sys.argv[1:4]
ws = Workspace.open(ws_path)
access = AccessControl.for_workspace(ws_path)
lock = threading.RLock()

@contextmanager
def data():
    with lock:
        yield ws

runner = JobRunner(Path(ws_path), data, access)
original = context.JobContext.progress

def stall(self, fraction, message, **kwargs):
    # once the first batch is in the store (the ingest's writer thread
    # inserts it), uncommitted: say so, and wait to be killed
    if "rows read" in message and fraction < 1:
        cur = ws.store.con.cursor()
        while not cur.execute(PENDING).fetchone()[0]:
            time.sleep(0.05)
        Path(marker).write_text(self.job.id)
        threading.Event().wait()
    return original(self, fraction, message, **kwargs)

context.JobContext.progress = stall
maps = ["name=name", "idNumber=number"]
params = dict(path=csv, dataset="big", schema="Person", maps=maps, keys=["id"])
job = runner.submit("olga", "ingest", params)
job_files(Path(ws_path), job.id).mkdir(parents=True)  # a file it owns, like an upload
queued = runner.submit("olga", "reindex", {{}})
runner.run_one(job.id)
"""


@contextmanager
def runner_over(path: Path) -> Iterator[JobRunner]:
    ws = Workspace.open(path)
    access = AccessControl.for_workspace(path)
    lock = threading.RLock()

    @contextmanager
    def data() -> Iterator[Workspace]:
        with lock:
            yield ws

    runner = JobRunner(path, data, access)
    try:
        yield runner
    finally:
        runner.stop()
        access.close()
        ws.close()


def pending_ingests(store: Path) -> int:
    con = duckdb.connect(str(store), read_only=True)
    try:
        row = con.execute("SELECT count(*) FROM ingests WHERE state = 'pending'").fetchone()
    finally:
        con.close()
    assert row is not None
    return int(row[0])


def test_a_killed_ingest_job_is_marked_interrupted_and_leaves_nothing(tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text(
        "id,name,number\n" + "".join(f"{i},Person Number{i},N{i}\n" for i in range(ROWS)), "utf-8"
    )
    path = tmp_path / "ws"
    Workspace.init(path).close()
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(csv), str(marker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        give_up = time.monotonic() + PATIENCE
        while not marker.exists():
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < give_up, "the job never reached its first batch"
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    job_id = marker.read_text()

    # the kill hit an ingest in flight: the child had seen its first batch
    # in the store before it wrote the marker, and the ingest is still pending
    # (DuckDB itself keeps no uncommitted batch of a killed process visible)
    assert pending_ingests(path / STORE_FILE) == 1

    with runner_over(path) as runner:
        assert runner.book.get(job_id).state is JobState.RUNNING  # as the dead process left it
        runner.start()
        killed = runner.book.get(job_id)
        assert killed.state is JobState.FAILED
        assert killed.error == INTERRUPTED
        assert not job_files(path, job_id).exists()
        ends = [
            e
            for e in runner.access.audit.log.entries(limit=1000)
            if e.target == job_id and e.action == "job.end"
        ]
        assert [e.details for e in ends] == [
            {"kind": "ingest", "state": "failed", "error": INTERRUPTED}
        ]
        # the job queued behind it runs now
        queued = next(j for j in runner.book.recent() if j.kind == "reindex")
        assert wait_for_end(runner.book, queued.id).state is JobState.DONE
        with runner.workspace() as ws:
            assert "big" not in {d.name for d in ws.datasets()}
            assert ws.store.stored_statements() == 0
    assert pending_ingests(path / STORE_FILE) == 0
