"""The statement store on DuckDB (embedded) and on PostgreSQL (team mode),
side by side in one run: one ingest of N people through the store
interface, a full ``iter_entity_values`` read (what indexing and resolution
read) and ``link_nodes`` (what the graph reads, through an in-memory DuckDB
on PostgreSQL).

    python bench/bench_pg_store.py --entities 50000 \\
        --pg postgresql://postgres@localhost:5432/test

PostgreSQL gets a schema of its own, dropped afterwards."""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg

from threadline.ingest.batch import StatementBatch
from threadline.store.base import StatementStore
from threadline.store.duckdb import DuckDBStore
from threadline.store.postgres import PostgresStore

BATCH = 20_000


def batches(entities: int) -> list[StatementBatch]:
    out: list[StatementBatch] = []
    batch = StatementBatch()
    for i in range(entities):
        eid = f"p{i:09d}"
        batch.add(eid, "Person", "id", "", eid, None, None, i)
        batch.add(eid, "Person", "name", "name", f"Person Number {i}", None, None, i)
        batch.add(eid, "Person", "birthDate", "date", f"19{i % 90 + 10}-01-01", None, None, i)
        batch.add(eid, "Person", "country", "country", "ru" if i % 2 else "ua", None, None, i)
        if (i + 1) % BATCH == 0:
            out.append(batch)
            batch = StatementBatch()
    out.append(batch)
    return out


def timed(what: str, fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    took = time.perf_counter() - start
    print(f"  {what:<22} {took:8.2f} s")
    return took


def run(name: str, store: StatementStore, entities: int) -> None:
    print(f"{name}:")
    data = batches(entities)

    def ingest() -> None:
        writer = store.begin_ingest("bench", "people.csv", "/people.csv", "0" * 64, "csv")
        for batch in data:
            writer.append(batch)
        writer.commit(records=entities, rejected=0)

    took = timed("ingest + commit", ingest)
    print(f"  {'':<22} {entities * 4 / took:8.0f} statements/s")
    timed("iter_entity_values", lambda: sum(1 for _ in store.iter_entity_values()))
    timed("link_nodes", store.link_nodes)
    timed("re-ingest (replace)", ingest)
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=50_000)
    parser.add_argument("--pg", default="postgresql://postgres@localhost:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("duckdb", DuckDBStore(Path(folder) / "store.duckdb", "256MB"), args.entities)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = f"{args.pg}?options=-csearch_path%3D{schema}"
        run("postgresql", PostgresStore(url), args.entities)
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
