"""Whole-product tests, run as a user runs Threadline: the demo built and
queried through the real ``threadline`` process (test_demo_e2e.py), and
browser tests against a real ``threadline serve`` over the bundled demo
investigation, driven by Playwright through Debian's Chromium (fixtures
below, started only by the tests that ask for them).

The server runs as its own process, as an analyst would start it; accounts
are made with ``threadline users add`` before it starts. Chromium is
installed by ``make test`` (apt); without it the browser tests skip on a
developer's machine and fail in CI ($CI), so a green CI run always includes
them."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.helpers.e2e import (
    ACCOUNTS,
    CHROMIUM,
    PASSWORD,
    THREADLINE,
    Server,
    free_port,
    wait_until_up,
)
from threadline.access import AccessControl
from threadline.access.policy import Principal
from threadline.demo.sources import DEMO_DOCUMENTS, DEMO_SOURCES, DOCUMENTS_DATASET
from threadline.workspace import Workspace


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; `make test` installs it (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("e2e")
    path = base / "ws"
    with Workspace.init(path) as ws:
        for source in DEMO_SOURCES:
            ws.ingest(source.path, source.dataset, source.mapping)
        ws.ingest_documents(DEMO_DOCUMENTS, DOCUMENTS_DATASET, workers=1)
        ws.resolve()
    with AccessControl.for_workspace(path, None) as access:
        operator = Principal.local_operator("e2e-setup")
        for name, role in ACCOUNTS.items():
            access.accounts.create(operator, name, PASSWORD, role)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = base / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(THREADLINE), "-w", str(path), "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if k != "THREADLINE_DB"},
        )
    try:
        wait_until_up(url, proc, log)
        yield Server(url, path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    """One Chromium per test module (Debian's, never a downloaded one)."""
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        yield launched
        launched.close()
