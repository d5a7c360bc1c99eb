"""The statement-store contract: what every engine behind
``threadline.store.base`` must do. A new engine (PostgreSQL, next) is added
to ``ENGINES`` and is done when this suite passes.

Each test states one promise the rest of Threadline relies on: an ingest is
invisible until committed and all-or-nothing; a re-ingest of a source
replaces it; a dropped dataset is gone; an ingest killed half-way leaves no
row behind after the next open; the resolution's tables keep what they are
given.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from tests.helpers.store_batches import ingest, names, people
from threadline.errors import DatasetNotFound
from threadline.ingest.batch import StatementBatch
from threadline.store.base import StatementStore

Opener = Callable[[Path], StatementStore]


def _duckdb(folder: Path) -> StatementStore:
    from threadline.store.duckdb import DuckDBStore

    return DuckDBStore(folder / "store.duckdb", memory_limit="256MB")


def _postgresql(folder: Path) -> StatementStore:
    # a schema of the test's own, named after its folder (tests.helpers.pg_schema)
    from tests.helpers.pg_schema import folder_store_url
    from threadline.store.postgres import PostgresStore

    return PostgresStore(folder_store_url(folder))


#: name -> how to open (or reopen) a store kept in a folder
ENGINES: dict[str, Opener] = {"duckdb": _duckdb, "postgresql": _postgresql}


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def reopen(engine: str, tmp_path: Path) -> Iterator[Callable[[], StatementStore]]:
    """Open the store of this test's folder (again): as after a restart."""
    opened: list[StatementStore] = []

    def open_again() -> StatementStore:
        store = ENGINES[engine](tmp_path)
        opened.append(store)
        return store

    yield open_again
    for store in opened:
        with contextlib.suppress(Exception):  # already closed by the test
            store.close()
    if engine == "postgresql":  # also when opening failed after the schema was made
        from tests.helpers.pg_schema import drop_folder_schema

        drop_folder_schema(tmp_path)


@pytest.fixture
def store(reopen: Callable[[], StatementStore]) -> StatementStore:
    return reopen()


# -- writing ------------------------------------------------------------------------


def test_an_ingest_is_invisible_until_committed(store: StatementStore) -> None:
    before = store.generation
    writer = store.begin_ingest("registry", "a.csv", "/data/a.csv", "0" * 64, "csv")
    writer.append(people(("p1", "Ivan Petrov"), ("p2", "Anna Ivanova")))
    writer.flush()

    assert not store.has_entity("p1")
    assert store.entity_ids() == []
    assert store.generation == before

    assert writer.commit(records=2, rejected=0) == 2
    assert store.entity_ids() == ["p1", "p2"]
    assert names(store) == {"p1": ["Ivan Petrov"], "p2": ["Anna Ivanova"]}
    assert store.generation > before
    [info] = store.datasets()
    assert (info.name, info.entities, info.sources) == ("registry", 2, ["a.csv"])


def test_a_rolled_back_ingest_leaves_nothing(store: StatementStore) -> None:
    ingest(store, "registry", "a.csv", people(("p1", "Ivan Petrov")))
    kept = store.stored_statements()
    generation = store.generation

    writer = store.begin_ingest("registry", "b.csv", "/data/b.csv", "1" * 64, "csv")
    writer.append(people(("p9", "Somebody Else")))
    writer.flush()
    writer.rollback()

    assert store.entity_ids() == ["p1"]
    assert store.generation == generation
    store.collect_garbage()
    assert store.stored_statements() == kept


def test_re_ingesting_a_source_replaces_it_and_keeps_other_sources(
    store: StatementStore,
) -> None:
    ingest(store, "registry", "a.csv", people(("p1", "Ivan Petrov"), ("p2", "Anna Ivanova")))
    ingest(store, "registry", "b.csv", people(("p3", "Olga Sidorova")))
    ingest(store, "registry", "a.csv", people(("p1", "Ivan Petrov Jr")))

    assert names(store) == {"p1": ["Ivan Petrov Jr"], "p3": ["Olga Sidorova"]}
    # p2 vanished: the index must learn that
    assert "p2" in store.queued_gone()
    store.collect_garbage()
    assert store.stored_statements() == 4  # two statements each for p1 and p3


def test_live_sources_and_retiring_some(store: StatementStore) -> None:
    """What a folder re-ingest relies on: each live source with its hash and
    format, and archive members a changed archive no longer holds retired."""
    ingest(store, "docs", "a.zip!/x.txt", people(("p1", "Ivan Petrov")))
    ingest(store, "docs", "a.zip!/y.txt", people(("p2", "Anna Ivanova")))
    ingest(store, "other", "a.zip!/y.txt", people(("p3", "Olga Sidorova")))
    assert store.live_sources("docs") == {
        "a.zip!/x.txt": ("0" * 64, "csv"),
        "a.zip!/y.txt": ("0" * 64, "csv"),
    }
    generation = store.generation
    store.retire_sources("docs", ["a.zip!/y.txt"])
    assert store.generation == generation + 1
    assert list(store.live_sources("docs")) == ["a.zip!/x.txt"]
    assert names(store) == {"p1": ["Ivan Petrov"], "p3": ["Olga Sidorova"]}
    assert "p2" in store.queued_gone()


def test_several_small_sources_written_together(store: StatementStore) -> None:
    """Documents: many small sources in one transaction, each replacing its
    earlier version as an ingest would, one generation for all."""
    from threadline.store.base import SourceWrite

    ingest(store, "docs", "a.pdf", people(("p1", "Old Name")))
    generation = store.generation
    writes = [
        SourceWrite("a.pdf", "/a.pdf", "1" * 64, "document", people(("p1", "Ivan Petrov")), 1),
        SourceWrite("b.pdf", "/b.pdf", "2" * 64, "document", people(("p2", "Anna Ivanova")), 1),
    ]
    assert store.write_sources("docs", writes) == 2
    assert store.generation == generation + 1
    assert names(store) == {"p1": ["Ivan Petrov"], "p2": ["Anna Ivanova"]}
    assert store.live_sources("docs") == {
        "a.pdf": ("1" * 64, "document"),
        "b.pdf": ("2" * 64, "document"),
    }
    store.collect_garbage()
    assert store.stored_statements() == 4
    [info] = store.datasets()
    assert info.entities == 2


def test_a_source_written_twice_together_keeps_its_last_write(store: StatementStore) -> None:
    from threadline.store.base import SourceWrite

    store.clear_index_queue()
    writes = [
        SourceWrite("a.pdf", "/a.pdf", "1" * 64, "document", people(("p1", "First")), 1),
        SourceWrite("b.pdf", "/b.pdf", "2" * 64, "document", people(("p2", "Anna Ivanova")), 1),
        SourceWrite("a.pdf", "/a.pdf", "3" * 64, "document", people(("p1", "Second")), 1),
    ]
    assert store.write_sources("docs", writes) == 2
    assert names(store) == {"p1": ["Second"], "p2": ["Anna Ivanova"]}
    assert store.live_sources("docs")["a.pdf"] == ("3" * 64, "document")


def test_a_rewritten_source_keeps_first_sightings(store: StatementStore) -> None:
    from threadline.store.base import SourceWrite

    def write(*rows: tuple[str, str]) -> None:
        store.write_sources(
            "docs", [SourceWrite("a.pdf", "/a.pdf", "1" * 64, "document", people(*rows), 1)]
        )

    def sightings() -> dict[str, datetime]:
        return {r.value: r.first_seen for r in store.entity_rows(["p1"]) if r.prop == "name"}

    write(("p1", "Ivan Petrov"))
    first = sightings()
    write(("p1", "Ivan Petrov"), ("p1", "I. Petrov"))
    again = sightings()
    assert again["Ivan Petrov"] == first["Ivan Petrov"]
    assert again["I. Petrov"] > first["Ivan Petrov"]


def test_a_rewritten_source_queues_the_entities_it_no_longer_holds(
    store: StatementStore,
) -> None:
    from threadline.store.base import SourceWrite

    def write(*rows: tuple[str, str]) -> None:
        store.write_sources(
            "docs", [SourceWrite("a.pdf", "/a.pdf", "1" * 64, "document", people(*rows), 1)]
        )

    write(("p1", "Ivan Petrov"))
    store.clear_index_queue()
    write(("p2", "Anna Ivanova"))
    # p1 left with the old version: the index must hear of it to drop it
    assert list(store.queued_gone()) == ["p1"]
    assert [row[0] for row in store.iter_entity_values(queued=True)] == ["p2"]


def test_values_of_one_entity_from_two_datasets_stay_apart(store: StatementStore) -> None:
    ingest(store, "registry", "a.csv", people(("p1", "Ivan Petrov")))
    ingest(store, "leak", "l.csv", people(("p1", "I. Petrov")))

    rows = store.entity_rows(["p1"])
    assert {(r.dataset, r.value) for r in rows if r.prop == "name"} == {
        ("registry", "Ivan Petrov"),
        ("leak", "I. Petrov"),
    }
    assert [r.prop for r in rows] == sorted(r.prop for r in rows)
    only_leak = [r.value for g in store.iter_entity_groups("leak") for r in g if r.prop == "name"]
    assert only_leak == ["I. Petrov"]


def test_dropping_a_dataset_removes_it_and_queues_its_entities(store: StatementStore) -> None:
    ingest(store, "registry", "a.csv", people(("p1", "Ivan Petrov")))
    ingest(store, "leak", "l.csv", people(("p2", "Anna Ivanova")))
    store.clear_index_queue()
    generation = store.generation

    store.drop_dataset("leak")

    assert not store.has_dataset("leak")
    assert [d.name for d in store.datasets()] == ["registry"]
    assert store.entity_ids() == ["p1"]
    assert store.queued_gone() == ["p2"]
    assert store.generation > generation
    assert store.stored_statements() == 2
    with pytest.raises(DatasetNotFound):
        store.drop_dataset("leak")


def test_a_dropped_dataset_takes_its_retention_along(store: StatementStore) -> None:
    ingest(store, "leak", "l.csv", people(("p2", "Anna Ivanova")))
    store.set_retention("leak", 7)
    store.drop_dataset("leak")
    ingest(store, "leak", "l.csv", people(("p2", "Anna Ivanova")))
    assert store.retention() == {}


def test_a_retention_sweep_removes_only_loads_past_their_date(
    store: StatementStore, reopen: Callable[[], StatementStore]
) -> None:
    ingest(store, "leak", "old.csv", people(("p1", "Ivan Petrov")))
    ingest(store, "leak", "new.csv", people(("p2", "Anna Ivanova")))
    ingest(store, "registry", "r.csv", people(("p3", "Olga Koval")))
    store.set_retention("leak", 30)
    assert store.retention() == {"leak": 30}
    store.clear_index_queue()
    # everything was loaded just now: a cut-off before it removes nothing
    past = datetime.now().astimezone() - timedelta(days=1)
    assert store.expire_ingests("leak", past) == []
    cutoff = datetime.now().astimezone() + timedelta(seconds=1)
    listed = store.expire_ingests("leak", cutoff, dry_run=True)
    assert [(e.source, e.statements) for e in listed] == [("old.csv", 2), ("new.csv", 2)]
    assert store.entity_ids() == ["p1", "p2", "p3"]  # a dry run removes nothing
    generation = store.generation

    removed = store.expire_ingests("leak", cutoff)

    assert [e.source for e in removed] == ["old.csv", "new.csv"]
    assert store.entity_ids() == ["p3"]
    assert sorted(store.queued_gone()) == ["p1", "p2"]
    assert not store.has_dataset("leak")  # no load left
    assert store.generation > generation
    assert store.stored_statements() == 2  # the rows are gone, not hidden
    store.close()
    again = reopen()
    assert again.retention() == {}
    ingest(again, "leak", "later.csv", people(("p4", "Anna Ivanova")))
    assert again.retention() == {}  # a new dataset of that name starts afresh


def test_the_generation_survives_a_restart(
    store: StatementStore, reopen: Callable[[], StatementStore]
) -> None:
    ingest(store, "registry", "a.csv", people(("p1", "Ivan Petrov")))
    generation = store.generation
    store.close()
    again = reopen()
    assert again.generation == generation
    assert again.entity_ids() == ["p1"]


_KILLED_INGEST = """
import os, sys
from pathlib import Path
sys.path[:0] = [{here!r}, {root!r}]
from test_contract import ENGINES, people
store = ENGINES[{engine!r}](Path({folder!r}))
writer = store.begin_ingest("registry", "big.csv", "/data/big.csv", "2" * 64, "csv")
writer.append(people(*[(f"k{{i}}", f"Killed {{i}}") for i in range(500)]))
writer.flush()
os._exit(9)  # killed: no commit, no rollback, no close
"""


def test_an_ingest_killed_half_way_leaves_no_row_after_the_next_open(
    engine: str, store: StatementStore, reopen: Callable[[], StatementStore], tmp_path: Path
) -> None:
    ingest(store, "registry", "a.csv", people(("p1", "Ivan Petrov")))
    store.close()

    here = str(Path(__file__).resolve().parent)
    root = str(Path(__file__).resolve().parents[2])  # for tests.helpers
    script = _KILLED_INGEST.format(here=here, root=root, engine=engine, folder=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], check=False)
    assert done.returncode == 9

    again = reopen()
    assert again.entity_ids() == ["p1"]
    # the dead rows were cleaned up on open, not merely hidden
    assert again.stored_statements() == 2


# -- reading -------------------------------------------------------------------------


def test_entity_values_are_lean_and_follow_the_index_queue(store: StatementStore) -> None:
    ingest(store, "registry", "a.csv", people(("p1", "Ivan Petrov"), ("p2", "Anna Ivanova")))
    every = {row[0]: row for row in store.iter_entity_values(chunk=1)}
    assert set(every) == {"p1", "p2"}
    _, schemata, datasets, props, values = every["p1"]
    assert (schemata, datasets) == (["Person"], ["registry"])
    assert dict(zip(props, values, strict=True))["name"] == "Ivan Petrov"

    store.clear_index_queue()
    assert list(store.iter_entity_values(queued=True)) == []
    ingest(store, "registry", "b.csv", people(("p3", "Olga Sidorova")))
    assert [row[0] for row in store.iter_entity_values(queued=True)] == ["p3"]


def test_entity_values_read_in_id_ranges_are_the_same_as_in_one(
    store: StatementStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large store is read in several ranges of ids; forced here with tiny
    # ranges, every entity must still come out once, whole, in id order.
    from threadline.store.duckdb import store as duckdb_store

    rows = [(f"p{i:03d}", f"Person Number{i}") for i in range(60)]
    ingest(store, "registry", "a.csv", people(*rows))
    ingest(store, "other", "b.csv", people(*rows[:7]))
    whole = list(store.iter_entity_values())
    queued_whole = list(store.iter_entity_values(queued=True))
    monkeypatch.setattr(duckdb_store, "_QUEUE_PER_RANGE", 4)
    monkeypatch.setattr(duckdb_store, "_STATEMENTS_PER_RANGE", 9)
    ranged = list(store.iter_entity_values(chunk=5))
    assert ranged == whole
    assert list(store.iter_entity_values(queued=True, chunk=5)) == queued_whole
    assert [row[0] for row in ranged] == sorted(f"p{i:03d}" for i in range(60))
    assert ranged[3][2] == ["other", "registry"]
    # a re-ingest without p010..p059: exactly those are gone, whatever the ranges
    ingest(store, "registry", "a.csv", people(*rows[:10]))
    assert store.queued_gone() == [f"p{i:03d}" for i in range(10, 60)]


def test_stats_count_what_readers_see(store: StatementStore) -> None:
    ingest(store, "registry", "a.csv", people(("p1", "Ivan Petrov"), ("p2", "Anna Ivanova")))
    ingest(store, "registry", "a.csv", people(("p1", "Ivan Petrov")))
    stats = store.stats()
    assert stats["entities"] == 1
    assert stats["statements"] == 2
    assert stats["schemata"] == {"Person": 1}


# -- the resolution's tables -------------------------------------------------------------


def test_the_resolution_is_created_on_first_use(
    store: StatementStore, reopen: Callable[[], StatementStore]
) -> None:
    assert not store.has_resolution()
    tables = store.resolution()
    assert store.has_resolution()
    tables.set_setting("model", "{}")
    store.close()
    again = reopen()
    assert again.has_resolution()
    assert again.resolution().get_setting("model") == "{}"


def test_canonical_ids_and_their_checksum(store: StatementStore) -> None:
    tables = store.resolution()
    empty = tables.checksum()
    tables.replace_canonical([("p1", "c1"), ("p2", "c1"), ("p3", "c3")])
    assert tables.canonical_map() == {"p1": "c1", "p2": "c1", "p3": "c3"}
    assert tables.canonical_ids(["p2", "nobody"]) == {"p2": "c1"}
    assert tables.members("c1") == ["p1", "p2"]
    assert tables.members("nobody") == []
    changed = tables.checksum()
    assert changed != empty
    tables.replace_canonical([("p1", "c1"), ("p2", "c1"), ("p3", "c1")])
    assert tables.checksum() != changed


def test_a_failed_resolution_transaction_keeps_nothing(store: StatementStore) -> None:
    tables = store.resolution()
    tables.replace_canonical([("p1", "c1"), ("p2", "c1")])
    with pytest.raises(RuntimeError), tables.transaction():
        tables.replace_canonical([("p1", "x"), ("p2", "y")])
        raise RuntimeError("killed half-way")
    assert tables.canonical_map() == {"p1": "c1", "p2": "c1"}


def test_pairs_and_the_review_band(store: StatementStore) -> None:
    tables = store.resolution()
    pairs = pa.table(
        {
            "unique_id_l": ["a", "a", "b"],
            "unique_id_r": ["b", "c", "c"],
            "match_probability": [0.99, 0.4, 0.05],
            "match_weight": [7.0, -0.6, -4.2],
            "weights": [[1.0], [0.5], [-1.0]],
            "levels": [[2], [1], [0]],
        }
    )
    tables.add_pairs(pairs)
    assert tables.pair_count() == 3
    assert [p[:2] for p in tables.pairs_above(0.5)] == [("a", "b")]
    [item] = tables.review_items(0.1, 0.5, None)
    assert (item.side_a, item.side_b, item.pair[:2], item.pairs) == ("a", "c", ("a", "c"), 1)
    assert tables.review_count(0.1, 0.5) == 1
    pair = tables.pair("a", "b")
    assert pair is not None and pair[2] == pytest.approx(0.99)
    tables.delete_pairs(["c"])
    assert tables.pair_count() == 1


def test_judgements_are_kept_and_the_newest_of_a_pair_wins(store: StatementStore) -> None:
    tables = store.resolution()
    t0, t1 = datetime(2026, 1, 1, 9), datetime(2026, 1, 2, 9)
    tables.add_judgements(
        [
            ("a", "b", "positive", "ana", t0, "cli"),
            ("a", "c", "unsure", "ana", t0, "cli"),
            ("a", "b", "negative", "ben", t1, "web"),
        ]
    )
    assert tables.judgement_count() == 3
    assert [row[2] for row in tables.judgement_rows()] == ["positive", "unsure", "negative"]
    current = tables.judgement_rows(current=True)
    assert [(row[0], row[1], row[2]) for row in current] == [
        ("a", "b", "negative"),
        ("a", "c", "unsure"),
    ]
    assert [row[1] for row in tables.judgement_rows(entity_ids=["c"])] == ["c"]


def test_review_is_by_entity_and_a_judgement_on_one_member_settles_it(
    store: StatementStore,
) -> None:
    """A misspelt record near a cluster of three is one case, not three;
    "not same" against any member of the cluster settles it."""
    tables = store.resolution()
    tables.replace_canonical([("a", "C1"), ("b", "C1"), ("c", "C1")])
    tables.add_pairs(
        pa.table(
            {
                "unique_id_l": ["a", "b", "c", "a"],
                "unique_id_r": ["x", "x", "x", "b"],
                "match_probability": [0.3, 0.4, 0.2, 0.99],
                "match_weight": [0.0, 0.5, -1.0, 7.0],
                "weights": [[0.0], [0.5], [-1.0], [7.0]],
                "levels": [[1], [1], [1], [2]],
            }
        )
    )
    [item] = tables.review_items(0.1, 0.95, None)
    assert (item.side_a, item.side_b, item.pairs) == ("C1", "x", 3)
    assert item.pair[:2] == ("b", "x")  # the strongest pair is the evidence
    assert tables.review_count(0.1, 0.95) == 1

    tables.add_judgements([("c", "x", "negative", "ana", datetime(2026, 1, 1), "cli")])
    assert tables.review_items(0.1, 0.95, None) == []
    assert tables.review_count(0.1, 0.95) == 0


def test_referring_finds_what_names_an_entity_by_a_property(store: StatementStore) -> None:
    batch = StatementBatch()
    batch.add("doc", "Pages", "id", "", "doc", None, None, 1)
    for n, page in enumerate(("page-1", "page-2"), start=1):
        batch.add(page, "Page", "id", "", page, None, None, n)
        batch.add(page, "Page", "document", "entity", "doc", None, None, n)
    batch.add("m1", "Mention", "document", "entity", "doc", None, None, 2)
    batch.add("m1", "Mention", "resolved", "entity", "p1", None, None, 2)
    ingest(store, "leak", "memo.pdf", batch.to_arrow())
    assert store.referring(["doc"], ["document"]) == [
        ("m1", "Mention", "document"),
        ("page-1", "Page", "document"),
        ("page-2", "Page", "document"),
    ]
    assert store.referring(["p1"], ["resolved", "parent"]) == [("m1", "Mention", "resolved")]
    assert store.referring(["doc"], ["parent"]) == []
    assert store.referring(["doc"], ["document"], limit=1) == [("m1", "Mention", "document")]
    # a retired source is not read
    store.retire_sources("leak", ["memo.pdf"])
    assert store.referring(["doc"], ["document"]) == []


def test_a_statement_id_is_the_same_key_on_every_engine(store: StatementStore) -> None:
    """FtM's statement key (sha1 of dataset, entity, property and value, with
    the language), so a store moved from one engine to another keeps its ids."""
    import hashlib

    ingest(store, "registry", "a.csv", people(("p1", "Иван Петров")))
    [name] = [r for r in store.entity_rows(["p1"]) if r.prop == "name"]
    key = "registry.p1.name.Иван Петров".encode()
    assert name.id == hashlib.sha1(key).hexdigest()
