"""Failed logins slow down: after a few free mistakes each failure doubles
the wait, per account and per client address, checked before any password
is hashed; the right password inside the wait is refused too, and every
refusal is in the audit log."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.helpers.access import PASSWORD, Clock
from threadline.access import AccessControl, Action, Principal, Role
from threadline.access.throttle import ADDRESS_FREE_FAILURES, FREE_FAILURES
from threadline.errors import AuthenticationFailed, LoginThrottled

AddUser = Callable[[str, Role], Principal]


def fail(access: AccessControl, name: str, times: int, address: str | None = None) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            access.login(name, "wrong password!", address)


def test_the_wait_doubles_after_the_free_failures(
    access: AccessControl, add_user: AddUser, clock: Clock, operator: Principal
) -> None:
    add_user("alice", Role.ANALYST)
    fail(access, "alice", FREE_FAILURES)
    access.login("alice", PASSWORD)  # mistakes within the free ones cost nothing

    fail(access, "alice", FREE_FAILURES + 1)  # one past the free ones: 1 s
    with pytest.raises(LoginThrottled) as info:
        access.login("alice", PASSWORD)  # even the right password waits
    assert info.value.retry_after == 2  # whole seconds, rounded up
    clock.advance(seconds=1.5)
    fail(access, "alice", 1)  # another failure: 2 s
    with pytest.raises(LoginThrottled):
        access.login("alice", PASSWORD)
    clock.advance(seconds=2.5)
    assert access.login("alice", PASSWORD).principal.name == "alice"
    refusals = [
        e
        for e in access.audit.entries(operator, action=Action.LOGIN_FAILED)
        if e.details.get("reason") == "throttled"
    ]  # fmt: skip
    assert len(refusals) == 2


def test_an_address_that_guesses_many_accounts_is_slowed(
    access: AccessControl, add_user: AddUser
) -> None:
    add_user("alice", Role.ANALYST)
    for number in range(ADDRESS_FREE_FAILURES + 1):
        fail(access, f"nobody{number}", 1, address="203.0.113.9")
    with pytest.raises(LoginThrottled):
        access.login("alice", PASSWORD, "203.0.113.9")
    # the account itself is not locked: alice logs in from elsewhere
    assert access.login("alice", PASSWORD, "198.51.100.1").principal.name == "alice"


def test_a_throttled_login_hashes_no_password(
    access: AccessControl, add_user: AddUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user("alice", Role.ANALYST)
    fail(access, "alice", FREE_FAILURES + 1)

    def no_hashing(*_args: object) -> bool:
        raise AssertionError("a throttled login must not spend a hash")

    monkeypatch.setattr(access.sessions.passwords, "verify", no_hashing)
    with pytest.raises(LoginThrottled):
        access.login("alice", PASSWORD)
