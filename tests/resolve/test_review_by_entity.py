"""Review by entity: a decision covers a candidate and a whole cluster, and
bulk rules decide many cases alike after a preview."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from tests.helpers.resolve import company, write_ftm
from threadline.errors import JudgementError
from threadline.resolve.engine import COMPARISON_NAMES, PAIR_SCHEMA
from threadline.resolve.judgements import Judgement
from threadline.resolve.resolver import Resolution
from threadline.resolve.review import legal_form_only, make_case
from threadline.workspace import Workspace


def same_entity(ws: Workspace, a: str, b: str) -> bool:
    return ws.resolution.canonical_id(a) == ws.resolution.canonical_id(b)


def test_not_same_against_a_cluster_covers_every_member(resolved: Workspace) -> None:
    ws = resolved
    ws.judge("reg-cobalt", "proc-cobalt", "same", user="ana")
    ws.judge("reg-cobalt", "leak-cobalt", "same", user="ana")
    cluster = ws.resolution.canonical_id("reg-cobalt")
    members = ws.resolution.members(cluster)
    assert {"reg-cobalt", "proc-cobalt", "leak-cobalt"} <= set(members)

    records = ws.decide("other-cobalt", cluster, "not-same", user="ben")
    assert {r.judgement for r in records} == {Judgement.NEGATIVE}
    assert {frozenset((r.left_id, r.right_id)) for r in records} == {
        frozenset(("other-cobalt", member)) for member in members
    }
    # the answer holds when the cluster splits: each member keeps its own "no"
    ws.judge("reg-cobalt", "leak-cobalt", "not-same", user="ana")
    for member in members:
        assert not same_entity(ws, "other-cobalt", member)
    queued = {(c.candidate, c.cluster) for c in ws.review_queue(limit=200)}
    assert not any("other-cobalt" in pair for pair in queued)


def test_same_merges_the_candidate_into_the_cluster(resolved: Workspace) -> None:
    ws = resolved
    ws.judge("reg-petrov", "leak-petrov", "same", user="ana")
    cluster = ws.resolution.canonical_id("reg-petrov")
    assert not same_entity(ws, "reg-namesake", "reg-petrov")
    [record] = ws.decide("reg-namesake", cluster, "same", user="ben")
    assert record.judgement is Judgement.POSITIVE
    assert same_entity(ws, "reg-namesake", "reg-petrov")
    assert same_entity(ws, "reg-namesake", "leak-petrov")


def test_a_case_against_itself_is_refused(resolved: Workspace) -> None:
    ws = resolved
    ws.judge("reg-petrov", "leak-petrov", "same", user="ana")
    cluster = ws.resolution.canonical_id("reg-petrov")
    with pytest.raises(JudgementError, match="the same entity"):
        ws.decide("leak-petrov", cluster, "not-same")
    with pytest.raises(JudgementError, match="Unknown entity id"):
        ws.decide("no-such-id", cluster, "same")


@pytest.mark.parametrize(
    ("a", "b", "fits"),
    [
        ("Baltic Harbour Logistics OÜ", "BALTIC HARBOUR LOGISTICS", True),
        ("Cobalt Marine Ltd", "Cobalt Marine Limited", True),
        ("ООО Ромашка", "Romashka LLC", True),
        ("Cobalt Marine Ltd", "Cobalt Maritime Ltd", False),  # another name
        ("Cobalt Marine Ltd", "Cobalt Marine Ltd", False),  # nothing differs
    ],
)
def test_the_legal_form_rule(a: str, b: str, fits: bool) -> None:
    assert legal_form_only((("Company", [a]), ("Company", [b]))) is fits


def test_the_legal_form_rule_never_applies_to_people() -> None:
    assert not legal_form_only((("Person", ["Ivan Petrov Ltd"]), ("Person", ["Ivan Petrov"])))


def test_a_bulk_rule_previews_before_it_decides(
    resolved: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ws = resolved
    extra = [
        company("n-1", "Nordlicht Handel GmbH", jurisdiction="de"),
        company("n-2", "NORDLICHT HANDEL", jurisdiction="de"),
    ]
    ws.ingest(write_ftm(tmp_path / "extra.ftm.json", extra), dataset="extra")
    # the queue, fixed: which pairs the model leaves in doubt is not this test's business
    evidence = ws.resolution.pairs_of(["reg-cobalt"])[0]
    queued = [
        make_case("n-1", "n-2", ws.resolution.members, evidence, 1),
        make_case("reg-petrov", "reg-namesake", ws.resolution.members, evidence, 1),
    ]
    monkeypatch.setattr(Resolution, "review_queue", lambda self, limit=20: queued)
    before = ws.resolution.judgements.count()

    preview = ws.bulk_review("legal-form-only")
    assert ws.resolution.judgements.count() == before  # a preview records nothing
    # only the legal form differs; two people named alike are never decided by this rule
    assert [(c.candidate, c.cluster) for c in preview] == [(queued[0].candidate, queued[0].cluster)]

    applied = ws.bulk_review("legal-form-only", apply=True, user="ana")
    assert applied == preview
    added = ws.resolution.judgements.history()[before:]
    assert [(r.judgement, r.origin, r.user) for r in added] == [
        (Judgement.POSITIVE, "rule:legal-form-only", "ana")
    ]
    assert same_entity(ws, "n-1", "n-2")
    with pytest.raises(JudgementError, match="no bulk rule named"):
        ws.bulk_review("everything")


def test_a_refused_chaining_merge_is_counted(resolved: Workspace) -> None:
    """Two clusters joined by one strong pair stay apart (the chaining
    guard), the refusal is counted, and a weaker pair between them waits in
    the review queue as one case for the two clusters."""
    ws = resolved
    tables = ws.resolution.tables
    a1, a2, b1, b2 = "crowd-1", "crowd-2", "crowd-3", "crowd-4"
    rows = [(a1, a2, 0.99), (b1, b2, 0.99), (a1, b1, 0.97), (a2, b2, 0.6)]
    comparisons = len(COMPARISON_NAMES)
    with tables.transaction():
        tables.add_pairs(
            pa.table(
                {
                    "left_id": [r[0] for r in rows],
                    "right_id": [r[1] for r in rows],
                    "probability": [r[2] for r in rows],
                    "weight": [5.0] * len(rows),
                    "weights": [[0.0] * comparisons] * len(rows),
                    "gammas": [[-1] * comparisons] * len(rows),
                },
                schema=PAIR_SCHEMA,
            )
        )
    result = ws.resolution.recluster()
    assert result.refused_weak >= 1
    assert same_entity(ws, a1, a2)
    assert same_entity(ws, b1, b2)
    assert not same_entity(ws, a1, b1)
    sides = {frozenset((c.candidate, c.cluster)) for c in ws.review_queue(limit=500)}
    canonical = ws.resolution.canonical_ids([a1, b1])
    assert frozenset((canonical[a1], canonical[b1])) in sides
    assert ws.resolution.summary()["review"] == len(ws.review_queue(limit=10_000))
