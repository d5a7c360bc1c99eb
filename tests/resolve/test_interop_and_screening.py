"""Judgements in nomenklatura's resolver format, screening a list, and the
resolution commands end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from nomenklatura.resolver.edge import Edge

from tests.helpers.resolve import COBALT, PETROV, crowd, write_ftm
from threadline.errors import InputError, JudgementError
from threadline.workspace import Workspace


def test_judgements_round_trip_through_nomenklatura_format(
    tmp_path: Path, resolved: Workspace
) -> None:
    resolved.judge("reg-namesake", "reg-petrov", "not-same", user="ana")
    resolved.judge("leak-cobalt", "reg-cobalt", "same", user="ana")
    path = tmp_path / "resolver.ijson"
    with path.open("wb") as fh:
        assert resolved.export_judgements(fh) == 2
    # nomenklatura itself reads every line
    edges = [Edge.from_line(line) for line in path.read_text().splitlines()]
    assert {(e.target.id, e.source.id, e.judgement.value) for e in edges} == {
        ("reg-petrov", "reg-namesake", "negative"),
        ("reg-cobalt", "leak-cobalt", "positive"),
    }
    other = Workspace.init(tmp_path / "other")
    other.ingest(write_ftm(tmp_path / "crowd.ftm.json", crowd()), dataset="crowd")
    other.ingest(write_ftm(tmp_path / "cases.ftm.json", PETROV + COBALT), dataset="cases")
    other.resolve()
    assert other.import_judgements(path) == 2
    current = {
        (r.left_id, r.right_id, r.judgement.value, r.user)
        for r in other.resolution.judgements.current()
    }
    assert ("reg-namesake", "reg-petrov", "negative", "ana") in current
    other.close()


def test_nomenklatura_canonical_ids_join_clusters(tmp_path: Path, resolved: Workspace) -> None:
    path = tmp_path / "nk.ijson"
    lines = [
        ["NK-abc", "reg-namesake", "positive", None, "opensanctions", "2024-01-02T03:04:05"],
        ["NK-abc", "crowd-0", "positive", None, "opensanctions", "2024-01-02T03:04:05"],
        ["NK-abc", "crowd-1", "no_judgement", 0.4, None, "2024-01-02T03:04:05"],
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert resolved.import_judgements(path) == 2
    assert resolved.resolution.canonical_id("reg-namesake") == "NK-abc"
    assert resolved.resolution.canonical_id("crowd-0") == "NK-abc"


def test_bad_resolver_file_names_the_line(tmp_path: Path, resolved: Workspace) -> None:
    path = tmp_path / "bad.ijson"
    path.write_text('["a", "b", "positive", null, null, null]\n{"oops": 1}\n')
    with pytest.raises(JudgementError) as info:
        resolved.import_judgements(path)
    assert str(info.value).startswith(f"{path}, line 2: expected a JSON list")
    assert resolved.resolution.judgements.count() == 0  # nothing half-imported


def test_screening_ranks_the_right_cluster_first(tmp_path: Path, resolved: Workspace) -> None:
    listing = tmp_path / "watchlist.csv"
    listing.write_text(
        "name,birthDate,nationality\nPetrov Ivan,1971-03-14,ru\nNobody Whatsoever,1999-01-01,br\n",
        encoding="utf-8",
    )
    results = resolved.match(listing, schema="Person")
    assert [r.line for r in results] == [2, 3]
    best = results[0].candidates[0]
    assert best.canonical_id == resolved.resolution.canonical_id("reg-petrov")
    assert best.explanation.probability > 0.9
    levels = {e.comparison: e.level for e in best.explanation.evidence}
    assert levels["date"] == "same date"
    assert results[1].candidates == []
    # one candidate per merged cluster
    ids = [c.canonical_id for c in results[0].candidates]
    assert len(ids) == len(set(ids))


def test_screening_rejects_unknown_columns(tmp_path: Path, resolved: Workspace) -> None:
    listing = tmp_path / "watchlist.csv"
    listing.write_text("full_name\nIvan Petrov\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        resolved.match(listing, schema="Person")
    assert str(info.value).startswith(
        f"{listing}, line 1, column 'full_name': column 'full_name' is not a property of Person"
    )


def test_cli_resolve_review_judge_export(
    tmp_path: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    ws_dir = tmp_path / "ws"
    Workspace.init(ws_dir).close()
    write_ftm(tmp_path / "crowd.ftm.json", crowd())
    write_ftm(tmp_path / "cases.ftm.json", PETROV + COBALT)
    assert (
        cli("-w", str(ws_dir), "ingest", str(tmp_path / "crowd.ftm.json"), "--dataset", "crowd")[0]
        == 0
    )
    assert (
        cli("-w", str(ws_dir), "ingest", str(tmp_path / "cases.ftm.json"), "--dataset", "cases")[0]
        == 0
    )
    code, stdout, stderr = cli("-w", str(ws_dir), "resolve", "--json")
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["trained"] and report["clusters"] >= 2
    code, stdout, _ = cli("-w", str(ws_dir), "review", "--json", "--limit", "3")
    assert code == 0
    for case in json.loads(stdout):
        assert {"candidate_entity", "cluster_entity", "evidence", "probability"} <= set(case)
    code, stdout, stderr = cli(
        "-w", str(ws_dir), "judge", "reg-petrov", "reg-namesake", "same", "--user", "ana"
    )
    assert code == 0, stderr
    code, stdout, _ = cli("-w", str(ws_dir), "show", "reg-namesake", "--json")
    shown = json.loads(stdout)
    assert "reg-petrov" in shown["members"]
    assert shown["judgements"][0]["user"] == "ana"
    assert shown["merge_evidence"]
    code, stdout, _ = cli("-w", str(ws_dir), "export", "clusters", "--csv")
    assert code == 0
    assert stdout.splitlines()[0] == "entity_id,canonical_id"
    code, _, stderr = cli("-w", str(ws_dir), "judge", "reg-petrov", "ghost", "same")
    assert code == 6
    assert "Unknown entity id 'ghost'" in stderr


def test_cli_review_needs_a_terminal_and_match_prints_candidates(
    tmp_path: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    ws_dir = tmp_path / "ws"
    Workspace.init(ws_dir).close()
    write_ftm(tmp_path / "all.ftm.json", crowd() + PETROV + COBALT)
    assert (
        cli("-w", str(ws_dir), "ingest", str(tmp_path / "all.ftm.json"), "--dataset", "all")[0] == 0
    )
    code, _, stderr = cli("-w", str(ws_dir), "match", str(tmp_path / "all.ftm.json"))
    assert code == 6
    assert "run `threadline resolve` first" in stderr
    # the pre-calibration thresholds, so that some pairs wait for review
    thresholds = ("--merge-threshold", "0.95", "--review-threshold", "0.5")
    assert cli("-w", str(ws_dir), "resolve", *thresholds)[0] == 0
    code, _, stderr = cli("-w", str(ws_dir), "review", "--limit", "500")
    # stdin is not a terminal here: a clear pointer to the non-interactive way
    assert code == 6
    assert "use --json" in stderr
    listing = tmp_path / "list.csv"
    listing.write_text("id,name,birthDate\nq1,Petrov Ivan,1971-03-14\n", encoding="utf-8")
    code, stdout, stderr = cli("-w", str(ws_dir), "match", str(listing), "--json")
    assert code == 0, stderr
    result = json.loads(stdout)[0]
    assert result["query_id"] == "q1"
    assert result["candidates"][0]["evidence"]
