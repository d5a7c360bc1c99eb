"""The CLI's ingest options for registry exports (delimiter, several values
in a cell, date formats, keeping a row without its bad value) and the export
of resolved entities."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

Cli = Callable[..., tuple[int, str, str]]


def test_quick_mode_options_reach_the_ingest(cli: Cli, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert cli("init", str(ws))[0] == 0
    source = tmp_path / "registry.csv"
    source.write_text(
        "id|name|aliases|born\n1|Ivan Petrov|Vanya;I. Petrov|02.03.1971\n"
        "2|Olena Koval||not a date\n",
        "utf-8",
    )
    code, out, err = cli(
        "-w", str(ws), "ingest", str(source), "-d", "reg", "--schema", "Person",
        "--map", "name=name", "--map", "alias=aliases", "--map", "birthDate=born",
        "--key", "id", "--delimiter", "|", "--split", "alias=;",
        "--date-format", "birthDate=%d.%m.%Y", "--on-error", "drop-value", "--json",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert (report["records"], report["loaded"], report["dropped_values"]) == (2, 2, 1)
    code, out, _ = cli("-w", str(ws), "export")
    entities = [json.loads(line) for line in out.splitlines()]
    people = {e["properties"]["name"][0]: e["properties"] for e in entities}
    assert sorted(people["Ivan Petrov"]["alias"]) == ["I. Petrov", "Vanya"]
    assert people["Ivan Petrov"]["birthDate"] == ["1971-03-02"]
    assert "birthDate" not in people["Olena Koval"]


def test_a_malformed_pair_option_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    cli("init", str(ws))
    source = tmp_path / "a.csv"
    source.write_text("name\nIvan\n", "utf-8")
    code, _, err = cli(
        "-w", str(ws), "ingest", str(source), "-d", "a", "--schema", "Person",
        "--map", "name=name", "--split", "alias",
    )  # fmt: skip
    assert code == 2
    assert "--split takes PROPERTY=VALUE, not 'alias'" in err


def test_export_resolved_writes_one_entity_per_resolved_entity(cli: Cli, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    cli("init", str(ws))
    source = tmp_path / "people.ftm.json"
    people = [
        {"id": "a", "schema": "Person", "properties": {"name": ["Ivan Petrov"]}},
        {"id": "b", "schema": "Person", "properties": {"name": ["Olena Koval"]}},
    ]
    source.write_text("\n".join(json.dumps(p) for p in people), "utf-8")
    assert cli("-w", str(ws), "ingest", str(source), "-d", "leak")[0] == 0
    assert cli("-w", str(ws), "judge", "a", "b", "same")[0] == 0
    code, out, err = cli("-w", str(ws), "export", "--resolved", "ftm")
    assert code == 0, err
    [entity] = [json.loads(line) for line in out.splitlines()]
    assert sorted(entity["referents"]) == ["a", "b"]
    assert sorted(entity["properties"]["name"]) == ["Ivan Petrov", "Olena Koval"]
    code, out, _ = cli("-w", str(ws), "export", "--resolved", "statements")
    assert code == 0 and "Ivan Petrov" in out and entity["id"] in out
