"""Turning assembled entities into index documents."""

from __future__ import annotations

from followthemoney.entity import ValueEntity
from followthemoney.types import registry

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


def index_doc(entity: Entity) -> IndexDoc:
    return proxy_doc(entity.proxy, entity.datasets)


def proxy_doc(proxy: ValueEntity, datasets: list[str]) -> IndexDoc:
    names: list[str] = []
    text: list[str] = []
    for prop, value in proxy.itervalues():
        # namesMentioned (names of linked parties copied onto a link) is text,
        # not a name of this entity: an Ownership must not outrank its owner.
        if prop.type == registry.name and prop.matchable:
            names.append(value)
        elif (prop.type in TEXT_TYPES or prop.type == registry.name) and not prop.hidden:
            text.append(value)
    return IndexDoc(
        entity_id=str(proxy.id),
        schema=proxy.schema.name,
        schemata=sorted(s.name for s in proxy.schema.schemata),
        caption=proxy.caption,
        datasets=sorted(datasets),
        countries=sorted(proxy.get_type_values(registry.country)),
        names=names,
        text=text,
    )
