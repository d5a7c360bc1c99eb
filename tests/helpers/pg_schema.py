"""A throwaway PostgreSQL schema for the server-mode tests.

PostgreSQL is expected at localhost:5432 (database ``test``, user
``postgres``; override with $THREADLINE_TEST_PG). Where it is unreachable
the server half of a test is skipped, except in CI ($CI set), where it
fails: CI must not pass by skipping it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import psycopg
import pytest

PG_URL = os.environ.get("THREADLINE_TEST_PG", "postgresql://postgres@localhost:5432/test")


@cache  # one probe per test run, not one per parametrized test
def pg_problem() -> str | None:
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_URL} is unreachable: {exc}"
    return None


@contextmanager
def fresh_schema(prefix: str) -> Iterator[str]:
    """The URL of a new, empty schema, dropped afterwards (call it inside a
    fixture: it skips or fails the test when PostgreSQL is unreachable)."""
    problem = pg_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{problem} (CI is set, so the PostgreSQL tests must run)")
        pytest.skip(problem)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def app_db_url(kind: str, folder: Path, prefix: str) -> Iterator[str]:
    """An empty app database: a SQLite file in ``folder`` (``kind``
    "sqlite"), or a fresh PostgreSQL schema (``kind`` "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'app.sqlite'}"
        return
    with fresh_schema(prefix) as url:
        yield url
