"""Big folders: a re-run processes only new or changed files, a killed run
resumes without redoing or duplicating finished files, and failed files
are tried again only when asked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from threadline.workspace import Workspace


def _texts(ws: Workspace, dataset: str) -> Counter[str]:
    return Counter(t for e in ws.entities(dataset) for t in e.proxy.get("bodyText"))


def test_rerun_processes_only_new_or_changed_files(
    workspace: Workspace, tmp_path: Path, docs: Any
) -> None:
    root = tmp_path / "folder"
    root.mkdir()
    for n in range(6):
        (root / f"note-{n}.txt").write_text(f"note number {n}")
    first = workspace.ingest_documents(root, "notes", limits=docs.limits, workers=2)
    assert (first.processed, first.skipped) == (6, 0)
    statements = workspace.stats()["statements"]
    again = workspace.ingest_documents(root, "notes", limits=docs.limits, workers=2)
    assert (again.processed, again.skipped) == (0, 6)
    assert workspace.stats()["statements"] == statements
    (root / "note-2.txt").write_text("note number 2, revised")
    (root / "note-9.txt").write_text("a new note")
    third = workspace.ingest_documents(root, "notes", limits=docs.limits, workers=2)
    assert (third.processed, third.skipped) == (2, 5)
    texts = _texts(workspace, "notes")
    assert texts["note number 2, revised"] == 1 and texts["note number 2"] == 0
    assert texts["a new note"] == 1 and sum(texts.values()) == 7


def test_failed_files_are_retried_only_when_asked(
    workspace: Workspace, tmp_path: Path, docs: Any
) -> None:
    root = tmp_path / "folder"
    root.mkdir()
    (root / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00" * 50)
    (root / "fine.txt").write_text("fine")
    first = workspace.ingest_documents(root, "r", limits=docs.limits)
    assert [s for s, _, _ in first.failed] == ["folder/broken.pdf"]
    assert workspace.ingest_documents(root, "r", limits=docs.limits).processed == 0
    retried = workspace.ingest_documents(root, "r", limits=docs.limits, retry_failed=True)
    assert retried.processed == 1 and [s for s, _, _ in retried.failed] == ["folder/broken.pdf"]


def test_an_archive_that_changed_drops_members_it_no_longer_holds(
    workspace: Workspace, tmp_path: Path, docs: Any
) -> None:
    import zipfile

    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("keep.txt", "kept member")
        archive.writestr("gone.txt", "removed member")
    workspace.ingest_documents(path, "z", limits=docs.limits)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("keep.txt", "kept member")
        archive.writestr("new.txt", "added member")
    report = workspace.ingest_documents(path, "z", limits=docs.limits)
    assert report.processed == 2 and report.skipped == 1  # the archive, new.txt; keep.txt
    assert set(_texts(workspace, "z")) == {"kept member", "added member"}


def test_a_killed_run_resumes_without_redoing_or_duplicating(tmp_path: Path, docs: Any) -> None:
    root = tmp_path / "scans"
    root.mkdir()
    for n in range(12):
        docs.save_png(root / f"scan-{n:02d}.png", [f"PAGE NUMBER {n}"])
    ws_dir = tmp_path / "ws"
    Workspace.init(ws_dir).close()
    threadline = str(Path(sys.executable).parent / "threadline")
    command = [threadline, "-w", str(ws_dir), "ingest", str(root), "-d", "scans", "--workers", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    blobs = ws_dir / "blobs"
    deadline = time.monotonic() + 120
    # finished files are stored together at least every second: by the time
    # the 10th file's bytes are in the blob store, some are stored, not all
    while time.monotonic() < deadline and proc.poll() is None:
        if blobs.exists() and sum(1 for p in blobs.rglob("*") if p.is_file()) >= 10:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Workspace.open(ws_dir) as ws:
        report = ws.ingest_documents(root, "scans", limits=docs.limits, workers=2)
        assert report.skipped >= 1 and report.processed == 12 - report.skipped
        images = [e for e in ws.entities("scans") if e.schema.name == "Image"]
        assert len(images) == 12
        for image in images:
            rows = [r for r in ws.store.entity_rows([image.id]) if r.prop == "bodyText"]
            assert len(rows) == 1
        assert ws.stats()["index_current"]
