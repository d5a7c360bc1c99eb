"""Search for team mode, measured before choosing: the embedded Tantivy index
against PostgreSQL trigram search (``pg_trgm``) over the normalised,
transliterated name keys, on the same entities and the same name-variant
queries as ``bench_search.py`` (exact, one typo, the other script, two
tokens reversed).

recall@10: a query counts as found when any of the first ten hits bears the
target's name (``bench_search.found``: many entities share a name, so the
target's id is not the test). Latency is per query, after a warm-up.

    python bench/bench_search_pg.py --n 100000 \\
        --pg postgresql://postgres@localhost:5432/test

PostgreSQL gets a schema of its own (and ``pg_trgm`` when missing), dropped
afterwards."""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from bench_search import KINDS, Target, found, generate, make_queries
from threadline.search.base import IndexDoc, SearchQuery
from threadline.search.tantivy_index import TantivyIndex
from threadline.search.text import name_tokens

LIMIT = 10


def key(name: str) -> str:
    """The normalised, transliterated name key both engines compare."""
    return " ".join(name_tokens(name))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--pg", default="postgresql://postgres@localhost:5432/test")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    targets: list[Target] = []
    docs: list[IndexDoc] = list(generate(args.n, rng, targets, keep=5000))
    queries = make_queries(rng, targets, args.queries)

    results: dict[str, dict[str, Any]] = {}
    root = Path(tempfile.mkdtemp(prefix="threadline-bench-"))
    try:
        index = TantivyIndex(root / "index")
        began = time.perf_counter()
        for start in range(0, len(docs), 10_000):
            index.upsert(docs[start : start + 10_000])
        index.commit(1)
        build = time.perf_counter() - began

        def tantivy(text: str) -> list[str]:
            return [hit.caption for hit in index.search(SearchQuery(text, limit=LIMIT))]

        results["tantivy"] = measure(tantivy, queries, build)
        index.close()
    finally:
        shutil.rmtree(root)

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as admin:
        admin.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'SET search_path = "{schema}", public')
            began = time.perf_counter()
            conn.execute("CREATE TABLE names (entity_id TEXT, caption TEXT, key TEXT)")
            with conn.cursor() as cur, cur.copy("COPY names FROM STDIN") as copy:
                for doc in docs:
                    for name in doc.names:
                        copy.write_row((doc.entity_id, doc.caption, key(name)))
            conn.execute("CREATE INDEX names_trgm ON names USING gin (key gin_trgm_ops)")
            conn.execute("ANALYZE names")
            build = time.perf_counter() - began

            def trigram(text: str) -> list[str]:
                rows = conn.execute(
                    "SELECT caption FROM names WHERE key %% %(q)s "
                    "ORDER BY similarity(key, %(q)s) DESC, entity_id LIMIT %(limit)s",
                    {"q": key(text), "limit": LIMIT},
                ).fetchall()
                return [str(r[0]) for r in rows]

            results["pg_trgm"] = measure(trigram, queries, build)
    finally:
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')

    for engine, summary in results.items():
        print(f"{engine}: build {summary['build_seconds']} s, p50 {summary['p50_ms']} ms, "
              f"p95 {summary['p95_ms']} ms")  # fmt: skip
        for kind, recall in summary["recall_at_10"].items():
            print(f"  {kind:10} recall@10 {recall:.3f}")
    print(json.dumps({"n": args.n, "queries": len(queries), **results}))


def measure(
    search: Callable[[str], list[str]], queries: list[tuple[str, str, Target]], build: float
) -> dict[str, Any]:
    for _, text, _ in queries[:50]:  # warm caches
        search(text)
    hits = dict.fromkeys(KINDS, 0)
    asked = dict.fromkeys(KINDS, 0)
    latencies: list[float] = []
    for kind, text, target in queries:
        began = time.perf_counter()
        captions = search(text)
        latencies.append((time.perf_counter() - began) * 1000)
        asked[kind] += 1
        hits[kind] += any(found(text, target, [c]) for c in captions)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "build_seconds": round(build, 1),
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "recall_at_10": {k: round(hits[k] / asked[k], 3) for k in KINDS},
        "recall_at_10_all": round(sum(hits.values()) / len(queries), 3),
    }


if __name__ == "__main__":
    main()
