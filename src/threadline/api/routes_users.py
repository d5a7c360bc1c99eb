"""User accounts, for admins: list, create, change role, disable or enable,
reset a password, end sessions. Every change ends up in the audit log and
applies on the user's next request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from threadline.access import Role, User
from threadline.api.deps import CurrentUser, State

router = APIRouter(prefix="/users", tags=["users"])

UserName = Annotated[str, Path(min_length=1, max_length=64)]


def user_dict(user: User) -> dict[str, Any]:
    data = user.to_dict()
    data["disabled"] = not user.active
    return data


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=4096)
    role: Role


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=4096)


@router.get("")
def list_users(principal: CurrentUser, state: State) -> dict[str, Any]:
    return {"users": [user_dict(u) for u in state.access.accounts.list_users(principal)]}


@router.post("", status_code=201)
def create_user(body: NewUser, principal: CurrentUser, state: State) -> dict[str, Any]:
    user = state.access.accounts.create(principal, body.username, body.password, body.role)
    return user_dict(user)


@router.patch("/{name}")
def change_user(
    name: UserName, body: UserChange, principal: CurrentUser, state: State
) -> dict[str, Any]:
    """Apply the given changes in order: role, password, disabled."""
    accounts = state.access.accounts
    user = accounts.get(principal, name)  # admins only, and the user exists
    if body.role is not None:
        user = accounts.set_role(principal, name, body.role)
    if body.password is not None:
        accounts.set_password(principal, name, body.password)
        user = accounts.get(principal, name)
    if body.disabled is True:
        user = accounts.disable(principal, name)
    elif body.disabled is False:
        user = accounts.enable(principal, name)
    return user_dict(user)


@router.post("/{name}/revoke")
def revoke_sessions(name: UserName, principal: CurrentUser, state: State) -> dict[str, Any]:
    """End every session of the user; they must log in again."""
    count = state.access.accounts.revoke_sessions(principal, name)
    return {"ok": True, "sessions_ended": count}
