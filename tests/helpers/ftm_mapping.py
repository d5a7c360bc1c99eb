"""Input files as an analyst writes them (CSV, ``ftm map`` mapping YAML) and
what the store holds compared with what FollowTheMoney itself makes of them.

Tests reach these through the session-scoped ``helpers`` fixture (see
tests/conftest.py) or import them directly."""

from __future__ import annotations

import copy
import csv
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from threadline.workspace import Workspace

#: entity id -> (schema name, {property: set of values})
Snapshot = dict[str, tuple[str, dict[str, frozenset[str]]]]


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    delimiter: str = ",",
) -> Path:
    """Write a UTF-8 CSV (or TSV) the way a spreadsheet program would."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def write_mapping(
    path: Path,
    entities: dict[str, Any] | None = None,
    *,
    queries: list[dict[str, Any]] | None = None,
    dataset: str = "ds",
    csv_url: str = "data.csv",
    filters: dict[str, Any] | None = None,
    filters_not: dict[str, Any] | None = None,
) -> Path:
    """Write an ``ftm map`` mapping YAML: ``{dataset: {queries: [...]}}``.

    Either give ``entities`` (one query) or full ``queries`` (``csv_url`` is
    filled in where a query lacks one)."""
    if queries is None:
        assert entities is not None
        query: dict[str, Any] = {"entities": entities}
        if filters:
            query["filters"] = filters
        if filters_not:
            query["filters_not"] = filters_not
        queries = [query]
    queries = [dict(q) for q in queries]
    for q in queries:
        q.setdefault("csv_url", csv_url)
    path.write_text(
        yaml.safe_dump({dataset: {"queries": queries}}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def snapshot(ws: Workspace, dataset: str | None = None) -> Snapshot:
    """What the store holds: id -> (schema, {prop: values})."""
    out: Snapshot = {}
    for entity in ws.entities(dataset):
        props = {name: frozenset(values) for name, values in entity.proxy.properties.items()}
        out[entity.id] = (entity.schema.name, props)
    return out


def merge_fragments(entities: Iterable[Any]) -> Snapshot:
    """Aggregate FtM entity fragments (proxies) by id, the way the store
    aggregates statements: the union of each property's values."""
    schemata: dict[str, set[str]] = {}
    props: dict[str, dict[str, set[str]]] = {}
    for proxy in entities:
        schemata.setdefault(proxy.id, set()).add(proxy.schema.name)
        merged = props.setdefault(proxy.id, {})
        for name, values in proxy.properties.items():
            merged.setdefault(name, set()).update(values)
    out: Snapshot = {}
    for eid, names in schemata.items():
        assert len(names) == 1, f"FtM gave {eid} several schemata: {names}"
        out[eid] = (names.pop(), {k: frozenset(v) for k, v in props[eid].items()})
    return out


def ftm_fragments(mapping_file: Path, csv_path: Path, dataset: str) -> list[Any]:
    """Run FollowTheMoney's own mapping over ``csv_path``, in process, exactly
    as ``ftm map -d DATASET`` does (``map_entities`` + ``Namespace.apply``);
    returns the signed entity fragments in order."""
    from banal import keys_values
    from followthemoney import model
    from followthemoney.cli.util import load_mapping_file
    from followthemoney.namespace import Namespace

    config = load_mapping_file(mapping_file)
    ns = Namespace(dataset)
    fragments = []
    logging.getLogger("followthemoney").setLevel(logging.ERROR)
    for meta in config.values():
        for query in keys_values(meta, "queries", "query"):
            query = copy.deepcopy(query)
            query["csv_url"] = str(csv_path.resolve())
            for entity in model.map_entities(query, key_prefix=dataset, dataset=dataset):
                fragments.append(ns.apply(entity))
    return fragments


def ftm_map(mapping_file: Path, csv_path: Path, dataset: str) -> Snapshot:
    """``ftm map -d DATASET`` in process, fragments aggregated by id."""
    return merge_fragments(ftm_fragments(mapping_file, csv_path, dataset))
