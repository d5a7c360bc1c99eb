"""Entities assembled from statements, with the source of every value."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from followthemoney import model
from followthemoney.entity import ValueEntity
from followthemoney.exc import InvalidData
from followthemoney.schema import Schema

from threadline.model.statements import StatementRow


@dataclass(frozen=True)
class Entity:
    """An entity as the store knows it: an FtM proxy plus, for each value,
    every (dataset, source, line) it came from."""

    proxy: ValueEntity
    statements: list[StatementRow]

    @property
    def id(self) -> str:
        return str(self.proxy.id)

    @property
    def schema(self) -> Schema:
        return self.proxy.schema

    @property
    def caption(self) -> str:
        return str(self.proxy.caption)

    @property
    def members(self) -> list[str]:
        """The source entity ids merged into this one (just its own id when
        it is not merged)."""
        return sorted({s.entity_id for s in self.statements})

    @property
    def datasets(self) -> list[str]:
        return sorted({s.dataset for s in self.statements})

    def to_dict(self) -> dict[str, Any]:
        data = self.proxy.to_dict()
        data["caption"] = self.caption
        data["datasets"] = self.datasets
        data["members"] = self.members
        data["sources"] = [
            {
                "entity_id": s.entity_id,
                "prop": s.prop,
                "value": s.value,
                "original_value": s.original_value,
                "dataset": s.dataset,
                "source": s.source,
                "line": s.source_line,
                "first_seen": s.first_seen.isoformat(),
                "last_seen": s.last_seen.isoformat(),
            }
            for s in self.statements
        ]
        return data


@functools.lru_cache(maxsize=1024)
def _common_schema(names: frozenset[str]) -> Schema:
    ordered = sorted(names)
    schema = model.get(ordered[0])
    assert schema is not None
    for name in ordered[1:]:
        try:
            schema = model.common_schema(schema, name)
        except InvalidData:
            continue
    return schema


def common_schema(names: set[str]) -> Schema:
    """The most specific schema compatible with all ``names``: sources may
    call the same id a LegalEntity and a Company. Incompatible schemata (a
    data error upstream) fall back to the first name, sorted, so the result is
    stable."""
    return _common_schema(frozenset(names))


def assemble(rows: list[StatementRow], entity_id: str | None = None) -> Entity:
    """Build one entity from its statements: all of one entity id, or of the
    members of a resolved cluster, then named ``entity_id`` (the canonical
    id)."""
    schema = common_schema({r.schema for r in rows})
    proxy = ValueEntity(schema, {"id": entity_id or rows[0].entity_id}, cleaned=True)
    for row in rows:
        if row.prop == "id":
            continue
        prop = schema.get(row.prop)
        if prop is None:
            continue  # property of an incompatible schema; kept in statements
        proxy.unsafe_add(prop, row.value, cleaned=True)
    proxy.datasets = {r.dataset for r in rows}
    return Entity(proxy, rows)
