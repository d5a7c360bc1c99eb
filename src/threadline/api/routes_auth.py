"""Login, logout and who am I. Login sets the session cookie for the browser
and returns the token for programs (``Authorization: Bearer``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from threadline.api.deps import SESSION_COOKIE, CurrentSession, CurrentUser, State

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=4096)


@router.post("/login")
async def login(
    body: LoginBody, request: Request, response: Response, state: State
) -> dict[str, Any]:
    """Start a session: the cookie ``tl_session`` (HttpOnly, SameSite=Strict)
    and the same token in the body. Failed logins are throttled per account
    and per address: 429 with Retry-After. Passwords are checked in a pool of
    their own: 503 with Retry-After when it is full."""
    address = request.client.host if request.client else None
    done = await state.logins.run(state.access.login, body.username, body.password, address)
    response.set_cookie(
        SESSION_COOKIE,
        done.token,
        max_age=int(state.settings.access.absolute_timeout.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=state.settings.cookie_secure,
    )
    user = {"name": done.principal.name, "role": str(done.principal.role)}
    return {"user": user, "token": done.token, "expires_at": done.expires_at.isoformat()}


@router.post("/logout")
def logout(session: CurrentSession, response: Response, state: State) -> dict[str, Any]:
    """End this session (others of the same user stay)."""
    state.access.logout(session.token)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return {"ok": True}


@router.get("/me")
def me(principal: CurrentUser) -> dict[str, Any]:
    return {"name": principal.name, "role": str(principal.role)}
