"""From scored pairs and judgements to clusters and stable canonical ids.

Clusters grow greedily from the strongest evidence down: analysts' "same"
judgements first, then automatic merges by falling probability. A merge is
refused when it would put into one cluster

- two records an analyst judged "not same", or
- two records with conflicting veto identifiers (two different registration
  numbers, say), even when a third record without one links them: the
  check is on the whole clusters, not the pair;
- two clusters of several records each of which the model expects fewer
  than half the pairs between them to be matches (``MIN_CROSS_MATCH_SHARE``),
  however strong the one pair that would join them.

Merging is transitive: one pair above the merge threshold between a record
of one person and a record of a namesake would join the two people's whole
clusters (chaining). The probabilities are calibrated, so the mean
probability over all pairs between two clusters is the share of those pairs
expected to be matches; if the clusters were one entity, every one of them
would be. A pair that was never scored, or scored below the review
threshold, counts as zero: blocking or the model found nothing in common.
A single record joins a cluster by its strongest pair, as before: noisy
duplicates often carry little more than a name, and are scored against few
of their entity's other records (checking them too cost recall on the
multi-source benchmarks, bench/RESULTS.md). Records an analyst judged
"same" count as one record here (their strongest pair with another record
speaks for them): the analyst's word is not a reason to keep the rest of
the person's records apart.

An analyst's "same" overrides a veto: the analyst has seen both records.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from threadline.resolve.judgements import NK_PREFIX, Judgement, JudgementRecord

CANONICAL_PREFIX = "tl-"
#: Two clusters of several records each are merged only when at least this
#: share of the pairs between them is expected to be matches (their mean
#: probability): more likely than not.
MIN_CROSS_MATCH_SHARE = 0.5


@dataclass
class _Cluster:
    members: set[str]
    #: the records and groups of records judged "same" it holds, each by
    #: one member id: what the cluster-level check counts
    units: set[str] = field(default_factory=set)
    vetoes: dict[str, set[str]] = field(default_factory=dict)
    not_same: set[str] = field(default_factory=set)


class Clusterer:
    def __init__(
        self, veto_ids: Mapping[str, Iterable[str]], units: Mapping[str, str] | None = None
    ) -> None:
        self._units = units or {}
        self._parent: dict[str, str] = {}
        self._clusters: dict[str, _Cluster] = {}
        self._veto_ids = veto_ids
        self._scores: dict[str, dict[str, float]] = {}
        self.refused_vetoed = 0
        self.refused_judged = 0
        self.refused_weak = 0

    def score(self, a: str, b: str, probability: float) -> None:
        """Record a scored pair: evidence for the cluster-level check."""
        ua, ub = self._units.get(a, a), self._units.get(b, b)
        if ua == ub:
            return
        for x, y in ((ua, ub), (ub, ua)):
            known = self._scores.setdefault(x, {})
            known[y] = max(probability, known.get(y, 0.0))

    def _cross_share(self, ra: str, rb: str) -> float:
        """The mean probability over all pairs of units between two
        clusters; pairs not scored count as zero."""
        a, b = self._clusters[ra].units, self._clusters[rb].units
        small, other = (a, rb) if len(a) <= len(b) else (b, ra)
        total = 0.0
        for unit in small:
            for neighbour, probability in self._scores.get(unit, {}).items():
                if self.find(neighbour) == other:
                    total += probability
        return total / (len(a) * len(b))

    def find(self, node: str) -> str:
        parent = self._parent.get(node)
        if parent is None:
            self._parent[node] = node
            cluster = _Cluster({node}, {self._units.get(node, node)})
            for key in self._veto_ids.get(node, ()):
                prop, _, value = key.partition(":")
                cluster.vetoes.setdefault(prop, set()).add(value)
            self._clusters[node] = cluster
            return node
        root = node
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[node] != root:  # path compression
            self._parent[node], node = root, self._parent[node]
        return root

    def forbid(self, a: str, b: str) -> None:
        self._clusters[self.find(a)].not_same.add(b)
        self._clusters[self.find(b)].not_same.add(a)

    def _judged_apart(self, ra: str, rb: str) -> bool:
        a, b = self._clusters[ra], self._clusters[rb]
        small, other = (a, rb) if len(a.not_same) <= len(b.not_same) else (b, ra)
        return any(self.find(x) == other for x in small.not_same)

    def _vetoed(self, ra: str, rb: str) -> bool:
        a, b = self._clusters[ra].vetoes, self._clusters[rb].vetoes
        return any(prop in b and not (values & b[prop]) for prop, values in a.items())

    def union(self, a: str, b: str, force: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if not force:
            if self._judged_apart(ra, rb):
                self.refused_judged += 1
                return False
            if self._vetoed(ra, rb):
                self.refused_vetoed += 1
                return False
            smaller = min(len(self._clusters[ra].units), len(self._clusters[rb].units))
            if smaller > 1 and self._cross_share(ra, rb) < MIN_CROSS_MATCH_SHARE:
                self.refused_weak += 1
                return False
        big, small = (ra, rb)
        if len(self._clusters[ra].members) < len(self._clusters[rb].members):
            big, small = rb, ra
        self._parent[small] = big
        into, gone = self._clusters[big], self._clusters.pop(small)
        into.members |= gone.members
        into.units |= gone.units
        into.not_same |= gone.not_same
        for prop, values in gone.vetoes.items():
            into.vetoes.setdefault(prop, set()).update(values)
        return True

    def clusters(self) -> list[set[str]]:
        return [c.members for c in self._clusters.values()]


@dataclass
class ClusterResult:
    canonical: dict[str, str]  # every clustered id -> canonical id
    refused_vetoed: int
    refused_judged: int
    #: merges refused because too few pairs between the two clusters matched
    refused_weak: int = 0


def cluster(
    pairs: Iterable[tuple[str, str, float]],
    judgements: Iterable[JudgementRecord],
    veto_ids: Mapping[str, Iterable[str]],
    previous: Mapping[str, str],
    merge_threshold: float = 0.0,
) -> ClusterResult:
    """Cluster the scored ``pairs`` (left, right, probability) under
    ``judgements``: pairs at or above ``merge_threshold`` merge, every pair
    counts as evidence between clusters. Ids keep the canonical id they had
    in ``previous`` where their cluster still holds most of its members."""
    judged = list(judgements)
    clusterer = Clusterer(veto_ids, _judged_units(judged))
    pairs = list(pairs)
    for left, right, probability in pairs:
        clusterer.score(left, right, probability)
    for rec in judged:
        if rec.judgement is Judgement.POSITIVE:
            clusterer.union(rec.left_id, rec.right_id, force=True)
    for rec in judged:
        if rec.judgement is Judgement.NEGATIVE:
            clusterer.forbid(rec.left_id, rec.right_id)
    merging = [p for p in pairs if p[2] >= merge_threshold]
    for left, right, _ in sorted(merging, key=lambda p: (-p[2], p[0], p[1])):
        clusterer.union(left, right)
    canonical = assign_canonical(clusterer.clusters(), previous)
    return ClusterResult(
        canonical, clusterer.refused_vetoed, clusterer.refused_judged, clusterer.refused_weak
    )


def _judged_units(judged: list[JudgementRecord]) -> dict[str, str]:
    """Record -> the smallest id of its group of records joined by analysts'
    "same" judgements (records judged with none are left out)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for rec in judged:
        if rec.judgement is Judgement.POSITIVE:
            a, b = find(rec.left_id), find(rec.right_id)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {x: find(x) for x in parent}


def assign_canonical(clusters: Iterable[set[str]], previous: Mapping[str, str]) -> dict[str, str]:
    """Canonical ids that stay put across runs: a cluster keeps the id most of
    its members had (the bigger cluster wins a contested id after a split), or
    a nomenklatura id it was joined to; a new cluster gets an id derived from
    its smallest member, so a fresh run on the same data gives the same ids."""
    out: dict[str, str] = {}
    used: set[str] = set()
    multi = sorted((c for c in clusters if len(c) > 1), key=lambda c: (-len(c), min(c)))
    for members in multi:
        chosen: str | None = None
        imported = sorted(m for m in members if m.startswith(NK_PREFIX))
        for candidate in imported:
            if candidate not in used:
                chosen = candidate
                break
        if chosen is None:
            votes = Counter(previous[m] for m in members if m in previous and previous[m] != m)
            for candidate, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
                if candidate not in used:
                    chosen = candidate
                    break
        if chosen is None:
            chosen = _mint(min(members), used)
        used.add(chosen)
        for member in members:
            out[member] = chosen
    return out


def _mint(seed: str, used: set[str]) -> str:
    salt = 0
    while True:
        text = seed if salt == 0 else f"{seed}:{salt}"
        candidate = CANONICAL_PREFIX + hashlib.sha1(text.encode()).hexdigest()[:20]
        if candidate not in used:
            return candidate
        salt += 1
