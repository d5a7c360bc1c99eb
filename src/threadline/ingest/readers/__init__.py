"""Record readers: one module per file format. Each yields :class:`Record`
objects (a line/row number and a flat ``dict[str, str]``) with bounded memory,
and raises :class:`~threadline.errors.InputError` naming file, line and
column for anything it cannot read. ``formats`` says which reader reads
which format."""

from threadline.ingest.readers.base import ReadOptions, Record, RecordReader
from threadline.ingest.readers.formats import READERS, detect_format, open_records

__all__ = ["READERS", "ReadOptions", "Record", "RecordReader", "detect_format", "open_records"]
