"""Imported once by the worker forkserver, so each forked worker starts with
the parsers loaded and libmagic's database read: a worker then costs a fork,
not a quarter of a second of imports per file."""

from __future__ import annotations

import contextlib

import threadline.ingest.documents.worker

with contextlib.suppress(ImportError):
    import magic

    magic.from_buffer(b"%PDF-1.4\n", mime=True)
with contextlib.suppress(ImportError):
    import pypdfium2  # noqa: F401
with contextlib.suppress(ImportError):
    import PIL.Image  # noqa: F401
with contextlib.suppress(ImportError):
    import lxml.html  # noqa: F401

import threadline.ingest.documents.extractors.archive
import threadline.ingest.documents.extractors.html
import threadline.ingest.documents.extractors.image
import threadline.ingest.documents.extractors.mail
import threadline.ingest.documents.extractors.pdf
import threadline.ingest.documents.extractors.text  # noqa: F401
