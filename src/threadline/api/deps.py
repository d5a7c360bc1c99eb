"""Request dependencies: the application state, and who is asking.

A session token comes from the ``Authorization: Bearer`` header (programs)
or the ``tl_session`` cookie (the browser). Every request trades it for a
principal afresh (``AccessControl.authenticate``), so a revoked session, a
disabled account or a changed role takes effect on the very next request.

CSRF: a browser attaches the cookie to requests other sites make, but it
never lets another site set a custom header on a cross-origin request
without a CORS preflight, which this app does not answer. So a
state-changing request authenticated by cookie must carry
``X-Threadline-Request: 1``; the web UI's fetch wrapper always sends it.
Bearer tokens are never sent automatically and need no such guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from threadline.access import Principal
from threadline.api.state import AppState
from threadline.errors import AuthenticationFailed, PermissionDenied

SESSION_COOKIE = "tl_session"
CSRF_HEADER = "X-Threadline-Request"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def``
# dependency in a worker thread, and that hand-over costs more than they do.


async def get_state(request: Request) -> AppState:
    state = request.app.state.threadline
    assert isinstance(state, AppState)
    return state


State = Annotated[AppState, Depends(get_state)]


@dataclass(frozen=True)
class Session:
    principal: Principal
    token: str


def _token(request: Request) -> tuple[str, bool] | None:
    """The session token and whether it came from the cookie."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed(
                "the Authorization header must be 'Bearer TOKEN', with the token "
                "POST /api/v1/auth/login returned"
            )
        return token.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return cookie, True
    return None


async def current_session(request: Request, state: State) -> Session:
    found = _token(request)
    if found is None:
        raise AuthenticationFailed(
            "not logged in: log in with POST /api/v1/auth/login, then send the session "
            "cookie or 'Authorization: Bearer TOKEN'"
        )
    token, from_cookie = found
    unsafe = from_cookie and request.method not in SAFE_METHODS
    if unsafe and request.headers.get(CSRF_HEADER) != "1":
        raise PermissionDenied(
            f"a {request.method} request authenticated by cookie needs the header "
            f"'{CSRF_HEADER}: 1' (a guard against cross-site requests)"
        )
    principal = await state.on_app_db(lambda: state.access.authenticate(token))
    request.state.principal = principal  # a refusal later is recorded under this name
    return Session(principal, token)


CurrentSession = Annotated[Session, Depends(current_session)]


async def current_principal(session: CurrentSession) -> Principal:
    return session.principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


#: the reason on record for a look at the data: a case, or a stated purpose
CaseParam = Annotated[str | None, Query(max_length=64, description="A case you are a member of.")]
PurposeParam = Annotated[
    str | None,
    Query(max_length=1000, description="Why you are looking, when no case applies."),
]
