"""Sessions over HTTP: the cookie and the bearer token, the CSRF guard on
cookie requests, and revocation, disabling, role changes, logout and
timeouts taking effect on the very next request."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers.api import API, OPERATOR, PASSWORD, PURPOSE, Api, make_api
from threadline.access import Role


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def api(workspace_copy: Path, clock: Clock) -> Iterator[Api]:
    made = make_api(workspace_copy, clock=clock)
    yield made
    made.state.close()


def someone(api: Api, role: Role = Role.ANALYST) -> tuple[str, dict[str, str]]:
    """A fresh user, logged in: their name and bearer headers."""
    name = f"s{uuid.uuid4().hex[:10]}"
    api.access.accounts.create(OPERATOR, name, PASSWORD, role)
    return name, {"Authorization": f"Bearer {api.login(name)}"}


def me(api: Api, headers: dict[str, str]) -> int:
    return int(api.client.get(f"{API}/auth/me", headers=headers).status_code)


def test_login_sets_a_strict_http_only_cookie(api: Api) -> None:
    response = api.client.post(f"{API}/auth/login", json={"username": "Mark", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"name": "mark", "role": "analyst"}
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"tl_session={body['token']};")
    for attribute in ("HttpOnly", "Path=/", "SameSite=strict"):
        assert attribute in cookie
    # the browser's way: the cookie alone authenticates a read
    assert api.client.get(f"{API}/auth/me").json() == {"name": "mark", "role": "analyst"}
    api.client.cookies.clear()


def test_wrong_password_is_401_without_saying_which_part(api: Api) -> None:
    for name in ("mark", "nobody"):
        response = api.client.post(f"{API}/auth/login", json={"username": name, "password": "x"})
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "wrong user name or password"


def test_repeated_failed_logins_are_throttled_with_retry_after(api: Api) -> None:
    body = {"username": "throttled-nobody", "password": "wrong"}
    statuses = [api.client.post(f"{API}/auth/login", json=body).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [401]  # the sixth failure starts the wait
    response = api.client.post(f"{API}/auth/login", json=body)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["error"]["code"] == "too_many_requests"


def test_cookie_writes_need_the_csrf_header(api: Api) -> None:
    api.client.post(f"{API}/auth/login", json={"username": "olga", "password": PASSWORD})
    refused = api.client.post(f"{API}/cases", json={"title": "Forged"})
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "permission_denied"
    assert "X-Threadline-Request: 1" in error["message"]
    accepted = api.client.post(
        f"{API}/cases", json={"title": "Real"}, headers={"X-Threadline-Request": "1"}
    )
    assert accepted.status_code == 201
    # bearer tokens are never sent by a browser on its own: no header needed
    api.client.cookies.clear()
    assert api.post("olga", "/cases", json={"title": "By token"}).status_code == 201


def test_a_malformed_authorization_header_is_401(api: Api) -> None:
    for value in ("Basic b2xnYTp4", "Bearer", "Bearer    ", "token"):
        response = api.client.get(f"{API}/auth/me", headers={"Authorization": value})
        assert response.status_code == 401, value
        assert "Bearer TOKEN" in response.json()["error"]["message"]
    unknown = api.client.get(f"{API}/auth/me", headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401
    assert unknown.headers["www-authenticate"] == "Bearer"


def test_revocation_ends_the_session_on_the_next_request(api: Api) -> None:
    name, headers = someone(api)
    assert me(api, headers) == 200
    api.access.accounts.revoke_sessions(OPERATOR, name)
    response = api.client.get(f"{API}/auth/me", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_revocation_through_the_api(api: Api) -> None:
    name, headers = someone(api)
    assert api.post("ada", f"/users/{name}/revoke").json() == {"ok": True, "sessions_ended": 1}
    assert me(api, headers) == 401


def test_disabling_ends_the_session_on_the_next_request(api: Api) -> None:
    name, headers = someone(api)
    assert me(api, headers) == 200
    response = api.client.patch(
        f"{API}/users/{name}", json={"disabled": True}, headers=api.headers("ada")
    )
    assert response.status_code == 200 and response.json()["disabled"] is True
    assert me(api, headers) == 401
    refused = api.client.post(f"{API}/auth/login", json={"username": name, "password": PASSWORD})
    assert refused.status_code == 401
    assert "disabled" in refused.json()["error"]["message"]


def test_a_role_change_applies_on_the_next_request(api: Api) -> None:
    name, headers = someone(api)
    params = {"format": "csv", "purpose": PURPOSE}
    assert api.client.get(f"{API}/export", params=params, headers=headers).status_code == 200
    api.access.accounts.set_role(OPERATOR, name, Role.VIEWER)
    refused = api.client.get(f"{API}/export", params=params, headers=headers)
    assert refused.status_code == 403
    assert "viewer" in refused.json()["error"]["message"]
    assert api.client.get(f"{API}/auth/me", headers=headers).json()["role"] == "viewer"


def test_logout_ends_only_that_session(api: Api) -> None:
    name, first = someone(api)
    second = {"Authorization": f"Bearer {api.login(name)}"}
    assert api.client.post(f"{API}/auth/logout", headers=first).json() == {"ok": True}
    assert me(api, first) == 401
    assert me(api, second) == 200


def test_idle_sessions_end(api: Api, clock: Clock) -> None:
    _, headers = someone(api)
    started = clock.now
    clock.now += api.state.settings.access.idle_timeout + timedelta(seconds=1)
    try:
        response = api.client.get(f"{API}/auth/me", headers=headers)
    finally:
        clock.now = started
    assert response.status_code == 401
    assert "idle" in response.json()["error"]["message"]
