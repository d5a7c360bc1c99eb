"""Review by entity, not by pair: a reviewer decides once per candidate and
cluster, and bulk rules decide many cases alike, with a preview first.

A case is two resolved entities (a cluster, or an entity merged with
nothing) joined by at least one doubtful scored pair; the strongest pair is
its evidence. The smaller side is shown as the candidate, the larger as the
cluster it may belong to. Deciding a case records ordinary judgements, so the
resolver, the exports and ``threadline judgements export`` see nothing new:

- "same": one positive judgement between the evidence pair; the two sides
  merge;
- "not same": a negative judgement between every member of one side and
  every member of the other, so the answer holds when either cluster later
  grows, shrinks or splits;
- "unsure": one judgement on the evidence pair, which takes the case out of
  the queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from threadline.errors import JudgementError
from threadline.resolve.explain import Explanation
from threadline.resolve.names import ORGANIZATION, name_words

#: the most judgements one "not same" may record (members x members)
MAX_CROSS_JUDGEMENTS = 10_000


@dataclass(frozen=True)
class ReviewCase:
    #: the candidate: the side with fewer members (a canonical or entity id)
    candidate: str
    #: the cluster the candidate may belong to
    cluster: str
    candidate_members: list[str]
    cluster_members: list[str]
    #: the strongest scored pair between the two sides
    evidence: Explanation
    #: how many scored pairs join the two sides
    pairs: int

    @property
    def probability(self) -> float:
        return self.evidence.probability

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "cluster": self.cluster,
            "candidate_members": self.candidate_members,
            "cluster_members": self.cluster_members,
            "probability": round(self.probability, 6),
            "pairs": self.pairs,
            "evidence": self.evidence.to_dict(),
        }


def make_case(
    side_a: str,
    side_b: str,
    members: Callable[[str], list[str]],
    evidence: Explanation,
    pairs: int,
) -> ReviewCase:
    members_a, members_b = members(side_a), members(side_b)
    if (len(members_a), side_a) > (len(members_b), side_b):
        side_a, side_b, members_a, members_b = side_b, side_a, members_b, members_a
    return ReviewCase(side_a, side_b, members_a, members_b, evidence, pairs)


def cross_pairs(candidate: list[str], cluster: list[str]) -> list[tuple[str, str]]:
    """Every (candidate member, cluster member): what "not same" judges."""
    count = len(candidate) * len(cluster)
    if count > MAX_CROSS_JUDGEMENTS:
        raise JudgementError(
            f"'not same' here would record {count:,} judgements (more than "
            f"{MAX_CROSS_JUDGEMENTS:,}): judge pairs of members with `threadline judge`"
        )
    return [(a, b) for a in candidate for b in cluster]


# -- bulk rules ------------------------------------------------------------------------

#: the names and schema of each side of a case, as the rule sees them
Sides = tuple[tuple[str, list[str]], tuple[str, list[str]]]


def _name_keys(names: list[str], kind: str) -> set[tuple[str, ...]]:
    return {words for name in names if (words := name_words(name, kind))}


def legal_form_only(sides: Sides) -> bool:
    """Two organisations whose names differ only by their legal form (and
    case, punctuation, script): "Baltic Harbour Logistics OÜ" and "BALTIC
    HARBOUR LOGISTICS". Different names never pass, nor do people."""
    (schema_a, names_a), (schema_b, names_b) = sides
    if PERSON_SCHEMATA & {schema_a, schema_b}:
        return False
    plain_a = {" ".join(n.lower().split()) for n in names_a}
    plain_b = {" ".join(n.lower().split()) for n in names_b}
    if plain_a & plain_b:
        return False  # the same name as written: nothing for this rule to say
    keys_a = _name_keys(names_a, ORGANIZATION)
    keys_b = _name_keys(names_b, ORGANIZATION)
    return bool(keys_a) and keys_a == keys_b


PERSON_SCHEMATA = frozenset({"Person"})

#: name -> (what it decides, the test); applying a rule records "same"
BULK_RULES: dict[str, tuple[str, Callable[[Sides], bool]]] = {
    "legal-form-only": (
        "organisations whose names differ only by their legal form",
        legal_form_only,
    ),
}

__all__ = [
    "BULK_RULES",
    "MAX_CROSS_JUDGEMENTS",
    "ReviewCase",
    "cross_pairs",
    "legal_form_only",
    "make_case",
]
