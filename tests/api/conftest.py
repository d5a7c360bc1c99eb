"""Fixtures of the API tests. The investigation is built and resolved once
per session (seconds: the resolver trains a model); each test module gets
its own copy with its own app, users and case, so modules may change data
(judgements, ingests) without disturbing each other."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.api import Api, build_workspace, make_api
from tests.helpers.pg_schema import fresh_schema


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
    with fresh_schema("test_api") as url:
        yield url
