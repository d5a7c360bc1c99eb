"""The units of text the text index holds, read from the store: each Page
(with its document's name, type and date) and the body of every other
document. Two lean passes (metadata, then text), so memory holds one
chunk of text and a small record per document, whatever the corpus size."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from followthemoney import model

from threadline.model.entity import common_schema
from threadline.search.text_index import TextUnit
from threadline.store.base import StatementStore

#: (schema, fileName, mimeType, date)
DocMeta = tuple[str, str, str, str | None]
_DATE_PROPS = ("date", "authoredAt", "publishedAt", "modifiedAt")


@functools.cache
def document_schemata() -> list[str]:
    document = model.get("Document")
    assert document is not None
    return sorted(name for name, s in model.schemata.items() if s.is_a(document))


@functools.cache
def _other_schemata(with_page: bool) -> list[str]:
    keep = set(document_schemata()) | ({"Page"} if with_page else set())
    return sorted(name for name in model.schemata if name not in keep)


def _first(props: list[str], values: list[str], name: str) -> str | None:
    for prop, value in zip(props, values, strict=True):
        if prop == name:
            return value
    return None


def document_meta(store: StatementStore, queued: bool) -> dict[str, DocMeta]:
    found: dict[str, DocMeta] = {}
    for entity_id, schemata, _, props, values in store.iter_entity_values(
        queued=queued,
        prop_types=["string", "mimetype", "date"],
        skip_schemata=_other_schemata(False),
    ):
        date = next((d for p in _DATE_PROPS if (d := _first(props, values, p))), None)
        found[entity_id] = (
            common_schema(set(schemata)).name,
            _first(props, values, "fileName") or "",
            _first(props, values, "mimeType") or "",
            date,
        )
    return found


def text_units(store: StatementStore, meta: dict[str, DocMeta], queued: bool) -> Iterator[TextUnit]:
    for entity_id, schemata, datasets, props, values in store.iter_entity_values(
        chunk=2_000,
        queued=queued,
        prop_types=["text", "number", "entity"],
        skip_schemata=_other_schemata(True),
    ):
        # one body per value: the same file seen twice (a folder and an
        # archive) gives the same statement twice
        bodies = dict.fromkeys(v for p, v in zip(props, values, strict=True) if p == "bodyText")
        body = "\n\n".join(bodies)
        if not body:
            continue
        if "Page" in schemata:
            document_id = _first(props, values, "document") or entity_id
            index = _first(props, values, "index")
            page: int | None = int(float(index)) if index else None
        else:
            document_id, page = entity_id, None
        schema, file_name, mime, date = meta.get(
            document_id, (common_schema(set(schemata)).name, "", "", None)
        )
        yield TextUnit(
            unit_id=entity_id,
            document_id=document_id,
            schema=schema,
            datasets=list(datasets),
            body=body,
            page=page,
            file_name=file_name,
            mime_type=mime,
            date=date,
        )


@functools.cache
def _not_named_parties() -> list[str]:
    legal = model.get("LegalEntity")
    assert legal is not None
    return sorted(name for name, s in model.schemata.items() if not s.is_a(legal))


def known_names(store: StatementStore) -> Iterator[tuple[str, str]]:
    """(entity id, name) for every name and alias of every person and
    organisation in the store."""
    for entity_id, _, _, props, values in store.iter_entity_values(
        prop_types=["name"], skip_schemata=_not_named_parties()
    ):
        for prop, value in zip(props, values, strict=True):
            # weak aliases (nicknames, short forms) would tag common words
            if prop in ("name", "alias", "previousName"):
                yield entity_id, value


def _not_value_holders() -> list[str]:
    """Schemata whose e-mails, phones and IBANs are not a party's own: the
    documents (what they mention), their pages and the mentions."""
    return sorted({*document_schemata(), "Page", "Mention"})


def known_values(store: StatementStore) -> dict[tuple[str, str], list[str]]:
    """(kind, cleaned value) -> ids of the entities holding it, for every
    e-mail address, phone number, IBAN, LEI and IMO number of a person,
    company, bank account, vessel or other party; the keys as
    :mod:`threadline.search.patterns` cleans what it finds in text."""
    from followthemoney.types import registry

    found: dict[tuple[str, str], list[str]] = {}
    for entity_id, _, _, props, values in store.iter_entity_values(
        prop_types=["email", "phone", "identifier"], skip_schemata=_not_value_holders()
    ):
        for prop, value in zip(props, values, strict=True):
            key: tuple[str, str] | None = None
            if prop == "email":
                key = ("email", value.lower())
            elif prop == "phone":
                clean = registry.phone.clean(value)
                key = ("phone", clean) if clean else None
            elif prop == "iban":
                key = ("iban", value.replace(" ", "").upper())
            elif prop == "leiCode":
                key = ("lei", value.replace(" ", "").upper())
            elif prop == "imoNumber":
                digits = "".join(c for c in value if c.isdigit())
                key = ("imo", "IMO" + digits) if len(digits) == 7 else None
            if key is not None and entity_id not in found.get(key, []):
                found.setdefault(key, []).append(entity_id)
    return found
