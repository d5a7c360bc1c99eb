"""Every API error has one JSON shape and a clear message, and bad requests
are answered 4xx, never 5xx: unknown routes, broken JSON, missing fields,
wrong types, unknown ids and values, and a fuzz of odd inputs."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.api import API, PURPOSE, Api

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


def error_of(response: Any, status: int, code: str) -> str:
    """The error's message, after checking the shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"status", "code", "message", "fields"}
    for name in SECURITY_HEADERS:
        assert name in response.headers
    message = error["message"]
    assert isinstance(message, str)
    return message


def test_unknown_route(api: Api) -> None:
    message = error_of(api.get("mark", "/nothing/here"), 404, "not_found")
    assert message == "no such page or API route: GET /api/v1/nothing/here"
    error_of(api.client.get("/no-such-page"), 404, "not_found")


def test_wrong_method(api: Api) -> None:
    message = error_of(api.client.delete(f"{API}/search"), 405, "method_not_allowed")
    assert message == "DELETE is not allowed on /api/v1/search"


def test_broken_json(api: Api) -> None:
    response = api.client.post(
        f"{API}/auth/login", content=b'{"username": ', headers={"Content-Type": "application/json"}
    )
    message = error_of(response, 400, "bad_request")
    assert message.startswith("the request body is not valid JSON")


def test_missing_and_unknown_fields(api: Api) -> None:
    response = api.post("olga", "/cases", json={"description": "no title", "colour": "red"})
    message = error_of(response, 422, "validation_error")
    fields = {f["field"]: f["message"] for f in response.json()["error"]["fields"]}
    assert fields == {
        "body.title": "Field required",
        "body.colour": "Extra inputs are not permitted",
    }
    assert "body.title: Field required" in message


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/search", {"q": "x", "purpose": PURPOSE, "limit": "many"}, "query.limit"),
        ("/search", {"q": "x", "purpose": PURPOSE, "limit": 0}, "query.limit"),
        ("/search", {"purpose": PURPOSE}, "query.q"),
        ("/graph/neighbours/c-beta", {"depth": 99}, "query.depth"),
        ("/graph/owners/c-gamma", {"threshold": "half"}, "query.threshold"),
        ("/graph/path", {"source": "c-alpha"}, "query.target"),
        ("/export", {"format": "xlsx", "purpose": PURPOSE}, "query.format"),
    ],
)
def test_bad_parameters(api: Api, path: str, params: dict[str, Any], field: str) -> None:
    response = api.get("mark", path, params=params)
    error_of(response, 422, "validation_error")
    assert field in [f["field"] for f in response.json()["error"]["fields"]]


def test_unknown_ids(api: Api) -> None:
    message = error_of(
        api.get("mark", "/entities/no-such-id", params={"purpose": PURPOSE}), 404, "not_found"
    )
    assert message == "no entity with id 'no-such-id'"
    error_of(
        api.get("mark", "/graph/neighbours/no-such-id", params={"purpose": PURPOSE}),
        404,
        "not_found",
    )
    # a graph read names entities: without a case or purpose it is refused
    error_of(api.get("mark", "/graph/neighbours/c-beta"), 400, "purpose_required")
    error_of(api.get("mark", "/cases/no-such-case"), 404, "not_found")
    message = error_of(
        api.client.patch(
            f"{API}/users/nobody", json={"role": "viewer"}, headers=api.headers("ada")
        ),
        404,
        "not_found",
    )
    assert "no user named 'nobody'" in message
    message = error_of(
        api.get("mark", "/search", params={"q": "x", "case": "no-such-case"}), 404, "not_found"
    )
    assert message == "no case with id 'no-such-case'"


def test_bad_values(api: Api) -> None:
    body = {"left_id": "c-alpha", "right_id": "c-beta", "judgement": "maybe", "purpose": PURPOSE}
    response = api.post("mark", "/judgements", json=body)
    error_of(response, 422, "validation_error")
    assert response.json()["error"]["fields"][0]["field"] == "body.judgement"
    body |= {"judgement": "same", "right_id": "c-alpha"}
    message = error_of(api.post("mark", "/judgements", json=body), 400, "bad_request")
    assert "same entity" in message
    body |= {"right_id": "nowhere"}
    message = error_of(api.post("mark", "/judgements", json=body), 400, "bad_request")
    assert "Unknown entity id 'nowhere'" in message
    message = error_of(
        api.get("mark", "/search", params={"q": "x", "schema": "Persn", "purpose": PURPOSE}),
        400,
        "bad_request",
    )
    assert message == "unknown schema 'Persn' (use an FtM schema name such as Person or Company)"
    message = error_of(
        api.get("mark", "/graph/neighbours/c-beta", params={"as_of": "soon", "purpose": PURPOSE}),
        400,
        "bad_request",
    )
    assert "bad date 'soon'" in message
    message = error_of(
        api.post("ada", "/users", json={"username": "x y", "password": "p" * 12, "role": "viewer"}),
        400,
        "bad_request",
    )
    assert "invalid user name 'x y'" in message
    short = {"username": "newbie", "password": "short", "role": "viewer"}
    error_of(api.post("ada", "/users", json=short), 400, "bad_request")
    error_of(api.post("olga", "/cases", json={"title": "   "}), 400, "bad_request")


def test_a_json_body_over_the_limit_is_413(api: Api) -> None:
    response = api.post("olga", "/cases", json={"title": "x", "description": "y" * 2_000_000})
    message = error_of(response, 413, "payload_too_large")
    assert "larger than this server accepts" in message


def test_an_unexpected_error_is_500_in_the_same_shape(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.state.workspace, "search", broken)
    client = TestClient(api.app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="threadline.api"):
        response = client.get(
            f"{API}/search", params={"q": "x", "purpose": PURPOSE}, headers=api.headers("mark")
        )
    message = error_of(response, 500, "internal_error")
    assert "secret" not in message
    assert "RuntimeError: secret internals" in caplog.text


# -- fuzz: odd inputs never make a 5xx --------------------------------------

ODD_TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "*",
            '"',
            "\\",
            "AND OR NOT",
            "name:x",
            "((",
            "~~~",
            "\x00",
            "💥" * 50,
            "a" * 5000,
        ]
    ),
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def never_5xx(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"status", "code", "message"}


@FUZZ
@given(q=ODD_TEXT, limit=st.one_of(st.integers(-5, 2000), st.text(max_size=5)), case=ODD_TEXT)
def test_fuzz_search(api: Api, q: str, limit: object, case: str) -> None:
    params = {"q": q, "limit": limit, "case": case, "schema": q[:20] or None, "purpose": PURPOSE}
    never_5xx(api.get("mark", "/search", params=params))


@FUZZ
@given(entity_id=ODD_TEXT, depth=st.integers(-2, 9), as_of=ODD_TEXT)
def test_fuzz_entity_and_graph(api: Api, entity_id: str, depth: int, as_of: str) -> None:
    segment = quote(entity_id, safe="")
    never_5xx(api.get("mark", f"/entities/{segment}", params={"purpose": PURPOSE}))
    params = {"depth": depth, "as_of": as_of[:10], "type": entity_id[:20]}
    never_5xx(api.get("mark", f"/graph/neighbours/{segment}", params=params))
    never_5xx(api.get("mark", "/graph/path", params={"source": entity_id, "target": "c-beta"}))


@FUZZ
@given(body=JSON_VALUES)
def test_fuzz_json_bodies(api: Api, body: object) -> None:
    for path in ("/judgements", "/cases", f"/cases/{api.case_id}/notes", "/auth/login"):
        never_5xx(api.post("olga", path, json=body))
