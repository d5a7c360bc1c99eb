"""Retention from the command line: a dataset's loads are kept for a set
number of days, a sweep removes older ones (statements and search entries),
and ingests, drops, retention settings and sweeps are in the audit log."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from threadline.access import AccessControl
from threadline.workspace import Workspace

Cli = Callable[..., tuple[int, str, str]]


def _write(path: Path, *names: str) -> Path:
    rows = [
        {"id": f"p{i}", "schema": "Person", "properties": {"name": [name]}}
        for i, name in enumerate(names)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), "utf-8")
    return path


def _log(ws: Path) -> list[tuple[str, str, dict[str, object]]]:
    with AccessControl.for_workspace(ws) as access:
        return [(e.action, e.target or "", e.details) for e in access.audit.log.entries(1000)]


def test_changes_are_audited_and_a_sweep_removes_old_loads(cli: Cli, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    w = ["-w", str(ws)]
    assert cli("init", str(ws))[0] == 0
    leak = _write(tmp_path / "leak.ftm.json", "Ivan Petrov", "Anna Ivanova")
    keep = _write(tmp_path / "reg.ftm.json", "Olga Koval")
    assert cli(*w, "ingest", str(leak), "-d", "leak")[0] == 0
    assert cli(*w, "ingest", str(keep), "-d", "registry")[0] == 0

    code, _, err = cli(*w, "retention", "set", "nowhere", "30")
    assert code == 4 and "no dataset named 'nowhere'" in err
    assert cli(*w, "retention", "set", "leak", "0")[0] == 2  # at least a day
    assert cli(*w, "retention", "set", "leak", "30")[0] == 0
    code, out, _ = cli(*w, "retention", "show", "--json")
    assert json.loads(out) == {"leak": 30}

    # nothing is 30 days old yet
    code, out, _ = cli(*w, "retention", "sweep", "--json")
    assert code == 0 and json.loads(out)["removed"] == []
    # 31 days later (the library takes the time; the command uses the clock)
    with Workspace.open(ws) as opened:
        later = datetime.now(UTC) + timedelta(days=31)
        preview = opened.sweep_retention(later, dry_run=True)
        assert [e.source for e in preview] == ["leak.ftm.json"]
        assert opened.search("Ivan Petrov")  # a dry run removes nothing
        removed = opened.sweep_retention(later)
        assert [(e.dataset, e.statements) for e in removed] == [("leak", 4)]
        assert not opened.search("Ivan Petrov")  # gone from the index too
        assert [d.name for d in opened.datasets()] == ["registry"]

    assert cli(*w, "datasets", "drop", "registry")[0] == 0
    log = _log(ws)
    actions = [(action, target) for action, target, _ in log]
    assert ("ingest", "leak") in actions and ("ingest", "registry") in actions
    assert ("retention.set", "leak") in actions
    assert ("retention.sweep", "workspace") in actions  # the empty sweep, recorded too
    assert ("dataset.drop", "registry") in actions
    ingest = next(d for a, t, d in log if a == "ingest" and t == "leak")
    assert ingest["source"] == "leak.ftm.json" and ingest["statements"] == 4
