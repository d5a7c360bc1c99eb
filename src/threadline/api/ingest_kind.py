"""Table or documents? An upload goes down the table path when it comes
with a mapping, a schema or a format, or when it is FtM data or a file a
table reader claims (as ``threadline ingest`` decides); everything else (a
PDF, a scan, a mailbox, an archive) is a document. The decision reads the
upload's first bytes, so it runs in a limited worker like every other read
of a file a stranger sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from threadline.ingest.documents.choose import is_table
from threadline.ingest.documents.formats import detect_mime
from threadline.ingest.isolated import WorkerLimits, run_isolated

Kind = Literal["auto", "table", "documents"]


def upload_is_table(path: Path, kind: Kind, mapped: bool, limits: WorkerLimits, shown: str) -> bool:
    """Whether the upload at ``path`` is loaded as a table. ``kind`` is the
    sender's choice; ``auto`` decides from the options and the content."""
    if kind != "auto":
        return kind == "table"
    if mapped:
        return True
    return bool(run_isolated(is_table, path, False, limits=limits, what=shown))


def document_preview(path: Path, limits: WorkerLimits, shown: str) -> dict[str, Any]:
    """What a preview can say of a document before it is read: its type
    (from its content), in the shape of a table preview with nothing mapped."""
    mime = run_isolated(detect_mime, path, limits=limits, what=shown)
    return {
        "kind": "documents",
        "mime_type": mime,
        "size": path.stat().st_size,
        "columns": [],
        "rows": [],
        "entities": [],
        "errors": [],
    }
