"""Judgements kept in the app database, SQLite and PostgreSQL alike: a
judgement made over the API lands there with its user and case, and a fresh
workspace started against the same app database gets it back, clusters and
all. PostgreSQL tests are skipped where it is unreachable, except in CI.

A fresh workspace is a copy of the session's template, which
``build_workspace`` made from the source files and nobody has judged in: the
same as rebuilding it from those files, in a fraction of the time.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from api_helpers import PEOPLE, PURPOSE, Api, api_settings, make_api
from fastapi.testclient import TestClient

from pg_schema import app_db_url
from threadline.access.judgements import JudgementLog
from threadline.api import create_app
from threadline.errors import AppDatabaseError
from threadline.resolve.judgements import Judgement
from threadline.resolve.resolver import Resolution
from threadline.workspace import Workspace

# not merged by the resolver (they wait in the review queue)...
COBALT = ("leak-cobalt", "reg-cobalt")
# ...and merged by it
IVAN = ("leak-ivan", "p-ivan")


@pytest.fixture(params=["sqlite", "postgresql"])
def app_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty app database, outside any workspace so that it outlives one."""
    with app_db_url(request.param, tmp_path, "test_judgements") as url:
        yield url


@pytest.fixture
def fresh_workspace(template_workspace: Path, tmp_path: Path) -> Callable[[], Path]:
    made: list[Path] = []

    def make() -> Path:
        target = tmp_path / f"ws{len(made)}"
        shutil.copytree(template_workspace, target)
        made.append(target)
        return target

    return make


@pytest.fixture
def apps() -> Iterator[list[Api]]:
    """Apps a test started; closed after it (closing twice is harmless)."""
    started: list[Api] = []
    yield started
    for api in started:
        api.state.close()


def first_start(workspace: Path, db_url: str, apps: list[Api]) -> Api:
    """The app over an empty app database: people and a case are made."""
    api = make_api(workspace, db_url)
    apps.append(api)
    return api


def restart(workspace: Path, db_url: str, case_id: str, apps: list[Api]) -> Api:
    """The app over an app database that already has the people and the case."""
    app = create_app(workspace, db_url, api_settings())
    api = Api(app, TestClient(app), case_id)
    apps.append(api)
    api.tokens = {name: api.login(name) for name in PEOPLE}
    return api


def judge(api: Api, pair: tuple[str, str], judgement: str, **scope: Any) -> Any:
    body = {"left_id": pair[0], "right_id": pair[1], "judgement": judgement, **scope}
    return api.post("olga", "/judgements", json=body)


def merged(ws: Workspace, pair: tuple[str, str]) -> bool:
    left, right = pair
    return ws.resolution.canonical_id(left) == ws.resolution.canonical_id(right)


def test_a_judgement_is_kept_with_its_user_and_case(
    app_db: str, fresh_workspace: Callable[[], Path], apps: list[Api]
) -> None:
    api = first_start(fresh_workspace(), app_db, apps)
    # the pair as the analyst gave it, not in order
    response = judge(api, (COBALT[1], COBALT[0]), "same", case=api.case_id)
    assert response.status_code == 200, response.text
    assert judge(api, IVAN, "not-same", purpose=PURPOSE).status_code == 200

    same, not_same = api.access.judgements.since()
    assert (same.case_id, same.purpose) == (api.case_id, None)
    assert (not_same.case_id, not_same.purpose) == (None, PURPOSE)
    record = same.record
    assert (record.left_id, record.right_id) == COBALT
    assert (record.judgement, record.user, record.origin) == (
        Judgement.POSITIVE,
        "olga",
        "threadline",
    )
    assert not_same.record.judgement is Judgement.NEGATIVE
    assert response.json()["judgement"] == record.to_dict()
    # the workspace holds the very same records, and its clusters follow them
    ws = api.state.workspace
    assert ws.resolution.judgements.history() == [same.record, not_same.record]
    assert merged(ws, COBALT) and not merged(ws, IVAN)


def test_a_refused_judgement_is_kept_nowhere(
    app_db: str, fresh_workspace: Callable[[], Path], apps: list[Api]
) -> None:
    api = first_start(fresh_workspace(), app_db, apps)
    assert judge(api, ("leak-cobalt", "no-such-id"), "same", purpose=PURPOSE).status_code == 400
    assert judge(api, COBALT, "same").status_code == 400  # no case, no purpose
    body = {"left_id": COBALT[0], "right_id": COBALT[1], "judgement": "same", "case": api.case_id}
    assert api.post("nina", "/judgements", json=body).status_code == 403  # not a member
    assert api.access.judgements.count() == 0
    assert api.state.workspace.resolution.judgements.count() == 0


def test_a_fresh_workspace_gets_the_judgements_back(
    app_db: str, fresh_workspace: Callable[[], Path], apps: list[Api]
) -> None:
    first = first_start(fresh_workspace(), app_db, apps)
    assert first.state.judgements_replayed == 0
    assert judge(first, COBALT, "same", case=first.case_id).status_code == 200
    assert judge(first, IVAN, "not-same", case=first.case_id).status_code == 200
    kept = first.access.judgements.all()
    first.state.close()

    rebuilt = fresh_workspace()
    with Workspace.open(rebuilt) as ws:
        assert ws.resolution.judgements.count() == 0
        assert not merged(ws, COBALT) and merged(ws, IVAN)

    second = restart(rebuilt, app_db, first.case_id, apps)
    assert second.state.judgements_replayed == 2
    ws = second.state.workspace
    assert ws.resolution.judgements.history() == kept
    assert merged(ws, COBALT) and not merged(ws, IVAN)
    # the API sees it too: one entity for the cobalt pair, none waiting for review
    scope = {"case": second.case_id}
    entity = second.get("mark", f"/entities/{COBALT[0]}", params=scope).json()
    assert set(COBALT) <= set(entity["members"])
    queue = second.get("mark", "/review", params={"limit": 50}).json()["pairs"]
    assert COBALT not in {(p["left"]["id"], p["right"]["id"]) for p in queue}
    # and it goes on from there
    assert judge(second, COBALT, "unsure", case=second.case_id).status_code == 200
    assert second.access.judgements.count() == 3


def test_nothing_is_replayed_or_reclustered_when_nothing_is_missing(
    app_db: str,
    fresh_workspace: Callable[[], Path],
    apps: list[Api],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workspace = fresh_workspace()
    first = first_start(workspace, app_db, apps)
    assert judge(first, COBALT, "same", case=first.case_id).status_code == 200
    first.state.close()

    def refuse(*_args: object) -> None:
        raise AssertionError("re-clustered on a start with nothing to replay")

    monkeypatch.setattr(Resolution, "recluster", refuse)
    monkeypatch.setattr(Resolution, "import_judgements", refuse)
    again = restart(workspace, app_db, first.case_id, apps)
    assert again.state.judgements_replayed == 0
    assert again.state.workspace.resolution.judgements.count() == 1
    assert merged(again.state.workspace, COBALT)


def test_a_workspace_that_failed_to_apply_catches_up_at_the_next_start(
    app_db: str,
    fresh_workspace: Callable[[], Path],
    apps: list[Api],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workspace = fresh_workspace()
    first = first_start(workspace, app_db, apps)

    def disk_full(*_args: object) -> int:
        raise OSError("No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(Resolution, "import_judgements", disk_full)
        with pytest.raises(OSError, match="No space left"):
            judge(first, COBALT, "same", case=first.case_id)
    # kept by the app database, which committed first; the workspace lacks it
    assert first.access.judgements.count() == 1
    assert first.state.workspace.resolution.judgements.count() == 0
    assert not merged(first.state.workspace, COBALT)
    first.state.close()

    again = restart(workspace, app_db, first.case_id, apps)
    assert again.state.judgements_replayed == 1
    assert merged(again.state.workspace, COBALT)


def test_an_app_database_failure_leaves_the_workspace_alone(
    app_db: str,
    fresh_workspace: Callable[[], Path],
    apps: list[Api],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = first_start(fresh_workspace(), app_db, apps)

    def unavailable(*_args: object, **_kwargs: object) -> None:
        raise AppDatabaseError("app database: server closed the connection")

    monkeypatch.setattr(JudgementLog, "record", unavailable)
    assert judge(api, COBALT, "same", case=api.case_id).status_code == 503
    assert api.state.workspace.resolution.judgements.count() == 0
    assert not merged(api.state.workspace, COBALT)
