"""``threadline ingest -``: a table piped in loads exactly as the same file
would, its format told by --format or its first bytes, with errors that name
``<stdin>`` and its line, and nothing left behind when it fails."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import orjson
import pytest

from tests.helpers.cli import BIN, TEST_PURPOSE
from threadline.errors import InputError
from threadline.ingest.stdin import sniff_format
from threadline.workspace import TMP_DIR, Workspace

CSV = "id,name,country\n1,Ivan Petrov,ru\n2,Maria Garcia,es\n3,John Smith,gb\n"
QUICK = {"schema": "Person", "maps": ["name=name", "country=country"], "keys": ["id"]}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace.init(tmp_path / "ws")
    yield workspace  # type: ignore[misc]
    workspace.close()


def entity_values(ws: Workspace) -> dict[str, list[tuple[str, str]]]:
    return {
        entity.id: sorted((s.prop, s.value) for s in entity.statements) for entity in ws.entities()
    }


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"PAR1\x15\x04", "parquet"),
        (b"PK\x03\x04\x14\x00", "xlsx"),
        (b'\xef\xbb\xbf [{"a": 1}]', "json"),
        (b'{"a": 1}\n{"a": 2}\n', "ndjson"),
        (b'{\n  "a": 1\n}', "json"),
        (b"a;b\n1;2\n", "csv"),
        (b"a\tb\n1\t2\n", "csv"),
    ],
)
def test_the_format_is_told_by_the_first_bytes(head: bytes, fmt: str) -> None:
    assert sniff_format(head) == fmt


def test_a_piped_table_loads_as_the_same_file_does(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(CSV, "utf-8")
    ws.ingest(path, "from_file", **QUICK)  # type: ignore[arg-type]
    other = Workspace.init(tmp_path / "other")
    try:
        report = other.ingest_stream(io.BytesIO(CSV.encode()), "from_file", **QUICK)
        assert report.records == 3
        assert report.source == "stdin.csv"
        assert entity_values(other) == entity_values(ws)
        # the copy is gone, and the search index has the piped names
        assert list((other.path / TMP_DIR).iterdir()) == []
        hits = other.search("Maria Garcia")
        assert hits and hits[0].caption == "Maria Garcia"
    finally:
        other.close()


def test_ftm_entities_are_recognised_without_a_mapping(ws: Workspace) -> None:
    entity = {"id": "p1", "schema": "Person", "properties": {"name": ["Olena Kovalenko"]}}
    ws.ingest_stream(io.BytesIO(orjson.dumps(entity) + b"\n"), "ftm")
    assert [e.caption for e in ws.entities()] == ["Olena Kovalenko"]


def test_format_option_overrides_sniffing(ws: Workspace) -> None:
    # semicolons and a .tsv format: read as tab-separated, one column
    data = b"id\tname\n1\tAna;Silva\n"
    ws.ingest_stream(
        io.BytesIO(data), "t", format="tsv", schema="Person", maps=["name=name"], keys=["id"]
    )
    assert [e.caption for e in ws.entities()] == ["Ana;Silva"]


def test_a_bad_row_is_reported_at_its_line_of_stdin(ws: Workspace) -> None:
    data = CSV + "4,Eva Novak\n"
    with pytest.raises(InputError) as caught:
        ws.ingest_stream(io.BytesIO(data.encode()), "bad", **QUICK)
    assert caught.value.location is not None
    assert caught.value.location.path == "<stdin>"
    assert caught.value.location.line == 5
    assert "<stdin>, line 5" in str(caught.value)
    # all or nothing, and no copy left in the workspace
    assert list(ws.entities()) == []
    assert list((ws.path / TMP_DIR).iterdir()) == []


def test_empty_stdin_is_a_clear_error(ws: Workspace) -> None:
    with pytest.raises(InputError, match="standard input is empty"):
        ws.ingest_stream(io.BytesIO(b""), "empty", **QUICK)


def test_an_unknown_format_is_a_clear_error(ws: Workspace) -> None:
    with pytest.raises(InputError, match="unknown format 'xml'"):
        ws.ingest_stream(io.BytesIO(CSV.encode()), "x", format="xml", **QUICK)


def test_the_command_reads_standard_input(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "THREADLINE_WORKSPACE"}
    env["THREADLINE_PURPOSE"] = TEST_PURPOSE
    workspace = tmp_path / "cli-ws"
    subprocess.run([str(BIN / "threadline"), "init", str(workspace)], check=True, env=env)
    args = ["-q", "-w", str(workspace), "ingest", "-", "-d", "piped", "--schema", "Person"]
    args += ["--map", "name=name", "--map", "country=country", "--key", "id", "--json"]
    done = subprocess.run(
        [str(BIN / "threadline"), *args],
        input=CSV.encode(),
        capture_output=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    report = json.loads(done.stdout)
    assert (report["records"], report["entities"], report["source"]) == (3, 3, "stdin.csv")
