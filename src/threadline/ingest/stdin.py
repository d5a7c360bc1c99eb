"""``threadline ingest -``: a table read from standard input.

The stream is copied to a file in the workspace's scratch folder first. Every
reader needs a file it can read twice (the CSV header and delimiter are
sniffed before the rows; XLSX and Parquet seek), the store records the
source's SHA-256, and an ingest that fails half-way must leave nothing
behind, which a pipe cannot be rewound for. Copying runs at disk speed, a
small share of the ingest itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO

import orjson

from threadline.errors import InputError, Location
from threadline.ingest.readers.formats import READERS

#: what error messages call the stream
STDIN_LABEL = "<stdin>"
#: the file name the copy gets, before its extension; it is also the source
#: name the store records, so a second ``ingest -`` into the same dataset
#: replaces the first, as a re-ingest of the same file does
STDIN_STEM = "stdin"

_SNIFF_BYTES = 64 * 1024
_CHUNK = 1 << 20


def sniff_format(head: bytes) -> str:
    """The table format of a stream from its first bytes: Parquet and XLSX by
    their magic numbers, JSON by its first character (JSON lines when the
    first line is a whole object), anything else is read as delimited text
    (the CSV reader detects a semicolon, tab or pipe)."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        first = text.split(b"\n", 1)[0].strip()
        try:
            return "ndjson" if isinstance(orjson.loads(first), dict) else "json"
        except orjson.JSONDecodeError:
            return "json"
    return "csv"


def extension_of(fmt: str) -> str:
    """The file extension a format is recognised by (``.csv`` for csv)."""
    handler = READERS.get(fmt)
    if handler is None or not handler.extensions:
        names = ", ".join(READERS.names())
        raise InputError(
            f"unknown format {fmt!r} for standard input", Location(STDIN_LABEL), hint=f"use {names}"
        )
    return handler.extensions[0]


def spool_stdin(stream: IO[bytes], directory: Path, fmt: str | None = None) -> tuple[Path, str]:
    """Copy ``stream`` into ``directory`` (which must exist and be private to
    this ingest); returns the copy and its format (``fmt``, or sniffed)."""
    head = _read_head(stream)
    if not head:
        raise InputError(
            "standard input is empty",
            Location(STDIN_LABEL),
            hint="pipe a table into `threadline ingest -`, e.g. `cat rows.csv | threadline "
            "ingest - -d DATASET --schema Person --map name=name`",
        )
    fmt = fmt or sniff_format(head)
    path = directory / f"{STDIN_STEM}{extension_of(fmt)}"
    with open(path, "wb") as out:
        out.write(head)
        shutil.copyfileobj(stream, out, _CHUNK)
    return path, fmt


def _read_head(stream: IO[bytes]) -> bytes:
    # A pipe may return fewer bytes than asked for; read until the sniffing
    # window is full or the stream ends.
    head = b""
    while len(head) < _SNIFF_BYTES:
        chunk = stream.read(_SNIFF_BYTES - len(head))
        if not chunk:
            break
        head += chunk
    return head


def relabel(error: InputError, spooled: Path) -> InputError:
    """``error`` with the copy's path replaced by ``<stdin>``: the analyst
    never saw the copy."""
    location = error.location
    if location is not None and location.path == str(spooled):
        location.path = STDIN_LABEL
        error.args = (error.message,)
    return error
