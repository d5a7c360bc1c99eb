"""Files sent to the ingest routes: kept in a temporary directory under
their own (sanitised) name, since the format is read from the suffix and
the name is recorded as each value's source. Messages that name the
temporary path are rewritten to name the uploaded file instead."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile

from threadline.errors import InputError, Location

MAPPING_NAME = "mapping.yml"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str | None) -> str:
    base = Path((name or "").replace("\\", "/")).name
    clean = _UNSAFE.sub("_", base).strip("._")
    return clean[:120] or "upload"


@dataclass(frozen=True)
class Upload:
    folder: Path
    path: Path
    mapping: Path | None

    def relocate(self, exc: InputError) -> InputError:
        """Name the uploaded file, not the temporary one, in ``exc``."""
        location = exc.location
        if location is not None and location.path.startswith(str(self.folder)):
            shown = Path(location.path).name
            if self.mapping is not None and Path(location.path) == self.mapping:
                shown = "the mapping"
            exc.location = Location(shown, location.line, location.column)
            exc.args = (exc.message,)
        return exc


@contextmanager
def saved_upload(file: UploadFile, mapping_text: str | None) -> Iterator[Upload]:
    folder = Path(tempfile.mkdtemp(prefix="threadline-upload-"))
    try:
        path = folder / safe_name(file.filename)
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, 1 << 20)
        mapping = None
        if mapping_text is not None and mapping_text.strip():
            mapping = folder / MAPPING_NAME
            if mapping == path:
                mapping = folder / ("mapping-" + MAPPING_NAME)
            mapping.write_text(mapping_text, "utf-8")
        upload = Upload(folder, path, mapping)
        try:
            yield upload
        except InputError as exc:
            raise upload.relocate(exc) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
