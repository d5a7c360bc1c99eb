"""Opening the app database: URLs, clear errors, the embedded default, the
policy table and its documentation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

import threadline.access
from threadline.access import APP_DB_FILE, AccessControl, AccessSettings, Action, Relation, Role
from threadline.access.db import AppDatabase, parse_url
from threadline.access.policy import RULES, Permission, allowed, matrix_markdown
from threadline.errors import AppDatabaseError
from threadline.workspace import Workspace

DOCS = Path(__file__).parent.parent.parent / "docs" / "access.md"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql://root@localhost/app",
            "unsupported database 'mysql' in mysql://root@localhost/app (use "
            "postgresql://USER@HOST:PORT/DATABASE, or leave --db out for the workspace's "
            "embedded database)",
        ),
        ("app.sqlite", "not a database URL: 'app.sqlite' (use postgresql://"),
        ("sqlite://", "'sqlite://': the app database must be a file (use postgresql://"),
    ],
)
def test_bad_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(AppDatabaseError) as exc:
        AppDatabase(url)
    assert str(exc.value).startswith(message)


def test_postgres_urls_use_psycopg() -> None:
    for url in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg2://u@h/db"):
        assert parse_url(url).drivername == "postgresql+psycopg"


def test_unreachable_server_says_so_without_the_password() -> None:
    with pytest.raises(AppDatabaseError) as exc:
        AppDatabase("postgresql://app:s3cret@127.0.0.1:1/threadline?connect_timeout=2")
    message = str(exc.value)
    assert message.startswith("app database postgresql://app:***@127.0.0.1:1/threadline")
    assert "check that the server is running" in message and "s3cret" not in message


def test_missing_directory_for_sqlite(tmp_path: Path) -> None:
    with pytest.raises(AppDatabaseError, match="check that its directory exists"):
        AppDatabase(f"sqlite:///{tmp_path / 'missing' / 'app.sqlite'}")


def test_workspace_default_is_sqlite_in_wal_mode(tmp_path: Path, settings: AccessSettings) -> None:
    with AccessControl.for_workspace(tmp_path, settings=settings) as access:
        assert access.db.is_sqlite
        with access.db.read() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert (tmp_path / APP_DB_FILE).is_file()


def test_reopening_keeps_data(db_url: str, settings: AccessSettings) -> None:
    operator = threadline.access.Principal.local_operator("tester")
    with AccessControl(db_url, settings) as access:
        access.accounts.create(operator, "alice", "correct horse battery", Role.VIEWER)
    with AccessControl(db_url, settings) as access:
        assert [u.name for u in access.accounts.list_users(operator)] == ["alice"]
        assert access.audit.verify(operator).ok


def test_unknown_schema_version_is_refused(access: AccessControl, db_url: str) -> None:
    with access.db.write() as conn:
        conn.execute(text("UPDATE app_meta SET value = '99' WHERE key = 'schema_version'"))
    with pytest.raises(AppDatabaseError, match="schema version 99, this Threadline knows"):
        AppDatabase(db_url)


def test_public_api() -> None:
    names = threadline.access.__all__
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(threadline.access, name), name


def test_policy_has_a_rule_for_every_permission_and_admins_never_read_cases() -> None:
    assert set(RULES) == set(Permission)
    for permission in (Permission.READ_CASE, Permission.WRITE_CASE, Permission.SEARCH):
        assert not any(allowed(Role.ADMIN, permission, r) for r in (None, *Relation))


def test_docs_show_the_policy_table() -> None:
    assert matrix_markdown() in DOCS.read_text("utf-8"), (
        "docs/access.md is out of date: paste threadline.access.policy.matrix_markdown()"
    )


def test_the_embedded_database_is_readable_by_its_owner_alone(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    ws.close()
    assert (tmp_path / "ws").stat().st_mode & 0o777 == 0o700
    with AccessControl.for_workspace(tmp_path / "ws", None, AccessSettings()) as access:
        access.audit.log.append("someone", Action.SEARCH, purpose="test", target="x")
    for name in ("app.sqlite", "app.sqlite-wal"):
        path = tmp_path / "ws" / name
        if path.exists():
            assert path.stat().st_mode & 0o777 == 0o600, name
