"""The web UI's pages and static files, served by a bare FastAPI app with just
the page router and the static mounts: every page renders with the navigation
and its own script, request values are escaped, the vendor package is served
from node_modules (or the graph page says how to install it), and every
script parses as an ES module.

Pages are shells that fetch their data in the browser, so no API, workspace
or login is needed here."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from threadline.web import pages

PAGES = {
    "/": "search",
    "/entities/NK-abc123": "entity",
    "/documents/doc-abc123": "document",
    "/graph": "graph",
    "/graph?id=NK-abc123": "graph",
    "/review": "review",
    "/cases": "cases",
    "/cases/c-1": "case",
    "/ingest": "ingest",
    "/jobs": "jobs",
    "/admin": "admin",
}
NAV_LABELS = ["Search", "Graph", "Review", "Cases", "Ingest", "Jobs", "Admin"]
HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
#: The same without "/" (a path segment cannot hold one).
HOSTILE_SEGMENT = '"><script>alert(1)<img src=x onerror=alert(2)>'


def make_client() -> TestClient:
    app = FastAPI()
    app.include_router(pages.router)
    pages.mount_static(app)
    return TestClient(app)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return make_client()


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_with_nav_and_its_script(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert 'data-testid="nav"' in html
    for label in NAV_LABELS:
        assert f">{label}</a>" in html
    script = f'<script type="module" src="/static/{PAGES[path]}.js"></script>'
    assert script in html
    assert '<link rel="stylesheet" href="/static/app.css">' in html
    # The case / purpose picker every audited read needs.
    assert 'id="scope-case"' in html and 'id="scope-purpose"' in html
    assert 'id="logout"' in html


def test_login_page_has_the_form_and_no_nav(client: TestClient) -> None:
    html = client.get("/login?next=/graph").text
    assert 'id="login-form"' in html
    assert '<script type="module" src="/static/login.js"></script>' in html
    assert 'data-testid="nav"' not in html


def test_current_section_is_marked(client: TestClient) -> None:
    html = client.get("/cases/c-1").text
    assert '<a href="/cases" data-nav="cases" aria-current="page">' in html
    assert html.count('aria-current="page"') == 1


def test_no_inline_script_or_handlers(client: TestClient) -> None:
    """The app sends ``script-src 'self'``: inline code would not run."""
    for path in [*PAGES, "/login"]:
        html = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, f"inline script on {path}: {tag}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler on {path}"
        assert "javascript:" not in html.lower()


@pytest.mark.parametrize(
    ("path", "value", "attribute"),
    [
        ("/graph?id={}", HOSTILE, "data-start-id"),
        ("/entities/{}", HOSTILE_SEGMENT, "data-entity-id"),
        ("/documents/{}", HOSTILE_SEGMENT, "data-document-id"),
        ("/cases/{}", HOSTILE_SEGMENT, "data-case-id"),
    ],
)
def test_request_values_are_escaped(
    client: TestClient, path: str, value: str, attribute: str
) -> None:
    response = client.get(path.format(quote(value, safe="")))
    assert response.status_code == 200
    html = response.text
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    match = re.search(rf'{attribute}="([^"]*)"', html)
    assert match is not None
    assert html_unescape(match.group(1)) == value
    assert "<" not in match.group(1) and '"' not in match.group(1)


def test_graph_page_testids(client: TestClient) -> None:
    html = client.get("/graph?id=x").text
    for testid in [
        "graph-canvas",
        "expand",
        "path-from",
        "path-to",
        "find-path",
        "hop-list",
        "owners-of",
        "find-owners",
        "owners-list",
        "filter-type",
        "filter-asof",
        "details",
    ]:
        assert f'data-testid="{testid}"' in html, testid


def test_other_page_testids(client: TestClient) -> None:
    expected = {
        "/": ["search-input", "search-results", "facet-schema", "facet-dataset", "facet-country"],
        "/review": ["judge-same", "judge-not-same", "judge-unsure", "review-explanation"],
        "/cases": ["case-create", "cases-list"],
        "/cases/c-1": ["note-text", "add-note", "case-members", "case-activity", "add-member"],
        "/ingest": ["ingest-file", "ingest-preview", "ingest-load", "preview-entities"],
        "/admin": ["users", "verify-chain", "audit", "create-user"],
        "/jobs": ["jobs-table", "job-log", "job-kind", "job-start-button"],
        "/entities/e": ["properties", "relations", "members", "add-to-case", "open-graph"],
    }
    for path, testids in expected.items():
        html = client.get(path).text
        for testid in testids:
            assert f'data-testid="{testid}"' in html, (path, testid)


def test_static_files_are_served(client: TestClient) -> None:
    static = Path(pages.STATIC_DIR)
    names = sorted(p.name for p in static.iterdir() if p.suffix in {".js", ".css", ".svg"})
    assert {"api.js", "shell.js", "app.css", "graph.css"} <= set(names)
    for name in names:
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert response.content == (static / name).read_bytes()
    assert client.get("/static/api.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/no-such-file.js").status_code == 404


def test_every_page_script_exists() -> None:
    """Each page loads /static/<page>.js: a missing module is a blank page."""
    for page in {*PAGES.values(), "login"}:
        assert (pages.STATIC_DIR / f"{page}.js").is_file(), page


def test_vendor_files_only_from_listed_packages(client: TestClient) -> None:
    assert client.get("/static/vendor/cytoscape/../../pages.py").status_code == 404
    assert client.get("/static/vendor/other-package/index.js").status_code == 404


def test_cytoscape_is_served_when_installed(client: TestClient) -> None:
    if not pages.vendor_installed():
        # Not a silent skip: the lack of packages is checked by the test below.
        html = client.get("/graph").text
        assert pages.VENDOR_MISSING in html
        assert "cytoscape.min.js" not in html
        assert client.get("/static/vendor/" + pages.CYTOSCAPE_JS).status_code == 404
        return
    response = client.get("/static/vendor/" + pages.CYTOSCAPE_JS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.content == (pages.NODE_MODULES / pages.CYTOSCAPE_JS).read_bytes()
    html = client.get("/graph").text
    assert '<script defer src="/static/vendor/cytoscape/dist/cytoscape.min.js"></script>' in html
    assert pages.VENDOR_MISSING not in html


def test_graph_page_without_node_modules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Before ``npm ci`` the pages still load, the vendor URL answers 404 (not
    500), and the graph explorer says what to run."""
    monkeypatch.setattr(pages, "NODE_MODULES", tmp_path / "node_modules")
    client = make_client()
    html = client.get("/graph?id=x").text
    assert pages.VENDOR_MISSING in html
    assert "front-end packages not installed: run make setup" in html
    assert "cytoscape.min.js" not in html
    assert client.get("/static/vendor/" + pages.CYTOSCAPE_JS).status_code == 404
    assert client.get("/").status_code == 200


def test_pinned_vendor_versions() -> None:
    """Front-end packages are pinned exactly, and the lock file agrees."""
    manifest = json.loads((pages.WEB_DIR / "package.json").read_text())
    lock = json.loads((pages.WEB_DIR / "package-lock.json").read_text())
    for name, version in manifest["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert set(pages.VENDOR_PACKAGES) <= set(manifest["dependencies"])


def test_scripts_parse_as_modules() -> None:
    """``node --check`` every script (web/package.json says ``"type": "module"``)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: it is needed for `make setup` (npm ci) as well")
    scripts = sorted(pages.STATIC_DIR.glob("*.js"))
    assert scripts
    for script in scripts:
        result = subprocess.run(
            [node, "--check", str(script)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{script.name}: {result.stderr}"


def test_scripts_never_write_html() -> None:
    """Data reaches the DOM as text only: no innerHTML, outerHTML,
    insertAdjacentHTML or document.write in any script."""
    pattern = re.compile(r"\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write)\b")
    for script in pages.STATIC_DIR.glob("*.js"):
        assert not pattern.search(script.read_text()), script.name
