"""Threadline: an investigative data platform over FollowTheMoney entities."""

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
