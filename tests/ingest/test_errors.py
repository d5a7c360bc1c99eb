"""Every bad input stops the ingest with a message naming the file, line and
column and what to do, and leaves the workspace exactly as it was.

Each test starts from a workspace holding a small dataset ``base`` loaded from
a file named ``people.csv``; where it can, the bad file is *also* named
``people.csv`` and goes into ``base``, so a failed re-ingest of a source must
leave that source's earlier data intact too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from threadline.errors import InputError, MappingError, RejectedValue, ThreadlineError
from threadline.workspace import Workspace

QUICK: dict[str, Any] = {"schema": "Person", "maps": ["name=name", "birthDate=dob"], "keys": ["id"]}
GOOD_ROWS = [["1", "Ivan Petrov", "1971-03-02"], ["2", "Maria Ivanova", "1980"]]


@dataclass
class Seeded:
    ws: Workspace
    bad: Path  # a directory for bad files
    state: Any

    def current(self) -> Any:
        return _state(self.ws)


def _state(ws: Workspace) -> Any:
    stats = ws.stats()
    stats.pop("workspace")
    entities = {
        e.id: sorted((s.prop, s.value, s.source, s.source_line, s.first_seen) for s in e.statements)
        for e in ws.entities()
    }
    datasets = [(d.name, d.entities, d.statements, d.sources) for d in ws.datasets()]
    hits = [h.entity_id for h in ws.search("Ivan Petrov")]
    return stats, entities, datasets, hits


@pytest.fixture
def seeded(tmp_path: Path, helpers: Any) -> Iterator[Seeded]:
    seed = tmp_path / "seed"
    seed.mkdir()
    bad = tmp_path / "bad"
    bad.mkdir()
    data = helpers.write_csv(seed / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    ws = Workspace.init(tmp_path / "ws")
    ws.ingest(data, "base", **QUICK)
    seeded = Seeded(ws, bad, _state(ws))
    assert seeded.state[0]["entities"] == 2
    yield seeded
    ws.close()


def fails(seeded: Seeded, path: Path, dataset: str = "base", **kwargs: Any) -> ThreadlineError:
    """Ingest that must fail and change nothing; returns the error."""
    with pytest.raises(ThreadlineError) as info:
        seeded.ws.ingest(path, dataset, **kwargs)
    assert seeded.current() == seeded.state
    assert not (seeded.ws.path / "rejects").exists()
    error = info.value
    if isinstance(error, InputError):
        assert str(error) == error.message
    return error


def write_mapping(seeded: Seeded, helpers: Any, entities: dict[str, Any]) -> Path:
    return helpers.write_mapping(seeded.bad / "mapping.yml", entities, dataset="base")


# -- reading files -------------------------------------------------------------


def test_bad_encoding_names_the_line(seeded: Seeded) -> None:
    path = seeded.bad / "people.csv"
    path.write_bytes(b"id,name,dob\n1,Ivan Petrov,1971\n2,Jos\xe9 Garc\xeda,1980\n3,Oleg,1990\n")
    error = fails(seeded, path, **QUICK)
    assert str(error) == (
        f"{path}, line 3: cannot decode bytes as utf-8 (invalid continuation byte) "
        "(re-save the file as UTF-8, or pass --encoding (e.g. --encoding latin-1))"
    )


def test_bad_encoding_deep_in_a_large_file_names_the_line(seeded: Seeded) -> None:
    """The text reader decodes in chunks; the line must still be the right one."""
    path = seeded.bad / "people.csv"
    lines = [b"id,name,dob"] + [f"{i},Person {i},1970".encode() for i in range(1, 5000)]
    lines[3000] = b"3000,Jos\xe9,1970"  # physical line 3001
    path.write_bytes(b"\n".join(lines) + b"\n")
    error = fails(seeded, path, **QUICK)
    assert isinstance(error, InputError)
    assert error.location is not None
    assert error.location.line == 3001, str(error)


def test_bad_encoding_is_readable_with_the_right_encoding(seeded: Seeded) -> None:
    path = seeded.bad / "latin.csv"
    path.write_bytes(b"id,name,dob\n7,Jos\xe9 Garc\xeda,1980\n")
    seeded.ws.ingest(path, "latin", encoding="latin-1", **QUICK)
    (entity,) = seeded.ws.entities("latin")
    assert entity.caption == "José García"


def test_malformed_json_line_in_ftm_entities(seeded: Seeded) -> None:
    path = seeded.bad / "people.ftm.json"
    path.write_text(
        '{"id": "a1", "schema": "Person", "properties": {"name": ["Ivan"]}}\n'
        '{"id": "a2", "schema": "Person",\n'
        '{"id": "a3", "schema": "Person", "properties": {"name": ["Oleg"]}}\n',
        "utf-8",
    )
    error = fails(seeded, path)
    assert str(error) == (
        f"{path}, line 2: malformed JSON (unexpected end of data: line 2 column 1 (char 33)) "
        "(each line must be one FtM entity object)"
    )


def test_ragged_csv_row(seeded: Seeded) -> None:
    path = seeded.bad / "people.csv"
    path.write_text("id,name,dob\n1,Ivan Petrov,1971\n2,Petrov, Ivan,1971\n", "utf-8")
    error = fails(seeded, path, **QUICK)
    assert str(error) == (
        f"{path}, line 3: row has 4 cells but the header has 3 columns "
        "(check for an unquoted delimiter or a missing quote)"
    )


def test_value_ftm_rejects_names_line_and_column(seeded: Seeded) -> None:
    path = seeded.bad / "people.csv"
    path.write_text("id,name,dob\n1,Ivan Petrov,1971\n2,Maria Ivanova,not a date\n", "utf-8")
    error = fails(seeded, path, **QUICK)
    assert isinstance(error, RejectedValue)
    assert str(error) == (
        f"{path}, line 3, column 'dob': 'not a date' is not a valid date for Person.birthDate "
        "(fix the value, add a `format:` to the mapping, or use --on-error skip)"
    )


def test_free_text_that_cleans_to_nothing_is_empty_not_invalid(seeded: Seeded) -> None:
    """A name of only quotes is an empty cell written oddly: FtM drops it and
    so do we, keeping the row (a date that is not a date is still refused)."""
    path = seeded.bad / "people.csv"
    path.write_text("id,name,dob\n1,Ivan Petrov,1971\n2,'',1980\n", "utf-8")
    report = seeded.ws.ingest(path, "quoted", **QUICK)
    assert report.rejected == 0
    assert sorted(e.proxy.get("birthDate")[0] for e in seeded.ws.entities("quoted")) == [
        "1971",
        "1980",
    ]


def test_rejected_value_after_many_batches_rolls_everything_back(
    seeded: Seeded, helpers: Any
) -> None:
    """The bad row comes after more than one batch has gone into the store's
    transaction; none of it may remain."""
    rows = [[str(i), f"Person {i}", "1970"] for i in range(30_000)]
    rows.append(["x", "Bad Date", "31.02.1971"])
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], rows)
    error = fails(seeded, path, **QUICK)
    assert str(error).startswith(f"{path}, line 30002, column 'dob': '31.02.1971' is not a valid")


def test_unknown_schema_in_ftm_entity_line(seeded: Seeded) -> None:
    path = seeded.bad / "people.ftm.json"
    path.write_text(
        '{"id": "a1", "schema": "Person", "properties": {"name": ["Ivan"]}}\n'
        '{"id": "a2", "schema": "Persn", "properties": {"name": ["Oleg"]}}\n',
        "utf-8",
    )
    error = fails(seeded, path)
    assert str(error) == (
        f"{path}, line 2, column 'schema': unknown schema 'Persn' "
        "(did you mean 'Person' or 'Pages'?)"
    )


def test_unknown_property_in_ftm_entity_line(seeded: Seeded) -> None:
    path = seeded.bad / "people.ftm.json"
    path.write_text('{"id": "a1", "schema": "Person", "properties": {"nme": ["Ivan"]}}\n', "utf-8")
    error = fails(seeded, path)
    assert str(error) == (
        f"{path}, line 1, column 'nme': schema Person has no property 'nme' (did you mean 'name'?)"
    )


def test_unknown_schema_in_ftm_statements(seeded: Seeded) -> None:
    path = seeded.bad / "statements.csv"
    path.write_text("entity_id,prop,schema,value\na1,name,Person,Ivan\na1,name,Persn,I\n", "utf-8")
    error = fails(seeded, path)
    assert str(error) == (
        f"{path}, line 3, column 'schema': unknown schema 'Persn' "
        "(did you mean 'Person' or 'Pages'?)"
    )


def test_empty_csv(seeded: Seeded) -> None:
    path = seeded.bad / "people.csv"
    path.write_text("", "utf-8")
    error = fails(seeded, path, **QUICK)
    assert str(error) == f"{path}, line 1: the file is empty: no header row"


# -- mappings -------------------------------------------------------------------


def test_unknown_schema_in_mapping(seeded: Seeded, helpers: Any) -> None:
    mapping = write_mapping(
        seeded,
        helpers,
        {"p": {"schema": "Persn", "keys": ["id"], "properties": {"name": {"column": "name"}}}},
    )
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path, mapping=mapping)
    assert isinstance(error, MappingError)
    assert str(error) == (
        f"{mapping}: entity 'p': unknown schema 'Persn' (did you mean 'Person' or 'Pages'?)"
    )


def test_unknown_schema_in_quick_mode(seeded: Seeded, helpers: Any) -> None:
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path, schema="Compnay", maps=["name=name"])
    assert str(error) == (
        "--schema/--map: entity 'entity': unknown schema 'Compnay' (did you mean 'Company'?)"
    )


def test_unknown_property_in_mapping(seeded: Seeded, helpers: Any) -> None:
    mapping = write_mapping(
        seeded,
        helpers,
        {
            "p": {
                "schema": "Person",
                "keys": ["id"],
                "properties": {"name": {"column": "name"}, "birthdate": {"column": "dob"}},
            }
        },
    )
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path, mapping=mapping)
    assert isinstance(error, MappingError)
    assert str(error) == (
        f"{mapping}: entity 'p': schema Person has no property 'birthdate' "
        "(did you mean 'birthDate' or 'birthPlace'?)"
    )


def test_mapping_misspelt_key_names_it_and_its_place(seeded: Seeded, helpers: Any) -> None:
    """FtM ignores an unknown key: ``propertes:`` loaded entities without
    names, exit 0. Here it is an error with the nearest valid key."""
    mapping = write_mapping(
        seeded,
        helpers,
        {"p": {"schema": "Person", "keys": ["id"], "propertes": {"name": {"column": "name"}}}},
    )
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path, mapping=mapping)
    assert isinstance(error, MappingError)
    assert str(error) == (
        f"{mapping}: dataset 'base', query 1, entity 'p': unknown key 'propertes' "
        "(did you mean 'properties'?)"
    )


def test_mapping_filters_at_entity_level_is_misplaced(seeded: Seeded, helpers: Any) -> None:
    """``filters:`` beside ``schema:`` is never read by FtM: every row would
    become an entity of that schema."""
    mapping = write_mapping(
        seeded,
        helpers,
        {
            "p": {
                "schema": "Person",
                "keys": ["id"],
                "filters": {"dob": "1980"},
                "properties": {"name": {"column": "name"}},
            }
        },
    )
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path, mapping=mapping)
    assert str(error) == (
        f"{mapping}: dataset 'base', query 1, entity 'p': 'filters' is misplaced "
        "('filters' is read at query level, beside 'entities:')"
    )


def test_mapping_unknown_property_option(seeded: Seeded, helpers: Any) -> None:
    mapping = write_mapping(
        seeded,
        helpers,
        {"p": {"schema": "Person", "keys": ["id"], "properties": {"name": {"colum": "name"}}}},
    )
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path, mapping=mapping)
    assert str(error) == (
        f"{mapping}: dataset 'base', query 1, entity 'p', property 'name': unknown key "
        "'colum' (did you mean 'column' or 'columns'?)"
    )


def test_mapping_that_is_not_yaml_says_where_without_echoing_paths(
    seeded: Seeded, helpers: Any
) -> None:
    mapping = seeded.bad / "mapping.yml"
    mapping.write_text("base:\n  queries: [\n    {entities: }\n  oops\n", "utf-8")
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path, mapping=mapping)
    message = str(error)
    assert message.startswith(f"{mapping}, line 4: invalid YAML: ")
    assert "(column " in message
    assert message.count(str(mapping)) == 1  # the location, never again inside the text


def test_mapping_that_contains_itself_is_refused(seeded: Seeded, helpers: Any) -> None:
    mapping = seeded.bad / "mapping.yml"
    mapping.write_text(
        "base:\n  queries:\n    - &q\n      entities:\n        p:\n          schema: Person\n"
        "          keys: [id]\n          properties: {name: {column: name}}\n      loop: *q\n",
        "utf-8",
    )
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path, mapping=mapping)
    assert str(error) == (
        f"{mapping}: the mapping contains itself through a YAML alias (&name ... *name)"
    )


def test_mapping_of_exploding_aliases_is_refused(seeded: Seeded, helpers: Any) -> None:
    """Nine lines of nested aliases that would expand to 10^9 values."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    lines.append("base: {queries: [{entities: {}}], label: *a8}")
    mapping = seeded.bad / "mapping.yml"
    mapping.write_text("\n".join(lines) + "\n", "utf-8")
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path, mapping=mapping)
    assert str(error) == (
        f"{mapping}: the mapping expands to more than 100,000 values (YAML aliases (*name) "
        "that nest other aliases multiply; write the values out)"
    )


def test_mapping_column_missing_from_header(seeded: Seeded, helpers: Any) -> None:
    mapping = write_mapping(
        seeded,
        helpers,
        {
            "p": {
                "schema": "Person",
                "keys": ["id"],
                "properties": {"name": {"column": "full_name"}},
            }
        },
    )
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path, mapping=mapping)
    assert isinstance(error, MappingError)
    assert str(error) == (
        f"{path}, line 1, column 'full_name': column 'full_name' used by {mapping} is not in "
        "the header of people.csv (the columns are: id, name, dob)"
    )


def test_file_without_mapping_that_is_not_ftm(seeded: Seeded, helpers: Any) -> None:
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path)
    assert str(error) == (
        f"{path}: this file is not FtM data, so Threadline needs to know how to map it "
        "(pass --mapping FILE (an `ftm map` YAML) or --schema SCHEMA --map prop=column ...)"
    )


# -- arguments --------------------------------------------------------------------


def test_missing_file(seeded: Seeded) -> None:
    path = seeded.bad / "nowhere.csv"
    error = fails(seeded, path, **QUICK)
    assert str(error) == f"{path}: file not found"


@pytest.mark.parametrize("name", ["bad name", "", "-leading-dash", "a/b", "x" * 101])
def test_invalid_dataset_name(seeded: Seeded, helpers: Any, name: str) -> None:
    path = helpers.write_csv(seeded.bad / "people.csv", ["id", "name", "dob"], GOOD_ROWS)
    error = fails(seeded, path, dataset=name, **QUICK)
    assert str(error) == (
        f"invalid dataset name {name!r} "
        "(use letters, digits, '_', '-' or '.', starting with a letter or digit)"
    )


def test_xlsx_bad_sheet_name(seeded: Seeded) -> None:
    path = seeded.bad / "people.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "People"
    book.active.append(["id", "name", "dob"])
    book.active.append(["1", "Ivan Petrov", "1971"])
    book.create_sheet("Companies")
    book.save(path)
    error = fails(seeded, path, sheet="Peple", **QUICK)
    assert str(error) == f"{path}: no sheet named 'Peple' (sheets are: People, Companies)"


# -- the command line -------------------------------------------------------------


@pytest.fixture
def cli_ws(tmp_path: Path) -> Path:
    """An empty workspace (made in process: every CLI start costs seconds)."""
    ws_dir = tmp_path / "cli-ws"
    Workspace.init(ws_dir).close()
    return ws_dir


def test_cli_ragged_row(cli: Any, cli_ws: Path, tmp_path: Path, helpers: Any) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,name\n1,Ivan Petrov\n2,Petrov, Ivan\n", "utf-8")
    code, out, err = cli(
        "-w", str(cli_ws), "ingest", str(path), "-d", "people", "--schema", "Person",
        "--map", "name=name",
    )  # fmt: skip
    assert code == 2
    assert out == ""
    assert err == (
        f"Error: {path}, line 3: row has 3 cells but the header has 2 columns "
        "(check for an unquoted delimiter or a missing quote)\n"
    )
    with Workspace.open(cli_ws) as ws:
        assert ws.stats()["statements"] == 0
        assert ws.datasets() == []


def test_cli_unknown_schema_in_mapping(
    cli: Any, cli_ws: Path, tmp_path: Path, helpers: Any
) -> None:
    path = helpers.write_csv(tmp_path / "people.csv", ["id", "name"], [["1", "Ivan"]])
    mapping = helpers.write_mapping(
        tmp_path / "m.yml",
        {"p": {"schema": "Persn", "keys": ["id"], "properties": {"name": {"column": "name"}}}},
    )
    code, _, err = cli("-w", str(cli_ws), "ingest", str(path), "-d", "people", "-m", str(mapping))
    assert code == 2
    assert err == (
        f"Error: {mapping}: entity 'p': unknown schema 'Persn' "
        "(did you mean 'Person' or 'Pages'?)\n"
    )


def test_cli_bad_value_and_missing_file(cli: Any, cli_ws: Path, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,name,dob\n1,Ivan Petrov,not a date\n", "utf-8")
    args = ["--schema", "Person", "--map", "name=name", "--map", "birthDate=dob"]
    code, _, err = cli("-w", str(cli_ws), "ingest", str(path), "-d", "people", *args)
    assert code == 2
    assert err == (
        f"Error: {path}, line 2, column 'dob': 'not a date' is not a valid date for "
        "Person.birthDate (fix the value, add a `format:` to the mapping, or use "
        "--on-error skip)\n"
    )
    missing = tmp_path / "missing.csv"
    code, _, err = cli("-w", str(cli_ws), "ingest", str(missing), "-d", "people", *args)
    assert (code, err) == (2, f"Error: {missing}: file not found\n")


def test_cli_workspace_and_dataset_not_found(cli: Any, cli_ws: Path, tmp_path: Path) -> None:
    code, _, err = cli("-w", str(tmp_path / "nope"), "stats")
    assert code == 3
    assert err == (
        f"Error: {tmp_path / 'nope'} is not a Threadline workspace (no threadline.toml); "
        "create one with `threadline init DIR`\n"
    )
    code, _, err = cli("-w", str(cli_ws), "datasets", "drop", "ghost")
    assert code == 4
    assert err == "Error: no dataset named 'ghost' (see `threadline datasets`)\n"


def test_cli_error_is_one_line_when_piped(cli_ws: Path, tmp_path: Path, helpers: Any) -> None:
    """The real command, off a terminal (a log file, a pipe): exit code 2 and
    the message on one line, whatever its length, so that grep and log tools
    see all of it (``main()`` promises "a one-line message on stderr")."""
    path = tmp_path / "a-rather-long-directory-name-for-the-input" / "people.csv"
    path.parent.mkdir()
    path.write_text("id,name\n1,Ivan Petrov\n2,Petrov, Ivan\n", "utf-8")
    result = helpers.run_cli(
        "-w", str(cli_ws), "ingest", str(path), "-d", "people", "--schema", "Person",
        "--map", "name=name",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {path}, line 3: row has 3 cells but the header has 2 columns "
        "(check for an unquoted delimiter or a missing quote)\n"
    )


def test_entity_referring_to_itself_is_rejected_with_a_hint(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Keys that coincide give a link the id of its own endpoint; `ftm map`
    aborts on such a row, we name it and say how to fix the mapping."""
    data = tmp_path / "people.csv"
    data.write_text("id,company\n1,Acme\n2,\n", "utf-8")
    mapping = tmp_path / "self.yml"
    mapping.write_text(
        "q:\n  queries:\n    - csv_url: people.csv\n      entities:\n"
        "        person:\n          schema: Person\n          keys: [id]\n"
        "          properties:\n            name: {column: id}\n"
        "        link:\n          schema: UnknownLink\n          keys: [id, company]\n"
        "          properties:\n            subject: {entity: person}\n",
        "utf-8",
    )
    with pytest.raises(RejectedValue) as info:
        workspace.ingest(data, "people", mapping)
    assert str(info.value) == (
        f"{data}, line 3: entity 'link' gets the same id as the entity its 'subject' refers "
        "to, so it would point at itself (give one of them a `key_literal:` or more `keys:`)"
    )
    report = workspace.ingest(data, "people", mapping, on_error="skip")
    assert report.rejected == 1


def test_bad_line_in_ftm_statements_is_skippable(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "stmts.jsonl"
    good = (
        '{"entity_id": "p1", "schema": "Person", "prop": "name", "value": "Ivan Petrov", '
        '"dataset": "x"}\n'
    )
    path.write_text(good + "{not json\n", "utf-8")
    with pytest.raises(InputError) as info:
        workspace.ingest(path, "stmts")
    assert str(info.value).startswith(f"{path}, line 2: malformed JSON")
    assert workspace.stats()["statements"] == 0
    report = workspace.ingest(path, "stmts", on_error="skip")
    assert (report.statements, report.rejected) == (1, 1)
    assert workspace.entity("p1").caption == "Ivan Petrov"
