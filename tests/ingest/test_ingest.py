"""Ingest end to end: every input format, quick mode, FtM files, idempotent
re-ingest, replacing a changed source, datasets, provenance, the search index
kept in step, and ``--on-error skip``.

What "line" means in provenance (``StatementRow.source_line``, rejects files
and error messages), per format:

- CSV/TSV: the physical line on which the row *starts*, as a text editor
  numbers it (the header is line 1). It equals "row number + 1" only while no
  quoted cell spans several lines.
- JSON lines (NDJSON, FtM entity files, FtM statement JSON): the line number.
- JSON array: the 1-based index of the item in the array.
- XLSX: the spreadsheet row number (as shown at the left of the sheet).
- Parquet: the 1-based row index.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from threadline.errors import DatasetNotFound
from threadline.workspace import Workspace

DATASET = "people"

HEADER = ["id", "full_name", "dob", "country", "company"]
#: typed values (ints, None) are written as such where the format has types
ROWS: list[list[Any]] = [
    [1, "Ivan Petrov", "1971-03-02", "ru", "Acme Ltd"],
    [2, "Мария Иванова", "1980", "Russia", "Acme Ltd"],
    [3, "Jürgen Müller", "1965-07", "Germany", "Harbour Holdings"],
    [4, "Oleg Sidorov", None, None, None],
]

MAPPING_ENTITIES: dict[str, Any] = {
    "person": {
        "schema": "Person",
        "keys": ["id"],
        "properties": {
            "name": {"column": "full_name"},
            "birthDate": {"column": "dob"},
            "nationality": {"column": "country"},
        },
    },
    "company": {
        "schema": "Company",
        "keys": ["company"],
        "key_literal": "company",
        "properties": {"name": {"column": "company"}},
    },
    "link": {
        "schema": "Directorship",
        "keys": ["id", "company"],
        "key_literal": "link",
        "properties": {"director": {"entity": "person"}, "organization": {"entity": "company"}},
    },
}


def _records() -> list[dict[str, Any]]:
    return [dict(zip(HEADER, row, strict=True)) for row in ROWS]


def write_format(fmt: str, root: Path, helpers: Any) -> Path:
    """The same table in each supported format."""
    if fmt == "csv":
        return helpers.write_csv(root / "people.csv", HEADER, ROWS)
    if fmt == "tsv":
        return helpers.write_csv(root / "people.tsv", HEADER, ROWS, delimiter="\t")
    if fmt == "xlsx":
        path = root / "people.xlsx"
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "People"
        sheet.append(HEADER)
        for row in ROWS:
            sheet.append(row)
        book.save(path)
        return path
    if fmt == "json":
        path = root / "people.json"
        path.write_text(json.dumps(_records(), ensure_ascii=False, indent=1), "utf-8")
        return path
    if fmt == "ndjson":
        path = root / "people.ndjson"
        lines = [json.dumps(r, ensure_ascii=False) for r in _records()]
        path.write_text("\n".join(lines) + "\n", "utf-8")
        return path
    if fmt == "parquet":
        path = root / "people.parquet"
        table = pa.table(
            {
                "id": pa.array([r[0] for r in ROWS], type=pa.int64()),
                **{name: [r[i] for r in ROWS] for i, name in enumerate(HEADER) if i},
            }
        )
        pq.write_table(table, path)
        return path
    raise AssertionError(fmt)


#: the line each format gives the rows of ROWS (see the module docstring)
EXPECTED_LINES = {
    "csv": [2, 3, 4, 5],
    "tsv": [2, 3, 4, 5],
    "xlsx": [2, 3, 4, 5],
    "json": [1, 2, 3, 4],
    "ndjson": [1, 2, 3, 4],
    "parquet": [1, 2, 3, 4],
}


def _lines_by_name(ws: Workspace) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for entity in ws.entities(DATASET):
        for stmt in entity.statements:
            if stmt.prop == "name" and entity.schema.name == "Person":
                out[stmt.value] = stmt.source_line
    return out


@pytest.fixture
def reference(tmp_path: Path, helpers: Any, make_workspace: Callable[[str], Workspace]) -> Any:
    """The CSV ingested through the mapping, and what FtM makes of it."""
    root = tmp_path / "ref"
    root.mkdir()
    data = write_format("csv", root, helpers)
    mapping = helpers.write_mapping(root / "mapping.yml", MAPPING_ENTITIES, dataset=DATASET)
    ws = make_workspace("ref-ws")
    ws.ingest(data, DATASET, mapping)
    return {
        "mapping": mapping,
        "csv": data,
        "snapshot": helpers.snapshot(ws),
        "ftm": helpers.ftm_map(mapping, data, DATASET),
    }


def test_reference_matches_ftm(reference: Any) -> None:
    assert reference["snapshot"] == reference["ftm"]
    schemata = sorted(schema for schema, _ in reference["snapshot"].values())
    assert schemata == ["Company"] * 2 + ["Directorship"] * 4 + ["Person"] * 4


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xlsx", "json", "ndjson", "parquet"])
def test_every_format_gives_the_same_entities(
    fmt: str,
    tmp_path: Path,
    helpers: Any,
    reference: Any,
    make_workspace: Callable[[str], Workspace],
) -> None:
    data = write_format(fmt, tmp_path, helpers)
    ws = make_workspace(f"ws-{fmt}")
    report = ws.ingest(data, DATASET, reference["mapping"])
    assert report.records == len(ROWS)
    assert report.rejected == 0
    assert report.entities == len(reference["snapshot"])
    assert helpers.snapshot(ws) == reference["snapshot"]
    names = [row[1] for row in ROWS]
    lines = _lines_by_name(ws)
    assert [lines[n] for n in names] == EXPECTED_LINES[fmt]
    for entity in ws.entities():
        assert {s.source for s in entity.statements} == {data.name}
        assert {s.dataset for s in entity.statements} == {DATASET}


def test_quick_mode(
    tmp_path: Path, helpers: Any, make_workspace: Callable[[str], Workspace]
) -> None:
    data = write_format("csv", tmp_path, helpers)
    ws = make_workspace("quick")
    report = ws.ingest(data, DATASET, schema="Person", maps=["name=full_name", "birthDate=dob"])
    assert report.records == 4
    assert report.entities == 4
    # quick mode means: one entity per row, keyed on every mapped column
    equivalent = helpers.write_mapping(
        tmp_path / "quick.yml",
        {
            "entity": {
                "schema": "Person",
                "keys": ["dob", "full_name"],
                "properties": {"name": {"column": "full_name"}, "birthDate": {"column": "dob"}},
            }
        },
        dataset=DATASET,
    )
    assert helpers.snapshot(ws) == helpers.ftm_map(equivalent, data, DATASET)
    by_name = {e.proxy.first("name"): e for e in ws.entities()}
    assert by_name["Ivan Petrov"].proxy.get("birthDate") == ["1971-03-02"]
    assert by_name["Oleg Sidorov"].proxy.get("birthDate") == []


def test_quick_mode_with_key(
    tmp_path: Path, helpers: Any, reference: Any, make_workspace: Callable[[str], Workspace]
) -> None:
    data = write_format("csv", tmp_path, helpers)
    ws = make_workspace("quick-key")
    ws.ingest(
        data,
        DATASET,
        schema="Person",
        maps=["name=full_name", "birthDate=dob", "nationality=country"],
        keys=["id"],
    )
    equivalent = helpers.write_mapping(
        tmp_path / "quick.yml",
        {
            "entity": {
                "schema": "Person",
                "keys": ["id"],
                "properties": {
                    "name": {"column": "full_name"},
                    "birthDate": {"column": "dob"},
                    "nationality": {"column": "country"},
                },
            }
        },
        dataset=DATASET,
    )
    theirs = helpers.ftm_map(equivalent, data, DATASET)
    assert helpers.snapshot(ws) == theirs
    # the same ids as the Person entities of the full mapping (same keys)
    people = {eid for eid, (schema, _) in reference["snapshot"].items() if schema == "Person"}
    assert set(theirs) == people


def test_ftm_entity_lines(
    tmp_path: Path, helpers: Any, reference: Any, make_workspace: Callable[[str], Workspace]
) -> None:
    """``ftm map`` output loaded as FtM entities gives the mapped entities
    (fragments of one id merge); line = the JSON line number."""
    fragments = helpers.ftm_fragments(reference["mapping"], reference["csv"], DATASET)
    path = tmp_path / "people.ftm.json"
    lines = [orjson.dumps(f.to_dict()) for f in fragments]
    lines.insert(2, b"")  # a blank line is skipped but counted
    path.write_bytes(b"\n".join(lines) + b"\n")
    ws = make_workspace("ftm")
    report = ws.ingest(path, DATASET)
    assert report.format == "entities"
    assert report.records == len(fragments)
    assert helpers.snapshot(ws) == reference["snapshot"]
    first, third = fragments[0], fragments[2]
    assert {s.source_line for s in ws.entity(first.id).statements} >= {1}
    assert 4 in {s.source_line for s in ws.entity(third.id).statements}


def test_ftm_statements_csv(
    tmp_path: Path, helpers: Any, reference: Any, make_workspace: Callable[[str], Workspace]
) -> None:
    """A statements CSV as ``ftm statements -f csv`` writes it."""
    from followthemoney.statement import Statement, write_statements

    fragments = helpers.ftm_fragments(reference["mapping"], reference["csv"], DATASET)
    path = tmp_path / "people.statements.csv"
    with open(path, "wb") as fh:
        statements = [s for f in fragments for s in Statement.from_entity(f, dataset=DATASET)]
        write_statements(fh, "csv", statements)
    ws = make_workspace("stmts")
    report = ws.ingest(path, DATASET)
    assert report.format == "statements"
    assert report.records == len(statements)
    assert helpers.snapshot(ws) == reference["snapshot"]


def _statement_rows(ws: Workspace) -> dict[tuple[str, str, str, int | None], Any]:
    return {
        (s.entity_id, s.prop, s.value, s.source_line): s
        for e in ws.entities()
        for s in e.statements
    }


def test_reingest_is_idempotent(
    workspace: Workspace, tmp_path: Path, helpers: Any, reference: Any
) -> None:
    data = write_format("csv", tmp_path, helpers)
    first = workspace.ingest(data, DATASET, reference["mapping"])
    stats1 = workspace.stats()
    rows1 = _statement_rows(workspace)
    snap1 = helpers.snapshot(workspace)

    second = workspace.ingest(data, DATASET, reference["mapping"])
    stats2 = workspace.stats()
    rows2 = _statement_rows(workspace)

    assert second.statements == first.statements
    assert stats2["statements"] == stats1["statements"] == first.statements
    assert stats2["entities"] == stats1["entities"]
    assert helpers.snapshot(workspace) == snap1
    assert rows2.keys() == rows1.keys()
    for key, old in rows1.items():
        new = rows2[key]
        assert new.first_seen == old.first_seen, key
        assert new.last_seen > old.last_seen, key
    assert [d.sources for d in workspace.datasets()] == [[data.name]]
    assert stats2["indexed"] == stats2["searchable"]


def test_changed_file_replaces_only_its_own_values(
    workspace: Workspace, tmp_path: Path, helpers: Any
) -> None:
    quick = {"schema": "Person", "maps": ["name=name", "birthDate=dob"], "keys": ["id"]}
    a = helpers.write_csv(
        tmp_path / "a.csv",
        ["id", "name", "dob"],
        [["1", "Ivan Petrov", "1971"], ["2", "Maria Ivanova", "1980"]],
    )
    b = helpers.write_csv(
        tmp_path / "b.csv",
        ["id", "name", "dob"],
        [["1", "Ivan Petrovich Petrov", "1971-03-02"], ["3", "Oleg Sidorov", "1990"]],
    )
    workspace.ingest(a, DATASET, **quick)
    workspace.ingest(b, DATASET, **quick)
    ivan_id = next(h.entity_id for h in workspace.search("Ivan Petrovich Petrov"))
    maria_id = next(h.entity_id for h in workspace.search("Maria Ivanova"))
    before_b = {k: v for k, v in _statement_rows(workspace).items() if v.source == "b.csv"}
    before_a = {k: v for k, v in _statement_rows(workspace).items() if v.source == "a.csv"}
    ivan = workspace.entity(ivan_id).proxy
    assert set(ivan.get("name")) == {"Ivan Petrov", "Ivan Petrovich Petrov"}

    # a.csv changes: Ivan is renamed, Maria is gone
    helpers.write_csv(tmp_path / "a.csv", ["id", "name", "dob"], [["1", "Ivan Petroff", "1971"]])
    workspace.ingest(a, DATASET, **quick)

    ivan = workspace.entity(ivan_id).proxy
    assert set(ivan.get("name")) == {"Ivan Petroff", "Ivan Petrovich Petrov"}
    assert set(ivan.get("birthDate")) == {"1971", "1971-03-02"}
    with pytest.raises(Exception, match="no entity"):
        workspace.entity(maria_id)
    after = _statement_rows(workspace)
    # b.csv's statements are untouched, dates included
    assert {k: v for k, v in after.items() if v.source == "b.csv"} == before_b
    # a value a.csv still has keeps its first-seen date; a new one is new
    kept = next(v for k, v in after.items() if v.source == "a.csv" and v.value == "1971")
    old = next(v for k, v in before_a.items() if v.value == "1971" and k[0] == ivan_id)
    assert kept.first_seen == old.first_seen
    assert kept.last_seen > old.last_seen
    renamed = next(v for v in after.values() if v.value == "Ivan Petroff")
    assert renamed.first_seen > old.first_seen
    # the index follows
    assert not [h for h in workspace.search("Maria Ivanova") if h.entity_id == maria_id]
    assert [h.entity_id for h in workspace.search("Ivan Petroff")][:1] == [ivan_id]
    info = {d.name: d for d in workspace.datasets()}[DATASET]
    assert info.sources == ["a.csv", "b.csv"]
    assert info.entities == 2


def test_datasets_list_and_drop(workspace: Workspace, tmp_path: Path, helpers: Any) -> None:
    quick = {"schema": "Person", "maps": ["name=name"], "keys": ["id"]}
    one = helpers.write_csv(tmp_path / "one.csv", ["id", "name"], [["1", "Ivan Petrov"]])
    two = helpers.write_csv(
        tmp_path / "two.csv", ["id", "name"], [["1", "Maria Ivanova"], ["2", "Oleg Sidorov"]]
    )
    workspace.ingest(one, "alpha", **quick)
    workspace.ingest(two, "beta", **quick)
    infos = workspace.datasets()
    assert [(d.name, d.entities, d.statements, d.sources) for d in infos] == [
        ("alpha", 1, 2, ["one.csv"]),
        ("beta", 2, 4, ["two.csv"]),
    ]
    assert all(d.last_ingest is not None for d in infos)
    assert workspace.stats()["statements"] == 6
    assert workspace.search("Maria Ivanova")

    workspace.drop_dataset("beta")
    assert [d.name for d in workspace.datasets()] == ["alpha"]
    stats = workspace.stats()
    assert stats["statements"] == 2
    assert stats["entities"] == 1
    assert stats["indexed"] == 1
    assert workspace.search("Maria Ivanova") == []
    assert workspace.search("Oleg Sidorov") == []
    assert [h.caption for h in workspace.search("Ivan Petrov")] == ["Ivan Petrov"]
    assert list(workspace.entities("beta")) == []

    with pytest.raises(DatasetNotFound) as exc:
        workspace.drop_dataset("beta")
    assert str(exc.value) == "no dataset named 'beta' (see `threadline datasets`)"


def test_provenance_lines_with_a_multiline_cell(workspace: Workspace, tmp_path: Path) -> None:
    """line = the physical line where the row starts (header = line 1)."""
    path = tmp_path / "notes.csv"
    path.write_text(
        "id,name,notes\n"  # 1
        '1,Ivan Petrov,"line one\n'  # 2
        'line two"\n'  # 3
        "2,Maria Ivanova,plain\n"  # 4
        "\n"  # 5 (blank)
        "3,Oleg Sidorov,x\n",  # 6
        "utf-8",
    )
    workspace.ingest(path, "notes", schema="Person", maps=["name=name", "notes=notes"], keys=["id"])
    lines = {}
    for entity in workspace.entities():
        for stmt in entity.statements:
            assert stmt.dataset == "notes"
            assert stmt.source == "notes.csv"
            lines.setdefault(entity.caption, set()).add((stmt.prop, stmt.source_line))
    assert lines["Maria Ivanova"] == {("id", 4), ("name", 4), ("notes", 4)}
    assert lines["Oleg Sidorov"] == {("id", 6), ("name", 6), ("notes", 6)}
    ivan = next(e for e in workspace.entities() if e.caption == "Ivan Petrov")
    assert ivan.proxy.get("notes") == ["line one\nline two"]
    assert lines["Ivan Petrov"] == {("id", 2), ("name", 2), ("notes", 2)}


def test_provenance_of_a_value_seen_in_several_rows(
    workspace: Workspace, tmp_path: Path, helpers: Any
) -> None:
    data = helpers.write_csv(
        tmp_path / "dupes.csv",
        ["id", "name", "dob"],
        [["1", "Ivan Petrov", "1971"], ["2", "Maria", "1980"], ["1", "Ivan Petrov", "1971-03"]],
    )
    workspace.ingest(
        data, "dupes", schema="Person", maps=["name=name", "birthDate=dob"], keys=["id"]
    )
    ivan = next(e for e in workspace.entities() if e.caption == "Ivan Petrov")
    seen = {(s.prop, s.value, s.source_line) for s in ivan.statements if s.prop != "id"}
    assert seen == {
        ("name", "Ivan Petrov", 2),
        ("name", "Ivan Petrov", 4),
        ("birthDate", "1971", 2),
        ("birthDate", "1971-03", 4),
    }
    assert sorted(ivan.proxy.get("birthDate")) == ["1971", "1971-03"]
    # the value as written is kept when cleaning changed it
    data2 = helpers.write_csv(tmp_path / "raw.csv", ["id", "country"], [["9", "Russia"]])
    workspace.ingest(data2, "raw", schema="Person", maps=["nationality=country"], keys=["id"])
    (entity,) = workspace.entities("raw")
    (stmt,) = [s for s in entity.statements if s.prop == "nationality"]
    assert (stmt.value, stmt.original_value, stmt.source_line) == ("ru", "Russia", 2)


def test_search_follows_ingest_and_drop(
    workspace: Workspace, tmp_path: Path, helpers: Any, reference: Any
) -> None:
    data = write_format("csv", tmp_path, helpers)
    assert workspace.search("Ivan Petrov") == []
    workspace.ingest(data, DATASET, reference["mapping"])
    hits = workspace.search("Иван Петров")
    assert hits and hits[0].caption == "Ivan Petrov"
    assert hits[0].datasets == [DATASET]
    assert {h.caption for h in workspace.search("Acme", schema="Company")} == {"Acme Ltd"}
    assert workspace.stats()["indexed"] == workspace.stats()["searchable"]
    workspace.drop_dataset(DATASET)
    assert workspace.search("Ivan Petrov") == []
    assert workspace.search("Acme") == []
    assert workspace.stats()["indexed"] == 0


def test_on_error_skip_writes_rejects(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text(
        "id,name,dob\n"
        "1,Ivan Petrov,1971-03-02\n"
        "2,Maria Ivanova,not a date\n"
        "3,Oleg Sidorov,1990,extra\n"
        "4,Anna Smirnova,1985\n",
        "utf-8",
    )
    report = workspace.ingest(
        path,
        "messy",
        schema="Person",
        maps=["name=name", "birthDate=dob"],
        keys=["id"],
        on_error="skip",
    )
    assert report.records == 4
    assert report.rejected == 2
    assert report.entities == 2
    assert report.rejects_path is not None
    assert report.rejects_path.parent == workspace.path / "rejects"
    rejects = [orjson.loads(line) for line in report.rejects_path.read_bytes().splitlines()]
    assert [(r["line"], r["column"], r["error"]) for r in rejects] == [
        (3, "dob", "'not a date' is not a valid date for Person.birthDate"),
        (4, None, "row has 4 cells but the header has 3 columns"),
    ]
    assert rejects[0]["record"] == {"id": "2", "name": "Maria Ivanova", "dob": "not a date"}
    names = sorted(e.caption for e in workspace.entities())
    assert names == ["Anna Smirnova", "Ivan Petrov"]
    assert workspace.search("Anna Smirnova")


def test_on_error_skip_cli_reports_count(cli: Any, tmp_path: Path) -> None:
    ws_dir = tmp_path / "ws"
    Workspace.init(ws_dir).close()
    path = tmp_path / "messy.csv"
    path.write_text(
        "id,name,dob\n1,Ivan Petrov,1971\n2,Maria Ivanova,not a date\n3,Oleg,1990,x\n", "utf-8"
    )
    args = ["-w", str(ws_dir), "ingest", str(path), "-d", "messy", "--schema", "Person"]
    args += ["--map", "name=name", "--map", "birthDate=dob", "--key", "id", "--on-error", "skip"]
    code, _, err = cli(*args)
    assert code == 0, err
    (rejects,) = (ws_dir / "rejects").iterdir()
    first, second = err.splitlines()
    assert first.startswith("Loaded 3 rows from messy.csv into messy: 1 entities, 3 statements (")
    assert second == f"Skipped 2 bad rows; see {rejects}"
    assert [orjson.loads(line)["line"] for line in rejects.read_bytes().splitlines()] == [3, 4]
    with Workspace.open(ws_dir) as ws:
        assert [e.caption for e in ws.entities()] == ["Ivan Petrov"]

    code, out, _ = cli(*args, "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["records"], report["rejected"], report["entities"]) == (3, 2, 1)
    assert report["rejects_path"].startswith(str(ws_dir / "rejects"))


def test_xlsx_date_cells_give_the_same_dates_as_csv(
    tmp_path: Path, helpers: Any, make_workspace: Callable[[str], Workspace]
) -> None:
    """A real spreadsheet stores dates as date cells, not text. A date cell
    must give the date the sheet shows ("1971-03-02", as the CSV export of the
    same sheet does), not a midnight timestamp ("1971-03-02T00:00:00")."""
    import datetime

    path = tmp_path / "people.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["id", "full_name", "dob"])
    book.active.append([1, "Ivan Petrov", datetime.date(1971, 3, 2)])
    book.active.append([2, "Maria Ivanova", datetime.date(1980, 12, 31)])
    book.save(path)
    csv_path = helpers.write_csv(
        tmp_path / "people.csv",
        ["id", "full_name", "dob"],
        [[1, "Ivan Petrov", "1971-03-02"], [2, "Maria Ivanova", "1980-12-31"]],
    )
    quick = {"schema": "Person", "maps": ["name=full_name", "birthDate=dob"], "keys": ["id"]}
    from_xlsx = make_workspace("xlsx")
    from_xlsx.ingest(path, DATASET, **quick)
    from_csv = make_workspace("csv")
    from_csv.ingest(csv_path, DATASET, **quick)
    dates = sorted(v for e in from_xlsx.entities() for v in e.proxy.get("birthDate"))
    assert dates == ["1971-03-02", "1980-12-31"]
    assert helpers.snapshot(from_xlsx) == helpers.snapshot(from_csv)


def test_drop_keeps_an_entity_shared_with_another_dataset(
    workspace: Workspace, tmp_path: Path
) -> None:
    """FtM entity files carry their own ids, so two datasets can speak of the
    same entity; dropping one leaves the other's values, in store and index."""
    one = tmp_path / "one.ftm.json"
    one.write_text(
        '{"id": "shared-1", "schema": "Person", "properties": {"name": ["Ivan Petrov"]}}\n',
        "utf-8",
    )
    two = tmp_path / "two.ftm.json"
    two.write_text(
        '{"id": "shared-1", "schema": "Person", "properties": {"name": ["Иван Петров"], '
        '"nationality": ["ru"]}}\n'
        '{"id": "only-2", "schema": "Company", "properties": {"name": ["Acme Ltd"]}}\n',
        "utf-8",
    )
    workspace.ingest(one, "alpha")
    workspace.ingest(two, "beta")
    entity = workspace.entity("shared-1")
    assert entity.datasets == ["alpha", "beta"]
    assert set(entity.proxy.get("name")) == {"Ivan Petrov", "Иван Петров"}
    (hit,) = [h for h in workspace.search("Ivan Petrov") if h.entity_id == "shared-1"]
    assert hit.datasets == ["alpha", "beta"]

    workspace.drop_dataset("beta")
    entity = workspace.entity("shared-1")
    assert entity.datasets == ["alpha"]
    assert entity.proxy.get("name") == ["Ivan Petrov"]
    assert entity.proxy.get("nationality") == []
    (hit,) = [h for h in workspace.search("Ivan Petrov") if h.entity_id == "shared-1"]
    assert hit.datasets == ["alpha"]
    assert hit.countries == []
    assert workspace.search("Acme") == []
    assert workspace.stats()["indexed"] == 1
