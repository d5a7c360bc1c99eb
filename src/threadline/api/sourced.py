"""Values with their sources, as entity and document pages give them, and
which of them are personal details to mask."""

from __future__ import annotations

from typing import Any

from threadline.access.masking import Masking
from threadline.model.entity import Entity
from threadline.model.sensitive import is_sensitive
from threadline.model.statements import StatementRow


def sensitive_row(entity: Entity, row: StatementRow) -> bool:
    # the record's own schema and the resolved one: a person's tax number
    # stays masked when the person is resolved with a LegalEntity record
    return is_sensitive(row.schema, row.prop) or is_sensitive(entity.schema.name, row.prop)


def sourced_value(row: StatementRow) -> dict[str, Any]:
    return {
        "value": row.value,
        "original_value": row.original_value,
        "dataset": row.dataset,
        "source": row.source,
        "source_line": row.source_line,
        "entity_id": row.entity_id,
    }


def sourced_properties(
    entity: Entity, masking: Masking | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every value with its source; with ``masking``, personal details are
    replaced by a reference to reveal them by (``POST .../reveal``)."""
    properties: dict[str, list[dict[str, Any]]] = {}
    for row in entity.statements:
        if row.prop == "id":
            continue
        item = sourced_value(row)
        if masking is not None and sensitive_row(entity, row):
            del item["value"], item["original_value"]
            item["masked"] = True
            item["ref"] = masking.ref(entity.id, row.prop, row.value)
        properties.setdefault(row.prop, []).append(item)
    return properties
