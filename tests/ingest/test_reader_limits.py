"""Tiny hostile tables get a clear error, quickly and in little memory, and
leave the workspace as it was: JSON nested 100,000 deep, a line longer than
any table has, a cell past the limit, a workbook that expands a thousandfold."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from threadline.errors import InputError
from threadline.ingest.readers import limits
from threadline.workspace import Workspace

QUICK = {"schema": "Person", "maps": ["name=name"]}


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.init(tmp_path / "ws")
    seed = tmp_path / "seed.csv"
    seed.write_text("name\nIvan Petrov\n", "utf-8")
    workspace.ingest(seed, "base", **QUICK)
    yield workspace
    workspace.close()


def refused(ws: Workspace, path: Path, **options: object) -> str:
    before = ws.stats()["statements"]
    with pytest.raises(InputError) as info:
        ws.ingest(path, "base", **(options or QUICK))  # type: ignore[arg-type]
    assert ws.stats()["statements"] == before
    return str(info.value)


def test_json_nested_deeper_than_any_record(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" + '{"a":' * 100_000 + "1" + "}" * 100_000 + "]", "utf-8")
    assert refused(ws, path) == (
        f"{path}, line 1: array item 1 is nested more than 64 deep "
        "(records this deep are not table data)"
    )


def test_json_record_with_too_many_values(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("threadline.ingest.readers.json_reader.MAX_JSON_VALUES", 50)
    path = tmp_path / "wide.json"
    path.write_text('[{"name": "Ivan"}, {"xs": [' + ",".join(["1"] * 100) + "]}]", "utf-8")
    assert "array item 2 holds more than 50 values" in refused(ws, path)


def test_a_shallow_json_array_still_loads(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text('[{"name": "Anna", "address": {"city": "Riga"}}, {"name": "Oleg"}]', "utf-8")
    report = ws.ingest(path, "json", **QUICK)  # type: ignore[arg-type]
    assert (report.records, report.rejected) == (2, 0)


def test_a_line_longer_than_any_table_has(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_LINE_BYTES", 4096)
    path = tmp_path / "long.csv"
    path.write_text("name\nIvan\n" + "x" * 10_000 + "\nOleg\n", "utf-8")
    assert refused(ws, path) == (
        f"{path}, line 3: line longer than 4 KiB (a line this long is not table data; check "
        "the file is what it claims to be)"
    )
    jsonl = tmp_path / "long.ndjson"
    jsonl.write_text('{"name": "Ivan"}\n{"name": "' + "x" * 10_000 + '"}\n', "utf-8")
    assert refused(ws, jsonl).startswith(f"{jsonl}, line 2: line longer than")


def test_a_cell_past_the_limit(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "cell.csv"
    path.write_text('name,note\nIvan,"' + "x" * 5_000 + '"\n', "utf-8")
    old = csv.field_size_limit(1_000)
    try:
        message = refused(ws, path)
    finally:
        csv.field_size_limit(old)
    assert message.startswith(f"{path}, line 2: malformed CSV: field larger than field limit")
    assert "a cell holds more than" in message


def test_a_workbook_that_expands_a_thousandfold(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (32 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    message = refused(ws, path)
    assert message.startswith(f"{path}: the workbook's part 'xl/sharedStrings.xml' expands")
    assert "more than 200 is refused" in message


def test_a_workbook_too_large_in_all(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_XLSX_EXPANDED", 1000)
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/workbook.xml", b"<x/>" * 500)
    assert "the workbook expands to 2,000 bytes" in refused(ws, path)
