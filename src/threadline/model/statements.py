"""The unit of storage: a statement, one value of one entity with its source.
Every layer speaks these types; they depend on nothing of Threadline's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class StatementRow:
    id: str
    entity_id: str
    schema: str
    prop: str
    prop_type: str
    value: str
    original_value: str | None
    lang: str | None
    dataset: str
    source: str
    source_line: int | None
    first_seen: datetime
    last_seen: datetime


#: per entity: (id, schemata, datasets, props, values)
EntityValues: TypeAlias = tuple[str, list[str], list[str], list[str], list[str]]


#: The columns of a batch of statements as ingest hands it to the store; the
#: store adds the id, dataset, source, dates and ingest it belongs to.
STATEMENT_COLUMNS = [
    "entity_id",
    "schema",
    "prop",
    "prop_type",
    "value",
    "original_value",
    "lang",
    "source_line",
]
