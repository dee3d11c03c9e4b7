"""The web app: server-rendered pages over a workspace, each with a JSON twin, and the same data
under ``/api/…`` (FastAPI; routes and JSON in docs/web.md).

Read-only: every request opens the workspace, reads what its page needs through
:class:`rashomon.store.Workspace` and :mod:`rashomon.web.views`, and closes it (a SQLite
connection belongs to one thread; readers run in parallel beside an ingest, WAL). Safe by
construction: templates autoescape everything, no page carries inline script or style, and every
response has a strict Content-Security-Policy.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import NotFound, RashomonError
from ..store import DATABASE_NAME, Workspace
from . import views

HERE = Path(__file__).resolve().parent

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Sent with every response: only the package's own files run or style a page; no inline script
or style, no plugin, no framing by another site."""

SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeaders:
    """ASGI middleware that adds :data:`SECURITY_HEADERS` to every HTTP response, static files and
    errors included (an application-level hook would miss a response Starlette makes itself)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in SECURITY_HEADERS}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = [*headers, *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def error_body(status: int, title: str, detail: str) -> dict[str, Any]:
    """The API's one error shape: ``{"error": {"status", "title", "detail"}}``."""
    return {"error": {"status": status, "title": title, "detail": detail}}


TITLES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 422: "Invalid Request", 500: "Server Error"}


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.endswith(".json") or path == "/openapi.json"


def _environment() -> Environment:
    # autoescape=True for every template (not chosen by file name): a scraped string is text.
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined, trim_blocks=True
    )
    env.globals["version"] = __version__
    env.filters["pct"] = lambda value: f"{value:.2f}"
    # Ids come from the inputs (a record's own id): in a path they are one percent-encoded segment.
    env.filters["urlpart"] = lambda value: quote(str(value), safe="")
    return env


def create_app(workspace: Path, token: str | None = None) -> FastAPI:
    """The web app over ``workspace``: pages, their JSON twins, ``/api/…`` and ``/openapi.json``.

    Args:
        workspace: A workspace folder (``rashomon ingest … --workspace DIR`` made it).
        token: Reserved for write endpoints, which will exist only when a token is given and will
            require it; this version has none and is read-only either way.

    Raises:
        NotFound: ``workspace`` holds no Rashomon database.
    """
    folder = Path(workspace)
    if not (folder / DATABASE_NAME).is_file():
        raise NotFound(f"No workspace at {folder}. Create one with `rashomon ingest PATH --workspace {folder}`.")
    # FastAPI's own /docs page loads its script and style from a CDN; ours is rendered here instead.
    app = FastAPI(
        title="Rashomon",
        version=__version__,
        description="Read-only API over a Rashomon workspace: events, comparisons, articles, entities.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.workspace = folder
    app.state.token = token
    env = _environment()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @contextmanager
    def opened() -> Iterator[Workspace]:
        with Workspace(folder) as ws:
            yield ws

    def page(template: str, data: dict[str, Any], twin: str, title: str, status: int = 200) -> HTMLResponse:
        html = env.get_template(template).render(data=data, twin=twin, title=title)
        return HTMLResponse(html, status_code=status)

    def list_query(request: Request, after: str | None, size: int) -> views.ListQuery:
        filters = {name: value for name in views.FACETS if (value := request.query_params.get(name))}
        return views.ListQuery(filters, after, size)

    def twin_url(request: Request, suffix: str) -> str:
        path = request.url.path
        base = "/index" if path == "/" else path
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{base}{suffix}{query}"

    Size = Query(views.PAGE_SIZE, ge=1, le=views.MAX_PAGE_SIZE, description="Rows per page.")
    After = Query(None, description="Event id the previous page ended with (keyset pagination).")

    # -- the events list ----------------------------------------------------------------

    def listing(request: Request, after: str | None, size: int, paged: bool = True) -> dict[str, Any]:
        with opened() as ws:
            return views.events_list(ws, list_query(request, after, size), paged=paged)

    @app.get("/index.json", tags=["pages"], summary="The events list (JSON twin of /)")
    def index_json(request: Request, after: str | None = After, size: int = Size) -> dict[str, Any]:
        return listing(request, after, size)

    @app.get("/index.csv", tags=["pages"], summary="The events list as CSV (every row, facets applied)")
    def index_csv(request: Request) -> Response:
        data = listing(request, None, views.MAX_PAGE_SIZE, paged=False)
        return Response(
            views.events_csv(data),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="events.csv"'},
        )

    @app.get("/", response_class=HTMLResponse, tags=["pages"], summary="Storylines and events, with facets")
    def index(request: Request, after: str | None = After, size: int = Size) -> HTMLResponse:
        data = listing(request, after, size)
        data["links"] = _facet_links(data, size)
        data["csv"] = twin_url(request, ".csv")
        return page("index.html", data, twin_url(request, ".json"), "Storylines and events")

    @app.get("/api/events", tags=["api"], summary="The events list")
    def api_events(request: Request, after: str | None = After, size: int = Size) -> dict[str, Any]:
        return listing(request, after, size)

    @app.get("/api/storylines", tags=["api"], summary="Every storyline record")
    def api_storylines() -> list[dict[str, Any]]:
        with opened() as ws:
            return views.storylines_list(ws)

    # -- one event, article, entity (twin first: /events/x.json must not match /events/{id}) --

    def event_data(event_id: str) -> dict[str, Any]:
        with opened() as ws:
            return views.event_page(ws, event_id)

    @app.get("/events/{event_id:path}.json", tags=["pages"], summary="One event side by side (JSON twin)")
    def event_json(event_id: str) -> dict[str, Any]:
        return event_data(event_id)

    @app.get("/api/events/{event_id:path}", tags=["api"], summary="One event with its comparison")
    def api_event(event_id: str) -> dict[str, Any]:
        return event_data(event_id)

    @app.get("/events/{event_id:path}", response_class=HTMLResponse, tags=["pages"], summary="One event side by side")
    def event(request: Request, event_id: str) -> HTMLResponse:
        data = event_data(event_id)
        return page("event.html", data, f"/events/{quote(event_id, safe='')}.json", data["event"]["label"] or event_id)

    def article_data(article_id: str) -> dict[str, Any]:
        with opened() as ws:
            return views.article_page(ws, article_id)

    @app.get("/articles/{article_id:path}.json", tags=["pages"], summary="One article, marked up (JSON twin)")
    def article_json(article_id: str) -> dict[str, Any]:
        return article_data(article_id)

    @app.get("/api/articles/{article_id:path}", tags=["api"], summary="One article with its extractions")
    def api_article(article_id: str) -> dict[str, Any]:
        return article_data(article_id)

    @app.get(
        "/articles/{article_id:path}", response_class=HTMLResponse, tags=["pages"], summary="One article, marked up"
    )
    def article(article_id: str) -> HTMLResponse:
        data = article_data(article_id)
        return page(
            "article.html", data, f"/articles/{quote(article_id, safe='')}.json", data["article"]["title"] or article_id
        )

    def entity_data(entity_id: str) -> dict[str, Any]:
        with opened() as ws:
            return views.entity_page(ws, entity_id)

    @app.get("/entities/{entity_id:path}.json", tags=["pages"], summary="One entity across outlets (JSON twin)")
    def entity_json(entity_id: str) -> dict[str, Any]:
        return entity_data(entity_id)

    @app.get("/api/entities/{entity_id:path}", tags=["api"], summary="One entity with its mentions by outlet")
    def api_entity(entity_id: str) -> dict[str, Any]:
        return entity_data(entity_id)

    @app.get("/entities/{entity_id:path}", response_class=HTMLResponse, tags=["pages"], summary="One entity")
    def entity(entity_id: str) -> HTMLResponse:
        data = entity_data(entity_id)
        return page("entity.html", data, f"/entities/{quote(entity_id, safe='')}.json", data["entity"]["name"])

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        schema = app.openapi()
        routes = [
            {
                "path": path,
                "method": method.upper(),
                "summary": op.get("summary", ""),
                "tag": (op.get("tags") or [""])[0],
            }
            for path, methods in schema["paths"].items()
            for method, op in methods.items()
        ]
        return page("docs.html", {"routes": routes, "info": schema["info"]}, "/openapi.json", "API")

    # -- errors: one JSON shape for the API and twins, a page for the rest ----------------

    def failure(request: Request, status: int, detail: str) -> Response:
        title = TITLES.get(status, "Error")
        if _wants_json(request):
            return JSONResponse(error_body(status, title, detail), status_code=status)
        return page("error.html", error_body(status, title, detail)["error"], "", title, status=status)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return failure(request, 404, str(error))

    @app.exception_handler(RashomonError)
    async def rashomon_error(request: Request, error: RashomonError) -> Response:
        return failure(request, 500, str(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else json.dumps(error.detail)
        return failure(request, error.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        return failure(request, 422, problems)

    @app.exception_handler(Exception)
    async def unplanned(request: Request, error: Exception) -> Response:
        return failure(request, 500, f"Unexpected error ({type(error).__name__}); the server log has the details.")

    app.add_middleware(SecurityHeaders)
    return app


def _facet_links(data: dict[str, Any], size: int) -> dict[str, dict[str, str]]:
    """For each facet value, the list's URL with that value chosen (or, when chosen, removed)."""
    from urllib.parse import urlencode

    links: dict[str, dict[str, str]] = {}
    for name, values in data["facets"].items():
        for item in values:
            chosen = dict(data["filters"])
            if item["selected"]:
                chosen.pop(name, None)
            else:
                chosen[name] = item["value"]
            if size != views.PAGE_SIZE:
                chosen["size"] = str(size)
            links.setdefault(name, {})[item["value"]] = "/" + (f"?{urlencode(chosen)}" if chosen else "")
    if data["next_after"]:
        more = {**data["filters"], "after": data["next_after"]}
        if size != views.PAGE_SIZE:
            more["size"] = str(size)
        links["next"] = {"href": "/?" + urlencode(more)}
    return links
