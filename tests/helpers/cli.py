"""The real ``threadline`` command, run as its own process, as the tests'
command lines run it (the ``cli`` fixture runs ``main()`` in process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: the installed ``threadline`` command's folder (this interpreter's bin/)
BIN = Path(sys.executable).parent

#: the purpose the tests' command lines state for reading entity data
TEST_PURPOSE = "automated tests"


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``threadline`` command as a real process, off a
    terminal (as in a pipe or a cron job: rich's default width, no
    ``$COLUMNS``). It costs seconds of imports; the ``cli`` fixture runs
    ``main()`` in process instead."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "THREADLINE_WORKSPACE")}
    env.setdefault("THREADLINE_PURPOSE", TEST_PURPOSE)
    return subprocess.run(
        [str(BIN / "threadline"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=env,
    )
