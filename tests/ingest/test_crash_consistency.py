"""All or nothing: an ingest SIGKILLed at any point leaves a workspace that
reopens, holds exactly what it held before (or, once the store transaction
has committed, exactly the completed ingest), and a re-run completes it.

The ingest runs in a child process that prints markers on stdout: ``ready``
once the workspace is open, ``progress K`` from the ingest's progress
callback (``K`` rows done). The callback is also called once right after the
store commit, with all ``N`` rows: ``N`` is chosen so that no batch boundary
falls on it, which makes ``progress N`` the "committed, now indexing" marker.
"""

from __future__ import annotations

import os
import queue
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from threadline.workspace import Workspace

ROWS = 20_001  # not a multiple of any plausible batch size
COLUMNS = ["id", "name", "alias", "dob", "country", "passport", "email", "notes"]
MAPS = [
    "name=name",
    "alias=alias",
    "birthDate=dob",
    "nationality=country",
    "passportNumber=passport",
    "email=email",
    "notes=notes",
]
STATEMENTS_PER_ROW = 1 + len(MAPS)  # the "id" statement, then one per mapped column
QUICK: dict[str, Any] = {"schema": "Person", "maps": MAPS, "keys": ["id"]}

CHILD = """
import sys
from threadline.workspace import Workspace

ws = Workspace.open(sys.argv[1])
print("ready", flush=True)

def progress(done, total, records):
    print(f"progress {records}", flush=True)

ws.ingest(sys.argv[2], "big", schema="Person", maps=sys.argv[3:], keys=["id"], progress=progress)
ws.close()
print("done", flush=True)
"""


def _name(i: int) -> str:
    return f"Testperson Zq{i}"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, helpers: Any) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("crash")
    big = helpers.write_csv(
        root / "big.csv",
        COLUMNS,
        (
            [
                i,
                _name(i),
                f"Alias Zq{i}",
                f"19{50 + i % 50}-0{1 + i % 9}-1{i % 10}",
                "ru",
                f"P{i:08d}",
                f"person{i}@example.org",
                f"generated row {i}",
            ]
            for i in range(ROWS)
        ),
    )
    base = helpers.write_csv(
        root / "base.csv",
        COLUMNS[:5],
        [
            ["1", "Ivan Petrov", "", "1971-03-02", "ru"],
            ["2", "Maria Ivanova", "Мария Иванова", "1980", "ru"],
        ],
    )
    pristine = root / "pristine"
    with Workspace.init(pristine) as ws:
        ws.ingest(base, "base", schema="Person", maps=MAPS[:4], keys=["id"])
        before = _counts(ws)
    return {"root": root, "big": big, "pristine": pristine, "before": before}


def _counts(ws: Workspace) -> dict[str, Any]:
    stats = ws.stats()
    return {
        "statements": stats["statements"],
        "entities": stats["entities"],
        "datasets": stats["datasets"],
        "schemata": stats["schemata"],
        "names": [(d.name, d.entities, d.statements, d.sources) for d in ws.datasets()],
    }


def _after(before: dict[str, Any]) -> dict[str, Any]:
    return {
        "statements": before["statements"] + ROWS * STATEMENTS_PER_ROW,
        "entities": before["entities"] + ROWS,
        "datasets": 2,
        "schemata": {"Person": before["entities"] + ROWS},
        "names": [
            ("base", before["names"][0][1], before["names"][0][2], ["base.csv"]),
            ("big", ROWS, ROWS * STATEMENTS_PER_ROW, ["big.csv"]),
        ],
    }


class Child:
    def __init__(self, ws_dir: Path, csv_path: Path) -> None:
        self.stderr = ws_dir.parent / f"{ws_dir.name}.stderr"
        with open(self.stderr, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(ws_dir), str(csv_path), *MAPS],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put("<eof>")

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if line == "<eof>" or predicate(line):
                return line

    def kill(self) -> bool:
        """SIGKILL; True if it was still running."""
        running = self.proc.poll() is None
        if running:
            self.proc.kill()  # SIGKILL
        self.proc.wait(timeout=30)
        return running


def _progress(line: str) -> int | None:
    return int(line.split()[1]) if line.startswith("progress ") else None


#: kill point -> (what to wait for, extra random delay range, states allowed)
POINTS: dict[str, tuple[Callable[[str], bool], tuple[float, float], set[str]]] = {
    # reading and mapping the first rows: nothing can have been committed
    "early": (lambda line: line == "ready", (0.0, 0.3), {"before"}),
    # the first batch went into the open transaction
    "mid-ingest": (
        lambda line: (_progress(line) or ROWS) < ROWS,
        (0.0, 0.3),
        {"before", "after"},
    ),
    # anywhere, by the clock
    "random": (lambda line: line == "ready", (0.3, 4.0), {"before", "after"}),
    # the store has committed; the search index is being updated
    "indexing": (lambda line: _progress(line) == ROWS, (0.0, 0.4), {"after"}),
}


@pytest.mark.slow
def test_sigkill_leaves_the_workspace_consistent(setup: dict[str, Any]) -> None:
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    before = setup["before"]
    after = _after(before)
    outcomes = {}
    for point, (marker, (low, high), allowed) in POINTS.items():
        ws_dir = setup["root"] / f"ws-{point}"
        shutil.copytree(setup["pristine"], ws_dir)
        child = Child(ws_dir, setup["big"])
        delay = rng.uniform(low, high)
        try:
            seen = child.wait_for(marker)
            time.sleep(delay)
        finally:
            killed = child.kill()
        where = f"kill point {point!r} after {seen!r} + {delay:.2f}s (CRASH_SEED={seed})"
        assert seen != "<eof>", f"the child ended before {where}: {child.stderr.read_text()}"

        with Workspace.open(ws_dir) as ws:
            counts = _counts(ws)
            state = "before" if counts == before else "after" if counts == after else "torn"
            assert state in allowed, f"{where}: {state} {counts}"
            outcomes[point] = (state, killed)
            # the search index is consistent with the store, whatever the kill left
            ivan = ws.search("Ivan Petrov")
            assert ivan and ivan[0].caption == "Ivan Petrov", where
            hits = [h.caption for h in ws.search(_name(13579))]
            assert (_name(13579) in hits) == (state == "after"), where
            stats = ws.stats()
            assert stats["indexed"] == counts["entities"], where
            assert stats["index_current"], where
            assert not list(ws.entities("big")) or state == "after", where

    # killed for real at least where the timing is not in doubt
    assert outcomes["early"] == ("before", True)
    assert outcomes["indexing"][1], "the child finished before the 'indexing' kill"

    # a re-run over the workspace killed mid-ingest completes the ingest
    with Workspace.open(setup["root"] / "ws-mid-ingest") as ws:
        report = ws.ingest(setup["big"], "big", **QUICK)
        assert (report.records, report.entities) == (ROWS, ROWS)
        assert report.statements == ROWS * STATEMENTS_PER_ROW
        assert _counts(ws) == after
        hits = [h.caption for h in ws.search(_name(13579))]
        assert _name(13579) in hits
        assert ws.stats()["indexed"] == after["entities"]
