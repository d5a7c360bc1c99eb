"""The interactive API docs (Swagger UI) at ``/api/v1/docs``.

Swagger UI comes from a CDN and starts with one inline script, which the
app-wide Content-Security-Policy forbids; this page gets its own policy
that allows that CDN and exactly that script (by its hash), and nothing
else. The OpenAPI document itself needs no such care.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

API_PREFIX = "/api/v1"
OPENAPI_URL = f"{API_PREFIX}/openapi.json"
CDN = "https://cdn.jsdelivr.net"

router = APIRouter(include_in_schema=False)


def _policy(html: str) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    )
    return (
        f"default-src 'self'; script-src 'self' {CDN} {hashes}; "
        f"style-src 'self' 'unsafe-inline' {CDN}; img-src 'self' data: https:; "
        "object-src 'none'; frame-ancestors 'none'"
    )


@router.get(f"{API_PREFIX}/docs")
def api_docs() -> HTMLResponse:
    page = get_swagger_ui_html(openapi_url=OPENAPI_URL, title="Threadline API")
    html = bytes(page.body).decode("utf-8")
    return HTMLResponse(html, headers={"Content-Security-Policy": _policy(html)})
