"""Write endpoints: ingest a file or a URL, edit an outlet profile, save a search — registered only
when the server is started with a token (``rashomon serve --token TOKEN``); without one they do
not exist (404, or 405 where the path has a read route).

Who may write:

* the **API** (``/api/…``) takes ``Authorization: Bearer TOKEN``;
* **HTML forms** take a session: signing in at ``/login`` with the token sets an ``HttpOnly``,
  ``SameSite=Strict`` cookie holding an HMAC of the token (never the token itself), and every
  form carries a hidden CSRF field, another HMAC of the token, that a page of another site
  cannot read. A form without both is refused (403).

Tokens and HMACs are compared in constant time. Nothing here is reachable without the token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ..config import Settings, load_settings
from ..errors import NotFound, RashomonError
from ..store import Workspace

SESSION_COOKIE = "rashomon_session"
LOGIN_COOKIE = "rashomon_login"
"""A random value the sign-in page sets as a cookie and as a hidden field; the sign-in form must
send both, equal (double submit), so another site cannot sign a browser in."""
UPLOADS = "uploads"  # under the workspace: every uploaded file is kept (nothing a user gave is lost)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
SUFFIXES = (
    ".txt",
    ".html",
    ".htm",
    ".json",
    ".jsonl",
    ".warc",
    ".opml",
    ".urls",
    ".rss",
    ".atom",
    ".gz",
)


def same(given: str, expected: str) -> bool:
    """Whether two secrets are equal, compared in constant time (as bytes: any text may be given)."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


def _mac(token: str, purpose: str) -> str:
    return hmac.new(token.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Auth:
    """What a page needs to know about writing: whether writes exist, whether this browser is
    signed in, and the CSRF value its forms carry (empty when not signed in)."""

    writes: bool = False
    signed_in: bool = False
    csrf: str = ""


def auth_of(token: str | None, request: Request | None) -> Auth:
    """The :class:`Auth` of a request to an app with (or without) a token."""
    if token is None:
        return Auth()
    signed_in = request is not None and same(request.cookies.get(SESSION_COOKIE, ""), _mac(token, "session"))
    return Auth(True, signed_in, _mac(token, "csrf") if signed_in else "")


def safe_filename(name: str) -> str:
    """An upload's file name reduced to its base name in ``[A-Za-z0-9._-]``, with a suffix ingest
    reads.

    Raises:
        HTTPException: 400, when nothing usable is left or the type is not one ingest reads.
    """
    base = _SAFE_NAME.sub("_", Path(name.replace("\\", "/")).name).strip("._")
    if not base or not base.lower().endswith(SUFFIXES):
        raise HTTPException(400, f"Give the file a name ingest reads ({', '.join(SUFFIXES)}), not {name[:80]!r}.")
    return base[-120:]


async def read_capped(request: Request, cap: int) -> bytes:
    """The request body, refused (413) as soon as it grows past ``cap`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise HTTPException(413, f"The body is over {cap} bytes (max_input_mb).")
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise HTTPException(413, f"The body is over {cap} bytes (max_input_mb).")
        parts.append(chunk)
    return b"".join(parts)


def form_data(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """A ``multipart/form-data`` body's fields and files (``name -> (file name, bytes)``), read
    with the standard library's MIME parser."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"MIME-Version: 1.0\r\nContent-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if not message.is_multipart():
        raise HTTPException(400, "The form is not multipart/form-data.")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, data)
        else:
            fields[name] = data.decode(part.get_content_charset() or "utf-8", "replace")
    return fields, files


@dataclass
class Helpers:
    """What the write routes share with the app: the workspace, the page renderer, the embedder."""

    folder: Path
    token: str
    opened: Callable[[], AbstractContextManager[Workspace]]
    page: Callable[..., HTMLResponse]
    embedder_of: Callable[[Workspace], Any]
    form_fields: Callable[[Request], Any]


def settings_of(folder: Path) -> Settings:
    """The workspace's settings: its ``rashomon.toml`` if it has one, else the defaults."""
    config = folder / "rashomon.toml"
    return load_settings(str(config) if config.is_file() else None)


def ingest_summary(result: Any) -> dict[str, Any]:
    """An ingest's summary as JSON-ready data."""
    return {
        "added": list(result.added),
        "counts": result.counts(),
        "rejected": [{"source": r.source, "reason": r.reason} for r in result.rejected],
        "events": result.events,
        "storylines": result.storylines,
    }


def register(app: FastAPI, helpers: Helpers) -> None:
    """Add the write routes (see the module docstring) to ``app``."""
    from .. import outlets as outlet_profiles
    from ..alerts import add_watch

    token = helpers.token

    def bearer(request: Request) -> None:
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not same(value.strip(), token):
            raise HTTPException(401, "Write endpoints need the header `Authorization: Bearer TOKEN` (serve --token).")

    def signed_form(request: Request, fields: dict[str, Any]) -> None:
        auth = auth_of(token, request)
        if not auth.signed_in:
            raise HTTPException(403, "Sign in at /login with the server's token first.")
        if not same(str(fields.get("csrf", "")), auth.csrf):
            raise HTTPException(403, "The form's CSRF field is missing or wrong; reload the page and try again.")

    def run_ingest(sources: list[str]) -> dict[str, Any]:
        from ..pipeline import ingest

        settings = settings_of(helpers.folder)
        with helpers.opened() as ws:
            embedder = helpers.embedder_of(ws).embedder
            return ingest_summary(ingest(sources, ws, settings, embedder))

    def keep_upload(filename: str, raw: bytes) -> str:
        name = safe_filename(filename)
        folder = helpers.folder / UPLOADS / hashlib.sha256(raw).hexdigest()[:16]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(raw)
        return str(path)

    def check_url(url: str) -> str:
        url = url.strip()
        if not re.match(r"^https?://[^\s/]+", url, re.IGNORECASE):
            raise HTTPException(400, "Give an http:// or https:// URL to ingest.")
        return url

    # -- the API ------------------------------------------------------------------------------

    @app.post("/api/ingest", tags=["write"], summary="Ingest an uploaded file (?filename=) or a URL (JSON {url})")
    async def api_ingest(request: Request, filename: str | None = None) -> dict[str, Any]:
        bearer(request)
        cap = settings_of(helpers.folder).max_input_bytes
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json":
            fields = await helpers.form_fields(request)
            return await run_in_threadpool(run_ingest, [check_url(str(fields.get("url", "")))])
        if not filename:
            raise HTTPException(400, 'Upload the file as the body with ?filename=NAME.ext, or POST JSON {"url": …}.')
        raw = await read_capped(request, cap)
        return await run_in_threadpool(run_ingest, [keep_upload(filename, raw)])

    def save_profile(outlet: str, fields: dict[str, Any]) -> dict[str, Any]:
        wanted = {k: v for k, v in fields.items() if k not in ("csrf", "outlet")}
        try:
            profile = outlet_profiles.profile_from({"outlet": outlet, **wanted}, f"profile of {outlet}")
        except RashomonError as error:
            raise HTTPException(400, str(error)) from None
        with helpers.opened() as ws:
            ws.save_outlet_profiles([profile])
            saved = ws.outlet_profiles()[profile.outlet]
        return {"outlet": saved.outlet, "country": saved.country, "language": saved.language,
                "ownership": saved.ownership, "tags": list(saved.tags)}  # fmt: skip

    @app.put("/api/outlets/{outlet:path}", tags=["write"], summary="Set an outlet's profile (JSON)")
    async def api_outlet_profile(request: Request, outlet: str) -> dict[str, Any]:
        bearer(request)
        return save_profile(outlet, await helpers.form_fields(request))

    def save_watch(kind: str, target: str) -> dict[str, Any]:
        with helpers.opened() as ws:
            try:
                watch = add_watch(ws, kind, target)
            except RashomonError as error:
                raise HTTPException(404 if isinstance(error, NotFound) else 400, str(error)) from None
        return {"id": watch.id, "kind": watch.kind, "target": watch.target, "label": watch.label}

    @app.post("/api/watches", tags=["write"], summary="Save a search or watch an entity or event (JSON)")
    async def api_watch(request: Request) -> dict[str, Any]:
        bearer(request)
        fields = await helpers.form_fields(request)
        return save_watch(str(fields.get("kind", "search")), str(fields.get("target", "")))

    @app.delete("/api/watches/{watch_id}", tags=["write"], summary="Stop a watch (and drop its alerts)")
    def api_unwatch(request: Request, watch_id: str) -> dict[str, Any]:
        bearer(request)
        with helpers.opened() as ws:
            if not ws.remove_watch(watch_id):
                raise HTTPException(404, f"No watch {watch_id!r}.")
        return {"removed": watch_id}

    # -- HTML forms ---------------------------------------------------------------------------

    def login_form(request: Request, error: str | None, status: int = 200) -> HTMLResponse:
        nonce = secrets.token_urlsafe(24)
        response = helpers.page("login.html", {"error": error, "login_csrf": nonce}, "", "Sign in", status, request)
        response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", path="/login", max_age=3600)
        return response

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> HTMLResponse:
        return login_form(request, None)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        fields = await helpers.form_fields(request)
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        if not nonce or not same(str(fields.get("login_csrf", "")), nonce):
            return login_form(request, "The sign-in form's CSRF field is missing or stale; sign in again.", 403)
        if not same(str(fields.get("token", "")), token):
            return login_form(request, "That is not the server's token.", 403)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(SESSION_COOKIE, _mac(token, "session"), httponly=True, samesite="strict", path="/")
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        signed_form(request, await helpers.form_fields(request))
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/ingest", response_class=HTMLResponse, include_in_schema=False)
    def ingest_page(request: Request) -> HTMLResponse:
        return helpers.page("ingest.html", {"result": None}, "", "Ingest", request=request)

    @app.post("/ingest", response_class=HTMLResponse, include_in_schema=False)
    async def ingest_form(request: Request) -> HTMLResponse:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        cap = settings_of(helpers.folder).max_input_bytes
        if kind == "multipart/form-data":
            fields, files = form_data(request.headers["content-type"], await read_capped(request, cap + 65536))
            signed_form(request, fields)
            filename, raw = files.get("file", ("", b""))
            if not raw:
                raise HTTPException(400, "Choose a file to upload.")
            if len(raw) > cap:
                raise HTTPException(413, f"The file is over {cap} bytes (max_input_mb).")
            sources = [keep_upload(filename, raw)]
        else:
            fields = await helpers.form_fields(request)
            signed_form(request, fields)
            sources = [check_url(fields.get("url", ""))]
        result = await run_in_threadpool(run_ingest, sources)
        return helpers.page("ingest.html", {"result": result}, "", "Ingested", request=request)

    @app.post("/outlets/{outlet:path}/profile", include_in_schema=False)
    async def outlet_profile_form(request: Request, outlet: str) -> Response:
        fields = await helpers.form_fields(request)
        signed_form(request, fields)
        save_profile(outlet, fields)
        return RedirectResponse(f"/outlets/{quote(outlet, safe='')}", status_code=303)

    @app.post("/watches", include_in_schema=False)
    async def watch_form(request: Request) -> Response:
        fields = await helpers.form_fields(request)
        signed_form(request, fields)
        save_watch(fields.get("kind", "search"), fields.get("target", ""))
        return RedirectResponse("/alerts", status_code=303)
