"""Parquet records, read in record batches so memory stays bounded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Self

from threadline.errors import InputError, Location
from threadline.ingest.readers.base import ReadOptions, Record, RecordReader
from threadline.ingest.readers.cells import clean_cell


class ParquetReader(RecordReader):
    BATCH_ROWS = 16_384

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.path = path
        try:
            self._file = pq.ParquetFile(path)
        except Exception as exc:
            raise InputError(f"not a readable Parquet file ({exc})", Location(str(path))) from exc
        self.columns: list[str] | None = list(self._file.schema_arrow.names)
        self._rows = self._file.metadata.num_rows
        self._done = 0
        self._size = path.stat().st_size

    @classmethod
    def open(cls, path: Path, options: ReadOptions) -> Self:
        return cls(path)

    @property
    def bytes_read(self) -> int:
        return int(self._size * self._done / max(1, self._rows))

    def __iter__(self) -> Iterator[Record]:
        line = 0
        for batch in self._file.iter_batches(batch_size=self.BATCH_ROWS):
            for row in batch.to_pylist():
                line += 1
                data: dict[str, str] = {}
                for key, value in row.items():
                    text = clean_cell(value)
                    if text is not None:
                        data[key] = text
                yield Record(line, data)
            self._done = line
