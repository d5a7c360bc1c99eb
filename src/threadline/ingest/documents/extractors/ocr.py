"""OCR with the ``tesseract`` command from Debian (tesseract-ocr and its
language packages). A subprocess rather than a binding: it inherits the
worker's memory limit, can be killed on time-out, and nothing downloads."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from threadline.ingest.documents.base import ExtractionFailed


def tesseract_path() -> str:
    found = shutil.which("tesseract")
    if found is None:
        raise ExtractionFailed(
            "tesseract is not installed (run `make doc-tools`, or apt-get install "
            "tesseract-ocr tesseract-ocr-eng ...)",
            "ocr",
        )
    return found


def ocr_image(image: Path, languages: str, timeout: float) -> str:
    """The text Tesseract reads in ``image`` (pages of a multi-page TIFF are
    separated by form feeds)."""
    env = dict(os.environ)
    # one file per core already: Tesseract's own threads would only contend
    env["OMP_THREAD_LIMIT"] = "1"
    try:
        done = subprocess.run(
            [tesseract_path(), str(image), "stdout", "-l", languages],
            capture_output=True,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractionFailed(f"OCR took longer than {timeout:.0f} s", "ocr") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractionFailed(
            f"tesseract failed: {message[-1] if message else done.returncode}", "ocr"
        )
    return done.stdout.decode("utf-8", "replace")
