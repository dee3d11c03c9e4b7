"""The web app (`rashomon serve`): pages, JSON twins, the API's error shape and its security headers.

Driven in-process through httpx's ASGI transport on workspaces ingested from the seeds and the
sample corpus (built once a session, in conftest), and in headless Chromium for what only a
browser shows (marked ``slow``).
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest
from click.testing import CliRunner
from conftest import HOSTILE_TAG, HOSTILE_TITLES

from rashomon import Workspace
from rashomon.cli import cli
from rashomon.errors import NotFound
from rashomon.web import create_app
from rashomon.web import views as web_views

SVG_TAGS = frozenset({"svg", "g", "line", "polyline", "circle", "text", "title"})


class Client:
    """A synchronous face on an httpx client over the app's ASGI transport (no socket)."""

    def __init__(self, app, raise_errors: bool = True) -> None:
        self.transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_errors)

    def get(self, path: str, **options) -> httpx.Response:
        return self.request("GET", path, **options)

    def post(self, path: str, **options) -> httpx.Response:
        return self.request("POST", path, **options)

    def request(self, method: str, path: str, **options) -> httpx.Response:
        async def fetch() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://rashomon.test") as client:
                return await client.request(method, path, **options)

        # Each request runs its own event loop on a worker thread: Playwright's sync API keeps a
        # loop running in the main thread while the session's browser is open.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, fetch()).result()


class Page(HTMLParser):
    """What a test reads of a page: its elements with attributes, and the text inside chosen ones."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: list[tuple[str, dict[str, str], str]] = []
        self._open: list[tuple[str, dict[str, str], list[str]]] = []
        self.in_svg: list[str] = []  # every element inside an <svg>, the <svg> included
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag == "svg" or any(name == "svg" for name, _, _ in self._open):
            self.in_svg.append(tag)
        if tag not in {"br", "link", "meta", "img", "input"}:
            self._open.append((tag, attributes, []))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            name, attributes, parts = self._open.pop()
            self.texts.append((name, attributes, "".join(parts)))
            if self._open:
                self._open[-1][2].extend(parts)
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][2].append(data)

    def having(self, tag: str, css_class: str) -> list[str]:
        """The text of every ``tag`` element whose class list holds ``css_class``."""
        return [text for name, attrs, text in self.texts if name == tag and css_class in attrs.get("class", "").split()]

    def alternate(self) -> str:
        return next(a["href"] for tag, a in self.elements if tag == "link" and a.get("rel") == "alternate")


@pytest.fixture(scope="module")
def hostile(hostile_workspace: Path) -> Client:
    return Client(create_app(hostile_workspace))


@pytest.fixture(scope="module")
def seeds(seeds_workspace: Path) -> Client:
    return Client(create_app(seeds_workspace))


@pytest.fixture(scope="module")
def sample(sample_workspace: Path) -> Client:
    return Client(create_app(sample_workspace))


def _seed_event(client: Client) -> dict:
    """The seeds' Blinken visit: the event three outlets cover."""
    listing = client.get("/index.json?size=500").json()
    row = max(listing["rows"], key=lambda r: r["articles"])
    assert row["articles"] == 3
    return client.get(f"/events/{row['event_id']}.json").json()


# -- fast: security, errors, escaping (a small hashing-embedder workspace) -------------------


def _pages(client: Client) -> list[str]:
    listing = client.get("/index.json").json()
    paths = ["/", "/docs", "/index.json", "/index.csv", "/static/style.css", "/openapi.json"]
    paths += ["/search", "/search?q=minister", "/search?q=port&mode=text", "/search.json?q=minister", "/about"]
    paths += ["/about?text=The+minister+said+the+port+would+reopen", "/about.json"]
    paths += ["/timeline", "/timeline?mode=share", "/timeline?q=minister&by=language&interval=week&mode=share"]
    paths += ["/timeline.json?q=port", "/timeline.csv", "/timeline?by=group"]
    paths += ["/alerts", "/alerts.json", "/alerts.atom"]
    paths += ["/outlets", "/outlets.csv", "/outlets.json", "/?" + urlencode({"group": HOSTILE_TAG})]
    paths += [f"/outlets/{quote(o['outlet'], safe='')}" for o in client.get("/outlets.json").json()["outlets"]]
    for row in listing["rows"]:
        paths += [f"/events/{row['event_id']}", f"/events/{row['event_id']}?by=group"]
        paths += [f"/articles/{a['id']}" for a in client.get(f"/events/{row['event_id']}.json").json()["articles"]]
    return paths


def test_web_every_response_carries_the_security_headers(hostile: Client) -> None:
    for path in [*_pages(hostile), "/events/ev-none", "/api/events/ev-none", "/no/such/page"]:
        response = hostile.get(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "object-src 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "http" not in policy
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "no-referrer", path


def test_web_pages_carry_no_inline_script_or_style_and_load_nothing_from_outside(hostile: Client) -> None:
    html_pages = [p for p in _pages(hostile) if not p.split("?")[0].endswith((".json", ".csv", ".css", ".atom"))]
    assert len(html_pages) >= 4
    for path in html_pages:
        response = hostile.get(path)
        assert response.headers["content-type"].startswith("text/html"), path
        page = Page(response.text)
        for tag, attributes in page.elements:
            assert tag not in {"script", "style", "iframe", "object", "embed", "img"}, (path, tag)
            assert "style" not in attributes, (path, tag)
            assert not [name for name in attributes if name.startswith("on")], (path, tag, attributes)
            for name in ("href", "src"):
                value = attributes.get(name, "")
                assert not value.startswith(("http:", "https:", "//", "javascript:", "data:")), (path, value)
        # Charts are SVG drawn by the server: shapes and text only (no foreignObject, use, image, animate).
        assert set(page.in_svg) <= SVG_TAGS, (path, set(page.in_svg) - SVG_TAGS)


def test_web_hostile_titles_are_shown_as_text_never_as_markup(hostile: Client) -> None:
    rows = hostile.get("/index.json").json()["rows"]
    articles = [a for row in rows for a in hostile.get(f"/events/{row['event_id']}.json").json()["articles"]]
    assert {a["title"] for a in articles} == set(HOSTILE_TITLES)
    for article in articles:
        for path in (f"/articles/{article['id']}", "/"):
            text = hostile.get(path).text
            assert "<script>window" not in text and "<img src=x" not in text and "<b>bold</b>" not in text
        page = hostile.get(f"/articles/{article['id']}").text
        # The title is on the page as text, escaped, in its heading and its <title>.
        assert "&lt;" in page
        for element in ("h1", "title"):
            assert any(article["title"] in text for tag, _, text in Page(page).texts if tag == element), element
    event = hostile.get(f"/events/{rows[0]['event_id']}").text
    assert "&lt;b&gt;bold&lt;/b&gt;" in event


def test_web_errors_have_one_json_shape(hostile_workspace: Path, monkeypatch) -> None:
    client = Client(create_app(hostile_workspace), raise_errors=False)
    cases = {
        "/api/events/ev-none": 404,
        "/events/ev-none.json": 404,
        "/articles/none.json": 404,
        "/entities/en-none.json": 404,
        "/api/events?size=0": 422,
        "/index.json?after=ev-none": 404,
        "/no/such.json": 404,
    }

    def broken(ws, event_id):
        raise RuntimeError("a bug of ours")

    def check(path: str, status: int) -> None:
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("application/json"), path
        body = response.json()
        assert list(body) == ["error"] and set(body["error"]) == {"status", "title", "detail"}, body
        assert body["error"]["status"] == status and body["error"]["detail"], body
        assert "a bug of ours" not in response.text  # no internals leak

    for path, status in cases.items():
        check(path, status)
    page = client.get("/events/ev-none")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    monkeypatch.setattr(web_views, "event_page", broken)
    check("/api/events/ev-anything", 500)


def test_web_openapi_lists_the_api_and_docs_need_no_cdn(hostile: Client) -> None:
    schema = hostile.get("/openapi.json").json()
    for path in ("/api/events", "/api/events/{event_id}", "/api/articles/{article_id}", "/api/entities/{entity_id}"):
        assert "get" in schema["paths"][path], path
    docs = hostile.get("/docs")
    assert docs.status_code == 200 and "/api/events/{event_id}" in docs.text
    assert "swagger-ui" not in docs.text.lower()
    for _, attributes in Page(docs.text).elements:  # nothing is loaded from elsewhere
        assert not attributes.get("src", "").startswith(("http", "//"))
        assert not attributes.get("href", "").startswith(("http", "//"))
    assert hostile.get("/redoc").status_code == 404


def test_web_create_app_refuses_a_folder_without_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="rashomon ingest"):
        create_app(tmp_path)


def test_cli_serve_refuses_a_missing_workspace_and_documents_its_options(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--workspace", str(tmp_path / "none")])
    assert result.exit_code == 1 and "No workspace" in result.output
    help_text = CliRunner().invoke(cli, ["serve", "--help"]).output
    assert "127.0.0.1" in help_text and "--port" in help_text and "--token" in help_text


def test_web_serve_binds_loopback_by_default(monkeypatch, hostile_workspace: Path) -> None:
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, log_level: seen.update(host=host, port=port))
    result = CliRunner().invoke(cli, ["serve", "--workspace", str(hostile_workspace)])
    assert result.exit_code == 0, result.output
    assert seen == {"host": "127.0.0.1", "port": 8000}


# -- the seeds: the event side by side, the article page -------------------------------------


def test_web_event_page_puts_the_three_outlets_side_by_side_with_the_differing_aid_sums_marked(seeds: Client) -> None:
    event = _seed_event(seeds)
    assert len(event["columns"]) == 3
    differing = {f["value"] for column in event["columns"] for f in column["figures_differ"]}
    assert {"41,5 Millionen US-Dollar", "$25 million", "$20 million"} <= differing
    page = Page(seeds.get(f"/events/{event['event']['id']}").text)
    outlets = [attrs for tag, attrs in page.elements if tag == "section" and attrs.get("class") == "outlet"]
    assert len(outlets) == 3
    marked = set(page.having("mark", "differs"))
    assert {"41,5 Millionen US-Dollar", "$25 million", "$20 million"} <= marked
    assert page.having("span", "marker"), "a disagreeing figure has a visible marker, not colour alone"
    assert page.alternate() == f"/events/{event['event']['id']}.json"


def test_web_event_claims_are_rows_across_outlets_with_consensus_single_and_gaps(seeds: Client) -> None:
    event = _seed_event(seeds)
    kinds = {row["kind"] for row in event["rows"]}
    assert {"consensus", "single"} <= kinds
    assert all(len(row["cells"]) == 3 for row in event["rows"])
    assert any(not cell["carried"] for row in event["rows"] for cell in row["cells"]), "no gap shown"
    for row in event["rows"]:
        carriers = [cell for cell in row["cells"] if cell["carried"]]
        assert (len(carriers) == 1) == (row["kind"] == "single"), row["claim_id"]
    assert any(row["figures_differ"] for row in event["rows"]), "the aid-sum sentences are marked in their rows"
    assert sum(event["languages"].values()) == len(event["articles"]) == 3 and set(event["languages"]) == {"de", "en"}


def test_web_every_evidence_link_lands_on_its_sentence_in_the_article(seeds: Client) -> None:
    event = _seed_event(seeds)
    cited = [s for row in event["rows"] for cell in row["cells"] for s in cell["sentences"]]
    cited += [f for column in event["columns"] for f in column["figures_differ"]]
    assert len(cited) > 10
    pages: dict[str, str] = {}
    texts: dict[str, str] = {}
    for sentence in cited:
        path, anchor = sentence["href"].split("#")
        assert re.fullmatch(r"/articles/[0-9a-f]+", path) and re.fullmatch(r"c-\d+-\d+", anchor), sentence["href"]
        if path not in pages:
            pages[path] = seeds.get(path).text
            texts[path] = seeds.get(f"{path}.json").json()["article"]["text"]
        assert f'id="{anchor}"' in pages[path], sentence["href"]
        # The anchor's offsets are the sentence's own offsets in the article's text.
        start, end = (int(x) for x in anchor[2:].split("-"))
        assert texts[path][start:end] == sentence["text"]


def test_web_article_page_strikes_out_removed_lines_with_their_reason(seeds: Client, seeds_workspace: Path) -> None:
    with Workspace(seeds_workspace) as ws:
        article = next(a for a in ws.articles() if a.removed_lines)
    page = Page(seeds.get(f"/articles/{article.id}").text)
    struck = [text for tag, _, text in page.texts if tag == "del"]
    assert [line.text for line in article.removed_lines] == struck
    reasons = page.having("span", "reason")
    assert [line.reason for line in article.removed_lines] == reasons
    twin = seeds.get(page.alternate()).json()
    assert [line["text"] for line in twin["article"]["removed_lines"]] == struck
    # Entities link to their page, quotes name their speaker, figures are marked.
    assert page.having("span", "figure")
    assert any("quote" in a.get("class", "").split() and a.get("data-speaker") for _, a in page.elements)
    assert any(tag == "a" and a.get("href", "").startswith("/entities/en-") for tag, a in page.elements)
    assert "".join(segment["text"] for segment in twin["segments"]) == article.text


def test_web_entity_page_lists_the_names_each_outlet_uses(seeds: Client) -> None:
    event = _seed_event(seeds)
    article = seeds.get(f"/articles/{event['articles'][0]['id']}.json").json()
    entity = next(e for e in article["entities"] if e["name"] == "Kassym-Jomart Tokayev")
    data = seeds.get(f"/entities/{entity['id']}.json").json()
    names = {n["name"] for outlet in data["outlets"] for n in outlet["names"]}
    assert len(data["outlets"]) >= 2 and len(names) >= 2
    assert all(m["href"].startswith("/articles/") for o in data["outlets"] for m in o["mentions"])
    page = Page(seeds.get(f"/entities/{entity['id']}").text)
    # Its mentions over time: the timeline of the articles naming it, by outlet.
    timeline = next(a["href"] for t, a in page.elements if t == "a" and a.get("href", "").startswith("/timeline?"))
    counted = seeds.get(timeline.replace("/timeline?", "/timeline.json?")).json()
    assert counted["matched"] + counted["undated"] == len(data["entity"]["article_ids"])


def test_web_entity_page_shows_who_quotes_it_and_its_events_with_evidence(seeds: Client) -> None:
    event = _seed_event(seeds)
    article = next(
        a
        for a in (seeds.get(f"/articles/{row['id']}.json").json() for row in event["articles"])
        if any("Blinken" in e["name"] for e in a["entities"])
    )
    entity = next(e for e in article["entities"] if "Blinken" in e["name"])
    data = seeds.get(f"/entities/{entity['id']}.json").json()
    # Its events: the Blinken visit, with how many of its articles name him.
    assert event["event"]["id"] in {e["id"] for e in data["events"]}
    assert all(1 <= e["articles"] <= e["of"] for e in data["events"])
    # Who quotes him: quotes whose speaker is one of his mentions, each landing on its quote.
    quotes = [q for outlet in data["quoted"] for q in outlet["quotes"]]
    assert quotes and all("Blinken" in q["speaker"] for q in quotes)
    for q in quotes:
        text = seeds.get(f"/articles/{q['article_id']}.json").json()["article"]["text"]
        start, end = (int(n) for n in q["href"].rsplit("#q-", 1)[1].split("-"))
        assert text[start:end] == q["text"] and q["text"] in q["sentence"]
        anchored = Page(seeds.get(q["href"].split("#")[0]).text)
        assert any(a.get("id") == f"q-{start}-{end}" for _, a in anchored.elements)
    page = seeds.get(f"/entities/{entity['id']}").text
    assert "Who quotes it" in page and "Its events" in page


# -- search and "which event is this text about" --------------------------------------------


def _blinken_event_id(client: Client) -> str:
    return _seed_event(client)["event"]["id"]


def test_web_search_finds_the_blinken_visit_from_a_german_query(seeds: Client) -> None:
    event_id = _blinken_event_id(seeds)
    text = seeds.get("/search.json?q=Besuch+Blinken+Kasachstan&mode=text").json()
    assert text["hits"] and {hit["event_id"] for hit in text["hits"]} == {event_id}
    assert any(piece["match"] for piece in text["hits"][0]["snippet_pieces"])
    semantic = seeds.get(
        "/search.json?" + urlencode({"q": "Besuch des amerikanischen Außenministers in Kasachstan", "mode": "semantic"})
    ).json()
    assert semantic["hits"][0]["event_id"] == event_id
    assert {"de", "en"} <= {hit["language"] for hit in semantic["hits"] if hit["event_id"] == event_id}
    page = Page(seeds.get("/search?q=Besuch+Blinken+Kasachstan").text)
    assert "Blinken" in page.having("mark", "hit")
    assert any(tag == "a" and a.get("href") == f"/events/{event_id}" for tag, a in page.elements)


def test_web_search_finds_the_blinken_visit_from_an_english_query(seeds: Client) -> None:
    event_id = _blinken_event_id(seeds)
    both = seeds.get("/search.json?q=Blinken+visit+Central+Asia").json()
    assert both["mode"] == "both" and both["hits"][0]["event_id"] == event_id
    assert both["hits"][0]["matched"] == ["text", "semantic"]
    # Across languages: the German tellings are found by meaning.
    german = [hit for hit in both["hits"] if hit["event_id"] == event_id and hit["language"] == "de"]
    assert german and all("semantic" in hit["matched"] for hit in german)
    assert seeds.get("/api/search?q=Blinken+visit+Central+Asia").json() == both


def test_web_search_marks_matches_in_escaped_hostile_text(hostile: Client) -> None:
    response = hostile.get("/search?q=minister+OR+script&mode=text")
    assert response.status_code == 200
    assert "<script>window" not in response.text and "<img src=x" not in response.text
    page = Page(response.text)
    marks = page.having("mark", "hit")
    assert marks and {m.lower() for m in marks} <= {"minister", "script"}
    # The title's markup is shown as text, with the match inside it marked.
    assert '&lt;<mark class="hit">script</mark>&gt;window.__pwned' in response.text
    data = hostile.get("/search.json?q=minister&mode=text").json()
    assert "".join(p["text"] for p in data["hits"][0]["title_pieces"]) == data["hits"][0]["title"]
    echoed = hostile.get("/search?q=" + quote('"><script>x()</script>')).text
    assert "<script>x()" not in echoed


def test_web_search_refuses_a_malformed_query_in_the_error_shape_and_on_the_page(hostile_workspace: Path) -> None:
    client = Client(create_app(hostile_workspace), raise_errors=False)
    response = client.get("/search.json?q=%22minister")
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"status", "title", "detail"} and "quote" in response.text.lower()
    assert client.get("/api/search?q=x&mode=fuzzy").status_code == 422
    page = client.get("/search?q=%22minister")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert Page(page.text).having("p", "error")


def test_web_search_pages_by_offset(hostile: Client) -> None:
    first = hostile.get("/search.json?q=minister&mode=text&size=1").json()
    assert len(first["hits"]) == 1 and first["next_offset"] == 1
    second = hostile.get("/search.json?q=minister&mode=text&size=1&offset=1").json()
    assert second["hits"][0]["article_id"] != first["hits"][0]["article_id"]
    link = next(
        a["href"]
        for t, a in Page(hostile.get("/search?q=minister&mode=text&size=1").text).elements
        if a.get("rel") == "next"
    )
    assert "offset=1" in link


def test_web_about_ranks_the_blinken_event_first(seeds: Client) -> None:
    event_id = _blinken_event_id(seeds)
    text = (
        "US Secretary of State Antony Blinken met Kazakhstan's President Kassym-Jomart Tokayev in Astana, "
        "promising support for the country's independence and sovereignty."
    )
    data = seeds.post("/about.json", json={"text": text}).json()
    assert data["matches"][0]["event_id"] == event_id
    assert seeds.post("/api/about", json={"text": text}).json() == data
    page = seeds.post("/about", data={"text": text})
    assert page.status_code == 200
    rows = [a for tag, a in Page(page.text).elements if tag == "tr" and "data-event" in a]
    assert rows[0]["data-event"] == event_id
    assert seeds.get("/about?" + urlencode({"text": text})).status_code == 200


def test_web_about_reads_a_pasted_address_as_ingest_reads_a_page(seeds_workspace: Path, tmp_path: Path) -> None:
    import shutil
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = (
        b"<html><head><title>Blinken in Astana</title></head><body><nav>Home | World | Sport</nav><article>"
        b"<h1>Blinken promises Kazakhstan support</h1>"
        b"<p>US Secretary of State Antony Blinken met Kazakhstan's President Kassym-Jomart Tokayev in Astana "
        b"on Tuesday and promised support for the country's independence, sovereignty and territorial "
        b"integrity.</p><p>Blinken also met the foreign ministers of the five Central Asian states, who are "
        b"worried about the consequences of the sanctions against Russia.</p></article></body></html>"
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            found = self.path == "/story"
            self.send_response(200 if found else 404)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body if found else b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/story"
    try:
        # By default a loopback address is refused, as `ingest URL` refuses it, with the reason.
        refused = Client(create_app(seeds_workspace), raise_errors=False).post("/about.json", json={"text": url})
        assert refused.status_code == 400 and "loopback" in refused.json()["error"]["detail"]
        folder = tmp_path / "ws"
        shutil.copytree(seeds_workspace, folder)
        (folder / "rashomon.toml").write_text("allow_private_addresses = true\n", encoding="utf-8")
        client = Client(create_app(folder))
        data = client.post("/about.json", json={"text": url}).json()
        assert data["url"] == url and "Blinken" in (data["title"] or "")
        assert data["matches"][0]["event_id"] == _blinken_event_id(client)
        page = client.post("/about", data={"text": f"  {url}\n"})
        assert page.status_code == 200 and url in page.text
        assert (
            Client(create_app(folder), raise_errors=False).post("/about.json", json={"text": url + "x"}).status_code
            == 400
        )
    finally:
        server.shutdown()
        server.server_close()


def test_web_about_refuses_an_oversized_body(hostile_workspace: Path) -> None:
    client = Client(create_app(hostile_workspace), raise_errors=False)
    response = client.post(
        "/about.json",
        content=b"text=" + b"a" * 1_000_001,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413 and list(response.json()) == ["error"]


# -- attention over time -------------------------------------------------------------------


def test_web_timeline_counts_every_dated_article_once_and_shares_sum_to_one(sample: Client, sample_workspace) -> None:
    with Workspace(sample_workspace) as ws:
        facts = ws.article_facts()
    dated = [f for f in facts if f.published]
    data = sample.get("/timeline.json?by=language").json()
    assert data["matched"] == len(dated) and data["undated"] == len(facts) - len(dated)
    assert sum(sum(s["counts"]) for s in data["series"]) == len(dated)
    assert {s["name"] for s in data["series"]} == {f.language or "?" for f in dated}
    days = sorted({f.published[:10] for f in dated})
    assert data["buckets"][0] == days[0] and data["buckets"][-1] == days[-1]
    for n, bucket in enumerate(data["buckets"]):  # without a query: each language's part of the day
        if any(s["counts"][n] for s in data["series"]):
            assert sum(s["shares"][n] for s in data["series"]) == pytest.approx(1.0, abs=1e-5), bucket
    weekly = sample.get("/timeline.json?by=language&interval=week").json()
    assert sum(sum(s["counts"]) for s in weekly["series"]) == len(dated)
    assert all(date.fromisoformat(b).weekday() == 0 for b in weekly["buckets"])


def test_web_timeline_of_a_query_counts_its_matches_and_their_share_of_each_outlet(sample: Client) -> None:
    data = sample.get("/timeline.json?q=lang:de&by=language&mode=share").json()
    assert [s["name"] for s in data["series"]] == ["de"]
    german = data["series"][0]
    assert sum(german["counts"]) == data["matched"] > 0
    # Every German article is German: where there are any, the share of German coverage is 1.
    assert all(share == 1.0 for share, total in zip(german["shares"], german["totals"], strict=True) if total)
    by_outlet = sample.get("/timeline.json?q=lang:de").json()
    assert sum(sum(s["counts"]) for s in by_outlet["series"]) == data["matched"]
    for series in by_outlet["series"]:
        assert all(0 <= share <= 1 for share in series["shares"])
        assert all(c <= t for c, t in zip(series["counts"], series["totals"], strict=True))


def test_web_timeline_draws_a_line_per_series_with_a_legend_and_toggles(sample: Client) -> None:
    data = sample.get("/timeline.json?by=outlet").json()
    response = sample.get("/timeline?by=outlet")
    page = Page(response.text)
    drawn = [a["data-series"] for tag, a in page.elements if tag == "g" and "data-series" in a]
    assert drawn == [s["name"] for s in data["series"]] and len(drawn) >= 2
    assert len([t for t, _ in page.elements if t == "polyline"]) == len(drawn)
    legend = [text for tag, attrs, text in page.texts if tag == "li" and page.texts and text in drawn]
    assert set(legend) == set(drawn)
    toggles = {a["data-mode"]: a["href"] for tag, a in page.elements if tag == "a" and "data-mode" in a}
    assert "mode=share" in toggles["share"] and "mode=count" in toggles["count"]
    shared = Page(sample.get(toggles["share"]).text)
    assert any(text.endswith("%") for tag, _, text in shared.texts if tag == "text")  # a share axis
    assert page.alternate().startswith("/timeline.json")


def test_web_timeline_csv_parses_and_matches_the_json(sample: Client) -> None:
    data = sample.get("/timeline.json?by=language&interval=week").json()
    response = sample.get("/timeline.csv?by=language&interval=week")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == web_views.TIMELINE_COLUMNS
    assert len(rows) == len(data["buckets"]) * len(data["series"])
    assert sum(int(r["count"]) for r in rows) == data["matched"]


def test_web_timeline_refuses_unknown_options_and_bad_queries(hostile_workspace: Path) -> None:
    client = Client(create_app(hostile_workspace), raise_errors=False)
    assert client.get("/timeline.json?by=colour").status_code == 422
    assert client.get("/api/timeline?mode=ratio").status_code == 422
    bad = client.get("/timeline.json?q=%28port")
    assert bad.status_code == 400 and list(bad.json()) == ["error"]


def test_web_event_page_has_a_per_outlet_timeline_of_its_articles(sample: Client) -> None:
    rows = sample.get("/index.json?size=500").json()["rows"]
    events = [sample.get(f"/events/{row['event_id']}.json").json() for row in rows if row["articles"] > 1]
    event = next(
        e
        for e in events
        if len({a["outlet"] for a in e["articles"]}) > 1 and all(a["published"] for a in e["articles"])
    )
    timeline = event["timeline"]
    assert sum(sum(s["counts"]) for s in timeline["series"]) == len(event["articles"])
    assert {s["name"] for s in timeline["series"]} == {a["outlet"] for a in event["articles"]}
    page = Page(sample.get(f"/events/{event['event']['id']}").text)
    assert len([t for t, _ in page.elements if t == "polyline"]) == len(timeline["series"])


# -- outlets, groups and blindspots ----------------------------------------------------------


@pytest.fixture(scope="module")
def grouped(groups_workspace: Path) -> Client:
    return Client(create_app(groups_workspace))


def _strike_event(client: Client) -> dict:
    rows = client.get("/index.json").json()["rows"]
    return client.get(f"/events/{max(rows, key=lambda r: r['articles'])['event_id']}.json").json()


def test_web_group_facet_narrows_the_list_and_blindspots_are_a_facet_too(grouped: Client) -> None:
    listing = grouped.get("/index.json").json()
    assert listing["total"] == 2
    groups = {f["value"]: f["count"] for f in listing["facets"]["group"]}
    assert groups == {"wire": 2, "US": 1, "state-affiliated": 1, "RU": 1}
    state = grouped.get("/index.json?group=state-affiliated").json()
    assert [row["groups"] for row in state["rows"]] == [{"wire": 1, "state-affiliated": 1, "RU": 1}]
    blind = {f["value"]: f["count"] for f in listing["facets"]["blindspot"]}
    assert blind == {"state-affiliated": 1, "RU": 1}
    flagged = grouped.get("/index.json?blindspot=state-affiliated").json()["rows"]
    assert len(flagged) == 1 and flagged[0]["articles"] == 4 and flagged[0]["blindspots"] == ["RU", "state-affiliated"]
    page = Page(grouped.get("/").text)
    assert "blindspot: state-affiliated" in page.having("span", "blindspot")
    rows = list(csv.DictReader(io.StringIO(grouped.get("/index.csv").text)))
    assert {r["blindspots"] for r in rows} == {"RU; state-affiliated", ""}


def test_web_event_page_flags_the_blindspot_with_the_outlets_as_evidence(grouped: Client) -> None:
    event = _strike_event(grouped)
    spots = {b["group"]: b for b in event["blindspots"]}
    assert set(spots) == {"state-affiliated", "RU"}
    spot = spots["state-affiliated"]
    assert spot["covered_by"] == "wire" and spot["covered_articles"] == 3 and spot["articles"] == 0
    assert [o for o, _ in spot["covering_outlets"]] == ["Wire One", "Wire Three", "Wire Two"]
    assert spot["quiet_outlets"] == [["State Voice", 0]]
    page = Page(grouped.get(f"/events/{event['event']['id']}").text)
    (note,) = [t for t in page.having("p", "blindspot") if "state-affiliated" in t]
    assert "Wire Two" in note and "State Voice" in note
    assert {g["group"]: g["articles"] for g in event["groups"]} == {"wire": 3, "US": 1}


def test_web_event_page_by_group_merges_outlet_columns_into_their_groups(grouped: Client) -> None:
    event = _strike_event(grouped)
    by_group = grouped.get(f"/events/{event['event']['id']}.json?by=group").json()
    columns = {c["name"]: c for c in by_group["columns"]}
    assert list(columns) == ["wire", "US", "(no group)"]
    assert columns["wire"]["outlets"] == ["Wire One", "Wire Two", "Wire Three"] or set(columns["wire"]["outlets"]) == {
        "Wire One",
        "Wire Two",
        "Wire Three",
    }
    assert len(columns["wire"]["articles"]) == 3 and columns["(no group)"]["outlets"] == ["Daily Clarion"]
    assert all(len(row["cells"]) == 3 for row in by_group["rows"])
    for outlet_row, group_row in zip(event["rows"], by_group["rows"], strict=True):
        carried = {c["source"] for c in outlet_row["cells"] if c["carried"]}
        assert group_row["cells"][0]["carried"] == bool(carried & {"Wire One", "Wire Two", "Wire Three"})
    page = Page(grouped.get(f"/events/{event['event']['id']}?by=group").text)
    assert [h for tag, _, h in page.texts if tag == "h3"][:3] == ["wire", "US", "(no group)"]
    assert page.alternate().endswith(".json?by=group")
    assert grouped.get(f"/events/{event['event']['id']}.json?by=colour").status_code == 422


def test_web_outlet_page_shows_the_profile_events_and_articles(grouped: Client) -> None:
    data = grouped.get("/outlets/" + quote("Wire One", safe="") + ".json").json()
    assert data["profile"]["country"] == "GB" and data["profile"]["tags"] == ["wire"]
    assert {a["id"] for a in data["articles"]} == {"s1", "e6"}
    assert [e["articles"] for e in data["events"]] == [1, 1] and {e["of"] for e in data["events"]} == {4, 2}
    page = Page(grouped.get("/outlets/" + quote("Wire One", safe="")).text)
    assert any(tag == "a" and a.get("href") == "/articles/s1" for tag, a in page.elements)
    assert grouped.get("/api/outlets/" + quote("Wire One", safe="")).json() == data
    listing = grouped.get("/outlets.json").json()
    assert {o["outlet"]: o["articles"] for o in listing["outlets"]}["Wire One"] == 2
    rows = list(csv.DictReader(io.StringIO(grouped.get("/outlets.csv").text)))
    assert tuple(rows[0]) == web_views.OUTLET_COLUMNS and {r["tags"] for r in rows} >= {"wire; US"}
    missing = Client(create_app(Path(grouped.transport.app.state.workspace)), raise_errors=False)
    assert missing.get("/outlets/Nowhere.json").status_code == 404


def test_web_timeline_by_group_counts_an_article_in_each_group(grouped: Client) -> None:
    data = grouped.get("/timeline.json?by=group").json()
    totals = {s["name"]: sum(s["counts"]) for s in data["series"]}
    assert totals == {"wire": 4, "(no group)": 1, "US": 1, "state-affiliated": 1, "RU": 1}


def test_web_hostile_profiles_are_shown_as_text(hostile: Client) -> None:
    for path in ("/outlets", "/?" + urlencode({"group": HOSTILE_TAG})):
        text = hostile.get(path).text
        assert "<script>window" not in text and "<img src=x" not in text and "<b>XX</b>" not in text, path
    outlet = hostile.get("/outlets.json").json()["outlets"][0]["outlet"]
    page = hostile.get("/outlets/" + quote(outlet, safe=""))
    assert page.status_code == 200 and "&lt;script&gt;window.__pwned(&#39;tag&#39;)&lt;/script&gt;" in page.text
    assert not any(a.get("href", "").startswith("javascript:") for _, a in Page(page.text).elements)


# -- the sample: facets, pagination, CSV, twins ----------------------------------------------


def test_web_a_language_facet_narrows_the_list_and_its_count_is_the_narrowed_total(sample: Client) -> None:
    listing = sample.get("/index.json").json()
    languages = listing["facets"]["language"]
    assert len(languages) >= 3
    for facet in languages:
        narrowed = sample.get(f"/index.json?language={facet['value']}&size=500").json()
        assert narrowed["total"] == facet["count"] < listing["total"] or len(languages) == 1
        assert all(facet["value"] in row["languages"] for row in narrowed["rows"])
    # The page's facet links narrow the same way.
    page = Page(sample.get("/").text)
    link = next(a["href"] for tag, a in page.elements if tag == "a" and a.get("href", "").startswith("/?language="))
    narrowed_page = Page(sample.get(link).text)
    rows = [a for tag, a in narrowed_page.elements if tag == "tr" and "data-event" in a]
    value = link.split("=", 1)[1]
    assert len(rows) == next(f["count"] for f in languages if f["value"] == value)


def test_web_keyset_pages_walk_every_event_once(sample: Client) -> None:
    everything = [row["event_id"] for row in sample.get("/index.json?size=500").json()["rows"]]
    assert len(everything) >= 5
    seen, after = [], None
    while True:
        page = sample.get("/index.json?size=2" + (f"&after={after}" if after else "")).json()
        seen += [row["event_id"] for row in page["rows"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == everything


def test_web_csv_download_parses_with_the_csv_module(sample: Client) -> None:
    response = sample.get("/index.csv?size=500")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    listing = sample.get("/index.json?size=500").json()
    assert len(rows) == listing["total"] and tuple(rows[0]) == web_views.LIST_COLUMNS
    assert [r["event_id"] for r in rows] == [r["event_id"] for r in listing["rows"]]
    narrowed = list(csv.DictReader(io.StringIO(sample.get("/index.csv?language=de").text)))
    assert 0 < len(narrowed) < len(rows)


def test_web_every_page_links_its_json_twin_which_parses(sample: Client) -> None:
    listing = sample.get("/index.json").json()
    event_id = listing["rows"][0]["event_id"]
    event = sample.get(f"/events/{event_id}.json").json()
    article_id = event["articles"][0]["id"]
    entity_id = sample.get(f"/articles/{article_id}.json").json()["entities"][0]["id"]
    pages = ("/", "/?language=de", f"/events/{event_id}", f"/articles/{article_id}", f"/entities/{entity_id}")
    for path in (*pages, "/search?q=port", "/about", "/timeline?by=language&mode=share", "/alerts", "/outlets"):
        twin = Page(sample.get(path).text).alternate()
        response = sample.get(twin)
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
        assert isinstance(response.json(), dict), twin
    assert sample.get(f"/api/events/{event_id}").json() == event
    assert sample.get("/api/events").json() == listing
    assert isinstance(sample.get("/api/storylines").json(), list)


# -- in Chromium -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds_site(seeds_workspace: Path, live_server) -> str:
    return live_server(create_app(seeds_workspace))


@pytest.mark.slow
def test_web_in_chromium_the_event_page_shows_the_outlets_and_the_differing_sums(
    chromium, seeds_site: str, tmp_path: Path
) -> None:
    listing = httpx.get(f"{seeds_site}/index.json").json()
    event_id = max(listing["rows"], key=lambda r: r["articles"])["event_id"]
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    violations: list[str] = []
    page = context.new_page()
    page.on("console", lambda message: violations.append(message.text))
    try:
        response = page.goto(f"{seeds_site}/events/{event_id}")
        assert response is not None and "default-src 'self'" in response.headers["content-security-policy"]
        columns = page.locator("section.outlet")
        assert columns.count() == 3
        boxes = [columns.nth(i).bounding_box() for i in range(3)]
        assert all(boxes) and len({round(b["y"]) for b in boxes}) == 1, "the columns stand side by side"
        marked = page.locator("section.outlet mark.differs")
        assert {marked.nth(i).inner_text() for i in range(marked.count())} >= {
            "41,5 Millionen US-Dollar",
            "$25 million",
            "$20 million",
        }
        # Highlighted by more than colour: the stylesheet (served from the package) outlines it.
        assert marked.first.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
        assert page.evaluate("() => document.scripts.length") == 0
        page.screenshot(path=str(tmp_path / "event-1400.png"))
        # On a phone the outlets stack, one under the other, in the page's width.
        page.set_viewport_size({"width": 390, "height": 844})
        boxes = [columns.nth(i).bounding_box() for i in range(3)]
        assert all(boxes) and len({round(b["x"]) for b in boxes}) == 1, "the columns stack at 390 px"
        assert all(b["x"] + b["width"] <= 390 for b in boxes)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(tmp_path / "event-390.png"), full_page=True)
    finally:
        context.close()
    assert not [v for v in violations if "Content Security Policy" in v], violations


@pytest.mark.slow
def test_web_in_chromium_the_article_page_shows_removed_lines_and_a_facet_narrows(
    chromium, seeds_site: str, seeds_workspace: Path
) -> None:
    with Workspace(seeds_workspace) as ws:
        article = next(a for a in ws.articles() if a.removed_lines)
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{seeds_site}/articles/{article.id}")
        struck = page.locator("ul.removed del")
        assert [struck.nth(i).inner_text() for i in range(struck.count())] == [
            line.text for line in article.removed_lines
        ]
        assert struck.first.evaluate("e => getComputedStyle(e).textDecorationLine") == "line-through"
        page.goto(f"{seeds_site}/")
        before = page.locator("tr[data-event]").count()
        page.locator(".facet[data-facet=language] a", has_text="en").first.click()
        page.wait_for_load_state()
        assert "language=en" in page.url
        after = page.locator("tr[data-event]").count()
        assert 0 < after < before
    finally:
        context.close()


@pytest.fixture(scope="module")
def sample_site(sample_workspace: Path, live_server) -> str:
    return live_server(create_app(sample_workspace))


@pytest.mark.slow
def test_web_in_chromium_the_timeline_renders_its_lines_and_toggles_to_share(
    chromium, sample_site: str, tmp_path: Path
) -> None:
    violations: list[str] = []
    for width in (1400, 390):
        context = chromium.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.on("console", lambda message: violations.append(message.text))
        try:
            page.goto(f"{sample_site}/timeline?by=language")
            chart = page.locator("figure.chart svg")
            box = chart.bounding_box()
            assert box and 0 < box["width"] <= width and box["height"] > 50
            lines = page.locator("figure.chart polyline")
            assert lines.count() >= 2
            # Each line is drawn in its class's colour from the stylesheet (no inline style).
            colours = {lines.nth(i).evaluate("e => getComputedStyle(e).stroke") for i in range(lines.count())}
            assert len(colours) == lines.count()
            page.screenshot(path=str(tmp_path / f"timeline-{width}.png"), full_page=True)
            page.locator("a[data-mode=share]").click()
            page.wait_for_load_state()
            assert "mode=share" in page.url and page.locator("figure.chart polyline").count() == lines.count()
        finally:
            context.close()
    assert not [v for v in violations if "Content Security Policy" in v], violations


@pytest.mark.slow
def test_web_in_chromium_search_finds_the_blinken_visit_in_german_and_in_english(chromium, seeds_site: str) -> None:
    listing = httpx.get(f"{seeds_site}/index.json").json()
    event_id = max(listing["rows"], key=lambda r: r["articles"])["event_id"]
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        for query in ("Besuch Blinken Kasachstan", "Blinken visit Central Asia"):
            page.goto(f"{seeds_site}/search")
            page.fill("#q", query)
            page.click("form.search button[type=submit]")
            page.wait_for_load_state()
            hits = page.locator("li.hit")
            assert hits.count() >= 2, query
            first = hits.first
            assert first.locator(f"a[href='/events/{event_id}']").count() == 1, query
            marks = first.locator("mark.hit")
            assert marks.count() >= 1 and "Blinken" in {marks.nth(i).inner_text() for i in range(marks.count())}
            assert marks.first.evaluate("e => getComputedStyle(e).fontWeight") in ("600", "700")
        languages = {hits.nth(i).locator(".snippet").get_attribute("lang") for i in range(hits.count())}
        assert {"de", "en"} <= languages, "the English query finds the German tellings too"
    finally:
        context.close()


def test_web_lists_and_timelines_are_kept_until_the_workspace_changes(groups_workspace: Path, tmp_path: Path) -> None:
    import json
    import shutil

    from conftest import strike_record

    from rashomon import HashingEmbedder, ingest, load_settings

    folder = Path(shutil.copytree(groups_workspace, tmp_path / "ws"))
    client = Client(create_app(folder))
    before = client.get("/index.json").json()
    timeline = client.get("/timeline.json?by=outlet").json()
    assert client.get("/index.json").json() == before  # kept: the same answer
    assert "Harbour Post" not in {f["value"] for f in before["facets"]["outlet"]}
    # Another process's ingest commits: the next read sees it.
    record = strike_record("Harbour Post", 9, "Ferries are cancelled.")
    (tmp_path / "new.json").write_text(json.dumps([record]), encoding="utf-8")
    with Workspace(folder) as ws:
        ingest([tmp_path / "new.json"], ws, load_settings(embedder="hashing"), HashingEmbedder())
    after = client.get("/index.json").json()
    assert "Harbour Post" in {f["value"] for f in after["facets"]["outlet"]}
    assert client.get("/timeline.json?by=outlet").json()["matched"] == timeline["matched"] + 1
    # An edited outlet profile (a write of its own) changes the group facet as soon as it is saved.
    from rashomon.records import OutletProfile

    with Workspace(folder) as ws:
        ws.save_outlet_profiles([OutletProfile("Harbour Post", tags=("harbour",))])
    assert "harbour" in {f["value"] for f in client.get("/index.json").json()["facets"].get("group", [])}


def test_web_article_page_shows_a_stealth_edit_as_a_diff_and_marks_date_hints(tmp_path: Path) -> None:
    from conftest import fetched_page

    from rashomon import HashingEmbedder, load_settings
    from rashomon.pipeline import ingest_items

    def page(text: str, fetched_at: str):  # type: ignore[no-untyped-def]
        return fetched_page(text, fetched_at, published="2025-03-05")

    lead = "The minister resigned on Monday after a vote of no confidence in the regional parliament."
    rest = " Her party had backed the motion. A successor is expected to be named within two weeks by the cabinet."
    first = f"Minister resigns\n\n{lead}{rest}"
    edited = first.replace("a vote of no confidence", "a <b>vote</b> she narrowly lost")
    settings = load_settings(embedder="hashing")
    with Workspace(tmp_path / "ws") as ws:
        ingest_items([page(first, "2025-03-05T08:00:00Z")], ws, settings, HashingEmbedder())
        changed = ingest_items([page(edited, "2025-03-05T10:00:00Z")], ws, settings, HashingEmbedder())
        article_id = changed.versions[0]
        hints = ws.article(article_id).date_hints
    client = Client(create_app(tmp_path / "ws"))
    data = client.get(f"/articles/{article_id}.json").json()
    (diff,) = data["version_diffs"]
    assert {p["text"].strip() for p in diff["pieces"] if p["op"] == "delete"} == {"vote of no confidence"}
    assert {p["text"].strip() for p in diff["pieces"] if p["op"] == "insert"} == {"<b>vote</b> she narrowly lost"}
    assert diff["changes"] == 2 and any(p["op"] == "skip" for p in diff["pieces"])  # the long unchanged tail is cut
    html = client.get(f"/articles/{article_id}").text
    assert (
        "<ins>&lt;b&gt;vote&lt;/b&gt; she narrowly lost </ins>" in html and "<del>vote of no confidence </del>" in html
    )
    # "on Monday" is a date hint: marked in the text with what it resolves to.
    assert any(h.text.lower().endswith("monday") for h in hints)
    marked = [p for p in data["segments"] if "date" in p["classes"]]
    assert marked and marked[0]["text"].lower().endswith("monday") and "date hint" in marked[0]["titles"][0]
