"""Fixtures for access control: every test runs against the embedded SQLite
database and against PostgreSQL (a fresh schema per test, dropped after),
through the ``db_url`` fixture of tests/conftest.py.

PostgreSQL is expected at localhost:5432 (database ``test``, user
``postgres``, a superuser: tampering tests switch triggers off; override with
$THREADLINE_TEST_PG). Where it is not reachable its tests are skipped, except
in CI ($CI set), where they fail: CI must not pass by skipping the server half.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.helpers.access import CHEAP_HASHER, PASSWORD, Clock, People
from threadline.access import AccessControl, AccessSettings, Principal, Role


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(clock: Clock) -> AccessSettings:
    return AccessSettings(hasher=CHEAP_HASHER, clock=clock)


@pytest.fixture
def access(db_url: str, settings: AccessSettings) -> Iterator[AccessControl]:
    with AccessControl(db_url, settings) as access:
        yield access


@pytest.fixture
def operator() -> Principal:
    return Principal.local_operator("tester")


@pytest.fixture
def add_user(access: AccessControl, operator: Principal) -> Callable[[str, Role], Principal]:
    def add(name: str, role: Role) -> Principal:
        return access.accounts.create(operator, name, PASSWORD, role).principal()

    return add


@pytest.fixture
def people(access: AccessControl, add_user: Callable[[str, Role], Principal]) -> People:
    owner = add_user("olga", Role.ANALYST)
    member = add_user("mark", Role.ANALYST)
    viewer = add_user("vera", Role.VIEWER)
    outsider = add_user("nina", Role.ANALYST)
    admin = add_user("ada", Role.ADMIN)
    spare = add_user("sam", Role.ANALYST)
    case = access.cases.create(owner, "Harbour contracts", "Port procurement, 2019-2023")
    access.cases.add_member(owner, case.id, "mark")
    access.cases.add_member(owner, case.id, "vera")
    return People(case.id, owner, member, viewer, outsider, admin, spare)
