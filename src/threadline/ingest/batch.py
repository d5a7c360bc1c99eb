"""Columnar statement batches, handed to the store as Arrow tables."""

from __future__ import annotations

import pyarrow as pa

from threadline.store.tables import STATEMENT_COLUMNS

ARROW_SCHEMA = pa.schema(
    [
        ("entity_id", pa.string()),
        ("schema", pa.string()),
        ("prop", pa.string()),
        ("prop_type", pa.string()),
        ("value", pa.string()),
        ("original_value", pa.string()),
        ("lang", pa.string()),
        ("source_line", pa.int64()),
    ]
)
assert ARROW_SCHEMA.names == STATEMENT_COLUMNS

#: FtM's pseudo-property that records an entity's schema (and here: each row it
#: was seen in), even when the row gave it no other value.
BASE_PROP = "id"


class StatementBatch:
    __slots__ = ("cols", "entities")

    def __init__(self) -> None:
        self.cols: list[list[object]] = [[] for _ in STATEMENT_COLUMNS]
        self.entities = 0

    def __len__(self) -> int:
        return len(self.cols[0])

    def add(
        self,
        entity_id: str,
        schema: str,
        prop: str,
        prop_type: str,
        value: str,
        original: str | None,
        lang: str | None,
        line: int | None,
    ) -> None:
        c = self.cols
        c[0].append(entity_id)
        c[1].append(schema)
        c[2].append(prop)
        c[3].append(prop_type)
        c[4].append(value)
        c[5].append(original)
        c[6].append(lang)
        c[7].append(line)

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_arrays(
            [pa.array(col, type=f.type) for col, f in zip(self.cols, ARROW_SCHEMA, strict=True)],
            schema=ARROW_SCHEMA,
        )
