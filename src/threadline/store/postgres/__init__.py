"""The team engine: statements and the resolution's tables in PostgreSQL,
shared by every process of a workspace, on one machine or several."""

from threadline.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
