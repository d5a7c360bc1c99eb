"""Screening: check a list (a sanctions list, a watchlist, a client book)
against everything in the workspace and rank the candidates for each record,
with the same model and explanations as ``resolve``.

The list is a CSV whose columns are FtM property names of one schema
(``name``, ``birthDate``, ``country``, ``idNumber``, ...), or FtM entity
JSON lines. Nothing from the list is written to the store.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.property import Property
from followthemoney.schema import Schema

from threadline.errors import InputError, Location, ResolveError
from threadline.model.statements import EntityValues
from threadline.resolve.engine import make_engine
from threadline.resolve.explain import Explanation
from threadline.resolve.features import build_features
from threadline.resolve.resolver import Resolution


@dataclass
class Candidate:
    entity_id: str
    canonical_id: str
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "canonical_id": self.canonical_id,
            **self.explanation.to_dict(),
        }


@dataclass
class ScreeningResult:
    query_id: str
    caption: str
    line: int | None
    candidates: list[Candidate] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query_id": self.query_id,
            "caption": self.caption,
            "line": self.line,
            "candidates": [c.to_dict() for c in self.candidates],
        }


def read_list(path: Path, schema_name: str) -> list[tuple[EntityValues, str, int]]:
    """The list's records as entity values, with caption and line."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() in (".json", ".jsonl", ".ndjson") or path.name.endswith(".ftm.json"):
        return list(_read_ftm(path))
    schema = model.get(schema_name)
    if schema is None:
        raise InputError(
            f"Unknown schema {schema_name!r}", hint="use an FtM schema such as Person or Company"
        )
    return list(_read_csv(path, schema))


def _read_csv(path: Path, schema: Schema) -> Iterator[tuple[EntityValues, str, int]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if not header:
            raise InputError("empty file, expected a header row", Location(str(path), 1))
        props: list[Property | None] = []
        for col in header:
            name = col.strip()
            if name == "id":
                props.append(None)
                continue
            prop = schema.get(name)
            if prop is None:
                known = ", ".join(
                    sorted(p for p in schema.properties if not schema.properties[p].stub)[:12]
                )
                raise InputError(
                    f"column {name!r} is not a property of {schema.name}",
                    Location(str(path), 1, name),
                    f"name columns after FtM properties, e.g. {known}",
                )
            props.append(prop)
        for row_no, row in enumerate(reader, start=2):
            out_props: list[str] = []
            values: list[str] = []
            row_id = f"row-{row_no}"
            for prop, raw in zip(props, row, strict=False):
                raw = raw.strip()
                if not raw:
                    continue
                if prop is None:
                    row_id = raw
                    continue
                cleaned = prop.type.clean(raw, proxy=None)
                if cleaned is None:
                    raise InputError(
                        f"{raw!r} is not a valid {prop.type.name} for {schema.name}.{prop.name}",
                        Location(str(path), row_no, prop.name),
                        "fix the value or leave it empty",
                    )
                out_props.append(prop.name)
                values.append(cleaned)
            caption = next(
                (v for p, v in zip(out_props, values, strict=True) if p == "name"), row_id
            )
            yield (row_id, [schema.name], ["screening"], out_props, values), caption, row_no


def _read_ftm(path: Path) -> Iterator[tuple[EntityValues, str, int]]:
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                proxy = model.get_proxy(orjson.loads(raw))
            except (orjson.JSONDecodeError, InvalidData) as exc:
                raise InputError(
                    f"not an FtM entity ({exc})",
                    Location(str(path), line_no),
                    "each line must be an FtM entity JSON object",
                ) from None
            props, values = [], []
            for prop, value in proxy.itervalues():
                props.append(prop.name)
                values.append(value)
            entity_id = str(proxy.id or f"line-{line_no}")
            yield (
                (entity_id, [proxy.schema.name], ["screening"], props, values),
                str(proxy.caption),
                line_no,
            )


def screen(
    resolution: Resolution,
    records: list[tuple[EntityValues, str, int]],
    threshold: float = 0.5,
    limit: int = 5,
    engine_name: str = "duckdb",
) -> list[ScreeningResult]:
    model_json = resolution.model
    if model_json is None or not resolution.features_path.is_file():
        raise ResolveError("Screening uses the trained model: run `threadline resolve` first.")
    query = build_features(r for r, _, _ in records).table
    store = pq.read_table(resolution.features_path)
    results = {r[0]: ScreeningResult(r[0], caption, line) for r, caption, line in records}
    if query.num_rows == 0 or store.num_rows == 0:
        return list(results.values())
    engine = make_engine(engine_name)
    try:
        pairs = engine.link(query, store, model_json, threshold)
    finally:
        engine.close()
    levels = resolution.levels()
    canonical: dict[str, str] = {}
    ranked = sorted(
        pairs.to_pylist(), key=lambda p: (p["left_id"], -p["probability"], p["right_id"])
    )
    for pair in ranked:
        result = results.get(pair["left_id"])
        if result is None or len(result.candidates) >= limit:
            continue
        entity_id = pair["right_id"]
        canon = canonical.setdefault(entity_id, resolution.canonical_id(entity_id))
        if any(c.canonical_id == canon for c in result.candidates):
            continue  # a merged cluster appears once, with its best member
        explanation = levels.explain(
            pair["left_id"],
            entity_id,
            pair["probability"],
            pair["weight"],
            pair["weights"],
            pair["gammas"],
        )
        result.candidates.append(Candidate(entity_id, canon, explanation))
    return list(results.values())
