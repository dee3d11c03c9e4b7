"""Feed parsing (RSS, RDF, Atom, JSON Feed, OPML), feed items to documents, and polling."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rashomon.errors import InputError
from rashomon.ingest.feeds import (
    FeedError,
    FeedItem,
    FeedState,
    detect_format,
    items_to_documents,
    normalize_date,
    parse_feed,
    parse_opml,
    parse_url_list,
    poll,
    read_opml,
    read_url_list,
)
from rashomon.ingest.fetch import Fetcher, MemoryFetchCache
from rashomon.records import Document, Rejected

# -- fixtures: feeds written for these tests ----------------------------------------------------

RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Harbour News</title>
    <link>https://news.example/</link>
    <atom:link href="https://news.example/feed.xml" rel="self"/>
    <item>
      <title>Port reopens after &lt;b&gt;storm&lt;/b&gt;</title>
      <link>/2026/11/port-reopens</link>
      <guid isPermaLink="false">harbour-1001</guid>
      <pubDate>Tue, 24 Nov 2026 08:30:00 +0200</pubDate>
      <dc:creator>Ana Petrova</dc:creator>
      <description><![CDATA[<p>The harbour reopened.</p>]]></description>
      <content:encoded><![CDATA[<p>The harbour of Varna reopened on Tuesday.</p>]]></content:encoded>
    </item>
    <item>
      <title>Second story</title>
      <guid>https://news.example/2026/11/second</guid>
      <pubDate>not a date</pubDate>
    </item>
  </channel>
</rss>"""

RSS091 = b"""<rss version="0.91"><channel><title>Old Style</title><link>http://old.example/</link>
<item><title>Legacy item</title><link>http://old.example/a</link><description>Text</description></item>
</channel></rss>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/">
    <title>RDF Daily</title>
    <link>https://rdf.example/</link>
    <items><rdf:Seq><rdf:li rdf:resource="https://rdf.example/one"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://rdf.example/one">
    <title>Summit ends</title>
    <link>https://rdf.example/one</link>
    <description>Leaders agreed on a statement.</description>
    <dc:date>2026-11-23T17:00:00Z</dc:date>
    <dc:creator>Desk</dc:creator>
  </item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/news/">
  <title type="text">Atom &amp; Co</title>
  <link rel="self" href="https://atom.example/feed"/>
  <link rel="alternate" href="https://atom.example/"/>
  <author><name>Feed Desk</name></author>
  <id>urn:uuid:feed</id>
  <updated>2026-11-24T10:00:00Z</updated>
  <entry>
    <title type="html">Vote &lt;em&gt;passes&lt;/em&gt;</title>
    <link rel="edit" href="/edit/1"/>
    <link rel="alternate" type="text/html" href="vote-passes"/>
    <id>tag:atom.example,2026:1</id>
    <published>2026-11-24T09:15:00+01:00</published>
    <updated>2026-11-24T09:45:00+01:00</updated>
    <author><name>Ivo</name></author>
    <author><name>Mara</name></author>
    <summary>Parliament voted.</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Parliament <b>voted</b> late.</p></div></content>
  </entry>
  <entry>
    <title>Only updated</title>
    <link href="https://atom.example/other"/>
    <id>tag:atom.example,2026:2</id>
    <updated>2026-11-22T07:00:00Z</updated>
    <content type="text">1 &lt; 2</content>
  </entry>
</feed>"""

JSONFEED11 = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON Wire",
        "home_page_url": "https://json.example/",
        "authors": [{"name": "Wire Desk"}],
        "items": [
            {
                "id": "j-1",
                "url": "https://json.example/a",
                "title": "Grain deal signed",
                "content_html": "<p>The grain deal was signed.</p>",
                "summary": "Deal signed",
                "date_published": "2026-11-24T12:00:00-05:00",
                "authors": [{"name": "Lee"}],
            },
            {"id": 2, "external_url": "https://other.example/b", "content_text": "plain <text>"},
            "not an item",
        ],
    }
).encode()

JSONFEED10 = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1",
        "title": "Old JSON",
        "items": [{"id": "x", "url": "https://j10.example/x", "author": {"name": "Solo"}, "content_text": "t"}],
    }
).encode()

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="World">
      <outline text="Europe">
        <outline type="rss" text="Harbour News" xmlUrl="https://news.example/feed.xml" htmlUrl="https://news.example/"/>
      </outline>
      <outline type="rss" title="RDF Daily" text="rdf" xmlUrl="https://rdf.example/rss"/>
    </outline>
    <outline type="rss" text="JSON Wire" xmlUrl="https://json.example/feed.json"/>
    <outline type="rss" text="Duplicate" xmlUrl="https://json.example/feed.json"/>
    <outline text="Not a feed, empty folder"/>
  </body>
</opml>"""


# -- parsing ------------------------------------------------------------------------------------


def test_rss2():
    feed = parse_feed(RSS2, "https://news.example/feed.xml")
    assert feed.format == "rss" and feed.title == "Harbour News" and feed.link == "https://news.example/"
    first, second = feed.items
    assert first.id == "harbour-1001"
    assert first.url == "https://news.example/2026/11/port-reopens"  # relative link resolved
    assert first.title == "Port reopens after storm"
    assert first.published == "2026-11-24T08:30:00+02:00"
    assert first.author == "Ana Petrova"
    assert first.summary == "<p>The harbour reopened.</p>"
    assert first.content == "<p>The harbour of Varna reopened on Tuesday.</p>"
    assert first.feed_title == "Harbour News" and first.feed_url == "https://news.example/feed.xml"
    # a guid that is a permalink stands in for the missing <link>; a bad date is dropped
    assert second.url == second.id == "https://news.example/2026/11/second"
    assert second.published is None


def test_rss091():
    feed = parse_feed(RSS091, "http://old.example/rss")
    assert feed.format == "rss"
    assert [(i.title, i.url, i.id) for i in feed.items] == [
        ("Legacy item", "http://old.example/a", "http://old.example/a")
    ]


def test_rss1_rdf():
    feed = parse_feed(RDF, "https://rdf.example/rss")
    assert feed.format == "rdf" and feed.title == "RDF Daily"
    (item,) = feed.items
    assert item.id == "https://rdf.example/one" and item.url == "https://rdf.example/one"
    assert item.title == "Summit ends" and item.summary == "Leaders agreed on a statement."
    assert item.published == "2026-11-23T17:00:00+00:00" and item.author == "Desk"


def test_atom():
    feed = parse_feed(ATOM, "https://atom.example/feed")
    assert feed.format == "atom" and feed.title == "Atom & Co" and feed.link == "https://atom.example/"
    first, second = feed.items
    assert first.id == "tag:atom.example,2026:1"
    assert first.url == "https://atom.example/news/vote-passes"  # xml:base applied, rel=alternate chosen
    assert first.title == "Vote passes"
    assert first.published == "2026-11-24T09:15:00+01:00"
    assert first.author == "Ivo, Mara"
    assert first.summary == "Parliament voted."
    assert first.content == "<p>Parliament <b>voted</b> late.</p>"
    assert second.published == "2026-11-22T07:00:00+00:00"  # falls back to <updated>
    assert second.author == "Feed Desk"  # inherits the feed's author
    assert second.content == "1 &lt; 2"  # text content escaped as HTML


def test_json_feed_1_1_and_1_0():
    feed = parse_feed(JSONFEED11, "https://json.example/feed.json")
    assert feed.format == "jsonfeed" and feed.title == "JSON Wire" and feed.link == "https://json.example/"
    first, second = feed.items
    assert (first.id, first.url, first.title, first.author) == (
        "j-1",
        "https://json.example/a",
        "Grain deal signed",
        "Lee",
    )
    assert first.content == "<p>The grain deal was signed.</p>" and first.summary == "Deal signed"
    assert first.published == "2026-11-24T12:00:00-05:00"
    assert second.id == "2" and second.url == "https://other.example/b"
    assert second.content == "plain &lt;text&gt;" and second.author == "Wire Desk"
    (old,) = parse_feed(JSONFEED10, "https://j10.example/feed.json").items
    assert old.author == "Solo"


def test_opml_nested():
    feeds = parse_opml(OPML, "subs.opml")
    assert [f.url for f in feeds] == [
        "https://news.example/feed.xml",
        "https://rdf.example/rss",
        "https://json.example/feed.json",
    ]
    assert feeds[0].title == "Harbour News" and feeds[0].html_url == "https://news.example/"
    assert feeds[0].categories == ("World", "Europe")
    assert feeds[1].title == "RDF Daily" and feeds[1].categories == ("World",)
    assert feeds[2].categories == ()


def test_read_opml_file(tmp_path):
    path = tmp_path / "subs.opml"
    path.write_bytes(OPML)
    assert len(read_opml(path)) == 3
    with pytest.raises(FeedError, match="Cannot read OPML"):
        read_opml(tmp_path / "missing.opml")
    with pytest.raises(FeedError, match="not an OPML file"):
        parse_opml(RSS2, "feed.xml")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (RSS2, "rss"),
        (RSS091, "rss"),
        (RDF, "rdf"),
        (ATOM, "atom"),
        (JSONFEED11, "jsonfeed"),
        (b"\xef\xbb\xbf  \n" + JSONFEED10, "jsonfeed"),
        (OPML, "opml"),
        (b"<html><body>hi</body></html>", None),
        (b'{"title": "not a feed"}', None),
        (b"plain text", None),
        (b"", None),
    ],
)
def test_detect_format(data, kind):
    assert detect_format(data) == kind


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<rss><channel><title>Cut off", "not well-formed XML"),
        (b"<?xml version='1.0'?><rss><channel><item><title>x</item></rss>", "not well-formed XML"),
        (b"<html><body><p>Sorry, we moved</p></body></html>", "an HTML page, not a feed"),
        (b'{"items": []}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}', "no 'items' list"),
        (b"Service unavailable", "neither XML nor JSON"),
        (b"   ", "is empty"),
        (OPML, "OPML subscription list"),
        (b"<rss version='2.0'></rss>", "no <channel>"),
    ],
)
def test_broken_feeds_raise_a_clear_error(data, message):
    with pytest.raises(FeedError, match=message) as caught:
        parse_feed(data, "https://broken.example/feed")
    assert "https://broken.example/feed" in str(caught.value)
    assert isinstance(caught.value, InputError)


def test_stray_ampersand_is_recovered():
    data = b"<rss version='2.0'><channel><title>A & B</title><item><title>Tom & Jerry</title><link>https://x.example/1</link></item></channel></rss>"
    (item,) = parse_feed(data, "https://x.example/feed").items
    assert item.url == "https://x.example/1" and "Jerry" in (item.title or "")


def test_entities_are_not_expanded():
    data = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><title>a&x;b</title><link>https://e.example/1</link></item></channel></rss>"""
    (item,) = parse_feed(data, "https://e.example/feed").items
    assert "root:" not in (item.title or "")


def test_normalize_date():
    assert normalize_date("Tue, 24 Nov 2026 08:30:00 GMT") == "2026-11-24T08:30:00+00:00"
    assert normalize_date("2026-11-24T08:30:00Z") == "2026-11-24T08:30:00+00:00"
    assert normalize_date("2026-11-24") == "2026-11-24T00:00:00"
    assert normalize_date("2026-11-24 bogus") == "2026-11-24"
    assert normalize_date("yesterday") is None
    assert normalize_date(None) is None


def test_url_list(tmp_path):
    text = (
        "# my list\n"
        "https://a.example/1\n"
        "\n"
        "   https://a.example/2#section   # trailing comment\n"
        "ftp://a.example/3\n"
        "not a url\n"
        "https://a.example/1\n"
    )
    urls, rejected = parse_url_list(text, "list.txt")
    assert urls == ["https://a.example/1", "https://a.example/2#section"]
    assert [r.source for r in rejected] == ["list.txt:5", "list.txt:6"]
    assert "not an http(s) URL" in rejected[0].reason
    path = tmp_path / "urls.txt"
    path.write_text(text, encoding="utf-8")
    assert read_url_list(path)[0] == urls
    with pytest.raises(InputError, match="Cannot read URL list"):
        read_url_list(tmp_path / "none.txt")


# -- against a local server ------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        with self.server.lock:
            self.server.hits[path] += 1
        found = self.server.routes.get(path)
        if found is None:
            status, body, ctype, etag = 404, b"not found", "text/plain", None
        else:
            status, ctype, etag = 200, found[0], found[2]
            body = found[1]
            if etag and self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet tests
        pass


class LocalServer(ThreadingHTTPServer):
    daemon_threads = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, tuple[str, bytes, str | None]] = {}
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def serve(self, path: str, body: bytes, ctype: str = "text/html; charset=utf-8", etag: str | None = None) -> None:
        self.routes[path] = (ctype, body, etag)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(allow_private=True, delay=0.0, max_retries=0, cache=MemoryFetchCache(), sleep=lambda s: None) as f:
        yield f


def article_page(headline: str, city: str) -> bytes:
    paragraphs = [
        f"The authorities in {city} confirmed on Tuesday that {headline.lower()}, ending days of uncertainty for residents and businesses across the region.",
        f"Officials in {city} said the decision followed long talks with trade unions, shipping companies and local councils, who had all asked for a quick answer.",
        "Opposition politicians welcomed the move but warned that the costs of the delay would be felt for months by small firms and their workers.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><title>{headline} | Page title</title></head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{headline}</h1>{body}</article></body></html>"
    ).encode()


FULL_CONTENT = (
    "<p>Ministers from twelve countries met in Sofia on Monday to agree new rules for grain shipments across the Black Sea, officials said.</p>"
    "<p>The agreement sets up joint inspections in three ports and a common register of ships, which diplomats described as a first step.</p>"
    "<p>Farmers' groups said the deal came too late for this year's harvest but would help them plan the next season with more certainty.</p>"
)


def rss(server: LocalServer, items: list[tuple[str, str, str | None]]) -> bytes:
    """An RSS 2.0 feed: items of (guid, path, full content html or None)."""
    parts = []
    for guid, path, content in items:
        encoded = f"<content:encoded><![CDATA[{content}]]></content:encoded>" if content else ""
        parts.append(
            f"<item><title>Story {guid}</title><link>{server.url(path)}</link><guid isPermaLink='false'>{guid}</guid>"
            f"<pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate>{encoded}</item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
        f"<channel><title>Local Wire</title><link>{server.url('/')}</link>{''.join(parts)}</channel></rss>"
    ).encode()


def _item(server: LocalServer, guid: str, path: str, content: str | None = None) -> FeedItem:
    return FeedItem(
        feed_url=server.url("/feed.xml"),
        id=guid,
        url=server.url(path),
        title=f"Feed title {guid}",
        content=content,
        published="2026-11-23T10:00:00+00:00",
        feed_title="Local Wire",
    )


def test_items_to_documents(server, fetcher):
    server.serve("/ok", article_page("Port reopens after storm", "Varna"))
    items = [
        _item(server, "1", "/ok"),
        _item(server, "2", "/gone", FULL_CONTENT),  # page 404s, but the feed has the full text
        _item(server, "3", "/gone-too"),  # page 404s, nothing to fall back on
        FeedItem(feed_url=server.url("/feed.xml"), id="4", url=None, title="No link", content=FULL_CONTENT),
    ]
    documents, rejected = items_to_documents(items, fetcher)
    assert [d.record_id for d in documents] == ["1", "2", "4"]
    page, fallback, linkless = documents
    assert "Varna" in page.text
    assert page.title == "Feed title 1"  # feed metadata wins
    assert page.outlet == "Local Wire" and page.published == "2026-11-23T10:00:00+00:00"
    assert page.url == server.url("/ok") and page.source == server.url("/ok")
    assert page.origin == "feed" and page.fetched_at
    assert "twelve countries" in fallback.text and fallback.url == server.url("/gone")
    assert "twelve countries" in linkless.text
    (bad,) = rejected
    assert bad.source == server.url("/gone-too")
    assert "HTTP 404" in bad.reason and "no full content" in bad.reason


def test_poll_returns_only_new_items(server, fetcher):
    server.serve("/a", article_page("Port reopens after storm", "Varna"))
    server.serve("/b", article_page("Bridge opens to traffic", "Ruse"))
    server.serve("/c", article_page("Summit ends with statement", "Sofia"))
    server.serve("/feed.xml", rss(server, [("a", "/a", None), ("b", "/b", None)]), "application/rss+xml")
    feed_url = server.url("/feed.xml")

    first, rejected, state = poll([feed_url], fetcher, FeedState())
    assert sorted(d.record_id or "" for d in first) == ["a", "b"] and rejected == []

    # a new item appears at the top of the feed; the old ones stay listed
    server.serve(
        "/feed.xml", rss(server, [("c", "/c", None), ("a", "/a", None), ("b", "/b", None)]), "application/rss+xml"
    )
    state = FeedState.from_dict(json.loads(json.dumps(state.to_dict())))  # survives a JSON round trip
    second, rejected, state = poll([feed_url], fetcher, state)
    assert [d.record_id for d in second] == ["c"] and rejected == []
    assert "Sofia" in second[0].text
    assert server.hits["/a"] == 1 and server.hits["/c"] == 1  # old pages not fetched again

    third, rejected, _ = poll([feed_url], fetcher, state)
    assert third == [] and rejected == []


def test_poll_does_not_change_the_given_state(server, fetcher):
    server.serve("/a", article_page("Port reopens after storm", "Varna"))
    server.serve("/feed.xml", rss(server, [("a", "/a", None)]))
    empty = FeedState()
    poll([server.url("/feed.xml")], fetcher, empty)
    assert empty.seen == {}


def test_poll_with_not_modified_feed(server, fetcher):
    server.serve("/a", article_page("Port reopens after storm", "Varna"))
    server.serve("/feed.xml", rss(server, [("a", "/a", None)]), "application/rss+xml", etag='"f1"')
    documents, _, state = poll([server.url("/feed.xml")], fetcher)
    assert len(documents) == 1
    documents, rejected, state = poll([server.url("/feed.xml")], fetcher, state)
    assert documents == [] and rejected == []
    assert server.hits["/feed.xml"] == 2


def test_poll_reports_broken_and_missing_feeds_and_goes_on(server, fetcher):
    server.serve("/a", article_page("Port reopens after storm", "Varna"))
    server.serve("/good.xml", rss(server, [("a", "/a", None)]))
    server.serve("/broken.xml", b"<rss><channel><title>Cut off", "application/rss+xml")
    documents, rejected, state = poll(
        [server.url("/broken.xml"), server.url("/missing.xml"), server.url("/good.xml")], fetcher
    )
    assert [d.record_id for d in documents] == ["a"]
    assert all(isinstance(r, Rejected) for r in rejected)
    reasons = {r.source: r.reason for r in rejected}
    assert "not well-formed XML" in reasons[server.url("/broken.xml")]
    assert "HTTP 404" in reasons[server.url("/missing.xml")]
    assert isinstance(documents[0], Document)
    assert state.seen[server.url("/good.xml")] == ("a", server.url("/a"))


def test_feed_state_matches_by_guid_or_url():
    state = FeedState().with_seen([FeedItem(feed_url="f", id="g1", url="https://x.example/1")])
    assert state.is_seen(FeedItem(feed_url="f", id="g1", url="https://x.example/moved"))
    assert state.is_seen(FeedItem(feed_url="f", id="new-guid", url="https://x.example/1"))
    assert not state.is_seen(FeedItem(feed_url="f", id="g2", url="https://x.example/2"))
    assert not state.is_seen(FeedItem(feed_url="other", id="g1", url="https://x.example/1"))
