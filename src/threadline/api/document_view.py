"""JSON shapes of a document: its metadata with every value's source, its
text page by page as segments (plain text, search terms, mentions of known
entities, e-mail addresses, phones and IBANs), the entities it mentions,
the folder or archive it sits in, its members or attachments, and for an
e-mail its headers and thread. Shaping only; the data comes from the store.

Text is never sent as HTML: a page is a list of segments, each plain text
with what it is, so the browser sets it as text. With masking, e-mail
addresses, phones and IBANs in the text are withheld like the same values
on an entity (``threadline.access.masking``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from followthemoney import model

from threadline.access.masking import Masking
from threadline.api.sourced import sourced_properties
from threadline.errors import EntityNotFound
from threadline.model.entity import Entity
from threadline.search.highlight import search_terms, term_spans
from threadline.search.mentions import MentionMatcher
from threadline.search.patterns import find_patterns
from threadline.workspace import Workspace

#: text shown in the properties table would repeat the pages
TEXT_PROPS = frozenset({"bodyText", "bodyHtml", "indexText"})
#: pattern kinds masked where personal details are
MASKED_KINDS = frozenset({"email", "phone", "iban"})
MAX_PAGES = 2_000
MAX_CHAIN = 32
MAX_THREAD = 200


def is_document(schema_name: str) -> bool:
    schema = model.get(schema_name)
    document = model.get("Document")
    return schema is not None and document is not None and schema.is_a(document)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    entity_id: str | None = None
    caption: str | None = None


def _term_spans(text: str, terms: Sequence[str]) -> list[Span]:
    return [Span(start, end, "term") for start, end in term_spans(text, terms)]


def segments(
    text: str,
    matcher: MentionMatcher | None,
    targets: dict[str, dict[str, Any]],
    terms: Sequence[str],
    masked: bool,
    phone_region: str | None = None,
) -> list[dict[str, Any]]:
    """``text`` cut into segments; mentions win over patterns, patterns over
    search terms, where they overlap."""
    spans: list[tuple[float, Span]] = []
    if matcher is not None:
        for hit in matcher.find(text):
            target = targets.get(hit.entity_id, {})
            entity_id, caption = target.get("id", hit.entity_id), target.get("caption")
            # one name, several entities: a person or company (and one with
            # more records) before a bare party of an e-mail header
            rank = (target.get("schema") == "LegalEntity") / 2 - len(
                target.get("records", ())
            ) / 1e6
            spans.append((rank, Span(hit.start, hit.end, "mention", entity_id, caption)))
    for found in find_patterns(text, phone_region):
        spans.append((1, Span(found.start, found.end, found.kind)))
    spans += [(2, span) for span in _term_spans(text, terms)]
    spans.sort(key=lambda item: (item[0], item[1].start))
    chosen: list[Span] = []
    for _, span in spans:
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    chosen.sort(key=lambda s: s.start)
    out: list[dict[str, Any]] = []
    at = 0
    for span in chosen:
        if span.start > at:
            out.append({"text": text[at : span.start]})
        item: dict[str, Any] = {"kind": span.kind}
        if masked and span.kind in MASKED_KINDS:
            item["masked"] = True
        else:
            item["text"] = text[span.start : span.end]
        if span.entity_id is not None:
            item["entity_id"] = span.entity_id
            item["caption"] = span.caption
        out.append(item)
        at = span.end
    if at < len(text):
        out.append({"text": text[at:]})
    return out


def _bodies(entity: Entity) -> str:
    return "\n\n".join(dict.fromkeys(entity.proxy.get("bodyText")))


def _entities(ws: Workspace, ids: Sequence[str]) -> list[Entity]:
    from threadline.model.entity import assemble

    rows = ws.store.entity_rows(list(ids))
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.entity_id, []).append(row)
    return [assemble(grouped[i]) for i in ids if i in grouped]


def _brief(entity: Entity) -> dict[str, Any]:
    return {
        "id": entity.id,
        "caption": entity.caption,
        "schema": entity.schema.name,
        "file_name": entity.proxy.first("fileName"),
    }


def _ancestors(ws: Workspace, entity: Entity, prop: str) -> list[Entity]:
    """The entities reached by following ``prop`` up from ``entity`` (its
    folder's folder, or the message it replies to, ...), nearest first; stops
    at a loop, a missing entity or ``MAX_CHAIN``."""
    chain: list[Entity] = []
    current = entity
    seen = {entity.id}
    while len(chain) < MAX_CHAIN:
        parent_id = current.proxy.first(prop)
        if parent_id is None or parent_id in seen:
            break
        seen.add(parent_id)
        found = _entities(ws, [parent_id])
        if not found:
            break
        current = found[0]
        chain.append(current)
    return chain


def _parents(ws: Workspace, entity: Entity) -> list[dict[str, Any]]:
    """The folders, archives and e-mails holding ``entity``, outermost first."""
    return [_brief(parent) for parent in reversed(_ancestors(ws, entity, "parent"))]


def _referring(
    ws: Workspace, ids: Sequence[str], prop: str, schema: str | None = None
) -> list[str]:
    return [
        entity_id
        for entity_id, found_schema, _ in ws.store.referring(ids, [prop])
        if schema is None or found_schema == schema
    ]


def _party(entity: Entity, masked: bool) -> dict[str, Any]:
    emails = entity.proxy.get("email")
    names = [n for n in entity.proxy.get("name") if n not in emails]
    return {
        "id": entity.id,
        "name": names[0] if names else None,
        "email": None if masked else (emails[0] if emails else None),
        "masked": masked and bool(emails),
    }


def _email_summary(entity: Entity) -> dict[str, Any]:
    return {
        "id": entity.id,
        "subject": entity.proxy.first("subject") or entity.caption,
        "date": entity.proxy.first("date"),
        "from": entity.proxy.first("from"),
    }


def _thread(ws: Workspace, entity: Entity) -> list[dict[str, Any]]:
    """The e-mail's ancestors (root first), itself, and every reply below it."""
    ancestors = _ancestors(ws, entity, "inReplyToEmail")
    # replies are looked for below, never among the messages above
    seen = {entity.id, *(e.id for e in ancestors)}
    out = [
        {**_email_summary(e), "depth": i, "current": False}
        for i, e in enumerate(reversed(ancestors))
    ]
    out.append({**_email_summary(entity), "depth": len(ancestors), "current": True})
    frontier = [(entity.id, len(ancestors))]
    while frontier and len(out) < MAX_THREAD:
        parent_id, depth = frontier.pop(0)
        replies = [r for r in _referring(ws, [parent_id], "inReplyToEmail") if r not in seen]
        seen.update(replies)
        for reply in _entities(ws, replies):
            out.append({**_email_summary(reply), "depth": depth + 1, "current": False})
            frontier.append((reply.id, depth + 1))
    return out


def _email(ws: Workspace, entity: Entity, masked: bool) -> dict[str, Any]:
    headers: dict[str, Any] = {
        "subject": entity.proxy.first("subject"),
        "date": entity.proxy.first("date"),
        "message_id": entity.proxy.first("messageId"),
    }
    for prop in ("from", "sender", "to", "cc", "bcc"):
        ids = entity.proxy.get(prop)
        headers[prop] = [_party(party, masked) for party in _entities(ws, ids)]
    return {"headers": headers, "thread": _thread(ws, entity)}


def mentioned(ws: Workspace, document_id: str) -> dict[str, dict[str, Any]]:
    """The entities the document mentions, by the record a mention names:
    the resolved entity's id, caption and schema, its records, the pages
    and the names as written (one shared row per resolved entity)."""
    mention_ids = _referring(ws, [document_id], "document", "Mention")
    found: dict[str, dict[str, Any]] = {}
    for mention in _entities(ws, mention_ids):
        for target in mention.proxy.get("resolved"):
            item = found.setdefault(target, {"pages": set(), "names": set()})
            item["names"].update(mention.proxy.get("name"))
            item["pages"].update(r.source_line for r in mention.statements if r.prop == "name")
    out: dict[str, dict[str, Any]] = {}
    merged: dict[str, dict[str, Any]] = {}
    for target, item in found.items():
        try:
            entity = ws.entity(target)
        except EntityNotFound:
            continue
        # records resolved into one entity are one row: the entity's
        row = merged.setdefault(
            entity.id,
            {
                "id": entity.id,
                "caption": entity.caption,
                "schema": entity.schema.name,
                "pages": set(),
                "names": set(),
                "records": [],
            },
        )
        row["pages"].update(p for p in item["pages"] if p is not None)
        row["names"].update(item["names"])
        row["records"].append(target)
        out[target] = row
    for row in merged.values():
        row["pages"], row["names"] = sorted(row["pages"]), sorted(row["names"])
    return out


def _names_matcher(ws: Workspace, ids: Sequence[str]) -> MentionMatcher | None:
    names = [
        (row.entity_id, row.value)
        for row in ws.store.entity_rows(list(ids))
        if row.prop in ("name", "alias", "previousName")
    ]
    return MentionMatcher(names) if names else None


def _pages(ws: Workspace, entity: Entity) -> list[tuple[int | None, str]]:
    page_ids = _referring(ws, [entity.id], "document", "Page")[:MAX_PAGES]
    pages = []
    for page in _entities(ws, page_ids):
        index = page.proxy.first("index")
        pages.append((int(float(index)) if index else None, _bodies(page)))
    pages.sort(key=lambda p: (p[0] is None, p[0] or 0))
    body = _bodies(entity)
    if body and not pages:
        pages.append((None, body))
    return pages


def document_page(
    ws: Workspace, entity: Entity, query: str | None, masking: Masking | None
) -> dict[str, Any]:
    if not is_document(entity.schema.name):
        raise EntityNotFound(
            f"{entity.id!r} is a {entity.schema.name}, not a document: open it as an entity"
        )
    masked = masking is not None
    mentions = mentioned(ws, entity.id)
    if masked:
        # a mention by e-mail, phone or IBAN is written as that value
        for item in mentions.values():
            item["names"] = [n for n in item["names"] if not any(find_patterns(n))]
    matcher = _names_matcher(ws, list(mentions))
    terms = search_terms(query)
    properties = sourced_properties(entity, masking)
    for prop in TEXT_PROPS:
        properties.pop(prop, None)
    children = _entities(ws, _referring(ws, [entity.id], "parent"))
    return {
        "id": entity.id,
        "caption": entity.caption,
        "schema": entity.schema.name,
        "datasets": entity.datasets,
        "file_name": entity.proxy.first("fileName"),
        "mime_type": entity.proxy.first("mimeType"),
        "file_size": entity.proxy.first("fileSize"),
        "content_hash": entity.proxy.first("contentHash"),
        "status": entity.proxy.first("processingStatus"),
        "error": entity.proxy.first("processingError"),
        "masked": masked,
        "terms": terms,
        "properties": properties,
        "parents": _parents(ws, entity),
        "children": [_brief(child) for child in children],
        "email": _email(ws, entity, masked) if entity.schema.is_a("Email") else None,
        "pages": [
            {
                "number": number,
                "segments": segments(text, matcher, mentions, terms, masked, ws.phone_region),
            }
            for number, text in _pages(ws, entity)
        ],
        "mentions": sorted(
            {m["id"]: m for m in mentions.values()}.values(),
            key=lambda m: (str(m["caption"]), str(m["id"])),
        ),
    }


SNIPPET_CHARS = 120
MAX_MENTIONING = 100


def _snippet(text: str, name: str) -> list[dict[str, Any]]:
    at = text.find(name)
    if at < 0:
        at = text.casefold().find(name.casefold())
    if at < 0:
        return [{"text": text[: 2 * SNIPPET_CHARS]}]
    start, end = max(0, at - SNIPPET_CHARS), min(len(text), at + len(name) + SNIPPET_CHARS)
    parts: list[dict[str, Any]] = []
    if start < at:
        parts.append({"text": ("…" if start else "") + text[start:at]})
    parts.append({"text": text[at : at + len(name)], "match": True})
    if at + len(name) < end:
        parts.append({"text": text[at + len(name) : end] + ("…" if end < len(text) else "")})
    return parts


def mentioning(ws: Workspace, entity: Entity) -> list[dict[str, Any]]:
    """The documents that mention ``entity`` (any of its merged records),
    one row per mention: the document, the page, the name as written and a
    snippet around it; at most :data:`MAX_MENTIONING`."""
    records = entity.members or [entity.id]
    mention_ids = _referring(ws, records, "resolved", "Mention")[:MAX_MENTIONING]
    mentions = _entities(ws, mention_ids)
    documents = {
        d.id: d for d in _entities(ws, [m.proxy.first("document") or "" for m in mentions])
    }
    page_text: dict[tuple[str, int | None], str] = {}
    loaded: set[str] = set()
    shown: set[tuple[str, int | None, str]] = set()
    out: list[dict[str, Any]] = []
    for mention in mentions:
        document = documents.get(mention.proxy.first("document") or "")
        name = mention.proxy.first("name") or ""
        if document is None:
            continue
        page = next((r.source_line for r in mention.statements if r.prop == "name"), None)
        if (document.id, page, name) in shown:
            continue  # the same words naming two records merged into this entity
        shown.add((document.id, page, name))
        key = (document.id, page)
        if document.id not in loaded:
            loaded.add(document.id)
            page_text.update({(document.id, number): text for number, text in _pages(ws, document)})
        text = page_text.get(key) or page_text.get((document.id, None)) or ""
        out.append(
            {
                "document": _brief(document),
                "page": page,
                "name": name,
                "snippet": _snippet(text, name),
            }
        )
    out.sort(key=lambda m: (str(m["document"]["caption"]), int(m["page"] or 0)))
    return out
