"""Exports: FtM JSON that `ftm validate` accepts, spreadsheets safe against
formula injection."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import orjson
from openpyxl import load_workbook

from threadline import Workspace
from threadline.export.safety import escape_cell

HOSTILE = '=HYPERLINK("http://x","click")'


def _load(ws: Workspace, tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    data.write_text(
        'id,name,note\n1,Ivan Petrov,plain\n2,@SUM(A1),+1 555\n3,Maria Garcia,"'
        + HOSTILE.replace('"', '""')
        + '"\n',
        "utf-8",
    )
    ws.ingest(data, "people", schema="Person", maps=["name=name", "notes=note"], keys=["id"])


def test_escape_cell() -> None:
    assert escape_cell("=1+1") == "'=1+1"
    assert escape_cell("-2") == "'-2"
    assert escape_cell("+1 555") == "'+1 555"
    assert escape_cell("@SUM(A1)") == "'@SUM(A1)"
    assert escape_cell("Ivan") == "Ivan"


def test_ftm_export_passes_ftm_validate(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws") as ws:
        _load(ws, tmp_path)
        out = tmp_path / "out.ftm.json"
        assert ws.export("ftm", out) == 3
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert {e["schema"] for e in lines} == {"Person"}
    ftm = Path(sys.executable).parent / "ftm"
    result = subprocess.run(
        [str(ftm), "validate", "-i", str(out)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_csv_export_escapes_formulas(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws") as ws:
        _load(ws, tmp_path)
        buf = io.BytesIO()
        ws.export("csv", buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8"))))
    names = {r["name"] for r in rows}
    notes = {r["notes"] for r in rows}
    assert "'@SUM(A1)" in names
    assert "'" + HOSTILE in notes
    assert "'+1 555" in notes
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


def test_xlsx_export_escapes_formulas(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws") as ws:
        _load(ws, tmp_path)
        out = tmp_path / "out.xlsx"
        ws.export("xlsx", out)
    book = load_workbook(out)
    sheet = book["Person"]
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row if c.value]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert "'" + HOSTILE in values


def test_index_documents_from_values_match_documents_from_proxies(tmp_path: Path) -> None:
    """Reindexing builds documents without proxies; they must be the same."""
    from threadline.demo.sources import DEMO_SOURCES
    from threadline.model.entity import common_schema
    from threadline.search.documents import index_doc, values_doc

    with Workspace.init(tmp_path / "ws") as ws:
        for source in DEMO_SOURCES[:3]:
            ws.ingest(source.path, source.dataset, source.mapping)
        checked = 0
        for eid, schemata, datasets, props, values in ws.store.iter_entity_values():
            fast = values_doc(eid, common_schema(set(schemata)), datasets, props, values)
            entity = ws.entity(eid)
            slow = index_doc(entity)
            # FtM's own caption logic, from the assembled proxy:
            assert fast.caption == entity.proxy.caption
            own_names = {
                v for p, v in entity.proxy.itervalues() if p.type.name == "name" and not p.hidden
            }
            assert set(fast.names) == own_names
            assert (fast.schema, fast.schemata, fast.datasets) == (
                slow.schema,
                slow.schemata,
                slow.datasets,
            )
            assert sorted(fast.names) == sorted(slow.names)
            assert sorted(fast.text) == sorted(slow.text)
            assert fast.countries == slow.countries
            checked += 1
        assert checked > 100
