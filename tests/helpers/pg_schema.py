"""A throwaway PostgreSQL schema for the server-mode tests.

PostgreSQL is expected at localhost:5432 (database ``test``, user
``postgres``; override with $THREADLINE_TEST_PG). Where it is unreachable
the server half of a test is skipped, except in CI ($CI set), where it
fails: CI must not pass by skipping it."""

from __future__ import annotations

import hashlib
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


def require_pg() -> None:
    """Skip the test when PostgreSQL is unreachable, or fail it in CI."""
    problem = pg_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{problem} (CI is set, so the PostgreSQL tests must run)")
        pytest.skip(problem)


def _schema_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def folder_schema(folder: Path) -> str:
    """The schema that stands for a test's folder: the same name in every
    process that opens the folder (a child process killed half-way, then
    the test reopening it), and a different one for every test."""
    return "test_store_" + hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:16]


def folder_store_url(folder: Path) -> str:
    """The URL of the PostgreSQL statement store of a test's folder, its
    schema created when missing (drop it with :func:`drop_folder_schema`)."""
    require_pg()
    schema = folder_schema(folder)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return _schema_url(schema)


def drop_folder_schema(folder: Path) -> None:
    """Drop the folder's schema if it was made (a test that skipped made none)."""
    if pg_problem() is not None:
        return
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{folder_schema(folder)}" CASCADE')


@contextmanager
def fresh_schema(prefix: str) -> Iterator[str]:
    """The URL of a new, empty schema, dropped afterwards (call it inside a
    fixture: it skips or fails the test when PostgreSQL is unreachable)."""
    require_pg()
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _schema_url(schema)
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
