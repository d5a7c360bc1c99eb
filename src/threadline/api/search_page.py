"""A page of search results with facet counts.

Results are resolved entities, best first; ``total`` and the facets count
the matching records (one per source record, before resolution) over every
match, not just the page: the index counts them itself.
"""

from __future__ import annotations

from typing import Any

from followthemoney import model

from threadline.errors import InputError
from threadline.search.base import SearchHit
from threadline.workspace import Workspace


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


def _counts(values: dict[str, int]) -> dict[str, int]:
    return dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))


def search_page(
    ws: Workspace,
    text: str,
    *,
    schema: str | None,
    dataset: str | None,
    country: str | None,
    limit: int,
) -> dict[str, Any]:
    check_schema(schema)
    hits = ws.search(text, schema=schema, dataset=dataset, country=country, limit=limit)
    total, facets = ws.search_facets(text, schema=schema, dataset=dataset, country=country)
    return {
        "query": text,
        "total": total,
        "results": [hit_dict(hit) for hit in hits],
        "facets": {
            name: _counts(facets.get(name, {})) for name in ("schema", "dataset", "country")
        },
    }
