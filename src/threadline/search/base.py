"""The narrow search interface. Engines (Tantivy embedded; later OpenSearch)
implement :class:`SearchIndex`; the workspace only talks to this protocol."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class IndexDoc:
    """What the index needs to know about one (assembled) entity."""

    entity_id: str
    schema: str
    #: the schema and all its ancestors, so a search for LegalEntity finds Companies
    schemata: list[str]
    caption: str
    datasets: list[str]
    countries: list[str] = field(default_factory=list)
    #: names and aliases (FtM ``name`` type values)
    names: list[str] = field(default_factory=list)
    #: other text: identifiers, addresses, notes, emails, ...
    text: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SearchQuery:
    text: str
    schema: str | None = None
    dataset: str | None = None
    country: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class SearchHit:
    entity_id: str
    score: float
    schema: str
    caption: str
    datasets: list[str]
    countries: list[str]
    #: For a resolved entity: the ids of its member records that matched.
    member_ids: list[str] = field(default_factory=list)


def collapse_hits(hits: list[SearchHit], canonical: dict[str, str]) -> list[SearchHit]:
    """One hit per resolved entity: members of a merged cluster are separate
    documents in the index, but an analyst is looking for the person or
    company, not for each source's record of it. The cluster ranks by its best
    member and shows that member's caption; datasets and countries are those
    of the members that matched (so they agree with the filters and facets)."""
    groups: dict[str, list[SearchHit]] = {}
    for hit in hits:
        groups.setdefault(canonical.get(hit.entity_id, hit.entity_id), []).append(hit)
    out: list[SearchHit] = []
    for key, members in groups.items():
        if len(members) == 1 and key == members[0].entity_id:
            out.append(members[0])
            continue
        best = max(members, key=lambda h: h.score)
        out.append(
            SearchHit(
                entity_id=key,
                score=best.score,
                schema=best.schema,
                caption=best.caption,
                datasets=sorted({d for h in members for d in h.datasets}),
                countries=sorted({c for h in members for c in h.countries}),
                member_ids=sorted(h.entity_id for h in members),
            )
        )
    # ties by id: the same query gives the same order whatever the index segments
    out.sort(key=lambda h: (-h.score, h.entity_id))
    return out


class SearchIndex(Protocol):
    """An index of entities, kept in step with the statement store.

    ``generation`` is the store generation the index last committed; the
    workspace compares it with the store's to detect an index left behind by a
    crash, and rebuilds."""

    @property
    def generation(self) -> int: ...

    def upsert(self, docs: Iterable[IndexDoc]) -> int:
        """Add or replace documents (by entity id). Returns how many."""
        ...

    def delete(self, entity_ids: Iterable[str]) -> None: ...

    def clear(self) -> None: ...

    def commit(self, generation: int) -> None:
        """Make pending changes visible and durable, recording ``generation``."""
        ...

    def search(self, query: SearchQuery) -> list[SearchHit]: ...

    def facets(self, query: SearchQuery) -> tuple[int, dict[str, dict[str, int]]]:
        """How many documents match ``query`` (its limit is ignored) and, for
        each of ``schema``, ``dataset`` and ``country``, how many of them
        carry each value."""
        ...

    def count(self) -> int: ...

    def close(self) -> None:
        """Release the engine (e.g. its writer lock); uncommitted work is dropped."""
        ...
