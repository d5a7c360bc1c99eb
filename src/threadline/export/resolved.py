"""The resolved view of a workspace, for other tools: one FtM entity per
resolved entity (the canonical id, every member's values, the member ids as
``referents``, references to merged entities pointed at their canonical
ids), or the same as FtM statements with their sources, the CSV that
nomenklatura and OpenSanctions exchange.

Unmerged entities stream straight from the store; the members of merged
clusters are read a batch of clusters at a time, so memory stays bounded by
the batch, not by the workspace.
"""

from __future__ import annotations

import dataclasses
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

import orjson

from threadline.errors import InputError
from threadline.model.entity import Entity, assemble
from threadline.model.statements import StatementRow

RESOLVED_FORMATS = ("ftm", "statements")
#: clusters whose members are read together
CLUSTER_BATCH = 2_000

#: every statement row of one entity, in entity-id order
Groups = Callable[[], Iterable[list[StatementRow]]]
#: the statement rows of the given entity ids
Rows = Callable[[Sequence[str]], list[StatementRow]]


def resolved_entities(
    groups: Groups, rows_of: Rows, canonical: dict[str, str]
) -> Iterator[tuple[Entity, list[str]]]:
    """(entity, member ids) for every resolved entity: each unmerged entity,
    then each cluster under its canonical id."""
    clusters: dict[str, list[str]] = defaultdict(list)
    for member, canonical_id in canonical.items():
        clusters[canonical_id].append(member)
    for group in groups():
        if group[0].entity_id in canonical:
            continue
        yield assemble(_pointed(group, canonical)), []
    batch: list[str] = []
    for canonical_id in sorted(clusters):
        batch.append(canonical_id)
        if len(batch) >= CLUSTER_BATCH:
            yield from _clusters(batch, clusters, rows_of, canonical)
            batch = []
    yield from _clusters(batch, clusters, rows_of, canonical)


def _clusters(
    batch: list[str],
    clusters: dict[str, list[str]],
    rows_of: Rows,
    canonical: dict[str, str],
) -> Iterator[tuple[Entity, list[str]]]:
    if not batch:
        return
    wanted = [member for canonical_id in batch for member in clusters[canonical_id]]
    by_cluster: dict[str, list[StatementRow]] = defaultdict(list)
    for row in rows_of(wanted):
        by_cluster[canonical[row.entity_id]].append(row)
    for canonical_id in batch:
        rows = by_cluster.get(canonical_id)
        if rows:  # members dropped since the resolve leave nothing to write
            members = sorted({row.entity_id for row in rows})
            yield assemble(_pointed(rows, canonical), entity_id=canonical_id), members


def _pointed(rows: list[StatementRow], canonical: dict[str, str]) -> list[StatementRow]:
    """``rows`` with references to merged entities pointed at their canonical id."""
    return [
        dataclasses.replace(row, value=canonical[row.value])
        if row.prop_type == "entity" and row.value in canonical
        else row
        for row in rows
    ]


def export_resolved(
    entities: Iterable[tuple[Entity, list[str]]], fmt: str, out: IO[bytes] | Path
) -> int:
    """Write resolved entities as ``ftm`` (JSON lines) or ``statements``
    (FtM's statement CSV); returns how many entities."""
    if fmt not in RESOLVED_FORMATS:
        raise InputError(
            f"the resolved export has no format {fmt!r}",
            hint=f"use one of {', '.join(RESOLVED_FORMATS)}",
        )
    fh = open(out, "wb") if isinstance(out, Path) else out  # noqa: SIM115
    try:
        if fmt == "ftm":
            return _write_ftm(entities, fh)
        return _write_statements(entities, fh)
    finally:
        if isinstance(out, Path):
            fh.close()


def _write_ftm(entities: Iterable[tuple[Entity, list[str]]], fh: IO[bytes]) -> int:
    count = 0
    for entity, members in entities:
        data = entity.proxy.to_dict()
        data["datasets"] = entity.datasets
        if members:
            data["referents"] = members
        fh.write(orjson.dumps(data) + b"\n")
        count += 1
    return count


def _write_statements(entities: Iterable[tuple[Entity, list[str]]], fh: IO[bytes]) -> int:
    from followthemoney.statement import Statement
    from followthemoney.statement.serialize import CSVStatementWriter

    text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    writer = CSVStatementWriter(text)
    count = 0
    for entity, _members in entities:
        for row in entity.statements:
            # ``origin`` carries where the value was read: file and line
            origin = row.source if row.source_line is None else f"{row.source}:{row.source_line}"
            writer.write(
                Statement(
                    entity_id=row.entity_id,
                    canonical_id=entity.id,
                    prop=row.prop,
                    schema=row.schema,
                    value=row.value,
                    dataset=row.dataset,
                    lang=row.lang,
                    original_value=row.original_value,
                    first_seen=row.first_seen.isoformat(timespec="seconds"),
                    last_seen=row.last_seen.isoformat(timespec="seconds"),
                    origin=origin,
                )
            )
        count += 1
    writer.close()
    text.detach()  # the caller's stream stays open
    return count
