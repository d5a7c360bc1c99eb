"""Write every entity of a workspace (or one dataset) to a file or stream."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import orjson

from threadline.errors import InputError
from threadline.export.safety import escape_cell
from threadline.model.entity import Entity

EXPORT_FORMATS = ("ftm", "csv", "xlsx")
MULTI_VALUE_SEP = "; "
FIXED_COLUMNS = ["id", "schema", "caption", "datasets"]

EntitySource = Callable[[], Iterable[Entity]]


def export_entities(entities: EntitySource, fmt: str, out: IO[bytes] | Path) -> int:
    """Export entities in ``fmt``; returns how many. ``entities`` is called once
    per pass (the tabular formats need two: columns, then rows)."""
    if fmt == "ftm":
        return _export_ftm(entities(), out)
    if fmt == "csv":
        return _export_csv(entities, out)
    if fmt == "xlsx":
        if not isinstance(out, Path):
            raise InputError("XLSX cannot be written to standard output", hint="pass -o FILE.xlsx")
        return _export_xlsx(entities, out)
    raise InputError(
        f"unknown export format {fmt!r}", hint=f"use one of {', '.join(EXPORT_FORMATS)}"
    )


def _open(out: IO[bytes] | Path) -> tuple[IO[bytes], bool]:
    if isinstance(out, Path):
        return open(out, "wb"), True
    return out, False


def _export_ftm(entities: Iterable[Entity], out: IO[bytes] | Path) -> int:
    fh, owned = _open(out)
    count = 0
    try:
        for entity in entities:
            data = entity.proxy.to_dict()
            data["datasets"] = entity.datasets
            fh.write(orjson.dumps(data) + b"\n")
            count += 1
    finally:
        if owned:
            fh.close()
    return count


def _row(entity: Entity, props: list[str]) -> list[str]:
    proxy = entity.proxy
    cells = [entity.id, proxy.schema.name, entity.caption, MULTI_VALUE_SEP.join(entity.datasets)]
    for name in props:
        values = proxy.get(name, quiet=True)
        cells.append(MULTI_VALUE_SEP.join(values))
    return [escape_cell(c) for c in cells]


def _props_by_schema(entities: Iterable[Entity]) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for entity in entities:
        props = seen.setdefault(entity.schema.name, set())
        props.update(entity.proxy.properties.keys())
    return seen


def _export_csv(entities: EntitySource, out: IO[bytes] | Path) -> int:
    import io

    columns = sorted(set().union(*_props_by_schema(entities()).values()))
    fh, owned = _open(out)
    text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=True)
    count = 0
    try:
        writer = csv.writer(text)
        writer.writerow(FIXED_COLUMNS + columns)
        for entity in entities():
            writer.writerow(_row(entity, columns))
            count += 1
        text.flush()
    finally:
        text.detach()
        if owned:
            fh.close()
    return count


def _export_xlsx(entities: EntitySource, out: Path) -> int:
    from openpyxl import Workbook

    by_schema = _props_by_schema(entities())
    book = Workbook(write_only=True)
    sheets: dict[str, tuple[Any, list[str]]] = {}
    for schema in sorted(by_schema):
        sheet = book.create_sheet(schema[:31])
        props = sorted(by_schema[schema])
        sheet.append(FIXED_COLUMNS + props)
        sheets[schema] = (sheet, props)
    count = 0
    for entity in entities():
        sheet, props = sheets[entity.schema.name]
        sheet.append(_row(entity, props))
        count += 1
    if not sheets:
        book.create_sheet("entities").append(FIXED_COLUMNS)
    tmp = out.with_name(out.name + ".tmp")
    book.save(tmp)
    tmp.replace(out)
    return count
