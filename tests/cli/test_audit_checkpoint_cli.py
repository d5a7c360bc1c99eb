"""``audit checkpoint`` signs the head; ``audit verify --checkpoint`` later
proves the log still holds what it held, and exits 9 when it does not."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., tuple[int, str, str]]


def test_checkpoint_then_verify_and_catch_a_truncation(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "ws"
    assert cli("init", str(ws))[0] == 0
    for name in ("ana", "ben", "cy"):
        monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
        code, _, err = cli("-w", str(ws), "users", "add", name, "--role", "analyst",
                           "--password-stdin")  # fmt: skip
        assert code == 0, err
    kept = tmp_path / "kept-elsewhere.json"
    code, out, err = cli("-w", str(ws), "audit", "checkpoint", "-o", str(kept), "--json")
    assert code == 0, err
    signed = json.loads(out)
    assert kept.exists() and signed["seq"] >= 1
    code, _, err = cli("-w", str(ws), "audit", "verify", "--checkpoint", str(kept))
    assert code == 0 and "matches the checkpoint" in err
    # someone with the database file drops the guard triggers, removes the
    # last entry and rewinds the head: the chain alone still verifies
    db = sqlite3.connect(ws / "app.sqlite")
    with db:
        for trigger in ("audit_log_no_delete", "audit_head_forward"):
            db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        last = signed["seq"]
        prev = db.execute("SELECT seq, hash FROM audit_log WHERE seq = ?", (last - 1,)).fetchone()
        db.execute("DELETE FROM audit_log WHERE seq = ?", (last,))
        db.execute("UPDATE audit_head SET seq = ?, hash = ?", prev)
    db.close()
    assert cli("-w", str(ws), "audit", "verify")[0] == 0
    code, _, err = cli("-w", str(ws), "audit", "verify", "--checkpoint", str(kept))
    assert code == 9
    assert f"the log ends at entry {last - 1}" in err
