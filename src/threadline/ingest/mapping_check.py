"""Strict reading of FtM mapping files, before FollowTheMoney sees them.

FollowTheMoney reads a mapping with ``dict.get``: a misspelt key
(``propertes:``) or a key at the wrong level (``filters:`` beside
``schema:``, where FtM never looks) is silently ignored, and a whole load
goes wrong with exit code 0. Here every key is checked against the keys FtM
reads at its level; an unknown one is an error naming the key, its place and
the nearest valid key, and a key that belongs one level up or down says so.

YAML aliases make a file's tree a graph: ``&a [*a]`` is a list that contains
itself, and a few lines of nested aliases expand to billions of values
("billion laughs"). FtM's include resolver walks (and copies) that tree, so
the tree is measured first and refused beyond :data:`MAX_NODES`.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from threadline.errors import Location, MappingError

#: The most values (mappings, lists and scalars, counting every use of an
#: alias) a mapping file may expand to. Hand-written mappings have hundreds;
#: a generated one for a 500-column table has a few thousand.
MAX_NODES = 100_000
#: How deep ``include:`` files may nest.
MAX_INCLUDE_DEPTH = 10

# The keys FollowTheMoney 4 reads at each level (followthemoney/mapping/*.py).
QUERY_KEYS = frozenset(
    {
        "entities",
        "filters",
        "filters_not",
        "csv_url",
        "csv_urls",
        "database",
        "table",
        "tables",
        "joins",
    }
)
ENTITY_KEYS = frozenset({"schema", "key", "keys", "key_literal", "id_column", "properties"})
PROPERTY_KEYS = frozenset(
    {
        "column",
        "columns",
        "join",
        "split",
        "entity",
        "format",
        "fuzzy",
        "required",
        "literal",
        "literals",
        "template",
    }
)
# Beside ``queries:``, a dataset block may carry the collection metadata
# Aleph's mapping files have; FtM ignores it, and so does Threadline.
DATASET_KEYS = frozenset(
    {
        "queries",
        "query",
        "label",
        "title",
        "summary",
        "description",
        "url",
        "info_url",
        "data_url",
        "category",
        "frequency",
        "countries",
        "languages",
        "publisher",
        "publisher_url",
        "foreign_id",
    }
)

_LEVELS = {
    "query": QUERY_KEYS,
    "entity": ENTITY_KEYS,
    "property": PROPERTY_KEYS,
}


def read_yaml(path: Path, depth: int = 0) -> Any:
    """A mapping file's data, its ``include:`` files merged in the way ``ftm
    map`` merges them, refusing self-containing or exploding aliases and
    include cycles."""
    if depth > MAX_INCLUDE_DEPTH:
        raise MappingError(
            f"include: files nest more than {MAX_INCLUDE_DEPTH} deep (an include cycle?)",
            Location(str(path)),
        )
    if not path.exists():
        raise MappingError("mapping file not found", Location(str(path)))
    try:
        with path.open("rb") as fh:
            data = yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        # PyYAML's own text names the file by its full path (a server's
        # temporary path, for an upload): say what and where, without it
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "not valid YAML"
        context = getattr(exc, "context", None)
        detail = f"{context}, {problem}" if context else problem
        if mark is not None:
            detail += f" (column {mark.column + 1})"
        raise MappingError(f"invalid YAML: {detail}", Location(str(path), line)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"cannot read the mapping: {exc}", Location(str(path))) from exc
    check_size(data, Location(str(path)))
    return _merge_includes(path, data, depth)


def _merge_includes(path: Path, data: Any, depth: int) -> Any:
    if isinstance(data, list):
        return [_merge_includes(path, item, depth) for item in data]
    if isinstance(data, dict):
        includes = data.pop("include", None)
        for name in includes if isinstance(includes, list) else [includes]:
            if name is None:
                continue
            if not isinstance(name, str):
                raise MappingError(f"include: {name!r} is not a file name", Location(str(path)))
            included = read_yaml(Path(os.path.dirname(path)) / name, depth + 1)
            if not isinstance(included, dict):
                raise MappingError(
                    "an included file must be a YAML mapping", Location(str(path.parent / name))
                )
            data.update(included)
        return {key: _merge_includes(path, value, depth) for key, value in data.items()}
    return data


def check_size(data: Any, where: Location) -> None:
    """Refuse a tree that contains itself or expands past :data:`MAX_NODES`."""
    count = 0
    # (node, whether its children were pushed); the ids of the containers on
    # the current path find a container inside itself
    stack: list[tuple[Any, bool]] = [(data, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        if done:
            on_path.discard(id(node))
            continue
        count += 1
        if count > MAX_NODES:
            raise MappingError(
                f"the mapping expands to more than {MAX_NODES:,} values",
                where,
                hint="YAML aliases (*name) that nest other aliases multiply; write the values out",
            )
        if isinstance(node, dict | list):
            if id(node) in on_path:
                raise MappingError(
                    "the mapping contains itself through a YAML alias (&name ... *name)", where
                )
            on_path.add(id(node))
            stack.append((node, True))
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, False) for child in children)


def _nearest(name: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, sorted(options), n=2, cutoff=0.6)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else None


def _unknown(key: object, level: str, place: str, where: Location) -> MappingError:
    """The error for ``key`` where ``level`` keys are expected."""
    text = str(key)
    for other, keys in _LEVELS.items():
        if other != level and text in keys:
            hint = f"{text!r} is read at {other} level"
            if other == "query":
                hint += ", beside 'entities:'"
            elif other == "entity":
                hint += ", beside 'schema:' and 'properties:'"
            elif other == "property":
                hint += ", under a property in 'properties:'"
            return MappingError(f"{place}: {text!r} is misplaced", where, hint=hint)
    valid = _LEVELS.get(level, DATASET_KEYS)
    return MappingError(
        f"{place}: unknown key {text!r}",
        where,
        hint=_nearest(text, valid) or f"the keys here are {', '.join(sorted(valid))}",
    )


def check_keys(config: dict[str, Any], where: Location) -> None:
    """Every key of a mapping file where FtM reads it."""
    if "entities" in config:
        check_query_keys(config, "the query", where)
        return
    for dataset, meta in config.items():
        place = f"dataset {dataset!r}"
        if not isinstance(meta, dict):
            raise MappingError(
                f"{place} must be a mapping with 'queries:'",
                where,
                hint="a file holds either 'entities:' at the top or DATASET: {queries: [...]}",
            )
        for key in meta:
            if key not in DATASET_KEYS:
                raise _unknown(key, "dataset", place, where)
        queries = meta.get("queries", meta.get("query"))
        queries = queries if isinstance(queries, list) else [queries]
        if queries == [None]:
            raise MappingError(f"{place} has no 'queries:'", where)
        for number, query in enumerate(queries, start=1):
            if not isinstance(query, dict):
                raise MappingError(f"{place}, query {number} must be a mapping", where)
            check_query_keys(query, f"{place}, query {number}", where)


def check_query_keys(query: dict[str, Any], place: str, where: Location) -> None:
    for key in query:
        if key not in QUERY_KEYS:
            raise _unknown(key, "query", place, where)
    for key in ("filters", "filters_not"):
        if key in query and not isinstance(query[key], dict):
            raise MappingError(
                f"{place}: {key!r} must map columns to values",
                where,
                hint=f"for example {key}: {{status: active}}",
            )
    entities = query.get("entities")
    if not isinstance(entities, dict):
        return  # check_query names what is missing
    for name, spec in entities.items():
        if not isinstance(spec, dict):
            continue
        entity_place = f"{place}, entity {name!r}"
        for key in spec:
            if key not in ENTITY_KEYS:
                raise _unknown(key, "entity", entity_place, where)
        properties = spec.get("properties") or {}
        if not isinstance(properties, dict):
            raise MappingError(f"{entity_place}: 'properties' must be a mapping", where)
        for prop, prop_spec in properties.items():
            prop_place = f"{entity_place}, property {prop!r}"
            if not isinstance(prop_spec, dict):
                raise MappingError(
                    f"{prop_place} must be a mapping",
                    where,
                    hint=f"for example {prop}: {{column: {prop}}}",
                )
            for key in prop_spec:
                if key not in PROPERTY_KEYS:
                    raise _unknown(key, "property", prop_place, where)
