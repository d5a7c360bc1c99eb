"""Statement storage: the interface (``threadline.store.base``) and its
engines. Callers open a store here and hold it as a ``StatementStore``; only
this function names an engine."""

from __future__ import annotations

from pathlib import Path

from threadline.store.base import StatementStore

#: the URL schemes that put a workspace's statements in PostgreSQL
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(path: Path, memory_limit: str = "256MB", url: str | None = None) -> StatementStore:
    """The workspace's statement store: at ``url`` when one is given (a
    ``postgresql://`` URL: team mode, shared by several processes), else the
    embedded DuckDB file at ``path``."""
    if url:
        from threadline.store.postgres import PostgresStore

        return PostgresStore(url)
    from threadline.store.duckdb import DuckDBStore

    return DuckDBStore(path, memory_limit=memory_limit)


__all__ = ["POSTGRES_SCHEMES", "StatementStore", "open_store"]
