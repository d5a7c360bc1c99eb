"""Threadline: an investigative data platform over FollowTheMoney entities.

The public names are imported on first use (see ``threadline.lazy``), so that
importing a part of the package (the CLI, ``threadline.errors``) does not pay
for followthemoney, DuckDB and the ingest pipeline before it needs them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from threadline.lazy import lazy_exports

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

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(
            (
                "DatasetNotFound",
                "EntityNotFound",
                "InputError",
                "MappingError",
                "RejectedValue",
                "SearchError",
                "ThreadlineError",
                "WorkspaceError",
                "WorkspaceNotFound",
            ),
            "threadline.errors",
        ),
        "IngestReport": "threadline.ingest.pipeline",
        "Entity": "threadline.model.entity",
        "SearchHit": "threadline.search.base",
        "Workspace": "threadline.workspace",
    },
)
