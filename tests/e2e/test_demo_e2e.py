"""End to end: the demo workspace, built and queried through the real CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest

from tests.helpers.cli import run_cli


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # the real command, stating the tests' purpose for its reads as a user must
    return run_cli(*args)


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("demo") / "ws"
    result = run("demo", str(ws))
    assert result.returncode == 0, result.stderr
    assert "Demo workspace ready" in result.stderr
    return ws


def test_demo_loads_every_source(demo_ws: Path) -> None:
    stats = orjson.loads(run("-w", str(demo_ws), "stats", "--json").stdout)
    assert stats["datasets"] == 5  # four of tables, and the documents
    from followthemoney import model

    # Everything but links (Ownership, Directorship, ...) and mentions is searchable.
    things = sum(
        n for name, n in stats["schemata"].items() if not model.get(name).edge and name != "Mention"
    )
    assert stats["entities"] > 1000
    assert stats["indexed"] == stats["searchable"] == things
    assert {"Person", "Company", "Ownership", "Directorship"} <= set(stats["schemata"])
    assert {"Pages", "Image", "Email", "Mention"} <= set(stats["schemata"])


def test_cyrillic_search_finds_latin_records(demo_ws: Path) -> None:
    hits = orjson.loads(
        run("-w", str(demo_ws), "search", "Иван Петров", "--schema", "Person", "--json").stdout
    )
    captions = [h["caption"] for h in hits]
    assert any("Petrov" in c for c in captions), captions
    assert any("Петров" in c for c in captions), captions
    datasets = {d for h in hits for d in h["datasets"]}
    assert {"registry", "leak"} <= datasets


def test_show_names_dataset_and_row(demo_ws: Path) -> None:
    hits = orjson.loads(
        run("-w", str(demo_ws), "search", "Cobalt Marine", "--dataset", "registry", "--json").stdout
    )
    assert hits
    top = hits[0]["entity_id"]
    entity = orjson.loads(run("-w", str(demo_ws), "show", top, "--json").stdout)
    assert entity["id"] == top
    sources = entity["sources"]
    assert sources and all(s["dataset"] == "registry" for s in sources)
    assert all(s["source"].endswith(".csv") and s["line"] >= 2 for s in sources)
    text = run("-w", str(demo_ws), "show", top).stdout
    assert "registry" in text and ".csv:" in text


def test_exit_codes_for_missing_entity_and_workspace(demo_ws: Path, tmp_path: Path) -> None:
    missing = run("-w", str(demo_ws), "show", "no-such-id")
    assert missing.returncode == 4
    assert "no entity with id 'no-such-id'" in missing.stderr
    nowhere = run("-w", str(tmp_path), "stats")
    assert nowhere.returncode == 3
    assert "is not a Threadline workspace" in nowhere.stderr
