"""The bounds every table reader keeps, whatever the file claims: a few
hundred bytes of hostile input must not cost gigabytes (a 200 KB JSON file
nested 100,000 deep, a 2 MB XLSX holding a 2 GiB cell, a 1 GiB line).

Each limit is far above what a real registry export, leak spreadsheet or
procurement file needs, and each is reported as an ``InputError`` naming the
file, the line where it can, and the limit.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from threadline.errors import InputError, Location

#: The longest line (CSV, JSON lines) read into memory. CSV cells holding
#: whole documents run to a few MiB; nothing legitimate is a 64 MiB line.
MAX_LINE_BYTES = 64 * 1024 * 1024
#: The longest CSV cell (``csv.field_size_limit``).
MAX_CELL_CHARS = 32 * 1024 * 1024
#: The deepest nesting of a JSON record; FtM-shaped data is 2 to 5 deep.
MAX_JSON_DEPTH = 64
#: The most values (scalars) in one JSON record.
MAX_JSON_VALUES = 100_000
#: What an XLSX (a ZIP of XML) may expand to, in all and per member, and the
#: highest compression ratio of a large member. Real workbooks compress 5 to
#: 30 times; a 2 MB file that expands to 2 GiB is a bomb.
MAX_XLSX_EXPANDED = 1024 * 1024 * 1024
MAX_XLSX_RATIO = 200
_RATIO_CHECKED_FROM = 16 * 1024 * 1024


def bounded_lines(fh: IO[str], path: Path, first_line: int = 1) -> Iterator[str]:
    """The lines of a text stream, refusing one longer than
    :data:`MAX_LINE_BYTES` before it is held in memory (characters are
    counted, at most four bytes each, so the bound is safe)."""
    limit = MAX_LINE_BYTES // 4
    number = first_line - 1
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit:
            raise too_long(path, number)
        yield line


def bounded_byte_lines(fh: IO[bytes], path: Path) -> Iterator[bytes]:
    """As :func:`bounded_lines`, for bytes (JSON lines)."""
    number = 0
    while True:
        line = fh.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise too_long(path, number)
        yield line


def size_text(size: int) -> str:
    """``size`` bytes in the largest binary unit that keeps it whole."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size:,} bytes"


def too_long(path: Path, line: int) -> InputError:
    return InputError(
        f"line longer than {size_text(MAX_LINE_BYTES)}",
        Location(str(path), line),
        hint="a line this long is not table data; check the file is what it claims to be",
    )


def check_xlsx(path: Path) -> None:
    """Refuse a workbook that would expand past the bounds, before any XML
    is parsed."""
    where = Location(str(path))
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            f"not a readable XLSX workbook ({exc})",
            where,
            hint="save it as .xlsx from your spreadsheet program, or export CSV",
        ) from exc
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(1, member.compress_size)
        if member.file_size >= _RATIO_CHECKED_FROM and ratio > MAX_XLSX_RATIO:
            raise InputError(
                f"the workbook's part {member.filename!r} expands {ratio:,.0f} times "
                f"(to {member.file_size:,} bytes); more than {MAX_XLSX_RATIO} is refused",
                where,
                hint="a workbook that compresses this well is a decompression bomb; export CSV",
            )
    if total > MAX_XLSX_EXPANDED:
        raise InputError(
            f"the workbook expands to {total:,} bytes, more than {size_text(MAX_XLSX_EXPANDED)}",
            where,
            hint="split the workbook, or export it as CSV",
        )
