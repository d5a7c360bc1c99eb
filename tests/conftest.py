"""Fixtures shared by the whole suite, and the fixture policy.

Layout: ``tests/<package>/`` tests ``src/threadline/<package>/`` (access,
api, cli, demo, export, graph, ingest, model, resolve, search, store, web);
``tests/e2e/`` runs the whole product as a user does (a real ``threadline``
process, a browser); ``tests/bench/`` tests the benchmark input generators;
``tests/test_public_api.py`` tests the package root (``threadline.__all__``).
tests/test_layout.py holds the suite to this.

Which fixture for what:

- ``stated_purpose`` (autouse): every test states ``TEST_PURPOSE`` in
  $THREADLINE_PURPOSE for the command line's reads; a test of the refusal
  without one deletes it with ``monkeypatch.delenv``.
- ``workspace``: one fresh workspace for a test (closed after it);
  ``make_workspace(name)`` when a test needs several.
- ``cli(*args)``: the ``threadline`` command in process, through ``main()``
  (exit code, stdout, stderr), stating a purpose for its reads. Use it for
  any command-line behaviour; it is fast.
- ``run_cli`` (``tests.helpers.cli``, also ``helpers.run_cli``): the real
  installed command as its own process. Only where the process matters
  (start-up, exit status seen by a shell, the demo end to end): it costs
  seconds of imports.
- ``helpers``: the plain functions of ``tests.helpers.ftm_mapping`` (and
  ``run_cli``) as one session-scoped object, so Hypothesis tests may use them
  without the function-scoped-fixture health check complaining.
- ``db_url``: the application database, parametrised over the embedded SQLite
  database and PostgreSQL (a fresh schema per test); use it for anything
  stored in the app database. PostgreSQL runs skip where the server is
  unreachable, except in CI.
- ``api``, ``workspace_copy``, ``template_workspace``, ``pg_url``
  (tests/api/conftest.py): the API app over a resolved copy of one
  investigation built once per session; ``access``, ``people``, ``clock``
  (tests/access/conftest.py): the access-control service and a case with its
  members; ``resolved`` (tests/resolve/conftest.py); ``server`` and
  ``chromium`` (tests/e2e/conftest.py): a real ``threadline serve``.

Where things go: a fixture used by one folder lives in that folder's
conftest.py, one used by several folders lives here. conftest.py files hold
fixtures only. Anything else shared (builders, records, constants, run_cli)
is a module of the ``tests.helpers`` package, imported as
``from tests.helpers.X import ...``; no test imports another test module or
a conftest."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.helpers.cli import TEST_PURPOSE, run_cli
from tests.helpers.ftm_mapping import (
    ftm_fragments,
    ftm_map,
    merge_fragments,
    snapshot,
    write_csv,
    write_mapping,
)
from tests.helpers.pg_schema import app_db_url
from threadline.workspace import Workspace


@pytest.fixture(autouse=True)
def stated_purpose(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test states a purpose for the command line's reads, as a user
    must (the process and its children see it); tests of the refusal
    without one remove it."""
    monkeypatch.setenv("THREADLINE_PURPOSE", TEST_PURPOSE)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.init(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture
def make_workspace(tmp_path: Path) -> Iterator[Callable[[str], Workspace]]:
    """Factory for extra workspaces in ``tmp_path`` (all closed after the test)."""
    opened: list[Workspace] = []

    def make(name: str) -> Workspace:
        ws = Workspace.init(tmp_path / name)
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run the ``threadline`` command in process, through ``main()`` (which
    maps library errors to messages and exit codes, unlike typer's
    CliRunner): returns (exit code, stdout, stderr). Starting the real command
    costs seconds of imports; ``run_cli`` does that where it matters."""
    from threadline.cli import app as app_module
    from threadline.cli import common

    monkeypatch.delenv("THREADLINE_WORKSPACE", raising=False)
    # reads of entity data need a purpose (tests/cli/test_cli_audit.py
    # checks the refusal without one)
    monkeypatch.setenv("THREADLINE_PURPOSE", TEST_PURPOSE)
    # in process, rich would wrap to the terminal pytest runs in
    monkeypatch.setattr(common.err, "soft_wrap", True)
    monkeypatch.setattr(common.out, "soft_wrap", True)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["threadline", "-q", *args])
        code = 0
        try:
            app_module.main()
        except SystemExit as exc:
            code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture(scope="session")
def helpers() -> Any:
    """The helper functions of ``tests.helpers``, as one namespace object."""
    fns = (
        write_csv,
        write_mapping,
        snapshot,
        merge_fragments,
        ftm_fragments,
        ftm_map,
        run_cli,
    )
    return SimpleNamespace(**{fn.__name__: fn for fn in fns})


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The app database, once embedded (SQLite under ``tmp_path``) and once on
    PostgreSQL (a fresh schema, dropped after): the access tests and the
    ``users``/``audit`` commands run against both."""
    with app_db_url(request.param, tmp_path, "test_access") as url:
        yield url
