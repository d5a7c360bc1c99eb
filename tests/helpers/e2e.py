"""What the browser tests share: the server and account settings, and the
helpers that start ``threadline serve`` (see tests/e2e/conftest.py for the fixtures)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

CHROMIUM = Path("/usr/bin/chromium")
#: The console script of this environment, as an analyst runs it.
THREADLINE = Path(sys.executable).parent / "threadline"
#: Screenshots stay after the run (CI keeps them as evidence); gitignored.
SCREENSHOTS = Path(
    os.environ.get("THREADLINE_SCREENSHOTS", Path(__file__).resolve().parents[2] / "test-output")
)
PASSWORD = "a long enough passphrase"
#: name -> role
ACCOUNTS = {"olga": "analyst", "ada": "admin"}


@dataclass(frozen=True)
class Server:
    url: str
    workspace: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"threadline serve exited ({proc.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(url + "/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"threadline serve did not answer in 120 s:\n{log.read_text()}")
