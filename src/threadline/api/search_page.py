"""A page of search results with facet counts, and the documents whose text
matches.

Results are resolved entities, best first; ``total`` and the facets count
the matching records (one per source record, before resolution) over every
match, not just the page: the index counts them itself. ``documents`` are
pages and documents from the text index, each with its page and a snippet
given as parts (text, and whether it matched), so no page ever parses
document text as HTML.
"""

from __future__ import annotations

import html
import re
from typing import Any

from followthemoney import model

from threadline.errors import InputError
from threadline.search.base import SearchHit
from threadline.search.text_index import TextHit
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


_BOLD = re.compile(r"<b>(.*?)</b>", re.DOTALL)


def snippet_parts(snippet: str) -> list[dict[str, Any]]:
    """Tantivy's HTML snippet (escaped text, matches in ``<b>``) as plain
    text parts: ``[{"text": ..., "match": bool}, ...]``."""
    parts: list[dict[str, Any]] = []
    at = 0
    for found in _BOLD.finditer(snippet):
        if found.start() > at:
            parts.append({"text": html.unescape(snippet[at : found.start()]), "match": False})
        parts.append({"text": html.unescape(found.group(1)), "match": True})
        at = found.end()
    if at < len(snippet):
        parts.append({"text": html.unescape(snippet[at:]), "match": False})
    return parts


def document_hit_dict(hit: TextHit) -> dict[str, Any]:
    return {
        "id": hit.document_id,
        "unit_id": hit.unit_id,
        "schema": hit.schema,
        "file_name": hit.file_name,
        "page": hit.page,
        "mime_type": hit.mime_type,
        "datasets": hit.datasets,
        "score": round(hit.score, 6),
        "snippet": snippet_parts(hit.snippet),
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
    # a country is about entities: documents have none
    documents = (
        []
        if country
        else ws.search_text(text, schema=schema, dataset=dataset, limit=min(limit, 100))
    )
    return {
        "query": text,
        "total": total,
        "results": [hit_dict(hit) for hit in hits],
        "documents": [document_hit_dict(hit) for hit in documents],
        "facets": {
            name: _counts(facets.get(name, {})) for name in ("schema", "dataset", "country")
        },
    }
