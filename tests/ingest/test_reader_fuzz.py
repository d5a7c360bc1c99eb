"""Every table reader, fed arbitrary bytes shaped like its format, either
loads or refuses with a Threadline error naming the file: never a traceback
of another kind, and a refused file leaves the workspace as it was.

Bounded in time (a fixed number of examples, no deadline per example) so it
runs in CI on every change; ``HYPOTHESIS_PROFILE=fuzz`` runs longer."""

from __future__ import annotations

import io
import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threadline.errors import ThreadlineError
from threadline.workspace import Workspace

EXAMPLES = int(os.environ.get("THREADLINE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
_names = itertools.count()

# Cells mixing what breaks parsers: quotes, delimiters, line ends, NULs,
# controls, overrides, long runs, other scripts.
cell = st.lists(
    st.sampled_from([*list("ab ,;\t\"'\n\r\x00\x1b\u202eЖ中\\{}[]:"), "x" * 50]),
    max_size=30,
).map("".join)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    workspace = Workspace.init(tmp_path_factory.mktemp("fuzz") / "ws")
    yield workspace
    workspace.close()


def ingest_or_refuse(ws: Workspace, path: Path, **kwargs: object) -> None:
    before = ws.store.stats()
    try:
        ws.ingest(path, f"fuzz{next(_names)}", **kwargs)  # type: ignore[arg-type]
    except ThreadlineError as exc:
        assert str(exc)  # a message for the analyst
        assert ws.store.stats() == before  # all or nothing
    # anything else (ValueError, KeyError, UnicodeError, ...) fails the test


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=1, max_size=4), min_size=1, max_size=8))
def test_csv(ws: Workspace, tmp_path: Path, rows: list[list[str]]) -> None:
    path = tmp_path / f"f{next(_names)}.csv"
    path.write_text("\n".join(",".join(row) for row in [["name", "id"], *rows]), "utf-8")
    ingest_or_refuse(ws, path, schema="Person", maps=["name=name"], keys=["id"])


@FUZZ
@given(data=st.binary(max_size=400))
def test_csv_raw_bytes(ws: Workspace, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / f"f{next(_names)}.csv"
    path.write_bytes(b"name,id\n" + data)
    ingest_or_refuse(ws, path, schema="Person", maps=["name=name"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | cell,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["name", "id", "x", ""]), children, max_size=3)
    ),
    max_leaves=12,
)


@FUZZ
@given(records=st.lists(json_values, max_size=5), as_lines=st.booleans())
def test_json(ws: Workspace, tmp_path: Path, records: list[object], as_lines: bool) -> None:
    suffix = ".ndjson" if as_lines else ".json"
    path = tmp_path / f"f{next(_names)}{suffix}"
    if as_lines:
        path.write_text("\n".join(json.dumps(r) for r in records), "utf-8")
    else:
        path.write_text(json.dumps(records), "utf-8")
    ingest_or_refuse(ws, path, schema="Person", maps=["name=name"])


@FUZZ
@given(data=st.binary(max_size=300))
def test_json_raw_bytes(ws: Workspace, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / f"f{next(_names)}.json"
    path.write_bytes(b'[{"name": ' + data)
    ingest_or_refuse(ws, path, schema="Person", maps=["name=name"])


@FUZZ
@given(entities=st.lists(json_values, max_size=4))
def test_ftm_entities(ws: Workspace, tmp_path: Path, entities: list[object]) -> None:
    path = tmp_path / f"f{next(_names)}.ftm.json"
    lines = []
    for number, props in enumerate(entities):
        entity = {"id": f"e{number}", "schema": "Person", "properties": props}
        lines.append(json.dumps(entity))
    path.write_text("\n".join(lines), "utf-8")
    ingest_or_refuse(ws, path)


@FUZZ
@given(rows=st.lists(st.lists(cell | st.integers() | st.none(), min_size=2, max_size=2),
                     max_size=6))  # fmt: skip
def test_xlsx(ws: Workspace, tmp_path: Path, rows: list[list[object]]) -> None:
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = Workbook()
    sheet = book.active
    sheet.append(["name", "id"])
    for row in rows:
        # openpyxl itself refuses control characters in cells; write what it takes
        try:
            sheet.append(row)
        except IllegalCharacterError:
            continue
    path = tmp_path / f"f{next(_names)}.xlsx"
    book.save(path)
    ingest_or_refuse(ws, path, schema="Person", maps=["name=name"])


@FUZZ
@given(data=st.binary(min_size=1, max_size=400), keep=st.integers(0, 2000))
def test_truncated_or_garbled_xlsx(ws: Workspace, tmp_path: Path, data: bytes, keep: int) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["name"])
    book.active.append(["Ivan Petrov"])
    buffer = io.BytesIO()
    book.save(buffer)
    whole = buffer.getvalue()
    path = tmp_path / f"f{next(_names)}.xlsx"
    path.write_bytes(whole[:keep] + data + whole[keep + len(data) :])
    ingest_or_refuse(ws, path, schema="Person", maps=["name=name"])


@FUZZ
@given(data=st.binary(max_size=300))
def test_parquet_raw_bytes(ws: Workspace, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / f"f{next(_names)}.parquet"
    path.write_bytes(b"PAR1" + data)
    ingest_or_refuse(ws, path, schema="Person", maps=["name=name"])


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("abc: -\n&*![]{}'\"#|>%@`\t")), max_size=200))
def test_mapping_yaml(ws: Workspace, tmp_path: Path, text: str) -> None:
    table = tmp_path / f"t{next(_names)}.csv"
    table.write_text("name,id\nIvan,1\n", "utf-8")
    mapping = tmp_path / f"m{next(_names)}.yml"
    mapping.write_text(text, "utf-8")
    before = ws.store.stats()
    try:
        ws.ingest(table, f"fuzz{next(_names)}", mapping)
    except ThreadlineError as exc:
        assert str(exc)
        assert ws.store.stats() == before
