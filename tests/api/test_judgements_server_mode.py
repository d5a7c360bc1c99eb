"""Judgements have one home, the workspace store, whichever app database
(SQLite or PostgreSQL) the server runs on: a judgement made over the API
lands there with its user, the audit log records who judged for which case
or purpose, the command line and the web app read and write the same list,
and it all outlives a restart. PostgreSQL tests are skipped where it is
unreachable, except in CI.

A fresh workspace is a copy of the session's template, which
``build_workspace`` made from the source files and nobody has judged in.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers.api import PEOPLE, PURPOSE, Api, api_settings, make_api
from tests.helpers.pg_schema import app_db_url
from threadline.access.audit import Action
from threadline.access.trail import AuditTrail
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


def judged_in_the_log(api: Api) -> list[tuple[str | None, str | None, str | None, str]]:
    """(target, case, purpose, judgement) of each judgement the audit log records."""
    entries = api.access.audit.log.entries(100, action=Action.JUDGEMENT)
    return [(e.target, e.case_id, e.purpose, e.details["judgement"]) for e in entries]


def test_a_judgement_is_kept_with_its_user_and_audited_with_its_case(
    app_db: str, fresh_workspace: Callable[[], Path], apps: list[Api]
) -> None:
    api = first_start(fresh_workspace(), app_db, apps)
    # the pair as the analyst gave it, not in order
    response = judge(api, (COBALT[1], COBALT[0]), "same", case=api.case_id)
    assert response.status_code == 200, response.text
    assert judge(api, IVAN, "not-same", purpose=PURPOSE).status_code == 200

    ws = api.state.workspace
    same, not_same = ws.resolution.judgements.history()
    assert (same.left_id, same.right_id) == COBALT
    assert (same.judgement, same.user, same.origin) == (Judgement.POSITIVE, "olga", "threadline")
    assert (not_same.judgement, not_same.user) == (Judgement.NEGATIVE, "olga")
    assert response.json()["judgement"] == same.to_dict()
    assert merged(ws, COBALT) and not merged(ws, IVAN)
    # who judged and why: the audit log, beside the one list of judgements
    assert judged_in_the_log(api) == [
        (f"{COBALT[1]},{COBALT[0]}", api.case_id, None, "same"),
        (f"{IVAN[0]},{IVAN[1]}", None, PURPOSE, "not-same"),
    ]


def test_a_refused_judgement_is_kept_nowhere(
    app_db: str, fresh_workspace: Callable[[], Path], apps: list[Api]
) -> None:
    api = first_start(fresh_workspace(), app_db, apps)
    assert judge(api, ("leak-cobalt", "no-such-id"), "same", purpose=PURPOSE).status_code == 400
    assert judge(api, COBALT, "same").status_code == 400  # no case, no purpose
    body = {"left_id": COBALT[0], "right_id": COBALT[1], "judgement": "same", "case": api.case_id}
    assert api.post("nina", "/judgements", json=body).status_code == 403  # not a member
    assert api.state.workspace.resolution.judgements.count() == 0
    # the one attempt that passed the checks is on record; the refused ones are not
    assert [entry[0] for entry in judged_in_the_log(api)] == ["leak-cobalt,no-such-id"]


def test_judgements_outlive_a_restart_without_a_replay(
    app_db: str,
    fresh_workspace: Callable[[], Path],
    apps: list[Api],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workspace = fresh_workspace()
    first = first_start(workspace, app_db, apps)
    assert judge(first, COBALT, "same", case=first.case_id).status_code == 200
    assert judge(first, IVAN, "not-same", case=first.case_id).status_code == 200
    kept = first.state.workspace.resolution.judgements.history()
    first.state.close()

    def refuse(*_args: object) -> None:
        raise AssertionError("re-clustered at start: there is nothing to reconcile")

    monkeypatch.setattr(Resolution, "recluster", refuse)
    again = restart(workspace, app_db, first.case_id, apps)
    ws = again.state.workspace
    assert ws.resolution.judgements.history() == kept
    assert merged(ws, COBALT) and not merged(ws, IVAN)
    scope = {"case": again.case_id}
    entity = again.get("mark", f"/entities/{COBALT[0]}", params=scope).json()
    assert set(COBALT) <= set(entity["members"])
    queue = again.get("mark", "/review", params={"limit": 50}).json()["cases"]
    # the judged pair is one entity now: never on two sides of a case
    for case in queue:
        sides = set(case["candidate_members"]), set(case["cluster_members"])
        assert not any(COBALT[0] in a and COBALT[1] in b for a, b in (sides, sides[::-1]))


def test_the_command_line_and_the_web_app_share_one_list(
    app_db: str, fresh_workspace: Callable[[], Path], apps: list[Api]
) -> None:
    workspace = fresh_workspace()
    first = first_start(workspace, app_db, apps)
    first.state.close()
    with Workspace.open(workspace) as ws:  # `threadline judge`, between two server runs
        ws.judge(COBALT[0], COBALT[1], "same", user="desk")

    again = restart(workspace, app_db, first.case_id, apps)
    ws = again.state.workspace
    assert merged(ws, COBALT)
    # the web app overrules it; the newest judgement of a pair wins
    assert judge(again, COBALT, "not-same", case=again.case_id).status_code == 200
    assert [(r.user, r.judgement) for r in ws.resolution.judgements.history()] == [
        ("desk", Judgement.POSITIVE),
        ("olga", Judgement.NEGATIVE),
    ]
    assert not merged(ws, COBALT)


def test_an_app_database_failure_leaves_the_workspace_alone(
    app_db: str,
    fresh_workspace: Callable[[], Path],
    apps: list[Api],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = first_start(fresh_workspace(), app_db, apps)

    def unavailable(*_args: object, **_kwargs: object) -> None:
        raise AppDatabaseError("app database: server closed the connection")

    # no audit entry, no judgement: a look or change that is not on record is not made
    monkeypatch.setattr(AuditTrail, "judgement", unavailable)
    assert judge(api, COBALT, "same", case=api.case_id).status_code == 503
    assert api.state.workspace.resolution.judgements.count() == 0
    assert not merged(api.state.workspace, COBALT)
