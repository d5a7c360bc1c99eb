"""Every command that needs the store, run twice on two copies of one
workspace: once with no server (it opens the store itself), once while a
server holds the other copy (the command is handed to the server through
the control channel, ``threadline.cli.control``). Output, exit code and
what ends up stored must be the same; the server must have run each one.

The server here runs in this process (its app state and control socket), so
that the test is quick; ``tests/e2e/test_cli_beside_server.py`` does it with
a real ``threadline serve`` process.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.api import api_settings, build_workspace
from threadline.api import create_app
from threadline.api.state import AppState
from threadline.cli import app as app_module
from threadline.cli.control import FORWARDED, ControlServer

Cli = Callable[..., tuple[int, str, str]]

CSV = "id,name,country\n1,Harbour Pilot Services,ua\n2,Odesa Tug Co,ua\n"
SCREEN = "name,birthDate\nIvan Petrov,1971-03-14\n"
JUDGEMENTS = '{"target": "c-alpha", "source": "c-gamma", "judgement": "negative"}\n'

#: (arguments, standard input): in order, since some change what later ones see
COMMANDS: list[tuple[list[str], str | None]] = [
    (["stats"], None),
    (["stats", "--json"], None),
    (["datasets"], None),
    (["datasets", "--json"], None),
    (["search", "Ivan Petrov", "--json"], None),
    (["search", "Alpha Holding"], None),
    (["show", "c-alpha", "--json"], None),
    (["show", "p-ivan"], None),
    (["export", "--csv"], None),
    (["export", "clusters"], None),
    (["export", "--resolved", "ftm"], None),
    (["ingest", "pilots.csv", "-d", "pilots", "--schema", "Company",
      "--map", "name=name", "--map", "country=country", "--key", "id"], None),
    (["ingest", "-", "-d", "piped", "--format", "csv", "--schema", "Company",
      "--map", "name=name", "--key", "id"], CSV),
    (["search", "Harbour Pilot", "--json"], None),
    (["review", "--json", "--limit", "3"], None),
    (["review"], None),  # asks questions: refused without a terminal, both ways
    (["judge", "c-alpha", "c-beta", "not-same"], None),
    (["judgements", "import", "judgements.jsonl"], None),
    (["judgements", "export"], None),
    (["match", "screen.csv", "--json"], None),
    (["graph", "stats"], None),
    (["graph", "neighbours", "c-beta"], None),
    (["graph", "path", "pb-ministry", "p-ivan"], None),
    (["graph", "owners", "c-gamma"], None),
    (["graph", "holdings", "p-ivan"], None),
    (["graph", "components"], None),
    (["graph", "centrality", "degree"], None),
    (["graph", "communities"], None),
    (["graph", "export", "mermaid"], None),
    (["retention", "set", "pilots", "30"], None),
    (["retention", "show"], None),
    (["retention", "sweep", "--dry-run"], None),
    (["retention", "clear", "pilots"], None),
    (["retention", "sweep"], None),
    (["datasets", "drop", "piped"], None),
    (["show", "no-such-entity"], None),  # an error: the same message and code
    (["reindex"], None),
    (["resolve", "--json"], None),
    (["stats", "--json"], None),
]  # fmt: skip

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?")
_RATE = re.compile(r"\([\d,.]+ rows/s\)")
_SECONDS = re.compile(r"\b\d+(\.\d+)?s\b|\"seconds\": [\d.]+|in [\d.]+ s\b")


def normal(text: str, workspace: Path) -> str:
    text = text.replace(str(workspace.resolve()), "WS").replace(str(workspace), "WS")
    text = _TIME.sub("TIME", text)
    text = _RATE.sub("(RATE)", text)
    return _SECONDS.sub("SECONDS", text)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("beside") / "ws"
    build_workspace(path)
    return path


@pytest.fixture
def server(template: Path, tmp_path: Path) -> Iterator[tuple[Path, ControlServer]]:
    held = tmp_path / "held"
    shutil.copytree(template, held)
    app = create_app(held, None, api_settings())
    state = app.state.threadline
    assert isinstance(state, AppState)
    control = ControlServer(state.workspace_path, state.data, app_module.app)
    assert control.start()
    yield held, control
    control.close()
    state.close()


def run_all(cli: Cli, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    results = []
    for args, stdin in COMMANDS:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((stdin or "").encode())))
        code, out, err = cli("-w", str(workspace), *args)
        results.append((code, normal(out + "\n--- stderr ---\n" + err, workspace)))
    return results


def test_every_store_command_gives_the_same_result_beside_a_server(
    cli: Cli,
    template: Path,
    tmp_path: Path,
    server: tuple[Path, ControlServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths are the caller's, not the server's
    (tmp_path / "pilots.csv").write_text(CSV, "utf-8")
    (tmp_path / "screen.csv").write_text(SCREEN, "utf-8")
    (tmp_path / "judgements.jsonl").write_text(JUDGEMENTS, "utf-8")
    alone = tmp_path / "alone"
    shutil.copytree(template, alone)
    held, control = server

    without = run_all(cli, alone, monkeypatch)
    beside = run_all(cli, held, monkeypatch)

    assert control.served == len(COMMANDS)  # each one ran in the server
    for (args, _stdin), (code_a, out_a), (code_b, out_b) in zip(
        COMMANDS, without, beside, strict=True
    ):
        if (code_b, out_b) != (code_a, out_a):
            import difflib

            diff = "\n".join(difflib.unified_diff(out_a.splitlines(), out_b.splitlines()))
            raise AssertionError(f"{args}: exit {code_a} alone, {code_b} beside\n{diff}")
    # every command that needs the store is in the list
    assert {args[0] for args, _ in COMMANDS} == FORWARDED
    # and what was stored is the same: the final stats, counted both ways
    assert json.loads(without[-1][1].split("\n--- stderr ---")[0]) == json.loads(
        beside[-1][1].split("\n--- stderr ---")[0]
    )
