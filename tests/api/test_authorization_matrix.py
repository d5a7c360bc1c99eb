"""The authorization matrix: every API route, called by every role in every
relation to a case, answers what the table below says.

Roles: anonymous (no session), viewer, analyst, admin. Relations to the
module's case, where a route involves a case: ``owner`` (olga), ``member``
(mark, an analyst; vera, a viewer), ``non_member`` (nina, an analyst; val, a
viewer; ada, the admin), and ``none`` (no case: a stated purpose instead,
or nothing where the route needs neither). Three cells cannot happen and
are left out: a viewer or an admin owning a case, an admin in one (see
``test_impossible_cells_cannot_happen``).

Every call is made for real, with valid parameters, so a cell fails if the
route answers anything else. ``test_every_route_is_in_the_table`` fails when
a route is added to the API without a row here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from tests.helpers.api import API, OPERATOR, PASSWORD, PURPOSE, Api
from threadline.errors import InputError
from threadline.ingest.documents.worker import document_id

ANON, VIEWER, ANALYST, ADMIN = "anonymous", "viewer", "analyst", "admin"
ROLES = (ANON, VIEWER, ANALYST, ADMIN)
CASE_RELATIONS = ("owner", "member", "non_member")
ALL_RELATIONS = (*CASE_RELATIONS, "none")

#: who plays each (role, relation)
PLAYERS: dict[tuple[str, str], str | None] = {
    (VIEWER, "member"): "vera",
    (VIEWER, "non_member"): "val",
    (VIEWER, "none"): "vera",
    (ANALYST, "owner"): "olga",
    (ANALYST, "member"): "mark",
    (ANALYST, "non_member"): "nina",
    (ANALYST, "none"): "mark",
    (ADMIN, "non_member"): "ada",
    (ADMIN, "none"): "ada",
    **{(ANON, relation): None for relation in ALL_RELATIONS},
}

CSV = b"id,name,country\n1,Harbour Pilot Services,ua\n2,Odesa Tug Co,ua\n"
#: a document of this module's workspace (ids derive from dataset and source)
MEMO = document_id("matrixdocs", "memo.txt")


@pytest.fixture(scope="module", autouse=True)
def a_document(api: Api, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("matrixdoc") / "memo.txt"
    path.write_text("A harbour memo naming Ivan Petrov.\n", encoding="utf-8")
    with api.state.data() as ws:
        ws.ingest_documents(path, "matrixdocs", workers=1)


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    data: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    #: log in afresh for this call (logout ends the session it is made with)
    fresh_session: bool = False


Build = Callable[[Api, str], Call]


def scope(api: Api, relation: str) -> dict[str, str]:
    """The reason on record: the case, or (no case) a stated purpose."""
    return {"purpose": PURPOSE} if relation == "none" else {"case": api.case_id}


def fresh_user(api: Api) -> str:
    name = f"u{uuid.uuid4().hex[:10]}"
    api.access.accounts.create(OPERATOR, name, PASSWORD, "analyst")
    return name


def fresh_member(api: Api) -> str:
    name = fresh_user(api)
    api.access.cases.add_member(api.principal("olga"), api.case_id, name)
    return name


def quick_ingest_form() -> tuple[dict[str, Any], dict[str, Any]]:
    data = {"dataset": "matrix", "schema": "Company", "map": ["name=name", "country=country"]}
    return data, {"file": ("pilots.csv", CSV, "text/csv")}


def ingest_call(path: str) -> Build:
    def build(api: Api, relation: str) -> Call:
        data, files = quick_ingest_form()
        return Call("POST", path, data=data, files=files)

    return build


def matrix_job(api: Api) -> str:
    """A finished job of olga's."""
    job = api.access.jobs.create("olga", "reindex", {})
    api.access.jobs.request_cancel(job.id)
    return job.id


def queued_job(api: Api, relation: str) -> str:
    """A job that stays queued (never handed to the runner) to cancel: the
    caller's own (``owner``: olga's) or someone else's (``none``: nina's)."""
    owner = "olga" if relation == "owner" else "nina"
    return api.access.jobs.create(owner, "reindex", {}).id


def case_path(suffix: str = "") -> Callable[[Api], str]:
    return lambda api: f"/cases/{api.case_id}{suffix}"


@dataclass
class Row:
    relations: tuple[str, ...]
    build: Build
    #: role -> status, or role -> {relation: status}
    expect: dict[str, int | dict[str, int]]


def data_row(build: Build, viewer: int, analyst: int) -> Row:
    """A data action (needs a case or a purpose): members and purposes pass
    by role; a case the user is not in is refused whatever the role."""
    return Row(
        ALL_RELATIONS,
        build,
        {
            ANON: 401,
            VIEWER: {"member": viewer, "non_member": 403, "none": viewer},
            ANALYST: {"owner": analyst, "member": analyst, "non_member": 403, "none": analyst},
            ADMIN: 403,
        },
    )


def case_row(build: Build, viewer_member: int, owner: int, member: int) -> Row:
    """A case route: non-members and admins are refused."""
    return Row(
        CASE_RELATIONS,
        build,
        {
            ANON: 401,
            VIEWER: {"member": viewer_member, "non_member": 403},
            ANALYST: {"owner": owner, "member": member, "non_member": 403},
            ADMIN: 403,
        },
    )


def plain_row(build: Build, viewer: int, analyst: int, admin: int) -> Row:
    return Row(("none",), build, {ANON: 401, VIEWER: viewer, ANALYST: analyst, ADMIN: admin})


TABLE: dict[str, Row] = {
    # -- public: the API's own documentation --
    "GET /docs": Row(
        ("none",),
        lambda api, rel: Call("GET", "/docs"),
        {ANON: 200, VIEWER: 200, ANALYST: 200, ADMIN: 200},
    ),
    # -- sessions --
    "POST /auth/login": Row(
        ("none",),
        # anonymous: the wrong password; the others: their own
        lambda api, rel: Call("POST", "/auth/login"),
        {ANON: 401, VIEWER: 200, ANALYST: 200, ADMIN: 200},
    ),
    "POST /auth/logout": plain_row(
        lambda api, rel: Call("POST", "/auth/logout", fresh_session=True), 200, 200, 200
    ),
    "GET /auth/me": plain_row(lambda api, rel: Call("GET", "/auth/me"), 200, 200, 200),
    # -- data actions: a case or a purpose --
    "GET /search": data_row(
        lambda api, rel: Call("GET", "/search", {"q": "Ivan Petrov", **scope(api, rel)}),
        viewer=200,
        analyst=200,
    ),
    "GET /entities/{entity_id}": data_row(
        lambda api, rel: Call("GET", "/entities/c-alpha", scope(api, rel)), viewer=200, analyst=200
    ),
    "GET /documents/{document_id}": data_row(
        lambda api, rel: Call("GET", f"/documents/{MEMO}", scope(api, rel)),
        viewer=200,
        analyst=200,
    ),
    # viewers read documents masked, so the original (which would show all) is not theirs
    "GET /documents/{document_id}/download": data_row(
        lambda api, rel: Call("GET", f"/documents/{MEMO}/download", scope(api, rel)),
        viewer=403,
        analyst=200,
    ),
    # a masked value, by its reference, with a reason
    "POST /entities/{entity_id}/reveal": data_row(
        lambda api, rel: Call(
            "POST",
            "/entities/p-olena/reveal",
            json={
                "property": "birthDate",
                "ref": api.access.masking.ref("p-olena", "birthDate", "1980-05-06"),
                "reason": "matrix",
            }
            | scope(api, rel),
        ),
        viewer=200,
        analyst=200,
    ),
    "GET /export": data_row(
        lambda api, rel: Call("GET", "/export", {"format": "csv", **scope(api, rel)}),
        viewer=403,
        analyst=200,
    ),
    "POST /judgements": data_row(
        lambda api, rel: Call(
            "POST",
            "/judgements",
            json={"left_id": "c-alpha", "right_id": "c-beta", "judgement": "unsure"}
            | scope(api, rel),
        ),
        viewer=403,
        analyst=200,
    ),
    "POST /review/decisions": data_row(
        lambda api, rel: Call(
            "POST",
            "/review/decisions",
            json={"candidate": "c-alpha", "cluster": "c-beta", "judgement": "unsure"}
            | scope(api, rel),
        ),
        viewer=403,
        analyst=200,
    ),
    "POST /review/bulk": data_row(
        lambda api, rel: Call(
            "POST",
            "/review/bulk",
            json={"rule": "legal-form-only", "apply": True} | scope(api, rel),
        ),
        viewer=403,
        analyst=200,
    ),
    # -- graph reads: the view permission and a case or purpose, like an entity view
    "GET /graph/neighbours/{entity_id}": data_row(
        lambda api, rel: Call("GET", "/graph/neighbours/c-beta", scope(api, rel)),
        viewer=200,
        analyst=200,
    ),
    "GET /graph/path": data_row(
        lambda api, rel: Call(
            "GET",
            "/graph/path",
            {"source": "pb-ministry", "target": "p-ivan"} | scope(api, rel),
        ),
        viewer=200,
        analyst=200,
    ),
    "GET /graph/owners/{entity_id}": data_row(
        lambda api, rel: Call("GET", "/graph/owners/c-gamma", scope(api, rel)),
        viewer=200,
        analyst=200,
    ),
    "GET /review": plain_row(lambda api, rel: Call("GET", "/review"), 403, 200, 403),
    # -- cases --
    "GET /cases": plain_row(lambda api, rel: Call("GET", "/cases"), 200, 200, 200),
    "POST /cases": plain_row(
        lambda api, rel: Call("POST", "/cases", json={"title": "Matrix case"}), 403, 201, 403
    ),
    "GET /cases/{case_id}": case_row(
        lambda api, rel: Call("GET", case_path()(api)), viewer_member=200, owner=200, member=200
    ),
    "POST /cases/{case_id}/members": case_row(
        lambda api, rel: Call(
            "POST", case_path("/members")(api), json={"username": fresh_user(api)}
        ),
        viewer_member=403,
        owner=201,
        member=403,
    ),
    "DELETE /cases/{case_id}/members/{username}": case_row(
        lambda api, rel: Call("DELETE", case_path(f"/members/{fresh_member(api)}")(api)),
        viewer_member=403,
        owner=204,
        member=403,
    ),
    "POST /cases/{case_id}/entities": case_row(
        lambda api, rel: Call("POST", case_path("/entities")(api), json={"entity_id": "c-alpha"}),
        viewer_member=403,
        owner=201,
        member=201,
    ),
    "POST /cases/{case_id}/notes": case_row(
        lambda api, rel: Call("POST", case_path("/notes")(api), json={"text": "a matrix note"}),
        viewer_member=403,
        owner=201,
        member=201,
    ),
    "PUT /cases/{case_id}/policy": case_row(
        lambda api, rel: Call("PUT", case_path("/policy")(api), json={"mask_sensitive": False}),
        viewer_member=403,
        owner=200,
        member=403,
    ),
    "GET /cases/{case_id}/activity": case_row(
        lambda api, rel: Call("GET", case_path("/activity")(api)),
        viewer_member=200,
        owner=200,
        member=200,
    ),
    # -- loading data: analysts --
    "POST /ingest/preview": plain_row(ingest_call("/ingest/preview"), 403, 200, 403),
    "POST /ingest": plain_row(ingest_call("/ingest"), 403, 200, 403),
    # -- jobs: analysts start them; analysts and admins follow them; the one who
    # started a job or an admin cancels it (nina's job: mark may not)
    "GET /jobs": plain_row(lambda api, rel: Call("GET", "/jobs"), 403, 200, 200),
    "GET /jobs/{job_id}": plain_row(
        lambda api, rel: Call("GET", f"/jobs/{matrix_job(api)}"), 403, 200, 200
    ),
    "POST /jobs": plain_row(
        lambda api, rel: Call("POST", "/jobs", json={"kind": "retention_sweep", "params": {}}),
        403,
        202,
        403,
    ),
    "POST /jobs/ingest": plain_row(ingest_call("/jobs/ingest"), 403, 202, 403),
    "POST /jobs/{job_id}/cancel": Row(
        ("none", "owner"),
        lambda api, rel: Call("POST", f"/jobs/{queued_job(api, rel)}/cancel"),
        {
            ANON: 401,
            VIEWER: 403,
            ANALYST: {"owner": 200, "none": 403},
            ADMIN: 200,
        },
    ),
    # -- administration: admins --
    "GET /users": plain_row(lambda api, rel: Call("GET", "/users"), 403, 403, 200),
    "POST /users": plain_row(
        lambda api, rel: Call(
            "POST",
            "/users",
            json={"username": f"n{uuid.uuid4().hex[:8]}", "password": PASSWORD, "role": "viewer"},
        ),
        403,
        403,
        201,
    ),
    "PATCH /users/{name}": plain_row(
        lambda api, rel: Call("PATCH", "/users/sam", json={"role": "analyst"}), 403, 403, 200
    ),
    "POST /users/{name}/revoke": plain_row(
        lambda api, rel: Call("POST", "/users/sam/revoke"), 403, 403, 200
    ),
    "GET /audit": plain_row(lambda api, rel: Call("GET", "/audit", {"limit": 5}), 403, 403, 200),
    "GET /audit/verify": plain_row(lambda api, rel: Call("GET", "/audit/verify"), 403, 403, 200),
}


def cells() -> list[tuple[str, str, str, int]]:
    out = []
    for route, row in TABLE.items():
        for role in ROLES:
            expected = row.expect[role]
            for relation in row.relations:
                if isinstance(expected, dict):
                    if relation not in expected:
                        continue  # a cell that cannot happen (see the module docstring)
                    status = expected[relation]
                elif (role, relation) not in PLAYERS:
                    continue
                else:
                    status = expected
                out.append((route, role, relation, status))
    return out


def api_routes(api: Api) -> set[str]:
    """``METHOD /path`` of every API route. FastAPI includes routers lazily,
    so ``app.routes`` holds included routers; ``iter_route_contexts`` walks
    into them and gives each route with its full path."""
    found = set()
    for context in iter_route_contexts(api.app.routes):
        path = context.path_format or ""
        if isinstance(context.original_route, APIRoute) and path.startswith(API):
            for method in context.methods or ():
                found.add(f"{method} {path.removeprefix(API)}")
    return found


def test_every_route_is_in_the_table(api: Api) -> None:
    routes = api_routes(api)
    missing = sorted(routes - set(TABLE))
    assert not missing, f"routes without a row in the authorization matrix: {missing}"
    stale = sorted(set(TABLE) - routes)
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_every_cell_is_checked() -> None:
    """Every role appears for every route, and each relation a route lists
    is tried by every role that can stand in it."""
    for route, row in TABLE.items():
        assert set(row.expect) == set(ROLES), route
        for role in ROLES:
            tried = {rel for r, ro, rel, _ in cells() if r == route and ro == role}
            possible = {rel for rel in row.relations if (role, rel) in PLAYERS}
            assert tried == possible, (route, role)


def call(api: Api, route: str, role: str, relation: str) -> Any:
    row = TABLE[route]
    request = row.build(api, relation)
    player = PLAYERS[(role, relation)]
    headers: dict[str, str] = {}
    if player is not None:
        token = api.login(player) if request.fresh_session else api.tokens[player]
        headers["Authorization"] = f"Bearer {token}"
    if route == "POST /auth/login":
        request.json = {"username": player or "olga", "password": PASSWORD if player else "wrong"}
    return api.client.request(
        request.method,
        API + request.path,
        params=request.params,
        json=request.json,
        data=request.data,
        files=request.files,
        headers=headers,
    )


@pytest.mark.parametrize(
    ("route", "role", "relation", "status"),
    cells(),
    ids=[f"{r}|{ro}|{rel}" for r, ro, rel, _ in cells()],
)
def test_cell(api: Api, route: str, role: str, relation: str, status: int) -> None:
    api.client.cookies.clear()  # a login's cookie must not make "anonymous" someone
    response = call(api, route, role, relation)
    assert response.status_code == status, response.text
    if status >= 400:
        error = response.json()["error"]
        assert error["status"] == status
        assert error["message"]
        expected_code = {401: "not_authenticated", 403: "permission_denied"}[status]
        assert error["code"] == expected_code


def test_impossible_cells_cannot_happen(api: Api) -> None:
    """Admins cannot join a case, and viewers cannot own one."""
    olga = api.principal("olga")
    with pytest.raises(InputError, match="admin"):
        api.access.cases.add_member(olga, api.case_id, "ada")
    with pytest.raises(InputError, match="only an analyst can own a case"):
        api.access.cases.transfer_ownership(olga, api.case_id, "vera")
    response = api.post("vera", "/cases", json={"title": "Vera's own case"})
    assert response.status_code == 403
