"""Blocking keys: which pairs are worth scoring at all.

Every record gets one list of keys, the union of its name, phonetic,
word-pair, initial, identifier, date-with-initial and contact keys, each
prefixed with the record's match group and the key's kind (so a person never
blocks with a company). Two records are scored when they share a key.

A key shared by very many records ("Ivan P...") would make the number of
pairs grow with the square of the data and says little; keys held by more
records than their kind's cap are dropped (capped blocking). Records keep
their other keys, so true pairs are still found through rarer ones. Initial
keys ("i:petrov") have a low cap: an initial and a common surname are weak
evidence, and such keys are held by every "I... Petrov". Computed with Arrow,
so every engine gets the same keys.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Feature columns that feed the blocking keys: (prefix, cap).
KEY_COLUMNS = {
    "name_keys": ("n", 1000),
    "name_phonetic": ("ph", 1000),
    "name_pairs": ("pr", 1000),
    "name_initials": ("in", 20),
    "id_values": ("id", 1000),
    "date_blocks": ("d", 1000),
    "contacts": ("c", 1000),
}


def _column_keys(table: pa.Table, column: str, prefix: str) -> tuple[np.ndarray, pa.Array]:
    """(row index, key) for every key in one list column."""
    values = table.column(column).combine_chunks()
    flat = pc.list_flatten(values)
    if len(flat) == 0:
        return np.zeros(0, dtype=np.int64), pa.array([], pa.string())
    parents = pc.list_parent_indices(values).to_numpy(zero_copy_only=False)
    groups = pc.take(table.column("match_group").combine_chunks(), pa.array(parents))
    return parents, pc.binary_join_element_wise(groups, pa.scalar(prefix), flat, ":")


def add_block_keys(table: pa.Table, *others: pa.Table, scale: float = 1.0) -> pa.Table:
    """``table`` with a ``block_keys`` list column. Key frequencies count
    ``table`` and ``others`` together (screening counts the store too);
    ``scale`` multiplies every cap."""
    all_rows: list[np.ndarray] = []
    all_keys: list[pa.Array] = []
    for column, (prefix, cap) in KEY_COLUMNS.items():
        rows, keys = _column_keys(table, column, prefix)
        if len(keys) == 0:
            continue
        counted = pa.concat_arrays([keys] + [_column_keys(o, column, prefix)[1] for o in others])
        counts = pc.value_counts(counted)
        frequent = counts.field("values").filter(pc.greater(counts.field("counts"), cap * scale))
        if len(frequent):
            keep = pc.invert(pc.is_in(keys, value_set=frequent))
            rows = rows[keep.to_numpy(zero_copy_only=False)]
            keys = keys.filter(keep)
        all_rows.append(rows)
        all_keys.append(keys)
    if all_rows:
        rows = np.concatenate(all_rows)
        keys = pa.concat_arrays(all_keys)
    else:
        rows, keys = np.zeros(0, dtype=np.int64), pa.array([], pa.string())
    order = np.argsort(rows, kind="stable")
    keys = keys.take(pa.array(order))
    sizes = np.bincount(rows[order], minlength=table.num_rows)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets), keys)
    # Rows without any key get NULL, so the exploding join skips them.
    lists = pc.if_else(pc.greater(pa.array(sizes), 0), lists, pa.scalar(None, lists.type))
    return table.append_column("block_keys", lists)
