"""Columnar statement batches, handed to the store as Arrow tables."""

from __future__ import annotations

import pyarrow as pa

from threadline.model.statements import STATEMENT_COLUMNS

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
    """Statements as row tuples; one ``append`` per statement is the cheapest
    thing Python can do per value, and ``zip(*rows)`` transposes in C."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: list[tuple[object, ...]] = []

    def __len__(self) -> int:
        return len(self.rows)

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
        self.rows.append((entity_id, schema, prop, prop_type, value, original, lang, line))

    def to_arrow(self) -> pa.Table:
        if not self.rows:
            return ARROW_SCHEMA.empty_table()
        columns = list(zip(*self.rows, strict=True))
        return pa.Table.from_arrays(
            [pa.array(col, type=f.type) for col, f in zip(columns, ARROW_SCHEMA, strict=True)],
            schema=ARROW_SCHEMA,
        )
