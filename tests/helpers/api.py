"""Helpers shared by the API tests (fixtures are in tests/api/conftest.py):
a small investigation in FtM JSON lines, the people who use it, and a client
that logs them in.

The data: an ownership chain from a person to a supplier of a ministry (for
the graph), a person with personal details and a company with a hostile
name (for exports), two known duplicates in a crowd of distinct people and
companies (for resolution and its review queue).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers.ftm_records import ent, write_ftm
from threadline.access import AccessControl, AccessSettings, Principal, Role
from threadline.access.settings import utc_now
from threadline.api import ApiSettings
from threadline.api.state import AppState
from threadline.resolve.resolver import ResolveOptions
from threadline.workspace import Workspace

PASSWORD = "correct horse battery"
# argon2's cheapest parameters: the tests log in hundreds of times
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
API = "/api/v1"
PURPOSE = "due diligence on the harbour contracts"


REGISTRY = [
    ent("p-ivan", "Person", name="Ivan Petrov", birthDate="1971-03-14", nationality="ru"),
    ent("c-alpha", "Company", name="Alpha Holding Ltd", registrationNumber="A-1"),
    ent("c-beta", "Company", name="Beta Trading LLC", jurisdiction="cy"),
    ent("c-gamma", "Company", name="Gamma Supplies", registrationNumber="G-7"),
    ent("pb-ministry", "PublicBody", name="Ministry of Roads"),
    ent("o1", "Ownership", owner="p-ivan", asset="c-alpha", percentage="60", startDate="2015"),
    ent("o2", "Ownership", owner="c-alpha", asset="c-beta", percentage="50"),
    ent("o3", "Ownership", owner="c-beta", asset="c-gamma", percentage="100"),
    ent("d1", "Directorship", director="p-ivan", organization="c-beta", role="CEO"),
    ent("k1", "Contract", title="Road repairs 2021", authority="pb-ministry"),
    ent("a1", "ContractAward", contract="k1", supplier="c-gamma", date="2021-04-01"),
    ent(
        "p-olena",
        "Person",
        name="Olena Koval",
        birthDate="1980-05-06",
        idNumber="AB123456",
        address="1 Harbour Street, Odesa",
        phone="+380 44 123 4567",
        email="olena@example.org",
        country="ua",
    ),
    ent("c-hostile", "Company", name='=HYPERLINK("http://evil.example","Click")'),
]

# the same person and company under other ids, in another source
LEAK = [
    ent("leak-ivan", "Person", name="Петров Иван", birthDate="1971-03-14", nationality="ru"),
    ent("leak-cobalt", "Company", name="The Cobalt Marine Ltd", jurisdiction="cy"),
    ent("reg-cobalt", "Company", name="Cobalt Marine Ltd", jurisdiction="cy"),
    ent("other-cobalt", "Company", name="Cobalt Marine Limited", jurisdiction="cy"),
]

FIRST = [
    "Anna",
    "Boris",
    "Clara",
    "Dmitri",
    "Elena",
    "Fyodor",
    "Galina",
    "Hugo",
    "Irina",
    "Jonas",
    "Karl",
    "Lena",
    "Marta",
]
LAST = [
    "Abramov",
    "Belov",
    "Chernov",
    "Dvorak",
    "Egorov",
    "Fomin",
    "Gusev",
    "Horvat",
    "Jensen",
    "Kovac",
    "Lebedev",
]
WORDS = [
    "Amber",
    "Basalt",
    "Cedar",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Indigo",
    "Juniper",
    "Kestrel",
]
TRADES = ["Shipping", "Trading", "Holdings", "Logistics", "Capital", "Mining", "Energy"]


def crowd(n: int = 120, seed: int = 7) -> list[dict[str, Any]]:
    """Distinct people and companies, for the resolver to learn non-matches from."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(out) < n:
        eid = f"crowd-{len(out)}"
        if rng.random() < 0.6:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            dob = f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if f"p:{name}" not in seen:
                seen.add(f"p:{name}")
                out.append(ent(eid, "Person", name=name, birthDate=dob, nationality="de"))
        else:
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(TRADES)} Ltd"
            if f"c:{name}" not in seen:
                seen.add(f"c:{name}")
                number = str(rng.randint(100000, 999999))
                out.append(ent(eid, "Company", name=name, registrationNumber=number))
    return out


def build_workspace(path: Path) -> None:
    """The investigation, ingested and resolved, then closed (so it can be copied)."""
    with Workspace.init(path) as ws:
        ws.ingest(write_ftm(path.parent / "registry.ftm.json", REGISTRY), dataset="registry")
        ws.ingest(write_ftm(path.parent / "leak.ftm.json", LEAK), dataset="leak")
        ws.ingest(write_ftm(path.parent / "crowd.ftm.json", crowd()), dataset="crowd")
        # thresholds of the pre-calibration defaults: these cases were written
        # so that some pairs merge and some wait in the review queue
        ws.resolve(ResolveOptions(merge_threshold=0.95, review_threshold=0.5))
        ws.graph()


def api_settings(clock: Callable[[], datetime] | None = None, **changes: Any) -> ApiSettings:
    access = AccessSettings(hasher=CHEAP_HASHER, clock=clock or utc_now)
    return ApiSettings(access=access, **changes)


#: name -> role; olga owns the case, mark and vera are its members
PEOPLE = {
    "olga": Role.ANALYST,
    "mark": Role.ANALYST,
    "vera": Role.VIEWER,
    "nina": Role.ANALYST,
    "val": Role.VIEWER,
    "ada": Role.ADMIN,
    "sam": Role.ANALYST,
}


@dataclass
class Api:
    """An app over a copy of the investigation, everyone logged in, one case."""

    app: FastAPI
    client: TestClient
    case_id: str
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def state(self) -> AppState:
        state = self.app.state.threadline
        assert isinstance(state, AppState)
        return state

    @property
    def access(self) -> AccessControl:
        return self.state.access

    def principal(self, name: str) -> Principal:
        return self.access.accounts.get(OPERATOR, name).principal()

    def login(self, name: str, password: str = PASSWORD) -> str:
        """A fresh session; the client keeps no cookie from it."""
        response = self.client.post(
            f"{API}/auth/login", json={"username": name, "password": password}
        )
        assert response.status_code == 200, response.text
        self.client.cookies.clear()
        token = response.json()["token"]
        assert isinstance(token, str)
        return token

    def headers(self, name: str | None) -> dict[str, str]:
        if name is None:
            return {}
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def get(self, name: str | None, path: str, **kwargs: Any) -> Any:
        return self.client.get(API + path, headers=self.headers(name), **kwargs)

    def post(self, name: str | None, path: str, **kwargs: Any) -> Any:
        return self.client.post(API + path, headers=self.headers(name), **kwargs)


OPERATOR = Principal.local_operator("tests")


def make_api(
    workspace: Path,
    db_url: str | None = None,
    clock: Callable[[], datetime] | None = None,
    **changes: Any,
) -> Api:
    from threadline.api import create_app

    app = create_app(workspace, db_url, api_settings(clock, **changes))
    state = app.state.threadline
    for name, role in PEOPLE.items():
        state.access.accounts.create(OPERATOR, name, PASSWORD, role)
    olga = state.access.accounts.get(OPERATOR, "olga").principal()
    case = state.access.cases.create(olga, "Harbour contracts", "Port procurement, 2019-2023")
    state.access.cases.add_member(olga, case.id, "mark")
    state.access.cases.add_member(olga, case.id, "vera")
    api = Api(app, TestClient(app), case.id)
    api.tokens = {name: api.login(name) for name in PEOPLE}
    return api
