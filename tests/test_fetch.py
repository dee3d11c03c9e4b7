"""The polite fetcher against a local HTTP server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rashomon.errors import InputError
from rashomon.ingest.fetch import (
    DEFAULT_USER_AGENT,
    Fetcher,
    FetchError,
    MemoryFetchCache,
    address_problem,
    declared_charset,
    parse_retry_after,
)
from rashomon.ingest.files import decode_text

# -- a tiny local server -------------------------------------------------------------------

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        with self.server.lock:
            self.server.hits[path] += 1
            self.server.requests.append((self.path, dict(self.headers)))
        route = self.server.routes.get(path)
        if route is None:
            self.reply(404, b"not found")
        else:
            route(self)

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers and body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet tests
        pass


class LocalServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() waits for handlers: no thread outlives a test

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hanging up on an aborted download is expected here


def _start() -> tuple[LocalServer, threading.Thread]:
    server = LocalServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    return server, thread


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv, thread = _start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


@pytest.fixture
def server2() -> Iterator[LocalServer]:
    srv, thread = _start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


class FakeTime:
    """A clock that only moves when slept on; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(round(seconds, 6))
            self.now += seconds


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make(fake: FakeTime) -> Iterator[Callable[..., Fetcher]]:
    made: list[Fetcher] = []

    def factory(**options: object) -> Fetcher:
        settings: dict[str, object] = {
            "allow_private": True,
            "delay": 0.0,
            "clock": fake.clock,
            "sleep": fake.sleep,
            "random": lambda: 0.5,
            "max_retries": 2,
            "backoff": 0.5,
            "connect_timeout": 2.0,
            "read_timeout": 2.0,
        }
        settings.update(options)
        fetcher = Fetcher(**settings)  # type: ignore[arg-type]
        made.append(fetcher)
        return fetcher

    yield factory
    for fetcher in made:
        fetcher.close()


def page(text: str = "Hello") -> Route:
    return lambda h: h.reply(200, f"<html><body><p>{text}</p></body></html>".encode())


def failing(times: int, status: int, then: Route, headers: dict[str, str] | None = None) -> Route:
    count = {"n": 0}

    def route(h: Handler) -> None:
        count["n"] += 1
        if count["n"] <= times:
            h.reply(status, b"busy", headers)
        else:
            then(h)

    return route


# -- basics ------------------------------------------------------------------------------------


def test_fetch_returns_bytes_charset_and_header_subset(server, make):
    server.routes["/a"] = lambda h: h.reply(
        200, "<p>Grüße</p>".encode(), {"Content-Type": "text/html; charset=UTF-8", "ETag": '"x"', "X-Secret": "1"}
    )
    with make(user_agent="TestBot/1.0 (+https://example.org)") as fetcher:
        result = fetcher.fetch(server.url("/a"))
    assert result.status == 200
    assert result.body == "<p>Grüße</p>".encode()
    assert result.charset == "utf-8"
    assert result.content_type == "text/html"
    assert result.headers["etag"] == '"x"' and "x-secret" not in result.headers
    assert result.url == result.final_url == server.url("/a")
    assert result.fetched_at.endswith("Z") and dt.datetime.fromisoformat(result.fetched_at[:-1])
    assert not result.not_modified and not result.from_cache
    assert all(headers["User-Agent"] == "TestBot/1.0 (+https://example.org)" for _, headers in server.requests)


def test_default_user_agent_names_rashomon_and_purpose():
    assert DEFAULT_USER_AGENT.startswith("Rashomon/") and "news research" in DEFAULT_USER_AGENT


def test_fetch_error_is_an_input_error_naming_url_and_reason(server, make):
    with pytest.raises(InputError) as caught:
        make().fetch(server.url("/missing"))
    assert isinstance(caught.value, FetchError)
    assert server.url("/missing") in str(caught.value) and "404" in str(caught.value)


# -- robots.txt -------------------------------------------------------------------------------


def test_robots_disallow_is_honoured_and_cached(server, make):
    server.routes["/robots.txt"] = lambda h: h.reply(
        200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}
    )
    server.routes["/private/x"] = page()
    server.routes["/public"] = page()
    fetcher = make()
    with pytest.raises(FetchError, match="robots.txt"):
        fetcher.fetch(server.url("/private/x"))
    assert fetcher.fetch(server.url("/public")).status == 200
    assert server.hits["/private/x"] == 0
    assert server.hits["/robots.txt"] == 1


def test_robots_rules_for_our_agent(server, make):
    server.routes["/robots.txt"] = lambda h: h.reply(
        200, b"User-agent: Rashomon\nDisallow: /\n\nUser-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}
    )
    server.routes["/a"] = page()
    with pytest.raises(FetchError, match="disallowed by"):
        make().fetch(server.url("/a"))
    assert make(user_agent="OtherBot/2").fetch(server.url("/a")).status == 200


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (410, True), (401, False), (403, False), (500, False)])
def test_robots_fetch_failures_follow_robotparser_conventions(server, make, status, allowed):
    server.routes["/robots.txt"] = lambda h: h.reply(status, b"")
    server.routes["/a"] = page()
    fetcher = make(max_retries=0)
    if allowed:
        assert fetcher.fetch(server.url("/a")).status == 200
    else:
        with pytest.raises(FetchError, match="robots.txt"):
            fetcher.fetch(server.url("/a"))
        assert server.hits["/a"] == 0


def test_robots_can_be_ignored_when_asked(server, make):
    server.routes["/robots.txt"] = lambda h: h.reply(200, b"User-agent: *\nDisallow: /\n")
    server.routes["/a"] = page()
    assert make(respect_robots=False).fetch(server.url("/a")).status == 200
    assert server.hits["/robots.txt"] == 0


# -- politeness: rate and concurrency ------------------------------------------------------------


def test_rate_limit_spaces_requests_to_one_host(server, server2, make, fake):
    for srv in (server, server2):
        srv.routes["/a"] = srv.routes["/b"] = srv.routes["/c"] = page()
    fetcher = make(delay=1.0)
    for path in ("/a", "/b", "/c"):
        fetcher.fetch(server.url(path))
    # robots.txt at t=0, then /a, /b and /c one second apart each
    assert fake.sleeps == [1.0, 1.0, 1.0]
    fake.sleeps.clear()
    fetcher.fetch(server2.url("/a"))  # another host (port) has its own clock: only its robots.txt wait
    assert fake.sleeps == [1.0]
    fake.now += 5.0
    fake.sleeps.clear()
    fetcher.fetch(server.url("/a"))  # enough time has passed: no wait
    assert fake.sleeps == []


def test_crawl_delay_in_robots_raises_the_delay(server, make, fake):
    server.routes["/robots.txt"] = lambda h: h.reply(200, b"User-agent: *\nCrawl-delay: 3\n")
    server.routes["/a"] = server.routes["/b"] = page()
    fetcher = make(delay=1.0)
    fetcher.fetch(server.url("/a"))
    fetcher.fetch(server.url("/b"))
    assert fake.sleeps == [1.0, 3.0]


def test_per_host_concurrency_limit(server, make):
    state = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(h: Handler) -> None:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.1)
        with lock:
            state["now"] -= 1
        h.reply(200, b"ok")

    server.routes["/slow"] = slow
    fetcher = make(per_host_concurrency=2, max_concurrency=6, clock=time.monotonic, sleep=time.sleep)
    results, errors = fetcher.fetch_many([server.url(f"/slow?i={i}") for i in range(6)])
    assert len(results) == 6 and not errors
    assert state["max"] == 2


# -- conditional GET ---------------------------------------------------------------------------


def _validated(h: Handler) -> None:
    if h.headers.get("If-None-Match") == '"v1"':
        h.reply(304, b"")
    else:
        h.reply(200, b"<p>version one</p>", {"ETag": '"v1"', "Last-Modified": "Wed, 25 Nov 2026 10:00:00 GMT"})


def test_conditional_get_304_returns_cached_body(server, make):
    server.routes["/v"] = _validated
    cache = MemoryFetchCache()
    fetcher = make(cache=cache)
    first = fetcher.fetch(server.url("/v"))
    second = fetcher.fetch(server.url("/v"))
    assert first.status == 200 and not first.not_modified
    assert second.status == 304 and second.not_modified and second.from_cache
    assert second.body == first.body == b"<p>version one</p>"
    sent = [headers for path, headers in server.requests if path == "/v"]
    assert "If-None-Match" not in sent[0]
    assert sent[1]["If-None-Match"] == '"v1"'
    assert sent[1]["If-Modified-Since"] == "Wed, 25 Nov 2026 10:00:00 GMT"


def test_conditional_get_without_stored_bodies(server, make):
    server.routes["/v"] = _validated
    fetcher = make(cache=MemoryFetchCache(store_bodies=False))
    fetcher.fetch(server.url("/v"))
    second = fetcher.fetch(server.url("/v"))
    assert second.not_modified and not second.from_cache and second.body == b""


# -- retries -----------------------------------------------------------------------------------


def test_retries_on_500_then_succeeds_with_backoff(server, make, fake):
    server.routes["/flaky"] = failing(2, 500, page("finally"))
    result = make().fetch(server.url("/flaky"))
    assert b"finally" in result.body
    assert server.hits["/flaky"] == 3
    # backoff 0.5 * 2**n plus jitter 0.5 * random() (0.5 here)
    assert fake.sleeps == [0.75, 1.25]


def test_gives_up_after_max_retries(server, make):
    server.routes["/down"] = failing(99, 503, page())
    with pytest.raises(FetchError, match="HTTP 503.*gave up after 3 attempts") as caught:
        make(max_retries=2).fetch(server.url("/down"))
    assert caught.value.status == 503 and caught.value.retryable
    assert server.hits["/down"] == 3


def test_429_honours_retry_after(server, make, fake):
    server.routes["/busy"] = failing(1, 429, page("ok"), {"Retry-After": "7"})
    assert make().fetch(server.url("/busy")).status == 200
    assert fake.sleeps == [7.0]


def test_429_with_too_long_retry_after_fails(server, make, fake):
    server.routes["/busy"] = failing(1, 429, page("ok"), {"Retry-After": "3600"})
    with pytest.raises(FetchError, match="retry after 3600 s"):
        make(max_retry_after=60).fetch(server.url("/busy"))
    assert fake.sleeps == []


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_client_errors_are_not_retried(server, make, fake, status):
    server.routes["/x"] = lambda h: h.reply(status, b"no")
    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        make().fetch(server.url("/x"))
    assert caught.value.status == status and not caught.value.retryable
    assert server.hits["/x"] == 1 and fake.sleeps == []


def test_connection_refused_is_retried_then_reported(make, fake):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="connection failed"):
        make(max_retries=1, respect_robots=False).fetch(f"http://127.0.0.1:{port}/")
    assert fake.sleeps == [0.75]


# -- timeouts and size -----------------------------------------------------------------------------


def test_slow_response_times_out(server, make):
    def slow(h: Handler) -> None:
        time.sleep(0.6)
        h.reply(200, b"late")

    server.routes["/slow"] = slow
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        make(read_timeout=0.15, max_retries=0).fetch(server.url("/slow"))
    assert time.monotonic() - started < 0.5


def test_trickling_body_hits_the_total_timeout(server, make):
    def trickle(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        for _ in range(12):
            h.wfile.write(b"x" * 10)
            h.wfile.flush()
            time.sleep(0.05)

    server.routes["/trickle"] = trickle
    with pytest.raises(FetchError, match="longer than 0.2 s"):
        make(total_timeout=0.2, max_retries=0, clock=time.monotonic, sleep=time.sleep).fetch(server.url("/trickle"))


def test_declared_huge_body_is_refused(server, make):
    server.routes["/big"] = lambda h: h.reply(200, b"x" * 300_000)
    with pytest.raises(FetchError, match="300,000 bytes.*over the 100,000 byte limit"):
        make(max_bytes=100_000).fetch(server.url("/big"))


def test_undeclared_huge_body_is_stopped_while_streaming(server, make):
    def endless(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()  # no Content-Length: the body runs until the connection closes
        for _ in range(40):
            h.wfile.write(b"y" * 16_384)

    server.routes["/stream"] = endless
    with pytest.raises(FetchError, match=r"exceeds the 100,000 byte limit \(setting max_input_mb\); download stopped"):
        make(max_bytes=100_000).fetch(server.url("/stream"))


# -- redirects and the address policy ---------------------------------------------------------------


def _redirect(location: str, status: int = 302) -> Route:
    return lambda h: h.reply(status, b"", {"Location": location})


def test_redirect_chain_is_followed(server, make):
    server.routes["/r1"] = _redirect("/r2", 301)
    server.routes["/r2"] = _redirect(server.url("/r3"), 307)
    server.routes["/r3"] = _redirect("final", 308)
    server.routes["/final"] = page("arrived")
    result = make().fetch(server.url("/r1"))
    assert result.url == server.url("/r1") and result.final_url == server.url("/final")
    assert b"arrived" in result.body


def test_too_many_redirects(server, make):
    server.routes["/loop"] = _redirect("/loop")
    with pytest.raises(FetchError, match="too many redirects"):
        make(max_redirects=3).fetch(server.url("/loop"))
    assert server.hits["/loop"] == 4


def test_redirect_to_private_address_is_refused(server, make):
    server.routes["/meta"] = _redirect("http://169.254.169.254/latest/meta-data/")
    server.routes["/intranet"] = _redirect("http://intranet.example/admin")
    resolved: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        resolved.append(host)
        return {"intranet.example": ["10.0.0.7"]}[host]

    # 127.0.0.1 itself is explicitly allowed, everything else non-public is not
    fetcher = make(allow_private=False, allowed_networks=["127.0.0.1/32"], resolver=resolver)
    with pytest.raises(FetchError, match="169.254.169.254 is link-local"):
        fetcher.fetch(server.url("/meta"))
    with pytest.raises(FetchError, match=r"'intranet.example'.*10\.0\.0\.7 is private"):
        fetcher.fetch(server.url("/intranet"))
    assert resolved == ["intranet.example"]


def test_redirect_to_other_scheme_is_refused(server, make):
    server.routes["/file"] = _redirect("file:///etc/passwd")
    with pytest.raises(FetchError, match="scheme 'file' refused"):
        make().fetch(server.url("/file"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.1.2.3:8080/x",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://[::1]/",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://sneaky.example/",
    ],
)
def test_non_public_addresses_are_refused_by_default(make, url):
    def resolver(host: str, port: int) -> list[str]:
        assert host == "sneaky.example"
        return ["93.184.216.34", "192.168.0.10"]  # one bad address is enough to refuse

    with pytest.raises(FetchError, match="non-public address"):
        make(allow_private=False, resolver=resolver).fetch(url)


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "gopher://example.org/", "mailto:a@b.c"])
def test_non_http_schemes_are_refused(make, url):
    with pytest.raises(FetchError, match="refused; only http and https"):
        make().fetch(url)


def test_unresolvable_host(make):
    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(FetchError, match="does not resolve"):
        make(allow_private=False, resolver=resolver).fetch("http://no-such-host.example/")


def test_address_problem():
    assert address_problem("93.184.216.34") is None
    assert address_problem("2606:4700::1111") is None
    assert address_problem("127.0.0.1") == "address 127.0.0.1 is loopback"
    assert address_problem("::ffff:169.254.1.1") == "IPv4-mapped address 169.254.1.1 is link-local"
    assert address_problem("240.0.0.1") == "address 240.0.0.1 is reserved"
    assert "not an IP" in (address_problem("example.org") or "")


# -- charset ------------------------------------------------------------------------------------------

RUSSIAN = (
    "Министр иностранных дел прибыл в столицу для переговоров о торговле и безопасности. "
    "Стороны обсудили поставки зерна, энергетику и новые маршруты через море."
)


def test_wrong_declared_charset_keeps_bytes_for_decode_text(server, make):
    body = f"<html><body><p>{RUSSIAN}</p></body></html>".encode("cp1251")
    server.routes["/ru"] = lambda h: h.reply(200, body, {"Content-Type": "text/html; charset=utf-8"})
    result = make().fetch(server.url("/ru"))
    assert result.body == body
    assert result.charset == "utf-8"  # what the server claimed, not the truth
    text, encoding = decode_text(result.body)
    assert RUSSIAN in text and encoding in ("cp1251", "windows-1251")


def test_missing_charset_is_none(server, make):
    body = f"<p>{RUSSIAN}</p>".encode("cp1251")
    server.routes["/ru"] = lambda h: h.reply(200, body, {"Content-Type": "text/html"})
    server.routes["/bare"] = lambda h: h.reply(200, b"x", {"Content-Type": ""})
    fetcher = make()
    assert fetcher.fetch(server.url("/ru")).charset is None
    assert fetcher.fetch(server.url("/bare")).charset is None


def test_declared_charset_parsing():
    assert declared_charset('text/html; Charset="ISO-8859-1"') == "iso-8859-1"
    assert declared_charset("text/html;charset=utf-8;foo=bar") == "utf-8"
    assert declared_charset("text/html") is None
    assert declared_charset(None) is None


def test_parse_retry_after():
    now = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# -- batches -------------------------------------------------------------------------------------------


def test_fetch_many_never_raises_for_one_bad_url(server, make):
    server.routes["/ok"] = page()
    server.routes["/ok2"] = page()
    urls = [server.url("/ok"), server.url("/gone"), "ftp://example.org/", server.url("/ok2"), server.url("/ok")]
    results, errors = make(max_concurrency=3).fetch_many(urls)
    assert [r.url for r in results] == [server.url("/ok"), server.url("/ok2")]
    assert [e.url for e in errors] == [server.url("/gone"), "ftp://example.org/"]
    assert server.hits["/ok"] == 1  # duplicates fetched once
