"""Workspace store: one SQLite database in a folder, nothing to start.

WAL journal, schema migrations from ``rashomon/migrations/NNN_*.sql`` applied in
order and recorded in ``PRAGMA user_version``, and a single writer: every write
runs inside ``BEGIN IMMEDIATE`` so a second writer waits (up to the busy
timeout) instead of interleaving. Readers may run in parallel.

Crash safety: a write transaction is all or nothing (SQLite's WAL with
``synchronous=FULL``: a committed ingest survives a kill or a power cut, a
half-done one leaves no trace). An ingest reads the workspace (stored vectors,
grouping, known inputs) long before it writes; two processes doing that at once
would both group against the same stale state and the second would overwrite the
first's events. So a whole ingest holds the workspace's writer lock
(:meth:`Workspace.lock`, a ``rashomon.lock`` file beside the database, released
by the system when the process ends, even by ``kill -9``): a second ingest waits
for it, then sees the first one's articles, or gives up after
:attr:`Workspace.lock_timeout` seconds with a message saying what to do.

The grouping of a workspace is saved with it (events, storylines and their
evidence) and loaded back into the same :class:`~rashomon.cluster.Grouper` that a
one-shot run uses (:meth:`Workspace.grouper`, through ``Grouper.bulk_load``): no
article is placed twice. New articles are then added after the stored ones, so
earlier events and storylines keep their members and ids unless repair merges or
splits them (a kept ``merge``/``split`` link says so). A grouping saved under
other settings stays as it was; only new articles see new thresholds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import codec
from .cluster import ArticleFeatures, Grouper, article_features, parse_published
from .config import Settings
from .errors import NotFound, StoreError
from .extract.canonical import KeyCount, key_blocks, with_ranked_mentions
from .records import (
    Alert,
    Analysis,
    Article,
    ArticleFacts,
    Comparison,
    CopyGroup,
    CopyLink,
    CrossLink,
    Entity,
    EntityMention,
    Event,
    Extraction,
    Framing,
    KeyedMention,
    LinkEntities,
    OutletProfile,
    Rejected,
    Storyline,
    Watch,
)
from .search import index_article

if TYPE_CHECKING:
    from .ingest.fetch import CacheEntry

DATABASE_NAME = "rashomon.sqlite3"
_ENTITY_LISTS = frozenset({"article_ids", "mentions"})  # an entity's header row holds neither
_NOT_STORED = frozenset({"other_sources"})  # derived from the inputs table when read
_ARTICLE_COLUMNS = codec.columns(Article, _NOT_STORED)
FETCH_CACHE_ENTRIES = 20_000  # URLs whose validators (and bodies) a workspace keeps
LOCK_NAME = "rashomon.lock"
BUSY_TIMEOUT = 30.0  # seconds a short write waits for another process's transaction

log = logging.getLogger(__name__)


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("rashomon") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _when_not_busy(step: Callable[[], object], timeout: float = BUSY_TIMEOUT) -> None:
    """Run ``step``, again while another process holds the database (up to ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    pause = 0.01
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as error:
            busy = "locked" in str(error) or "busy" in str(error)
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


class Workspace:
    """A folder holding one Rashomon database.

    Args:
        folder: The workspace folder; created if missing.
        lock_timeout: Seconds an ingest waits for another process's ingest into
            the same workspace to finish (see :meth:`lock`); None: the class default.
    """

    lock_timeout: float = 600.0  # an ingest of a large batch with the real model takes minutes

    def __init__(self, folder: str | Path | None, lock_timeout: float | None = None) -> None:
        self.folder = Path(folder) if folder is not None else None
        if lock_timeout is not None:
            self.lock_timeout = lock_timeout
        self._lock_fd: int | None = None
        self._lock_depth = 0
        self._fetch_puts = 0  # fetch-cache writes by this object: the cache is pruned every 64th
        try:
            if self.folder is None:  # in memory: a one-shot run (analyze), nothing written to disk
                self.path = Path(":memory:")
                self.connection = sqlite3.connect(":memory:", isolation_level=None)
            else:
                self.folder.mkdir(parents=True, exist_ok=True)
                self.path = self.folder / DATABASE_NAME
                self.connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            self.connection.row_factory = sqlite3.Row
            # Switching a new database to WAL takes an exclusive lock without SQLite's busy handler:
            # two processes creating the same workspace at once would see "database is locked".
            _when_not_busy(lambda: self.connection.execute("PRAGMA journal_mode=WAL"))
            # FULL: a commit is on disk before it returns, so a finished ingest survives a power cut too.
            self.connection.execute("PRAGMA synchronous=FULL")
            self.connection.execute("PRAGMA foreign_keys=ON")
            _when_not_busy(self._migrate)
        except StoreError:
            raise
        except (OSError, sqlite3.Error) as error:
            raise StoreError(
                f"Cannot open workspace {self.folder}: {error}. Check the path and its permissions."
            ) from None

    @classmethod
    def in_memory(cls) -> Workspace:
        """A workspace that lives in memory only: what :func:`rashomon.pipeline.analyze` runs in."""
        return cls(None)

    def close(self) -> None:
        self.connection.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the file releases the lock
            self._lock_fd, self._lock_depth = None, 0

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): all or nothing.

        Raises:
            StoreError: if another process keeps the database busy for longer
                than the busy timeout, or the transaction cannot be committed
                (disk full, read-only folder); nothing of it is kept then.
        """
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise self._write_error(error) from None
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        try:
            self.connection.execute("COMMIT")
        except sqlite3.Error as error:
            # A failed COMMIT may leave the transaction open; end it so the connection stays usable.
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise self._write_error(error) from None

    def _write_error(self, error: sqlite3.Error) -> StoreError:
        """A one-line StoreError for a write SQLite refused."""
        if "locked" in str(error) or "busy" in str(error):
            return StoreError(
                f"Workspace {self.folder} is busy: another process has been writing to it for over "
                f"{BUSY_TIMEOUT:.0f} s. Run this command again when it has finished."
            )
        return StoreError(
            f"Cannot write to workspace {self.folder}: {error}. Nothing of this write was kept; "
            "check the disk space and the folder's permissions, then run the command again."
        )

    def _migrate(self) -> None:
        for version, script in _migrations():
            if version <= self.schema_version:
                continue
            with self.write() as db:
                # Read again under the write lock: another process may have applied it meanwhile.
                if version <= self.schema_version:
                    continue
                for statement in script.split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {version}")

    # -- the writer lock ------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the workspace's writer lock: one ingest (read, group, write) at a time.

        Waits up to :attr:`lock_timeout` seconds for another process (or another
        :class:`Workspace` on the same folder) to release it; re-entrant within
        this object. The system releases the lock when the holding process ends,
        however it ends, so a killed ingest never leaves the workspace locked.

        Raises:
            StoreError: if the lock is still held after :attr:`lock_timeout` seconds.
        """
        if self._lock_depth == 0 and self.folder is not None:
            self._acquire_lock()
        self._lock_depth += 1
        try:
            yield
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0 and self._lock_fd is not None:
                _unlock_file(self._lock_fd)

    def _acquire_lock(self) -> None:
        assert self.folder is not None
        path = self.folder / LOCK_NAME
        if self._lock_fd is None:
            try:
                self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                raise StoreError(
                    f"Cannot create the lock file {path}: {error}. Check the workspace folder's permissions."
                ) from None
        deadline = time.monotonic() + self.lock_timeout
        warned = False
        while not _try_lock_file(self._lock_fd):
            holder = _lock_holder(path)
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"Workspace {self.folder} is busy: another rashomon process{holder} is ingesting into it "
                    f"and did not finish within {self.lock_timeout:.0f} s. Run this command again when it has "
                    f"finished (or stop that process)."
                )
            if not warned:
                log.warning(
                    "Workspace %s is in use by another rashomon process%s; waiting up to %.0f s for it to finish.",
                    self.folder,
                    holder,
                    self.lock_timeout,
                )
                warned = True
            time.sleep(0.05)
        # Name the holder for whoever waits next (the lock itself is the flock, not this text).
        os.ftruncate(self._lock_fd, 0)
        os.lseek(self._lock_fd, 0, os.SEEK_SET)
        os.write(self._lock_fd, f"{os.getpid()}\n".encode())

    @property
    def schema_version(self) -> int:
        return int(self.connection.execute("PRAGMA user_version").fetchone()[0])

    # -- inputs ----------------------------------------------------------------

    def has_input(self, source: str, raw: bytes) -> bool:
        """True if this exact input (same source, same bytes) was ingested before."""
        digest = hashlib.sha256(raw).hexdigest()
        row = self.connection.execute(
            "SELECT 1 FROM inputs WHERE source = ? AND sha256 = ?", (source, digest)
        ).fetchone()
        return row is not None

    def article_ids(self, among: Collection[str] | None = None) -> set[str]:
        """The ids of the stored articles (only those ``among`` these, if given: read by id)."""
        if among is None:
            return {row[0] for row in self.connection.execute("SELECT id FROM articles")}
        return {row[0] for row in self._chunked("SELECT id FROM articles WHERE id IN ({})", among)}

    def group_counts(self) -> tuple[int, int]:
        """How many events and storylines are stored."""
        query = self.connection.execute
        return query("SELECT COUNT(*) FROM events").fetchone()[0], query("SELECT COUNT(*) FROM storylines").fetchone()[
            0
        ]

    def record_input(
        self,
        db: sqlite3.Connection,
        source: str,
        raw: bytes,
        status: str,
        article_id: str | None,
        reason: str | None,
        document_id: str | None = None,
    ) -> None:
        """Keep one input and what became of it (``document_id``: the id it had, for an exact copy)."""
        db.execute(
            "INSERT OR IGNORE INTO inputs (source, sha256, status, article_id, reason, raw, ingested_at, document_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                source,
                hashlib.sha256(raw).hexdigest(),
                status,
                article_id,
                reason,
                raw,
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                document_id,
            ),
        )

    def add_article(self, db: sqlite3.Connection, article: Article, vector: np.ndarray, embedder: str) -> None:
        """Store a new article with its vector, and index it for search in the same transaction."""
        names = _ARTICLE_COLUMNS + ("embedder", "vector")
        cursor = db.execute(
            f"INSERT INTO articles ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            codec.to_row(article, skip=_NOT_STORED) + (embedder, np.asarray(vector, dtype=np.float32).tobytes()),
        )
        assert cursor.lastrowid is not None
        index_article(db, cursor.lastrowid, article.title, article.text, article.language, vector)

    # -- the persistent dedup index --------------------------------------------

    def save_signature(self, db: sqlite3.Connection, article_id: str, exact: bytes, bands: Sequence[int]) -> None:
        """Keep an article's dedup signature (:func:`rashomon.dedup.signature`)."""
        db.execute("INSERT OR REPLACE INTO dedup (article_id, exact) VALUES (?, ?)", (article_id, exact))
        db.executemany(
            "INSERT OR IGNORE INTO dedup_bands (band, key, article_id) VALUES (?, ?, ?)",
            [(band, key, article_id) for band, key in enumerate(bands)],
        )

    def copy_candidates(self, signatures: Sequence[tuple[bytes, Sequence[int]]]) -> list[str]:
        """Stored articles that share an exact digest or a band key with one of the signatures,
        in the order they were first ingested."""
        found: set[str] = set()
        query = self.connection.execute
        for exact, bands in signatures:
            found.update(r[0] for r in query("SELECT article_id FROM dedup WHERE exact = ?", (exact,)))
            for band, key in enumerate(bands):
                found.update(
                    r[0] for r in query("SELECT article_id FROM dedup_bands WHERE band = ? AND key = ?", (band, key))
                )
        return self._in_seq_order(found)

    def _in_seq_order(self, ids: Collection[str]) -> list[str]:
        if not ids:
            return []
        seq: dict[str, int] = {}
        chosen = list(ids)
        for start in range(0, len(chosen), 500):
            part = chosen[start : start + 500]
            rows = self.connection.execute(
                f"SELECT id, seq FROM articles WHERE id IN ({', '.join('?' * len(part))})", part
            )
            seq.update((row[0], row[1]) for row in rows)
        return sorted(seq, key=seq.__getitem__)

    def articles_without(self, table: str) -> list[Article]:
        """Stored articles with no row in ``table`` (``dedup``, ``extractions``, ``framings``): stored
        before that stage's results were kept, or a stage failed on them."""
        if table not in ("dedup", "extractions", "framings", "features"):
            raise ValueError(f"not a per-article table: {table}")
        # The ids first (the primary-key index covers them), then only those rows: the texts of
        # every stored article are not read to find the few (usually none) without a result.
        ids = [
            row[0]
            for row in self.connection.execute(
                f"SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM {table})"
            )
        ]
        return self.articles_by_id(ids)

    def stored_vectors(self, ids: Collection[str]) -> dict[str, np.ndarray]:
        """The article vectors of these stored articles."""
        out: dict[str, np.ndarray] = {}
        chosen = list(ids)
        for start in range(0, len(chosen), 500):
            part = chosen[start : start + 500]
            rows = self.connection.execute(
                f"SELECT id, vector FROM articles WHERE id IN ({', '.join('?' * len(part))})", part
            )
            out.update((row[0], np.frombuffer(row[1], dtype=np.float32)) for row in rows)
        return out

    def articles_by_id(self, ids: Collection[str]) -> list[Article]:
        """The stored articles with these ids, in the order they were first ingested (no copy sources)."""
        out: list[Article] = []
        chosen = self._in_seq_order(ids)
        for start in range(0, len(chosen), 500):
            part = chosen[start : start + 500]
            rows = self.connection.execute(f"SELECT * FROM articles WHERE id IN ({', '.join('?' * len(part))})", part)
            by_id = {row["id"]: self._article(row) for row in rows}
            out.extend(by_id[i] for i in part)
        return out

    def article_facts(self, ids: Collection[str] | None = None) -> list[ArticleFacts]:
        """Id, title, language, outlet, site and date of the articles (all, or these), in the order
        they were first ingested; no text is read (what a list and its facets need)."""
        columns = "id, title, language, outlet, domain, published"
        if ids is None:
            rows = self.connection.execute(f"SELECT {columns}, seq FROM articles ORDER BY seq").fetchall()
        else:
            rows = sorted(
                self._chunked(f"SELECT {columns}, seq FROM articles WHERE id IN ({{}})", ids), key=lambda r: r["seq"]
            )
        return [
            ArticleFacts(*(row[name] for name in ("id", "title", "language", "outlet", "domain", "published")))
            for row in rows
        ]

    # -- outlets: what the user says about them, and the articles each tells ------------------

    TELLER_SQL = "COALESCE(NULLIF(outlet, ''), NULLIF(domain, ''))"  # as indexed (015_outlets.sql)

    def articles_told_by(self, outlet: str) -> list[ArticleFacts]:
        """The facts of the articles ``outlet`` tells (:attr:`Article.teller`), in ingest order;
        no text is read. An outlet named ``article ID`` is the article without outlet or site."""
        columns = "id, title, language, outlet, domain, published"
        rows = self.connection.execute(
            f"SELECT {columns} FROM articles WHERE {self.TELLER_SQL} = ? ORDER BY seq", (outlet,)
        ).fetchall()
        if not rows and outlet.startswith("article "):
            rows = self.connection.execute(
                f"SELECT {columns} FROM articles WHERE id = ? AND {self.TELLER_SQL} IS NULL", (outlet[8:],)
            ).fetchall()
        return [ArticleFacts(*(row[name] for name in columns.split(", "))) for row in rows]

    def tellers(self) -> dict[str, int]:
        """Every outlet (:attr:`Article.teller`) with its number of stored articles, most first."""
        rows = self.connection.execute(
            "SELECT COALESCE(NULLIF(outlet, ''), NULLIF(domain, ''), 'article ' || id) AS teller, COUNT(*)"
            " FROM articles GROUP BY teller"
        ).fetchall()
        counts = {row[0]: row[1] for row in rows}
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def outlet_profiles(self) -> dict[str, OutletProfile]:
        """Every stored outlet profile, by outlet."""
        rows = self.connection.execute(
            "SELECT outlet, country, language, ownership, tags FROM outlet_profiles ORDER BY outlet"
        ).fetchall()
        return {
            row["outlet"]: OutletProfile(
                row["outlet"], row["country"], row["language"], row["ownership"], tuple(json.loads(row["tags"]))
            )
            for row in rows
        }

    def outlet_groups(self) -> dict[str, list[str]]:
        """Outlet -> its groups (the tags of its profile), for the outlets that have any."""
        return {name: list(profile.tags) for name, profile in self.outlet_profiles().items() if profile.tags}

    def save_outlet_profiles(self, profiles: Iterable[OutletProfile]) -> int:
        """Store these profiles, each replacing the outlet's earlier one (one transaction); returns
        how many were written."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        rows = [
            (p.outlet, p.country, p.language, p.ownership, json.dumps(list(p.tags), ensure_ascii=False), now)
            for p in profiles
        ]
        with self.write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO outlet_profiles (outlet, country, language, ownership, tags, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def add_version(self, db: sqlite3.Connection, article_id: str, article: Article, raw: bytes) -> bool:
        """Keep a later version of a stored article (search then finds its text, not the first
        version's); False if this version was kept before."""
        digest = hashlib.sha256(raw).hexdigest()
        cursor = db.execute(
            "INSERT OR IGNORE INTO article_versions (article_id, url, source, sha256, fetched_at, found_at, title, text, raw)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article_id,
                article.url or "",
                article.source,
                digest,
                article.provenance.fetched_at if article.provenance else None,
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                article.title,
                article.text,
                raw,
            ),
        )
        if cursor.rowcount != 1:
            return False
        # Search finds what the page says now: the new version replaces the article's index row.
        row = db.execute("SELECT seq, title, language FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is not None:
            index_article(db, row[0], article.title or row[1], article.text, row[2])
        return True

    def article_by_url(self, url: str) -> Article | None:
        row = self.connection.execute("SELECT * FROM articles WHERE url = ? ORDER BY seq LIMIT 1", (url,)).fetchone()
        return self._article(row) if row else None

    def versions(self, article_id: str) -> list[dict[str, str | None]]:
        """Later versions of an article, oldest first (text, title, when and where found)."""
        rows = self.connection.execute(
            "SELECT source, sha256, fetched_at, found_at, title, text FROM article_versions"
            " WHERE article_id = ? ORDER BY seq",
            (article_id,),
        )
        return [dict(row) for row in rows]

    # -- reading ---------------------------------------------------------------

    @staticmethod
    def _article(row: sqlite3.Row) -> Article:
        return codec.from_row(Article, row)

    def _exact_copies(self) -> list[sqlite3.Row]:
        """Inputs kept as exact copies of a stored article: (article_id, source, document_id)."""
        return self.connection.execute(
            "SELECT article_id, source, document_id FROM inputs WHERE status = 'duplicate'"
            " AND reason LIKE 'exact copy of%' ORDER BY seq"
        ).fetchall()

    def articles(self) -> list[Article]:
        """All articles, in the order they were first ingested (with the sources of their exact copies)."""
        others: dict[str, list[str]] = {}
        for row in self._exact_copies():
            others.setdefault(row["article_id"], []).append(row["source"])
        out = []
        for row in self.connection.execute("SELECT * FROM articles ORDER BY seq"):
            article = self._article(row)
            if article.id in others:
                article = dataclasses.replace(article, other_sources=tuple(others[article.id]))
            out.append(article)
        return out

    def article(self, article_id: str) -> Article:
        row = self.connection.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFound(f"No article {article_id!r} in workspace {self.folder}. `rashomon stories` lists the ids.")
        return self._article(row)

    def vectors(self) -> list[tuple[Article, np.ndarray, str]]:
        rows = self.connection.execute("SELECT * FROM articles ORDER BY seq").fetchall()
        return [(self._article(r), np.frombuffer(r["vector"], dtype=np.float32), r["embedder"]) for r in rows]

    def rejected(self) -> list[Rejected]:
        """The inputs that could not be used, with their reasons and bytes (copies and repeats are not)."""
        rows = self.connection.execute("SELECT source, reason, raw FROM inputs WHERE status = 'rejected' ORDER BY seq")
        return [Rejected(row["source"], row["reason"] or "", bytes(row["raw"])) for row in rows]

    def input_counts(self) -> dict[str, int]:
        rows = self.connection.execute("SELECT status, COUNT(*) FROM inputs GROUP BY status")
        return {status: count for status, count in rows}

    def events(self, terms: bool = True) -> list[Event]:
        """Every event, in order; without ``terms``, their label terms are left out (what grouping
        and an ingest's bookkeeping need, read faster)."""
        return codec.from_rows(Event, self._groups("events", terms))

    def storylines(self, terms: bool = True) -> list[Storyline]:
        """Every storyline, in order (``terms``: as for :meth:`events`)."""
        return codec.from_rows(Storyline, self._groups("storylines", terms))

    def _groups(self, table: str, terms: bool, ids: Collection[str] | None = None) -> list[sqlite3.Row]:
        kind = Event if table == "events" else Storyline
        names = [name for name in codec.columns(kind) if terms or name != "terms"]
        if ids is None:
            return self.connection.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY position").fetchall()
        rows = self._chunked(f"SELECT {', '.join(names)}, position FROM {table} WHERE id IN ({{}})", ids)
        return sorted(rows, key=lambda row: row["position"])

    def events_by_id(self, ids: Collection[str], terms: bool = True) -> list[Event]:
        """The stored events with these ids, in order."""
        return codec.from_rows(Event, self._groups("events", terms, ids))

    def storylines_by_id(self, ids: Collection[str], terms: bool = True) -> list[Storyline]:
        """The stored storylines with these ids, in order."""
        return codec.from_rows(Storyline, self._groups("storylines", terms, ids))

    def storylines_of_events(self, event_ids: Collection[str]) -> set[str]:
        """The ids of the storylines that hold these events."""
        query = "SELECT DISTINCT storyline_id FROM storyline_events WHERE event_id IN ({})"
        return {row[0] for row in self._chunked(query, event_ids)}

    def events_of_articles(self, article_ids: Collection[str]) -> set[str]:
        """The ids of the events that hold these articles."""
        query = "SELECT DISTINCT event_id FROM event_articles WHERE article_id IN ({})"
        return {row[0] for row in self._chunked(query, article_ids)}

    def event_of_articles(self, article_ids: Collection[str]) -> dict[str, str]:
        """Article id -> the id of the event that holds it, for those of these articles in one."""
        query = "SELECT article_id, event_id FROM event_articles WHERE article_id IN ({})"
        return {row[0]: row[1] for row in self._chunked(query, article_ids)}

    def analysis(
        self, settings: Settings | None = None, only: Collection[str] | None = None, whole_storylines: bool = True
    ) -> Analysis:
        """Everything in the workspace as one :class:`Analysis` (read only: nothing is computed).

        With ``only`` (ids of events, storylines or articles), just what those need: the groups
        (a storyline with its events, an event with its storyline), their articles, and those
        articles' extractions, framings, entities (their mentions there), links, comparisons,
        copies and versions, read by id; what it costs does not grow with the workspace.

        Without ``whole_storylines``, an event's storyline is read as a record (its label, ids
        and links) but only the event's articles are: what a report of one event shows, at a
        cost that does not grow with the storyline either. Its cross-outlet links are the ones
        with a place in the event.
        """
        if only is not None:
            return self._analysis_of(settings, set(only), whole_storylines)
        articles = self.articles()
        return Analysis(
            articles=tuple(articles),
            events=tuple(self.events()),
            storylines=tuple(self.storylines()),
            rejected=tuple(self.rejected()),
            settings=settings.as_dict() if settings else {},
            versions={article_id: self.versions(article_id) for article_id in self._versioned_ids()},
            copies=self.copy_groups(articles),
            extractions=tuple(self.extractions()),
            entities=self.entities(),
            crosslinks=self.crosslinks(),
            framings=tuple(self.framings()),
            comparisons=tuple(self.comparisons()),
        )

    def _analysis_of(self, settings: Settings | None, only: set[str], whole_storylines: bool = True) -> Analysis:
        storylines = codec.from_rows(Storyline, self._chunked("SELECT * FROM storylines WHERE id IN ({})", only))
        event_ids = {e for s in storylines for e in s.event_ids} | {i for i in only if i.startswith("ev-")}
        events = codec.from_rows(Event, self._chunked("SELECT * FROM events WHERE id IN ({})", event_ids))
        found = {s.id for s in storylines}
        # An event's storyline, by the event's id.
        more = self.storylines_of_events({e.id for e in events}) - found
        storylines += codec.from_rows(Storyline, self._chunked("SELECT * FROM storylines WHERE id IN ({})", more))
        members = {a for e in events for a in e.article_ids}
        members |= {a for s in storylines if whole_storylines or s.id in found for a in s.article_ids}
        members |= {i for i in only if not i.startswith(("ev-", "st-"))}
        if not whole_storylines:  # the other side of the links that joined the events to their storylines
            members |= {
                side
                for s in storylines
                for link in s.links
                if link.article_a in members or link.article_b in members
                for side in (link.article_a, link.article_b)
            }
        found |= more
        others: dict[str, list[str]] = {}
        for row in self._chunked(
            "SELECT article_id, source FROM inputs WHERE status = 'duplicate' AND reason LIKE 'exact copy of%'"
            " AND article_id IN ({}) ORDER BY seq",
            members,
        ):
            others.setdefault(row["article_id"], []).append(row["source"])
        articles = [
            dataclasses.replace(a, other_sources=tuple(others[a.id])) if a.id in others else a
            for a in self.articles_by_id(members)
        ]
        ids = [a.id for a in articles]
        near = self._chunked("SELECT * FROM articles WHERE copy_of IN ({})", ids)
        copies = self.copy_groups([*articles, *(self._article(r) for r in near)], originals=set(ids))
        versioned = {
            r[0]
            for r in self._chunked("SELECT DISTINCT article_id FROM article_versions WHERE article_id IN ({})", ids)
        }
        return Analysis(
            articles=tuple(articles),
            events=tuple(sorted(events, key=lambda e: e.id)),
            storylines=tuple(sorted(storylines, key=lambda s: s.id)),
            rejected=(),
            settings=settings.as_dict() if settings else {},
            versions={article_id: self.versions(article_id) for article_id in sorted(versioned)},
            copies=copies,
            extractions=tuple(self.extractions(ids)),
            entities=self.entities(ids),
            crosslinks=self.crosslinks(found) if whole_storylines else self.crosslinks(found, members),
            framings=tuple(self.framings(ids)),
            comparisons=tuple(self.comparisons({e.id for e in events})),
        )

    def entity(self, entity_id: str) -> Entity:
        """One canonical entity with every mention."""
        keys = self.keys_of_entities([entity_id])
        if not keys:
            raise NotFound(f"No entity {entity_id!r} in workspace {self.folder}.")
        articles = {
            r[0] for r in self._chunked("SELECT DISTINCT article_id FROM entity_mentions WHERE key IN ({})", keys)
        }
        return next(e for e in self.entities(articles) if e.id == entity_id)

    def crosslink(self, link_id: str) -> CrossLink:
        row = self.connection.execute("SELECT data FROM crosslinks WHERE id = ?", (link_id,)).fetchone()
        if row is None:
            raise NotFound(f"No cross-outlet link {link_id!r} in workspace {self.folder}.")
        return codec.loads(CrossLink, row[0])

    def copy_groups(
        self, articles: Sequence[Article], originals: Collection[str] | None = None
    ) -> tuple[CopyGroup, ...]:
        """Syndication groups: near copies (``copy_of`` marks) and exact copies kept as inputs
        (of ``originals`` only, if given)."""
        groups: dict[str, list[CopyLink]] = {}
        for article in articles:
            if article.copy_of and (originals is None or article.copy_of in originals):
                link = CopyLink(article.id, article.copy_of, article.copy_similarity or 0.0, "near", 0.0)
                groups.setdefault(article.copy_of, []).append(link)
        exact = (
            self._exact_copies()
            if originals is None
            else self._chunked(
                "SELECT article_id, source, document_id FROM inputs WHERE status = 'duplicate'"
                " AND reason LIKE 'exact copy of%' AND article_id IN ({}) ORDER BY seq",
                originals,
            )
        )
        for row in exact:
            copy_id = row["document_id"] or row["source"]
            groups.setdefault(row["article_id"], []).append(CopyLink(copy_id, row["article_id"], 1.0, "exact", 1.0))
        order = {article.id: number for number, article in enumerate(articles)}
        return tuple(
            CopyGroup(original, tuple(link.copy_id for link in links), tuple(links))
            for original, links in sorted(groups.items(), key=lambda item: order.get(item[0], len(order)))
        )

    # -- vectors of compared sentences ---------------------------------------------

    def get_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors for the keys that have one (see :class:`~rashomon.embed.CachedEmbedder`)."""
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = list(keys[start : start + 500])
            marks = ",".join("?" * len(part))
            for row in self.connection.execute(f"SELECT key, vector FROM text_vectors WHERE key IN ({marks})", part):
                out[row["key"]] = np.frombuffer(row["vector"], dtype=np.float32)
        return out

    def put_vectors(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        """Keep vectors: in the write transaction under way (an ingest's), else in one of their own."""
        rows = [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in items]
        query = "INSERT OR REPLACE INTO text_vectors (key, vector) VALUES (?, ?)"
        if self.connection.in_transaction:
            self.connection.executemany(query, rows)
            return
        with self.write() as db:
            db.executemany(query, rows)

    # -- extract -----------------------------------------------------------------

    def save_extractions(self, db: sqlite3.Connection, extractions: Sequence[Extraction]) -> None:
        """Keep what the extract stage found in each article (replacing an earlier result)."""
        db.executemany(
            "INSERT OR REPLACE INTO extractions (article_id, data) VALUES (?, ?)",
            [(x.article_id, codec.dumps(x)) for x in extractions],
        )

    def extractions(self, ids: Collection[str] | None = None, mentions: bool = True) -> list[Extraction]:
        """The extraction of every article (or of the articles ``ids``), in article order.

        ``mentions=False``: quotes and figures only (SQLite picks them out of the stored JSON, so
        the mentions, most of its bytes, are never decoded in Python; what cross-outlet links read).
        """
        what = (
            "x.article_id, x.data"
            if mentions
            else "x.article_id, json_object('quotes', json_extract(x.data, '$.quotes'),"
            " 'figures', json_extract(x.data, '$.figures')) AS data"
        )
        with codec.decoding():
            rows = self._per_article("extractions", what, ids)
            out = []
            for row in rows:
                data = {key: value for key, value in json.loads(row["data"]).items() if value is not None}
                out.append(codec.from_data(Extraction, {"article_id": row["article_id"], **data}))
            return out

    def _per_article(self, table: str, what: str, ids: Collection[str] | None) -> list[sqlite3.Row]:
        """Rows of a table keyed by ``article_id`` (aliased ``x``), in article order."""
        query = f"SELECT a.seq AS seq, {what} FROM {table} x JOIN articles a ON a.id = x.article_id"
        if ids is None:
            return self.connection.execute(query + " ORDER BY a.seq").fetchall()
        rows: list[sqlite3.Row] = []
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            rows += self.connection.execute(
                query + f" WHERE x.article_id IN ({','.join('?' * len(part))}) ORDER BY a.seq", part
            ).fetchall()
        return rows if len(wanted) <= 500 else sorted(rows, key=lambda row: row["seq"])

    def save_framings(self, db: sqlite3.Connection, framings: Sequence[Framing]) -> None:
        """Keep each article's framing labels (replacing an earlier result)."""
        db.executemany(
            "INSERT OR REPLACE INTO framings (article_id, data) VALUES (?, ?)",
            [(f.article_id, codec.dumps(f)) for f in framings],
        )

    def framings(self, ids: Collection[str] | None = None) -> list[Framing]:
        """Every article's framing labels (or those of the articles ``ids``), in article order."""
        rows = self._per_article("framings", "x.data", ids)
        with codec.decoding():
            return [codec.loads(Framing, row["data"]) for row in rows]

    def frame_names(self) -> dict[str, list[str]]:
        """Article id -> the names of the frames its framing asserts, most confident first (what
        the events list's frame facet reads; SQLite picks them out of the stored JSON, so the
        evidence and techniques are never decoded)."""
        rows = self.connection.execute(
            "SELECT x.article_id, json_extract(j.value, '$.name') FROM framings x JOIN articles a ON a.id = x.article_id,"
            " json_each(x.data, '$.frames') j ORDER BY a.seq, CAST(j.key AS INTEGER)"
        ).fetchall()
        out: dict[str, list[str]] = {}
        for article_id, name in rows:
            out.setdefault(article_id, []).append(name)
        return out

    # -- entities: mentions by key, keys by entity ----------------------------------

    def save_keyed_mentions(self, db: sqlite3.Connection, mentions: Sequence[KeyedMention]) -> None:
        """Keep mentions with their keys, and the blocks of their keys (:func:`key_blocks`)."""
        names = codec.columns(KeyedMention)
        db.executemany(
            f"INSERT OR REPLACE INTO entity_mentions ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [codec.to_row(m) for m in mentions],
        )
        keys = {m.key for m in mentions}
        db.executemany(
            "INSERT OR IGNORE INTO key_blocks (block, key) VALUES (?, ?)",
            [(block, key) for key in sorted(keys) for block in sorted(key_blocks(key))],
        )

    def _chunked(self, query: str, values: Collection[str], *before: Any) -> list[sqlite3.Row]:
        """Rows of ``query`` (with one ``{}`` for a list of placeholders) over ``values`` in chunks."""
        rows: list[sqlite3.Row] = []
        chosen = sorted(values)
        for start in range(0, len(chosen), 500):
            part = chosen[start : start + 500]
            rows += self.connection.execute(query.format(", ".join("?" * len(part))), [*before, *part]).fetchall()
        return rows

    def keys_known(self, keys: Collection[str]) -> set[str]:
        """Which of ``keys`` are linked into an entity already."""
        return {row[0] for row in self._chunked("SELECT key FROM entity_keys WHERE key IN ({})", keys)}

    def keys_in_blocks(self, blocks: Collection[str]) -> set[str]:
        return {row[0] for row in self._chunked("SELECT key FROM key_blocks WHERE block IN ({})", blocks)}

    def entity_keys_of(self, keys: Collection[str]) -> dict[str, str]:
        """The entity each of ``keys`` is linked into (keys not linked yet are left out)."""
        rows = self._chunked("SELECT key, entity_id FROM entity_keys WHERE key IN ({})", keys)
        return {row[0]: row[1] for row in rows}

    def keys_of_entities(self, entity_ids: Collection[str]) -> dict[str, str]:
        """Every key linked into these entities, with its entity."""
        rows = self._chunked("SELECT key, entity_id FROM entity_keys WHERE entity_id IN ({})", entity_ids)
        return {row[0]: row[1] for row in rows}

    def key_rules(self, keys: Collection[str]) -> dict[str, str | None]:
        """The corpus-wide rule kept for each of ``keys`` that is linked."""
        return {row[0]: row[1] for row in self._chunked("SELECT key, rule FROM entity_keys WHERE key IN ({})", keys)}

    def joins_among(self, keys: Collection[str]) -> set[tuple[str, str]]:
        """The (lone surname, full name) pairs articles made, of the lone surname keys given."""
        rows = self._chunked("SELECT DISTINCT key, joins FROM entity_mentions WHERE joins != '' AND key IN ({})", keys)
        return {(row[0], row[1]) for row in rows}

    def key_counts(self, keys: Collection[str]) -> list[KeyCount]:
        """How often each key was written each way (:class:`~rashomon.extract.canonical.KeyCount`)."""
        rows = self._chunked(
            "SELECT key, kind, surface, language, count(*), min(rank) FROM entity_mentions WHERE key IN ({})"
            " GROUP BY key, kind, surface, language",
            keys,
        )
        return [KeyCount(*row) for row in rows]

    def entity_names(self, entity_ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """The stored display name and label of each of these entities (those still stored)."""
        rows = self._chunked("SELECT id, name, label FROM entities WHERE id IN ({})", entity_ids)
        return {row[0]: (row[1], row[2]) for row in rows}

    def articles_mentioning(self, keys: Collection[str]) -> set[str]:
        """The articles with a mention keyed by one of ``keys``."""
        return {
            row[0] for row in self._chunked("SELECT DISTINCT article_id FROM entity_mentions WHERE key IN ({})", keys)
        }

    def save_entity_keys(
        self,
        db: sqlite3.Connection,
        linked: Mapping[str, tuple[str, str | None, str]],
        headers: Sequence[tuple[Entity, int]],
        dropped: Collection[str],
    ) -> None:
        """Keep keys' entities (``key: (entity id, rule, rank of its first mention)``), the headers
        of the entities they make (with their numbers of mentions), and drop the headers of
        entities no key is linked into any more."""
        db.executemany(
            "INSERT OR REPLACE INTO entity_keys (key, entity_id, rule, first) VALUES (?, ?, ?, ?)",
            [(key, *value) for key, value in linked.items()],
        )
        db.executemany("DELETE FROM entities WHERE id = ?", [(i,) for i in dropped])
        names = codec.columns(Entity, skip=_ENTITY_LISTS) + ("mention_count",)
        db.executemany(
            f"INSERT OR REPLACE INTO entities ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [codec.to_row(header, skip=_ENTITY_LISTS) + (count,) for header, count in headers],
        )

    def has_entity_index(self) -> bool:
        """Whether entity linking is kept per key (a workspace written before is linked again once)."""
        return self.get_state("entity_index") == 1

    def entities(self, article_ids: Collection[str] | None = None) -> tuple[Entity, ...]:
        """Canonical entities, most mentioned first, each with its mentions in corpus order.

        With ``article_ids``, only the entities named in those articles, each with its mentions
        there only (its name, aliases and languages are still the whole corpus's).
        """
        # Only the columns a mention shows, as plain tuples: at 20,000 stored an ingest reads the
        # 130,000 mentions of a large storyline, and building a KeyedMention for each first took
        # twice as long as this.
        select = (
            "SELECT m.article_id, m.start, m.end, m.surface, m.label, m.confidence, m.sentence,"
            " CASE WHEN k.rule IS NOT NULL AND k.rule != '' AND m.rank = k.first AND m.via = 'name'"
            " THEN k.rule ELSE m.via END, m.rank, k.entity_id"
            " FROM entity_mentions m JOIN entity_keys k ON k.key = m.key"
        )
        cursor = self.connection.cursor()
        cursor.row_factory = None
        with codec.decoding():  # the fetched rows are most of what the collector would walk
            if article_ids is None:
                rows = cursor.execute(select).fetchall()
            else:
                rows = []
                wanted = sorted(article_ids)
                for at in range(0, len(wanted), 500):
                    chunk = wanted[at : at + 500]
                    query = select + f" WHERE m.article_id IN ({', '.join('?' * len(chunk))})"
                    rows += cursor.execute(query, chunk).fetchall()
            by_entity: dict[str, list[tuple[str, EntityMention]]] = {}
            for row in rows:
                by_entity.setdefault(row[9], []).append((row[8], EntityMention(*row[:8])))
            headers = self._chunked("SELECT * FROM entities WHERE id IN ({})", list(by_entity))
            out = [
                (row["mention_count"], with_ranked_mentions(header, by_entity[row["id"]]))
                for row, header in zip(
                    headers, codec.from_rows(Entity, headers, article_ids=(), mentions=()), strict=True
                )
            ]
        out.sort(key=lambda item: (-item[0], item[1].name, item[1].id))
        return tuple(entity for _count, entity in out)

    def link_entities(self, speakers: Sequence[tuple[str, int, int, int]], counted: Collection[str]) -> LinkEntities:
        """What cross-outlet links read of the canonical entities, read from the tables: the
        entity of each attributed quote's speaker (``(article id, quote start, speaker start,
        speaker end)``: the first entity, in :meth:`entities` order, with a mention overlapping
        the speaker's name) and the naming mentions of the articles ``counted`` — as
        :func:`rashomon.extract.links.link_entities` finds them in every entity, at the cost of
        the rows that matter instead of every mention of a storyline."""
        from .extract.links import NOT_NAMING

        found: dict[tuple[str, int], str] = {}
        names: dict[str, str] = {}
        cursor = self.connection.cursor()
        cursor.row_factory = None
        for at in range(0, len(speakers), 2000):
            part = speakers[at : at + 2000]
            values = ", ".join("(?, ?, ?, ?)" for _ in part)
            query = (
                f"WITH spans(article_id, quote_start, s_start, s_end) AS (VALUES {values})"
                " SELECT t.article_id, t.quote_start, e.id, e.name FROM spans t"
                " JOIN entity_mentions m ON m.article_id = t.article_id AND m.start < t.s_end AND t.s_start < m.end"
                " JOIN entity_keys k ON k.key = m.key JOIN entities e ON e.id = k.entity_id"
                " ORDER BY t.article_id, t.quote_start, e.mention_count DESC, e.name, e.id"
            )
            for article_id, quote_start, entity_id, name in cursor.execute(query, [v for row in part for v in row]):
                if (article_id, quote_start) not in found:
                    found[(article_id, quote_start)] = entity_id
                    names[entity_id] = name
        named: dict[str, list[tuple[int, str]]] = {}
        wanted = sorted(counted)
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            query = (
                "SELECT m.article_id, m.start, k.entity_id FROM entity_mentions m JOIN entity_keys k ON k.key = m.key"
                f" WHERE m.article_id IN ({', '.join('?' * len(chunk))})"
                f" AND m.via NOT IN ({', '.join('?' * len(NOT_NAMING))})"
            )
            for article_id, start, entity_id in cursor.execute(query, [*chunk, *NOT_NAMING]):
                named.setdefault(article_id, []).append((start, entity_id))
        return LinkEntities(found, names, named)

    def save_crosslinks(
        self, db: sqlite3.Connection, crosslinks: Sequence[CrossLink], storylines: Iterable[str]
    ) -> None:
        """Replace the cross-outlet links of ``storylines`` with ``crosslinks`` (found in them)."""
        db.executemany("DELETE FROM crosslinks WHERE storyline_id = ?", [(s,) for s in storylines])
        db.executemany(
            "INSERT OR REPLACE INTO crosslinks (id, storyline_id, data) VALUES (?, ?, ?)",
            [(link.id, link.storyline_id, codec.dumps(link)) for link in crosslinks],
        )

    def crosslinks(
        self, storyline_ids: Collection[str] | None = None, articles: Collection[str] | None = None
    ) -> tuple[CrossLink, ...]:
        """Cross-outlet links (of ``storyline_ids``, if given), in storyline order; with
        ``articles``, only the links with an item in one of them (SQLite picks them out of the
        stored JSON, so the others are never decoded)."""
        if storyline_ids is not None and articles is not None:
            wanted = json.dumps(sorted(set(articles)))
            rows = []
            for storyline_id in sorted(storyline_ids):
                rows += self.connection.execute(
                    "SELECT data FROM crosslinks c WHERE storyline_id = ? AND EXISTS (SELECT 1 FROM"
                    " json_each(c.data, '$.items') i WHERE json_extract(i.value, '$.article_id') IN"
                    " (SELECT value FROM json_each(?))) ORDER BY rowid",
                    (storyline_id, wanted),
                ).fetchall()
            with codec.decoding():
                return tuple([codec.loads(CrossLink, row[0]) for row in rows])
        if storyline_ids is None:
            rows = self.connection.execute(
                "SELECT c.data FROM crosslinks c LEFT JOIN storylines s ON s.id = c.storyline_id"
                " ORDER BY s.position, c.rowid"
            ).fetchall()
        else:
            rows = []
            for storyline_id in sorted(storyline_ids):
                rows += self.connection.execute(
                    "SELECT data FROM crosslinks WHERE storyline_id = ? ORDER BY rowid", (storyline_id,)
                ).fetchall()
        with codec.decoding():
            return tuple([codec.loads(CrossLink, row[0]) for row in rows])

    # -- the labels' background ------------------------------------------------

    def add_word_documents(self, db: sqlite3.Connection, counted: Iterable[tuple[str, Iterable[str]]]) -> None:
        """Count each ``(language, words)`` document into the document frequencies."""
        documents: dict[tuple[str, str], int] = {}
        for language, words in counted:
            for word in ("", *set(words)):
                documents[(language, word)] = documents.get((language, word), 0) + 1
        db.executemany(
            "INSERT INTO word_documents (language, word, documents) VALUES (?, ?, ?)"
            " ON CONFLICT (language, word) DO UPDATE SET documents = documents + excluded.documents",
            [(language, word, count) for (language, word), count in documents.items()],
        )

    def word_documents(self, wanted: Mapping[str, Collection[str]]) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
        """How many stored articles each language has, and in how many of them each wanted word
        (``{language: words}``) occurs."""
        sizes = {
            row[0]: row[1]
            for row in self.connection.execute("SELECT language, documents FROM word_documents WHERE word = ''")
        }
        frequency: dict[str, dict[str, int]] = {}
        for language, words in wanted.items():
            found = frequency.setdefault(language, {})
            chosen = sorted(set(words))
            for start in range(0, len(chosen), 500):
                part = chosen[start : start + 500]
                found.update(
                    self.connection.execute(
                        "SELECT word, documents FROM word_documents WHERE language = ?"
                        f" AND word IN ({', '.join('?' * len(part))})",
                        [language, *part],
                    ).fetchall()
                )
        return sizes, frequency

    def save_comparisons(
        self, db: sqlite3.Connection, comparisons: Sequence[Comparison], events: Iterable[str] = ()
    ) -> None:
        """Keep the comparisons made of ``events`` (replacing what was stored for them; an event
        with nothing to compare has none) and mark those events compared."""
        compared = [(e,) for e in events]
        db.executemany("DELETE FROM comparisons WHERE event_id = ?", compared)
        db.executemany(
            "INSERT OR REPLACE INTO comparisons (event_id, data) VALUES (?, ?)",
            [(c.event_id, codec.dumps(c)) for c in comparisons],
        )
        db.executemany("INSERT OR IGNORE INTO compared_events (event_id) VALUES (?)", compared)

    def drop_comparisons(self, db: sqlite3.Connection, events: Iterable[str]) -> None:
        """Forget the comparisons of ``events`` (merged away or gone)."""
        gone = [(e,) for e in events]
        db.executemany("DELETE FROM comparisons WHERE event_id = ?", gone)
        db.executemany("DELETE FROM compared_events WHERE event_id = ?", gone)

    def compared_event_ids(self) -> set[str]:
        """The events with a stored comparison."""
        return {row[0] for row in self.connection.execute("SELECT event_id FROM comparisons")}

    def events_without_comparison(self) -> set[str]:
        """The stored events never compared (stored before comparisons were kept at ingest, or
        while the compare stage was off); an event compared with nothing to show is not one."""
        query = "SELECT id FROM events WHERE id NOT IN (SELECT event_id FROM compared_events)"
        return {row[0] for row in self.connection.execute(query)}

    def comparisons(self, event_ids: Collection[str] | None = None) -> list[Comparison]:
        """The stored comparisons (of ``event_ids``, if given), in event order."""
        if event_ids is None:
            rows = self.connection.execute(
                "SELECT c.event_id, c.data, e.position FROM comparisons c JOIN events e ON e.id = c.event_id"
            ).fetchall()
        else:  # read by id: only these rows
            query = (
                "SELECT c.event_id, c.data, e.position FROM comparisons c JOIN events e ON e.id = c.event_id"
                " WHERE c.event_id IN ({})"
            )
            rows = self._chunked(query, event_ids)
        with codec.decoding():
            return [codec.loads(Comparison, data) for _event_id, data, _position in sorted(rows, key=lambda r: r[2])]

    def _versioned_ids(self) -> list[str]:
        return [row[0] for row in self.connection.execute("SELECT DISTINCT article_id FROM article_versions")]

    # -- state -----------------------------------------------------------------

    def get_state(self, key: str) -> object | None:
        """A JSON value saved with :meth:`set_state`, or None."""
        row = self.connection.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_state(self, key: str, value: object, db: sqlite3.Connection | None = None) -> None:
        """Keep a value under ``key``; inside the write transaction ``db`` if given, else in one of its own."""
        with contextlib.nullcontext(db) if db is not None else self.write() as connection:
            connection.execute(
                "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, json.dumps(value), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )

    # -- alerts: watches, and what ingests found for them ------------------------

    def add_watch(self, watch: Watch) -> Watch:
        """Save a watch; the one already saved for the same kind and target is kept and returned."""
        with self.write() as db:
            db.execute(
                "INSERT OR IGNORE INTO watches (id, kind, target, label, created_at) VALUES (?, ?, ?, ?, ?)",
                (watch.id, watch.kind, watch.target, watch.label, watch.created_at),
            )
        row = self.connection.execute(
            "SELECT * FROM watches WHERE kind = ? AND target = ?", (watch.kind, watch.target)
        ).fetchone()
        return self._watch(row)

    def remove_watch(self, watch_id: str) -> bool:
        """Delete a watch with its alerts; False if there was none."""
        with self.write() as db:
            gone = db.execute("DELETE FROM watches WHERE id = ?", (watch_id,)).rowcount
            db.execute("DELETE FROM alerts WHERE watch_id = ?", (watch_id,))
            db.execute("DELETE FROM watch_groups WHERE watch_id = ?", (watch_id,))
        return bool(gone)

    @staticmethod
    def _watch(row: sqlite3.Row) -> Watch:
        return Watch(row["id"], row["kind"], row["target"], row["label"], row["created_at"])

    def watches(self) -> list[Watch]:
        """Every watch, oldest first."""
        rows = self.connection.execute("SELECT * FROM watches ORDER BY created_at, id").fetchall()
        return [self._watch(row) for row in rows]

    def has_watches(self) -> bool:
        return self.connection.execute("SELECT 1 FROM watches LIMIT 1").fetchone() is not None

    def save_alerts(self, alerts: Sequence[Alert], seen_groups: Mapping[tuple[str, str], Sequence[str]]) -> list[Alert]:
        """Record alerts not recorded before (by id) and the groups seen per watched event, in one
        transaction; returns the alerts that are new, with their ``seq``."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        fresh: list[Alert] = []
        with self.write() as db:
            for alert in alerts:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO alerts (id, watch_id, kind, event_id, article_id, summary, data, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        alert.id,
                        alert.watch_id,
                        alert.kind,
                        alert.event_id,
                        alert.article_id,
                        alert.summary,
                        json.dumps(alert.data, ensure_ascii=False, sort_keys=True),
                        now,
                    ),
                )
                if cursor.rowcount:
                    fresh.append(dataclasses.replace(alert, created_at=now, seq=int(cursor.lastrowid or 0)))
            db.executemany(
                "INSERT OR REPLACE INTO watch_groups (watch_id, event_id, groups) VALUES (?, ?, ?)",
                [(w, e, json.dumps(sorted(g), ensure_ascii=False)) for (w, e), g in seen_groups.items()],
            )
        return fresh

    def seen_groups(self, watch_id: str, event_ids: Collection[str]) -> dict[str, list[str]]:
        """The groups each of these events had when ``watch_id`` last checked it (events never
        checked are absent)."""
        query = "SELECT event_id, groups FROM watch_groups WHERE watch_id = ? AND event_id IN ({})"
        return {row[0]: json.loads(row[1]) for row in self._chunked(query, event_ids, watch_id)}

    def alerts(self, limit: int = 50, before: int | None = None, watch_id: str | None = None) -> list[Alert]:
        """Recorded alerts, newest first: ``limit`` of them recorded before ``seq`` ``before``
        (keyset pagination), of one watch if given."""
        where: list[str] = []
        params: list[object] = []
        if before is not None:
            where.append("seq < ?")
            params.append(before)
        if watch_id is not None:
            where.append("watch_id = ?")
            params.append(watch_id)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.connection.execute(
            f"SELECT * FROM alerts {clause} ORDER BY seq DESC LIMIT ?", [*params, limit]
        ).fetchall()
        return [
            Alert(
                id=row["id"],
                watch_id=row["watch_id"],
                kind=row["kind"],
                summary=row["summary"],
                event_id=row["event_id"],
                article_id=row["article_id"],
                data=json.loads(row["data"]),
                created_at=row["created_at"],
                seq=row["seq"],
            )
            for row in rows
        ]

    # -- fetch cache -----------------------------------------------------------

    def _side_connection(self) -> sqlite3.Connection:
        # The fetcher calls the cache from its worker threads; a connection of
        # their own (one per call, cheap next to an HTTP request) keeps this
        # workspace's main connection on the thread that opened it.
        return sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)

    def get_fetched(self, url: str) -> CacheEntry | None:
        """The conditional-GET entry kept for ``url``, or None; safe from any thread."""
        from .ingest.fetch import CacheEntry

        with contextlib.closing(self._side_connection()) as connection:
            row = connection.execute(
                "SELECT etag, last_modified, charset, headers, body FROM fetch_cache WHERE url = ?", (url,)
            ).fetchone()
        if row is None:
            return None
        etag, last_modified, charset, headers, body = row
        return CacheEntry(
            etag, last_modified, zlib.decompress(body) if body is not None else None, charset, json.loads(headers)
        )

    def put_fetched(self, url: str, entry: CacheEntry, keep_body: bool = True) -> None:
        """Keep the conditional-GET entry of ``url`` (the body zlib-compressed); safe from any thread.

        At most ``FETCH_CACHE_ENTRIES`` URLs are kept; the oldest go first.
        """
        body = zlib.compress(entry.body, 6) if keep_body and entry.body is not None else None
        now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        with contextlib.closing(self._side_connection()) as connection:
            connection.execute(
                "INSERT OR REPLACE INTO fetch_cache (url, etag, last_modified, charset, headers, body, stored_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (url, entry.etag, entry.last_modified, entry.charset, json.dumps(dict(entry.headers)), body, now),
            )
            self._fetch_puts += 1
            if self._fetch_puts % 64 == 1:  # prune now and then (first write included), not on every write
                connection.execute(
                    "DELETE FROM fetch_cache WHERE url IN (SELECT url FROM fetch_cache"
                    " ORDER BY stored_at DESC LIMIT -1 OFFSET ?)",
                    (FETCH_CACHE_ENTRIES,),
                )

    # -- grouping --------------------------------------------------------------

    def replay(self, settings: Settings) -> Grouper:
        """A grouper holding every stored article, regrouped from scratch in first-ingested order."""
        grouper = Grouper(settings)
        for feature in self.features(settings):
            grouper.add(feature)
        return grouper

    def save_features(self, db: sqlite3.Connection, features: Sequence[ArticleFeatures]) -> None:
        """Keep the name features grouping used for articles (their vectors are in ``articles``)."""
        db.executemany(
            "INSERT OR REPLACE INTO features (article_id, names, surfaces) VALUES (?, ?, ?)",
            [
                (f.article_id, json.dumps(f.names, ensure_ascii=False), json.dumps(f.surfaces, ensure_ascii=False))
                for f in features
            ],
        )

    def features(self, settings: Settings, ids: Collection[str] | None = None) -> list[ArticleFeatures]:
        """What grouping knows of every stored article (of ``ids``, if given), in first-ingested order:
        the stored vector and name features, without reading the texts (an article stored before
        features were kept has them computed from its text)."""
        query = (
            "SELECT a.seq, a.id, a.published, a.title, a.title_inferred, a.vector, f.names, f.surfaces"
            " FROM articles a LEFT JOIN features f ON f.article_id = a.id"
        )
        if ids is None:
            rows = self.connection.execute(query + " ORDER BY a.seq").fetchall()
        else:
            rows = sorted(self._chunked(query + " WHERE a.id IN ({})", ids), key=lambda row: row["seq"])
        legacy = {a.id: a for a in self.articles_by_id([row["id"] for row in rows if row["names"] is None])}
        out = []
        for row in rows:
            vector = np.frombuffer(row["vector"], dtype=np.float32)
            if row["names"] is None:
                out.append(article_features(legacy[row["id"]], vector, settings))
                continue
            out.append(
                ArticleFeatures(
                    article_id=row["id"],
                    vector=vector,
                    names=json.loads(row["names"]),
                    surfaces=json.loads(row["surfaces"]),
                    published=parse_published(row["published"]),
                    title=row["title"] or "",
                    title_inferred=bool(row["title_inferred"]),
                )
            )
        return out

    def embedders(self) -> set[str]:
        """The embedders the stored vectors were made with."""
        return {row[0] for row in self.connection.execute("SELECT DISTINCT embedder FROM articles")}

    def grouper(
        self,
        settings: Settings,
        events: Sequence[Event] | None = None,
        storylines: Sequence[Storyline] | None = None,
    ) -> Grouper:
        """A grouper holding every stored article in its saved event and storyline, without regrouping.

        ``events`` and ``storylines`` are the stored ones, if the caller read them already. A
        workspace whose saved grouping does not cover its articles (none saved yet) is regrouped.
        """
        features = self.features(settings)
        grouper = Grouper(settings)
        if not features:
            return grouper
        position = {feature.article_id: number for number, feature in enumerate(features)}
        events = self.events() if events is None else events
        storylines = self.storylines() if storylines is None else storylines
        event_of = [-1] * len(features)
        event_number = {}
        for number, event in enumerate(events):
            event_number[event.id] = number
            for article_id in event.article_ids:
                if article_id in position:
                    event_of[position[article_id]] = number
        storyline_of_event = [-1] * len(events)
        for number, storyline in enumerate(storylines):
            for event_id in storyline.event_ids:
                if event_id in event_number:
                    storyline_of_event[event_number[event_id]] = number
        if -1 in event_of or -1 in storyline_of_event:
            grouper = Grouper(settings)
            for feature in features:
                grouper.add(feature)
            return grouper
        grouper.bulk_load(
            features,
            event_of,
            storyline_of_event,
            event_links=[event.links for event in events],
            storyline_links=[storyline.links for storyline in storylines],
        )
        return grouper

    def grouping(
        self, settings: Settings, days: tuple[dt.date, dt.date] | None = None
    ) -> tuple[Grouper, list[Event], list[Storyline]]:
        """The part of the stored grouping that articles published within ``days`` (first, last)
        can reach, as a grouper, with the stored events and storylines it holds (without terms).

        Grouping only scores events within the storyline window of an article's date, and an event
        spans at most the event window, so only events whose dates come within both windows of
        ``days`` can take a new article, lend it a storyline or be merged with an event it joins;
        the grouper holds those, the events without any date, the events awaiting a split check,
        and every event of their storylines (so storylines stay whole). What it decides is what a
        grouper holding every stored article decides (below the approximate index's threshold of
        events, where that one would score fewer). ``days`` None (an undated new article, which
        every event can take): everything.
        """
        if days is None:
            events, storylines = self.events(terms=False), self.storylines(terms=False)
            return self.grouper(settings, events, storylines), events, storylines
        reach = max(settings.storyline_window_days, settings.event_window_days) + settings.event_window_days + 1
        low = (days[0] - dt.timedelta(days=reach)).isoformat()
        high = (days[1] + dt.timedelta(days=reach)).isoformat()
        query = self.connection.execute
        seeds = {
            row[0]
            for row in query(
                "SELECT id FROM events WHERE last_seen >= ? AND first_seen <= ? UNION SELECT id FROM events"
                " WHERE first_seen IS NULL",
                (low, high),
            )
        }
        total = int(query("SELECT COUNT(*) FROM articles").fetchone()[0])
        pending = total % max(1, settings.repair_every)
        if pending:  # the events of the articles placed since the last split check
            recent = [row[0] for row in query("SELECT id FROM articles ORDER BY seq DESC LIMIT ?", (pending,))]
            seeds |= self.events_of_articles(recent)
        else:
            recent = []
        storylines = self.storylines_by_id(self.storylines_of_events(seeds), terms=False)
        events = self.events_by_id(seeds | {e for s in storylines for e in s.event_ids}, terms=False)
        features = self.features(settings, [a for e in events for a in e.article_ids])
        grouper = Grouper(settings)
        if not features:
            if total:  # nothing within reach: a grouper that knows how many came before
                grouper.offset = total
            return grouper, events, storylines
        position = {feature.article_id: number for number, feature in enumerate(features)}
        event_number = {event.id: number for number, event in enumerate(events)}
        event_of = [-1] * len(features)
        for number, event in enumerate(events):
            for article_id in event.article_ids:
                if article_id in position:
                    event_of[position[article_id]] = number
        storyline_of_event = [-1] * len(events)
        for number, storyline in enumerate(storylines):
            for event_id in storyline.event_ids:
                if event_id in event_number:
                    storyline_of_event[event_number[event_id]] = number
        if -1 in event_of or -1 in storyline_of_event:  # a grouping that does not cover its articles
            events, storylines = self.events(terms=False), self.storylines(terms=False)
            return self.grouper(settings, events, storylines), events, storylines
        grouper.bulk_load(
            features,
            event_of,
            storyline_of_event,
            event_links=[event.links for event in events],
            storyline_links=[storyline.links for storyline in storylines],
            offset=total - len(features),
            changed={event_of[position[a]] for a in recent if a in position},
        )
        return grouper, events, storylines

    def save_groups(
        self,
        db: sqlite3.Connection,
        events: Sequence[Event],
        storylines: Sequence[Storyline],
        changed: Collection[str] | None = None,
        dropped: Collection[str] = (),
    ) -> None:
        """Keep the grouping. Without ``changed``, ``events`` and ``storylines`` are all of them, in
        order, and replace what is stored. With it, only the groups whose id is in ``changed`` are
        written (the others are kept as stored) and the stored groups in ``dropped`` (merged away)
        are removed. A group keeps its place in the order; a new one goes after every stored one.
        Which event holds each article and which storyline each event is kept alongside."""
        tables: tuple[tuple[str, Sequence[Event | Storyline]], ...] = (("events", events), ("storylines", storylines))
        for table, records in tables:
            members, member, group_column = (
                ("event_articles", "article_id", "event_id")
                if table == "events"
                else ("storyline_events", "event_id", "storyline_id")
            )
            if changed is None:
                db.execute(f"DELETE FROM {table}")
                db.execute(f"DELETE FROM {members}")
                written: list[Event | Storyline] = list(records)
                position: dict[str, int] = {}
            else:
                gone = [(i,) for i in dropped]
                db.executemany(f"DELETE FROM {table} WHERE id = ?", gone)
                db.executemany(f"DELETE FROM {members} WHERE {group_column} = ?", gone)
                written = [record for record in records if record.id in changed]
                position = {
                    row[0]: row[1]
                    for row in self._chunked(
                        f"SELECT id, position FROM {table} WHERE id IN ({{}})", [r.id for r in written]
                    )
                }
            following = int(db.execute(f"SELECT COALESCE(MAX(position), -1) + 1 FROM {table}").fetchone()[0])
            rows = []
            for record in written:
                if record.id not in position:
                    position[record.id] = following
                    following += 1
                rows.append(codec.to_row(record) + (position[record.id],))
            if rows:
                names = codec.columns(type(written[0])) + ("position",)
                db.executemany(
                    f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    rows,
                )
            db.executemany(f"DELETE FROM {members} WHERE {group_column} = ?", [(r.id,) for r in written])
            db.executemany(
                f"INSERT OR REPLACE INTO {members} ({member}, {group_column}) VALUES (?, ?)",
                [
                    (item, record.id)
                    for record in written
                    for item in (record.article_ids if isinstance(record, Event) else record.event_ids)
                ],
            )


if sys.platform == "win32":
    import msvcrt

    def _try_lock_file(fd: int) -> bool:
        """Take the lock without waiting; False if another holds it."""
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock_file(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock_file(fd: int) -> bool:
        """Take the lock without waiting; False if another holds it."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock_file(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _lock_holder(path: Path) -> str:
    """`` (pid N)`` for the process that last took the lock, if the lock file says."""
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
