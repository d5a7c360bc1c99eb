"""Shared record-reader plumbing: the record type, format detection and a
byte counter for progress bars."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from threadline.errors import InputError, Location


@dataclass(slots=True)
class Record:
    """One source row. ``line`` is what an analyst would look for in the file:
    the physical line of a CSV row or JSON line, the spreadsheet row number,
    or the 1-based row index in a Parquet file."""

    line: int
    data: dict[str, str]
    #: a problem confined to this row (e.g. a ragged CSV row): the pipeline
    #: fails or skips it according to ``--on-error``; whole-file problems raise
    error: InputError | None = None


class RecordReader(Protocol):
    path: Path
    #: column names when the format declares them up front (CSV, XLSX, Parquet)
    columns: list[str] | None

    def __iter__(self) -> Iterator[Record]: ...

    @property
    def bytes_read(self) -> int: ...


TABULAR_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def detect_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    for suffix in reversed(suffixes):
        if suffix in TABULAR_SUFFIXES:
            return TABULAR_SUFFIXES[suffix]
    raise InputError(
        f"cannot tell the format of {path.name!r} from its extension",
        Location(str(path)),
        hint="use .csv, .tsv, .xlsx, .json, .ndjson/.jsonl or .parquet, or pass --format",
    )


def open_records(
    path: Path, fmt: str | None = None, encoding: str = "utf-8", sheet: str | None = None
) -> RecordReader:
    """Open ``path`` as a stream of records in the given (or detected) format."""
    if not path.exists():
        raise InputError("file not found", Location(str(path)))
    fmt = fmt or detect_format(path)
    if fmt in ("csv", "tsv"):
        from threadline.ingest.readers.csv_reader import CSVReader

        return CSVReader(path, delimiter="\t" if fmt == "tsv" else ",", encoding=encoding)
    if fmt == "xlsx":
        from threadline.ingest.readers.xlsx_reader import XLSXReader

        return XLSXReader(path, sheet=sheet)
    if fmt in ("json", "ndjson"):
        from threadline.ingest.readers.json_reader import JSONRecordReader

        return JSONRecordReader(path, lines=fmt == "ndjson")
    if fmt == "parquet":
        from threadline.ingest.readers.parquet_reader import ParquetReader

        return ParquetReader(path)
    raise InputError(
        f"unknown format {fmt!r}",
        Location(str(path)),
        hint="use csv, tsv, xlsx, json, ndjson or parquet",
    )


class CountingReader(io.RawIOBase):
    """Wraps a binary file and counts bytes read, so that text readers (whose
    ``tell()`` is disabled while iterating) can still drive a progress bar."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(b)
        self.count += n or 0
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()
