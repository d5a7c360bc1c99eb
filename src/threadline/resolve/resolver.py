"""Entity resolution over a workspace's store: features, model, pairs,
judgements, clusters, canonical ids. The workspace and the CLI call this;
it never prints.

A resolve run writes everything it changes in one transaction, so a failed
or killed run leaves the previous resolution as it was.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from threadline.errors import JudgementError, ResolveError
from threadline.model.statements import EntityValues
from threadline.resolve.calibration import expected_quality
from threadline.resolve.clustering import CANONICAL_PREFIX, ClusterResult, cluster
from threadline.resolve.engine import SplinkEngine, make_engine
from threadline.resolve.explain import Explanation, ModelLevels
from threadline.resolve.features import (
    DEFAULT_VETO_PROPS,
    FeatureOptions,
    build_features,
    with_links,
)
from threadline.resolve.judgements import (
    NK_PREFIX,
    Judgement,
    JudgementRecord,
    JudgementStore,
    now,
    ordered,
)
from threadline.resolve.review import BULK_RULES, ReviewCase, Sides, cross_pairs, make_case
from threadline.store.base import PairRow, ResolutionTables

ProgressFn = Callable[[str], None]

META_MODEL = "resolve_model"
META_SETTINGS = "resolve_settings"
META_GENERATION = "resolve_generation"
#: At most this many extra scoring rounds for relations after merges.
MAX_LINK_ROUNDS = 2


@dataclass(frozen=True)
class ResolveOptions:
    engine: str = "duckdb"
    #: pairs at or above this probability are merged automatically. The
    #: probabilities are calibrated (``threadline.resolve.calibration``);
    #: merging is transitive (one false link joins two whole clusters), so a
    #: merge needs odds better than two to one, not just even odds
    merge_threshold: float = 0.7
    #: pairs between this and the merge threshold go to the review queue
    review_threshold: float = 0.1
    retrain: bool = False
    #: re-score every pair with the current model (no retraining)
    full: bool = False
    veto_props: tuple[str, ...] = DEFAULT_VETO_PROPS

    def check(self) -> None:
        if not 0 < self.review_threshold <= self.merge_threshold <= 1:
            raise ResolveError(
                f"Thresholds must satisfy 0 < review ({self.review_threshold}) "
                f"<= merge ({self.merge_threshold}) <= 1."
            )


@dataclass
class ResolveReport:
    engine: str
    entities: int
    skipped: int
    rescored: int
    incremental: bool
    trained: bool
    pairs: int
    clusters: int
    merged_entities: int
    review: int
    refused_vetoed: int
    refused_judged: int
    #: merges of two clusters refused because too few of the pairs between
    #: them are likely matches (``threadline.resolve.clustering``)
    refused_weak: int = 0
    seconds: float = 0.0
    #: what the calibrated probabilities promise (see
    #: ``threadline.resolve.calibration.expected_quality``); ``None`` when
    #: there is nothing to average
    expected_merge_precision: float | None = None
    expected_merge_recall: float | None = None
    expected_review_precision: float | None = None
    expected_recall_with_review: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Resolution:
    """Resolution state, kept in the store's resolution tables."""

    def __init__(self, tables: ResolutionTables, directory: Path) -> None:
        self.tables = tables
        self.directory = directory
        self.judgements = JudgementStore(tables)

    # -- meta --------------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        return self.tables.get_setting(key)

    def _set_meta(self, key: str, value: str) -> None:
        self.tables.set_setting(key, value)

    @property
    def model(self) -> dict[str, Any] | None:
        raw = self._meta(META_MODEL)
        return None if raw is None else dict(orjson.loads(raw))

    @property
    def settings(self) -> ResolveOptions:
        raw = self._meta(META_SETTINGS)
        if raw is None:
            return ResolveOptions()
        data = orjson.loads(raw)
        data["veto_props"] = tuple(data.get("veto_props", DEFAULT_VETO_PROPS))
        return ResolveOptions(**data)

    def levels(self) -> ModelLevels:
        model = self.model
        if model is None:
            raise ResolveError("Nothing is resolved yet: run `threadline resolve` first.")
        return ModelLevels(model)

    @property
    def features_path(self) -> Path:
        return self.directory / "features.parquet"

    # -- resolving ---------------------------------------------------------------

    def resolve(
        self,
        rows: Iterable[EntityValues],
        links: Mapping[str, set[str]],
        generation: int,
        options: ResolveOptions = ResolveOptions(),
        progress: ProgressFn | None = None,
    ) -> ResolveReport:
        """Score, cluster and store. ``links`` says which entities each
        entity is linked to (relations are evidence). Everything is written
        in one transaction."""
        options.check()
        started = time.monotonic()
        say = progress or (lambda _phase: None)
        say("Reading match features")
        built = build_features(rows, FeatureOptions(veto_props=options.veto_props))
        features = with_links(built.table, links, self._canonical_map())
        previous = self.tables.fingerprints()
        model = self.model
        trained = model is None or options.retrain or _vetoes_changed(self.settings, options)
        rescore_all = trained or options.full
        ids = features.column("unique_id").to_pylist()
        prints = features.column("fingerprint").to_pylist()
        if rescore_all:
            is_new = [True] * len(ids)
        else:
            is_new = [previous.get(i) != fp for i, fp in zip(ids, prints, strict=True)]
        stale = sorted(set(previous) - set(ids)) + [
            i for i, new in zip(ids, is_new, strict=True) if new and i in previous
        ]
        rescored = {i for i, new in zip(ids, is_new, strict=True) if new}

        spill = self.directory / "tmp"  # where DuckDB spills beyond its memory cap
        spill.mkdir(parents=True, exist_ok=True)
        engine = make_engine(options.engine, str(spill))
        try:
            with self.tables.transaction():
                if trained:
                    say(f"Training the model ({options.engine})")
                    model = engine.train(features, self._positive_labels(set(ids)))
                assert model is not None
                self.tables.delete_pairs(None if rescore_all else stale)
                say(f"Scoring candidate pairs ({options.engine})")
                self._score(engine, features, is_new, model, options, incremental=not rescore_all)
                self._set_meta(META_MODEL, orjson.dumps(model).decode())
                settings = asdict(options)
                settings["veto_props"] = list(options.veto_props)
                settings.update(retrain=False, full=False)
                self._set_meta(META_SETTINGS, orjson.dumps(settings).decode())
                self._set_meta(META_GENERATION, str(generation))
                say("Clustering")
                self._write_entities(features)  # clustering reads the veto identifiers
                result = self._recluster(options.merge_threshold)
                # Collective rounds: a merge changes which records share a
                # neighbour, so records whose links changed are scored again.
                rescored_in_rounds = False
                for _ in range(MAX_LINK_ROUNDS):
                    relinked = with_links(features, links, self._canonical_map())
                    old = features.column("fingerprint").to_pylist()
                    new = relinked.column("fingerprint").to_pylist()
                    changed = [a != b for a, b in zip(old, new, strict=True)]
                    if not any(changed):
                        break
                    features = relinked
                    moved = [i for i, c in zip(ids, changed, strict=True) if c]
                    say(f"Scoring again {len(moved):,} records whose links were merged")
                    self.tables.delete_pairs(moved)
                    self._score(engine, features, changed, model, options, incremental=True)
                    rescored.update(moved)
                    rescored_in_rounds = True
                    result = self._recluster(options.merge_threshold)
                if rescored_in_rounds:
                    self._write_entities(features)  # the final link fingerprints
                self._write_features(features)
        finally:
            engine.close()
        stats = self.summary()
        scored = self.tables.pairs_above(options.review_threshold)
        quality = expected_quality(
            np.array([p for _, _, p in scored], dtype=np.float64),
            options.merge_threshold,
            options.review_threshold,
        )
        return ResolveReport(
            engine=options.engine,
            entities=features.num_rows,
            skipped=built.skipped,
            rescored=len(rescored),
            incremental=not rescore_all,
            trained=trained,
            pairs=stats["pairs"],
            clusters=stats["clusters"],
            merged_entities=stats["merged_entities"],
            review=stats["review"],
            refused_vetoed=result.refused_vetoed,
            refused_judged=result.refused_judged,
            refused_weak=result.refused_weak,
            seconds=round(time.monotonic() - started, 2),
            **quality,
        )

    def _score(
        self,
        engine: SplinkEngine,
        features: pa.Table,
        is_new: list[bool],
        model: dict[str, Any],
        options: ResolveOptions,
        incremental: bool,
    ) -> None:
        if not any(is_new) or features.num_rows < 2:
            return
        table = features.append_column("is_new", pa.array(is_new, pa.bool_()))
        pairs = engine.predict(table, model, options.review_threshold, incremental=incremental)
        self.tables.add_pairs(pairs)

    def _write_entities(self, features: pa.Table) -> None:
        self.tables.replace_entities(features)

    def _positive_labels(self, known: set[str]) -> list[tuple[str, str]]:
        return [
            (r.left_id, r.right_id)
            for r in self.judgements.current()
            if r.judgement is Judgement.POSITIVE and r.left_id in known and r.right_id in known
        ]

    def _write_features(self, features: pa.Table) -> None:
        # Kept for screening, which scores a list against every entity.
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.features_path.with_suffix(".tmp")
        pq.write_table(features, tmp)
        os.replace(tmp, self.features_path)

    def _recluster(self, merge_threshold: float) -> ClusterResult:
        # every stored pair (at or above the review threshold) is evidence
        # for the cluster-level check; those above the merge threshold merge
        result = cluster(
            self.tables.pairs_above(0.0),
            self.judgements.current(),
            self.tables.veto_ids(),
            self.tables.canonical_map(),
            merge_threshold,
        )
        rows = [(e, c) for e, c in result.canonical.items() if not e.startswith(NK_PREFIX)]
        self.tables.replace_canonical(rows)
        return result

    def _canonical_map(self) -> dict[str, str]:
        return self.tables.canonical_map()

    def recluster(self) -> ClusterResult:
        """Re-cluster from stored pairs after judgements changed; no
        re-scoring, so it takes a moment."""
        with self.tables.transaction():
            return self._recluster(self.settings.merge_threshold)

    # -- judgements --------------------------------------------------------------

    def judge(
        self,
        left: str,
        right: str,
        judgement: Judgement,
        user: str | None,
        exists: Callable[[str], bool],
    ) -> JudgementRecord:
        """Record a judgement and re-cluster. Canonical ids are translated to
        a member, so judgements stay on entity ids, which re-ingest keeps."""
        a, b = self._judgeable(left, exists), self._judgeable(right, exists)
        if a == b:
            raise JudgementError(f"{left!r} and {right!r} are the same entity.")
        a, b = ordered(a, b)
        record = JudgementRecord(a, b, judgement, user, now())
        self.judgements.add([record])
        self.recluster()
        return record

    def _judgeable(self, identifier: str, exists: Callable[[str], bool]) -> str:
        if identifier.startswith(CANONICAL_PREFIX):
            members = self.members(identifier)
            if members:
                return members[0]
        if identifier.startswith(NK_PREFIX) or exists(identifier):
            return identifier
        raise JudgementError(
            f"Unknown entity id {identifier!r}: it is not in this workspace "
            "(find ids with `threadline search`)."
        )

    def import_judgements(self, records: Iterable[JudgementRecord]) -> int:
        count = self.judgements.add(records)
        self.recluster()
        return count

    # -- reading -----------------------------------------------------------------

    def canonical_id(self, entity_id: str) -> str:
        return self.tables.canonical_ids([entity_id]).get(entity_id, entity_id)

    def canonical_ids(self, entity_ids: list[str]) -> dict[str, str]:
        """The canonical id of each merged id among ``entity_ids``; ids that
        are not merged are left out."""
        return self.tables.canonical_ids(entity_ids)

    def members(self, any_id: str) -> list[str]:
        """Every entity id in the cluster of ``any_id`` (a canonical or a
        member id); just ``[any_id]`` when it is not merged."""
        members = self.tables.members(self.canonical_id(any_id))
        if members:
            return members
        return [] if any_id.startswith(CANONICAL_PREFIX) else [any_id]

    def explain(self, a: str, b: str) -> Explanation | None:
        left, right = ordered(a, b)
        row = self.tables.pair(left, right)
        return None if row is None else self._explanation(row, self.levels())

    def pairs_of(self, entity_ids: list[str], limit: int = 50) -> list[Explanation]:
        """Scored pairs touching ``entity_ids``, strongest first."""
        rows = self.tables.pairs_touching(entity_ids, limit)
        if not rows:
            return []
        levels = self.levels()
        return [self._explanation(r, levels) for r in rows]

    def review_queue(self, limit: int = 20) -> list[ReviewCase]:
        """Cases between the thresholds, one per candidate and cluster, that
        no judgement settles, most likely matches first."""
        settings = self.settings
        items = self.tables.review_items(settings.review_threshold, settings.merge_threshold, limit)
        if not items:
            return []
        levels = self.levels()
        return [
            make_case(
                item.side_a,
                item.side_b,
                self.members,
                self._explanation(item.pair, levels),
                item.pairs,
            )
            for item in items
        ]

    def decide(
        self,
        candidate: str,
        cluster: str,
        judgement: Judgement,
        user: str | None,
        exists: Callable[[str], bool],
        origin: str = "threadline",
    ) -> list[JudgementRecord]:
        """Decide a review case (two resolved entities, by canonical or
        entity id) and re-cluster once; returns the judgements recorded. See
        ``threadline.resolve.review`` for what each answer records."""
        records = self._case_records(candidate, cluster, judgement, user, exists, origin)
        self.judgements.add(records)
        self.recluster()
        return records

    def _case_records(
        self,
        candidate: str,
        cluster: str,
        judgement: Judgement,
        user: str | None,
        exists: Callable[[str], bool],
        origin: str,
    ) -> list[JudgementRecord]:
        for side in (candidate, cluster):
            self._judgeable(side, exists)
        left, right = self.members(candidate), self.members(cluster)
        if set(left) & set(right):
            raise JudgementError(f"{candidate!r} and {cluster!r} are the same entity.")
        when = now()
        if judgement is Judgement.NEGATIVE:
            pairs = cross_pairs(left, right)
        else:
            # the strongest scored pair between the sides, else any two members
            strongest = self.tables.pairs_touching(left, limit=len(left) * len(right) + 50)
            between = [p for p in strongest if {p[0], p[1]} & set(right)]
            pairs = [(between[0][0], between[0][1])] if between else [(left[0], right[0])]
        return [JudgementRecord(*ordered(a, b), judgement, user, when, origin) for a, b in pairs]

    def bulk_preview(
        self, rule: str, sides: Callable[[ReviewCase], Sides], limit: int = 10_000
    ) -> list[ReviewCase]:
        """The queued cases ``rule`` (a key of ``BULK_RULES``) would decide
        "same"; ``sides`` gives each case's (schema, names) per side."""
        if rule not in BULK_RULES:
            raise JudgementError(f"no bulk rule named {rule!r}: use one of {', '.join(BULK_RULES)}")
        test = BULK_RULES[rule][1]
        return [case for case in self.review_queue(limit) if test(sides(case))]

    def bulk_apply(
        self,
        rule: str,
        sides: Callable[[ReviewCase], Sides],
        user: str | None,
        exists: Callable[[str], bool],
        limit: int = 10_000,
    ) -> list[ReviewCase]:
        """Decide "same" on every case :meth:`bulk_preview` lists, recorded
        with the rule as the judgements' origin; one re-clustering."""
        cases = self.bulk_preview(rule, sides, limit)
        records: list[JudgementRecord] = []
        for case in cases:
            records.extend(
                self._case_records(
                    case.candidate, case.cluster, Judgement.POSITIVE, user, exists, f"rule:{rule}"
                )
            )
        if records:
            self.judgements.add(records)
            self.recluster()
        return cases

    @staticmethod
    def _explanation(row: PairRow, levels: ModelLevels) -> Explanation:
        return levels.explain(*row)

    def summary(self) -> dict[str, Any]:
        settings = self.settings
        clusters, merged = self.tables.cluster_counts()
        review = self.tables.review_count(settings.review_threshold, settings.merge_threshold)
        return {
            "resolved": self.model is not None,
            "entities": self.tables.entity_count(),
            "pairs": self.tables.pair_count(),
            "clusters": clusters,
            "merged_entities": merged,
            "review": review,
            "judgements": self.judgements.count(),
            "merge_threshold": settings.merge_threshold,
            "review_threshold": settings.review_threshold,
            "generation": int(self._meta(META_GENERATION) or -1),
        }

    def export_clusters(self, entity_ids: Iterable[str], out: IO[str]) -> int:
        """``entity_id,canonical_id`` for every entity in ``entity_ids``."""
        canonical = self.tables.canonical_map()
        out.write("entity_id,canonical_id\n")
        count = 0
        for entity_id in entity_ids:
            out.write(f"{_csv(entity_id)},{_csv(canonical.get(entity_id, entity_id))}\n")
            count += 1
        return count


def _csv(value: str) -> str:
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _vetoes_changed(old: ResolveOptions, new: ResolveOptions) -> bool:
    return tuple(old.veto_props) != tuple(new.veto_props)


__all__ = ["Resolution", "ResolveOptions", "ResolveReport"]
