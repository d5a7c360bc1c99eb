"""`threadline ingest` on documents: tables keep their path, documents go to
the document pipeline, failures are listed and give exit code 11."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from threadline.workspace import Workspace


def test_failed_files_are_listed_and_exit_11(tmp_path: Path, cli: Any) -> None:
    Workspace.init(tmp_path / "ws").close()
    root = tmp_path / "in"
    root.mkdir()
    (root / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00" * 40)
    (root / "fine.txt").write_text("fine text")
    code, stdout, stderr = cli("-w", str(tmp_path / "ws"), "ingest", str(root), "-d", "docs")
    assert code == 11, stderr
    assert "failed at parse: in/broken.pdf" in stderr
    assert "1 of 2 files could not be read" in stderr
    code, stdout, _ = cli("-w", str(tmp_path / "ws"), "ingest", str(root), "-d", "docs", "--json")
    # nothing changed, nothing failed this time: the broken file is skipped until retried
    assert code == 0
    assert json.loads(stdout)["skipped"] == 2
    code, stdout, _ = cli(
        "-w", str(tmp_path / "ws"), "ingest", str(root), "-d", "docs", "--json", "--retry-failed"
    )
    assert code == 11
    report = json.loads(stdout)
    assert report["failed"][0]["source"] == "in/broken.pdf" and report["processed"] == 1


def test_tables_keep_their_path(tmp_path: Path, cli: Any, helpers: Any) -> None:
    Workspace.init(tmp_path / "ws").close()
    table = helpers.write_csv(tmp_path / "people.csv", ["name"], [["Ivan Petrov"]])
    code, _, stderr = cli("-w", str(tmp_path / "ws"), "ingest", str(table), "-d", "people")
    assert code == 2 and "needs to know how to map it" in stderr
    code, _, stderr = cli(
        "-w",
        str(tmp_path / "ws"),
        "ingest",
        str(table),
        "-d",
        "people",
        "--schema",
        "Person",
        "--map",
        "name=name",
    )
    assert code == 0, stderr
    # a .txt file with no mapping is a document
    (tmp_path / "notes.txt").write_text("just notes")
    code, _, stderr = cli(
        "-w", str(tmp_path / "ws"), "ingest", str(tmp_path / "notes.txt"), "-d", "notes"
    )
    assert code == 0, stderr
    assert "Read 1 files" in stderr
