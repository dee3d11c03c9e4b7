"""Load on `rashomon serve`: concurrent clients on the event, search and timeline pages.

Serves a copy of a workspace (opening it applies any migration it lacks, so the original is never
written) with ``rashomon serve`` in its own process on loopback, then runs ``--clients`` threads
for ``--seconds``, each requesting in turn an event page (events taken from the list), a search
(full text, and semantic for every ``--semantic-every``-th) and a timeline (by outlet, language,
a query, count and share). Prints p50/p90/p99 latency per kind of page, requests per second and
errors (any status but 200, or no answer within ``--timeout``). The first semantic search loads
the embedding model; ``--warm`` requests (at least one of every page cycled) run before the clock
starts. By default the server keeps pages' data until the workspace changes (``serve --cache``),
so after the warm-up the clock measures pages already read once (rendering, search ranking from
memory); ``--no-cache`` serves with ``--cache 0``, so every request reads the workspace, as the
first view of each page does.

Usage: python bench/bench_web.py WORKSPACE [--clients 16] [--seconds 60] [--no-cache] [--json]
Prints numbers; never gates CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon import Workspace  # noqa: E402

TEXT_QUERIES = ["Trump", "election", "Merkel Regierung", '"European Union"', "econom*", "police NOT Trump", "lang:de"]
SEMANTIC_QUERIES = ["election results", "Polizei Unfall Autobahn", "earthquake victims"]
TIMELINES = [
    {"by": "outlet"},
    {"by": "language", "mode": "share"},
    {"by": "language", "interval": "week"},
    {"q": "election", "by": "outlet", "mode": "share"},
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(workspace: Path, port: int, cache: int = 512) -> subprocess.Popen[bytes]:
    """``rashomon serve`` on loopback, in a process of its own; returns once it answers."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "rashomon", "serve", "--workspace", str(workspace), "--port", str(port)]
    command += ["--cache", str(cache)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"rashomon serve exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/index.json?size=1", timeout=5).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("rashomon serve did not answer within 120 s")


def paths(base: str, semantic_every: int, events: int) -> dict[str, list[str]]:
    """The URLs each kind of request cycles through."""
    listing = httpx.get(f"{base}/index.json", params={"size": 500}, timeout=60).json()
    ranked = sorted(listing["rows"], key=lambda row: -row["articles"])[:events]
    searches = [f"/search?{urlencode({'q': q, 'mode': 'text'})}" for q in TEXT_QUERIES]
    if semantic_every:
        for n, query in enumerate(SEMANTIC_QUERIES):
            searches.insert((n + 1) * semantic_every % (len(searches) + 1), f"/search?{urlencode({'q': query})}")
    return {
        "event": [f"/events/{quote(row['event_id'], safe='')}" for row in ranked],
        "search": searches,
        "timeline": [f"/timeline?{urlencode(params)}" for params in TIMELINES],
    }


def run(base: str, urls: dict[str, list[str]], clients: int, seconds: float, timeout: float) -> dict[str, object]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    kinds = list(urls)

    def client(number: int) -> None:
        turn = number
        with httpx.Client(base_url=base, timeout=timeout) as http:
            while time.monotonic() < stop:
                kind = kinds[turn % len(kinds)]
                url = urls[kind][(turn // len(kinds)) % len(urls[kind])]
                turn += 1
                started = time.perf_counter()
                try:
                    status = http.get(url).status_code
                    problem = None if status == 200 else f"{status} {url}"
                except httpx.HTTPError as error:
                    problem = f"{type(error).__name__} {url}"
                elapsed = time.perf_counter() - started
                with lock:
                    latencies[kind].append(elapsed)
                    if problem:
                        errors[kind].append(problem)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    report: dict[str, object] = {"clients": clients, "seconds": round(wall, 1)}
    every = [v for values in latencies.values() for v in values]
    for kind, values in [*sorted(latencies.items()), ("all", every)]:
        values = sorted(values)
        cut = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
        report[kind] = {
            "requests": len(values),
            "per_second": round(len(values) / wall, 1),
            "p50_ms": round(1000 * cut[49], 1),
            "p90_ms": round(1000 * cut[89], 1),
            "p99_ms": round(1000 * cut[98], 1),
            "errors": len(errors.get(kind, [])) if kind != "all" else sum(len(e) for e in errors.values()),
            "first_errors": errors.get(kind, [])[:3] if kind != "all" else [],
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path, help="a workspace folder (it is copied; the copy is served)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a request may take before it is an error")
    parser.add_argument("--events", type=int, default=50, help="event pages cycled through (the largest events)")
    parser.add_argument("--semantic-every", type=int, default=3, help="put a semantic search among every N searches")
    parser.add_argument("--warm", type=int, default=20, help="requests before the clock starts")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="serve with --cache 0: every request reads the workspace (what a first view of each page costs)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-web-"))
    try:
        copy = scratch / "workspace"
        shutil.copytree(args.workspace, copy, ignore=shutil.ignore_patterns("*.lock"))
        port = free_port()
        server = serve(copy, port, 0 if args.no_cache else 512)
        base = f"http://127.0.0.1:{port}"
        try:
            urls = paths(base, args.semantic_every, args.events)
            warm = [u for kind in urls.values() for u in kind]
            for url in (warm * (1 + args.warm // max(1, len(warm))))[: max(args.warm, len(warm))]:
                httpx.get(base + url, timeout=300)
            report = run(base, urls, args.clients, args.seconds, args.timeout)
        finally:
            server.terminate()
            server.wait(timeout=30)
        with Workspace(copy) as ws:
            articles = len(ws.article_ids())
        report = {"articles": articles, "cache": not args.no_cache, **report}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    cached = "pages kept until the workspace changes" if report["cache"] else "no cache (--no-cache)"
    print(f"{report['articles']} articles · {report['clients']} clients · {report['seconds']} s · {cached}")
    print(f"{'page':<10}{'requests':>10}{'req/s':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind in ("event", "search", "timeline", "all"):
        row = report.get(kind)
        if isinstance(row, dict):
            print(
                f"{kind:<10}{row['requests']:>10}{row['per_second']:>8}{row['p50_ms']:>9}{row['p90_ms']:>9}"
                f"{row['p99_ms']:>9}{row['errors']:>8}"
            )
            for problem in row["first_errors"]:
                print(f"    {problem}")


if __name__ == "__main__":
    main()
