"""``export --resolved``: one FtM entity per resolved entity, with its
members as referents and links pointed at canonical ids; the same as FtM
statements with their sources. Checked with FollowTheMoney's own readers."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from followthemoney.statement.serialize import read_csv_statements

from threadline.errors import InputError
from threadline.workspace import Workspace


def ftm_line(entity_id: str, schema: str, **props: list[str]) -> str:
    return json.dumps({"id": entity_id, "schema": schema, "properties": props})


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    registry = tmp_path / "registry.ftm.json"
    registry.write_text(
        "\n".join(
            [
                ftm_line("reg-ivan", "Person", name=["Ivan Petrov"], birthDate=["1971-03-02"]),
                ftm_line("reg-acme", "Company", name=["Acme Ltd"]),
                ftm_line("reg-own", "Ownership", owner=["reg-ivan"], asset=["reg-acme"]),
            ]
        )
        + "\n",
        "utf-8",
    )
    leak = tmp_path / "leak.ftm.json"
    leak.write_text(ftm_line("leak-ivan", "Person", name=["Иван Петров"]) + "\n", "utf-8")
    workspace = Workspace.init(tmp_path / "ws")
    workspace.ingest(registry, "registry")
    workspace.ingest(leak, "leak")
    workspace.judge("reg-ivan", "leak-ivan", "same", user="test")
    yield workspace  # type: ignore[misc]
    workspace.close()


def test_one_entity_per_resolved_entity(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "resolved.ftm.json"
    assert ws.export_resolved("ftm", out) == 3
    entities = {e["schema"]: e for e in map(json.loads, out.read_text().splitlines())}
    person = entities["Person"]
    canonical = ws.resolution.canonical_id("reg-ivan")
    assert person["id"] == canonical != "reg-ivan"
    assert person["referents"] == ["leak-ivan", "reg-ivan"]
    assert sorted(person["properties"]["name"]) == ["Ivan Petrov", "Иван Петров"]
    assert person["datasets"] == ["leak", "registry"]
    # the link follows the merge
    assert entities["Ownership"]["properties"]["owner"] == [canonical]
    assert entities["Company"].get("referents", []) == []
    # and FollowTheMoney reads it back as valid entities
    done = subprocess.run(
        [Path(sys.executable).parent / "ftm", "validate", "-i", str(out)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert len(done.stdout.splitlines()) == 3


def test_statements_carry_canonical_ids_and_sources(ws: Workspace) -> None:
    buffer = io.BytesIO()
    assert ws.export_resolved("statements", buffer) == 3
    assert not buffer.closed
    statements = list(read_csv_statements(io.BytesIO(buffer.getvalue())))
    canonical = ws.resolution.canonical_id("reg-ivan")
    names = {s.value: s for s in statements if s.prop == "name" and s.schema == "Person"}
    assert {s.canonical_id for s in names.values()} == {canonical}
    assert names["Иван Петров"].entity_id == "leak-ivan"
    assert names["Иван Петров"].dataset == "leak"
    assert names["Иван Петров"].origin == "leak.ftm.json:1"
    assert names["Ivan Petrov"].origin == "registry.ftm.json:1"
    owner = next(s for s in statements if s.prop == "owner")
    assert owner.value == canonical


def test_a_workspace_never_resolved_exports_its_entities(tmp_path: Path) -> None:
    data = tmp_path / "one.ftm.json"
    data.write_text(ftm_line("p1", "Person", name=["Anna"]) + "\n", "utf-8")
    with Workspace.init(tmp_path / "ws") as ws:
        ws.ingest(data, "d")
        buffer = io.BytesIO()
        assert ws.export_resolved("ftm", buffer) == 1
        assert json.loads(buffer.getvalue())["id"] == "p1"
        with pytest.raises(InputError, match="no format 'xlsx'"):
            ws.export_resolved("xlsx", io.BytesIO())
