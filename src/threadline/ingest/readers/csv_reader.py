"""CSV/TSV records, read the way ``ftm map`` reads them (``csv.DictReader``
with ``skipinitialspace`` and FtM's ``sanitize_text`` on every cell), so that
the same mapping gives the same entities. Unlike ``ftm map`` we refuse ragged
rows and undecodable bytes instead of silently mis-assigning columns."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Self

from threadline.errors import InputError, Location
from threadline.ingest.readers.base import CountingReader, ReadOptions, Record, RecordReader
from threadline.ingest.readers.cells import clean_cell
from threadline.ingest.readers.limits import MAX_CELL_CHARS, bounded_lines

# Some registries put whole documents into a cell; bounded all the same.
csv.field_size_limit(min(sys.maxsize, MAX_CELL_CHARS))


class CSVReader(RecordReader):
    def __init__(self, path: Path, delimiter: str = ",", encoding: str = "utf-8") -> None:
        self.path = path
        self.delimiter = delimiter
        self.encoding = encoding
        self._counter: CountingReader | None = None
        self.columns: list[str] | None = self._read_header()

    @classmethod
    def open(cls, path: Path, options: ReadOptions) -> Self:
        delimiter = options.delimiter or detect_delimiter(path, options.encoding)
        return cls(path, delimiter=delimiter, encoding=options.encoding)

    @property
    def bytes_read(self) -> int:
        return self._counter.count if self._counter else 0

    def _open(self) -> io.TextIOWrapper:
        self._counter = CountingReader(open(self.path, "rb"))  # noqa: SIM115
        buffered = io.BufferedReader(self._counter, buffer_size=1 << 20)
        # utf-8-sig: spreadsheet programs like to prepend a byte-order mark.
        encoding = "utf-8-sig" if self.encoding.lower() in ("utf-8", "utf8") else self.encoding
        return io.TextIOWrapper(buffered, encoding=encoding, errors="strict", newline="")

    def _read_header(self) -> list[str]:
        with self._open() as fh:
            lines = bounded_lines(fh, self.path)
            reader = csv.reader(lines, delimiter=self.delimiter, skipinitialspace=True)
            try:
                header = next(reader, None)
            except UnicodeDecodeError as exc:
                raise self._decode_error(exc, 1) from exc
            except csv.Error as exc:
                raise InputError(
                    f"malformed CSV header: {exc}", Location(str(self.path), 1)
                ) from exc
        if not header:
            raise InputError("the file is empty: no header row", Location(str(self.path), 1))
        header = [h.replace("\r\n", "\n").replace("\r", "\n") for h in header]
        seen: set[str] = set()
        for name in header:
            if name in seen:
                raise InputError(
                    f"duplicate column name {name!r} in the header",
                    Location(str(self.path), 1, name),
                    hint="rename one of the columns",
                )
            seen.add(name)
        return header

    def _decode_error(self, exc: UnicodeDecodeError, line: int) -> InputError:
        # The text layer decodes ahead in blocks, so the line the CSV parser
        # reached is not where the bad bytes are: find them.
        line = _first_bad_line(self.path, self.encoding) or line
        return InputError(
            f"cannot decode bytes as {self.encoding} ({exc.reason})",
            Location(str(self.path), line),
            hint="re-save the file as UTF-8, or pass --encoding (e.g. --encoding latin-1)",
        )

    def __iter__(self) -> Iterator[Record]:
        assert self.columns is not None
        columns = self.columns
        width = len(columns)
        path = str(self.path)
        with self._open() as fh:
            lines = bounded_lines(fh, self.path)
            reader = csv.reader(lines, delimiter=self.delimiter, skipinitialspace=True)
            line = 1
            try:
                next(reader)
                # A record's line is where it starts: a quoted cell may span lines.
                end = reader.line_num
                for row in reader:
                    line = end + 1
                    end = reader.line_num
                    if len(row) != width:
                        if not row:
                            continue  # blank line: DictReader skips these too
                        problem = InputError(
                            f"row has {len(row)} cells but the header has {width} columns",
                            Location(path, line),
                            hint="check for an unquoted delimiter or a missing quote",
                        )
                        yield Record(line, dict(zip(columns, row, strict=False)), problem)
                        continue
                    data: dict[str, str] = {}
                    for name, cell in zip(columns, row, strict=True):
                        if cell:
                            if cell.isascii() and cell.isprintable():
                                # clean_cell's fast path, inlined: most cells
                                cell = cell.strip()
                                if cell:
                                    data[name] = cell
                                continue
                            if "\r" in cell:
                                # ftm map reads in universal-newline mode.
                                cell = cell.replace("\r\n", "\n").replace("\r", "\n")
                            value = clean_cell(cell)
                            if value is not None:
                                data[name] = value
                    yield Record(line, data)
            except UnicodeDecodeError as exc:
                raise self._decode_error(exc, line + 1) from exc
            except csv.Error as exc:
                hint = None
                if "field larger than field limit" in str(exc):
                    hint = f"a cell holds more than {MAX_CELL_CHARS:,} characters"
                raise InputError(
                    f"malformed CSV: {exc}", Location(path, line + 1), hint=hint
                ) from exc


#: the delimiters detection chooses from, most common first (ties go to the first)
DELIMITERS = ",;\t|"
#: how much of the file detection reads
_SNIFF_BYTES = 64 * 1024


def detect_delimiter(path: Path, encoding: str = "utf-8") -> str:
    """The delimiter that splits the file's first lines into the same number
    of cells (more than one), the most cells winning: European registries
    often export with semicolons, because the comma is their decimal mark.
    A comma when nothing fits (a one-column file)."""
    with open(path, "rb") as fh:
        sample = fh.read(_SNIFF_BYTES)
    text = sample.decode(encoding if encoding.lower() not in ("utf-8", "utf8") else "utf-8-sig",
                         errors="replace")  # fmt: skip
    if len(sample) == _SNIFF_BYTES:
        text = text[: text.rfind("\n") + 1] or text  # whole lines only
    best, best_width = ",", 1
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True))
        except csv.Error:
            continue  # not this delimiter, or a cell the reader will report itself
        rows = [row for row in rows[:50] if row]
        if not rows:
            continue
        width = len(rows[0])
        # every sampled row as wide as the header (the last may be cut off)
        if width > best_width and all(len(row) == width for row in rows[:-1] or rows):
            best, best_width = delimiter, width
    return best


def _first_bad_line(path: Path, encoding: str) -> int | None:
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError:
                return number
    return None
