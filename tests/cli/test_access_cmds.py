"""``threadline users`` and ``threadline audit``, run in process through
``main()`` (exit codes and one-line errors as a shell sees them), against the
workspace's embedded database and against PostgreSQL via --db."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers.access import raw_sql
from threadline.access import AccessControl
from threadline.access.db import embedded_url
from threadline.cli.app import app
from threadline.workspace import Workspace

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(
    cli: Cli, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str, str]]:
    """Run a command; ``stdin`` feeds --password-stdin. SQLite runs use the
    workspace's own database (no --db), PostgreSQL runs pass --db."""
    ws = tmp_path / "ws"
    Workspace.init(ws).close()
    monkeypatch.setenv("THREADLINE_USER", "root")
    db = [] if db_url.startswith("sqlite") else ["--db", db_url]

    def go(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return cli("-w", str(ws), *args, *db)

    return go


def open_db(db_url: str, tmp_path: Path) -> AccessControl:
    url = embedded_url(tmp_path / "ws") if db_url.startswith("sqlite") else db_url
    return AccessControl(url)


def test_users_add_list_disable(run: Callable[..., tuple[int, str, str]]) -> None:
    password = "correct horse battery\n"
    code, _, err = run(
        "users", "add", "Alice", "--role", "admin", "--password-stdin", stdin=password
    )
    assert (code, err.strip()) == (0, "Created user alice (admin)")
    run("users", "add", "bob", "--password-stdin", stdin="another long passphrase\n")
    code, out, _ = run("users", "list", "--json")
    users = json.loads(out)
    assert code == 0
    assert [(u["name"], u["role"], u["active"]) for u in users] == [
        ("alice", "admin", True),
        ("bob", "analyst", True),
    ]
    assert "password_hash" not in users[0]
    assert run("users", "set-role", "bob", "viewer")[2].strip() == "bob is now viewer"
    code, _, err = run("users", "disable", "bob")
    assert (code, err.strip()) == (0, "Disabled bob; their sessions have ended")
    code, out, _ = run("users", "list")
    assert code == 0 and "bob" in out and "viewer" in out
    assert run("users", "revoke", "alice")[2].strip() == "Ended 0 sessions of alice"
    code, _, err = run("users", "passwd", "alice", "--password-stdin", stdin="a new passphrase\n")
    assert code == 0 and "Password changed for alice" in err


def test_users_errors(run: Callable[..., tuple[int, str, str]]) -> None:
    code, _, err = run("users", "add", "carol", "--password-stdin", stdin="short\n")
    assert code == 2
    assert err.strip() == (
        "Error: password too short: 5 characters, at least 12 needed "
        "(a few random words make a long password that is easy to type)"
    )
    code, _, err = run("users", "disable", "nobody")
    assert (code, err.strip()) == (
        4,
        "Error: no user named 'nobody'; `threadline users list` shows them",
    )
    code, _, err = run("users", "add", "dave", "--role", "boss", "--password-stdin")
    assert code == 2 and "'boss' is not one of" in err


def test_audit_verify_and_show(
    run: Callable[..., tuple[int, str, str]], db_url: str, tmp_path: Path
) -> None:
    for name in ("alice", "bob", "carol"):
        run("users", "add", name, "--password-stdin", stdin="correct horse battery\n")
    code, _, err = run("audit", "verify")
    assert code == 0 and err.startswith("Audit log OK: 3 entries, head hash ")
    code, out, _ = run("audit", "show", "--json", "--limit", "2")
    entries = json.loads(out)
    # the newest two, oldest first: the read itself is the last
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [
        ("local:root", "user.create", "carol"),
        ("local:root", "audit.read", None),
    ]
    code, out, _ = run("audit", "show", "--action", "user.create")
    assert code == 0 and "alice" in out and "carol" in out
    with open_db(db_url, tmp_path) as access:
        raw_sql(access, "UPDATE audit_log SET target = 'mallory' WHERE seq = 2")
    code, _, err = run("audit", "verify")
    assert code == 9
    assert err.strip() == (
        "Error: audit log broken at entry 2: its contents do not match its hash "
        "(changed after it was written)"
    )
    code, out, _ = run("audit", "verify", "--json")
    assert code == 9 and json.loads(out)["first_bad_seq"] == 2


def test_password_prompt_is_hidden_and_confirmed(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    Workspace.init(ws).close()
    result = CliRunner().invoke(
        app,
        ["-w", str(ws), "users", "add", "erin", "--role", "viewer"],
        input="correct horse battery\ncorrect horse battery\n",
    )
    assert result.exit_code == 0, result.output
    assert "correct horse" not in result.output
    assert "Repeat for confirmation" in result.output


def test_bad_db_url(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("users", "list", "--db", "mysql://root@localhost/app")
    assert code == 10 and err.startswith("Error: unsupported database 'mysql'")
