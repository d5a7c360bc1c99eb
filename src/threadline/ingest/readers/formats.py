"""The tabular formats Threadline reads, and which reader reads each.

A new format is one ``READERS.register`` call here: the reader classes are
named, not imported, so a format's library (pyarrow, openpyxl) loads only
when a file of that format is opened."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from threadline.errors import InputError, Location
from threadline.ingest.readers.base import ReadOptions, RecordReader
from threadline.ingest.registry import Registry

READERS: Registry[RecordReader] = Registry("reader", RecordReader)

_PACKAGE = "threadline.ingest.readers"

# Registration order is the order formats are listed in messages.
READERS.register(
    "csv",
    f"{_PACKAGE}.csv_reader:CSVReader",
    # Exports from older tools often call a CSV file .txt.
    extensions=(".csv", ".txt"),
    mime_types=("text/csv",),
)
READERS.register(
    "tsv",
    f"{_PACKAGE}.csv_reader:CSVReader",
    extensions=(".tsv", ".tab"),
    mime_types=("text/tab-separated-values",),
    options={"delimiter": "\t"},
)
READERS.register(
    "xlsx",
    f"{_PACKAGE}.xlsx_reader:XLSXReader",
    extensions=(".xlsx", ".xlsm"),
    mime_types=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroEnabled.12",
    ),
)
READERS.register(
    "json",
    f"{_PACKAGE}.json_reader:JSONRecordReader",
    extensions=(".json",),
    mime_types=("application/json",),
)
READERS.register(
    "ndjson",
    f"{_PACKAGE}.json_reader:JSONRecordReader",
    extensions=(".ndjson", ".jsonl"),
    mime_types=("application/x-ndjson", "application/jsonl"),
    options={"lines": True},
)
READERS.register(
    "parquet",
    f"{_PACKAGE}.parquet_reader:ParquetReader",
    extensions=(".parquet", ".pq"),
    mime_types=("application/vnd.apache.parquet",),
)

# The usual extensions, not every alias the table accepts: a hint should be
# short enough to read.
_EXTENSIONS_HINT = ".csv, .tsv, .xlsx, .json, .ndjson/.jsonl or .parquet"


def _one_of(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def detect_format(path: Path) -> str:
    handler = READERS.for_path(path)
    if handler is None:
        raise InputError(
            f"cannot tell the format of {path.name!r} from its extension",
            Location(str(path)),
            hint=f"use {_EXTENSIONS_HINT}, or pass --format",
        )
    return handler.name


def open_records(
    path: Path,
    fmt: str | None = None,
    encoding: str = "utf-8",
    sheet: str | None = None,
    delimiter: str | None = None,
) -> RecordReader:
    """Open ``path`` as a stream of records in the given (or detected) format;
    ``delimiter`` forces a CSV delimiter, which is otherwise detected."""
    if not path.exists():
        raise InputError("file not found", Location(str(path)))
    fmt = fmt or detect_format(path)
    handler = READERS.get(fmt)
    if handler is None:
        raise InputError(
            f"unknown format {fmt!r}",
            Location(str(path)),
            hint=f"use {_one_of(READERS.names())}",
        )
    options = dataclasses.replace(ReadOptions(encoding=encoding, sheet=sheet), **handler.options)
    if delimiter is not None:
        if len(delimiter) != 1:
            raise InputError(
                f"the delimiter must be one character, not {delimiter!r}",
                Location(str(path)),
                hint="for a tab, pass --delimiter $'\\t' (or name the file .tsv)",
            )
        options = dataclasses.replace(options, delimiter=delimiter)
    return READERS.load(handler).open(path, options)


__all__ = ["READERS", "detect_format", "open_records"]
