"""Turning assembled entities into index documents."""

from __future__ import annotations

import functools

from followthemoney import model
from followthemoney.entity import ValueEntity
from followthemoney.schema import Schema
from followthemoney.types import registry
from rigour.names import pick_name

from threadline.model.entity import Entity
from threadline.search.base import IndexDoc

# Types whose values are worth finding by text besides names.
TEXT_TYPES = {
    registry.identifier,
    registry.address,
    registry.email,
    registry.phone,
    registry.string,
    registry.text,
    registry.url,
}


@functools.cache
def indexed_prop_types() -> list[str]:
    """Property types an index document reads: its text, names, countries and
    whatever a caption is made of. The store reads nothing else for indexing."""
    types = {t.name for t in TEXT_TYPES} | {registry.name.name, registry.country.name}
    for schema in model.schemata.values():
        if not schema.edge:
            types.update(schema.properties[c].type.name for c in schema.caption)
    return sorted(types)


@functools.cache
def link_schemata() -> list[str]:
    """Schemata not indexed by name: links, reached through what they connect."""
    return sorted(name for name, schema in model.schemata.items() if schema.edge)


def index_doc(entity: Entity) -> IndexDoc:
    return proxy_doc(entity.proxy, entity.datasets)


def proxy_doc(proxy: ValueEntity, datasets: list[str]) -> IndexDoc:
    props: list[str] = []
    values: list[str] = []
    for prop, value in proxy.itervalues():
        props.append(prop.name)
        values.append(value)
    return values_doc(str(proxy.id), proxy.schema, datasets, props, values)


@functools.lru_cache(maxsize=4096)
def _role(schema: Schema, prop_name: str) -> str | None:
    """How a property's values go into the index: names, text, countries."""
    prop = schema.get(prop_name)
    if prop is None:
        return None
    if prop.type == registry.name:
        # namesMentioned (hidden: names of linked parties copied onto a link)
        # is text, not a name of this entity, so an Ownership found by its
        # owner's name ranks below the owner.
        return "names" if prop.matchable and not prop.hidden else "text"
    if prop.hidden:
        return None
    if prop.type == registry.country:
        return "countries"
    if prop.type in TEXT_TYPES:
        return "text"
    return None


@functools.lru_cache(maxsize=1024)
def _schemata(schema: Schema) -> list[str]:
    return sorted(s.name for s in schema.schemata)


def values_doc(
    entity_id: str, schema: Schema, datasets: list[str], props: list[str], values: list[str]
) -> IndexDoc:
    """An index document straight from clean (property, value) pairs:
    reindexing millions of entities should not build millions of proxies."""
    by_prop: dict[str, list[str]] = {}
    for name, value in zip(props, values, strict=True):
        seen = by_prop.setdefault(name, [])
        if value not in seen:
            seen.append(value)
    buckets: dict[str, list[str]] = {"names": [], "text": [], "countries": []}
    for name, vals in by_prop.items():
        role = _role(schema, name)
        if role is not None:
            buckets[role].extend(vals)
    return IndexDoc(
        entity_id=entity_id,
        schema=schema.name,
        schemata=_schemata(schema),
        caption=_caption(schema, by_prop),
        datasets=sorted(datasets),
        countries=sorted(set(buckets["countries"])),
        names=buckets["names"],
        text=buckets["text"],
    )


def _caption(schema: Schema, by_prop: dict[str, list[str]]) -> str:
    # Mirrors EntityProxy.caption.
    for name in schema.caption:
        vals = by_prop.get(name)
        if not vals:
            continue
        if schema.properties[name].type == registry.name and len(vals) > 1:
            picked = pick_name(sorted(vals))
            if picked is not None:
                return str(picked)
        else:
            return vals[0]
    return str(schema.label)
