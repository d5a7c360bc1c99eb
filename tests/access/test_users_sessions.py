"""Accounts and sessions: hashing, wrong passwords, disabled accounts, and
revocation, disabling and role changes taking effect on the next request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tests.helpers.access import CHEAP_HASHER, PASSWORD, Clock
from threadline.access import AccessControl, AccessSettings, Action, Principal, Role
from threadline.access import tables as t
from threadline.access.sessions import token_hash
from threadline.errors import (
    AuthenticationFailed,
    InputError,
    PermissionDenied,
    UserNotFound,
)

AddUser = Callable[[str, Role], Principal]


def stored_hash(access: AccessControl, name: str) -> str:
    with access.db.read() as conn:
        value = conn.scalar(select(t.users.c.password_hash).where(t.users.c.name == name))
    assert isinstance(value, str)
    return value


def test_password_is_stored_as_argon2id_and_login_works(
    access: AccessControl, add_user: AddUser
) -> None:
    add_user("alice", Role.ANALYST)
    assert stored_hash(access, "alice").startswith("$argon2id$")
    assert PASSWORD not in stored_hash(access, "alice")
    login = access.login("Alice", PASSWORD)  # names are case-insensitive
    assert login.principal.name == "alice"
    assert access.authenticate(login.token) == login.principal
    with access.db.read() as conn:
        stored = conn.scalars(select(t.sessions.c.token_hash)).all()
    assert stored == [token_hash(login.token)]  # the token itself is never stored


def test_wrong_password_and_unknown_user_fail_alike(
    access: AccessControl, add_user: AddUser, operator: Principal
) -> None:
    add_user("alice", Role.ANALYST)
    attempts = [("alice", "wrong password!"), ("nobody", PASSWORD), ("local:root", "x")]
    for name, password in attempts:
        with pytest.raises(AuthenticationFailed) as exc:
            access.login(name, password)
        assert str(exc.value) == "wrong user name or password"
    failed = access.audit.entries(operator, action=Action.LOGIN_FAILED)
    assert [(e.actor, e.details) for e in failed] == [
        ("alice", {"reason": "wrong password"}),
        ("nobody", {"reason": "unknown user"}),
        ("(invalid name)", {"reason": "unknown user", "name": "local:root"}),
    ]


def test_unknown_user_still_pays_for_a_hash(access: AccessControl) -> None:
    calls: list[str] = []

    class Spy(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            calls.append(str(hash))
            return super().verify(hash, password)

    access.accounts.passwords.hasher = Spy(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.raises(AuthenticationFailed):
        access.login("nobody", PASSWORD)
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_short_password_is_refused_with_a_clear_error(
    access: AccessControl, operator: Principal
) -> None:
    with pytest.raises(InputError) as exc:
        access.accounts.create(operator, "alice", "short", Role.ANALYST)
    assert str(exc.value) == (
        "password too short: 5 characters, at least 12 needed "
        "(a few random words make a long password that is easy to type)"
    )


def test_bad_names_roles_and_duplicates(access: AccessControl, operator: Principal) -> None:
    with pytest.raises(InputError, match="invalid user name 'no spaces'"):
        access.accounts.create(operator, "no spaces", PASSWORD, Role.ANALYST)
    with pytest.raises(InputError, match=r"unknown role 'boss'.*admin, analyst, viewer"):
        access.accounts.create(operator, "alice", PASSWORD, "boss")
    access.accounts.create(operator, "alice", PASSWORD, "analyst")
    with pytest.raises(InputError, match="user 'alice' already exists"):
        access.accounts.create(operator, "ALICE", PASSWORD, Role.VIEWER)
    with pytest.raises(UserNotFound, match="no user named 'bob'"):
        access.accounts.disable(operator, "bob")


def test_disabled_user_cannot_log_in_and_loses_sessions(
    access: AccessControl, add_user: AddUser, operator: Principal
) -> None:
    add_user("alice", Role.ANALYST)
    token = access.login("alice", PASSWORD).token
    access.accounts.disable(operator, "alice")
    with pytest.raises(AuthenticationFailed, match="session ended"):
        access.authenticate(token)
    with pytest.raises(AuthenticationFailed) as exc:
        access.login("alice", PASSWORD)
    assert str(exc.value) == "account 'alice' is disabled; ask an administrator to enable it"
    # a disabled account's wrong password says nothing about the account
    with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
        access.login("alice", "wrong password!")
    access.accounts.enable(operator, "alice")
    assert access.authenticate(access.login("alice", PASSWORD).token).name == "alice"


def test_disabling_is_checked_on_every_lookup_even_without_revocation(
    access: AccessControl, add_user: AddUser
) -> None:
    alice = add_user("alice", Role.ANALYST)
    token = access.login("alice", PASSWORD).token
    with access.db.write() as conn:  # as if another process disabled her a moment ago
        conn.execute(t.users.update().where(t.users.c.id == alice.user_id).values(active=False))
    with pytest.raises(AuthenticationFailed, match="account 'alice' is disabled"):
        access.authenticate(token)
    # and a principal held by a caller is re-checked by every operation
    with pytest.raises(AuthenticationFailed, match="disabled"):
        access.cases.create(alice, "a case")


def test_revoke_ends_every_session_on_next_lookup(
    access: AccessControl, add_user: AddUser, operator: Principal
) -> None:
    add_user("alice", Role.ANALYST)
    tokens = [access.login("alice", PASSWORD).token for _ in range(3)]
    assert access.accounts.revoke_sessions(operator, "alice") == 3
    for token in tokens:
        with pytest.raises(AuthenticationFailed, match="session ended"):
            access.authenticate(token)
    assert access.accounts.revoke_sessions(operator, "alice") == 0


def test_role_change_applies_on_next_request(
    access: AccessControl, add_user: AddUser, operator: Principal
) -> None:
    add_user("alice", Role.ANALYST)
    token = access.login("alice", PASSWORD).token
    alice = access.authenticate(token)
    case = access.cases.create(alice, "first case")
    access.accounts.set_role(operator, "alice", Role.VIEWER)
    assert access.authenticate(token).role is Role.VIEWER
    # even the principal object from before the change now acts as a viewer
    with pytest.raises(PermissionDenied, match=r"alice \(viewer\) may not write"):
        access.cases.add_note(alice, case.id, "a note")
    assert access.cases.list_cases(alice)[0].id == case.id


def test_logout(access: AccessControl, add_user: AddUser) -> None:
    add_user("alice", Role.ANALYST)
    token = access.login("alice", PASSWORD).token
    access.logout(token)
    with pytest.raises(AuthenticationFailed, match="session ended"):
        access.authenticate(token)
    access.logout(token)  # twice is harmless
    with pytest.raises(AuthenticationFailed, match="unknown session"):
        access.authenticate("made-up-token")


def test_idle_and_absolute_timeouts(access: AccessControl, add_user: AddUser, clock: Clock) -> None:
    add_user("alice", Role.ANALYST)
    token = access.login("alice", PASSWORD).token
    clock.advance(minutes=31)
    with pytest.raises(AuthenticationFailed, match="idle"):
        access.authenticate(token)
    token = access.login("alice", PASSWORD).token
    for _ in range(35):  # busy for 11h40m: each request keeps the session alive
        clock.advance(minutes=20)
        access.authenticate(token)
    clock.advance(minutes=20)  # 12 hours after login
    with pytest.raises(AuthenticationFailed, match="session expired; log in again"):
        access.authenticate(token)


def test_password_is_rehashed_when_parameters_change(
    db_url: str, add_user: AddUser, access: AccessControl, clock: Clock
) -> None:
    add_user("alice", Role.ANALYST)
    old = stored_hash(access, "alice")
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    with AccessControl(db_url, AccessSettings(hasher=stronger, clock=clock)) as upgraded:
        upgraded.login("alice", PASSWORD)
        new = stored_hash(upgraded, "alice")
        assert new != old and not stronger.check_needs_rehash(new)
        upgraded.login("alice", PASSWORD)
        assert stored_hash(upgraded, "alice") == new  # only once
    assert CHEAP_HASHER.check_needs_rehash(new)


def test_admin_reset_and_own_password_change(
    access: AccessControl, add_user: AddUser, operator: Principal
) -> None:
    add_user("alice", Role.ANALYST)
    token = access.login("alice", PASSWORD).token
    access.accounts.set_password(operator, "alice", "a brand new passphrase")
    with pytest.raises(AuthenticationFailed):
        access.authenticate(token)
    alice = access.login("alice", "a brand new passphrase").principal
    with pytest.raises(AuthenticationFailed, match="the current password is wrong"):
        access.accounts.change_own_password(alice, PASSWORD, "another passphrase")
    access.accounts.change_own_password(alice, "a brand new passphrase", "another passphrase")
    assert access.login("alice", "another passphrase").principal.name == "alice"


def test_only_admins_manage_accounts(access: AccessControl, add_user: AddUser) -> None:
    analyst = add_user("alice", Role.ANALYST)
    admin = add_user("ada", Role.ADMIN)
    with pytest.raises(PermissionDenied) as exc:
        access.accounts.create(analyst, "bob", PASSWORD, Role.ANALYST)
    assert str(exc.value) == (
        "alice (analyst) may not manage user accounts and sessions; only admins may"
    )
    access.accounts.create(admin, "bob", PASSWORD, Role.VIEWER)
    assert [u.name for u in access.accounts.list_users(admin)] == ["ada", "alice", "bob"]
    entry = access.audit.entries(admin, action=Action.USER_CREATE)[-1]
    assert (entry.actor, entry.target, entry.details) == ("ada", "bob", {"role": "viewer"})
