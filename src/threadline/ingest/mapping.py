"""FtM mappings, executed fast and faithfully.

We compile a mapping with FollowTheMoney's own ``QueryMapping`` (so the YAML
means exactly what it means to ``ftm map``) and then run it row by row without
building ``EntityProxy`` objects: value cleaning is memoised per distinct raw
value, and ids are signed with the dataset namespace exactly as ``ftm map``
signs them. ``tests/ingest/test_mapping_equivalence.py`` checks the output against
``ftm map`` on random tables; keep it green when touching this file.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from banal import keys_values
from followthemoney import model
from followthemoney.exc import InvalidMapping
from followthemoney.mapping.csv import CSVSource
from followthemoney.mapping.entity import EntityMapping
from followthemoney.mapping.property import PropertyMapping
from followthemoney.mapping.query import QueryMapping
from followthemoney.property import Property
from followthemoney.types import registry

from threadline.errors import Location, MappingError, RejectedValue
from threadline.ingest.mapping_check import check_keys, read_yaml
from threadline.model.fastclean import FREE_TEXT_TYPES, FastSigner, clean_value
from threadline.model.unsafe_chars import unsafe_character

#: one mapped value: (property, cleaned value, raw value or None when identical)
Value = tuple[Property, str, str | None]

#: entries each per-value cache holds before it starts afresh: about 16
#: caches of a few MB; the values that repeat a lot are back at once
_CACHE_SIZE = 20_000
#: the cleaned "value" of a raw value holding a character we refuse
_UNSAFE_VALUE = object()


def _simple_column(pm: PropertyMapping) -> str | None:
    """The column ``pm`` reads, when it reads exactly one and nothing else:
    then ``pm.record_values(data)`` is that column's value, if any."""
    if pm.template is None and not pm.literals and pm.join is None and len(pm.refs) == 1:
        return str(pm.refs[0])
    return None


@dataclass(slots=True)
class MappedEntity:
    id: str
    schema: str
    values: list[Value] = field(default_factory=list)


def load_mapping_file(path: Path) -> dict[str, Any]:
    """Read a mapping YAML, resolving ``include:`` the way ``ftm map`` does,
    within the limits of ``mapping_check.read_yaml``."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise MappingError("a mapping file must be a YAML mapping", Location(str(path)))
    return data


def queries_of(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The query blocks of a mapping file: ``{dataset: {queries: [...]}}`` as
    ``ftm map`` reads it, or a bare query with ``entities:`` at the top."""
    if "entities" in config:
        return [config]
    queries: list[dict[str, Any]] = []
    for meta in config.values():
        if isinstance(meta, dict):
            queries.extend(q for q in keys_values(meta, "queries", "query") if isinstance(q, dict))
    return queries


def quick_mapping(
    schema: str,
    pairs: list[str],
    keys: list[str] | None,
    *,
    splits: dict[str, str] | None = None,
    date_formats: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Build a one-entity mapping from ``--schema S --map prop=column``
    options, with ``--split prop=SEP`` (several values in one cell) and
    ``--date-format prop=FORMAT`` (strptime, e.g. %d.%m.%Y)."""
    properties: dict[str, Any] = {}
    for pair in pairs:
        prop, sep, column = pair.partition("=")
        if not sep or not prop.strip() or not column.strip():
            raise MappingError(
                f"--map {pair!r} is not of the form property=column",
                hint="for example --map name=full_name",
            )
        entry = properties.setdefault(prop.strip(), {"columns": []})
        entry["columns"].append(column.strip())
    if not properties:
        raise MappingError("--schema needs at least one --map property=column")
    for option, settings, key in (
        ("--split", splits or {}, "split"),
        ("--date-format", date_formats or {}, "format"),
    ):
        for prop, value in settings.items():
            if prop not in properties:
                raise MappingError(
                    f"{option} {prop}={value}: {prop!r} is not mapped by any --map",
                    hint=f"the mapped properties are {', '.join(sorted(properties))}",
                )
            if not value:
                raise MappingError(f"{option} {prop}=: give a separator or format after '='")
            properties[prop][key] = value
    key_columns = keys or sorted({c for p in properties.values() for c in p["columns"]})
    return {
        "entities": {"entity": {"schema": schema, "keys": key_columns, "properties": properties}}
    }


def parse_settings(option: str, pairs: Iterable[str]) -> dict[str, str]:
    """``["alias=;", ...]`` from a repeated ``--split``/``--date-format``
    option, as {property: value}."""
    settings: dict[str, str] = {}
    for pair in pairs:
        prop, sep, value = pair.partition("=")
        if not sep or not prop.strip():
            raise MappingError(
                f"{option} {pair!r} is not of the form property=value",
                hint="for example --split alias=; or --date-format birthDate=%d.%m.%Y",
            )
        settings[prop.strip()] = value
    return settings


def _suggest(name: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(options), n=3, cutoff=0.6)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else None


def check_query(query: dict[str, Any], where: Location) -> None:
    """Name the entity and property at fault before FtM raises its terser error."""
    entities = query.get("entities")
    if not isinstance(entities, dict) or not entities:
        raise MappingError("the query has no 'entities:' block", where)
    for name, spec in entities.items():
        if not isinstance(spec, dict):
            raise MappingError(f"entity {name!r} must be a mapping", where)
        schema_name = spec.get("schema")
        schema = model.get(schema_name) if isinstance(schema_name, str) else None
        if schema is None:
            raise MappingError(
                f"entity {name!r}: unknown schema {schema_name!r}",
                where,
                hint=_suggest(str(schema_name), model.schemata) or "see `ftm ref schemata`",
            )
        for prop_name in spec.get("properties") or {}:
            if schema.get(prop_name) is None:
                raise MappingError(
                    f"entity {name!r}: schema {schema.name} has no property {prop_name!r}",
                    where,
                    hint=_suggest(prop_name, schema.properties)
                    or f"see `ftm ref schema {schema.name}`",
                )


class _CompiledEntity:
    """One entity of a query, with its property mappings ordered the way FtM
    applies them (countries first, because some cleaners use them)."""

    def __init__(self, mapping: EntityMapping) -> None:
        self.mapping = mapping
        self.name = mapping.name
        self.schema = mapping.schema.name
        countries = [p for p in mapping.properties if p.prop.type == registry.country]
        others = [p for p in mapping.properties if p.prop.type != registry.country]
        self.properties: list[PropertyMapping] = countries + others
        self.required = [p.prop for p in mapping.properties if p.required]
        self.names_mentioned = mapping.schema.get("namesMentioned")
        self.keys = list(mapping.keys)
        self.seed = mapping.seed
        #: per property mapping (same order): the one column it reads when
        #: it is that simple (no literal, template or join), else None
        self.columns: list[str | None] = [_simple_column(p) for p in self.properties]
        #: per property mapping: raw value -> cleaned value (None: invalid;
        #: _UNSAFE_VALUE: refused), so each distinct value is cleaned once
        self.cleaned: list[dict[str, object]] = [{} for _ in self.properties]
        self._keys: dict[object, str | None] = {}

    def compute_key(self, data: dict[str, str]) -> str | None:
        """``EntityMapping.compute_key``, hashed once per distinct key."""
        if self.mapping.id_column is not None:
            return data.get(self.mapping.id_column)
        keys = self.keys
        probe: object = data.get(keys[0]) if len(keys) == 1 else tuple(map(data.get, keys))
        cache = self._keys
        try:
            return cache[probe]
        except KeyError:
            pass
        if len(cache) > _CACHE_SIZE:
            cache.clear()
        key = cache[probe] = self._hash_key(data)
        return key

    def _hash_key(self, data: dict[str, str]) -> str | None:
        """Without per-key ``stringify`` calls: records hold only ``str``
        values, for which it reduces to ``strip``."""
        digest = self.seed.copy()
        has_value = False
        for value in sorted((data.get(k) or "").strip().encode("utf-8") for k in self.keys):
            if value:
                has_value = True
                digest.update(value)
        return digest.hexdigest() if has_value else None


class CompiledMapping:
    """A mapping ready to run over records of one dataset."""

    def __init__(self, config: dict[str, Any], dataset: str, source: str = "<mapping>") -> None:
        where = Location(source)
        check_keys(config, where)
        queries = queries_of(config)
        if not queries:
            raise MappingError("no queries found", where, hint="see docs/ingest.md for the format")
        self.dataset = dataset
        self.signer = FastSigner(dataset)
        self.queries: list[tuple[QueryMapping, CSVSource, list[_CompiledEntity]]] = []
        for data in queries:
            check_query(data, where)
            data = dict(data)
            data.pop("database", None)
            # Records come from the file given on the command line, not the URL.
            data["csv_url"] = "/dev/null"
            try:
                query = model.make_mapping(data, key_prefix=dataset, dataset=dataset)
            except InvalidMapping as exc:
                raise MappingError(str(exc), where) from exc
            assert isinstance(query.source, CSVSource)
            self.queries.append((query, query.source, [_CompiledEntity(e) for e in query.entities]))
        #: plain id -> signed id, so an id seen on many rows is signed once
        self._signed: dict[str, str | None] = {}
        #: name -> FtM-cleaned name, for names copied onto links
        self._mentioned: dict[str, str | None] = {}

    @property
    def columns(self) -> set[str]:
        """Every column the mapping reads."""
        refs: set[str] = set()
        for query, _, _ in self.queries:
            refs.update(query.refs)
        return refs

    def _sign(self, plain_id: str) -> str | None:
        cache = self._signed
        try:
            return cache[plain_id]
        except KeyError:
            pass
        if len(cache) > _CACHE_SIZE:
            cache.clear()
        signed = cache[plain_id] = self.signer.sign(plain_id)
        return signed

    def _mentioned_name(self, name: str) -> str | None:
        cache = self._mentioned
        try:
            return cache[name]
        except KeyError:
            pass
        if len(cache) > _CACHE_SIZE:
            cache.clear()
        cleaned = cache[name] = registry.name.clean_text(name)
        return cleaned

    def map(
        self, data: dict[str, str], reject: Callable[[RejectedValue], None] | None = None
    ) -> list[MappedEntity]:
        """Map one record to entities. A value FtM cannot clean is passed to
        ``reject`` (with its column); without one it is dropped, as ``ftm map``
        drops it."""
        out: list[MappedEntity] = []
        for _query, source, entities in self.queries:
            if not source.check_filters(data):
                continue
            mapped: dict[str, tuple[str, str, list[str]]] = {}
            for entity in entities:
                result = self._map_entity(entity, data, mapped, reject)
                if result is not None:
                    out.append(result)
        return out

    def _map_entity(
        self,
        entity: _CompiledEntity,
        data: dict[str, str],
        mapped: dict[str, tuple[str, str, list[str]]],
        reject: Callable[[RejectedValue], None] | None,
    ) -> MappedEntity | None:
        values: list[Value] = []
        seen: set[tuple[str, str]] = set()
        size = 0
        names: list[str] = []
        refs: list[tuple[Property, str]] = []
        name_type = registry.name
        for pm, column, cleaned_of in zip(
            entity.properties, entity.columns, entity.cleaned, strict=True
        ):
            prop = pm.prop
            if pm.entity is not None:
                ref = mapped.get(pm.entity)
                if ref is not None:
                    refs.append((prop, ref[1]))
                    if entity.names_mentioned is not None:
                        for name in ref[2]:
                            mentioned = self._mentioned_name(name)
                            if mentioned is not None:
                                size = self._add(
                                    values, seen, size, entity.names_mentioned, mentioned, None
                                )
                                names.append(mentioned)
                continue
            if column is not None:
                # the common case, without FtM's general record_values
                raw_value = data.get(column)
                raws = [] if raw_value is None else [raw_value]
            else:
                raws = pm.record_values(data)
                if pm.join is not None:
                    raws = [pm.join.join(raws)]
            if pm.split is not None:
                raws = [part for raw in raws for part in raw.split(pm.split)]
            # _add, inlined: this loop runs for every value of every row
            total = prop.type.total_size
            pname = prop.name
            for raw in raws:
                try:
                    cleaned = cleaned_of[raw]
                except KeyError:
                    if len(cleaned_of) > _CACHE_SIZE:
                        cleaned_of.clear()
                    cleaned = cleaned_of[raw] = self._clean(pm, raw)
                if cleaned is None or cleaned is _UNSAFE_VALUE:
                    if reject is not None:
                        self._reject(entity, pm, raw, reject)
                    continue
                assert isinstance(cleaned, str)
                if total is not None and size + len(cleaned) > total:
                    continue
                size += len(cleaned)
                key = (pname, cleaned)
                if key not in seen:
                    seen.add(key)
                    values.append((prop, cleaned, None if cleaned == raw else raw))
                if prop.type is name_type:
                    names.append(cleaned)
        plain_id = entity.compute_key(data)
        if plain_id is None:
            return None
        if entity.required:
            present = {p.name for p, _, _ in values} | {p.name for p, _ in refs}
            if any(p.name not in present for p in entity.required):
                return None
        entity_id = self._sign(plain_id)
        if entity_id is None:
            return None
        mapped[entity.name] = (plain_id, entity_id, names)
        for prop, signed in refs:
            if signed == entity_id:
                # Two mapped entities computed the same id (their keys coincide on
                # this row); `ftm map` aborts here with "Self-relationship".
                if reject is not None:
                    reject(
                        RejectedValue(
                            f"entity {entity.name!r} gets the same id as the entity its "
                            f"{prop.name!r} refers to, so it would point at itself",
                            Location("", None, None),
                            hint="give one of them a `key_literal:` or more `keys:`",
                        )
                    )
                continue
            size = self._add(values, seen, size, prop, signed, None)
        return MappedEntity(entity_id, entity.schema, values)

    @staticmethod
    def _clean(pm: PropertyMapping, raw: str) -> object:
        """``raw`` cleaned for ``pm``'s property: a str, None when FtM cannot
        clean it, _UNSAFE_VALUE when it holds a character we refuse."""
        if not (raw.isascii() and raw.isprintable()) and unsafe_character(raw) is not None:
            return _UNSAFE_VALUE
        prop = pm.prop
        return clean_value(prop.type, raw, pm.fuzzy, pm.format or prop.format)

    @staticmethod
    def _reject(
        entity: _CompiledEntity,
        pm: PropertyMapping,
        raw: str,
        reject: Callable[[RejectedValue], None],
    ) -> None:
        prop = pm.prop
        unsafe = unsafe_character(raw)
        if unsafe is not None:
            reject(_unsafe_value(raw, unsafe, f"{entity.schema}.{prop.name}", pm.refs))
            return
        if not raw.strip() or prop.type in FREE_TEXT_TYPES:
            return
        column = pm.refs[0] if len(pm.refs) == 1 else ", ".join(pm.refs) or None
        reject(
            RejectedValue(
                f"{raw!r} is not a valid {prop.type.name} for {entity.schema}.{prop.name}",
                Location("", None, column),
                hint="fix the value, add a `format:` to the mapping, or use --on-error skip",
            )
        )

    @staticmethod
    def _add(
        values: list[Value],
        seen: set[tuple[str, str]],
        size: int,
        prop: Property,
        value: str,
        raw: str | None,
    ) -> int:
        # Mirrors EntityProxy.unsafe_add: a per-entity cap on text size.
        total = prop.type.total_size
        if total is not None and size + len(value) > total:
            return size
        size += len(value)
        key = (prop.name, value)
        if key not in seen:
            seen.add(key)
            values.append((prop, value, raw))
        return size


def _unsafe_value(raw: str, unsafe: str, prop: str, refs: list[str]) -> RejectedValue:
    column = refs[0] if len(refs) == 1 else ", ".join(refs) or None
    return RejectedValue(
        f"{raw!r} for {prop} holds {unsafe}, which would hide or garble what the value "
        "says; Threadline neither drops it silently nor stores it",
        Location("", None, column),
        hint="remove the character from the source, or use --on-error drop-value "
        "to load the record without this value",
    )
