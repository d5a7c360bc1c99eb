"""Uploads are read in a worker process under the upload limits: a file
whose reading needs more memory than the budget is refused with a 400 that
names the limit, nothing of it is stored, and the server goes on answering.
The same file under the default budget loads."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.api import PURPOSE, Api, make_api
from threadline.ingest.isolated import WorkerLimits

TIGHT = WorkerLimits(memory=4 * 1024 * 1024, cpu_seconds=30, wall_seconds=60.0)
FORM = {
    "dataset": "registry-dump",
    "schema": "Person",
    "map": ["name=name", "alias=alias", "notes=notes"],
    "key": ["id"],
}


def _csv(rows: int) -> bytes:
    lines = ["id,name,alias,notes"]
    lines += [f"{i},Person Nr {i},Alias {i},{'note ' * 20}{i}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def tight(template_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    copy = tmp_path_factory.mktemp("tight") / "ws"
    shutil.copytree(template_workspace, copy)
    made = make_api(copy, upload_limits=TIGHT)
    yield made
    made.state.close()


def _send(api: Api, path: str, content: bytes) -> Any:
    files = {"file": ("dump.csv", content, "text/csv")}
    return api.post("olga", path, data=FORM, files=files)


def test_a_file_over_the_memory_budget_is_refused_and_nothing_is_stored(tight: Api) -> None:
    response = _send(tight, "/ingest", _csv(60_000))
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert "dump.csv" in message and "more than 4 MiB of memory" in message, message
    # nothing of it is stored, and the server answers as before
    search = tight.get("olga", "/search", params={"q": "Person Nr 17", "purpose": PURPOSE})
    assert search.status_code == 200 and search.json()["total"] == 0
    with tight.state.data() as ws:
        assert "registry-dump" not in {d.name for d in ws.datasets()}
        assert not list((ws.path / "tmp").glob("spool-*"))  # no spool left behind


def test_the_same_file_loads_under_the_default_budget(api: Api) -> None:
    response = _send(api, "/ingest", _csv(60_000))
    assert response.status_code == 200, response.text
    assert response.json()["records"] == 60_000
    search = api.get("olga", "/search", params={"q": "Person Nr 17", "purpose": PURPOSE})
    assert search.json()["total"] >= 1
