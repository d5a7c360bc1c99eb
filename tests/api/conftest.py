"""Fixtures of the API tests. The investigation is built and resolved once
per session (seconds: the resolver trains a model); each test module gets
its own copy with its own app, users and case, so modules may change data
(judgements, ingests) without disturbing each other."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from api_helpers import PG_URL, Api, build_workspace, make_api, pg_problem


@pytest.fixture(scope="session")
def template_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ws"
    build_workspace(path)
    return path


@pytest.fixture(scope="module")
def workspace_copy(template_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("ws") / "ws"
    shutil.copytree(template_workspace, target)
    return target


@pytest.fixture(scope="module")
def api(workspace_copy: Path) -> Iterator[Api]:
    """The app over this module's copy, with the embedded app database."""
    made = make_api(workspace_copy)
    yield made
    made.state.close()


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped after the module. Skipped where the
    server is unreachable, except in CI ($CI), where that fails."""
    problem = pg_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{problem} (CI is set, so the PostgreSQL tests must run)")
        pytest.skip(problem)
    schema = f"test_api_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
