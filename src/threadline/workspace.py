"""A workspace: one directory holding the statement store, the search index,
rejected rows and config. Every library call starts here.

::

    with Workspace.open("case-files") as ws:
        ws.ingest("registry.csv", dataset="registry", mapping="registry.yml")
        for hit in ws.search("Иван Петров"):
            print(ws.entity(hit.entity_id).caption)
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from threadline.errors import (
    DatasetNotFound,
    EntityNotFound,
    InputError,
    WorkspaceError,
    WorkspaceNotFound,
)
from threadline.search.base import IndexDoc, SearchHit, SearchIndex, SearchQuery, collapse_hits
from threadline.store import POSTGRES_SCHEMES, open_store
from threadline.store.base import DatasetInfo, ExpiredIngest, StatementStore

# followthemoney and the ingest pipeline cost a second to import; they are
# imported where used, so that finding a workspace or counting its datasets
# (`threadline datasets`, `threadline audit verify`) does not pay for them.
if TYPE_CHECKING:
    from threadline.graph.structure import Graph
    from threadline.ingest.documents.limits import DocumentLimits
    from threadline.ingest.documents.run import DocumentProgressFn, DocumentReport
    from threadline.ingest.isolated import WorkerLimits
    from threadline.ingest.pipeline import IngestOptions, IngestReport, OnError, ProgressFn
    from threadline.ingest.spool import Spooled
    from threadline.model.entity import Entity
    from threadline.model.statements import EntityValues
    from threadline.resolve.judgements import JudgementRecord
    from threadline.resolve.resolver import Resolution, ResolveOptions, ResolveReport
    from threadline.resolve.review import ReviewCase
    from threadline.resolve.screening import ScreeningResult
    from threadline.search.text_index import TextHit, TextIndex

CONFIG_FILE = "threadline.toml"
STORE_FILE = "store.duckdb"
INDEX_DIR = "index"
TEXT_INDEX_DIR = "textindex"
REJECTS_DIR = "rejects"
BLOBS_DIR = "blobs"
#: the ingest source under which a dataset's mentions of known entities are kept
MENTIONS_SOURCE = "(mentions of known entities)"
RESOLVE_DIR = "resolve"
GRAPH_DIR = "graph"
#: scratch files of this workspace's own (spools of isolated ingests)
TMP_DIR = "tmp"
ENV_VAR = "THREADLINE_WORKSPACE"
#: a PostgreSQL URL for the statement store, over the config's ``[store] url``
STORE_ENV_VAR = "THREADLINE_STORE"

DEFAULT_CONFIG = """\
# Threadline workspace. Safe to edit; unknown keys are ignored.
[workspace]
format = 1

[store]
# DuckDB memory cap (its buffer pool); large ingests spill to disk beyond it.
memory_limit = "256MB"
# Team mode: keep the statements in PostgreSQL instead of store.duckdb, shared
# by every `serve` and worker process (see docs/team.md). Put the password in
# $PGPASSWORD or ~/.pgpass, not here; $THREADLINE_STORE overrides this.
# url = "postgresql://threadline@db.example:5432/threadline"

[documents]
# Phone numbers in document text are found when written with a country code
# (+44 20 7946 0958); name a country here (two letters, such as "GB") to find
# its numbers written without one (020 7946 0958) too.
# phone_region = "GB"
"""

#: called with (entities done, entities total)
IndexProgressFn = Callable[[int, int], None]


def _config_of(path: Path) -> Path:
    config = path / CONFIG_FILE
    if not config.is_file():
        raise WorkspaceNotFound(
            f"{path} is not a Threadline workspace (no {CONFIG_FILE}); "
            "create one with `threadline init DIR`",
        )
    return config


class Workspace:
    def __init__(self, path: Path) -> None:
        """Open an existing workspace; prefer :meth:`open`, :meth:`init` or :meth:`find`."""
        self.path = Path(path)
        config_path = _config_of(self.path)
        try:
            self.config: dict[str, Any] = tomllib.loads(config_path.read_text("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise WorkspaceError(f"{config_path}: invalid TOML ({exc})") from exc
        store_config = self.config.get("store", {})
        memory = str(store_config.get("memory_limit", "256MB"))
        url = os.environ.get(STORE_ENV_VAR) or store_config.get("url")
        if url is not None and not isinstance(url, str):
            raise WorkspaceError(f"{config_path}: [store] url must be a string")
        self.store: StatementStore = open_store(
            self.path / STORE_FILE, memory_limit=memory, url=url or None
        )
        self._index: SearchIndex | None = None
        self._text_index: TextIndex | None = None
        self._resolution: Resolution | None = None

    @functools.cached_property
    def phone_region(self) -> str | None:
        """The country whose phone numbers are found in document text when
        written without a country code (``[documents] phone_region``)."""
        value = self.config.get("documents", {}).get("phone_region")
        if value is None:
            return None
        import phonenumbers

        region = str(value).upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise WorkspaceError(
                f"{self.path / CONFIG_FILE}: [documents] phone_region = {value!r} is not a "
                'country phonenumbers knows; use a two-letter code such as "GB" or "DE", '
                "or remove the line"
            )
        return region

    # -- opening ------------------------------------------------------------------

    @classmethod
    def init(
        cls, path: str | os.PathLike[str], exist_ok: bool = False, store_url: str | None = None
    ) -> Workspace:
        """Create a workspace directory (or open it, with ``exist_ok``);
        with ``store_url`` (``postgresql://...``) its statements live in that
        database (team mode) rather than in the folder."""
        root = Path(path)
        if store_url and not store_url.startswith(POSTGRES_SCHEMES):
            raise InputError(
                f"--store {store_url!r}: not a PostgreSQL URL; use "
                "postgresql://USER@HOST:PORT/DATABASE"
            )
        if (root / CONFIG_FILE).exists():
            if not exist_ok:
                raise WorkspaceError(f"{root} is already a Threadline workspace")
            return cls(root)
        if root.exists() and not root.is_dir():
            raise WorkspaceError(f"{root} exists and is not a directory")
        root.mkdir(parents=True, exist_ok=True)
        # owner-only: the store, the index and the app database hold the data
        root.chmod(0o700)
        tmp = root / (CONFIG_FILE + ".tmp")
        config = DEFAULT_CONFIG
        if store_url:
            config += f"url = {json.dumps(store_url)}\n"
        tmp.write_text(config, "utf-8")
        os.replace(tmp, root / CONFIG_FILE)
        return cls(root)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Workspace:
        return cls(Path(path))

    @classmethod
    def find(
        cls, explicit: str | os.PathLike[str] | None = None, start: Path | None = None
    ) -> Workspace:
        """Locate the workspace (see :meth:`locate`) and open it."""
        return cls(cls.locate(explicit, start))

    @staticmethod
    def locate(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Path:
        """The workspace folder, without opening it: an explicit path, then
        ``$THREADLINE_WORKSPACE``, then the current directory and its parents
        (like git). For callers that need only the path, such as the app
        database's (``threadline users``), and not the store's lock."""
        if explicit or os.environ.get(ENV_VAR):
            path = Path(explicit or os.environ[ENV_VAR])
            _config_of(path)
            return path
        here = (start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / CONFIG_FILE).is_file():
                return candidate
        raise WorkspaceNotFound(
            f"no Threadline workspace in {here} or its parents; create one with "
            f"`threadline init DIR`, or pass -w DIR or set ${ENV_VAR}",
        )

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
        if self._text_index is not None:
            self._text_index.close()
            self._text_index = None
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- ingest -------------------------------------------------------------------

    def ingest(
        self,
        path: str | os.PathLike[str],
        dataset: str,
        mapping: str | os.PathLike[str] | None = None,
        *,
        schema: str | None = None,
        maps: Iterable[str] = (),
        keys: Iterable[str] = (),
        format: str | None = None,
        encoding: str = "utf-8",
        sheet: str | None = None,
        on_error: OnError = "fail",
        delimiter: str | None = None,
        splits: dict[str, str] | None = None,
        date_formats: dict[str, str] | None = None,
        progress: ProgressFn | None = None,
        isolate: WorkerLimits | None = None,
        origin: str | None = None,
    ) -> IngestReport:
        """Load one file into ``dataset``. Re-ingesting the same file name into
        the same dataset replaces what it wrote before (values seen before keep
        their first-seen date). All or nothing: on error the workspace is
        unchanged. A CSV's delimiter is detected unless ``delimiter`` is
        given; ``splits`` and ``date_formats`` ({property: separator or
        strptime format}) refine a quick mapping (``schema``/``maps``).
        With ``isolate``, the file is read in a worker process under those
        limits (for files a stranger sent) and only its statements come back
        (``threadline.ingest.spool``)."""
        from threadline.ingest.pipeline import ON_ERROR_CHOICES, IngestOptions, ingest_file

        if on_error not in ON_ERROR_CHOICES:
            choices = ", ".join(repr(c) for c in ON_ERROR_CHOICES)
            raise InputError(f"--on-error must be one of {choices}, not {on_error!r}")
        options = IngestOptions(
            dataset=dataset,
            mapping=Path(mapping) if mapping is not None else None,
            schema=schema,
            maps=list(maps),
            keys=list(keys),
            format=format,
            encoding=encoding,
            sheet=sheet,
            on_error=on_error,
            delimiter=delimiter,
            splits=dict(splits or {}),
            date_formats=dict(date_formats or {}),
        )
        if isolate is None:
            report = ingest_file(
                self.store, Path(path), options, self.path / REJECTS_DIR, progress, origin
            )
        else:
            report = self._ingest_isolated(Path(path), options, isolate)
        self._update_index()
        # new names may be mentioned in documents already read
        self._refresh_all_mentions()
        return report

    def _refresh_all_mentions(self) -> None:
        """Mentions follow the names: after names arrive or go (an ingest, a
        dropped dataset, a retention sweep), every document dataset's
        mentions are found again from the stored text."""
        before = self.store.generation
        refreshed = [self.refresh_mentions(name) for name in self._document_datasets()]
        if refreshed:
            self._update_index(since=before)

    def ingest_stream(
        self,
        stream: IO[bytes],
        dataset: str,
        mapping: str | os.PathLike[str] | None = None,
        *,
        format: str | None = None,
        **options: Any,
    ) -> IngestReport:
        """:meth:`ingest` for a table read from a stream (standard input),
        in ``format`` or the one its first bytes show. The store records the
        source as ``stdin.<ext>``, so a second stream of the same format into
        the same dataset replaces the first; errors name ``<stdin>``."""
        import shutil
        import tempfile

        from threadline.errors import InputError
        from threadline.ingest.stdin import relabel, spool_stdin

        scratch = self.path / TMP_DIR
        scratch.mkdir(exist_ok=True)
        directory = Path(tempfile.mkdtemp(prefix="stdin-", dir=scratch))
        spooled: Path | None = None
        try:
            spooled, fmt = spool_stdin(stream, directory, format)
            mapped = mapping is not None or options.get("schema") is not None
            return self.ingest(
                spooled,
                dataset,
                mapping,
                # unmapped, it must be FtM data: recognised from the copy, as from a file
                format=fmt if mapped else None,
                origin="-",
                **options,
            )
        except InputError as exc:
            if spooled is not None:
                relabel(exc, spooled)
            raise
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def _document_datasets(self) -> list[str]:
        """Datasets holding documents (whose text mentions may be refreshed)."""
        return [
            info.name
            for info in self.store.datasets()
            if any(
                fmt.startswith("document") for _, fmt in self.store.live_sources(info.name).values()
            )
        ]

    def ingest_documents(
        self,
        path: str | os.PathLike[str],
        dataset: str,
        *,
        ocr_languages: str = "eng",
        retry_failed: bool = False,
        workers: int | None = None,
        limits: DocumentLimits | None = None,
        progress: DocumentProgressFn | None = None,
    ) -> DocumentReport:
        """Load a document, a folder of them (recursively) or an archive into
        ``dataset`` (see ``docs/documents.md``). Each file is parsed in a
        sandboxed worker on every core and stored as it finishes, so a killed
        run resumes; files already stored unchanged are skipped, and those
        that failed are tried again with ``retry_failed``. The original bytes
        are kept once per SHA-256 under ``blobs/``."""
        from threadline.ingest.documents.limits import DEFAULT_LIMITS
        from threadline.ingest.documents.run import DocumentOptions, ingest_documents
        from threadline.ingest.pipeline import check_dataset_name

        check_dataset_name(dataset)
        options = DocumentOptions(
            dataset=dataset,
            limits=limits or DEFAULT_LIMITS,
            ocr_languages=ocr_languages,
            retry_failed=retry_failed,
            workers=workers,
        )
        before = self.store.generation
        try:
            report = ingest_documents(
                self.store, Path(path), options, self.path / BLOBS_DIR, progress
            )
            report.mentions = self.refresh_mentions(dataset)
        finally:
            self._update_index(since=before)
        return report

    def refresh_mentions(self, dataset: str) -> int:
        """Scan the text of ``dataset``'s documents for every name and alias
        of the workspace's people and organisations and store each hit as an
        FtM ``Mention`` (document, resolved entity, the name as written; the
        statement's line is the page). E-mail addresses, phone numbers and
        IBANs in the text (``search/patterns.py``) are kept on the document
        (``emailMentioned``, ``phoneMentioned``, ``ibanMentioned``), and are
        mentions too where a party holds that value. Replaces the dataset's
        earlier mentions; reads stored text, never the files again. Returns
        how many mentions."""
        from threadline.ingest.batch import BASE_PROP, StatementBatch
        from threadline.ingest.documents.records import make_id
        from threadline.search.mentions import MentionMatcher
        from threadline.search.patterns import KIND_PROPS, find_patterns
        from threadline.search.text_units import (
            document_meta,
            known_names,
            known_values,
            text_units,
        )

        region = self.phone_region  # a bad setting fails here, before any work
        matcher = MentionMatcher(known_names(self.store))
        values = known_values(self.store)
        batch = StatementBatch()
        seen: set[str] = set()
        kept: set[tuple[str, str, str, int | None]] = set()

        def mention(unit_id: str, document_id: str, page: int | None, entity_id: str,
                    written: str, start: int) -> None:  # fmt: skip
            mention_id = make_id("Mention", dataset, unit_id, entity_id, str(start))
            if mention_id in seen:
                return
            seen.add(mention_id)
            for prop, prop_type, value in (
                (BASE_PROP, BASE_PROP, mention_id),
                ("document", "entity", document_id),
                ("resolved", "entity", entity_id),
                ("name", "string", written),
            ):
                batch.add(mention_id, "Mention", prop, prop_type, value, None, None, page)

        for unit in text_units(self.store, document_meta(self.store, False), False):
            if dataset not in unit.datasets:
                continue
            for hit in matcher.find(unit.body):
                mention(unit.unit_id, unit.document_id, unit.page, hit.entity_id, hit.written,
                        hit.start)  # fmt: skip
            for found in find_patterns(unit.body, region):
                written = unit.body[found.start : found.end]
                key = (unit.document_id, found.kind, found.value, unit.page)
                documented = found.kind in KIND_PROPS and unit.schema != "Page"
                if documented and key not in kept:
                    kept.add(key)
                    prop = KIND_PROPS[found.kind]
                    prop_type = "identifier" if found.kind == "iban" else found.kind
                    batch.add(unit.document_id, unit.schema, prop, prop_type, found.value,
                              written, None, unit.page)  # fmt: skip
                for entity_id in values.get((found.kind, found.value), []):
                    mention(unit.unit_id, unit.document_id, unit.page, entity_id, written,
                            found.start)  # fmt: skip
        if not batch and MENTIONS_SOURCE not in self.store.live_sources(dataset):
            return 0
        writer = self.store.begin_ingest(dataset, MENTIONS_SOURCE, "", "", "mentions")
        try:
            writer.append(batch)
            writer.commit(len(seen), 0)
        except BaseException:
            writer.rollback()
            raise
        return len(seen)

    def document_blob(self, sha256: str) -> Path:
        """Where the original bytes with this SHA-256 are kept."""
        from threadline.ingest.documents.blobs import BlobStore

        path = BlobStore(self.path / BLOBS_DIR).path(sha256)
        if not path.is_file():
            raise EntityNotFound(f"no stored file with SHA-256 {sha256}")
        return path

    def _ingest_isolated(
        self, path: Path, options: IngestOptions, limits: WorkerLimits
    ) -> IngestReport:
        spooled = self.read_isolated(path, options, limits)
        return self._commit_spooled(spooled)

    def read_isolated(self, path: Path, options: IngestOptions, limits: WorkerLimits) -> Spooled:
        """Read and map ``path`` in a worker process under ``limits`` into a
        spool of statement batches, without touching the store: a job runs
        this part (the long one) while the server goes on answering, then
        :meth:`commit_read` under the workspace lock. A spool that is never
        committed is removed with :meth:`discard_read`."""
        import uuid

        from threadline.ingest.isolated import run_isolated
        from threadline.ingest.spool import spool_ingest

        spool_dir = self.path / TMP_DIR
        spool_dir.mkdir(exist_ok=True)
        spool = spool_dir / f"spool-{uuid.uuid4().hex}.arrow"
        try:
            spooled: Spooled = run_isolated(
                spool_ingest,
                path,
                options,
                self.path / REJECTS_DIR,
                spool,
                limits=limits,
                what=path.name,
            )
        except BaseException:
            spool.unlink(missing_ok=True)
            raise
        return spooled

    @staticmethod
    def discard_read(spooled: Spooled) -> None:
        spooled.spool.unlink(missing_ok=True)

    def _commit_spooled(self, spooled: Spooled) -> IngestReport:
        from threadline.ingest.spool import commit_spooled

        try:
            return commit_spooled(self.store, spooled)
        finally:
            spooled.spool.unlink(missing_ok=True)

    def commit_read(self, spooled: Spooled) -> IngestReport:
        """Store what :meth:`read_isolated` read, all or nothing, as
        :meth:`ingest` would (the search index and mentions follow)."""
        report = self._commit_spooled(spooled)
        self._update_index()
        self._refresh_all_mentions()
        return report

    def tag_mentions(self, dataset: str) -> int:
        """Find ``dataset``'s mentions of known entities again (see
        :meth:`refresh_mentions`) and bring the search index up to date."""
        if not self.store.has_dataset(dataset):
            raise DatasetNotFound(f"no dataset named {dataset!r} (see `threadline datasets`)")
        before = self.store.generation
        try:
            return self.refresh_mentions(dataset)
        finally:
            self._update_index(since=before)

    def datasets(self) -> list[DatasetInfo]:
        return self.store.datasets()

    def drop_dataset(self, name: str) -> None:
        self.store.drop_dataset(name)
        self._update_index()
        self._refresh_all_mentions()  # no mention of a name that is gone

    # -- retention ----------------------------------------------------------------

    def set_retention(self, dataset: str, days: int | None) -> None:
        """Keep what is loaded into ``dataset`` for ``days`` after its ingest
        (None: for ever); ``sweep_retention`` removes what is older."""
        if not self.store.has_dataset(dataset):
            raise DatasetNotFound(f"no dataset named {dataset!r} (see `threadline datasets`)")
        if days is not None and days < 1:
            raise InputError(f"retention must be at least 1 day, not {days}")
        self.store.set_retention(dataset, days)

    def retention(self) -> dict[str, int]:
        """Days of retention by dataset, for the datasets that have one."""
        return self.store.retention()

    def sweep_retention(
        self, now: datetime | None = None, *, dry_run: bool = False
    ) -> list[ExpiredIngest]:
        """Remove every ingest older than its dataset's retention, with its
        statements and index entries; returns what was (or, with
        ``dry_run``, would be) removed."""
        now = now or datetime.now(UTC)
        removed: list[ExpiredIngest] = []
        for dataset, days in self.retention().items():
            cutoff = now - timedelta(days=days)
            removed += self.store.expire_ingests(dataset, cutoff, dry_run=dry_run)
        if removed and not dry_run:
            self._update_index()
            self._refresh_all_mentions()
        return removed

    # -- reading ------------------------------------------------------------------

    def entity(self, entity_id: str, resolved: bool = True) -> Entity:
        """One entity with every value's sources. With ``resolved``, an id of
        a merged cluster (canonical or member) gives the merged entity: the
        values of all members, each still naming its source."""
        from threadline.model.entity import assemble

        ids = [entity_id]
        canonical = entity_id
        if resolved and self._has_resolution():
            ids = self.resolution.members(entity_id) or ids
            canonical = self.resolution.canonical_id(ids[0])
        rows = self.store.entity_rows(ids)
        if not rows:
            raise EntityNotFound(f"no entity with id {entity_id!r}")
        return assemble(rows, entity_id=canonical if len(ids) > 1 else None)

    def entities(self, dataset: str | None = None) -> Iterator[Entity]:
        """Every entity (restricted to the values of one dataset if given)."""
        from threadline.model.entity import assemble

        for rows in self.store.iter_entity_groups(dataset):
            yield assemble(rows)

    def export(self, fmt: str, out: IO[bytes] | Path, dataset: str | None = None) -> int:
        """Write entities as ``ftm`` (JSON lines), ``csv`` or ``xlsx``; returns how
        many. Spreadsheet cells are escaped against formula injection."""
        from threadline.export import export_entities

        if dataset is not None and not self.store.has_dataset(dataset):
            raise DatasetNotFound(f"no dataset named {dataset!r} (see `threadline datasets`)")
        return export_entities(lambda: self.entities(dataset), fmt, out)

    def export_resolved(self, fmt: str, out: IO[bytes] | Path) -> int:
        """Write one entity per resolved entity as ``ftm`` (with its member
        ids as ``referents``) or ``statements`` (FtM's statement CSV, each
        with its canonical id and its source file and line); returns how
        many entities."""
        from threadline.export.resolved import export_resolved, resolved_entities

        canonical = self.store.resolution().canonical_map() if self._has_resolution() else {}
        entities = resolved_entities(
            self.store.iter_entity_groups, self.store.entity_rows, canonical
        )
        return export_resolved(entities, fmt, out)

    def stats(self) -> dict[str, Any]:
        from followthemoney import model

        data = self.store.stats()
        # Links and mentions are not indexed (see _docs); everything else should be.
        data["searchable"] = sum(
            n
            for name, n in data["schemata"].items()
            if not getattr(model.get(name), "edge", False) and name != "Mention"
        )
        data["indexed"] = self.index.count()
        # False after a crash between store and index commits; the next search
        # (or `threadline reindex`) rebuilds it.
        data["index_current"] = self.index.generation == self.store.generation
        data["workspace"] = str(self.path)
        return data

    # -- resolution ---------------------------------------------------------------

    @property
    def resolution(self) -> Resolution:
        if self._resolution is None:
            from threadline.resolve.resolver import Resolution

            self._resolution = Resolution(self.store.resolution(), self.path / RESOLVE_DIR)
        return self._resolution

    def _has_resolution(self) -> bool:
        return self.store.has_resolution()

    def resolve(
        self, options: ResolveOptions | None = None, progress: Callable[[str], None] | None = None
    ) -> ResolveReport:
        """Find duplicates within and across datasets, merge the sure ones and
        queue the doubtful ones for review (see ``threadline.resolve``)."""
        from followthemoney import model

        from threadline.resolve.features import NEEDED_TYPES, matchable_schemata
        from threadline.resolve.resolver import ResolveOptions
        from threadline.search.documents import link_schemata

        matchable = set(matchable_schemata())
        rows = self.store.iter_entity_values(
            chunk=100_000,  # fewer, larger scans (within the store's memory cap)
            prop_types=NEEDED_TYPES,
            skip_schemata=[name for name in model.schemata if name not in matchable],
        )
        links = self.store.entity_links(link_schemata())
        return self.resolution.resolve(
            rows, links, self.store.generation, options or ResolveOptions(), progress
        )

    def judge(
        self, left: str, right: str, judgement: str, user: str | None = None
    ) -> JudgementRecord:
        """Record an analyst's judgement (same / not-same / unsure) on two
        entity (or canonical) ids and re-cluster at once."""
        from threadline.resolve.judgements import Judgement

        return self.resolution.judge(
            left, right, Judgement.parse(judgement), user, self._entity_exists
        )

    def review_queue(self, limit: int = 20) -> list[ReviewCase]:
        """Doubtful cases, one per candidate and cluster, strongest first."""
        return self.resolution.review_queue(limit)

    def decide(
        self,
        candidate: str,
        cluster: str,
        judgement: str,
        user: str | None = None,
    ) -> list[JudgementRecord]:
        """Decide a review case: "same" merges the two sides, "not same"
        judges the candidate against every member of the cluster, "unsure"
        takes the case off the queue. Re-clusters once."""
        from threadline.resolve.judgements import Judgement

        return self.resolution.decide(
            candidate, cluster, Judgement.parse(judgement), user, self._entity_exists
        )

    def bulk_review(
        self, rule: str, apply: bool = False, user: str | None = None
    ) -> list[ReviewCase]:
        """The queued cases a bulk rule (``threadline.resolve.review.BULK_RULES``)
        decides "same": listed only (a preview), or decided with ``apply``."""
        if apply:
            return self.resolution.bulk_apply(rule, self._sides, user, self._entity_exists)
        return self.resolution.bulk_preview(rule, self._sides)

    def _sides(self, case: ReviewCase) -> tuple[tuple[str, list[str]], tuple[str, list[str]]]:
        left, right = self.entity(case.candidate), self.entity(case.cluster)
        return (
            (left.schema.name, left.proxy.get("name")),
            (right.schema.name, right.proxy.get("name")),
        )

    def _entity_exists(self, entity_id: str) -> bool:
        return self.store.has_entity(entity_id)

    def export_clusters(self, out: IO[str]) -> int:
        """``entity_id,canonical_id`` for every entity (unmerged ones map to
        themselves)."""
        return self.resolution.export_clusters(self.store.entity_ids(), out)

    def match(
        self,
        path: str | os.PathLike[str],
        schema: str = "Person",
        threshold: float = 0.5,
        limit: int = 5,
    ) -> list[ScreeningResult]:
        """Screen a list (CSV with FtM property columns, or FtM JSON lines)
        against the workspace: ranked candidates per record, explained."""
        from threadline.resolve.screening import read_list, screen

        records = read_list(Path(path), schema)
        return screen(self.resolution, records, threshold=threshold, limit=limit)

    def export_judgements(self, out: IO[bytes]) -> int:
        """Every current judgement, in nomenklatura's resolver format."""
        from threadline.resolve.judgements import write_nomenklatura

        return write_nomenklatura(self.resolution.judgements.current(), out)

    def import_judgements(self, path: str | os.PathLike[str]) -> int:
        """Judgements from a nomenklatura resolver file; ids unknown here are
        kept (they may arrive with a later ingest) and counted."""
        from threadline.resolve.judgements import read_nomenklatura

        records = list(read_nomenklatura(Path(path)))
        return self.resolution.import_judgements(records)

    # -- link graph ---------------------------------------------------------------

    def graph(
        self,
        pivots: Sequence[str] = (),
        progress: Callable[[str], None] | None = None,
        mentions: bool = False,
    ) -> Graph:
        """The link graph over resolved entities (see ``threadline.graph``),
        rebuilt when the data or the resolution changed since it was saved.
        ``pivots`` adds nodes for shared phones, emails, addresses, IBANs or
        identifiers; ``mentions`` adds the weaker edges (type ``mention``)
        from documents to the people and companies their text names."""
        from threadline.graph.cache import load_or_build

        return load_or_build(self.store, self.path / GRAPH_DIR, pivots, progress, mentions)

    def graph_entities(
        self, graph: Graph, nodes: Iterable[int], edges: Iterable[int]
    ) -> Iterator[Entity]:
        """The FtM entities behind part of a graph: each node's (merged)
        entity and each link entity, for an FtM export of a subgraph."""
        for node in nodes:
            node_id = graph.node_ids[node]
            if graph.schema_of(node) and not node_id.startswith("pivot:"):
                yield self.entity(node_id)
        seen: set[str] = set()
        for record in graph.edge_records(list(edges)):
            if record.kind == "link" and record.edge_id not in seen:
                seen.add(record.edge_id)
                yield self.entity(record.edge_id, resolved=False)

    # -- search -------------------------------------------------------------------

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            from threadline.search.tantivy_index import TantivyIndex

            self._index = TantivyIndex(self.path / INDEX_DIR)
        return self._index

    def search(
        self,
        text: str,
        *,
        schema: str | None = None,
        dataset: str | None = None,
        country: str | None = None,
        limit: int = 20,
    ) -> list[SearchHit]:
        """Entities matching ``text``, best first; after a resolve, one hit
        per resolved entity (its canonical id) rather than one per record."""
        self.ensure_index()
        if not self._has_resolution():
            query = SearchQuery(text, schema=schema, dataset=dataset, country=country, limit=limit)
            return self.index.search(query)
        # Several records of one entity may match; fetch more so that about
        # `limit` distinct entities remain after collapsing.
        fetch = limit + min(3 * limit, 500)
        query = SearchQuery(text, schema=schema, dataset=dataset, country=country, limit=fetch)
        hits = self.index.search(query)
        canonical = self.resolution.canonical_ids([h.entity_id for h in hits])
        return collapse_hits(hits, canonical)[:limit]

    def search_facets(
        self,
        text: str,
        *,
        schema: str | None = None,
        dataset: str | None = None,
        country: str | None = None,
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """How many records match ``text`` under the filters, and the count of
        each schema, dataset and country among all of them (records, not
        resolved entities: "12 of the matches come from the leak")."""
        self.ensure_index()
        query = SearchQuery(text, schema=schema, dataset=dataset, country=country)
        return self.index.facets(query)

    def ensure_index(self, progress: IndexProgressFn | None = None) -> None:
        """Rebuild the index if a crash left it behind the store."""
        if self.index.generation != self.store.generation:
            self.reindex(progress)
        elif self.text_index.generation != self.store.generation:
            self._rebuild_text_index()

    @property
    def text_index(self) -> TextIndex:
        if self._text_index is None:
            from threadline.search.text_index import TextIndex

            self._text_index = TextIndex(self.path / TEXT_INDEX_DIR)
        return self._text_index

    def search_text(
        self,
        text: str,
        *,
        schema: str | None = None,
        dataset: str | None = None,
        mime_type: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        limit: int = 20,
    ) -> list[TextHit]:
        """Pages and documents whose text matches ``text`` (words, ``"a
        phrase"``, ``AND``/``OR``/``-word``), best first, each with its page
        and a snippet; filters by the document's schema, dataset, MIME type
        and date (ISO, inclusive)."""
        from threadline.search.text_index import TextQuery

        self.ensure_index()
        query = TextQuery(
            text,
            schema=schema,
            dataset=dataset,
            mime_type=mime_type,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
        )
        return self.text_index.search(query)

    def _rebuild_text_index(self) -> None:
        from threadline.search.text_units import document_meta, text_units

        index = self.text_index
        index.clear()
        index.add(text_units(self.store, document_meta(self.store, False), False))
        index.commit(self.store.generation)

    def _update_text_index(self, expected: int) -> None:
        """The queued pages' and documents' text, replaced unit by unit
        (before the queue is cleared); rebuilt instead when the text index is
        not at ``expected``. By unit, not by document: a document queued
        without its pages (new mentions on it) keeps its pages' entries."""
        from threadline.search.text_units import document_meta, text_units

        index = self.text_index
        if index.generation != expected:
            self._rebuild_text_index()
            return
        meta = document_meta(self.store, True)
        gone = self.store.queued_gone()
        index.delete_documents(gone)
        index.delete_units(gone)
        index.add(text_units(self.store, meta, True), replace=True)
        index.commit(self.store.generation)

    def reindex(self, progress: IndexProgressFn | None = None) -> int:
        from threadline.search.documents import indexed_prop_types, link_schemata

        index = self.index
        index.clear()
        total = int(self.store.stats()["entities"])
        done = 0

        def rows() -> Iterator[EntityValues]:
            nonlocal done
            for row in self.store.iter_entity_values(
                prop_types=indexed_prop_types(), skip_schemata=link_schemata()
            ):
                done += 1
                if progress and done % 10_000 == 0:
                    progress(done, total)
                yield row

        count = self._upsert_in_chunks(self._docs(rows()))
        index.commit(self.store.generation)
        self._rebuild_text_index()
        self.store.clear_index_queue()
        if progress:
            progress(total, total)
        return count

    def _upsert_in_chunks(self, docs: Iterator[IndexDoc], chunk: int = 100_000) -> int:
        """Upsert with intermediate commits: the engine holds pending deletes
        and documents in memory until a commit. Intermediate commits keep the
        old generation, so a crash half-way is still detected and rebuilt."""
        index = self.index
        count = 0
        while True:
            done = index.upsert(itertools.islice(docs, chunk))
            count += done
            if done < chunk:
                return count
            index.commit(index.generation)

    def _update_index(self, since: int | None = None) -> None:
        """Rebuild the index documents of the entities on the store's queue;
        ``since``: the store generation before a run of several commits."""
        from threadline.search.documents import indexed_prop_types, link_schemata

        index = self.index
        if since is not None and index.generation == self.store.generation:
            return
        expected = self.store.generation - 1 if since is None else since
        if index.generation != expected:
            # The index missed an earlier change (a crash); start afresh.
            self.reindex()
            return
        rows = self.store.iter_entity_values(
            queued=True, prop_types=indexed_prop_types(), skip_schemata=link_schemata()
        )
        self._upsert_in_chunks(self._docs(rows))
        gone = self.store.queued_gone()
        if gone:
            index.delete(gone)
        index.commit(self.store.generation)
        self._update_text_index(expected)
        self.store.clear_index_queue()

    def _docs(self, rows: Iterable[EntityValues]) -> Iterator[IndexDoc]:
        # Links (Ownership, Directorship, Payment, ...) are found through the
        # entities they connect, not by name: leaving them out keeps results
        # clean and indexing cheap.
        from threadline.model.entity import common_schema
        from threadline.search.documents import values_doc

        for entity_id, schemata, datasets, props, values in rows:
            schema = common_schema(set(schemata))
            # a Mention carries the name as written in a document: found
            # through the document (text search), not as an entity
            if not schema.edge and schema.name != "Mention":
                yield values_doc(entity_id, schema, datasets, props, values)
