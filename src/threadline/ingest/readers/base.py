"""Shared record-reader plumbing: the record type, the reader base class and
a byte counter for progress bars."""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from threadline.errors import InputError


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


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read a file: the user's choices (encoding, sheet) and the
    format's own settings (a TSV is a CSV with another delimiter). One type
    for all readers, so a format table can set them without knowing the
    reader's constructor; each reader takes what applies to it."""

    encoding: str = "utf-8"
    sheet: str | None = None
    #: None: detected from the first lines (CSV), or the format's own (TSV)
    delimiter: str | None = None
    #: JSON lines rather than one JSON array
    lines: bool = False


class RecordReader(ABC):
    """A stream of :class:`Record` from one file. Which class reads which
    format is decided by ``threadline.ingest.readers.formats``, not here."""

    path: Path
    #: column names when the format declares them up front (CSV, XLSX, Parquet)
    columns: list[str] | None

    @classmethod
    @abstractmethod
    def open(cls, path: Path, options: ReadOptions) -> Self:
        """A reader of ``path`` with the options that apply to this format."""

    @abstractmethod
    def __iter__(self) -> Iterator[Record]: ...

    @property
    @abstractmethod
    def bytes_read(self) -> int: ...


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
