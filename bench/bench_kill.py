"""Kill ``rashomon ingest`` and ``rashomon watch`` with SIGKILL at random points; nothing may be lost.

Each trial starts the real CLI in a subprocess, kills it (``SIGKILL``, the
whole process group) after a delay drawn from a seeded generator, checks the
workspace it left, runs the same command again to the end, and compares the
result with an uninterrupted run of the same command.

Scenarios (trials go round-robin over them):

* ``ingest-fresh``: ``rashomon ingest examples/sample`` into a new workspace;
  killed anywhere from start-up (migrations) to the end;
* ``ingest-incremental``: the same into a workspace that already holds part of
  the corpus (new articles join stored events); killed anywhere;
* ``ingest-commit``: as ``ingest-incremental``, but killed 0-20 ms after the
  write-ahead log starts to grow, i.e. while the one write transaction is being
  written and committed;
* ``watch``: ``rashomon watch FEED --polls 2`` against a local HTTP server that
  serves an RSS feed and its item pages (built from the sample corpus).

What a killed run must leave (checked by :func:`check_workspace`):

1. ``PRAGMA integrity_check`` is ``ok`` and ``PRAGMA foreign_key_check`` finds nothing;
2. the schema is exactly the one migrations ``1..user_version`` make (a migration
   is applied whole or not at all);
3. every article has its vector (same non-zero dimension for all) and embedder,
   and exactly one ``accepted`` input row (its source, its bytes); every input row
   that names an article points to a stored one;
4. no article is stored twice: ids, (source, bytes) of inputs, URLs and cleaned
   texts are unique among articles;
5. grouping: every article is in exactly one event, every event in exactly one
   storyline, a storyline's articles are its events' articles;
6. every article has its dedup signature and name features; with the extract
   stage on, every article has its extraction and every mention key its entity
   (with a header); with framing on, every article has its framing;
7. nothing committed before is lost and nothing foreign appears: the articles
   are a superset of those stored before the command and a subset of those an
   uninterrupted run stores.

After the re-run, the workspace must equal the uninterrupted one
(:func:`snapshot`: article ids in order, inputs, events, storylines,
extractions, entities, framings, versions and the feed state).

Usage::

    python bench/bench_kill.py --trials 50            # every stage (extract, framing) on
    python bench/bench_kill.py --trials 10 --fast     # extract and framing off
"""

from __future__ import annotations

import argparse
import html
import http.server
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "sample"
MIGRATIONS = ROOT / "rashomon" / "migrations"
DATABASE = "rashomon.sqlite3"

# The hashing embedder: no model to load, deterministic; workers=1: no extra processes to outlive a kill.
BASE_SETTINGS = ("--set", "embedder=hashing", "--set", "workers=1")
LOCAL_SETTINGS = ("--set", "allow_private_addresses=true", "--set", "fetch_delay=0")


def environment() -> dict[str, str]:
    """The environment for a CLI subprocess: this checkout's package first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("RASHOMON_WORKSPACE", None)
    return env


def rashomon(settings: Sequence[str], *args: str) -> list[str]:
    """The command line of ``python -m rashomon SETTINGS ARGS``."""
    return [sys.executable, "-m", "rashomon", *settings, *args]


def run_to_end(command: Sequence[str], timeout: float = 600.0) -> subprocess.CompletedProcess[str]:
    """Run a command uninterrupted (its output captured)."""
    return subprocess.run(command, env=environment(), capture_output=True, text=True, timeout=timeout, check=False)


def run_and_kill(command: Sequence[str], delay: float, wal: Path | None = None, timeout: float = 600.0) -> bool:
    """Start ``command`` and SIGKILL its process group after ``delay`` seconds.

    With ``wal``, the delay counts from the moment that write-ahead log file
    first grows (the command's write transaction) instead of from the start.

    Returns:
        True if the process was killed, False if it had finished already.
    """
    process = subprocess.Popen(
        command,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so the kill reaches any child too
    )
    try:
        if wal is not None:
            deadline = time.monotonic() + timeout
            while process.poll() is None and time.monotonic() < deadline:
                if wal.exists() and wal.stat().st_size > 0:
                    break
                time.sleep(0.0005)
        try:
            process.wait(timeout=delay)
            return False
        except subprocess.TimeoutExpired:
            pass
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return True
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# -- the invariants -------------------------------------------------------------


def _expected_schema(version: int) -> set[tuple[str, str]]:
    """(type, name) of every table and index migrations 1..version create."""
    db = sqlite3.connect(":memory:")
    for path in sorted(MIGRATIONS.glob("*.sql")):
        if int(path.name.split("_", 1)[0]) <= version:
            db.executescript(path.read_text(encoding="utf-8"))
    found = set(db.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    db.close()
    return found


def _latest_version() -> int:
    return max(int(path.name.split("_", 1)[0]) for path in MIGRATIONS.glob("*.sql"))


@contextmanager
def _open(workspace: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(workspace / DATABASE)
    try:
        yield db
    finally:
        db.close()


def check_workspace(workspace: Path, extract: bool, framing: bool) -> list[str]:
    """Every broken invariant of a workspace (see the module docstring); empty if none."""
    if not (workspace / DATABASE).exists():
        return []  # killed before the database was created: nothing written, nothing to break
    problems: list[str] = []
    with _open(workspace) as db:
        integrity = [row[0] for row in db.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            return [f"integrity_check: {'; '.join(integrity[:5])}"]
        if db.execute("PRAGMA foreign_key_check").fetchall():
            problems.append("foreign_key_check found rows pointing nowhere")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        schema = set(db.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        if not 0 <= version <= _latest_version() or schema != _expected_schema(version):
            return [*problems, f"schema does not match migrations 1..{version}: half-applied migration"]
        if version < _latest_version():
            if version and db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]:
                problems.append(f"articles stored in a workspace at schema version {version}")
            return problems
        problems.extend(_check_articles(db, extract, framing))
    return problems


def _check_articles(db: sqlite3.Connection, extract: bool, framing: bool) -> list[str]:
    problems: list[str] = []
    articles = db.execute("SELECT id, source, url, text, embedder, vector FROM articles ORDER BY seq").fetchall()
    ids = [row[0] for row in articles]
    stored = set(ids)
    sizes = {len(row[5]) for row in articles}
    if articles and (len(sizes) != 1 or 0 in sizes or next(iter(sizes)) % 4):
        problems.append(f"article vectors of sizes {sorted(sizes)}")
    problems += [f"article {row[0]}: no embedder" for row in articles if not row[4]]
    first_inputs: dict[str, list[str]] = {}
    for source, article_id in db.execute(
        "SELECT source, article_id FROM inputs WHERE status = 'accepted' AND reason IS NULL"
    ):
        first_inputs.setdefault(article_id, []).append(source)
    for article_id, source, *_rest in articles:
        if first_inputs.get(article_id) != [source]:
            problems.append(f"article {article_id}: accepted input rows {first_inputs.get(article_id)}")
    for (article_id,) in db.execute("SELECT article_id FROM inputs WHERE article_id IS NOT NULL"):
        if article_id not in stored:
            problems.append(f"an input row names article {article_id}, which is not stored")
    for what, values in (("URL", [row[2] for row in articles if row[2]]), ("text", [row[3] for row in articles])):
        if len(values) != len(set(values)):
            problems.append(f"two articles with the same {what}")
    if len(ids) != len(set(ids)):
        problems.append("an article id stored twice")
    problems.extend(_check_groups(db, stored))
    for stage, table, on in (("extraction", "extractions", extract), ("framing", "framings", framing)):
        if on:
            have = {row[0] for row in db.execute(f"SELECT article_id FROM {table}")}  # noqa: S608 (fixed names)
            problems += [f"article {i}: no {stage}" for i in ids if i not in have]
    for table in ("dedup", "features"):  # what the next ingest reads instead of the texts
        have = {row[0] for row in db.execute(f"SELECT article_id FROM {table}")}  # noqa: S608 (fixed names)
        problems += [f"article {i}: no {table} row" for i in ids if i not in have]
    if extract and articles:
        unlinked = db.execute(
            "SELECT COUNT(DISTINCT key) FROM entity_mentions WHERE key NOT IN (SELECT key FROM entity_keys)"
        ).fetchone()[0]
        headless = db.execute(
            "SELECT COUNT(DISTINCT entity_id) FROM entity_keys WHERE entity_id NOT IN (SELECT id FROM entities)"
        ).fetchone()[0]
        if unlinked or headless:
            problems.append(f"entities: {unlinked} mention key(s) linked to no entity, {headless} entity(ies) unnamed")
        if db.execute("SELECT value FROM state WHERE key = 'entity_index'").fetchone() is None:
            problems.append("entities: not kept per key")
    return problems


def _check_groups(db: sqlite3.Connection, stored: set[str]) -> list[str]:
    problems: list[str] = []
    events = {row[0]: json.loads(row[1]) for row in db.execute("SELECT id, article_ids FROM events")}
    placed = [article_id for members in events.values() for article_id in members]
    if sorted(placed) != sorted(stored):
        missing, foreign = stored - set(placed), set(placed) - stored
        twice = {a for a in placed if placed.count(a) > 1}
        problems.append(f"grouping: {len(missing)} article(s) in no event, {len(foreign)} unknown, {len(twice)} twice")
    in_storylines: list[str] = []
    for storyline_id, event_ids, article_ids in db.execute("SELECT id, event_ids, article_ids FROM storylines"):
        event_ids = json.loads(event_ids)
        in_storylines += event_ids
        members = {a for e in event_ids for a in events.get(e, [])}
        if members != set(json.loads(article_ids)):
            problems.append(f"storyline {storyline_id}: its articles are not its events' articles")
    if sorted(in_storylines) != sorted(events):
        problems.append("an event in no storyline, or in two")
    return problems


def snapshot(workspace: Path) -> dict[str, Any]:
    """What two runs must agree on (no timestamps); empty if there is no database."""
    if not (workspace / DATABASE).exists():
        return {}
    with _open(workspace) as db:
        if db.execute("PRAGMA user_version").fetchone()[0] < _latest_version():
            return {}

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in db.execute(sql)]

        feeds = db.execute("SELECT value FROM state WHERE key = 'feeds'").fetchone()
        return {
            "articles": [row[0] for row in rows("SELECT id FROM articles ORDER BY seq")],
            "inputs": sorted(rows("SELECT source, sha256, status, article_id, reason FROM inputs"), key=repr),
            "events": rows("SELECT id, article_ids, label, headline FROM events ORDER BY position"),
            "storylines": rows("SELECT id, event_ids, article_ids, label FROM storylines ORDER BY position"),
            "extractions": rows("SELECT article_id, data FROM extractions ORDER BY article_id"),
            "entities": rows("SELECT * FROM entities ORDER BY id"),
            "entity_keys": rows("SELECT * FROM entity_keys ORDER BY key"),
            "crosslinks": rows("SELECT id, storyline_id, data FROM crosslinks ORDER BY id"),
            "comparisons": rows("SELECT event_id, data FROM comparisons ORDER BY event_id"),
            "framings": rows("SELECT article_id, data FROM framings ORDER BY article_id"),
            "versions": sorted(rows("SELECT article_id, sha256 FROM article_versions")),
            "feeds": json.loads(feeds[0]) if feeds else None,
        }


# -- a local news site ----------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><title>{title}</title>
<meta property="og:site_name" content="{outlet}"></head>
<body><nav><a href="/">Home</a></nav><article><h1>{title}</h1>{paragraphs}</article>
<footer>{outlet}</footer></body></html>"""
ITEM = "<item><title>{title}</title><link>{link}</link><guid>{link}</guid><pubDate>{date}</pubDate></item>"


class Site:
    """A news site on 127.0.0.1: ``/feed.xml`` (RSS) and one page per sample text.

    Args:
        pages: How many of the sample corpus's texts to serve (sorted by path).
    """

    def __init__(self, pages: int = 12) -> None:
        self.pages: dict[str, bytes] = {}
        self.items: list[tuple[str, str, str]] = []  # slug, title, RFC 822 date
        for path in sorted(SAMPLE.rglob("*.txt"))[:pages]:
            slug = f"{path.parent.name}-{path.stem}"
            date, _, words = path.stem.partition("_")
            title = words.replace("_", " ").capitalize()
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:  # the sample corpus has a Windows-1252 file on purpose
                text = raw.decode("cp1252")
            paragraphs = "".join(f"<p>{html.escape(b.strip())}</p>" for b in text.split("\n\n") if b.strip())
            self.pages[slug] = PAGE.format(title=title, outlet=path.parent.name, paragraphs=paragraphs).encode()
            day = time.strptime(date, "%Y-%m-%d")
            self.items.append((slug, title, time.strftime("%a, %d %b %Y 10:00:00 GMT", day)))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def feed_url(self) -> str:
        return f"{self.base}/feed.xml"

    def feed(self) -> bytes:
        items = "".join(ITEM.format(title=t, link=f"{self.base}/{s}.html", date=d) for s, t, d in self.items)
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Sample</title>{items}</channel></rss>'.encode()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                slug = re.sub(r"^/|\.html$", "", self.path)
                if self.path == "/robots.txt":
                    body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
                elif self.path == "/feed.xml":
                    body, kind = site.feed(), "application/rss+xml"
                elif slug in site.pages:
                    body, kind = site.pages[slug], "text/html; charset=utf-8"
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

        return Handler

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


# -- scenarios and trials ------------------------------------------------------------------


@dataclass
class Scenario:
    """One command to kill, with the workspace it starts from and the uninterrupted result.

    Attributes:
        name: As in the module docstring.
        command: The command line, with ``{ws}`` where the workspace goes.
        base: A workspace folder to start from (copied per trial), or None for a new one.
        wal_kill: Count the kill delay from the first write to the write-ahead log.
        span: Kill delays are drawn from ``[0, span)`` seconds.
        reference: :func:`snapshot` of an uninterrupted run.
        before: Article ids stored before the command (in ``base``).
    """

    name: str
    command: list[str]
    base: Path | None = None
    wal_kill: bool = False
    span: float = 0.0
    reference: dict[str, Any] = field(default_factory=dict)
    before: list[str] = field(default_factory=list)

    def argv(self, workspace: Path) -> list[str]:
        return [part.replace("{ws}", str(workspace)) for part in self.command]

    def prepare(self, workspace: Path) -> None:
        """A fresh copy of the starting workspace at ``workspace``."""
        shutil.rmtree(workspace, ignore_errors=True)
        if self.base is not None:
            shutil.copytree(self.base, workspace)

    def calibrate(self, scratch: Path) -> None:
        """Run once uninterrupted: the reference snapshot and the time it takes."""
        workspace = scratch / f"{self.name}-reference"
        self.prepare(workspace)
        self.before = snapshot(workspace).get("articles", [])
        started = time.monotonic()
        result = run_to_end(self.argv(workspace))
        if result.returncode != 0:
            raise SystemExit(f"{self.name}: the uninterrupted run failed: {result.stderr.strip()[-500:]}")
        self.span = self.span or (time.monotonic() - started) * 1.1
        self.reference = snapshot(workspace)


@dataclass
class Tally:
    """The figures of one scenario."""

    trials: int = 0
    kills: int = 0
    integrity_failures: int = 0
    invariant_failures: int = 0
    lost: int = 0
    foreign: int = 0
    left_before: int = 0  # killed runs that left the workspace as it was before the command
    left_after: int = 0  # ... as the uninterrupted run leaves it (killed after the commit)
    left_between: int = 0  # ... in between (watch: a poll committed, the next not)
    completions: int = 0
    failures: list[str] = field(default_factory=list)


def trial(scenario: Scenario, workspace: Path, delay: float, extract: bool, framing: bool, tally: Tally) -> None:
    """Kill the scenario's command after ``delay`` s, check what it left, re-run it and compare."""
    scenario.prepare(workspace)
    tally.trials += 1
    wal = workspace / f"{DATABASE}-wal" if scenario.wal_kill else None
    killed = run_and_kill(scenario.argv(workspace), delay, wal)
    tally.kills += killed
    label = f"{scenario.name} delay {delay:.3f}s"
    problems = check_workspace(workspace, extract, framing)
    if problems:
        tally.integrity_failures += any(p.startswith("integrity_check") for p in problems)
        tally.invariant_failures += 1
        tally.failures.append(f"{label}: after the kill: {'; '.join(problems[:3])}")
    left = snapshot(workspace)
    articles = left.get("articles", [])
    lost = [a for a in scenario.before if a not in articles]
    foreign = [a for a in articles if a not in scenario.reference["articles"]]
    tally.lost += len(lost)
    tally.foreign += len(foreign)
    if lost or foreign:
        tally.failures.append(f"{label}: {len(lost)} stored article(s) lost, {len(foreign)} unexpected")
    if left == scenario.reference:
        tally.left_after += 1
    elif articles == scenario.before:
        tally.left_before += 1
    else:
        tally.left_between += 1
    result = run_to_end(scenario.argv(workspace))
    problems = check_workspace(workspace, extract, framing)
    final = snapshot(workspace)
    if result.returncode == 0 and not problems and final == scenario.reference:
        tally.completions += 1
    else:
        differs = [key for key in scenario.reference if final.get(key) != scenario.reference[key]]
        tally.failures.append(
            f"{label}: re-run exit {result.returncode}, problems {problems[:3]}, differs in {differs}"
            f" {result.stderr.strip()[-300:]}"
        )


def scenarios(
    scratch: Path,
    site: Site,
    extract: bool,
    framing: bool,
    corpus: Path = SAMPLE,
    part: Sequence[Path] = (SAMPLE / "en", SAMPLE / "de"),
    only: Sequence[str] = (),
) -> list[Scenario]:
    """The four scenarios (or those named in ``only``), calibrated: each run once uninterrupted.

    Args:
        corpus: What ``ingest`` reads.
        part: What the incremental scenarios' starting workspace holds (parts of ``corpus``).
    """
    settings = [*BASE_SETTINGS, "--set", f"extract={str(extract).lower()}", "--set", f"framing={str(framing).lower()}"]
    ingest = rashomon(settings, "ingest", str(corpus), "-w", "{ws}")
    base = scratch / "base"
    if not only or any(name in ("ingest-incremental", "ingest-commit") for name in only):
        shutil.rmtree(base, ignore_errors=True)
        built = run_to_end(rashomon(settings, "ingest", *map(str, part), "-w", str(base)))
        if built.returncode != 0:
            raise SystemExit(f"building the base workspace failed: {built.stderr.strip()[-500:]}")
    watch = rashomon(
        [*settings, *LOCAL_SETTINGS], "watch", site.feed_url, "--every", "0s", "--polls", "2", "-w", "{ws}"
    )
    found = [
        Scenario("ingest-fresh", ingest),
        Scenario("ingest-incremental", ingest, base=base),
        # The write transaction reaches the log in a few milliseconds: kills within 10 ms straddle the commit.
        Scenario("ingest-commit", ingest, base=base, wal_kill=True, span=0.01),
        Scenario("watch", watch),
    ]
    found = [scenario for scenario in found if not only or scenario.name in only]
    for scenario in found:
        scenario.calibrate(scratch)
    return found


def run(
    trials: int, seed: int, extract: bool, framing: bool, scratch: Path, only: Sequence[str] = ()
) -> dict[str, Tally]:
    """``trials`` kill trials of ingest (over its three scenarios) and ``trials`` of watch."""
    draw = random.Random(seed)
    tallies: dict[str, Tally] = {}
    with Site() as site:
        found = scenarios(scratch, site, extract, framing, only=only)
        ingest = [s for s in found if s.name.startswith("ingest")]
        plan = [ingest[n % len(ingest)] for n in range(trials)] if ingest else []
        plan += [s for s in found if s.name == "watch"] * trials
        for number, scenario in enumerate(plan, start=1):
            tally = tallies.setdefault(scenario.name, Tally())
            trial(scenario, scratch / "trial", draw.uniform(0, scenario.span), extract, framing, tally)
            print(f"\r{number}/{len(plan)} trials", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return tallies


def report(tallies: dict[str, Tally]) -> str:
    """The figures as a table, then every failure."""
    columns = (
        "trials kills integrity_failures invariant_failures lost foreign left_before left_between left_after completions"
    ).split()
    lines = [f"{'scenario':<20}" + "".join(f"{c:>20}" for c in columns)]
    total = Tally()
    for name, tally in tallies.items():
        lines.append(f"{name:<20}" + "".join(f"{getattr(tally, c):>20}" for c in columns))
        for column in columns:
            setattr(total, column, getattr(total, column) + getattr(tally, column))
        total.failures += tally.failures
    lines.append(f"{'all':<20}" + "".join(f"{getattr(total, c):>20}" for c in columns))
    lines += [f"FAIL {failure}" for failure in total.failures]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trials", type=int, default=50, help="kill trials of ingest, and as many of watch")
    parser.add_argument("--seed", type=int, default=11, help="seed of the kill delays")
    parser.add_argument("--fast", action="store_true", help="extract and framing stages off")
    parser.add_argument("--only", nargs="*", default=(), help="scenario names to run (default: all)")
    args = parser.parse_args(argv)
    # Stopped with SIGTERM: unwind, so the command under test is killed and the scratch folder removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rashomon-kill-") as scratch:
        tallies = run(args.trials, args.seed, not args.fast, not args.fast, Path(scratch), args.only)
    print(report(tallies))
    stages = "extract and framing off" if args.fast else "every stage on"
    print(f"seed {args.seed}, {stages}, {time.monotonic() - started:.0f} s")
    return 1 if any(t.failures for t in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
