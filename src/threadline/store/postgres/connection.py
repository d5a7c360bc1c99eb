"""Connections to the PostgreSQL store: how a URL is checked and opened, and
how a change is serialised with every other process's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import TupleRow

from threadline.errors import WorkspaceError
from threadline.store.postgres.tables import LOCK_CLASS, WRITE_LOCK

#: a connection as the store uses it (rows as tuples)
Conn = psycopg.Connection[TupleRow]
Cursor = psycopg.Cursor[TupleRow]

#: the URL schemes of a PostgreSQL store
SCHEMES = ("postgresql", "postgres")


def is_postgres_url(location: str) -> bool:
    return urlsplit(location).scheme in SCHEMES


def display_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str) -> Conn:
    """A connection in autocommit: every statement outside an explicit
    transaction is its own, so a reader never holds a snapshot open."""
    if not is_postgres_url(url):
        raise WorkspaceError(
            f"{display_url(url)} is not a PostgreSQL URL: use "
            "postgresql://USER@HOST:PORT/DATABASE (the password in $PGPASSWORD or ~/.pgpass)"
        )
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise WorkspaceError(
            f"cannot open the statement store at {display_url(url)}: {exc}".strip()
        ) from exc


@contextmanager
def serialised(conn: Conn) -> Iterator[Cursor]:
    """One transaction holding the store's write lock: the switches of
    ingests, drops and retirements from every process happen one at a time,
    so each sees the live ingests the one before it left."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, WRITE_LOCK])
        yield cur
