"""Clusters from scored pairs: one strong pair between two records of two
different people must not join the people's whole clusters (chaining)."""

from __future__ import annotations

from datetime import UTC, datetime

from threadline.resolve.clustering import cluster
from threadline.resolve.judgements import Judgement, JudgementRecord


def _groups(canonical: dict[str, str], ids: list[str]) -> set[frozenset[str]]:
    out: dict[str, set[str]] = {}
    for entity in ids:
        out.setdefault(canonical.get(entity, entity), set()).add(entity)
    return {frozenset(members) for members in out.values()}


def test_one_pair_does_not_chain_two_clusters() -> None:
    """Two people with two records each; one record of each looks like the
    other person's (0.8, above the merge threshold); the other three pairs
    between them were never scored. The model expects a fifth of the pairs
    between the clusters to be matches: they stay apart."""
    pairs = [("a1", "a2", 0.99), ("b1", "b2", 0.99), ("a2", "b1", 0.8)]
    result = cluster(pairs, [], {}, {}, merge_threshold=0.7)
    ids = ["a1", "a2", "b1", "b2"]
    assert _groups(result.canonical, ids) == {frozenset({"a1", "a2"}), frozenset({"b1", "b2"})}
    assert result.refused_weak == 1


def test_a_record_joins_a_cluster_when_most_pairs_agree() -> None:
    """A third record of the same person, strongly like one record and
    weakly like the other (scored, below the merge threshold): the mean
    over its pairs with the cluster is 0.65, so it joins."""
    pairs = [("a1", "a2", 0.99), ("a2", "a3", 0.9), ("a1", "a3", 0.4)]
    result = cluster(pairs, [], {}, {}, merge_threshold=0.7)
    assert _groups(result.canonical, ["a1", "a2", "a3"]) == {frozenset({"a1", "a2", "a3"})}
    assert result.refused_weak == 0


def test_two_single_records_merge_on_their_pair_alone() -> None:
    result = cluster([("a", "b", 0.71), ("c", "d", 0.69)], [], {}, {}, merge_threshold=0.7)
    assert _groups(result.canonical, ["a", "b", "c", "d"]) == {
        frozenset({"a", "b"}),
        frozenset({"c"}),
        frozenset({"d"}),
    }


def test_a_single_record_joins_a_cluster_by_its_strongest_pair() -> None:
    """A noisy duplicate scored against one record of its cluster only."""
    pairs = [("a1", "a2", 0.99), ("a2", "a3", 0.99), ("a1", "a3", 0.95), ("a3", "x", 0.75)]
    result = cluster(pairs, [], {}, {}, merge_threshold=0.7)
    assert _groups(result.canonical, ["a1", "a2", "a3", "x"]) == {
        frozenset({"a1", "a2", "a3", "x"})
    }


def test_records_judged_same_count_as_one_in_the_check() -> None:
    """An analyst judged a3 and x1 the same. The a-cluster and the x-cluster
    then join through them: the analyst's "same" is not evidence against
    the rest of the records. Without the judgement, the one pair a3-x1
    (0.75) does not chain the two clusters."""
    pairs = [
        ("a1", "a2", 0.99),
        ("a2", "a3", 0.99),
        ("a1", "a3", 0.95),
        ("x1", "x2", 0.99),
        ("a3", "x1", 0.75),
    ]
    ids = ["a1", "a2", "a3", "x1", "x2"]
    apart = cluster(pairs, [], {}, {}, merge_threshold=0.7)
    assert _groups(apart.canonical, ids) == {
        frozenset({"a1", "a2", "a3"}),
        frozenset({"x1", "x2"}),
    }
    same = JudgementRecord("a3", "x1", Judgement.POSITIVE, "analyst", datetime.now(UTC))
    judged = cluster(pairs, [same], {}, {}, merge_threshold=0.7)
    assert _groups(judged.canonical, ids) == {frozenset(ids)}
