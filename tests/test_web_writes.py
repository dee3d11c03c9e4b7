"""Write endpoints (`rashomon serve --token`): absent without a token, and with one they need it —
a Bearer header for the API, a session and a CSRF field for the HTML forms."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from conftest import strike_record
from test_web import Client, Page

from rashomon import Workspace
from rashomon.cli import cli
from rashomon.web import create_app
from rashomon.web.writes import SESSION_COOKIE

TOKEN = "s3cret-token-for-tests"
AUTH = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture()
def folder(groups_workspace: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(groups_workspace, tmp_path / "ws"))


@pytest.fixture()
def writer(folder: Path) -> Client:
    return Client(create_app(folder, token=TOKEN), raise_errors=False)


def _login_form(client: Client) -> tuple[dict[str, str], str]:
    """The sign-in page's cookie header and the hidden field it carries (double submit)."""
    page = client.get("/login")
    cookie = page.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    field = next(a["value"] for t, a in Page(page.text).elements if t == "input" and a.get("name") == "login_csrf")
    assert cookie.split(";")[0].split("=", 1)[1] == field
    return {"cookie": cookie.split(";")[0]}, field


def _signed_in(client: Client) -> tuple[dict[str, str], str]:
    """Sign in through the form: the session cookie header, and the CSRF value pages carry."""
    login, form = _login_form(client)
    response = client.post("/login", data={"token": TOKEN, "login_csrf": form}, headers=login)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower() and TOKEN not in cookie
    value = cookie.split(";")[0]
    headers = {"cookie": value}
    page = Page(client.get("/ingest", headers=headers).text)
    csrf = next(a["value"] for t, a in page.elements if t == "input" and a.get("name") == "csrf")
    return headers, csrf


WRITES = [
    ("GET", "/ingest"),
    ("POST", "/ingest"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/api/ingest"),
    ("POST", "/api/watches"),
    ("DELETE", "/api/watches/wa-x"),
    ("POST", "/watches"),
]


def test_web_without_a_token_the_write_routes_do_not_exist(folder: Path) -> None:
    client = Client(create_app(folder), raise_errors=False)
    for method, path in WRITES:
        response = client.request(method, path, content=b"{}", headers={**AUTH, "content-type": "application/json"})
        assert response.status_code == 404, (method, path)
    # Where a read route has the path, the write method is not allowed.
    assert client.request("PUT", "/api/outlets/Wire%20One", json={"country": "X"}, headers=AUTH).status_code == 405
    assert client.post("/outlets/Wire%20One/profile", data={"country": "X"}).status_code == 405
    schema = client.get("/openapi.json").json()
    assert "/api/ingest" not in schema["paths"] and "put" not in schema["paths"]["/api/outlets/{outlet}"]
    page = Page(client.get("/").text)
    assert not any(t == "a" and a.get("href") in ("/ingest", "/login") for t, a in page.elements)
    with Workspace(folder) as ws:
        assert ws.outlet_profiles()["Wire One"].country == "GB"


def test_web_api_writes_need_the_bearer_token(writer: Client, folder: Path) -> None:
    body = json.dumps([strike_record("Wire Two", 9, "Ferries are late.")]).encode()
    for headers in (
        {},
        {"authorization": "Bearer wrong"},
        {"authorization": TOKEN},
        {"authorization": f"Basic {TOKEN}"},
    ):
        response = writer.post("/api/ingest?filename=x.json", content=body, headers=headers)
        assert response.status_code == 401 and list(response.json()) == ["error"], headers
    done = writer.post("/api/ingest?filename=more.json", content=body, headers=AUTH)
    assert done.status_code == 200, done.text
    assert done.json()["added"] == ["s9"] and done.json()["counts"]["new"] + done.json()["counts"]["near copies"] == 1
    assert list((folder / "uploads").rglob("more.json"))  # the upload is kept in the workspace
    assert writer.get("/articles/s9.json").status_code == 200
    profile = writer.request(
        "PUT", "/api/outlets/Daily%20Clarion", json={"country": "US", "tags": ["tabloid"]}, headers=AUTH
    )
    assert profile.status_code == 200 and profile.json()["tags"] == ["tabloid"]
    assert writer.get("/outlets/Daily%20Clarion.json").json()["profile"]["country"] == "US"
    assert writer.request("PUT", "/api/outlets/X", json={"colour": "red"}, headers=AUTH).status_code == 400
    saved = writer.post("/api/watches", json={"kind": "search", "target": "Hamburg strike"}, headers=AUTH)
    assert saved.status_code == 200 and saved.json()["id"].startswith("wa-")
    assert writer.post("/api/watches", json={"kind": "event", "target": "ev-none"}, headers=AUTH).status_code == 404
    assert writer.post("/api/watches", json={"kind": "search", "target": '"x'}, headers=AUTH).status_code == 400
    assert [w["target"] for w in writer.get("/alerts.json").json()["watches"]] == ["Hamburg strike"]
    assert writer.request("DELETE", f"/api/watches/{saved.json()['id']}", headers=AUTH).status_code == 200
    assert writer.request("DELETE", f"/api/watches/{saved.json()['id']}", headers=AUTH).status_code == 404


def test_web_api_ingest_refuses_bad_names_big_bodies_and_private_urls(writer: Client, folder: Path) -> None:
    body = json.dumps([strike_record("Wire Two", 9, "Ferries are late.")]).encode()
    for name in ("../../etc/passwd", "x.exe", "", "..json"):
        response = writer.post(f"/api/ingest?filename={quote(name)}", content=body, headers=AUTH)
        assert response.status_code == 400, name
    (folder / "rashomon.toml").write_text("max_input_mb = 0.0001\n", encoding="utf-8")
    assert writer.post("/api/ingest?filename=big.json", content=body, headers=AUTH).status_code == 413
    (folder / "rashomon.toml").unlink()
    fetched = writer.post("/api/ingest", json={"url": "http://127.0.0.1:9/page"}, headers=AUTH)
    assert fetched.status_code == 200 and fetched.json()["added"] == [] and fetched.json()["rejected"]
    assert writer.post("/api/ingest", json={"url": "file:///etc/passwd"}, headers=AUTH).status_code == 400


def test_web_forms_need_a_session_and_the_csrf_field(writer: Client, folder: Path) -> None:
    login, field = _login_form(writer)
    assert writer.post("/login", data={"token": "wrong", "login_csrf": field}, headers=login).status_code == 403
    tokenish = {"token": "tökén ✓", "login_csrf": field}  # any text, compared safely
    assert writer.post("/login", data=tokenish, headers=login).status_code == 403
    # The sign-in form itself needs its CSRF pair: the right token without it signs nobody in.
    assert writer.post("/login", data={"token": TOKEN}).status_code == 403
    assert writer.post("/login", data={"token": TOKEN, "login_csrf": field}).status_code == 403  # no cookie
    assert writer.post("/login", data={"token": TOKEN, "login_csrf": "x" + field[1:]}, headers=login).status_code == 403
    assert "rashomon_session" not in writer.post("/login", data={"token": TOKEN}).headers.get("set-cookie", "")
    form = {"country": "DE", "tags": "wire; pool"}
    assert writer.post("/outlets/Wire%20One/profile", data=form).status_code == 403  # no session
    headers, csrf = _signed_in(writer)
    assert csrf and csrf != TOKEN
    assert writer.post("/outlets/Wire%20One/profile", data=form, headers=headers).status_code == 403  # no CSRF
    bad = writer.post("/outlets/Wire%20One/profile", data={**form, "csrf": "x" * len(csrf)}, headers=headers)
    assert bad.status_code == 403
    with Workspace(folder) as ws:
        assert ws.outlet_profiles()["Wire One"].country == "GB"
    done = writer.post("/outlets/Wire%20One/profile", data={**form, "csrf": csrf}, headers=headers)
    assert done.status_code == 303 and done.headers["location"] == "/outlets/Wire%20One"
    with Workspace(folder) as ws:
        assert ws.outlet_profiles()["Wire One"].tags == ("wire", "pool")
    # A forged session cookie is no session.
    forged = {"cookie": f"{SESSION_COOKIE}={TOKEN}"}
    assert writer.post("/outlets/Wire%20One/profile", data={**form, "csrf": csrf}, headers=forged).status_code == 403


def test_web_forms_ingest_an_upload_and_save_a_search(writer: Client) -> None:
    headers, csrf = _signed_in(writer)
    upload = json.dumps([strike_record("Wire Three", 10, "Buses replace trains.")]).encode()
    page = writer.post("/ingest", data={"csrf": csrf}, files={"file": ("late.json", upload)}, headers=headers)
    assert page.status_code == 200, page.text
    assert any(t == "a" and a.get("href") == "/articles/s10" for t, a in Page(page.text).elements)
    assert writer.post("/ingest", files={"file": ("late.json", upload)}, headers=headers).status_code == 403
    search = Page(writer.get("/search?q=Hamburg&mode=text", headers=headers).text)
    target = next(a["value"] for t, a in search.elements if t == "input" and a.get("name") == "target")
    saved = writer.post("/watches", data={"kind": "search", "target": target, "csrf": csrf}, headers=headers)
    assert saved.status_code == 303 and saved.headers["location"] == "/alerts"
    assert [w["target"] for w in writer.get("/alerts.json").json()["watches"]] == ["Hamburg"]
    # The forms are on the pages only for a signed-in browser.
    outlet = Page(writer.get("/outlets/Wire%20One", headers=headers).text)
    assert any(t == "form" and a.get("action") == "/outlets/Wire%20One/profile" for t, a in outlet.elements)
    anonymous = Page(writer.get("/outlets/Wire%20One").text)
    assert not any(t == "form" for t, _ in anonymous.elements)
    out = writer.post("/logout", data={"csrf": csrf}, headers=headers)
    assert out.status_code == 303 and SESSION_COOKIE in out.headers["set-cookie"]


def test_cli_serve_with_a_token_has_write_routes(monkeypatch, folder: Path) -> None:
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, log_level: seen.update(app=app))
    result = CliRunner().invoke(cli, ["serve", "--workspace", str(folder), "--token", TOKEN])
    assert result.exit_code == 0, result.output
    assert "/api/ingest" in {getattr(route, "path", "") for route in seen["app"].routes}


def test_web_signed_in_pages_keep_the_policy_and_carry_no_inline_script(writer: Client) -> None:
    headers, csrf = _signed_in(writer)
    for path in ("/", "/ingest", "/login", "/search?q=Hamburg", "/outlets/Wire%20One", "/alerts", "/events/ev-s1"):
        response = writer.get(path, headers=headers)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        for tag, attributes in Page(response.text).elements:
            assert tag not in {"script", "style", "iframe", "object", "embed"}, (path, tag)
            assert "style" not in attributes and not [n for n in attributes if n.startswith("on")], (path, tag)
            if tag == "form":
                assert attributes.get("action", "").startswith("/") and attributes.get("method") in ("get", "post"), (
                    path
                )
        forms = Page(response.text).elements
        posted = [a for t, a in forms if t == "input" and a.get("name") == "csrf"]
        assert all(a["value"] == csrf for a in posted), path


def test_web_kept_pages_are_per_session_and_sign_in_pages_are_never_kept(writer: Client, folder: Path) -> None:
    def signed_out_button(response) -> bool:
        return any(t == "button" for t, a in Page(response.text).elements) and "Sign out" in response.text

    anonymous = writer.get("/")
    assert not signed_out_button(anonymous) and "/login" in anonymous.text
    headers, csrf = _signed_in(writer)
    mine = writer.get("/", headers=headers)
    assert signed_out_button(mine) and csrf in mine.text  # not the anonymous page kept before
    again = writer.get("/")
    assert again.text == anonymous.text and csrf not in again.text
    # The sign-in page sets a fresh value each time: never served from memory.
    first, second = writer.get("/login"), writer.get("/login")
    assert first.headers["set-cookie"] != second.headers["set-cookie"]
    # A write through the API shows on the next read of the page.
    body = json.dumps([strike_record("Harbour Post", 9, "Ferries are late.")]).encode()
    assert writer.post("/api/ingest?filename=more.json", content=body, headers=AUTH).status_code == 200
    assert "Harbour Post" in writer.get("/").text and "Harbour Post" not in anonymous.text
