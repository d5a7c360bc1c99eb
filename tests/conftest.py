"""Shared fixtures: fresh workspaces and small helpers to write input files
and to compare what the store holds with what FollowTheMoney itself makes.

Helpers are exposed as session-scoped fixtures (they are plain functions), so
Hypothesis tests may use them without the function-scoped-fixture health
check complaining."""

from __future__ import annotations

import copy
import csv
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from threadline.workspace import Workspace

#: entity id -> (schema name, {property: set of values})
Snapshot = dict[str, tuple[str, dict[str, frozenset[str]]]]

BIN = Path(sys.executable).parent


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    delimiter: str = ",",
) -> Path:
    """Write a UTF-8 CSV (or TSV) the way a spreadsheet program would."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def write_mapping(
    path: Path,
    entities: dict[str, Any] | None = None,
    *,
    queries: list[dict[str, Any]] | None = None,
    dataset: str = "ds",
    csv_url: str = "data.csv",
    filters: dict[str, Any] | None = None,
    filters_not: dict[str, Any] | None = None,
) -> Path:
    """Write an ``ftm map`` mapping YAML: ``{dataset: {queries: [...]}}``.

    Either give ``entities`` (one query) or full ``queries`` (``csv_url`` is
    filled in where a query lacks one)."""
    if queries is None:
        assert entities is not None
        query: dict[str, Any] = {"entities": entities}
        if filters:
            query["filters"] = filters
        if filters_not:
            query["filters_not"] = filters_not
        queries = [query]
    queries = [dict(q) for q in queries]
    for q in queries:
        q.setdefault("csv_url", csv_url)
    path.write_text(
        yaml.safe_dump({dataset: {"queries": queries}}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def snapshot(ws: Workspace, dataset: str | None = None) -> Snapshot:
    """What the store holds: id -> (schema, {prop: values})."""
    out: Snapshot = {}
    for entity in ws.entities(dataset):
        props = {name: frozenset(values) for name, values in entity.proxy.properties.items()}
        out[entity.id] = (entity.schema.name, props)
    return out


def merge_fragments(entities: Iterable[Any]) -> Snapshot:
    """Aggregate FtM entity fragments (proxies) by id, the way the store
    aggregates statements: the union of each property's values."""
    schemata: dict[str, set[str]] = {}
    props: dict[str, dict[str, set[str]]] = {}
    for proxy in entities:
        schemata.setdefault(proxy.id, set()).add(proxy.schema.name)
        merged = props.setdefault(proxy.id, {})
        for name, values in proxy.properties.items():
            merged.setdefault(name, set()).update(values)
    out: Snapshot = {}
    for eid, names in schemata.items():
        assert len(names) == 1, f"FtM gave {eid} several schemata: {names}"
        out[eid] = (names.pop(), {k: frozenset(v) for k, v in props[eid].items()})
    return out


def ftm_fragments(mapping_file: Path, csv_path: Path, dataset: str) -> list[Any]:
    """Run FollowTheMoney's own mapping over ``csv_path``, in process, exactly
    as ``ftm map -d DATASET`` does (``map_entities`` + ``Namespace.apply``);
    returns the signed entity fragments in order."""
    from banal import keys_values
    from followthemoney import model
    from followthemoney.cli.util import load_mapping_file
    from followthemoney.namespace import Namespace

    config = load_mapping_file(mapping_file)
    ns = Namespace(dataset)
    fragments = []
    logging.getLogger("followthemoney").setLevel(logging.ERROR)
    for meta in config.values():
        for query in keys_values(meta, "queries", "query"):
            query = copy.deepcopy(query)
            query["csv_url"] = str(csv_path.resolve())
            for entity in model.map_entities(query, key_prefix=dataset, dataset=dataset):
                fragments.append(ns.apply(entity))
    return fragments


def ftm_map(mapping_file: Path, csv_path: Path, dataset: str) -> Snapshot:
    """``ftm map -d DATASET`` in process, fragments aggregated by id."""
    return merge_fragments(ftm_fragments(mapping_file, csv_path, dataset))


#: the purpose the tests' command lines state for reading entity data
TEST_PURPOSE = "automated tests"


@pytest.fixture(autouse=True)
def stated_purpose(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test states a purpose for the command line's reads, as a user
    must (the process and its children see it); tests of the refusal
    without one remove it."""
    monkeypatch.setenv("THREADLINE_PURPOSE", TEST_PURPOSE)


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``threadline`` command as a real process, off a
    terminal (as in a pipe or a cron job: rich's default width, no
    ``$COLUMNS``). It costs seconds of imports; the ``cli`` fixture runs
    ``main()`` in process instead."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "THREADLINE_WORKSPACE")}
    env.setdefault("THREADLINE_PURPOSE", TEST_PURPOSE)
    return subprocess.run(
        [str(BIN / "threadline"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=env,
    )


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
    """The helper functions above, as one namespace object."""
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
