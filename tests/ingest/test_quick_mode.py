"""Quick mode (``--schema/--map``) as a registry export needs it: the
delimiter found by itself, several values in one cell, dates in the
registry's own format, and a mode that keeps a record when one of its values
is bad, counting what it left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from threadline.errors import InputError, MappingError
from threadline.ingest.readers.csv_reader import detect_delimiter
from threadline.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace.init(tmp_path / "ws")
    yield workspace  # type: ignore[misc]
    workspace.close()


def write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


def values(ws: Workspace, prop: str) -> dict[str, list[str]]:
    """name -> the values of ``prop``, for every entity."""
    found = {}
    for entity in ws.entities():
        names = sorted(s.value for s in entity.statements if s.prop == "name")
        found[names[0]] = sorted(s.value for s in entity.statements if s.prop == prop)
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id;name;city\n1;Ivan Petrov;Kyiv\n2;Anna, Maria;Lviv\n", ";"),
        ('id,name,note\n1,Ivan Petrov,"a; b; c"\n2,Anna,x;y\n', ","),
        ("id\tname\n1\tIvan\n", "\t"),
        ("id|name\n1|Ivan\n", "|"),
        ("name\nIvan Petrov\n", ","),  # one column: nothing to tell, the default
    ],
)
def test_the_delimiter_is_detected(tmp_path: Path, text: str, expected: str) -> None:
    assert detect_delimiter(write(tmp_path / "f.csv", text)) == expected


def test_a_semicolon_registry_loads_without_options(ws: Workspace, tmp_path: Path) -> None:
    path = write(
        tmp_path / "registry.csv",
        "id;name;birth\n1;Ivan Petrov;1971-03-02\n2;Олена Коваль;1980-01-01\n",
    )
    report = ws.ingest(path, "reg", schema="Person", maps=["name=name", "birthDate=birth"])
    assert (report.records, report.loaded, report.rejected) == (2, 2, 0)
    assert values(ws, "birthDate") == {
        "Ivan Petrov": ["1971-03-02"],
        "Олена Коваль": ["1980-01-01"],
    }


def test_a_forced_delimiter_wins(ws: Workspace, tmp_path: Path) -> None:
    # detection would pick the comma (two cells a row); the user knows better
    path = write(tmp_path / "odd.csv", "name,x\nPetrov, Ivan,x\n")
    with pytest.raises(InputError, match="row has 3 cells"):
        ws.ingest(path, "d", schema="Person", maps=["name=name"])
    path = write(tmp_path / "odd.csv", "name\nPetrov, Ivan\n")
    ws.ingest(path, "d", schema="Person", maps=["name=name"], delimiter=";")
    assert list(values(ws, "name")) == ["Petrov, Ivan"]
    with pytest.raises(InputError, match="one character"):
        ws.ingest(path, "d", schema="Person", maps=["name=name"], delimiter=";;")


def test_splits_and_date_formats(ws: Workspace, tmp_path: Path) -> None:
    path = write(
        tmp_path / "people.csv",
        "id,name,aliases,born\n1,Ivan Petrov,Vanya; I. Petrov,02.03.1971\n",
    )
    ws.ingest(
        path,
        "reg",
        schema="Person",
        maps=["name=name", "alias=aliases", "birthDate=born"],
        keys=["id"],
        splits={"alias": ";"},
        date_formats={"birthDate": "%d.%m.%Y"},
    )
    assert values(ws, "alias") == {"Ivan Petrov": ["I. Petrov", "Vanya"]}
    assert values(ws, "birthDate") == {"Ivan Petrov": ["1971-03-02"]}


def test_a_split_of_an_unmapped_property_is_an_error(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "people.csv", "id,name\n1,Ivan\n")
    with pytest.raises(MappingError) as info:
        ws.ingest(path, "reg", schema="Person", maps=["name=name"], splits={"alias": ";"})
    assert str(info.value) == (
        "--split alias=;: 'alias' is not mapped by any --map (the mapped properties are name)"
    )
    assert ws.stats()["entities"] == 0


def test_drop_value_keeps_the_record_and_counts_what_it_left_out(
    ws: Workspace, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "people.csv",
        "id,name,born,email\n"
        "1,Ivan Petrov,1971-03-02,ivan@example.org\n"
        "2,Anna Ivanova,not a date,also not an e-mail\n"
        "3,Oleg,1990,\n"
        "4,Ragged,1990,x,extra\n",
    )
    maps = ["name=name", "birthDate=born", "email=email"]
    report = ws.ingest(path, "reg", schema="Person", maps=maps, keys=["id"], on_error="drop-value")
    # the ragged row cannot be read, so it is left out whole
    assert (report.records, report.loaded, report.rejected, report.dropped_values) == (4, 3, 1, 2)
    assert values(ws, "birthDate") == {
        "Anna Ivanova": [],
        "Ivan Petrov": ["1971-03-02"],
        "Oleg": ["1990"],
    }
    assert report.rejects_path is not None
    logged = [json.loads(line) for line in report.rejects_path.read_text().splitlines()]
    assert [(e["line"], e["column"], e["action"]) for e in logged] == [
        (3, "born", "value dropped"),
        (3, "email", "value dropped"),
        (5, None, "record rejected"),
    ]
    assert report.to_dict()["loaded"] == 3


def test_skip_counts_loaded_and_rejected_records(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "people.csv", "id,name,born\n1,Ivan,1971\n2,Anna,never\n")
    report = ws.ingest(
        path, "reg", schema="Person", maps=["name=name", "birthDate=born"], on_error="skip"
    )
    assert (report.records, report.loaded, report.rejected, report.dropped_values) == (2, 1, 1, 0)
    with pytest.raises(InputError, match="must be one of"):
        ws.ingest(path, "reg", schema="Person", maps=["name=name"], on_error="ignore")  # type: ignore[arg-type]
