"""The server signs the audit head on a schedule and at shutdown, so a
checkpoint exists to verify against without anyone remembering to write one."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from tests.helpers.api import API, PURPOSE, make_api
from threadline.access.checkpoints import Checkpoint


def test_the_server_writes_checkpoints_while_running_and_at_shutdown(
    workspace_copy: Path,
) -> None:
    api = make_api(workspace_copy, checkpoint_every=0.05)
    checkpoints = api.access.checkpoints
    assert checkpoints is not None
    try:
        with TestClient(api.app) as client:
            deadline = time.monotonic() + 10
            while checkpoints.latest_seq() == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            first = checkpoints.latest_seq()
            assert first > 0  # written while serving
            headers = api.headers("vera")
            answer = client.get(f"{API}/search", params={"q": "Cobalt", "purpose": PURPOSE},
                                headers=headers)  # fmt: skip
            assert answer.status_code == 200
        # the search was audited after the first checkpoint; shutdown signs it too
        head = api.access.audit.log.verify().head_seq
        assert checkpoints.latest_seq() == head > first
        latest = Checkpoint.read(checkpoints.folder / f"{head:012d}.json")
        assert checkpoints.verify(latest).ok
    finally:
        api.state.close()
