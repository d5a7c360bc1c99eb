"""Threadline: an investigative data platform over FollowTheMoney entities.

The public names below are imported on first use (PEP 562), not with the
package: ``import threadline.cli.app`` or ``threadline.errors`` must not pay
for followthemoney, DuckDB and the ingest pipeline before a command needs
them (see ``tests/cli/test_startup.py``)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from threadline.errors import (
        DatasetNotFound,
        EntityNotFound,
        InputError,
        MappingError,
        RejectedValue,
        SearchError,
        ThreadlineError,
        WorkspaceError,
        WorkspaceNotFound,
    )
    from threadline.ingest.pipeline import IngestReport
    from threadline.model.entity import Entity
    from threadline.search.base import SearchHit
    from threadline.workspace import Workspace

__version__ = "0.1.0"

__all__ = [
    "DatasetNotFound",
    "Entity",
    "EntityNotFound",
    "IngestReport",
    "InputError",
    "MappingError",
    "RejectedValue",
    "SearchError",
    "SearchHit",
    "ThreadlineError",
    "Workspace",
    "WorkspaceError",
    "WorkspaceNotFound",
    "__version__",
]

# public name -> the module that defines it
_SOURCES = {
    "DatasetNotFound": "threadline.errors",
    "EntityNotFound": "threadline.errors",
    "InputError": "threadline.errors",
    "MappingError": "threadline.errors",
    "RejectedValue": "threadline.errors",
    "SearchError": "threadline.errors",
    "ThreadlineError": "threadline.errors",
    "WorkspaceError": "threadline.errors",
    "WorkspaceNotFound": "threadline.errors",
    "IngestReport": "threadline.ingest.pipeline",
    "Entity": "threadline.model.entity",
    "SearchHit": "threadline.search.base",
    "Workspace": "threadline.workspace",
}


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module 'threadline' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
