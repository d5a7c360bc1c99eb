"""XLSX records, streamed with openpyxl's read-only mode so memory stays flat
whatever the sheet size. The first non-empty row is the header."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path
from typing import Any, Self

from threadline.errors import InputError, Location
from threadline.ingest.readers.base import ReadOptions, Record, RecordReader
from threadline.ingest.readers.cells import clean_cell
from threadline.ingest.readers.limits import check_xlsx


class XLSXReader(RecordReader):
    def __init__(self, path: Path, sheet: str | None = None) -> None:
        self.path = path
        self.sheet = sheet
        self._rows_done = 0
        self._size = path.stat().st_size
        self._total_rows = 1
        self.columns: list[str] | None = None
        for _ in self._rows(header_only=True):
            break

    @classmethod
    def open(cls, path: Path, options: ReadOptions) -> Self:
        return cls(path, sheet=options.sheet)

    @property
    def bytes_read(self) -> int:
        # openpyxl does not expose a byte position; estimate from rows done.
        return int(self._size * min(1.0, self._rows_done / max(1, self._total_rows)))

    def _open_sheet(self) -> tuple[Any, Any]:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        check_xlsx(self.path)
        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (InvalidFileException, OSError, KeyError, ValueError) as exc:
            raise InputError(
                f"not a readable XLSX workbook ({exc})",
                Location(str(self.path)),
                hint="save it as .xlsx from your spreadsheet program, or export CSV",
            ) from exc
        if self.sheet is None:
            ws = book.worksheets[0]
        elif self.sheet in book.sheetnames:
            ws = book[self.sheet]
        else:
            book.close()
            raise InputError(
                f"no sheet named {self.sheet!r}",
                Location(str(self.path)),
                hint=f"sheets are: {', '.join(book.sheetnames)}",
            )
        return book, ws

    def _rows(self, header_only: bool = False) -> Iterator[Record]:
        book, ws = self._open_sheet()
        try:
            self._total_rows = max(1, ws.max_row or 1)
            columns: list[str] | None = None
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                self._rows_done = number
                cells = [_cell_text(c) for c in row]
                if columns is None:
                    if not any(cells):
                        continue
                    columns = _header(cells, self.path, number)
                    self.columns = columns
                    if header_only:
                        return
                    continue
                if not any(cells):
                    continue
                extra = [c for c in cells[len(columns) :] if c]
                if extra:
                    problem = InputError(
                        f"row has values beyond the {len(columns)} header columns",
                        Location(str(self.path), number),
                        hint="give every filled column a header",
                    )
                    yield Record(number, {}, problem)
                    continue
                data = {k: v for k, v in zip(columns, cells, strict=False) if v}
                yield Record(number, data)
            if columns is None:
                raise InputError("the sheet is empty: no header row", Location(str(self.path)))
        finally:
            book.close()

    def __iter__(self) -> Iterator[Record]:
        return self._rows()


def _header(cells: list[str | None], path: Path, line: int) -> list[str]:
    # Trailing empty header cells are common (formatting); interior ones are not.
    while cells and cells[-1] is None:
        cells.pop()
    columns: list[str] = []
    for index, cell in enumerate(cells, start=1):
        if cell is None:
            raise InputError(
                f"header cell {index} is empty", Location(str(path), line), hint="name every column"
            )
        if cell in columns:
            raise InputError(
                f"duplicate column name {cell!r} in the header",
                Location(str(path), line, cell),
                hint="rename one of the columns",
            )
        columns.append(cell)
    return columns


def _cell_text(value: Any) -> str | None:
    # Excel stores dates as date-times; a midnight one is a date (as a CSV
    # export of the same sheet would write it).
    if isinstance(value, datetime) and value.time() == time(0, 0) and value.tzinfo is None:
        return value.date().isoformat()
    return clean_cell(value)
