"""The ingest pipeline: file -> records -> FtM entities -> statements -> store.

Streams in batches so memory stays bounded whatever the file size, and writes
in one store transaction so a failure or kill leaves the workspace as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from threadline.errors import InputError, Location, MappingError
from threadline.ingest.batch import BASE_PROP, StatementBatch
from threadline.ingest.ftm_files import FtMItem, read_ftm_entities, read_ftm_statements, sniff_ftm
from threadline.ingest.mapping import CompiledMapping, load_mapping_file, quick_mapping
from threadline.ingest.readers.base import CountingReader
from threadline.ingest.readers.formats import detect_format, open_records
from threadline.store.base import StatementStore

#: fail: stop at the first bad record, storing nothing; skip: leave bad
#: records out; drop-value: keep a record, leaving out only the values that
#: cannot be cleaned (a record that cannot be read at all is left out)
OnError = Literal["fail", "skip", "drop-value"]
ON_ERROR_CHOICES: tuple[OnError, ...] = ("fail", "skip", "drop-value")
#: called with (bytes done, bytes total, records done)
ProgressFn = Callable[[int, int, int], None]

BATCH_STATEMENTS = 100_000


@dataclass
class IngestOptions:
    dataset: str
    mapping: Path | None = None
    schema: str | None = None
    maps: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    format: str | None = None
    encoding: str = "utf-8"
    sheet: str | None = None
    on_error: OnError = "fail"
    #: a CSV delimiter; None: detected
    delimiter: str | None = None
    #: quick mode: property -> the separator that splits its cells into values
    splits: dict[str, str] = field(default_factory=dict)
    #: quick mode: property -> the strptime format of its dates (e.g. %d.%m.%Y)
    date_formats: dict[str, str] = field(default_factory=dict)


@dataclass
class IngestReport:
    dataset: str
    source: str
    format: str
    records: int
    entities: int
    statements: int
    rejected: int
    rejects_path: Path | None
    seconds: float
    #: values left out of kept records (``on_error="drop-value"``)
    dropped_values: int = 0

    @property
    def loaded(self) -> int:
        """Records stored (read, less rejected)."""
        return self.records - self.rejected

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["rejects_path"] = str(self.rejects_path) if self.rejects_path else None
        data["loaded"] = self.loaded
        return data


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class _Rejects:
    """Collects rejected rows: fatal under ``fail``, written to a JSON-lines
    file under ``skip`` (only created when something is rejected)."""

    def __init__(self, on_error: OnError, path: Path) -> None:
        self.on_error = on_error
        self.path = path
        self.count = 0
        self.dropped = 0
        self._fh: Any = None

    def __call__(self, error: InputError, data: dict[str, str] | None = None) -> None:
        """A record left out (or the ingest stopped, under ``fail``)."""
        if self.on_error == "fail":
            raise error
        self.count += 1
        self._write(error, data, "record rejected")

    def drop(self, error: InputError, data: dict[str, str]) -> None:
        """A value left out of a record that is kept."""
        self.dropped += 1
        self._write(error, data, "value dropped")

    def _write(self, error: InputError, data: dict[str, str] | None, action: str) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "wb")  # noqa: SIM115
        loc = error.location
        entry = {
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "error": error.problem,
            "action": action,
            "record": data,
        }
        self._fh.write(orjson.dumps(entry) + b"\n")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def ingest_file(
    store: StatementStore,
    path: Path,
    options: IngestOptions,
    rejects_dir: Path,
    progress: ProgressFn | None = None,
    origin: str | None = None,
) -> IngestReport:
    """Ingest one file; the entities it touched go on the store's index queue.
    ``origin``: where the data came from, if not the file itself (``-`` for
    standard input, copied to ``path`` first); the store records it."""
    started = datetime.now()
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", Location(str(path)))
    check_dataset_name(options.dataset)
    kind, fmt = _plan(path, options)
    total = path.stat().st_size
    stamp = started.strftime("%Y%m%dT%H%M%S%f")
    rejects = _Rejects(
        options.on_error, rejects_dir / f"{options.dataset}-{path.name}-{stamp}.jsonl"
    )
    txn = store.begin_ingest(
        options.dataset, path.name, origin or str(path.resolve()), file_sha256(path), fmt
    )
    batch = StatementBatch()
    records = 0
    try:
        items = _ftm_items(path, kind) if kind in ("entities", "statements") else None
        if items is not None:
            counters, stream = items
            for item in stream:
                records += 1
                if item.error is not None:
                    rejects(item.error)
                    continue
                _add_ftm_item(batch, item)
                if len(batch) >= BATCH_STATEMENTS:
                    txn.append(batch)
                    batch = StatementBatch()
                    if progress:
                        progress(sum(c.count for c in counters), total, records)
        else:
            mapping = _compile(path, options, fmt)
            reader = open_records(path, fmt, options.encoding, options.sheet, options.delimiter)
            _check_columns(mapping, reader.columns, path, options)
            spath = str(path)
            pending: list[InputError] = []
            for record in reader:
                records += 1
                if record.error is not None:
                    rejects(record.error, record.data)
                    continue
                entities = mapping.map(record.data, pending.append)
                if pending:
                    for error in pending:
                        loc = error.location
                        error.location = Location(spath, record.line, loc.column if loc else None)
                        error.args = (error.message,)
                    if options.on_error != "drop-value":
                        rejects(pending[0], record.data)
                        pending.clear()
                        continue
                    # the values were left out of the entities already
                    for error in pending:
                        rejects.drop(error, record.data)
                    pending.clear()
                line = record.line
                append = batch.rows.append
                for entity in entities:
                    eid, schema = entity.id, entity.schema
                    append((eid, schema, BASE_PROP, BASE_PROP, eid, None, None, line))
                    for prop, value, raw in entity.values:
                        append((eid, schema, prop.name, prop.type.name, value, raw, None, line))
                if len(batch) >= BATCH_STATEMENTS:
                    txn.append(batch)
                    batch = StatementBatch()
                    if progress:
                        progress(reader.bytes_read, total, records)
        txn.append(batch)
        txn.flush()
        entity_count = txn.commit(records, rejects.count)
    except BaseException:
        txn.rollback()
        raise
    finally:
        rejects.close()
    if progress:
        progress(total, total, records)
    report = IngestReport(
        dataset=options.dataset,
        source=path.name,
        format=kind if kind in ("entities", "statements") else fmt,
        records=records,
        entities=entity_count,
        statements=txn.statements,
        rejected=rejects.count,
        rejects_path=rejects.path if rejects.count or rejects.dropped else None,
        seconds=(datetime.now() - started).total_seconds(),
        dropped_values=rejects.dropped,
    )
    return report


def check_dataset_name(name: str) -> None:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", name or ""):
        raise InputError(
            f"invalid dataset name {name!r}",
            hint="use letters, digits, '_', '-' or '.', starting with a letter or digit",
        )


def _plan(path: Path, options: IngestOptions) -> tuple[str, str]:
    """Decide how to read the file: ('mapping'|'quick'|'entities'|'statements', format)."""
    if options.mapping is not None and options.schema is not None:
        raise InputError("use either --mapping or --schema/--map, not both")
    if options.mapping is not None:
        return "mapping", options.format or detect_format(path)
    if options.schema is not None:
        return "quick", options.format or detect_format(path)
    if options.maps:
        raise InputError("--map needs --schema", hint="for example --schema Person --map name=name")
    kind = sniff_ftm(path)
    if kind is not None:
        return kind, "ftm"
    raise InputError(
        "this file is not FtM data, so Threadline needs to know how to map it",
        Location(str(path)),
        hint="pass --mapping FILE (an `ftm map` YAML) or --schema SCHEMA --map prop=column ...",
    )


def _compile(path: Path, options: IngestOptions, fmt: str) -> CompiledMapping:
    if options.mapping is not None:
        config = load_mapping_file(options.mapping)
        return CompiledMapping(config, options.dataset, str(options.mapping))
    assert options.schema is not None
    config = quick_mapping(
        options.schema,
        options.maps,
        options.keys or None,
        splits=options.splits,
        date_formats=options.date_formats,
    )
    return CompiledMapping(config, options.dataset, "--schema/--map")


def _check_columns(
    mapping: CompiledMapping, columns: list[str] | None, path: Path, options: IngestOptions
) -> None:
    """A mapping column missing from the header is almost always a typo; ``ftm
    map`` would silently map nothing, we say so up front."""
    if columns is None:
        return
    missing = sorted(mapping.columns - set(columns))
    if missing:
        where = str(options.mapping) if options.mapping else "--map"
        raise MappingError(
            f"column {missing[0]!r} used by {where} is not in the header of {path.name}",
            Location(str(path), 1, missing[0]),
            hint=f"the columns are: {', '.join(columns)}",
        )


def _ftm_items(path: Path, kind: str) -> tuple[list[CountingReader], Iterator[FtMItem]]:
    counters: list[CountingReader] = []
    if kind == "entities":
        return counters, read_ftm_entities(path, counters)
    return counters, read_ftm_statements(path, counters)


def _add_ftm_item(batch: StatementBatch, item: FtMItem) -> None:
    assert item.schema is not None
    eid, schema, line = item.entity_id, item.schema.name, item.line
    if item.with_base:
        batch.add(eid, schema, BASE_PROP, BASE_PROP, eid, None, None, line)
    for v in item.values:
        batch.add(eid, schema, v.prop.name, v.prop.type.name, v.value, v.original, v.lang, line)
