"""A preview of an ingest: the file's columns, its first rows, the FtM
entities the mapping makes of them, and the problems an ingest would meet
there, without writing anything.

It runs the ingest's own parts (readers, ``CompiledMapping``, the FtM file
reader) over the first rows, so what it shows is what ``ingest`` will do.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from threadline.errors import InputError, Location
from threadline.ingest.ftm_files import read_ftm_entities, sniff_ftm
from threadline.ingest.mapping import CompiledMapping, load_mapping_file, quick_mapping
from threadline.ingest.readers.formats import open_records

PREVIEW_ROWS = 20


def _close(iterator: object) -> None:
    """End a reader's generator early: it holds the file open."""
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


def _error(exc: InputError, shown: str, line: int | None = None) -> dict[str, Any]:
    location = exc.location or Location(shown)
    return {
        "file": shown,
        "line": location.line if location.line is not None else line,
        "column": location.column,
        "message": exc.problem,
        "hint": exc.hint,
    }


def _entity(entity_id: str, schema: str, values: Sequence[tuple[str, str]]) -> dict[str, Any]:
    properties: dict[str, list[str]] = {}
    for prop, value in values:
        properties.setdefault(prop, []).append(value)
    return {"id": entity_id, "schema": schema, "properties": properties}


def _ftm_preview(path: Path, shown: str) -> dict[str, Any]:
    entities, errors = [], []
    items = read_ftm_entities(path, [])
    try:
        for item in itertools.islice(items, PREVIEW_ROWS):
            if item.error is not None or item.schema is None:
                if item.error is not None:
                    errors.append(_error(item.error, shown, item.line))
                continue
            values = [(v.prop.name, v.value) for v in item.values]
            entities.append(_entity(item.entity_id, item.schema.name, values))
    finally:
        _close(items)
    return {"columns": [], "rows": [], "entities": entities, "errors": errors}


def preview(
    path: Path,
    shown: str,
    dataset: str,
    *,
    mapping: Path | None = None,
    schema: str | None = None,
    maps: Sequence[str] = (),
    keys: Sequence[str] = (),
    fmt: str | None = None,
    encoding: str = "utf-8",
    sheet: str | None = None,
) -> dict[str, Any]:
    """``shown`` is the file name the messages use."""
    if mapping is not None and schema is not None:
        raise InputError("use either a mapping or a schema with property=column maps, not both")
    if mapping is None and schema is None:
        kind = sniff_ftm(path)
        if kind == "entities":
            return _ftm_preview(path, shown)
        if kind is not None:
            raise InputError(
                "FtM statement files are loaded as they are; there is nothing to preview",
                Location(shown),
            )
        raise InputError(
            "this file is not FtM data, so Threadline needs to know how to map it",
            Location(shown),
            hint="give a mapping (an `ftm map` YAML) or a schema and property=column maps",
        )
    if mapping is not None:
        config = load_mapping_file(mapping)
        compiled = CompiledMapping(config, dataset, "the mapping")
    else:
        assert schema is not None
        compiled = CompiledMapping(
            quick_mapping(schema, list(maps), list(keys) or None), dataset, "the maps"
        )
    reader = open_records(path, fmt, encoding, sheet)
    columns = list(reader.columns or [])
    errors: list[dict[str, Any]] = []
    missing = sorted(compiled.columns - set(columns)) if reader.columns is not None else []
    for column in missing:
        problem = InputError(
            f"column {column!r} is used by the mapping but is not in the header",
            Location(shown, 1, column),
            hint=f"the columns are: {', '.join(columns)}",
        )
        errors.append(_error(problem, shown))
    rows: list[dict[str, str]] = []
    entities: list[dict[str, Any]] = []
    records = iter(reader)
    try:
        for record in itertools.islice(records, PREVIEW_ROWS):
            rows.append(record.data)
            if record.error is not None:
                errors.append(_error(record.error, shown, record.line))
                continue
            problems: list[InputError] = []
            for mapped in compiled.map(record.data, problems.append):
                if len(entities) < PREVIEW_ROWS:
                    values = [(prop.name, value) for prop, value, _ in mapped.values]
                    entities.append(_entity(mapped.id, mapped.schema, values))
            errors.extend(_error(problem, shown, record.line) for problem in problems)
    finally:
        _close(records)
    if not columns and rows:
        columns = list(rows[0])
    return {"columns": columns, "rows": rows, "entities": entities, "errors": errors}
