"""Exports for the HTTP API: rebuilt from an allow-list of fields, capped,
watermarked, and safe to open in a spreadsheet.

Unlike ``threadline export`` at the command line (run by whoever holds the
workspace), an export over the API leaves with a user who may only be
allowed to look. So it carries only the fields a report needs: names,
company registration facts, dates, countries and the links between
entities. Identity documents, birth dates, addresses, phones, e-mails and
other personal details stay behind: they are read on the entity page, where
each view is recorded. Every row carries a watermark (who, when, which case
or purpose), and CSV cells are escaped against formula injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from threadline.export.safety import escape_cell
from threadline.model.entity import Entity

#: FtM properties an export may carry
EXPORT_FIELDS = frozenset(
    {
        # names and descriptions of organisations and things
        "name",
        "alias",
        "previousName",
        "title",
        "legalForm",
        "status",
        "sector",
        "classification",
        "topics",
        # where and when
        "country",
        "jurisdiction",
        "incorporationDate",
        "dissolutionDate",
        "date",
        "startDate",
        "endDate",
        # company identifiers (public registers)
        "registrationNumber",
        "leiCode",
        "swiftBic",
        # links: who owns, directs, pays or supplies whom
        "owner",
        "asset",
        "director",
        "organization",
        "member",
        "subject",
        "object",
        "authority",
        "contract",
        "supplier",
        "buyer",
        "payer",
        "beneficiary",
        "role",
        "relationship",
        "percentage",
        "shareValue",
        "amount",
        "amountEur",
        "currency",
        "procedureNumber",
        "sourceUrl",
    }
)
FIXED_COLUMNS = ["id", "schema", "caption", "datasets"]
MULTI_VALUE_SEP = "; "
MEDIA_TYPES = {"ftm": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
SUFFIXES = {"ftm": "ftm.json", "csv": "csv"}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    media_type: str
    suffix: str
    rows: int
    truncated: bool


def _allowed(entity: Entity) -> dict[str, list[str]]:
    return {
        name: sorted(values)
        for name, values in entity.proxy.properties.items()
        if name in EXPORT_FIELDS and values
    }


def _ftm(entities: list[Entity], watermark: str) -> bytes:
    lines = []
    for entity in entities:
        data: dict[str, Any] = {
            "id": entity.id,
            "schema": entity.schema.name,
            "properties": _allowed(entity),
            "datasets": entity.datasets,
            "watermark": watermark,
        }
        lines.append(orjson.dumps(data))
    return b"".join(line + b"\n" for line in lines)


def _csv(entities: list[Entity], watermark: str) -> bytes:
    rows = [(entity, _allowed(entity)) for entity in entities]
    props = sorted({name for _, values in rows for name in values})
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([*FIXED_COLUMNS, *props, "watermark"])
    for entity, values in rows:
        datasets = MULTI_VALUE_SEP.join(entity.datasets)
        cells = [entity.id, entity.schema.name, entity.caption, datasets]
        cells += [MULTI_VALUE_SEP.join(values.get(name, [])) for name in props]
        cells.append(watermark)
        writer.writerow([escape_cell(cell) for cell in cells])
    return text.getvalue().encode("utf-8")


def build_export(entities: Iterable[Entity], fmt: str, watermark: str, max_rows: int) -> ExportFile:
    """At most ``max_rows`` entities in ``fmt`` ("ftm" or "csv"); one more is
    read to tell whether the export was cut off."""
    taken: list[Entity] = []
    truncated = False
    for entity in entities:
        if len(taken) == max_rows:
            truncated = True
            break
        taken.append(entity)
    if truncated:
        watermark += f"; cut off at {max_rows:,} entities"
    content = _ftm(taken, watermark) if fmt == "ftm" else _csv(taken, watermark)
    return ExportFile(content, MEDIA_TYPES[fmt], SUFFIXES[fmt], len(taken), truncated)
