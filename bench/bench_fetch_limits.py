"""Time and memory the fetcher spends refusing hostile servers, at its default limits.

A local HTTP server on 127.0.0.1 serves:

``gzip-1GiB``      a 1 MiB gzip body (1,024 concatenated members) that expands to 1 GiB;
``gzip-gzip-1GiB`` the same gzipped again (``Content-Encoding: gzip, gzip``): about 10 KB
                   on the wire, 1 GiB once decoded;
``deflate-1GiB``   a zlib stream of 1 GiB of zeros (about 1 MB);
``plain-endless``  an uncompressed body with no Content-Length that never ends;
``trickle-head``   headers trickled one byte every 0.2 s (never complete);
``trickle-body``   a body trickled one byte every 0.2 s.

Each case runs through :class:`rashomon.ingest.fetch.Fetcher` with its default
``max_bytes`` (10 MB), ``read_timeout`` (20 s) and retries, and the deadline
given by ``--deadline`` as ``fetch_timeout`` (default 3 s, so the trickles end
quickly; the default of the library is 180 s). Reported: the reason the fetch
failed, the wall time, the peak of Python allocations (tracemalloc) and the
growth of the process's peak resident memory (Linux VmHWM, reset before each
case).

Usage: ``python bench/bench_fetch_limits.py [--deadline SECONDS]``
"""

from __future__ import annotations

import argparse
import gzip
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rashomon.ingest.fetch import Fetcher, FetchError

GIB = 1 << 30


def gzip_bomb(layers: int) -> bytes:
    member = gzip.compress(b"\0" * 1_048_576, 9)
    body = member * (GIB // 1_048_576)
    for _ in range(layers - 1):
        body = gzip.compress(body, 9)
    return body


def deflate_bomb() -> bytes:
    packer = zlib.compressobj(9)
    block = b"\0" * 1_048_576
    return b"".join(packer.compress(block) for _ in range(GIB // len(block))) + packer.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Callable[[BaseHTTPRequestHandler], None]]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = routes
        self.stop = threading.Event()

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.routes[self.path](self)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def send(body: bytes, encoding: str | None = None) -> Callable[[BaseHTTPRequestHandler], None]:
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        if encoding:
            h.send_header("Content-Encoding", encoding)
        h.end_headers()
        h.wfile.write(body)

    return route


def endless(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    chunk = b"y" * 65_536
    while True:
        h.wfile.write(chunk)


def trickle(head: bytes, body: bytes, server_stop: threading.Event) -> Callable[[BaseHTTPRequestHandler], None]:
    def route(h: BaseHTTPRequestHandler) -> None:
        for byte in head + body:
            if server_stop.is_set():
                return
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(0.2)

    return route


def peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def reset_peak_rss() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deadline", type=float, default=3.0, help="fetch_timeout for every case (s)")
    options = parser.parse_args()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
    server = Server(routes)
    bodies = {"gzip-1GiB": gzip_bomb(1), "gzip-gzip-1GiB": gzip_bomb(2), "deflate-1GiB": deflate_bomb()}
    routes["/gzip-1GiB"] = send(bodies["gzip-1GiB"], "gzip")
    routes["/gzip-gzip-1GiB"] = send(bodies["gzip-gzip-1GiB"], "gzip, gzip")
    routes["/deflate-1GiB"] = send(bodies["deflate-1GiB"], "deflate")
    routes["/plain-endless"] = endless
    routes["/trickle-head"] = trickle(head + b"X-Pad: " + b"p" * 1000, b"", server.stop)
    routes["/trickle-body"] = lambda h: (h.wfile.write(head), trickle(b"", b"x" * 10_000, server.stop)(h))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"{'case':<16} {'on the wire':>12} {'time s':>7} {'py peak MB':>10} {'RSS +MB':>8}  reason")
    with Fetcher(allow_private=True, respect_robots=False, delay=0.0, fetch_timeout=options.deadline) as fetcher:
        for name in ("gzip-1GiB", "gzip-gzip-1GiB", "deflate-1GiB", "plain-endless", "trickle-head", "trickle-body"):
            wire = f"{len(bodies[name]):,}" if name in bodies else "-"
            before = peak_rss_kib()
            reset_peak_rss()
            base_rss = peak_rss_kib()
            tracemalloc.start()
            started = time.perf_counter()
            try:
                fetcher.fetch(f"{base}/{name}")
                reason = "FETCHED (limit not enforced!)"
            except FetchError as error:
                reason = error.reason
            elapsed = time.perf_counter() - started
            _, py_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            grown = max(0, peak_rss_kib() - base_rss) if base_rss <= before else 0
            print(f"{name:<16} {wire:>12} {elapsed:7.2f} {py_peak / 1e6:10.1f} {grown / 1024:8.1f}  {reason[:90]}")
    server.stop.set()
    server.shutdown()


if __name__ == "__main__":
    main()
