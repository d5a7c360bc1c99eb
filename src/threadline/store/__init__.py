"""Statement storage: the interface (``threadline.store.base``) and its
engines. Callers open a store here and hold it as a ``StatementStore``; only
this function names an engine."""

from __future__ import annotations

from pathlib import Path

from threadline.store.base import StatementStore


def open_store(path: Path, memory_limit: str = "256MB") -> StatementStore:
    """The workspace's statement store at ``path`` (DuckDB, the embedded engine)."""
    from threadline.store.duckdb import DuckDBStore

    return DuckDBStore(path, memory_limit=memory_limit)


__all__ = ["StatementStore", "open_store"]
