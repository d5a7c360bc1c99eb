"""Our mapping engine (``threadline.ingest.mapping``) must give exactly the
entities ``ftm map -d DATASET`` gives on the same file: same ids, same schema,
same set of values for every property.

One difference is by design: in the default mode we *reject* a row holding a
value FtM cannot clean for its property type, where ``ftm map`` silently drops
the value. The property test ingests with ``on_error="skip"``, checks that
exactly the rows holding such values were rejected, and compares with FtM on
the rows that were kept.
"""

from __future__ import annotations

import copy
import csv
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import yaml
from followthemoney.util import sanitize_text
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from threadline.workspace import Workspace

DATASET = "eqv"

COLUMNS = [
    "pid",
    "name",
    "first",
    "last",
    "aliases",
    "dob",
    "dob_de",
    "country",
    "company",
    "company_country",
    "role",
    "start",
    "status",
    "pct",
    "notes",
]

#: values FtM cannot clean for the (typed) columns they are put into
BAD_DATE = "not a date"
BAD_DATE_DE = "31.02.1971"
BAD_COUNTRY = "Atlantis"
INVALID = {BAD_DATE, BAD_DATE_DE, BAD_COUNTRY}
#: the typed columns: every property mapping that reads them is of a
#: date or country type
TYPED_COLUMNS = {"dob", "dob_de", "country", "company_country", "start"}

LETTERS = "abcdefxyzABCXYZабвгдежзийклмнопрстуфхцчшщыьэюяАБВЁЖИЯéüßøñÖ0123456789"
ALPHABET = LETTERS + "   -.'&,\"/"

COUNTRIES = [
    "ru",
    "RU",
    "Russia",
    "Russian Federation",
    "Germany",
    "de",
    "Deutschland",
    "UK",
    "gb",
    "Україна",
    "Ukraine",
    "France",
    "fr",
    "us",
]

spaces = st.sampled_from(["", "", "", " ", "  "])


def padded(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A value with (sometimes) leading spaces, as sloppy exports have."""
    return st.tuples(spaces, values).map(lambda t: t[0] + t[1])


def maybe(values: st.SearchStrategy[str], empty: float = 0.25) -> st.SearchStrategy[str]:
    """Sometimes an empty cell."""
    return st.one_of(st.just(""), values) if empty else values


free_text = st.text(alphabet=ALPHABET, min_size=1, max_size=14)
name_text = st.one_of(
    free_text,
    st.sampled_from(["Ivan Petrov", "Иван Петров", "Мария Иванова", "Jürgen Müller", "O'Brien"]),
)
company_text = st.one_of(
    st.sampled_from(["Acme Ltd", "ООО Ромашка", "Harbour Holdings", "Acme  Ltd", "acme ltd"]),
    free_text,
)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))
iso_date = st.tuples(dates, st.sampled_from(["year", "month", "day"])).map(
    lambda t: {
        "year": t[0].strftime("%Y"),
        "month": t[0].strftime("%Y-%m"),
        "day": t[0].isoformat(),
    }[t[1]]
)
german_date = dates.map(lambda d: d.strftime("%d.%m.%Y"))


def with_bad(values: st.SearchStrategy[str], bad: str) -> st.SearchStrategy[str]:
    """Valid values, and rarely one FtM cannot clean."""
    return st.tuples(st.integers(0, 14), values).map(lambda t: bad if t[0] == 0 else t[1])


row_strategy = st.fixed_dictionaries(
    {
        "pid": st.sampled_from(["1", "2", "3", "4", "007", " 8", ""]),
        "name": maybe(padded(name_text)),
        "first": maybe(padded(name_text)),
        "last": maybe(padded(name_text)),
        "aliases": st.lists(name_text, max_size=3).map(";".join),
        "dob": maybe(padded(with_bad(iso_date, BAD_DATE))),
        "dob_de": maybe(with_bad(german_date, BAD_DATE_DE)),
        "country": maybe(padded(with_bad(st.sampled_from(COUNTRIES), BAD_COUNTRY))),
        "company": maybe(padded(company_text), empty=0.15),
        "company_country": maybe(with_bad(st.sampled_from(COUNTRIES), BAD_COUNTRY)),
        "role": maybe(st.sampled_from(["director", "Директор", "shareholder", " CEO"])),
        "start": maybe(with_bad(iso_date, BAD_DATE)),
        "status": st.sampled_from(["active", "active", "deleted", ""]),
        "pct": maybe(st.sampled_from(["12", "12.5", "100", "0.5", "1,000"])),
        "notes": maybe(st.one_of(free_text, st.just("line one\nline two"), st.just("  x  y "))),
    }
)


@st.composite
def tables(draw: st.DrawFn) -> list[dict[str, str]]:
    rows = draw(st.lists(row_strategy, min_size=1, max_size=10))
    # duplicate rows, as real exports have
    dupes = draw(st.lists(st.integers(0, len(rows) - 1), max_size=3))
    for index in dupes:
        rows.insert(draw(st.integers(0, len(rows))), dict(rows[index]))
    return rows


LINKS = {
    "Ownership": ("owner", "asset"),
    "Directorship": ("director", "organization"),
    "Employment": ("employee", "employer"),
}


@st.composite
def mappings(draw: st.DrawFn) -> dict[str, Any]:
    """A random mapping over COLUMNS: returns {"queries": [...]}."""
    person: dict[str, Any] = {
        "schema": "Person",
        "keys": draw(st.lists(st.sampled_from(["pid", "name", "dob"]), min_size=1, unique=True)),
    }
    literal = draw(st.sampled_from([None, "person"]))
    if literal:
        person["key_literal"] = literal
    props: dict[str, Any] = {}
    props["name"] = draw(
        st.sampled_from(
            [
                {"column": "name"},
                {"columns": ["first", "last"], "join": " "},
                {"template": "{{first}} {{last}}"},
                {"columns": ["name", "first"]},
            ]
        )
    )
    if draw(st.booleans()):
        props["alias"] = {"column": "aliases", "split": ";"}
    birth = draw(
        st.sampled_from(
            [
                None,
                {"column": "dob"},
                {"column": "dob_de", "format": "%d.%m.%Y"},
                {"columns": ["dob", "start"]},
            ]
        )
    )
    if birth:
        props["birthDate"] = birth
    nationality = draw(
        st.sampled_from([None, {"column": "country"}, {"column": "country", "literal": "Germany"}])
    )
    if nationality:
        props["nationality"] = nationality
    if draw(st.booleans()):
        props["topics"] = {"literal": "role.pep"}
    if draw(st.booleans()):
        props["country"] = {"literal": "Russia"}
    if draw(st.booleans()):
        props["notes"] = {"column": "notes"}
    required = draw(st.sampled_from([None, *[p for p in ("name", "birthDate") if p in props]]))
    if required:
        props[required] = {**props[required], "required": True}
    person["properties"] = props

    company: dict[str, Any] = {
        "schema": "Company",
        "keys": draw(st.sampled_from([["company"], ["company", "company_country"]])),
        "key_literal": "company",
        "properties": {"name": {"column": "company"}},
    }
    if draw(st.booleans()):
        company["properties"]["jurisdiction"] = {"column": "company_country"}
    if draw(st.booleans()):
        company["properties"]["name"]["required"] = True

    entities: dict[str, Any] = {"person": person, "company": company}
    link_schema = draw(st.sampled_from([None, *LINKS]))
    if link_schema is not None:
        left, right = LINKS[link_schema]
        link: dict[str, Any] = {
            "schema": link_schema,
            "keys": draw(st.sampled_from([["pid", "company"], ["pid", "company", "role"]])),
            "key_literal": "link",
            "properties": {left: {"entity": "person"}, right: {"entity": "company"}},
        }
        if draw(st.booleans()):
            link["properties"]["role"] = {"column": "role"}
        if draw(st.booleans()):
            link["properties"]["startDate"] = {"column": "start"}
        if link_schema == "Ownership" and draw(st.booleans()):
            link["properties"]["percentage"] = {"column": "pct"}
        if draw(st.booleans()):
            link["properties"][left]["required"] = True
        # dependencies are resolved whatever the order in the YAML
        entities = {"link": link, **entities} if draw(st.booleans()) else {**entities, "link": link}

    query: dict[str, Any] = {"entities": entities}
    flt = draw(
        st.sampled_from(
            [
                None,
                ("filters", {"status": "active"}),
                ("filters_not", {"status": "deleted"}),
                ("filters", {"status": ["active", "deleted"]}),
            ]
        )
    )
    if flt is not None:
        query[flt[0]] = flt[1]
    queries = [query]
    if draw(st.booleans()):
        # a second query whose Company fragments merge with the first's
        queries.append(
            {
                "filters_not": {"status": "deleted"},
                "entities": {
                    "company": {
                        "schema": "Company",
                        "keys": company["keys"],
                        "key_literal": "company",
                        "properties": {
                            "name": {"column": "company"},
                            "country": {"column": "company_country"},
                            "notes": {"template": "{{role}} since {{start}}"},
                        },
                    }
                },
            }
        )
    return {"queries": queries}


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([row[c] for c in COLUMNS])


def _record(row: dict[str, str]) -> dict[str, str]:
    """A row as ``ftm map`` sees it: leading spaces skipped, cells sanitised,
    empty cells absent."""
    out = {}
    for key, value in row.items():
        text = sanitize_text(value.lstrip(" "))
        if text is not None:
            out[key] = text
    return out


def _passes(query: dict[str, Any], record: dict[str, str]) -> bool:
    def allowed(value: Any) -> set[Any]:
        return set(value) if isinstance(value, list) else {value}

    for key, value in (query.get("filters") or {}).items():
        if record.get(key) not in allowed(value):
            return False
    return all(
        record.get(key) not in allowed(value)
        for key, value in (query.get("filters_not") or {}).items()
    )


def _columns_read(query: dict[str, Any]) -> set[str]:
    """Columns read by the (non-entity) property mappings of a query."""
    cols: set[str] = set()
    for spec in query["entities"].values():
        for prop in spec.get("properties", {}).values():
            if "column" in prop:
                cols.add(prop["column"])
            cols.update(prop.get("columns", []))
    return cols


def _expect_rejected(mapping: dict[str, Any], record: dict[str, str]) -> bool:
    for query in mapping["queries"]:
        if not _passes(query, record):
            continue
        for column in _columns_read(query) & TYPED_COLUMNS:
            if record.get(column) in INVALID:
                return True
    return False


def check_equivalence(
    rows: list[dict[str, str]], mapping: dict[str, Any], root: Path, helpers: Any
) -> None:
    data = root / "table.csv"
    _write(data, rows)
    mapping_file = root / "mapping.yml"
    queries = copy.deepcopy(mapping["queries"])
    for q in queries:
        q["csv_url"] = "table.csv"
    mapping_file.write_text(
        yaml.safe_dump({DATASET: {"queries": queries}}, allow_unicode=True), encoding="utf-8"
    )

    with Workspace.init(root / "ws") as ws:
        report = ws.ingest(data, DATASET, mapping_file, on_error="skip")
        ours = helpers.snapshot(ws, DATASET)

    records = [_record(r) for r in rows]
    expected_rejects = [r for r in records if _expect_rejected(mapping, r)]
    rejected: list[dict[str, str]] = []
    if report.rejects_path is not None:
        for line in report.rejects_path.read_bytes().splitlines():
            rejected.append(orjson.loads(line)["record"])
    key = lambda r: sorted(r.items())  # noqa: E731
    assert sorted(rejected, key=key) == sorted(expected_rejects, key=key)
    assert report.rejected == len(expected_rejects)
    assert report.records == len(rows)

    kept = [row for row, rec in zip(rows, records, strict=True) if rec not in expected_rejects]
    ftm_data = root / "kept.csv"
    _write(ftm_data, kept)
    theirs = helpers.ftm_map(mapping_file, ftm_data, DATASET)
    event(f"rejected rows: {min(report.rejected, 2)}{'+' if report.rejected > 2 else ''}")
    event(f"entities: {'0' if not ours else '1-5' if len(ours) <= 5 else '6+'}")
    event(f"schemata: {sorted({schema for schema, _ in ours.values()})}")
    assert sorted(ours) == sorted(theirs), "entity ids differ"
    for eid in ours:
        assert ours[eid] == theirs[eid], eid


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rows=tables(), mapping=mappings())
def test_mapping_matches_ftm_map(
    helpers: Any, rows: list[dict[str, str]], mapping: dict[str, Any]
) -> None:
    root = Path(tempfile.mkdtemp(prefix="tl-eqv-"))
    try:
        check_equivalence(rows, mapping, root, helpers)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_fixed_table_matches_ftm_map_cli(tmp_path: Path, helpers: Any) -> None:
    """The real ``ftm map`` command, as a subprocess, on a small fixed table."""
    data = helpers.write_csv(
        tmp_path / "people.csv",
        ["id", "name", "dob", "country", "company", "role"],
        [
            ["1", "Ivan Petrov", "1971-03-02", "ru", "Acme Ltd", "director"],
            ["2", " Мария Иванова", "1980", "Russia", "Acme Ltd", "Директор"],
            ["3", "Jürgen Müller", "1965-07", "Germany", "Harbour Holdings", ""],
            ["3", "Jürgen Müller", "1965-07", "Germany", "Harbour Holdings", ""],
            ["", "No Key", "", "", "", ""],
        ],
    )
    mapping = helpers.write_mapping(
        tmp_path / "mapping.yml",
        {
            "person": {
                "schema": "Person",
                "keys": ["id"],
                "properties": {
                    "name": {"column": "name"},
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
                "properties": {
                    "director": {"entity": "person"},
                    "organization": {"entity": "company"},
                    "role": {"column": "role"},
                },
            },
        },
        dataset="registry",
        csv_url=str(data),
    )
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ftm"), "map", "-d", "registry", str(mapping)],
        capture_output=True,
        check=True,
        cwd=tmp_path,
    )
    from followthemoney import model

    fragments = [model.get_proxy(orjson.loads(line)) for line in result.stdout.splitlines()]
    theirs = helpers.merge_fragments(fragments)

    with Workspace.init(tmp_path / "ws") as ws:
        ws.ingest(data, "registry", mapping)
        ours = helpers.snapshot(ws)
    # 3 people, 2 companies, 3 directorships; the row without keys maps to nothing
    assert len(theirs) == 8
    assert set(ours) == set(theirs)
    assert ours == theirs


def test_windows_line_breaks_in_cells_match_ftm_map(tmp_path: Path, helpers: Any) -> None:
    """Spreadsheet programs write line breaks inside cells as CRLF (and old
    Macs as CR). ``ftm map`` reads the file in text mode with universal
    newlines, so it sees "\\n" in those cells; keys built from such a cell, and
    text values, must come out the same here."""
    data = tmp_path / "addresses.csv"
    with open(data, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["address", "notes"])
        writer.writerow(["1 Main St\r\nSpringfield", "first line\r\nsecond line"])
        writer.writerow(["Flat 2\rHigh St", "a\rb"])
    mapping = helpers.write_mapping(
        tmp_path / "mapping.yml",
        {
            "person": {
                "schema": "Person",
                "keys": ["address"],
                "properties": {
                    "name": {"column": "address"},
                    "address": {"column": "address"},
                    "notes": {"column": "notes"},
                },
            }
        },
        dataset=DATASET,
        csv_url=str(data),
    )
    with Workspace.init(tmp_path / "ws") as ws:
        ws.ingest(data, DATASET, mapping)
        ours = helpers.snapshot(ws)
    theirs = helpers.ftm_map(mapping, data, DATASET)
    assert {v[1]["notes"] for v in theirs.values()} == {
        frozenset({"first line\nsecond line"}),
        frozenset({"a\nb"}),
    }
    assert ours == theirs
