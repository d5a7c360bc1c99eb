"""The CLI starts at once: building the app and rendering every command's
help import none of the heavy engines, and the cheap commands import only
what they use. Each check runs in a fresh interpreter, since this test
process has long imported everything.

When one fails, ``python -X importtime -c "import threadline.cli.app"``
shows who imported the module; import it inside the command that needs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from threadline.workspace import Workspace

#: Never needed to build the app or show help.
HEAVY = (
    "followthemoney",
    "splink",
    "duckdb",
    "pandas",
    "pyarrow",
    "fastapi",
    "uvicorn",
    "tantivy",
    "numpy",
    "igraph",
    "sqlalchemy",
)

_PROBE = """
import json, sys
HEAVY = {heavy!r}
{body}
print(json.dumps(sorted(m for m in HEAVY if m in sys.modules)))
"""


def _loaded(body: str, *args: str) -> list[str]:
    """The HEAVY modules a fresh interpreter has imported after ``body``."""
    code = _PROBE.format(heavy=HEAVY, body=body)
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


_RUN_MAIN = """
from threadline.cli.app import main
sys.argv = ["threadline", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
"""


def test_importing_the_package_is_cheap() -> None:
    loaded = _loaded("import threadline, threadline.errors, threadline.workspace")
    assert not loaded, f"importing threadline imported {loaded}"


def test_building_the_app_and_every_help_imports_no_engine() -> None:
    body = """
import threadline.cli.app
from threadline.cli.docs import render
render()  # the help of every command and group
"""
    loaded = _loaded(body)
    assert not loaded, f"building the app and its help imported {loaded}"


@pytest.mark.parametrize(
    "args", [["--help"], ["graph", "export", "--help"], ["users", "add", "--help"]]
)
def test_help_through_main_imports_no_engine(args: list[str]) -> None:
    loaded = _loaded(_RUN_MAIN, *args)
    assert not loaded, f"threadline {' '.join(args)} imported {loaded}"


@pytest.fixture(scope="module")
def workspace_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("startup") / "ws"
    Workspace.init(path).close()
    return path


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        # the store is DuckDB, whose parameter binding imports pandas (and pyarrow)
        (["datasets"], {"duckdb", "pandas", "pyarrow", "numpy"}),
        # the app database only
        (["audit", "verify"], {"sqlalchemy"}),
    ],
)
def test_cheap_commands_import_only_what_they_use(
    workspace_dir: Path, args: list[str], allowed: set[str]
) -> None:
    loaded = _loaded(_RUN_MAIN, "-q", "-w", str(workspace_dir), *args)
    assert set(loaded) <= allowed, f"threadline {' '.join(args)} imported {loaded}"


def test_graph_export_help_lists_every_format() -> None:
    from threadline.graph import EXPORT_FORMAT_NAMES
    from threadline.graph.export import FORMATS

    assert tuple(FORMATS) == EXPORT_FORMAT_NAMES
