"""Record readers: one module per file format. Each yields :class:`Record`
objects (a line/row number and a flat ``dict[str, str]``) with bounded memory,
and raises :class:`~threadline.errors.InputError` naming file, line and
column for anything it cannot read."""

from threadline.ingest.readers.base import Record, RecordReader, open_records

__all__ = ["Record", "RecordReader", "open_records"]
