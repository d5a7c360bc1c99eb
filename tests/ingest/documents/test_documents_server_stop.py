"""A stopping server (``isolated.cancel_running``) ends the document
sandbox's workers too: the run ends with ``ServerBusy`` (a 503 to the
sender), and the killed files are not recorded as failed."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from threadline.errors import ServerBusy
from threadline.ingest import isolated
from threadline.workspace import Workspace


def test_cancel_running_stops_a_document_ingest(
    workspace: Workspace, tmp_path: Path, docs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a fresh "stopping" flag: cancel_running sets it for good
    monkeypatch.setattr(isolated, "_STOPPING", threading.Event())
    monkeypatch.setattr(isolated, "_RUNNING", set())
    big = tmp_path / "big.txt"
    big.write_text("a line of text about the harbour contracts\n" * 1_500_000)
    cancelled: list[int] = []

    def cancel_when_reading() -> None:
        deadline = time.monotonic() + 60
        while not isolated._RUNNING and time.monotonic() < deadline:
            time.sleep(0.001)
        cancelled.append(isolated.cancel_running())

    canceller = threading.Thread(target=cancel_when_reading)
    canceller.start()
    with pytest.raises(ServerBusy, match="the server is stopping"):
        workspace.ingest_documents(big, "leak", limits=docs.limits, workers=1)
    canceller.join()
    assert cancelled == [1]
    assert not isolated._RUNNING
    # nothing was recorded for the killed file: no failure to retry
    assert "leak" not in {d.name for d in workspace.datasets()}
