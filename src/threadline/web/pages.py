"""HTML pages of the web UI and the static files behind them.

Pages are shells: a layout, an empty ``<main>`` and one ES module that calls
the JSON API. Keeping data out of the HTML means one place (the API) decides
who sees what, and the only request values a page echoes (an entity, case or
start id) go into ``data-`` attributes through Jinja's autoescaping, never
into script. There are no inline scripts or handlers, so the app can send a
``script-src 'self'`` Content-Security-Policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

WEB_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
NODE_MODULES = WEB_DIR / "node_modules"

#: npm packages the pages load, each served read-only at /static/vendor/<name>.
#: Only these directories are exposed, not the whole of node_modules.
VENDOR_PACKAGES = ("cytoscape",)
#: The one vendor file the graph explorer needs, relative to node_modules.
CYTOSCAPE_JS = "cytoscape/dist/cytoscape.min.js"
#: Shown (by the template, so it works without JavaScript) when it is missing.
VENDOR_MISSING = "front-end packages not installed: run make setup"

#: (path, label) of the top navigation, in order.
NAV = (
    ("/", "Search"),
    ("/graph", "Graph"),
    ("/review", "Review"),
    ("/cases", "Cases"),
    ("/ingest", "Ingest"),
    ("/jobs", "Jobs"),
    ("/admin", "Admin"),
)

# Autoescape every template, whatever its extension, and fail loudly on a
# misspelt variable instead of rendering it as an empty string.
_env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def vendor_installed() -> bool:
    """Whether ``npm ci`` has been run; checked per request so installing the
    packages while the server runs needs no restart."""
    return (NODE_MODULES / CYTOSCAPE_JS).is_file()


#: Which navigation entry a page belongs to (highlighted as the current one).
SECTION = {"search": "/", "entity": "/", "document": "/", "case": "/cases"}


def _render(request: Request, template: str, page: str, **context: Any) -> HTMLResponse:
    context.update(
        page=page,
        nav=NAV,
        section=SECTION.get(page, f"/{page}"),
        vendor_missing=VENDOR_MISSING,
    )
    response = templates.TemplateResponse(request, template, context)
    # Shells are tiny and must pick up new script versions after a deploy.
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    return _render(request, "login.html", "login")


@router.get("/")
def search_page(request: Request) -> HTMLResponse:
    return _render(request, "search.html", "search")


@router.get("/entities/{entity_id}")
def entity_page(request: Request, entity_id: str) -> HTMLResponse:
    return _render(request, "entity.html", "entity", entity_id=entity_id)


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: str) -> HTMLResponse:
    return _render(request, "document.html", "document", document_id=document_id)


@router.get("/graph")
def graph_page(request: Request, start_id: Annotated[str, Query(alias="id")] = "") -> HTMLResponse:
    return _render(
        request,
        "graph.html",
        "graph",
        start_id=start_id,
        cytoscape_installed=vendor_installed(),
        cytoscape_src="/static/vendor/" + CYTOSCAPE_JS,
    )


@router.get("/review")
def review_page(request: Request) -> HTMLResponse:
    return _render(request, "review.html", "review")


@router.get("/cases")
def cases_page(request: Request) -> HTMLResponse:
    return _render(request, "cases.html", "cases")


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str) -> HTMLResponse:
    return _render(request, "case.html", "case", case_id=case_id)


@router.get("/ingest")
def ingest_page(request: Request) -> HTMLResponse:
    return _render(request, "ingest.html", "ingest")


@router.get("/jobs")
def jobs_page(request: Request) -> HTMLResponse:
    return _render(request, "jobs.html", "jobs")


@router.get("/admin")
def admin_page(request: Request) -> HTMLResponse:
    return _render(request, "admin.html", "admin")


class _OptionalFiles(StaticFiles):
    """Static files from a directory that may not exist yet (``node_modules``
    before ``npm ci``): every file then answers 404 instead of the server
    failing with a 500 on the first request."""

    async def check_config(self) -> None:
        if self.directory is not None and not Path(self.directory).is_dir():
            return
        await super().check_config()


def mount_static(app: FastAPI) -> None:
    """Serve ``web/static`` at ``/static`` and each vendor package at
    ``/static/vendor/<name>``. Vendor mounts go first: Starlette matches mounts
    in order and ``/static`` would otherwise swallow ``/static/vendor``.
    The app starts and serves pages before ``npm ci`` has run; vendor files
    then answer 404 and the graph page says what to do."""
    for name in VENDOR_PACKAGES:
        app.mount(
            f"/static/vendor/{name}",
            _OptionalFiles(directory=NODE_MODULES / name, check_dir=False),
            name=f"vendor-{name}",
        )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
