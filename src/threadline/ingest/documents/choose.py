"""Tables or documents? ``threadline ingest PATH`` takes either; tables keep
their path (a mapping, FtM data, a spreadsheet), everything else (a folder,
an archive, a PDF, a mailbox) is a document."""

from __future__ import annotations

from pathlib import Path

from threadline.ingest.ftm_files import sniff_ftm
from threadline.ingest.readers.formats import READERS

#: extensions a table reader claims that are, without a mapping, documents
_TEXT_DOCUMENTS = {".txt"}


def is_table(path: Path, mapped: bool) -> bool:
    """Whether ``path`` goes down the table path: always with a mapping (or
    --schema), for FtM data, and for a file a table reader claims."""
    if mapped:
        return True
    if path.is_dir() or not path.exists():
        return False
    if sniff_ftm(path) is not None:
        return True
    handler = READERS.for_path(path)
    return handler is not None and path.suffix.lower() not in _TEXT_DOCUMENTS
