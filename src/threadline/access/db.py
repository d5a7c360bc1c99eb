"""The app database: users, sessions, cases and the audit log, in SQLite (the
embedded default, ``app.sqlite`` in the workspace) or PostgreSQL (server mode,
``--db postgresql://...``).

Everything above this module speaks SQLAlchemy Core and two context managers,
``read()`` and ``write()``; the engine differences live here and nowhere else:
how a URL is spelled, how a write transaction takes its lock, how the audit
chain's head row is locked, and the triggers that make the audit log
append-only. Tables are created on first open, under a lock, so two
processes starting at once do not race; a database of an older schema version
gets the tables and triggers it lacks (upgrades only add).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from threadline.access import tables as t
from threadline.errors import AppDatabaseError

#: the embedded database's file name inside a workspace
APP_DB_FILE = "app.sqlite"
# an arbitrary constant: the PostgreSQL advisory lock that serialises table creation
_SETUP_LOCK = 0x7468726561646C  # "threadl"
#: older schema versions that opening upgrades
_UPGRADABLE = {str(v) for v in range(1, t.SCHEMA_VERSION)}

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_log_in_order BEFORE INSERT ON audit_log
    WHEN NEW.seq <> (SELECT seq FROM audit_head WHERE id = 1) + 1
    BEGIN SELECT RAISE(ABORT, 'audit_log entries are appended in order'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_head_forward BEFORE UPDATE ON audit_head
    WHEN NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS
        (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash)
    BEGIN SELECT RAISE(ABORT, 'audit_head only moves to the entry just appended'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_head
    BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END""",
]

_POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION threadline_audit_log_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.seq <> (SELECT seq FROM audit_head WHERE id = 1) + 1 THEN
                RAISE EXCEPTION 'audit_log entries are appended in order';
            END IF;
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
    END $$""",
    """CREATE OR REPLACE FUNCTION threadline_audit_head_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'UPDATE' THEN
            RAISE EXCEPTION 'audit_head cannot be deleted';
        END IF;
        IF NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS
            (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash) THEN
            RAISE EXCEPTION 'audit_head only moves to the entry just appended';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER audit_log_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION threadline_audit_log_guard()""",
    # TRUNCATE skips row triggers, so it gets its own
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION threadline_audit_log_guard()""",
    """CREATE TRIGGER audit_head_guard BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION threadline_audit_head_guard()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION threadline_audit_head_guard()""",
]


def _owner_only(path: Path) -> None:
    """Make the database file readable by its owner alone before SQLite
    opens it: it holds password hashes and the audit log. SQLite gives its
    -wal and -shm files the database file's permissions.

    An existing file is changed by name, never opened: closing a descriptor
    of a file drops every POSIX lock this process holds on it, SQLite's
    included (SQLite's "how to corrupt" list, 2.2), and a server opens its
    database a second time for each command it runs on a caller's behalf
    (``threadline.cli.control``)."""
    try:
        os.chmod(path, 0o600)
        return
    except FileNotFoundError:
        pass
    except OSError:
        return  # not ours to change: the open reports what is wrong
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)  # made meanwhile: again by name
        return
    except OSError:
        return  # a missing directory: the open reports it, with the URL
    os.close(fd)  # a new file: no lock on it yet


def embedded_url(workspace: Path) -> str:
    """The URL of a workspace's embedded app database."""
    return f"sqlite:///{Path(workspace) / APP_DB_FILE}"


def parse_url(url: str) -> URL:
    """A ``postgresql://`` (or ``postgres://``) URL, mapped to the psycopg
    driver, or a ``sqlite:///FILE`` URL; anything else is refused."""
    hint = (
        "use postgresql://USER@HOST:PORT/DATABASE, or leave --db out for the workspace's "
        "embedded database"
    )
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise AppDatabaseError(f"not a database URL: {url!r} ({hint})") from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise AppDatabaseError(f"{url!r}: the app database must be a file ({hint})")
        return parsed.set(drivername="sqlite+pysqlite")
    raise AppDatabaseError(f"unsupported database {backend!r} in {_redact(parsed)} ({hint})")


def _redact(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


# Built once: read by every audited request (see users._CURRENT_USER).
_AUDIT_HEAD = select(t.audit_head.c.seq, t.audit_head.c.hash).where(t.audit_head.c.id == 1)
_AUDIT_HEAD_FOR_UPDATE = _AUDIT_HEAD.with_for_update()


class AppDatabase:
    """One engine, its dialect's quirks, and the tables created on open."""

    def __init__(self, url: str) -> None:
        self.url = parse_url(url)
        # as the user spelled it, less the password
        self.display_url = _redact(make_url(url))
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite and self.url.database not in (None, "", ":memory:"):
            _owner_only(Path(self.url.database))
        self._writer: AbstractContextManager[object] = (
            threading.RLock() if self.is_sqlite else nullcontext()
        )
        self.engine = self._create_engine()
        try:
            self._setup()
        except BaseException:
            self.engine.dispose()
            raise

    def _create_engine(self) -> Engine:
        if not self.is_sqlite:
            connect_args: dict[str, Any] = {}
            if "connect_timeout" not in self.url.query:
                connect_args["connect_timeout"] = 10
            return create_engine(self.url, pool_pre_ping=True, connect_args=connect_args)
        # threads take turns on pooled connections; busy_timeout makes a writer
        # wait for another's BEGIN IMMEDIATE instead of failing at once
        # A pool as large as the web server's thread pool (40): a request
        # thread that finds none idle would open, set up and close its own.
        engine = create_engine(
            self.url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=40,
            max_overflow=10,
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine

    def _setup(self) -> None:
        with self.write() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SETUP_LOCK})
            if inspect(conn).has_table(t.app_meta.name):
                version = conn.scalar(
                    select(t.app_meta.c.value).where(t.app_meta.c.key == "schema_version")
                )
                if version == str(t.SCHEMA_VERSION):
                    return
                if version not in _UPGRADABLE:
                    raise AppDatabaseError(
                        f"{self.display_url}: app database schema version {version}, this "
                        f"Threadline knows version {t.SCHEMA_VERSION}; upgrade Threadline"
                    )
                self._upgrade(conn, int(version))
                return
            t.metadata.create_all(conn)
            self._create_triggers(conn, since=0)
            conn.execute(t.audit_head.insert().values(id=1, seq=0, hash=t.GENESIS_HASH))
            conn.execute(
                t.app_meta.insert().values(key="schema_version", value=str(t.SCHEMA_VERSION))
            )

    def _upgrade(self, conn: Connection, version: int) -> None:
        """From an older schema version: every change so far adds tables,
        which ``create_all`` makes where they are missing, or retires one,
        which is left as it is."""
        t.metadata.create_all(conn)
        self._create_triggers(conn, since=version)
        conn.execute(
            t.app_meta.update()
            .where(t.app_meta.c.key == "schema_version")
            .values(value=str(t.SCHEMA_VERSION))
        )

    def _create_triggers(self, conn: Connection, since: int) -> None:
        """The triggers of the schema versions after ``since``."""
        versions = {
            1: _SQLITE_TRIGGERS if self.is_sqlite else _POSTGRES_TRIGGERS,
            # 2 added the judgements table and its guards; 3 retired the table;
            # 4 added case_policies, 5 the jobs and their log (no triggers)
        }
        for version, ddls in versions.items():
            if version > since:
                for ddl in ddls:
                    conn.execute(text(ddl))  # text() escapes the % psycopg would read

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot in SQLite's WAL mode)."""
        with self._translate(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction. In SQLite it takes the write lock up front
        (BEGIN IMMEDIATE): a deferred transaction that later needs to write can
        fail with 'database is locked' however long it waits."""
        # SQLite has one writer at a time. This process's threads queue for it
        # on a Python lock, handed over at once, rather than in SQLite's busy
        # handler, which sleeps in growing steps and wastes most of the wait
        # (other processes, such as the CLI, still meet the busy handler).
        with self._writer, self._translate(), self.engine.connect() as conn:
            conn.execution_options(threadline_immediate=True)
            with conn.begin():
                yield conn

    def lock_audit_head(self, conn: Connection) -> tuple[int, str]:
        """The audit chain's head (last seq and hash), locked until the
        transaction ends, so concurrent appends queue instead of forking."""
        # SQLite's BEGIN IMMEDIATE already holds the lock
        query = _AUDIT_HEAD if self.is_sqlite else _AUDIT_HEAD_FOR_UPDATE
        row = conn.execute(query).one()
        return int(row.seq), str(row.hash)

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, InterfaceError) as exc:
            hint = (
                "check that its directory exists and is writable"
                if self.is_sqlite
                else "check that the server is running and that the URL's user, host, port "
                "and database are right"
            )
            raise AppDatabaseError(
                f"app database {self.display_url}: {_reason(exc)} ({hint})"
            ) from exc

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # autocommit at the driver level, so that _sqlite_begin decides how a
    # transaction begins (pysqlite would otherwise begin deferred on its own)
    dbapi_connection.isolation_level = None
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("threadline_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
