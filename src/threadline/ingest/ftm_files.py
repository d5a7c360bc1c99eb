"""FtM entity JSON lines and FtM statement files: values already carry their
schema and property, so no mapping is needed. Values are still cleaned by
FollowTheMoney's property types; a value it rejects is an input error."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from followthemoney import model
from followthemoney.property import Property
from followthemoney.schema import Schema

from threadline.errors import InputError, Location, RejectedValue
from threadline.ingest.readers.base import CountingReader
from threadline.ingest.readers.csv_reader import CSVReader
from threadline.model.fastclean import FREE_TEXT_TYPES, clean_value
from threadline.model.unsafe_chars import unsafe_character

STATEMENT_FIELDS = {"entity_id", "prop", "schema", "value"}


@dataclass(slots=True)
class FtMValue:
    prop: Property
    value: str
    original: str | None
    lang: str | None = None


@dataclass(slots=True)
class FtMItem:
    """One entity (or entity fragment) from one line of an FtM file."""

    line: int
    entity_id: str
    schema: Schema | None
    values: list[FtMValue]
    error: InputError | None = None
    #: emit the schema-carrying base statement (statement files carry their own)
    with_base: bool = True


def sniff_ftm(path: Path) -> str | None:
    """``"entities"`` or ``"statements"`` if the file is FtM data, else None."""
    suffix = path.suffix.lower()
    try:
        with open(path, "rb") as fh:
            head = fh.readline(1 << 20).lstrip(b"\xef\xbb\xbf").strip()
    except OSError:
        return None
    if suffix in (".json", ".jsonl", ".ndjson", ".ijson", ".ftm"):
        try:
            first = orjson.loads(head) if head else None
        except orjson.JSONDecodeError:
            return None
        if isinstance(first, dict):
            if "schema" in first and ("properties" in first or "id" in first):
                return "entities"
            if first.keys() >= STATEMENT_FIELDS:
                return "statements"
    if suffix == ".csv":
        header = set(next(csv.reader([head.decode("utf-8", "replace")]), []))
        if header >= STATEMENT_FIELDS:
            return "statements"
    return None


def _schema(name: object, where: Location) -> Schema:
    schema = model.get(name) if isinstance(name, str) else None
    if schema is None:
        import difflib

        close = difflib.get_close_matches(str(name), list(model.schemata), n=2)
        hint = (
            f"did you mean {' or '.join(repr(c) for c in close)}?"
            if close
            else "see `ftm ref schemata`"
        )
        raise InputError(f"unknown schema {name!r}", where, hint=hint)
    return schema


class _Cleaner:
    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], str | None] = {}

    def value(self, schema: Schema, name: str, raw: object, where: Location) -> FtMValue | None:
        prop = schema.get(name)
        if prop is None or prop.stub:
            import difflib

            close = difflib.get_close_matches(name, list(schema.properties), n=2)
            hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else None
            raise InputError(f"schema {schema.name} has no property {name!r}", where, hint=hint)
        if not isinstance(raw, str):
            if raw is None:
                return None
            raw = str(raw)
        unsafe = unsafe_character(raw)
        if unsafe is not None:
            raise RejectedValue(
                f"{raw!r} for {schema.name}.{prop.name} holds {unsafe}, which would hide or "
                "garble what the value says; Threadline neither drops it silently nor stores it",
                where,
                hint="remove the character from the source, or use --on-error drop-value",
            )
        key = (prop.qname, raw)
        cleaned = self.cache.get(key, "")
        if cleaned == "":
            if len(self.cache) > 500_000:
                self.cache.clear()
            cleaned = self.cache[key] = clean_value(prop.type, raw, format=prop.format)
        if cleaned is None:
            if not raw.strip() or prop.type in FREE_TEXT_TYPES:
                return None
            raise RejectedValue(
                f"{raw!r} is not a valid {prop.type.name} for {schema.name}.{prop.name}",
                where,
                hint="fix the value or use --on-error skip",
            )
        return FtMValue(prop, cleaned, None if cleaned == raw else raw)


def read_ftm_entities(path: Path, counter: list[CountingReader]) -> Iterator[FtMItem]:
    cleaner = _Cleaner()
    raw = CountingReader(open(path, "rb"))  # noqa: SIM115
    counter.append(raw)
    with io.BufferedReader(raw, buffer_size=1 << 20) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = Location(str(path), number)
            try:
                yield _parse_entity(line, number, where, cleaner)
            except InputError as exc:
                yield FtMItem(number, "", None, [], exc)


def _parse_entity(line: bytes, number: int, where: Location, cleaner: _Cleaner) -> FtMItem:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON ({exc})", where, hint="each line must be one FtM entity object"
        ) from exc
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, found {type(obj).__name__}", where)
    entity_id = obj.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise InputError("the entity has no 'id'", where)
    schema = _schema(obj.get("schema"), Location(where.path, number, "schema"))
    properties = obj.get("properties") or {}
    if not isinstance(properties, dict):
        raise InputError("'properties' must be an object", where)
    values: list[FtMValue] = []
    for name, raws in properties.items():
        for raw in raws if isinstance(raws, list) else [raws]:
            value = cleaner.value(schema, name, raw, Location(where.path, number, name))
            if value is not None:
                values.append(value)
    return FtMItem(number, entity_id, schema, values)


def read_ftm_statements(path: Path, counter: list[CountingReader]) -> Iterator[FtMItem]:
    """FtM statement CSV (``ftm statements`` output) or statement JSON lines."""
    cleaner = _Cleaner()
    if path.suffix.lower() == ".csv":
        reader = CSVReader(path)
        rows: Iterator[tuple[int, dict[str, str], InputError | None]] = (
            (r.line, r.data, r.error) for r in reader
        )
    else:
        raw = CountingReader(open(path, "rb"))  # noqa: SIM115
        counter.append(raw)
        rows = _json_rows(path, raw)
    for number, row, problem in rows:
        where = Location(str(path), number)
        try:
            if problem is not None:
                raise problem
            entity_id = row.get("entity_id")
            if not entity_id:
                raise InputError("the statement has no entity_id", where)
            schema = _schema(row.get("schema"), Location(where.path, number, "schema"))
            prop = row.get("prop", "")
            if prop == "id":
                yield FtMItem(number, entity_id, schema, [])
                continue
            value = cleaner.value(schema, prop, row.get("value"), Location(str(path), number, prop))
            if value is not None:
                value.lang = row.get("lang") or None
                if row.get("original_value"):
                    value.original = row["original_value"]
            yield FtMItem(number, entity_id, schema, [value] if value else [], with_base=False)
        except InputError as exc:
            yield FtMItem(number, "", None, [], exc)


def _json_rows(
    path: Path, raw: CountingReader
) -> Iterator[tuple[int, dict[str, str], InputError | None]]:
    with io.BufferedReader(raw, buffer_size=1 << 20) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                where = Location(str(path), number)
                yield number, {}, InputError(f"malformed JSON ({exc})", where)
                continue
            if not isinstance(obj, dict):
                where = Location(str(path), number)
                yield number, {}, InputError("expected a JSON object per line", where)
                continue
            yield number, {k: str(v) for k, v in obj.items() if v is not None}, None
