"""A page of search results with facet counts.

The search index returns ranked hits and no aggregations, so facets are
counted over the best ``window`` hits: exact for every search with fewer
hits than that, and for the rest a count of the best matches, which is what
an analyst narrowing a search looks at. ``total_exact`` says which.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from followthemoney import model

from threadline.errors import InputError
from threadline.search.base import SearchHit
from threadline.store.workspace import Workspace


def check_schema(name: str | None) -> None:
    if name is not None and model.get(name) is None:
        raise InputError(
            f"unknown schema {name!r}", hint="use an FtM schema name such as Person or Company"
        )


def hit_dict(hit: SearchHit) -> dict[str, Any]:
    return {
        "id": hit.entity_id,
        "caption": hit.caption,
        "schema": hit.schema,
        "datasets": hit.datasets,
        "countries": hit.countries,
        "score": round(hit.score, 6),
        "members": hit.member_ids,
    }


def _counts(values: Counter[str]) -> dict[str, int]:
    return dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))


def search_page(
    ws: Workspace,
    text: str,
    *,
    schema: str | None,
    dataset: str | None,
    country: str | None,
    limit: int,
    window: int,
) -> dict[str, Any]:
    check_schema(schema)
    fetch = max(limit, window)
    hits = ws.search(text, schema=schema, dataset=dataset, country=country, limit=fetch)
    schemata: Counter[str] = Counter(hit.schema for hit in hits)
    datasets: Counter[str] = Counter(d for hit in hits for d in hit.datasets)
    countries: Counter[str] = Counter(c for hit in hits for c in hit.countries)
    return {
        "query": text,
        "total": len(hits),
        "total_exact": len(hits) < fetch,
        "results": [hit_dict(hit) for hit in hits[:limit]],
        "facets": {
            "schema": _counts(schemata),
            "dataset": _counts(datasets),
            "country": _counts(countries),
        },
    }
