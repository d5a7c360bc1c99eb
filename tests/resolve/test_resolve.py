"""Resolving a workspace: merges, explanations, vetoes, judgements, canonical
ids, incremental runs, clusters export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.helpers.resolve import COBALT, PETROV, company, crowd, person, write_ftm
from threadline.errors import JudgementError, ResolveError
from threadline.resolve.resolver import ResolveOptions
from threadline.workspace import Workspace


def canonical(ws: Workspace, entity_id: str) -> str:
    return ws.resolution.canonical_id(entity_id)


def test_transliteration_and_initials_merge_namesake_stays_apart(resolved: Workspace) -> None:
    ws = resolved
    cluster = canonical(ws, "reg-petrov")
    assert cluster.startswith("tl-")
    assert canonical(ws, "leak-petrov") == cluster
    assert canonical(ws, "leak-initial") == cluster
    assert canonical(ws, "reg-namesake") != cluster


def test_legal_forms_and_identifiers_merge_and_conflicts_veto(resolved: Workspace) -> None:
    ws = resolved
    assert canonical(ws, "reg-cobalt") == canonical(ws, "proc-cobalt")
    # A different registration number forbids the merge, and the record
    # without a number must not chain the two together.
    assert canonical(ws, "other-cobalt") != canonical(ws, "reg-cobalt")
    members = ws.resolution.members("reg-cobalt")
    assert "other-cobalt" not in members


def test_explanation_names_the_evidence_and_adds_up(resolved: Workspace) -> None:
    explanation = resolved.resolution.explain("leak-petrov", "reg-petrov")
    assert explanation is not None
    by_name = {e.comparison: e for e in explanation.evidence}
    assert by_name["date"].level == "same date"
    assert by_name["date"].weight > 0
    assert by_name["country"].level == "a country in common"
    assert by_name["identifier"].weight == 0  # neither has one
    total = explanation.prior_weight + sum(e.weight for e in explanation.evidence)
    assert total == pytest.approx(explanation.weight, abs=1e-6)
    # the namesake (other birth date and country) does not even reach review
    assert resolved.resolution.explain("reg-namesake", "reg-petrov") is None


def test_merged_entity_keeps_each_values_source(resolved: Workspace) -> None:
    entity = resolved.entity("leak-initial")
    assert entity.id == canonical(resolved, "leak-initial")
    assert set(entity.members) == {"reg-petrov", "leak-petrov", "leak-initial"}
    names = {(s.value, s.entity_id) for s in entity.statements if s.prop == "name"}
    assert ("Петров Иван Сергеевич", "leak-petrov") in names
    assert ("I. Petrov", "leak-initial") in names
    single = resolved.entity("leak-initial", resolved=False)
    assert single.members == ["leak-initial"]


def test_search_returns_one_hit_per_resolved_entity(resolved: Workspace) -> None:
    hits = resolved.search("Ivan Petrov", schema="Person", limit=10)
    cluster = canonical(resolved, "reg-petrov")
    by_id = {h.entity_id: h for h in hits}
    # the three records of the merged person are one hit under its canonical id
    assert cluster in by_id
    assert not {"reg-petrov", "leak-petrov", "leak-initial"} & set(by_id)
    assert set(by_id[cluster].member_ids) <= {"reg-petrov", "leak-petrov", "leak-initial"}
    assert len(by_id[cluster].member_ids) >= 2
    # the namesake is another person and stays a hit of its own
    assert "reg-namesake" in by_id
    assert by_id["reg-namesake"].member_ids == []
    assert len(hits) == len(by_id)
    # the merged hit ranks by its best record: an exact name match
    assert by_id[cluster].score >= by_id["reg-namesake"].score - 1e-9


def test_split_and_remerge_by_judgement(resolved: Workspace) -> None:
    ws = resolved
    cluster = canonical(ws, "reg-petrov")
    ws.judge("leak-initial", "reg-petrov", "not-same", user="ana")
    ws.judge("leak-initial", "leak-petrov", "not-same", user="ana")
    assert canonical(ws, "leak-initial") != canonical(ws, "reg-petrov")
    # the bigger part keeps the canonical id
    assert canonical(ws, "reg-petrov") == cluster
    ws.judge("leak-initial", "reg-petrov", "same", user="ben")
    assert canonical(ws, "leak-initial") == cluster
    history = ws.resolution.judgements.history(["leak-initial"])
    assert [r.judgement.value for r in history] == ["negative", "negative", "positive"]
    assert history[-1].user == "ben"


def test_judgements_survive_reingest_and_reresolve(tmp_path: Path, resolved: Workspace) -> None:
    ws = resolved
    ws.judge("reg-namesake", "reg-petrov", "same", user="ana")
    ws.judge("proc-cobalt", "reg-cobalt", "not-same", user="ana")
    ws.ingest(write_ftm(tmp_path / "cases.ftm.json", PETROV + COBALT), dataset="cases")
    ws.resolve(ResolveOptions(retrain=True))
    assert canonical(ws, "reg-namesake") == canonical(ws, "reg-petrov")
    assert canonical(ws, "proc-cobalt") != canonical(ws, "reg-cobalt")


def test_canonical_ids_stable_across_runs(resolved: Workspace) -> None:
    before = {e: canonical(resolved, e) for e in ("reg-petrov", "reg-cobalt")}
    resolved.resolve(ResolveOptions(retrain=True))
    assert {e: canonical(resolved, e) for e in before} == before


def test_incremental_resolve_equals_full_rescoring(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    ws.ingest(write_ftm(tmp_path / "crowd.ftm.json", crowd()), dataset="crowd")
    ws.ingest(write_ftm(tmp_path / "a.ftm.json", PETROV[:2] + COBALT[:2]), dataset="a")
    first = ws.resolve()
    assert first.trained and not first.incremental
    ws.ingest(write_ftm(tmp_path / "b.ftm.json", PETROV[2:] + COBALT[2:]), dataset="b")
    second = ws.resolve()
    assert second.incremental and second.rescored == 4

    def state() -> tuple[set[tuple[str, str, float]], dict[str, str]]:
        tables = ws.store.resolution()
        pairs = {(a, b, round(p, 9)) for a, b, p in tables.pairs_above(0.0)}
        return pairs, tables.canonical_map()

    incremental = state()
    full = ws.resolve(ResolveOptions(full=True))
    assert not full.trained and not full.incremental
    assert state() == incremental
    ws.close()


def test_entities_without_matchable_properties_are_skipped_and_counted(
    tmp_path: Path,
) -> None:
    ws = Workspace.init(tmp_path / "ws")
    nameless = [
        {"id": "nameless-1", "schema": "Person", "properties": {"nationality": ["de"]}},
        {"id": "nameless-2", "schema": "Company", "properties": {"jurisdiction": ["gb"]}},
    ]
    ws.ingest(write_ftm(tmp_path / "x.ftm.json", crowd(60) + nameless), dataset="x")
    report = ws.resolve()
    assert report.skipped == 2
    assert report.entities == 60
    ws.close()


def test_judgement_on_unknown_id_is_refused(resolved: Workspace) -> None:
    with pytest.raises(JudgementError) as info:
        resolved.judge("reg-petrov", "no-such-id", "same")
    assert str(info.value) == (
        "Unknown entity id 'no-such-id': it is not in this workspace "
        "(find ids with `threadline search`)."
    )
    with pytest.raises(JudgementError, match="Unknown judgement 'maybe'"):
        resolved.judge("reg-petrov", "leak-petrov", "maybe")


def test_nothing_to_resolve_is_a_clear_error(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    with pytest.raises(ResolveError, match="fewer than two matchable entities"):
        ws.resolve()
    ws.close()


def test_review_queue_holds_doubtful_undecided_cases(resolved: Workspace) -> None:
    settings = resolved.resolution.settings
    queue = resolved.review_queue(limit=100)
    for case in queue:
        assert settings.review_threshold <= case.probability < settings.merge_threshold
        assert canonical(resolved, case.candidate) != canonical(resolved, case.cluster)
        assert len(case.candidate_members) <= len(case.cluster_members)
    keys = [(case.candidate, case.cluster) for case in queue]
    assert len(keys) == len(set(keys))  # one case per candidate and cluster
    assert queue
    first = queue[0]
    resolved.decide(first.candidate, first.cluster, "unsure", user="ana")
    remaining = resolved.review_queue(limit=100)
    assert (first.candidate, first.cluster) not in {(c.candidate, c.cluster) for c in remaining}


def test_export_clusters_lists_every_entity(resolved: Workspace) -> None:
    buffer = io.StringIO()
    count = resolved.export_clusters(buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert count == len(rows) == resolved.stats()["entities"]
    mapping = {r["entity_id"]: r["canonical_id"] for r in rows}
    assert mapping["leak-petrov"] == mapping["reg-petrov"] == canonical(resolved, "reg-petrov")
    assert mapping["crowd-0"] == "crowd-0"


def test_shared_relations_are_evidence_after_merges(tmp_path: Path) -> None:
    """Relations are compared on resolved entities: two "J. Stephens" who
    direct two records of one company share a link once that company is
    merged (collective resolution), and the explanation says so."""
    ws = Workspace.init(tmp_path / "ws")
    records = [
        person("a-stephens", "J. Stephens"),
        person("b-stephens", "John Stephens"),
        person("c-stephens", "J. Stephens"),
        company("acme-1", "Acme Shipping Ltd", registrationNumber="12345", jurisdiction="gb"),
        company("acme-2", "ACME SHIPPING LIMITED", registrationNumber="12345", jurisdiction="gb"),
    ]
    records += [
        {
            "id": f"dir-{p}",
            "schema": "Directorship",
            "properties": {"director": [p], "organization": [org]},
        }
        for p, org in (("a-stephens", "acme-1"), ("b-stephens", "acme-2"))
    ]
    ws.ingest(write_ftm(tmp_path / "crowd.ftm.json", crowd()), dataset="crowd")
    ws.ingest(write_ftm(tmp_path / "s.ftm.json", records), dataset="s")
    ws.resolve(ResolveOptions(review_threshold=1e-12))  # keep every scored pair
    assert canonical(ws, "acme-1") == canonical(ws, "acme-2")
    linked = ws.resolution.explain("a-stephens", "b-stephens")
    assert linked is not None
    relations = {e.comparison: e for e in linked.evidence}["relations"]
    assert relations.level == "linked to the same entity"
    unlinked = ws.resolution.explain("a-stephens", "c-stephens")
    assert unlinked is not None
    assert {e.comparison: e for e in unlinked.evidence}["relations"].level == (
        "not compared (missing on one side)"
    )
    ws.close()


def test_first_resolve_in_a_fresh_workspace_creates_its_folders(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "fresh")
    ws.ingest(write_ftm(tmp_path / "crowd.ftm.json", crowd(80)), dataset="crowd")
    assert not (tmp_path / "fresh" / "resolve").exists()
    ws.resolve()
    assert (tmp_path / "fresh" / "resolve" / "features.parquet").is_file()
    assert (tmp_path / "fresh" / "resolve" / "tmp").is_dir()  # DuckDB spills here
    ws.close()


def _parameters(ws: Workspace) -> list[str]:
    """The trained parameters, to 9 significant digits (sums in another
    order differ in the last bits)."""
    model = ws.resolution.model
    assert model is not None
    values = [model["probability_two_random_records_match"]] + [
        level.get(key)
        for comp in model["comparisons"]
        for level in comp["comparison_levels"]
        for key in ("m_probability", "u_probability")
    ]
    return ["-" if v is None else f"{v:.9g}" for v in values]


def test_same_judgements_refine_the_model_on_retraining(resolved: Workspace) -> None:
    resolved.resolve(ResolveOptions(retrain=True))
    unsupervised = _parameters(resolved)
    resolved.resolve(ResolveOptions(retrain=True))
    assert _parameters(resolved) == unsupervised  # training is deterministic
    for n in range(0, 10, 2):
        resolved.judge(f"crowd-{n}", f"crowd-{n + 1}", "same", user="ana")
    resolved.resolve(ResolveOptions(retrain=True))
    assert _parameters(resolved) != unsupervised
