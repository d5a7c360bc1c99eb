"""Request body size limits, checked before a body is parsed or spooled.

A declared ``Content-Length`` over the limit is refused at once; a body sent
without one (chunked) is counted as it arrives and cut off at the limit.
Uploads (``/api/v1/ingest...``) may be large; everything else is small JSON.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from threadline.api.errors import error_response

JSON_BODY_LIMIT = 1024 * 1024
#: the routes that take uploads (``/ingest``, ``/ingest/preview``, ``/jobs/ingest``)
UPLOAD_PREFIXES = ("/api/v1/ingest", "/api/v1/jobs/ingest")


def _too_large(limit: int) -> str:
    return (
        f"the request body is larger than this server accepts ({limit:,} bytes); "
        "split the file, or raise the server's limit"
    )


class BodyLimit:
    def __init__(self, app: ASGIApp, upload_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.upload_limit if path.startswith(UPLOAD_PREFIXES) else JSON_BODY_LIMIT
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = error_response(413, "payload_too_large", _too_large(limit))
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises an HTTPException met while reading the
                    # form, so this becomes a 413 in the one error shape
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counting_receive, send)
