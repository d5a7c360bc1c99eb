"""The link graph of a PostgreSQL store, built by the same SQL as the DuckDB
engine's (``threadline.store.duckdb.links``): the live statements that make
nodes and edges are read out of PostgreSQL into Arrow and handed to an
in-memory DuckDB, so both engines give the same graph by one definition.

This reads the statements the graph needs (every statement's id, entity,
schema, property, type, value and dataset) into memory once per build; the
graph cache on disk makes that a rare event. DuckDB's own ``postgres``
extension would read them in place, but it is a download at run time,
which Threadline does not do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from threadline.store.duckdb.links import read_link_edges as duckdb_edges
from threadline.store.duckdb.links import read_link_nodes as duckdb_nodes

if TYPE_CHECKING:
    from threadline.store.postgres.store import PostgresStore

_COLUMNS = ["id", "entity_id", "schema", "prop", "prop_type", "value", "dataset"]
_CHUNK = 100_000


def live_statements(store: PostgresStore) -> pa.Table:
    """The graph's columns of every live statement, as one Arrow table."""
    sql = f"SELECT {', '.join(_COLUMNS)} FROM live_statements"
    batches = [
        pa.RecordBatch.from_arrays(
            [pa.array(list(col), pa.string()) for col in zip(*rows, strict=True)],
            names=_COLUMNS,
        )
        for rows in store.stream_rows(sql, {}, _CHUNK)
    ]
    schema = pa.schema([(name, pa.string()) for name in _COLUMNS])
    return pa.Table.from_batches(batches, schema=schema)


def _duckdb_over(store: PostgresStore) -> tuple[duckdb.DuckDBPyConnection, bool]:
    con = duckdb.connect()
    con.register("live_statements", live_statements(store))
    resolved = store.has_resolution()
    if resolved:
        canonical = store.resolution().canonical_map()
        con.register(
            "canonical",
            pa.table(
                {
                    "entity_id": pa.array(list(canonical), pa.string()),
                    "canonical_id": pa.array(list(canonical.values()), pa.string()),
                }
            ),
        )
    return con, resolved


def read_link_nodes(store: PostgresStore) -> pa.Table:
    con, resolved = _duckdb_over(store)
    try:
        return duckdb_nodes(con, resolved)
    finally:
        con.close()


def read_link_edges(store: PostgresStore, pivots: Sequence[str], mentions: bool) -> pa.Table:
    con, resolved = _duckdb_over(store)
    try:
        return duckdb_edges(con, resolved, pivots, mentions)
    finally:
        con.close()
