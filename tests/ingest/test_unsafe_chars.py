"""Control characters and bidirectional overrides in values are refused with
their place, never dropped quietly nor stored to be shown as they are;
``drop-value`` keeps the record without the value and counts it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from threadline.errors import InputError
from threadline.workspace import Workspace

RLO = "\u202e"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.init(tmp_path / "ws")
    yield workspace
    workspace.close()


def names(ws: Workspace) -> list[str]:
    return sorted(s.value for e in ws.entities() for s in e.statements if s.prop == "name")


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (f"Ivan {RLO}vorteP", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("Ivan\x00Petrov", "U+0000"),
        ("Ivan\x1b[31mPetrov", "U+001B"),
    ],
)
def test_a_table_value_with_an_unsafe_character_is_refused_with_its_place(
    ws: Workspace, tmp_path: Path, value: str, named: str
) -> None:
    ws.ingest(_csv(tmp_path / "first.csv", ["Anna Koval"]), "first", schema="Person",
              maps=["name=name"])  # fmt: skip
    path = _csv(tmp_path / "people.csv", ["Olena Koval", value])
    with pytest.raises(InputError) as caught:
        ws.ingest(path, "people", schema="Person", maps=["name=name"])
    message = str(caught.value)
    assert named in message
    assert "people.csv" in message and "line 3" in message and "name" in message
    assert "drop-value" in message
    # nothing of the refused file is stored; what was there stays
    assert names(ws) == ["Anna Koval"]


def test_drop_value_keeps_the_record_and_counts_the_value(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(f"id,name,city\n1,Olena Koval,Kyiv\n2,Ivan {RLO}vorteP,Lviv\n", "utf-8")
    report = ws.ingest(
        path, "people", schema="Person", maps=["name=name", "address=city"], keys=["id"],
        on_error="drop-value",
    )  # fmt: skip
    assert (report.loaded, report.dropped_values) == (2, 1)
    assert names(ws) == ["Olena Koval"]
    addresses = sorted(s.value for e in ws.entities() for s in e.statements if s.prop == "address")
    assert addresses == ["Kyiv", "Lviv"]


def test_an_ftm_entity_with_a_nul_in_a_name_is_refused(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "e.ftm.json"
    entity = {"id": "p1", "schema": "Person", "properties": {"name": ["Ivan\x00Petrov"]}}
    path.write_text(json.dumps(entity) + "\n", "utf-8")
    with pytest.raises(InputError) as caught:
        ws.ingest(path, "leak")
    assert "U+0000" in str(caught.value) and "line 1" in str(caught.value)
    assert names(ws) == []


def test_direction_marks_used_by_right_to_left_scripts_are_not_refused(
    ws: Workspace, tmp_path: Path
) -> None:
    written = "\u200fشركة النور"
    ws.ingest(_csv(tmp_path / "a.csv", [written]), "a", schema="Company", maps=["name=name"])
    # loaded, not refused (FtM's cleaning drops the mark, as `ftm map` does)
    assert names(ws) == ["شركة النور"]


def _csv(path: Path, values: list[str]) -> Path:
    path.write_text("name\n" + "".join(f"{v}\n" for v in values), "utf-8")
    return path
