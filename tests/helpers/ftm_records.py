"""FtM entity records for tests, written as the entity JSON lines
``threadline ingest`` reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson


def ent(entity_id: str, schema: str, **props: Any) -> dict[str, Any]:
    """An FtM entity; a property given one value gets a list of one."""
    return {
        "id": entity_id,
        "schema": schema,
        "properties": {k: v if isinstance(v, list) else [v] for k, v in props.items()},
    }


def write_ftm(path: Path, entities: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entities))
    return path
