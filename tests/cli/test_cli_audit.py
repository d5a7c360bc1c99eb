"""Reads of entity data from the command line are recorded under the local
account, with a case or a purpose, like the API's; without one they are
refused, unless an admin allowed it (a choice itself recorded)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from threadline.access import AccessControl
from threadline.access.trail import UNSTATED

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def ws(cli: Cli, tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert cli("init", str(path))[0] == 0
    source = tmp_path / "people.ftm.json"
    people = [
        {"id": "a", "schema": "Person", "properties": {"name": ["Ivan Petrov"]}},
        {"id": "o", "schema": "Ownership", "properties": {"owner": ["a"], "asset": ["c"]}},
        {"id": "c", "schema": "Company", "properties": {"name": ["Cobalt Marine"]}},
    ]
    source.write_text("\n".join(json.dumps(p) for p in people), "utf-8")
    assert cli("-w", str(path), "ingest", str(source), "-d", "leak")[0] == 0
    return path


def entries(ws: Path) -> list[tuple[str, str, str | None, str | None]]:
    with AccessControl.for_workspace(ws) as access:
        log = access.audit.log.entries(1000)
    return [(e.action, e.target or "", e.purpose, e.actor) for e in log]


def test_reads_are_recorded_with_their_purpose(
    cli: Cli, ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREADLINE_USER", "olga")
    w = ["-w", str(ws)]
    assert cli(*w, "search", "Ivan", "--purpose", "tip from a source")[0] == 0
    assert cli(*w, "show", "a", "--purpose", "checking the tip")[0] == 0
    assert cli(*w, "export", "--purpose", "report annex", "-o", str(ws.parent / "x.json"))[0] == 0
    assert cli(*w, "graph", "neighbours", "a", "--purpose", "who is around")[0] == 0
    recorded = entries(ws)
    assert ("search", "Ivan", "tip from a source", "local:olga") in recorded
    assert ("view", "a", "checking the tip", "local:olga") in recorded
    assert ("export", "entities ftm", "report annex", "local:olga") in recorded
    assert ("view", "graph neighbours a", "who is around", "local:olga") in recorded


def test_a_read_without_purpose_is_refused_and_nothing_is_shown(
    cli: Cli, ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("THREADLINE_PURPOSE")
    before = entries(ws)
    for command in (["search", "Ivan"], ["show", "a"], ["export"], ["graph", "owners", "c"]):
        code, out, err = cli("-w", str(ws), *command)
        assert code == 8, command
        assert "Ivan" not in out and "purpose" in err
    # nothing was read, and each refusal is on record
    added = entries(ws)[len(before) :]
    assert [action for action, _, _, _ in added] == ["refused"] * 4
    assert [target for _, target, _, _ in added][:2] == ["Ivan", "a"]


def test_an_admin_may_let_the_command_line_skip_the_purpose(
    cli: Cli, ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("THREADLINE_PURPOSE")
    assert cli("-w", str(ws), "audit", "policy", "--cli-purpose", "optional")[0] == 0
    code, out, _ = cli("-w", str(ws), "search", "Ivan", "--json")
    assert code == 0 and "Ivan Petrov" in out
    recorded = entries(ws)
    assert ("policy.change", "cli_purpose") in [(a, t) for a, t, _, _ in recorded]
    assert recorded[-1][:3] == ("search", "Ivan", UNSTATED)
    # and back: required again
    assert cli("-w", str(ws), "audit", "policy", "--cli-purpose", "required")[0] == 0
    assert cli("-w", str(ws), "search", "Ivan")[0] == 8
