"""The statement-store interface: what the rest of Threadline may ask of the
storage of statements, and nothing more.

A store holds statements (one value of one entity, with its source), the
ingests that wrote them, the queue of entities whose search documents are
stale, and the resolution's tables (scored pairs, canonical ids,
judgements). Everything else (ingest, search, resolve, graph, the workspace)
reads and writes through these methods; SQL lives only inside an engine
(``threadline.store.duckdb`` today, PostgreSQL later). The contract suite in
``tests/store/test_contract.py`` runs against every engine: a new engine is
done when it passes.

The shape follows nomenklatura's ``store/base.py`` (a small interface with
the SQL in the backends) and Splink's ``DatabaseAPI`` (one interface, engine
differences behind it).

Writes are all or nothing: an ingest writes its statements in batches under
a pending ingest, invisible to readers, and :meth:`IngestWriter.commit` makes
them live in one small transaction; an ingest that fails or is killed leaves
only invisible rows, which the next open removes.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from threadline.model.statements import EntityValues, StatementRow

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    name: str
    entities: int
    statements: int
    sources: list[str]
    last_ingest: datetime | None


@dataclass(frozen=True, slots=True)
class ExpiredIngest:
    """An ingest removed by a retention sweep: which file, when it was
    loaded, and how many statements went with it."""

    dataset: str
    source: str
    finished_at: datetime
    statements: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "source": self.source,
            "finished_at": self.finished_at.isoformat(),
            "statements": self.statements,
        }


class ArrowConvertible(Protocol):
    def to_arrow(self) -> pa.Table: ...


#: A batch of statements: an Arrow table with the columns of
#: ``threadline.model.statements.STATEMENT_COLUMNS``, or something that
#: converts to one.
StatementBatch: TypeAlias = "pa.Table | ArrowConvertible"

#: A scored pair as stored: (left id, right id, probability, match weight,
#: the weight of each comparison, the level of each comparison).
PairRow: TypeAlias = tuple[str, str, float, float, list[float], list[int]]


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One decision for a reviewer: two resolved entities (each a canonical
    id, or an entity id when not merged), the strongest scored pair between
    their members, and how many scored pairs join them."""

    side_a: str
    side_b: str
    pair: PairRow
    pairs: int


#: A judgement as stored: (left id, right id, judgement, user, created_at, origin).
JudgementRow: TypeAlias = tuple[str, str, str, str | None, datetime, str]


@dataclass(frozen=True)
class SourceWrite:
    """One small source written by :meth:`StatementStore.write_sources`."""

    source: str
    path: str
    sha256: str
    format: str
    batch: StatementBatch
    records: int


class IngestWriter(abc.ABC):
    """The statements of one source file, written under a pending ingest."""

    ingest_id: int
    #: statements appended so far
    statements: int

    @abc.abstractmethod
    def append(self, batch: StatementBatch) -> None:
        """Queue a batch for writing; bounded memory, written in the background."""

    @abc.abstractmethod
    def flush(self) -> None:
        """Wait until every appended batch is written (and raise its error)."""

    @abc.abstractmethod
    def commit(self, records: int, rejected: int) -> int:
        """Make the ingest live, retiring what an earlier ingest of the same
        (dataset, source) wrote; its entities, old and new, go on the index
        queue. Returns how many entities the ingest wrote."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Abandon the ingest; nothing it wrote was ever visible."""


class ResolutionTables(abc.ABC):
    """The resolution's state beside the statements, never mixed into them:
    scored pairs, each entity's feature fingerprint and veto identifiers at
    its last scoring, canonical ids, and a few settings."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside is committed together or not at all."""

    # settings (the model, the options of the last run)
    @abc.abstractmethod
    def get_setting(self, key: str) -> str | None: ...

    @abc.abstractmethod
    def set_setting(self, key: str, value: str) -> None: ...

    # the entities as last scored
    @abc.abstractmethod
    def fingerprints(self) -> dict[str, str]:
        """Entity id -> feature fingerprint at its last scoring."""

    @abc.abstractmethod
    def replace_entities(self, entities: pa.Table) -> None:
        """Replace the scored entities (columns ``unique_id``, ``fingerprint``,
        ``veto_ids``)."""

    @abc.abstractmethod
    def veto_ids(self) -> dict[str, list[str]]:
        """Entity id -> the strong identifiers that veto a merge, where any."""

    @abc.abstractmethod
    def entity_count(self) -> int: ...

    # pairs
    @abc.abstractmethod
    def add_pairs(self, pairs: pa.Table) -> None:
        """Add scored pairs (the columns of :data:`PairRow`, left < right)."""

    @abc.abstractmethod
    def delete_pairs(self, entity_ids: Sequence[str] | None = None) -> None:
        """Delete the pairs touching ``entity_ids``, or every pair with None."""

    @abc.abstractmethod
    def pairs_above(self, probability: float) -> list[tuple[str, str, float]]:
        """(left, right, probability) of the pairs at or above ``probability``."""

    @abc.abstractmethod
    def pair(self, left: str, right: str) -> PairRow | None: ...

    @abc.abstractmethod
    def pairs_touching(self, entity_ids: Sequence[str], limit: int) -> list[PairRow]:
        """Pairs with either side in ``entity_ids``, strongest first."""

    @abc.abstractmethod
    def review_items(self, low: float, high: float, limit: int | None) -> list[ReviewItem]:
        """One item per two resolved entities joined by a pair with ``low <=
        probability < high``, unless a judgement between any of their members
        settles it; strongest first."""

    @abc.abstractmethod
    def review_count(self, low: float, high: float) -> int:
        """How many items :meth:`review_items` has in all."""

    @abc.abstractmethod
    def pair_count(self) -> int: ...

    # canonical ids
    @abc.abstractmethod
    def canonical_map(self) -> dict[str, str]:
        """Every merged entity id -> its canonical id."""

    @abc.abstractmethod
    def replace_canonical(self, rows: Sequence[tuple[str, str]]) -> None: ...

    @abc.abstractmethod
    def canonical_ids(self, entity_ids: Sequence[str]) -> dict[str, str]:
        """The canonical id of each merged id among ``entity_ids``."""

    @abc.abstractmethod
    def members(self, canonical_id: str) -> list[str]:
        """The entity ids merged under ``canonical_id``, sorted; [] if none."""

    @abc.abstractmethod
    def cluster_counts(self) -> tuple[int, int]:
        """(clusters, merged entities)."""

    @abc.abstractmethod
    def checksum(self) -> str:
        """Changes whenever any canonical id does (a graph cache key)."""

    # judgements (kept forever; newest per pair wins)
    @abc.abstractmethod
    def add_judgements(self, rows: Sequence[JudgementRow]) -> int:
        """Append (left, right, judgement, user, created_at, origin) rows."""

    @abc.abstractmethod
    def judgement_rows(
        self, current: bool = False, entity_ids: Sequence[str] | None = None
    ) -> list[JudgementRow]:
        """Judgements oldest first, or with ``current`` the newest of each pair
        ordered by pair; only those touching ``entity_ids`` if given."""

    @abc.abstractmethod
    def judgement_count(self) -> int: ...


class StatementStore(abc.ABC):
    """Statements with their sources, behind one engine."""

    @property
    @abc.abstractmethod
    def generation(self) -> int:
        """Bumped by every committed change to the statements; the search
        index records the generation it reflects, so a crash between the two
        is detectable."""

    @abc.abstractmethod
    def close(self) -> None: ...

    # -- writing ----------------------------------------------------------------

    @abc.abstractmethod
    def begin_ingest(
        self, dataset: str, source: str, path: str, sha256: str, fmt: str
    ) -> IngestWriter: ...

    @abc.abstractmethod
    def write_sources(self, dataset: str, writes: Sequence[SourceWrite]) -> int:
        """Several small sources (documents), each replacing its earlier
        version exactly as :meth:`begin_ingest` and ``commit`` would, made
        live together in one transaction: all or none, one generation.
        Returns how many entities they wrote."""

    @abc.abstractmethod
    def drop_dataset(self, name: str) -> None:
        """Remove a dataset and its statements (``DatasetNotFound`` if there
        is none); the entities it touched go on the index queue."""

    @abc.abstractmethod
    def retention(self) -> dict[str, int]:
        """Days of retention by dataset, for the datasets that have one."""

    @abc.abstractmethod
    def set_retention(self, dataset: str, days: int | None) -> None:
        """Keep ``dataset``'s ingests for ``days`` (None: until dropped)."""

    @abc.abstractmethod
    def expire_ingests(
        self, dataset: str, loaded_before: datetime, *, dry_run: bool = False
    ) -> list[ExpiredIngest]:
        """Remove the live ingests of ``dataset`` finished before
        ``loaded_before`` (a retention sweep), with their statements; the
        entities they touched go on the index queue; a dataset left with no
        ingest is removed. ``dry_run`` only lists them."""

    @abc.abstractmethod
    def collect_garbage(self) -> int:
        """Delete statements no reader can see (replaced, dropped, or written
        by an ingest that died); returns how many. Runs at every open."""

    # -- reading ----------------------------------------------------------------

    @abc.abstractmethod
    def entity_rows(self, entity_ids: Sequence[str]) -> list[StatementRow]:
        """Every live statement of ``entity_ids``, ordered by entity, prop, value."""

    @abc.abstractmethod
    def has_entity(self, entity_id: str) -> bool: ...

    @abc.abstractmethod
    def referring(
        self, entity_ids: Sequence[str], props: Sequence[str], limit: int = 10_000
    ) -> list[tuple[str, str, str]]:
        """(entity id, schema, prop) of the live entities whose ``props`` name
        one of ``entity_ids``: a document's pages and mentions (``document``),
        an archive's members (``parent``), an e-mail's replies
        (``inReplyToEmail``); sorted by entity id, at most ``limit``."""

    @abc.abstractmethod
    def entity_ids(self) -> list[str]:
        """Every entity id, sorted."""

    @abc.abstractmethod
    def iter_entity_groups(self, dataset: str | None = None) -> Iterator[list[StatementRow]]:
        """Statements grouped by entity, in entity-id order (only the values
        of ``dataset`` if given)."""

    @abc.abstractmethod
    def iter_entity_values(
        self,
        chunk: int = 50_000,
        queued: bool = False,
        prop_types: Sequence[str] | None = None,
        skip_schemata: Sequence[str] | None = None,
    ) -> Iterator[EntityValues]:
        """Per entity (id, schemata, datasets, props, values): a lean read for
        indexing and matching, without provenance; only the entities on the
        index queue with ``queued``; about ``chunk`` entities in memory."""

    @abc.abstractmethod
    def datasets(self) -> list[DatasetInfo]: ...

    @abc.abstractmethod
    def has_dataset(self, name: str) -> bool: ...

    @abc.abstractmethod
    def live_sources(self, dataset: str) -> dict[str, tuple[str, str]]:
        """Every live source of ``dataset`` -> (sha256, format) of the ingest
        that wrote it: what a re-ingest of a folder may skip."""

    @abc.abstractmethod
    def retire_sources(self, dataset: str, sources: Sequence[str]) -> None:
        """Make the live ingests of ``sources`` invisible (archive members
        that a changed archive no longer holds); their entities go on the
        index queue."""

    @abc.abstractmethod
    def entity_links(self, link_schemata: Sequence[str]) -> dict[str, set[str]]:
        """Which entities each entity is linked to: through a link entity of
        ``link_schemata`` or through a property naming another entity."""

    @abc.abstractmethod
    def stats(self) -> dict[str, Any]:
        """statements, entities, datasets, schemata (name -> entities), generation."""

    @abc.abstractmethod
    def stored_statements(self) -> int:
        """Every statement row physically kept, visible or not (for checks
        that nothing dead is left behind)."""

    # -- the search index's queue ---------------------------------------------------

    @abc.abstractmethod
    def queued_gone(self) -> list[str]:
        """Queued entities that no longer exist (their index entries must go)."""

    @abc.abstractmethod
    def clear_index_queue(self) -> None: ...

    # -- the link graph ---------------------------------------------------------------

    @abc.abstractmethod
    def link_nodes(self) -> pa.Table:
        """Every entity that is not a link, folded into its resolved entity,
        in the shape of ``threadline.model.links.NODE_SCHEMA``; a merged
        entity is captioned as most of its records name it."""

    @abc.abstractmethod
    def link_edges(self, pivots: Sequence[str] = (), mentions: bool = False) -> pa.Table:
        """Every link between resolved entities, in the shape of
        ``threadline.model.links.EDGE_SCHEMA``, pivot edges to the shared
        values of the kinds ``pivots`` (keys of ``PIVOT_TYPES``) and, with
        ``mentions``, an edge of kind ``mention`` from each document to each
        entity its text names (``Mention`` entities are never nodes)."""

    # -- resolution ----------------------------------------------------------------------

    @abc.abstractmethod
    def has_resolution(self) -> bool:
        """Whether the resolution's tables exist (a resolve or judgement has
        happened); cheap, asked on every search."""

    @abc.abstractmethod
    def resolution(self) -> ResolutionTables:
        """The resolution's tables, created on first use."""
