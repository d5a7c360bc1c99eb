"""Server mode: users, sessions, cases and the audit log in PostgreSQL
(``create_app(..., db_url="postgresql://...")``), the same API on top. A
subset of the embedded tests: login, an audited search, case notes and
revocation. Skipped where PostgreSQL is unreachable, except in CI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.api import OPERATOR, PASSWORD, PURPOSE, Api, make_api


@pytest.fixture(scope="module")
def api(workspace_copy: Path, pg_url: str) -> Iterator[Api]:
    made = make_api(workspace_copy, pg_url)
    yield made
    made.state.close()


class TestServerMode:
    def test_the_app_database_is_postgresql(self, api: Api) -> None:
        assert not api.access.db.is_sqlite
        # nothing of the access layer went into the workspace
        assert not (api.state.workspace.path / "app.sqlite").exists()

    def test_login(self, api: Api) -> None:
        response = api.client.post(
            "/api/v1/auth/login", json={"username": "vera", "password": PASSWORD}
        )
        api.client.cookies.clear()
        assert response.status_code == 200
        assert response.json()["user"] == {"name": "vera", "role": "viewer"}

    def test_search_is_audited(self, api: Api) -> None:
        response = api.get("mark", "/search", params={"q": "Ivan Petrov", "purpose": PURPOSE})
        assert response.status_code == 200 and response.json()["total"] >= 1
        (entry,) = api.access.audit.log.entries(1, action="search")
        assert (entry.actor, entry.purpose, entry.target) == ("mark", PURPOSE, "Ivan Petrov")
        assert api.get("ada", "/audit/verify").json()["ok"] is True

    def test_case_notes_are_for_members(self, api: Api) -> None:
        base = f"/cases/{api.case_id}"
        assert api.post("olga", f"{base}/notes", json={"text": "in postgres"}).status_code == 201
        notes = [n["text"] for n in api.get("vera", base).json()["notes"]]
        assert notes == ["in postgres"]
        assert api.get("nina", base).status_code == 403
        assert api.get("ada", base).status_code == 403

    def test_revocation_applies_on_the_next_request(self, api: Api) -> None:
        headers = {"Authorization": f"Bearer {api.login('sam')}"}
        assert api.client.get("/api/v1/auth/me", headers=headers).status_code == 200
        api.access.accounts.revoke_sessions(OPERATOR, "sam")
        assert api.client.get("/api/v1/auth/me", headers=headers).status_code == 401
