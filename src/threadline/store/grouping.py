"""Statements sorted by entity id, read as one (id, schemata, datasets,
props, values) per entity: the lean shape of ``iter_entity_values``, the
same whichever engine sorted them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyarrow as pa

from threadline.model.statements import EntityValues


def grouped_values(reader: Iterable[pa.RecordBatch]) -> Iterator[EntityValues]:
    """Rows sorted by entity id (then property), as one (id, schemata,
    datasets, props, values) per entity; the ``id`` pseudo-property gives
    only its schema and dataset. Groups are found with Arrow and sliced out
    whole, not assembled row by row in Python."""
    import pyarrow.compute as pc  # not on import: opening a store needs no compute kernels

    pending: EntityValues | None = None
    for batch in reader:
        size = batch.num_rows
        if size == 0:
            continue
        ids = batch.column(0)
        changed = pc.not_equal(ids.slice(1), ids.slice(0, size - 1))
        starts = [0, *(i + 1 for i in pc.indices_nonzero(changed).to_pylist())]
        group_ids = ids.take(starts).to_pylist()
        schema, dataset, prop, value = (batch.column(i).to_pylist() for i in range(1, 5))
        ends = [*starts[1:], size]
        for entity_id, begin, end in zip(group_ids, starts, ends, strict=True):
            props = prop[begin:end]
            values = value[begin:end]
            if "id" in props:
                # sorted by property, so the id rows are one run
                first = props.index("id")
                last = first + props.count("id")
                del props[first:last], values[first:last]
            group = (
                entity_id,
                sorted(set(schema[begin:end])),
                sorted(set(dataset[begin:end])),
                props,
                values,
            )
            if pending is not None:
                if pending[0] == entity_id:
                    # an entity that spans two batches
                    group = merge_values(pending, group)
                else:
                    yield pending
            pending = group
    if pending is not None:
        yield pending


def merge_values(first: EntityValues, second: EntityValues) -> EntityValues:
    return (
        first[0],
        sorted({*first[1], *second[1]}),
        sorted({*first[2], *second[2]}),
        first[3] + second[3],
        first[4] + second[4],
    )
