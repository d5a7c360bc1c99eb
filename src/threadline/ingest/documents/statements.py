"""Entities from a worker -> statement batches, each value cleaned by its
FtM property type (a value FtM rejects is left out, not fatal: a document's
metadata is whatever its author typed)."""

from __future__ import annotations

from followthemoney import model

from threadline.ingest.batch import BASE_PROP, StatementBatch
from threadline.ingest.documents.records import EntityOut
from threadline.model.fastclean import clean_value


def entity_rows(batch: StatementBatch, entity: EntityOut) -> int:
    """Append ``entity``'s statements to ``batch``; returns values left out."""
    schema = model.get(entity.schema)
    if schema is None:
        return len(entity.values)
    eid, name = entity.id, schema.name
    batch.add(eid, name, BASE_PROP, BASE_PROP, eid, None, None, None)
    dropped = 0
    for prop_name, raw, page in entity.values:
        prop = schema.get(prop_name)
        if prop is None or prop.stub:
            dropped += 1
            continue
        if prop.type.name == "text":
            # long text is kept as read: FtM's text cleaning only trims it
            value: str | None = raw.strip()
        else:
            value = clean_value(prop.type, raw[:4096], format=prop.format)
        if not value:
            dropped += 1
            continue
        original = None if value == raw else raw[:4096]
        batch.add(eid, name, prop.name, prop.type.name, value, original, None, page)
    return dropped
