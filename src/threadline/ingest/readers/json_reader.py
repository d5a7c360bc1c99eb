"""JSON records: a top-level array of objects (streamed with ijson) or JSON
lines. Nested objects are flattened with dotted keys (``address.city``), lists
of scalars become several values joined for the mapping's ``split`` option."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Self

import orjson

from threadline.errors import InputError, Location
from threadline.ingest.readers.base import CountingReader, ReadOptions, Record, RecordReader
from threadline.ingest.readers.cells import clean_cell
from threadline.ingest.readers.limits import MAX_JSON_DEPTH, MAX_JSON_VALUES, bounded_byte_lines

LIST_SEPARATOR = ";"


def flatten(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        parts = [clean_cell(v) for v in value if not isinstance(v, dict | list)]
        texts = [p for p in parts if p]
        if texts:
            out[prefix] = LIST_SEPARATOR.join(texts)
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                flatten(item, f"{prefix}.{index}", out)
    elif value is not None and value != "":
        text = clean_cell(value)
        if text is not None:
            out[prefix] = text


class JSONRecordReader(RecordReader):
    columns: list[str] | None = None

    def __init__(self, path: Path, lines: bool) -> None:
        self.path = path
        self._counter: CountingReader | None = None
        if not lines:
            # A file named .json may still hold JSON lines; look at the first byte.
            with open(path, "rb") as fh:
                head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
            lines = not head.startswith(b"[")
        self.lines = lines

    @classmethod
    def open(cls, path: Path, options: ReadOptions) -> Self:
        return cls(path, lines=options.lines)

    @property
    def bytes_read(self) -> int:
        return self._counter.count if self._counter else 0

    def __iter__(self) -> Iterator[Record]:
        self._counter = CountingReader(open(self.path, "rb"))  # noqa: SIM115
        with io.BufferedReader(self._counter, buffer_size=1 << 20) as fh:
            if self.lines:
                yield from self._iter_lines(fh)
            else:
                yield from self._iter_array(fh)

    def _iter_lines(self, fh: IO[bytes]) -> Iterator[Record]:
        path = str(self.path)
        for number, raw in enumerate(bounded_byte_lines(fh, self.path), start=1):
            if not raw.strip():
                continue
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                problem = InputError(
                    f"malformed JSON ({exc})",
                    Location(path, number),
                    hint="each line must be one JSON object",
                )
                yield Record(number, {}, problem)
                continue
            if not isinstance(obj, dict):
                problem = InputError(
                    f"expected a JSON object, found {type(obj).__name__}", Location(path, number)
                )
                yield Record(number, {}, problem)
                continue
            data: dict[str, str] = {}
            flatten(obj, "", data)
            yield Record(number, data)

    def _iter_array(self, fh: IO[bytes]) -> Iterator[Record]:
        """The items of a top-level array, built from ijson's event stream
        so that nesting depth and size are checked before anything deep or
        huge is held: ``ijson.items`` would build a 100,000-deep item whole."""
        import ijson
        from ijson.common import ObjectBuilder

        path = str(self.path)
        number = 0
        depth = 0
        values = 0
        builder: ObjectBuilder | None = None
        try:
            for _prefix, event, value in ijson.parse(fh, use_float=True):
                if event in ("start_map", "start_array"):
                    depth += 1
                    if depth > MAX_JSON_DEPTH + 1:  # + 1: the top-level array
                        raise InputError(
                            f"array item {number + 1} is nested more than {MAX_JSON_DEPTH} deep",
                            Location(path, number + 1),
                            hint="records this deep are not table data",
                        )
                elif event in ("end_map", "end_array"):
                    depth -= 1
                if depth == 1 and event == "start_array" and builder is None and number == 0:
                    continue  # the top-level array opens
                if depth == 0:
                    continue  # the top-level array closes
                if builder is None:
                    builder = ObjectBuilder()
                    values = 0
                builder.event(event, value)
                values += 1
                if values > MAX_JSON_VALUES:
                    raise InputError(
                        f"array item {number + 1} holds more than {MAX_JSON_VALUES:,} values",
                        Location(path, number + 1),
                        hint="records this large are not table data",
                    )
                if depth == 1:  # the item is complete
                    obj, builder = builder.value, None
                    number += 1
                    if not isinstance(obj, dict):
                        problem = InputError(
                            f"array item {number} is a {type(obj).__name__}, not an object",
                            Location(path, number),
                        )
                        yield Record(number, {}, problem)
                        continue
                    data: dict[str, str] = {}
                    flatten(obj, "", data)
                    yield Record(number, data)
        except ijson.JSONError as exc:
            raise InputError(
                f"malformed JSON after array item {number} ({exc})",
                Location(path),
                hint="check the file is one JSON array of objects, or use JSON lines",
            ) from exc
