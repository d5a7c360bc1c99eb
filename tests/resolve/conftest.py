"""Fixtures of the resolution tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.resolve import COBALT, PETROV, crowd, write_ftm
from threadline.resolve.resolver import ResolveOptions
from threadline.workspace import Workspace


@pytest.fixture
def resolved(tmp_path: Path) -> Iterator[Workspace]:
    """A resolved workspace: a crowd of distinct people and companies plus
    the Petrov and Cobalt Marine duplicates."""
    ws = Workspace.init(tmp_path / "ws")
    ws.ingest(write_ftm(tmp_path / "crowd.ftm.json", crowd()), dataset="crowd")
    ws.ingest(write_ftm(tmp_path / "cases.ftm.json", PETROV + COBALT), dataset="cases")
    # thresholds of the pre-calibration defaults: the cases were written so
    # that some pairs merge and some wait in the review queue
    ws.resolve(ResolveOptions(merge_threshold=0.95, review_threshold=0.5))
    yield ws
    ws.close()
