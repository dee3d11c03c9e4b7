"""`rashomon ingest` of URLs, feeds, OPML and URL lists, and `rashomon watch`, against a local server."""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from rashomon.cli import cli

PAGE = """<!DOCTYPE html><html lang="{lang}"><head><title>{title}</title>
<meta property="og:site_name" content="Harbour Times"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>{title}</h1>
<p>{body} Officials said the talks would continue through the week, and both sides described them as serious.</p>
<p>Union leaders said members would vote on any offer before the weekend, according to a statement released late on Monday.</p>
</article><footer>Harbour Times 2025</footer></body></html>"""

ITEM = """<item><title>{title}</title><link>{base}/{slug}.html</link><guid>{base}/{slug}</guid>
<pubDate>Mon, 03 Mar 2025 10:00:00 GMT</pubDate></item>"""


class Site:
    """A tiny news site: pages, an RSS feed that can grow, robots.txt."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = [
            ("strike", "Dock workers strike in Hamburg", "Thousands of dock workers walked out at the port on Monday."),
        ]
        self.base = ""

    def feed(self) -> bytes:
        items = "".join(ITEM.format(title=t, base=self.base, slug=s) for s, t, _ in self.items)
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Times</title>'
            f"<link>{self.base}/</link>{items}</channel></rss>"
        ).encode()

    def page(self, slug: str) -> bytes | None:
        for s, title, body in self.items:
            if s == slug:
                return PAGE.format(lang="en", title=title, body=body).encode()
        return None


@pytest.fixture()
def site() -> Iterator[Site]:
    state = Site()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path == "/robots.txt":
                body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
            elif self.path == "/feed.xml":
                body, kind = state.feed(), "application/rss+xml"
            elif self.path.endswith(".html") and state.page(self.path[1:-5]):
                body, kind = state.page(self.path[1:-5]) or b"", "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


LOCAL = ["--set", "allow_private_addresses=true", "--set", "fetch_delay=0", "--set", "embedder=hashing"]


def test_watch_picks_up_a_new_feed_item_on_the_second_poll(site: Site, tmp_path: Path) -> None:
    runner = CliRunner()
    ws = tmp_path / "ws"
    first = runner.invoke(
        cli, [*LOCAL, "watch", f"{site.base}/feed.xml", "--every", "0s", "--polls", "1", "-w", str(ws)]
    )
    assert first.exit_code == 0, first.output
    assert "poll 1: inputs: 1 new," in first.stdout
    site.items.append(
        ("talks", "Port talks resume in Hamburg", "Negotiators for the port operators returned to the table.")
    )
    second = runner.invoke(
        cli, [*LOCAL, "watch", f"{site.base}/feed.xml", "--every", "0s", "--polls", "2", "-w", str(ws)]
    )
    assert second.exit_code == 0, second.output
    # The restarted watch remembers what it saw: only the new item is ingested, then nothing.
    # (The local site's pages share their template, so the second page may count as a near copy.)
    poll_1 = re.search(r"poll 1: inputs: (\d+) new, 0 unchanged, 0 exact copies, (\d+) near copies", second.stdout)
    assert poll_1 and int(poll_1[1]) + int(poll_1[2]) == 1, second.stdout
    assert "poll 2: inputs: 0 new, 0 unchanged, 0 exact copies, 0 near copies" in second.stdout
    export = json.loads(runner.invoke(cli, ["export", "-w", str(ws)]).stdout)
    titles = sorted(a["title"] for a in export["articles"])
    assert titles == ["Dock workers strike in Hamburg", "Port talks resume in Hamburg"]
    article = next(a for a in export["articles"] if a["title"].startswith("Port talks"))
    assert article["provenance"]["origin"] == "feed" and article["provenance"]["fetched_at"]
    assert article["outlet"] == "Harbour Times" and article["published"].startswith("2025-03-03")


def test_watch_refuses_local_addresses_by_default(site: Site, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--set", "embedder=hashing", "watch", f"{site.base}/feed.xml", "--polls", "1", "-w", str(tmp_path / "ws")]
    )
    assert result.exit_code == 0
    assert "rejected:" in result.stderr and "127.0.0.1" in result.stderr


def test_ingest_accepts_urls_opml_and_url_lists(site: Site, tmp_path: Path) -> None:
    opml = tmp_path / "feeds.opml"
    opml.write_text(f'<opml version="2.0"><body><outline text="Harbour" xmlUrl="{site.base}/feed.xml"/></body></opml>')
    urls = tmp_path / "pages.urls"
    urls.write_text(f"# pages to read\n{site.base}/strike.html\n{site.base}/missing.html\n")
    runner = CliRunner()
    ws = str(tmp_path / "ws")
    from_opml = runner.invoke(cli, [*LOCAL, "ingest", str(opml), "-w", ws])
    assert from_opml.exit_code == 0 and "inputs: 1 new," in from_opml.stdout
    from_list = runner.invoke(cli, [*LOCAL, "ingest", str(urls), "-w", ws])
    assert from_list.exit_code == 0, from_list.output
    assert "missing.html" in from_list.stderr and "404" in from_list.stderr
    # The same page under its own URL: same cleaned text, so nothing new.
    assert "inputs: 0 new," in from_list.stdout
    direct = runner.invoke(cli, [*LOCAL, "ingest", f"{site.base}/strike.html", "-w", ws])
    assert direct.exit_code == 0 and "inputs: 0 new," in direct.stdout


def test_watch_rejects_arguments_that_are_not_feeds(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello")
    result = CliRunner().invoke(cli, ["watch", str(tmp_path / "a.txt"), "--polls", "1", "-w", str(tmp_path / "ws")])
    assert result.exit_code == 1 and "Nothing to watch" in result.stderr


def test_watch_one_process_sees_a_new_item_on_its_second_poll(site: Site, tmp_path: Path) -> None:
    from rashomon import HashingEmbedder, Workspace, load_settings
    from rashomon.pipeline import watch

    settings = load_settings(embedder="hashing", allow_private_addresses=True, fetch_delay=0)

    def between_polls(seconds: float) -> None:
        assert seconds == 60.0
        site.items.append(("talks", "Port talks resume in Hamburg", "Negotiators returned to the table on Tuesday."))

    with Workspace(tmp_path / "ws") as ws:
        summaries = watch(
            [f"{site.base}/feed.xml"],
            ws,
            settings,
            every_seconds=60.0,
            polls=2,
            sleep=between_polls,
            embedder=HashingEmbedder(),
        )
        assert [len(s.added) for s in summaries] == [1, 1]
        assert sorted(a.title or "" for a in ws.articles()) == [
            "Dock workers strike in Hamburg",
            "Port talks resume in Hamburg",
        ]
        # Both reports of the Hamburg port dispute end up in one storyline.
        assert summaries[-1].storylines >= 1
