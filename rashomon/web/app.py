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
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import NotFound, QueryError, RashomonError
from ..store import DATABASE_NAME, Workspace
from . import views, writes

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

MAX_FORM_BYTES = 1_000_000  # a pasted text (the about form) or a JSON body; larger is refused (413)

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


PAGE_CACHE_BYTES = 128 * 1024 * 1024
"""At most this many bytes of whole answers are kept (:class:`PageCache`)."""

UNCACHED = ("/login", "/logout", "/ingest", "/static/")
"""Paths whose answers are never kept: the sign-in page sets a fresh value each time, forms."""


class PageCache:
    """ASGI middleware that keeps whole answers to ``GET`` requests (pages, ``.json`` twins, CSV,
    ``/api/…``) until the workspace changes — :class:`_Memo`'s ``PRAGMA data_version`` says when
    — so a page read once is sent again without reading or rendering anything. Keyed by path,
    query and session cookie (a signed-in page carries forms the others do not). Only ``200``
    answers without ``Set-Cookie`` are kept, at most ``budget`` bytes of them in all, the least
    recently used dropped first; ``budget=0`` keeps nothing."""

    def __init__(self, app: ASGIApp, memo: _Memo, budget: int) -> None:
        self.app = app
        self.memo = memo
        self.budget = budget
        self.kept: OrderedDict[tuple[Any, ...], tuple[int, int, list[tuple[bytes, bytes]], bytes]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not self.budget or path.startswith(UNCACHED):
            await self.app(scope, receive, send)
            return
        cookies = [v for k, v in scope.get("headers", []) if k == b"cookie"]
        session = b"".join(c for c in cookies if writes.SESSION_COOKIE.encode() in c)
        key = (path, scope.get("query_string", b""), session)
        version = self.memo.version()
        with self.lock:
            hit = self.kept.get(key)
            if hit is not None and hit[0] == version:
                self.kept.move_to_end(key)
        if hit is not None and hit[0] == version:
            await send({"type": "http.response.start", "status": hit[1], "headers": hit[2]})
            await send({"type": "http.response.body", "body": hit[3]})
            return
        started: dict[str, Any] = {}
        body: list[bytes] = []

        async def keeping(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keeping)
        headers = list(started.get("headers", []))
        if started.get("status") != 200 or any(k.lower() == b"set-cookie" for k, _ in headers):
            return
        data = b"".join(body)
        if len(data) > self.budget // 8 or self.memo.version() != version:
            return
        with self.lock:
            old = self.kept.pop(key, None)
            if old is not None:
                self.size -= len(old[3])
            self.kept[key] = (version, 200, headers, data)
            self.size += len(data)
            while self.size > self.budget and self.kept:
                _, dropped = self.kept.popitem(last=False)
                self.size -= len(dropped[3])


def error_body(status: int, title: str, detail: str) -> dict[str, Any]:
    """The API's one error shape: ``{"error": {"status", "title", "detail"}}``."""
    return {"error": {"status": status, "title": title, "detail": detail}}


TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    422: "Invalid Request",
    500: "Server Error",
}


class _LockedEmbedder:
    """The workspace's embedder shared by every request, one encode at a time (a model's session is
    not promised to be safe for concurrent calls; loading it once per request would cost seconds)."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.dimension = embedder.dimension
        self._lock = threading.Lock()

    def encode(self, texts: Any) -> Any:
        with self._lock:
            return self.embedder.encode(texts)


async def form_fields(request: Request) -> dict[str, Any]:
    """The fields of a urlencoded form (first value of each, as text) or of a JSON object body (as
    JSON gives them), capped at :data:`MAX_FORM_BYTES`."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise StarletteHTTPException(413, f"The request body is over {MAX_FORM_BYTES} bytes.")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            loaded = json.loads(body or b"{}")
        except ValueError:
            raise StarletteHTTPException(400, "The body is not valid JSON.") from None
        if not isinstance(loaded, dict):
            raise StarletteHTTPException(400, "The body must be a JSON object.")
        return {str(k): v for k, v in loaded.items()}
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise StarletteHTTPException(400, "The form is not UTF-8.") from None
    return {name: values[0] for name, values in parsed.items()}


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.endswith(".json") or path == "/openapi.json"


class _Memo:
    """What pages read (the events list with its facets, timelines, event, article and entity
    pages, search results), kept until the workspace changes: a page is stored results arranged,
    so it changes only when they do. SQLite says when: ``PRAGMA data_version`` on a connection held
    open for this changes whenever another connection commits (an ingest, a profile edit, an
    alert), in this process or another. At most ``entries`` results, the least recently used
    dropped first; each caller gets a shallow copy (pages add keys of their own)."""

    def __init__(self, folder: Path, entries: int = 64) -> None:
        database = (folder / DATABASE_NAME).resolve()
        self.connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, check_same_thread=False)
        self.entries = entries
        self.kept: OrderedDict[tuple[Any, ...], tuple[int, dict[str, Any]]] = OrderedDict()
        self.lock = threading.Lock()

    def version(self) -> int:
        with self.lock:
            return int(self.connection.execute("PRAGMA data_version").fetchone()[0])

    def get(self, key: tuple[Any, ...], read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        version = self.version()
        with self.lock:
            hit = self.kept.get(key)
            if hit is not None and hit[0] == version:
                self.kept.move_to_end(key)
                return dict(hit[1])
        value = read()
        if self.entries and self.version() == version:  # nothing committed meanwhile: the result is of that state
            with self.lock:
                self.kept[key] = (version, value)
                self.kept.move_to_end(key)
                while len(self.kept) > self.entries:
                    self.kept.popitem(last=False)
        return dict(value)

    def close(self) -> None:
        with self.lock:
            self.kept.clear()
            self.connection.close()


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


def create_app(workspace: Path, token: str | None = None, cache: int = 512) -> FastAPI:
    """The web app over ``workspace``: pages, their JSON twins, ``/api/…`` and ``/openapi.json``.

    Args:
        workspace: A workspace folder (``rashomon ingest … --workspace DIR`` made it).
        token: With a token the write endpoints exist (ingest, outlet profiles, saved searches:
            :mod:`rashomon.web.writes`) and require it; without one the app is read-only.
        cache: Pages' data kept in memory until the workspace changes (at most this many), and
            whole answers to GET requests (:class:`PageCache`, at most
            :data:`PAGE_CACHE_BYTES`); 0 reads the workspace for every request.

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
        description="API over a Rashomon workspace: events, comparisons, articles, entities, outlets, search, timelines, "
        "alerts. Read-only unless the server was started with --token (then the write routes exist and need it).",
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

    memo = _Memo(folder, entries=cache)
    shared: dict[str, _LockedEmbedder] = {}
    embedder_lock = threading.Lock()

    def embedder_of(ws: Workspace) -> _LockedEmbedder:
        from ..search import workspace_embedder

        with embedder_lock:
            if "embedder" not in shared:
                shared["embedder"] = _LockedEmbedder(workspace_embedder(ws))
            return shared["embedder"]

    def page(
        template: str,
        data: dict[str, Any],
        twin: str,
        title: str,
        status: int = 200,
        request: Request | None = None,
    ) -> HTMLResponse:
        auth = writes.auth_of(token, request)
        html = env.get_template(template).render(data=data, twin=twin, title=title, auth=auth)
        return HTMLResponse(html, status_code=status)

    def csv_response(text: str, filename: str) -> Response:
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

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
        query = list_query(request, after, size)

        def read() -> dict[str, Any]:
            with opened() as ws:
                return views.events_list(ws, query, paged=paged)

        return memo.get(("list", tuple(sorted(query.filters.items())), after, size, paged), read)

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
        return page("index.html", data, twin_url(request, ".json"), "Storylines and events", request=request)

    @app.get("/api/events", tags=["api"], summary="The events list")
    def api_events(request: Request, after: str | None = After, size: int = Size) -> dict[str, Any]:
        return listing(request, after, size)

    @app.get("/api/storylines", tags=["api"], summary="Every storyline record")
    def api_storylines() -> list[dict[str, Any]]:
        with opened() as ws:
            return views.storylines_list(ws)

    # -- one event, article, entity (twin first: /events/x.json must not match /events/{id}) --

    EventBy = Query("outlet", pattern="^(outlet|group)$", description="Columns per outlet or per outlet group.")

    def event_data(event_id: str, by: str = "outlet") -> dict[str, Any]:
        def read() -> dict[str, Any]:
            with opened() as ws:
                return views.event_page(ws, event_id, by)

        return memo.get(("event", event_id, by), read)

    @app.get("/events/{event_id:path}.json", tags=["pages"], summary="One event side by side (JSON twin)")
    def event_json(event_id: str, by: str = EventBy) -> dict[str, Any]:
        return event_data(event_id, by)

    @app.get("/api/events/{event_id:path}", tags=["api"], summary="One event with its comparison")
    def api_event(event_id: str, by: str = EventBy) -> dict[str, Any]:
        return event_data(event_id, by)

    @app.get("/events/{event_id:path}", response_class=HTMLResponse, tags=["pages"], summary="One event side by side")
    def event(request: Request, event_id: str, by: str = EventBy) -> HTMLResponse:
        data = event_data(event_id, by)
        twin = f"/events/{quote(event_id, safe='')}.json" + ("?by=group" if by == "group" else "")
        return page("event.html", data, twin, data["event"]["label"] or event_id)

    def article_data(article_id: str) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            with opened() as ws:
                return views.article_page(ws, article_id)

        return memo.get(("article", article_id), read)

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
        def read() -> dict[str, Any]:
            with opened() as ws:
                return views.entity_page(ws, entity_id)

        return memo.get(("entity", entity_id), read)

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

    # -- search, and which event a text is about ----------------------------------------

    SearchSize = Query(views.SEARCH_SIZE, ge=1, le=views.MAX_SEARCH_SIZE, description="Hits per page.")
    Offset = Query(0, ge=0, le=views.MAX_SEARCH_OFFSET, description="Hits to skip (ranked results page by offset).")
    Mode = Query("both", pattern="^(both|text|semantic)$", description="text, semantic, or both merged.")
    Q = Query("", max_length=1000, description="The query (syntax: docs/search.md).")

    def search_data(q: str, mode: str, size: int, offset: int) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            with opened() as ws:
                embedder = embedder_of(ws) if mode != "text" and q.strip() else None
                return views.search_page(ws, q, mode, size, offset, embedder=embedder)

        return memo.get(("search", q, mode, size, offset), read)

    @app.get("/search.json", tags=["pages"], summary="Search results (JSON twin of /search)")
    def search_json(q: str = Q, mode: str = Mode, size: int = SearchSize, offset: int = Offset) -> dict[str, Any]:
        return search_data(q, mode, size, offset)

    @app.get("/api/search", tags=["api"], summary="Search articles: full text and semantic, merged")
    def api_search(q: str = Q, mode: str = Mode, size: int = SearchSize, offset: int = Offset) -> dict[str, Any]:
        return search_data(q, mode, size, offset)

    @app.get("/search", response_class=HTMLResponse, tags=["pages"], summary="Search articles")
    def search_html(
        request: Request, q: str = Q, mode: str = Mode, size: int = SearchSize, offset: int = Offset
    ) -> HTMLResponse:
        status = 200
        try:
            data = search_data(q, mode, size, offset)
        except QueryError as error:
            data = views.search_page_error(q, mode, size, offset, str(error))
            status = 400
        data["next_href"] = None
        if data["next_offset"] is not None:
            more = {"q": q, "mode": mode, "offset": str(data["next_offset"])}
            if size != views.SEARCH_SIZE:
                more["size"] = str(size)
            data["next_href"] = "/search?" + urlencode(more)
        title = f"Search: {q}" if q else "Search"
        return page("search.html", data, twin_url(request, ".json"), title, status, request=request)

    def fetch_page(url: str) -> Any:
        """A page pasted into /about, read as `rashomon ingest URL` reads it (the workspace's
        fetch settings: size limit, user agent, no private addresses unless allowed)."""
        from ..ingest.sources import make_fetcher, read_page
        from .writes import settings_of

        with make_fetcher(settings_of(folder)) as fetcher:
            return read_page(url, fetcher)

    def about_data(text: str, limit: int) -> dict[str, Any]:
        with opened() as ws:
            embedder = embedder_of(ws) if text.strip() else None
            return views.about_page(ws, text, limit, embedder=embedder, fetch=fetch_page)

    async def about_text(request: Request) -> str:
        if request.method == "POST":
            text = (await form_fields(request)).get("text", "")
            if not isinstance(text, str):
                raise StarletteHTTPException(400, "`text` must be a string.")
            return text
        return request.query_params.get("text", "")

    AboutLimit = Query(5, ge=1, le=50, description="Events to return.")

    @app.get(
        "/about.json",
        operation_id="about_json_get",
        tags=["pages"],
        summary="Which event a text is about (JSON twin of /about)",
    )
    @app.post(
        "/about.json",
        operation_id="about_json_post",
        tags=["pages"],
        summary="Which event a posted text is about (JSON twin of /about)",
    )
    async def about_json(request: Request, limit: int = AboutLimit) -> dict[str, Any]:
        text = await about_text(request)
        return await run_in_threadpool(about_data, text, limit)

    @app.get(
        "/api/about", operation_id="api_about_get", tags=["api"], summary="Which stored events a text (?text=) is about"
    )
    @app.post(
        "/api/about", operation_id="api_about_post", tags=["api"], summary="Which stored events a posted text is about"
    )
    async def api_about(request: Request, limit: int = AboutLimit) -> dict[str, Any]:
        text = await about_text(request)
        return await run_in_threadpool(about_data, text, limit)

    @app.get(
        "/about",
        operation_id="about_get",
        response_class=HTMLResponse,
        tags=["pages"],
        summary="Which event is this text about",
    )
    @app.post(
        "/about",
        operation_id="about_post",
        response_class=HTMLResponse,
        tags=["pages"],
        summary="Which event is a posted text about",
    )
    async def about_html(request: Request, limit: int = AboutLimit) -> HTMLResponse:
        text = await about_text(request)
        status = 200
        try:
            data = await run_in_threadpool(about_data, text, limit)
        except QueryError as error:
            data = {"text": text, "limit": limit, "matches": [], "url": None, "title": None, "error": str(error)}
            status = 400
        data.setdefault("error", None)
        return page("about.html", data, "/about.json", "Which event is this about?", status)

    # -- attention over time ----------------------------------------------------------------

    By = Query("outlet", pattern="^(outlet|language|group)$", description="A series per outlet, language or group.")
    Interval = Query("day", pattern="^(day|week)$", description="Buckets of a day or an ISO week.")
    Measure = Query("count", pattern="^(count|share)$", description="Raw count, or share (docs/web.md).")

    def timeline_data(q: str, by: str, interval: str, mode: str) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            with opened() as ws:
                return views.timeline_page(ws, q, by, interval, mode)

        return memo.get(("timeline", q, by, interval, mode), read)

    @app.get("/timeline.json", tags=["pages"], summary="Attention over time (JSON twin of /timeline)")
    def timeline_json(q: str = Q, by: str = By, interval: str = Interval, mode: str = Measure) -> dict[str, Any]:
        return timeline_data(q, by, interval, mode)

    @app.get("/api/timeline", tags=["api"], summary="Articles per day or week, by outlet, language or group")
    def api_timeline(q: str = Q, by: str = By, interval: str = Interval, mode: str = Measure) -> dict[str, Any]:
        return timeline_data(q, by, interval, mode)

    @app.get("/timeline.csv", tags=["pages"], summary="Attention over time as CSV (a row per bucket and series)")
    def timeline_csv(q: str = Q, by: str = By, interval: str = Interval, mode: str = Measure) -> Response:
        return csv_response(views.timeline_csv(timeline_data(q, by, interval, mode)), "timeline.csv")

    @app.get("/timeline", response_class=HTMLResponse, tags=["pages"], summary="Attention over time, as a chart")
    def timeline(
        request: Request, q: str = Q, by: str = By, interval: str = Interval, mode: str = Measure
    ) -> HTMLResponse:
        data = timeline_data(q, by, interval, mode)
        params = {"q": q, "by": by, "interval": interval, "mode": mode}

        def link(**change: str) -> str:
            chosen = {k: v for k, v in {**params, **change}.items() if v and not (k == "q" and not v)}
            return "/timeline?" + urlencode(chosen)

        data["links"] = {
            "count": link(mode="count"),
            "share": link(mode="share"),
            **{f"by_{b}": link(by=b) for b in ("outlet", "language", "group")},
            **{f"interval_{i}": link(interval=i) for i in ("day", "week")},
            "csv": twin_url(request, ".csv"),
        }
        title = f"Attention over time: {q}" if q else "Attention over time"
        return page("timeline.html", data, twin_url(request, ".json"), title)

    # -- outlets ----------------------------------------------------------------------------

    def outlets_data() -> dict[str, Any]:
        with opened() as ws:
            return views.outlets_list(ws)

    @app.get("/outlets.json", tags=["pages"], summary="Every outlet with its profile (JSON twin of /outlets)")
    def outlets_json() -> dict[str, Any]:
        return outlets_data()

    @app.get("/outlets.csv", tags=["pages"], summary="Every outlet with its profile, as CSV")
    def outlets_csv() -> Response:
        return csv_response(views.outlets_csv(outlets_data()), "outlets.csv")

    @app.get("/api/outlets", tags=["api"], summary="Every outlet with its profile and article count")
    def api_outlets() -> dict[str, Any]:
        return outlets_data()

    @app.get("/outlets", response_class=HTMLResponse, tags=["pages"], summary="Outlets, their profiles and groups")
    def outlets() -> HTMLResponse:
        return page("outlets.html", outlets_data(), "/outlets.json", "Outlets")

    def outlet_data(outlet: str) -> dict[str, Any]:
        with opened() as ws:
            return views.outlet_page(ws, outlet)

    @app.get("/outlets/{outlet:path}.json", tags=["pages"], summary="One outlet (JSON twin)")
    def outlet_json(outlet: str) -> dict[str, Any]:
        return outlet_data(outlet)

    @app.get("/api/outlets/{outlet:path}", tags=["api"], summary="One outlet: profile, events, articles")
    def api_outlet(outlet: str) -> dict[str, Any]:
        return outlet_data(outlet)

    @app.get("/outlets/{outlet:path}", response_class=HTMLResponse, tags=["pages"], summary="One outlet")
    def outlet(request: Request, outlet: str) -> HTMLResponse:
        data = outlet_data(outlet)
        return page("outlet.html", data, f"/outlets/{quote(outlet, safe='')}.json", outlet, request=request)

    # -- alerts -------------------------------------------------------------------------------

    AlertsSize = Query(views.ALERTS_SIZE, ge=1, le=500, description="Alerts per page.")
    Before = Query(None, ge=1, description="The seq of the previous page's last alert (keyset pagination).")
    WatchParam = Query(None, max_length=100, description="Only this watch's alerts (wa-…).")

    def alerts_data(size: int, before: int | None, watch: str | None) -> dict[str, Any]:
        with opened() as ws:
            return views.alerts_page(ws, size, before, watch)

    @app.get("/alerts.json", tags=["pages"], summary="Watches and their alerts (JSON twin of /alerts)")
    def alerts_json(
        size: int = AlertsSize, before: int | None = Before, watch: str | None = WatchParam
    ) -> dict[str, Any]:
        return alerts_data(size, before, watch)

    @app.get("/api/alerts", tags=["api"], summary="Alerts, newest first")
    def api_alerts(
        size: int = AlertsSize, before: int | None = Before, watch: str | None = WatchParam
    ) -> dict[str, Any]:
        return alerts_data(size, before, watch)

    @app.get("/alerts.atom", tags=["pages"], summary="Alerts as an Atom feed")
    def alerts_atom(request: Request, size: int = AlertsSize, watch: str | None = WatchParam) -> Response:
        body = views.alerts_atom(alerts_data(size, None, watch), str(request.base_url))
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    @app.get("/alerts", response_class=HTMLResponse, tags=["pages"], summary="Watches and their alerts")
    def alerts(
        request: Request, size: int = AlertsSize, before: int | None = Before, watch: str | None = WatchParam
    ) -> HTMLResponse:
        data = alerts_data(size, before, watch)
        for alert in data["alerts"]:
            alert["href"] = views.alert_href(alert)
        data["next_href"] = None
        if data["next_before"] is not None:
            more = {"before": str(data["next_before"]), **({"watch": watch} if watch else {})}
            data["next_href"] = "/alerts?" + urlencode(more)
        data["feed"] = "/alerts.atom" + (f"?{urlencode({'watch': watch})}" if watch else "")
        return page("alerts.html", data, twin_url(request, ".json"), "Alerts", request=request)

    if token is not None:
        writes.register(app, writes.Helpers(folder, token, opened, page, embedder_of, form_fields))

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

    @app.exception_handler(QueryError)
    async def bad_query(request: Request, error: QueryError) -> Response:
        return failure(request, 400, str(error))

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

    app.add_middleware(PageCache, memo=memo, budget=PAGE_CACHE_BYTES if cache else 0)
    app.add_middleware(SecurityHeaders)
    return app


def _facet_links(data: dict[str, Any], size: int) -> dict[str, dict[str, str]]:
    """For each facet value, the list's URL with that value chosen (or, when chosen, removed)."""
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
