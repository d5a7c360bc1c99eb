"""The embedded engine: statements and the resolution's tables in one DuckDB
file in the workspace. DuckDB lets one process write a file at a time."""

from threadline.store.duckdb.store import DuckDBStore

__all__ = ["DuckDBStore"]
