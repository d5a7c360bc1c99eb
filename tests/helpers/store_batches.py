"""Small batches of statements and the ingest of one, as the store tests
(the contract suite, team mode) write them."""

from __future__ import annotations

import pyarrow as pa

from threadline.ingest.batch import StatementBatch
from threadline.store.base import StatementStore


def people(*rows: tuple[str, str]) -> pa.Table:
    """A batch of Person statements: (entity id, name) each."""
    batch = StatementBatch()
    for line, (entity_id, name) in enumerate(rows, start=1):
        batch.add(entity_id, "Person", "id", "", entity_id, None, None, line)
        batch.add(entity_id, "Person", "name", "name", name, name, None, line)
    return batch.to_arrow()


def ingest(store: StatementStore, dataset: str, source: str, batch: pa.Table) -> int:
    writer = store.begin_ingest(dataset, source, f"/data/{source}", "0" * 64, "csv")
    writer.append(batch)
    writer.flush()
    return writer.commit(records=batch.num_rows // 2, rejected=0)


def names(store: StatementStore) -> dict[str, list[str]]:
    """entity id -> its names, as readers see them."""
    found: dict[str, list[str]] = {}
    for group in store.iter_entity_groups():
        found[group[0].entity_id] = sorted(r.value for r in group if r.prop == "name")
    return found
