"""What team mode adds to the contract: several processes open one
PostgreSQL store at once. Each store object here has connections of its
own, as a separate ``serve`` or worker process would (the killed-process
case is in the contract suite). PostgreSQL at localhost:5432 as for the app
database tests (tests/helpers/pg_schema.py): skipped where unreachable,
failed in CI."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.pg_schema import drop_folder_schema, folder_store_url
from tests.helpers.store_batches import ingest, names, people
from threadline.errors import WorkspaceError
from threadline.store.postgres import PostgresStore
from threadline.store.postgres.connection import serialised


@pytest.fixture
def open_store(tmp_path: Path) -> Iterator[Callable[[], PostgresStore]]:
    """Open another store on this test's schema: another process, in effect."""
    opened: list[PostgresStore] = []

    def open_one() -> PostgresStore:
        store = PostgresStore(folder_store_url(tmp_path))
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()
    drop_folder_schema(tmp_path)


def test_a_process_opening_the_store_leaves_another_ones_ingest_alone(
    open_store: Callable[[], PostgresStore],
) -> None:
    """Opening removes dead ingests, but one still being written elsewhere
    is alive (its writer holds its lock) and must survive."""
    worker = open_store()
    writer = worker.begin_ingest("registry", "a.csv", "/data/a.csv", "0" * 64, "csv")
    writer.append(people(("p1", "Ivan Petrov"), ("p2", "Anna Ivanova")))
    writer.flush()

    web = open_store()  # collects garbage on open
    web.collect_garbage()
    assert web.stored_statements() == 4
    assert web.entity_ids() == []  # pending: invisible

    assert writer.commit(records=2, rejected=0) == 2
    assert web.entity_ids() == ["p1", "p2"]


def test_every_process_sees_a_commit_and_its_generation(
    open_store: Callable[[], PostgresStore],
) -> None:
    web, worker = open_store(), open_store()
    before = web.generation
    ingest(worker, "registry", "a.csv", people(("p1", "Ivan Petrov")))
    assert web.generation == before + 1
    assert names(web) == {"p1": ["Ivan Petrov"]}
    web.resolution().replace_canonical([("p1", "c1")])
    assert worker.has_resolution()
    assert worker.resolution().canonical_map() == {"p1": "c1"}


def test_commits_from_two_processes_wait_for_each_other(
    open_store: Callable[[], PostgresStore],
) -> None:
    """The switch that makes an ingest live takes the store's write lock: a
    commit waits while another process holds it, then replaces what that one
    made live, so a source never has two live versions."""
    first, second, holder = open_store(), open_store(), open_store()
    ingest(first, "registry", "a.csv", people(("p1", "Ivan Petrov")))
    writer = second.begin_ingest("registry", "a.csv", "/data/a.csv", "1" * 64, "csv")
    writer.append(people(("p1", "Ivan Petrov Jr")))
    writer.flush()
    committed = threading.Event()

    def commit() -> None:
        writer.commit(records=1, rejected=0)
        committed.set()

    with serialised(holder.conn):
        thread = threading.Thread(target=commit)
        thread.start()
        # the commit cannot finish while the lock is held elsewhere
        assert not committed.wait(timeout=1.0)
    thread.join(timeout=30)
    assert committed.is_set()
    assert names(first) == {"p1": ["Ivan Petrov Jr"]}
    assert list(first.live_sources("registry").values()) == [("1" * 64, "csv")]


def test_a_url_that_is_not_postgresql_is_refused_with_what_to_do() -> None:
    with pytest.raises(WorkspaceError, match="postgresql://USER@HOST"):
        PostgresStore("mysql://somewhere/db")
