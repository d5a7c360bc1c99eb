"""Blocking keys: which pairs are worth scoring at all.

Every record gets one list of keys, the union of its name, phonetic,
word-pair, initial, identifier, date-with-initial and contact keys, each
prefixed with its kind and the record's match group (so a person never
blocks with a company). Two records are scored when they share a key.

A key shared by very many records ("p:ivan": every Ivan whose surname starts
with P) would make the number of pairs grow with the square of the data and
says little; keys held by more than ``cap`` records are dropped (capped
blocking). Records keep their other keys, so true pairs are still found
through rarer ones. Computed with Arrow, so every engine gets the same keys.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Feature columns that feed the blocking keys, with their prefixes.
KEY_COLUMNS = {
    "name_keys": "n",
    "name_phonetic": "ph",
    "name_pairs": "pr",
    "name_initials": "in",
    "id_values": "id",
    "date_blocks": "d",
    "contacts": "c",
}
#: Keys held by more records than this are not used for blocking.
DEFAULT_CAP = 1000


def _keys(table: pa.Table) -> tuple[np.ndarray, pa.Array]:
    """(row index, key) for every key of every row."""
    rows: list[np.ndarray] = []
    keys: list[pa.Array] = []
    groups = table.column("match_group").combine_chunks()
    for column, prefix in KEY_COLUMNS.items():
        values = table.column(column).combine_chunks()
        flat = pc.list_flatten(values)
        if len(flat) == 0:
            continue
        parents = pc.list_parent_indices(values).to_numpy(zero_copy_only=False)
        group = pc.take(groups, pa.array(parents))
        keys.append(pc.binary_join_element_wise(group, pa.scalar(prefix), flat, ":"))
        rows.append(parents)
    if not keys:
        return np.zeros(0, dtype=np.int64), pa.array([], pa.string())
    return np.concatenate(rows), pa.concat_arrays(keys)


def add_block_keys(table: pa.Table, cap: int = DEFAULT_CAP, *others: pa.Table) -> pa.Table:
    """``table`` with a ``block_keys`` list column. Key frequencies count
    ``table`` and ``others`` together (screening counts the store too)."""
    rows, keys = _keys(table)
    counted = [keys] + [_keys(other)[1] for other in others]
    counts = pc.value_counts(pa.concat_arrays(counted)) if len(keys) else None
    if counts is not None and len(counts):
        frequent = counts.field("values").filter(pc.greater(counts.field("counts"), cap))
        keep = pc.invert(pc.is_in(keys, value_set=frequent)).to_numpy(zero_copy_only=False)
        rows, keys = rows[keep], keys.filter(pa.array(keep))
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    keys = keys.take(pa.array(order))
    sizes = np.bincount(rows, minlength=table.num_rows)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets), keys)
    # Rows without any key get NULL, so the exploding join skips them.
    lists = pc.if_else(pc.greater(pa.array(sizes), 0), lists, pa.scalar(None, lists.type))
    return table.append_column("block_keys", lists)
