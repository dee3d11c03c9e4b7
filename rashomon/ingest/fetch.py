"""A polite, defensive HTTP fetcher for news pages and feeds.

:class:`Fetcher` wraps one :class:`httpx.Client` and adds what a crawler that
visits other people's sites owes them, and what a server that fetches URLs it
was handed owes itself:

* **robots.txt** is read once per host (cached for ``robots_ttl`` seconds) and
  honoured, including ``Crawl-delay``. Python's :mod:`urllib.robotparser`
  conventions apply when robots.txt cannot be read: 401/403 disallow the whole
  host, any other 4xx allows it, and a 5xx or a network error disallows it (for
  the shorter ``robots_error_ttl``) rather than guessing.
* **Rate and concurrency limits**: request starts to one host are at least
  ``delay`` seconds apart; at most ``per_host_concurrency`` requests run against
  one host and ``max_concurrency`` overall.
* **Conditional GET**: the ETag and Last-Modified of each URL are kept in a
  :class:`FetchCache`; the next fetch sends If-None-Match/If-Modified-Since and a
  304 comes back as ``not_modified=True`` (with the cached body when the cache
  keeps bodies). :class:`MemoryFetchCache` lasts one run (``analyze``);
  :class:`WorkspaceFetchCache` lives in the workspace (``watch``, ``ingest``).
* **Retries** with exponential backoff and jitter on connection errors,
  timeouts, 429 (``Retry-After`` honoured) and 5xx; never on other 4xx.
* **Failures are values**: whatever goes wrong with one URL, :meth:`Fetcher.fetch`
  raises a :class:`FetchError` (an :class:`~rashomon.errors.InputError`) naming
  the URL and the reason, with ``retryable`` saying whether a later try may
  succeed; an unexpected exception is logged and turned into one too.
* **Limits**: connect/read timeouts; a deadline per exchange
  (``total_timeout``: connection, headers and body) and one per fetch
  (``fetch_timeout``: redirects, retries and back-off included), both enforced
  on the socket, so a server that trickles a byte a second is cut off at the
  deadline, headers included; a maximum body size, checked while the body
  streams in and again *after* decompression (gzip and deflate, one to three
  layers, are decoded here 64 KB of output at a time, so a 3 KB
  ``gzip, gzip`` bomb that would expand to 1 GiB is stopped at the limit in
  about 0.1 s, holding no more than the limit plus one step; other encodings,
  ``br`` and ``zstd`` included, are refused since we never ask for them); a
  maximum number of redirects, each hop followed by the fetcher itself (httpx
  never interprets a Location header).
* **Address policy (SSRF)**: only ``http``/``https``; the host of every hop
  (every redirect too) is resolved and refused when any address is private,
  loopback, link-local, multicast, reserved, unspecified or otherwise not
  globally routable, IPv4-mapped IPv6 included, unless ``allow_private=True``
  or the address is inside ``allowed_networks``. The connection then goes to
  the address that was checked: the resolved addresses are pinned and the
  socket connects to them, never to a second DNS answer (a DNS-rebinding
  server that answers a public address for the check and 127.0.0.1 a moment
  later reaches nothing), while the Host header, the TLS SNI and the
  certificate check still use the host name.

The body is returned as bytes with the charset the server declared; decode it
with :func:`rashomon.ingest.files.decode_text` (which does not trust that
declaration blindly). Clock, sleep, random and DNS resolver are injectable, so
the behaviour is testable without waiting or without a network.

Known limits: with ``trust_env=True`` and a proxy set in the environment the
proxy connects, so only our own resolution of the host is checked; the address
policy covers the addresses of the host, not what a public server does with
the request (an open redirector is followed, and re-checked, hop by hop).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import ipaddress
import logging
import random as _random
import socket
import ssl
import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin

import httpcore
import httpx

from .. import __version__
from ..errors import InputError

log = logging.getLogger(__name__)

PROJECT_URL = "https://github.com/rashomon-news/rashomon"
DEFAULT_USER_AGENT = f"Rashomon/{__version__} (+{PROJECT_URL}; news research)"
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-language",
    "etag",
    "last-modified",
    "date",
    "cache-control",
    "expires",
)
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/feed+json,application/xml;q=0.9,application/json;q=0.9,*/*;q=0.8"
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

Resolver = Callable[[str, int], Sequence[str]]


class FetchError(InputError):
    """A URL could not be fetched; the message names the URL and the reason.

    Attributes:
        url: The URL that was asked for.
        reason: Why it failed, in plain words.
        status: The HTTP status of the last response, if one came back.
        retryable: True when trying again later may succeed (timeouts, 5xx, 429).
    """

    def __init__(self, url: str, reason: str, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(f"Cannot fetch {url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class FetchResult:
    """One fetched URL.

    Attributes:
        url: The URL asked for.
        final_url: The URL after redirects.
        status: HTTP status of the final response (200, or 304 when not modified).
        headers: A subset of the response headers (lower-case names, see ``KEPT_HEADERS``).
        body: The body bytes, undecoded (the cached body on a 304 when the cache
            keeps bodies, else empty on a 304).
        charset: The charset declared in Content-Type, lower-case, or None.
        fetched_at: When the response arrived, ISO 8601 UTC (``...Z``).
        not_modified: The server answered 304 to a conditional request.
        from_cache: ``body`` comes from the cache, not from this response.
    """

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    charset: str | None
    fetched_at: str
    not_modified: bool = False
    from_cache: bool = False

    @property
    def content_type(self) -> str | None:
        """The media type without parameters (``text/html``), or None."""
        value = self.headers.get("content-type")
        return value.split(";")[0].strip().lower() or None if value else None


@dataclass(frozen=True)
class CacheEntry:
    """What a :class:`FetchCache` remembers about one URL."""

    etag: str | None = None
    last_modified: str | None = None
    body: bytes | None = None
    charset: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


class FetchCache(Protocol):
    """Validators (and optionally bodies) per URL, for conditional GETs."""

    def get(self, url: str) -> CacheEntry | None: ...

    def put(self, url: str, entry: CacheEntry) -> None: ...


class MemoryFetchCache:
    """A thread-safe in-memory :class:`FetchCache`.

    Args:
        store_bodies: Keep response bodies too, so a 304 can return the page.
    """

    def __init__(self, store_bodies: bool = True) -> None:
        self.store_bodies = store_bodies
        self._entries: dict[str, CacheEntry] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> CacheEntry | None:
        with self._lock:
            return self._entries.get(url)

    def put(self, url: str, entry: CacheEntry) -> None:
        if not self.store_bodies and entry.body is not None:
            entry = CacheEntry(entry.etag, entry.last_modified, None, entry.charset, entry.headers)
        with self._lock:
            self._entries[url] = entry

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class FetchStore(Protocol):
    """Where a :class:`WorkspaceFetchCache` keeps its entries (:class:`rashomon.store.Workspace` fits)."""

    def get_fetched(self, url: str) -> CacheEntry | None: ...

    def put_fetched(self, url: str, entry: CacheEntry, keep_body: bool = True) -> None: ...


class WorkspaceFetchCache:
    """A :class:`FetchCache` kept in a workspace, so conditional GETs survive a restart.

    ``rashomon watch`` and ``rashomon ingest`` of URLs use it: after a restart
    the next fetch of a feed or page sends If-None-Match/If-Modified-Since, and
    a 304 returns the kept body. Bodies are kept by default: a 304 without the
    body would leave nothing to read if the process stopped between fetching a
    page and storing its article. A cache that cannot be read or written (a
    locked or damaged database) only costs the conditional GET: the failure is
    logged and the fetch goes on.

    Args:
        store: The workspace (anything with ``get_fetched``/``put_fetched``).
        store_bodies: Keep response bodies too, so a 304 can return the page.
    """

    def __init__(self, store: FetchStore, store_bodies: bool = True) -> None:
        self.store = store
        self.store_bodies = store_bodies

    def get(self, url: str) -> CacheEntry | None:
        try:
            return self.store.get_fetched(url)
        except Exception as error:  # an optimisation must not fail the fetch
            log.warning("fetch cache unreadable for %s (%s: %s); fetching without it", url, type(error).__name__, error)
            return None

    def put(self, url: str, entry: CacheEntry) -> None:
        try:
            self.store.put_fetched(url, entry, keep_body=self.store_bodies)
        except Exception as error:  # an optimisation must not fail the fetch
            log.warning("fetch cache not written for %s (%s: %s)", url, type(error).__name__, error)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), through the OS resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def address_problem(address: str) -> str | None:
    """Why an IP address must not be fetched by default, or None when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped
        if mapped is not None:
            inner = address_problem(str(mapped))
            return f"IPv4-mapped {inner}" if inner else None
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("not globally routable", not ip.is_global),
    )
    for name, hit in checks:
        if hit:
            return f"address {ip} is {name}"
    return None


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def declared_charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type value, lower-case, or None."""
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip("\"'").strip().lower()
            return value or None
    return None


# -- the network layer: pinned addresses and socket deadlines ---------------------------------

PIN_SECONDS = 60.0  # how long a checked address may be used to open a connection
MAX_PINS = 4096


class _Refused(Exception):
    """Internal: the connection layer will not connect to this host (policy or DNS)."""

    def __init__(self, reason: str, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class _GuardedStream(httpcore.NetworkStream):
    """A socket stream whose every read, write and TLS handshake ends by the exchange deadline."""

    def __init__(self, inner: httpcore.NetworkStream, backend: _PinningBackend) -> None:
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._backend.bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._backend.bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        # httpcore passes the URL's host name here, so SNI and the certificate
        # check are about the name asked for, not the pinned address.
        bounded = self._backend.bounded(timeout, httpcore.ConnectTimeout)
        return _GuardedStream(self._inner.start_tls(ssl_context, server_hostname, bounded), self._backend)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinningBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to checked addresses.

    ``addresses(host, port)`` returns the addresses the fetcher checked for
    that host (pinned a moment ago by :meth:`Fetcher.check_url`, or resolved
    and checked now) or raises :class:`_Refused`; the socket connects to those
    and never resolves the name itself. The deadline of the exchange running
    in the current thread (httpx's sync client does its I/O in the calling
    thread) caps every socket timeout.
    """

    def __init__(self, addresses: Callable[[str, int], Sequence[str]]) -> None:
        self._addresses = addresses
        self._local = threading.local()

    def set_deadline(self, deadline: float | None) -> None:
        """Set (monotonic seconds) or clear the deadline of this thread's exchange."""
        self._local.deadline = deadline

    def bounded(self, timeout: float | None, error: type[Exception]) -> float | None:
        """``timeout`` capped by the time left before the deadline; ``error`` once it has passed."""
        deadline = getattr(self._local, "deadline", None)
        if deadline is None:
            return timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise error("deadline of the exchange passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception = httpcore.ConnectError(f"no address to connect to for {host}")
        for address in self._addresses(host, port):
            bounded = self.bounded(timeout, httpcore.ConnectTimeout)
            try:
                stream = super().connect_tcp(address, port, bounded, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error  # try the next checked address, as create_connection would
                continue
            return _GuardedStream(stream, self)
        raise failure


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's transport over a :class:`_PinningBackend`.

    httpx 0.28 has no setting for the network backend, so the connection pool
    it builds is replaced by an identical one that uses ours (httpx is pinned
    in requirements.lock; ``test_fetch_hardening`` fails if this stops working).
    """

    def __init__(self, backend: _PinningBackend, limits: httpx.Limits) -> None:
        context = httpx.create_ssl_context(trust_env=False)
        super().__init__(verify=context, limits=limits, trust_env=False)
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


# -- bounded decoding of compressed bodies ------------------------------------------------------

DECODE_STEP = 65_536  # bytes of output per decompression step: the memory a bomb can take
DECODED_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate"})
MAX_ENCODINGS = 3


class _Inflater:
    """One gzip or deflate layer, decoded at most ``DECODE_STEP`` bytes at a time."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._gzip = encoding in ("gzip", "x-gzip")
        self._wbits = 16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(self._wbits)
        self._head = b""  # input before the first output, to restart raw deflate
        self._produced = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            if not self._produced:
                self._head += data
            try:
                out = self._inflate.decompress(data, DECODE_STEP)
            except zlib.error:
                if self.encoding != "deflate" or self._produced or self._wbits < 0:
                    raise
                # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
                self._wbits = -zlib.MAX_WBITS
                self._inflate = zlib.decompressobj(self._wbits)
                data, self._head = self._head, b""
                continue
            if out:
                self._produced = True
                self._head = b""
                yield out
            if self._inflate.eof:
                rest = self._inflate.unused_data
                if self._gzip and rest.startswith(b"\x1f\x8b"):  # another gzip member follows
                    self._inflate = zlib.decompressobj(self._wbits)
                    data = rest
                    continue
                return  # anything after the end of the stream is ignored
            data = self._inflate.unconsumed_tail
            if not data and len(out) < DECODE_STEP:
                return

    def flush(self) -> Iterator[bytes]:
        # Every step above drained the output, so what is left is under one window.
        if not self._inflate.eof:
            rest = self._inflate.flush()
            if rest:
                yield rest


def _through(layer: _Inflater, pieces: Iterable[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield from layer.feed(piece)


def _flushed(layer: _Inflater, pieces: Iterable[bytes]) -> Iterator[bytes]:
    yield from _through(layer, pieces)
    yield from layer.flush()


class _BodyDecoder:
    """The Content-Encoding layers of one body, undone lazily, piece by piece."""

    def __init__(self, encodings: Sequence[str]) -> None:
        # Content-Encoding lists codings in the order they were applied: undo the last first.
        self._layers = [_Inflater(encoding) for encoding in reversed(encodings)]

    def feed(self, raw: bytes) -> Iterator[bytes]:
        pieces: Iterable[bytes] = (raw,)
        for layer in self._layers:
            pieces = _through(layer, pieces)
        return iter(pieces)

    def finish(self) -> Iterator[bytes]:
        pieces: Iterable[bytes] = ()
        for layer in self._layers:
            pieces = _flushed(layer, pieces)
        return iter(pieces)


def content_encodings(value: str | None) -> list[str]:
    """The codings of a Content-Encoding header, lower-case, ``identity`` left out."""
    if not value:
        return []
    codings = [part.strip().lower() for part in value.split(",")]
    return [coding for coding in codings if coding and coding != "identity"]


def _utc_now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _host_key(url: httpx.URL) -> str:
    port = url.port
    host = url.raw_host.decode("ascii").lower()
    return f"{url.scheme}://{host}" + (f":{port}" if port else "")


class _Robots(urllib.robotparser.RobotFileParser):
    """RobotFileParser with its (undeclared) allow/disallow-all switches typed."""

    allow_all: bool
    disallow_all: bool


@dataclass
class _Host:
    """Per-host bookkeeping: rate limit, concurrency and robots.txt."""

    semaphore: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = 0.0
    robots: _Robots | None = None
    robots_expires: float = 0.0
    robots_error: FetchError | None = None  # robots.txt could not be read: the host is disallowed for now
    robots_lock: threading.Lock = field(default_factory=threading.Lock)


class Fetcher:
    """Polite HTTP fetcher; use it as a context manager (it owns an httpx client).

    Args:
        user_agent: Sent with every request and matched against robots.txt.
        delay: Minimum seconds between request starts to one host (raised to a
            robots.txt ``Crawl-delay``, capped at ``max_crawl_delay``).
        per_host_concurrency: Requests in flight to one host at most.
        max_concurrency: Requests in flight overall (also ``fetch_many``'s threads).
        connect_timeout, read_timeout: httpx timeouts, in seconds.
        total_timeout: Longest one exchange (connection, headers and body) may
            take, in seconds; enforced on the socket.
        fetch_timeout: Longest one :meth:`fetch` may spend on the network and
            in back-off, redirects and retries included (waiting for a turn at
            a busy host is not counted), in seconds.
        max_bytes: Largest body accepted, after decompression too; longer
            downloads are stopped.
        max_redirects: Redirect hops followed at most.
        max_retries: Extra attempts after a retryable failure.
        backoff: Base of the exponential backoff, in seconds (``backoff * 2**n``
            plus up to ``backoff`` of jitter), capped at ``max_backoff``.
        max_retry_after: Longest Retry-After honoured; a longer one fails the URL.
        respect_robots: Read and obey robots.txt.
        robots_ttl, robots_error_ttl: How long a robots.txt (or its failure) is cached.
        allow_private: Allow non-public addresses (tests, intranet mirrors).
        allowed_networks: Networks allowed even though not public, e.g. ``["10.1.0.0/16"]``.
        cache: Where ETag/Last-Modified (and bodies) are kept; None = no conditional GETs.
        transport: An httpx transport (tests); default is the pinned network
            transport (connects to checked addresses only, enforces deadlines).
            A transport given here does its own connecting: the address
            policy is then checked on our resolution only.
        trust_env: Let httpx read proxy settings from the environment.
        clock, sleep, random, resolver: Injectable for tests (monotonic seconds,
            a sleep function, a 0..1 random function, ``(host, port) -> [ip, ...]``).
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        delay: float = 1.0,
        per_host_concurrency: int = 2,
        max_concurrency: int = 8,
        connect_timeout: float = 10.0,
        read_timeout: float = 20.0,
        total_timeout: float = 60.0,
        fetch_timeout: float = 180.0,
        max_bytes: int = 10_000_000,
        max_redirects: int = 5,
        max_retries: int = 3,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        max_retry_after: float = 300.0,
        max_crawl_delay: float = 30.0,
        respect_robots: bool = True,
        robots_ttl: float = 3600.0,
        robots_error_ttl: float = 600.0,
        allow_private: bool = False,
        allowed_networks: Iterable[str] = (),
        cache: FetchCache | None = None,
        transport: httpx.BaseTransport | None = None,
        trust_env: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        resolver: Resolver = system_resolver,
    ) -> None:
        if per_host_concurrency < 1 or max_concurrency < 1:
            raise ValueError("concurrency limits must be at least 1")
        self.user_agent = user_agent
        self.delay = delay
        self.per_host_concurrency = per_host_concurrency
        self.max_concurrency = max_concurrency
        self.total_timeout = total_timeout
        self.fetch_timeout = fetch_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.max_crawl_delay = max_crawl_delay
        self.respect_robots = respect_robots
        self.robots_ttl = robots_ttl
        self.robots_error_ttl = robots_error_ttl
        self.allow_private = allow_private
        self.allowed_networks = tuple(ipaddress.ip_network(net, strict=False) for net in allowed_networks)
        self.cache = cache
        self._clock = clock
        self._sleep = sleep
        self._random = random
        self._resolver = resolver
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._global = threading.Semaphore(max_concurrency)
        self._pins: dict[tuple[str, int], tuple[tuple[str, ...], float]] = {}
        self._pins_lock = threading.Lock()
        limits = httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency)
        self._backend: _PinningBackend | None = None
        if transport is None:
            self._backend = _PinningBackend(self._connect_addresses)
            transport = _PinnedTransport(self._backend, limits)
        self._client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout, pool=None),
            follow_redirects=False,
            event_hooks={"response": [_take_location]},
            transport=transport,
            trust_env=trust_env,
            limits=limits,
        )

    # -- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        """Close the underlying HTTP client and its connections."""
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public API ------------------------------------------------------------------

    def fetch(self, url: str) -> FetchResult:
        """Fetch one URL politely.

        Raises:
            FetchError: the URL is refused (scheme, address, robots.txt) or fails
                (network, timeout, deadline, HTTP error status, size limit,
                undecodable body, redirects); a failure at a redirect hop names
                the URL asked for and the hop. Nothing else escapes: an
                unexpected exception is logged and raised as a FetchError.
        """
        budget = _Budget(self.fetch_timeout)
        attempt = 0
        while True:
            try:
                return self._fetch_once(url, budget)
            except _Retry as retry:
                if attempt >= self.max_retries:
                    raise FetchError(
                        url, f"{retry.reason} (gave up after {attempt + 1} attempts)", retry.status, True
                    ) from None
                wait = retry.wait
                if wait is None:
                    wait = min(self.max_backoff, self.backoff * 2**attempt + self._random() * self.backoff)
                elif wait > self.max_retry_after:
                    raise FetchError(
                        url,
                        f"{retry.reason}; server asked to retry after {wait:.0f} s, over the "
                        f"{self.max_retry_after:.0f} s limit",
                        retry.status,
                        True,
                    ) from None
                if wait >= budget.left():
                    raise FetchError(
                        url,
                        f"{retry.reason}; gave up after {attempt + 1} attempts: another would pass the "
                        f"{self.fetch_timeout:g} s limit of one fetch; try again later",
                        retry.status,
                        True,
                    ) from None
                log.info("retrying %s in %.1f s: %s", url, wait, retry.reason)
                self._sleep(wait)
                budget.spend(wait)
                attempt += 1
            except FetchError:
                raise
            except Exception as error:  # a bug here must cost one URL, not the batch
                log.exception("unexpected error fetching %s", url)
                raise FetchError(
                    url, f"unexpected error ({type(error).__name__}: {error}); this is a bug, please report it"
                ) from None

    def fetch_many(self, urls: Iterable[str]) -> tuple[list[FetchResult], list[FetchError]]:
        """Fetch many URLs concurrently (within the limits); never raises for one URL.

        Duplicate URLs are fetched once. Both lists keep the order of ``urls``.
        """
        unique = list(dict.fromkeys(urls))
        outcomes: list[FetchResult | FetchError]
        if len(unique) <= 1 or self.max_concurrency == 1:
            outcomes = [self._outcome(url) for url in unique]
        else:
            with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(unique))) as pool:
                outcomes = list(pool.map(self._outcome, unique))
        results = [o for o in outcomes if isinstance(o, FetchResult)]
        errors = [o for o in outcomes if isinstance(o, FetchError)]
        return results, errors

    def check_url(self, url: str) -> httpx.URL:
        """Parse ``url`` and apply the scheme and address policy.

        Raises:
            FetchError: the scheme is not http(s), the host is missing, does not
                resolve, or resolves to a refused address.
        """
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as error:
            raise FetchError(url, f"not a valid URL ({error})") from None
        if parsed.scheme not in ("http", "https"):
            raise FetchError(url, f"scheme {parsed.scheme or '(none)'!r} refused; only http and https are fetched")
        if not parsed.raw_host:
            raise FetchError(url, "URL has no host")
        host = parsed.raw_host.decode("ascii")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            addresses = self._checked_addresses(host, port)
        except _Refused as refused:
            raise FetchError(url, refused.reason, retryable=refused.retryable) from None
        # The connection for this hop goes to exactly these addresses (see _PinningBackend).
        now = time.monotonic()
        with self._pins_lock:
            if len(self._pins) >= MAX_PINS:
                self._pins = {key: pin for key, pin in self._pins.items() if pin[1] > now}
            self._pins[(host.lower(), port)] = (tuple(addresses), now + PIN_SECONDS)
        return parsed

    # -- internals ---------------------------------------------------------------------

    def _checked_addresses(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` once and apply the address policy; raises :class:`_Refused`."""
        host = host.strip("[]")
        try:
            ipaddress.ip_address(host.split("%")[0])
            literal = True
        except ValueError:
            literal = False
        if literal:
            addresses = [host]
        else:
            try:
                addresses = list(self._resolver(host, port))
            except (OSError, UnicodeError) as error:
                raise _Refused(f"host {host!r} does not resolve ({error})", retryable=True) from None
            if not addresses:
                raise _Refused(f"host {host!r} does not resolve")
        if not self.allow_private:
            for address in addresses:
                problem = address_problem(address)
                if problem and not self._allowed(address):
                    raise _Refused(
                        f"refused: host {host!r} resolves to a non-public address ({problem}); to fetch "
                        "it anyway, --set allow_private_addresses=true (allow_private=True in the library)"
                    )
        return addresses

    def _connect_addresses(self, host: str, port: int) -> Sequence[str]:
        """The addresses a connection to ``host`` may use: the pinned ones, else checked now."""
        key = (host.strip("[]").lower(), port)
        with self._pins_lock:
            pin = self._pins.get(key)
        if pin is not None and pin[1] > time.monotonic():
            return pin[0]
        return self._checked_addresses(host, port)

    @contextlib.contextmanager
    def _exchange(self, deadline: float) -> Iterator[None]:
        """Run one HTTP exchange whose socket I/O ends by ``deadline`` (monotonic seconds)."""
        if self._backend is not None:
            self._backend.set_deadline(deadline)
        try:
            yield
        finally:
            if self._backend is not None:
                self._backend.set_deadline(None)

    def _allowed(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%")[0])
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        return any(candidate in net for net in self.allowed_networks for candidate in (ip, mapped) if candidate)

    def _outcome(self, url: str) -> FetchResult | FetchError:
        try:
            return self.fetch(url)
        except FetchError as error:
            return error
        except Exception as error:  # a fetcher bug must not sink the batch
            log.exception("unexpected error fetching %s", url)
            return FetchError(url, f"unexpected error: {type(error).__name__}: {error}")

    def _host(self, key: str) -> _Host:
        with self._hosts_lock:
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = _Host(threading.Semaphore(self.per_host_concurrency))
            return host

    def _wait_turn(self, host: _Host) -> None:
        """Reserve the next start slot of ``host`` and sleep until it comes."""
        delay = self.delay
        if host.robots is not None:
            crawl_delay = host.robots.crawl_delay(self.user_agent)
            if crawl_delay:
                delay = max(delay, min(float(crawl_delay), self.max_crawl_delay))
        with host.lock:
            now = self._clock()
            start = max(now, host.next_start)
            host.next_start = start + delay
        if start > now:
            self._sleep(start - now)

    def _fetch_once(self, url: str, budget: _Budget) -> FetchResult:
        current = url
        for _hop in range(self.max_redirects + 1):
            try:
                parsed = self.check_url(current)
                host = self._host(_host_key(parsed))
                if self.respect_robots:
                    self._check_robots(current, parsed, host)
            except FetchError as error:
                if current == url:
                    raise
                # Name the URL asked for (callers match failures to it) and the hop refused.
                raise FetchError(
                    url, f"redirected to {current}: {error.reason}", error.status, error.retryable
                ) from None
            entry = self.cache.get(current) if self.cache is not None else None
            headers = {}
            if entry is not None:
                if entry.etag:
                    headers["If-None-Match"] = entry.etag
                if entry.last_modified:
                    headers["If-Modified-Since"] = entry.last_modified
            outcome = self._request(url, current, host, headers, budget)
            if isinstance(outcome, str):
                current = outcome
                continue
            status, response_headers, body = outcome
            return self._result(url, current, status, response_headers, body, entry)
        raise FetchError(url, f"too many redirects (more than {self.max_redirects})")

    def _request(
        self, url: str, current: str, host: _Host, headers: dict[str, str], budget: _Budget
    ) -> str | tuple[int, httpx.Headers, bytes]:
        """One HTTP exchange: a redirect target, or (status, headers, body)."""
        with host.semaphore, self._global:
            self._wait_turn(host)
            limit = min(self.total_timeout, budget.left())
            if limit <= 0:
                raise _Retry(f"timed out (the fetch used its {self.fetch_timeout:g} s limit)")
            deadline = self._clock() + limit
            started = time.monotonic()
            socket_deadline = started + limit
            try:
                with (
                    self._exchange(socket_deadline),
                    self._client.stream("GET", current, headers=headers) as response,
                ):
                    status = response.status_code
                    if status in REDIRECT_STATUSES:
                        location = response.extensions.get(LOCATION_KEY)
                        if not location:
                            raise FetchError(url, f"HTTP {status} redirect without a Location header", status)
                        return urljoin(current, location.strip())
                    if status == 304:
                        return status, response.headers, b""
                    if status in RETRY_STATUSES:
                        wait = parse_retry_after(response.headers.get("retry-after"))
                        raise _Retry(f"HTTP {status} {response.reason_phrase}".strip(), status, wait)
                    if status >= 400 or status < 200:
                        raise FetchError(url, f"HTTP {status} {response.reason_phrase}".strip(), status)
                    body = self._read_body(url, response, deadline, limit)
                    return status, response.headers, body
            except httpx.TimeoutException as error:
                if time.monotonic() >= socket_deadline - 0.01:
                    raise _Retry(f"timed out (the exchange took longer than {limit:g} s)") from None
                raise _Retry(f"timed out ({type(error).__name__})") from None
            except _Refused as refused:  # the address changed between the check and the connection
                raise FetchError(url, refused.reason, retryable=refused.retryable) from None
            except httpx.ConnectError as error:
                if "CERTIFICATE_VERIFY_FAILED" in str(error):
                    raise FetchError(
                        url,
                        f"the TLS certificate of {httpx.URL(current).host} could not be verified ({error}); "
                        "the site's certificate is invalid or the connection is intercepted",
                    ) from None
                raise _Retry(f"connection failed ({type(error).__name__}: {error})") from None
            except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
                raise _Retry(f"connection failed ({type(error).__name__}: {error})") from None
            except httpx.HTTPError as error:
                raise FetchError(url, f"HTTP error ({type(error).__name__}: {error})") from None
            finally:
                budget.spend(time.monotonic() - started)

    def _read_body(self, url: str, response: httpx.Response, deadline: float, limit: float) -> bytes:
        """The body, decompressed, within ``max_bytes`` (before and after decoding) and the deadline."""
        length = response.headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise FetchError(
                url,
                f"body is {int(length):,} bytes (Content-Length), over the {self.max_bytes:,} byte limit (setting max_input_mb)",
            )
        encodings = content_encodings(response.headers.get("content-encoding"))
        unknown = [coding for coding in encodings if coding not in DECODED_ENCODINGS]
        if unknown:
            raise FetchError(
                url,
                f"body uses Content-Encoding {unknown[0]!r}, which is not decoded (only gzip and deflate "
                "are asked for); the server ignores Accept-Encoding",
            )
        if len(encodings) > MAX_ENCODINGS:
            raise FetchError(url, f"body is encoded {len(encodings)} times ({', '.join(encodings)}); refused")
        decoder = _BodyDecoder(encodings) if encodings else None
        chunks: list[bytes] = []
        size = raw_size = 0

        def take(piece: bytes) -> None:
            nonlocal size
            size += len(piece)
            if size > self.max_bytes:
                if decoder is None:
                    raise FetchError(
                        url, f"body exceeds the {self.max_bytes:,} byte limit (setting max_input_mb); download stopped"
                    )
                raise FetchError(
                    url,
                    f"body exceeds the {self.max_bytes:,} byte limit (setting max_input_mb) once decompressed "
                    f"({', '.join(encodings)}, {raw_size:,} compressed bytes read); download stopped",
                )
            chunks.append(piece)

        try:
            for chunk in response.iter_raw():
                raw_size += len(chunk)
                if raw_size > self.max_bytes:
                    raise FetchError(
                        url, f"body exceeds the {self.max_bytes:,} byte limit (setting max_input_mb); download stopped"
                    )
                for piece in decoder.feed(chunk) if decoder is not None else (chunk,):
                    take(piece)
                if self._clock() > deadline:
                    raise _Retry(f"timed out (the exchange took longer than {limit:g} s)")
            if decoder is not None:
                for piece in decoder.finish():
                    take(piece)
        except zlib.error as error:
            raise FetchError(url, f"body is not valid {', '.join(encodings)} data ({error})") from None
        return b"".join(chunks)

    def _result(
        self,
        url: str,
        final_url: str,
        status: int,
        headers: httpx.Headers,
        body: bytes,
        entry: CacheEntry | None,
    ) -> FetchResult:
        kept = {name: headers[name] for name in KEPT_HEADERS if name in headers}
        charset = declared_charset(headers.get("content-type"))
        fetched_at = _utc_now_iso()
        if status == 304:
            cached_body = entry.body if entry is not None else None
            if entry is not None and cached_body is not None:
                return FetchResult(
                    url,
                    final_url,
                    status,
                    {**entry.headers, **kept},
                    cached_body,
                    charset or entry.charset,
                    fetched_at,
                    not_modified=True,
                    from_cache=True,
                )
            return FetchResult(url, final_url, status, kept, b"", charset, fetched_at, not_modified=True)
        if self.cache is not None and (kept.get("etag") or kept.get("last-modified")):
            self.cache.put(
                final_url, CacheEntry(kept.get("etag"), kept.get("last-modified"), body, charset, dict(kept))
            )
        return FetchResult(url, final_url, status, kept, body, charset, fetched_at)

    def _check_robots(self, url: str, parsed: httpx.URL, host: _Host) -> None:
        with host.robots_lock:
            if host.robots is None or self._clock() >= host.robots_expires:
                host.robots, ttl, host.robots_error = self._load_robots(parsed, host)
                host.robots_expires = self._clock() + ttl
            robots, error = host.robots, host.robots_error
        if error is not None:
            raise FetchError(
                url,
                f"{_host_key(parsed)}/robots.txt could not be read ({error.reason}), so the host is treated "
                "as disallowed for now; try again later",
                error.status,
                error.retryable,
            )
        if not robots.can_fetch(self.user_agent, url):
            raise FetchError(url, f"disallowed by {_host_key(parsed)}/robots.txt for this user agent")

    def _load_robots(self, parsed: httpx.URL, host: _Host) -> tuple[_Robots, float, FetchError | None]:
        """The robots.txt rules, how long to keep them, and the failure when it could not be read."""
        robots_url = f"{_host_key(parsed)}/robots.txt"
        robots = _Robots(robots_url)
        try:
            outcome = self._robots_response(robots_url, host)
        except FetchError as error:
            log.warning("robots.txt unreadable, host treated as disallowed: %s", error)
            robots.disallow_all = True
            return robots, self.robots_error_ttl, error
        status, body = outcome
        if status in (401, 403):
            robots.disallow_all = True
        elif 400 <= status < 500:
            robots.allow_all = True
        elif status >= 500:
            robots.disallow_all = True
            return robots, self.robots_error_ttl, FetchError(robots_url, f"HTTP {status}", status, retryable=True)
        else:
            robots.parse(body.decode("utf-8", errors="replace").splitlines())
        return robots, self.robots_ttl, None

    def _robots_response(self, robots_url: str, host: _Host) -> tuple[int, bytes]:
        current = robots_url
        for _hop in range(self.max_redirects + 1):
            parsed = self.check_url(current)
            hop_host = self._host(_host_key(parsed))
            with hop_host.semaphore, self._global:
                if hop_host is host:
                    self._wait_turn(hop_host)
                deadline = self._clock() + self.total_timeout
                try:
                    with (
                        self._exchange(time.monotonic() + self.total_timeout),
                        self._client.stream("GET", current) as response,
                    ):
                        status = response.status_code
                        location = response.extensions.get(LOCATION_KEY)
                        if status in REDIRECT_STATUSES and location:
                            current = urljoin(current, location.strip())
                            continue
                        if status != 200:
                            return status, b""
                        return status, self._read_body(robots_url, response, deadline, self.total_timeout)
                except _Retry as retry:
                    raise FetchError(robots_url, retry.reason, retry.status, True) from None
                except _Refused as refused:
                    raise FetchError(robots_url, refused.reason, retryable=refused.retryable) from None
                except httpx.HTTPError as error:
                    raise FetchError(robots_url, f"{type(error).__name__}: {error}", retryable=True) from None
        raise FetchError(robots_url, f"too many redirects (more than {self.max_redirects})")


class _Budget:
    """Seconds one :meth:`Fetcher.fetch` may still spend on exchanges and back-off."""

    def __init__(self, seconds: float) -> None:
        self._left = seconds

    def left(self) -> float:
        return self._left

    def spend(self, seconds: float) -> None:
        self._left -= max(0.0, seconds)


LOCATION_KEY = "rashomon.location"


def _take_location(response: httpx.Response) -> None:
    """Move a redirect's Location out of httpx's reach (an httpx response hook).

    httpx builds the next request of a redirect even when it does not follow
    it, and chokes on some Location values (``javascript:…``, ``data:…``);
    the fetcher follows redirects itself, checking every hop, so it takes the
    raw value and leaves httpx nothing to parse.
    """
    if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
        response.extensions[LOCATION_KEY] = response.headers["location"]
        del response.headers["location"]


class _Retry(Exception):
    """Internal: one attempt failed in a way that may succeed on a later attempt."""

    def __init__(self, reason: str, status: int | None = None, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.wait = wait


__all__ = [
    "DEFAULT_USER_AGENT",
    "CacheEntry",
    "FetchCache",
    "FetchError",
    "FetchResult",
    "FetchStore",
    "Fetcher",
    "MemoryFetchCache",
    "WorkspaceFetchCache",
    "address_problem",
    "content_encodings",
    "declared_charset",
    "parse_retry_after",
    "system_resolver",
]
