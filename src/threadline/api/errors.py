"""One error shape for every 4xx and 5xx answer::

    {"error": {"status": 403, "code": "permission_denied", "message": "..."}}

Library errors (``threadline.errors``) map to statuses here and nowhere
else; messages are the library's, written for analysts. Validation errors
add ``fields``: ``[{"field": "body.username", "message": "..."}]``. Anything
unexpected is logged with its traceback and answered 500 in the same shape,
without details that could leak data.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from threadline.api.headers import SECURITY_HEADERS
from threadline.errors import (
    AccessError,
    AppDatabaseError,
    AuditChainBroken,
    AuthenticationFailed,
    CaseNotFound,
    DatasetNotFound,
    EntityNotFound,
    InputError,
    JobError,
    JobNotFound,
    JudgementError,
    LoginThrottled,
    PermissionDenied,
    PurposeRequired,
    ResolveError,
    ServerBusy,
    ThreadlineError,
    UserNotFound,
    WorkspaceError,
)

log = logging.getLogger("threadline.api")

#: (class, status, code), most specific first: the first match wins
STATUSES: list[tuple[type[ThreadlineError], int, str]] = [
    (LoginThrottled, 429, "too_many_requests"),
    (AuthenticationFailed, 401, "not_authenticated"),
    (PermissionDenied, 403, "permission_denied"),
    (PurposeRequired, 400, "purpose_required"),
    (UserNotFound, 404, "not_found"),
    (CaseNotFound, 404, "not_found"),
    (EntityNotFound, 404, "not_found"),
    (DatasetNotFound, 404, "not_found"),
    (JobNotFound, 404, "not_found"),
    (JobError, 409, "conflict"),
    (AuditChainBroken, 409, "conflict"),
    (AccessError, 403, "permission_denied"),
    (InputError, 400, "bad_request"),
    # a judgement on an unknown id, or a bad value
    (JudgementError, 400, "bad_request"),
    # "nothing resolved yet": the workspace is not ready, the request is fine
    (ResolveError, 409, "conflict"),
    (ServerBusy, 503, "overloaded"),
    (AppDatabaseError, 503, "unavailable"),
    (WorkspaceError, 503, "unavailable"),
    (ThreadlineError, 400, "bad_request"),
]

#: codes of HTTP errors raised by the framework (unknown route, wrong method, ...)
HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


def error_body(
    status: int, code: str, message: str, fields: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status, "code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def error_response(
    status: int,
    code: str,
    message: str,
    fields: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, fields), status, headers=headers)


def status_of(exc: ThreadlineError) -> tuple[int, str]:
    for cls, status, code in STATUSES:
        if isinstance(exc, cls):
            return status, code
    return 400, "bad_request"  # unreachable: ThreadlineError is last


def message_of(exc: ThreadlineError) -> str:
    return exc.message if isinstance(exc, InputError) else str(exc)


async def _threadline_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ThreadlineError)
    status, code = status_of(exc)
    if status >= 500:
        log.warning("%s %s: %s", request.method, request.url.path, exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, LoginThrottled | ServerBusy):
        headers = {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, PermissionDenied | PurposeRequired):
        await _record_refusal(request, message_of(exc))
    return error_response(status, code, message_of(exc), headers=headers)


async def _record_refusal(request: Request, message: str) -> None:
    """A logged-in user refused goes in the audit log (who, what route,
    why). Requests with no valid session are not: anyone could fill the
    log with them; failed logins are recorded by the login itself."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        return
    from threadline.access.audit import Action

    state = request.app.state.threadline
    details = {"reason": message[:500]}
    case = request.query_params.get("case")
    if case:
        details["case"] = case[:64]
    target = f"{request.method} {request.url.path}"[:300]
    await state.on_app_db(
        lambda: state.access.audit.log.append(
            principal.name, Action.REFUSED, target=target, details=details
        )
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = HTTP_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    if status == 404 and exc.detail == "Not Found":
        message = f"no such page or API route: {request.method} {request.url.path}"
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return error_response(status, code, message, headers=getattr(exc, "headers", None))


def _field(loc: tuple[int | str, ...] | list[int | str]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    broken_json = [e for e in errors if e.get("type") == "json_invalid"]
    if broken_json:
        reason = broken_json[0].get("ctx", {}).get("error", "malformed")
        return error_response(
            400,
            "bad_request",
            f"the request body is not valid JSON ({reason}); send a JSON object with "
            "Content-Type: application/json",
        )
    fields = [{"field": _field(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in errors]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    return error_response(422, "validation_error", f"invalid request: {summary}", fields)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette's outermost middleware calls this, outside the middleware that
    # sets security headers, so they are set here too.
    log.error("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        500,
        "internal_error",
        "an unexpected error happened on the server; it has been logged. Try again, and "
        "report it if it persists",
        headers=dict(SECURITY_HEADERS),
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(ThreadlineError, _threadline_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
