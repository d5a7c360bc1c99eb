"""The application as a whole: the OpenAPI document and the docs page,
security headers on every kind of answer, the web UI mounted beside the
API, and the ``threadline serve`` command."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.api import API, Api
from threadline.api.headers import SECURITY_HEADERS
from threadline.errors import WorkspaceNotFound
from threadline.workspace import Workspace


def test_openapi_document_lists_the_routes(api: Api) -> None:
    response = api.client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Threadline"
    paths = document["paths"]
    for path, method in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/search", "get"),
        ("/api/v1/entities/{entity_id}", "get"),
        ("/api/v1/graph/path", "get"),
        ("/api/v1/judgements", "post"),
        ("/api/v1/cases/{case_id}/notes", "post"),
        ("/api/v1/ingest", "post"),
        ("/api/v1/export", "get"),
        ("/api/v1/users/{name}", "patch"),
        ("/api/v1/audit/verify", "get"),
    ]:
        assert method in paths[path], path
    assert not [p for p in paths if not p.startswith(API)], "pages must stay out of the API docs"
    search = {p["name"] for p in paths["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "schema", "dataset", "country", "limit", "case", "purpose"} <= search


def test_docs_page_allows_exactly_its_own_script(api: Api) -> None:
    response = api.client.get(f"{API}/docs")
    assert response.status_code == 200
    (script,) = re.findall(r"<script>(.*?)</script>", response.text, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = response.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", f"{API}/auth/me", 401),
        ("GET", f"{API}/cases", 200),
        ("GET", f"{API}/nowhere", 404),
        ("GET", "/", 200),
        ("GET", "/static/api.js", 200),
        ("GET", f"{API}/openapi.json", 200),
    ],
)
def test_security_headers_on_every_answer(api: Api, method: str, path: str, status: int) -> None:
    headers = api.headers("mark") if path.endswith("/cases") else {}
    response = api.client.request(method, path, headers=headers)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_pages_are_served_beside_the_api(api: Api) -> None:
    page = api.client.get("/login")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_a_missing_workspace_fails_at_once(tmp_path: Path) -> None:
    from threadline.api import create_app

    with pytest.raises(WorkspaceNotFound):
        create_app(tmp_path / "nowhere")


def test_serve_command_runs_the_app(
    cli: Any, monkeypatch: pytest.MonkeyPatch, template_workspace: Path, tmp_path: Path
) -> None:
    """``threadline serve`` builds the app for the workspace and hands it to
    uvicorn (stubbed here) on the given address."""
    import shutil

    import uvicorn

    served: dict[str, Any] = {}

    def run(server: Any, sockets: Any = None) -> None:
        config = server.config
        served.update(app=config.app, host=config.host, port=config.port)
        served.update(access_log=config.access_log, server=server)
        config.app.state.threadline.close()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    copy = tmp_path / "ws"
    shutil.copytree(template_workspace, copy)
    # an index of an older format: rebuilt before serving, with progress
    (copy / "index" / "threadline-generation.json").write_text('{"generation": 1}')
    code, _, err = cli("-w", str(copy), "serve", "--port", "9999")
    assert code == 0, err
    assert "search index is behind the store; rebuilding it" in err
    with Workspace.open(copy) as ws:
        assert ws.index.generation == ws.store.generation
        assert ws.search("Ivan Petrov")
    assert (served["host"], served["port"]) == ("127.0.0.1", 9999)
    assert served["access_log"] is False  # the audit log records the looks
    assert isinstance(served["server"], uvicorn.Server)  # the one that cancels uploads on stop
    assert "http://127.0.0.1:9999/" in err
    code, _, err = cli("-w", str(copy), "serve", "--db", "mysql://x@y/z")
    assert code == 10
    assert "unsupported database 'mysql'" in err
