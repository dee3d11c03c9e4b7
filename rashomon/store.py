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
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .cluster import Grouper, article_features
from .config import Settings
from .errors import NotFound, StoreError
from .records import (
    Analysis,
    Article,
    CopyGroup,
    CopyLink,
    CrossItem,
    CrossLink,
    DateHint,
    Entity,
    EntityMention,
    Event,
    Extraction,
    Figure,
    FrameLabel,
    Framing,
    LabelTerm,
    Link,
    Mention,
    Provenance,
    Quote,
    Rejected,
    RemovedLine,
    Speaker,
    Storyline,
    TechniqueLabel,
)

if TYPE_CHECKING:
    from .ingest.fetch import CacheEntry

DATABASE_NAME = "rashomon.sqlite3"
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


class Workspace:
    """A folder holding one Rashomon database.

    Args:
        folder: The workspace folder; created if missing.
        lock_timeout: Seconds an ingest waits for another process's ingest into
            the same workspace to finish (see :meth:`lock`); None: the class default.
    """

    lock_timeout: float = 600.0  # an ingest of a large batch with the real model takes minutes

    def __init__(self, folder: str | Path, lock_timeout: float | None = None) -> None:
        self.folder = Path(folder)
        if lock_timeout is not None:
            self.lock_timeout = lock_timeout
        self._lock_fd: int | None = None
        self._lock_depth = 0
        self._fetch_puts = 0  # fetch-cache writes by this object: the cache is pruned every 64th
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.path = self.folder / DATABASE_NAME
            self.connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            self.connection.row_factory = sqlite3.Row
            self.connection.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk before it returns, so a finished ingest survives a power cut too.
            self.connection.execute("PRAGMA synchronous=FULL")
            self.connection.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except StoreError:
            raise
        except (OSError, sqlite3.Error) as error:
            raise StoreError(
                f"Cannot open workspace {self.folder}: {error}. Check the path and its permissions."
            ) from None

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
        if self._lock_depth == 0:
            self._acquire_lock()
        self._lock_depth += 1
        try:
            yield
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0 and self._lock_fd is not None:
                _unlock_file(self._lock_fd)

    def _acquire_lock(self) -> None:
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

    def article_ids(self) -> set[str]:
        return {row[0] for row in self.connection.execute("SELECT id FROM articles")}

    def record_input(
        self, db: sqlite3.Connection, source: str, raw: bytes, status: str, article_id: str | None, reason: str | None
    ) -> None:
        db.execute(
            "INSERT OR IGNORE INTO inputs (source, sha256, status, article_id, reason, raw, ingested_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                source,
                hashlib.sha256(raw).hexdigest(),
                status,
                article_id,
                reason,
                raw,
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            ),
        )

    def add_article(self, db: sqlite3.Connection, article: Article, vector: np.ndarray, embedder: str) -> None:
        removed = json.dumps([dataclasses.asdict(line) for line in article.removed_lines], ensure_ascii=False)
        hints = json.dumps([dataclasses.asdict(hint) for hint in article.date_hints], ensure_ascii=False)
        provenance = json.dumps(dataclasses.asdict(article.provenance)) if article.provenance else None
        db.execute(
            "INSERT INTO articles (id, source, fmt, outlet, url, title, title_inferred, language,"
            " language_confidence, published, raw_text, text, removed_lines, embedder, vector,"
            " published_source, date_hints, provenance, copy_of, copy_similarity, author, domain)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id,
                article.source,
                article.fmt,
                article.outlet,
                article.url,
                article.title,
                int(article.title_inferred),
                article.language,
                article.language_confidence,
                article.published,
                article.raw_text,
                article.text,
                removed,
                embedder,
                np.asarray(vector, dtype=np.float32).tobytes(),
                article.published_source,
                hints,
                provenance,
                article.copy_of,
                article.copy_similarity,
                article.author,
                article.domain,
            ),
        )

    def add_version(self, db: sqlite3.Connection, article_id: str, article: Article, raw: bytes) -> bool:
        """Keep a later version of a stored article; False if this version was kept before."""
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
        return cursor.rowcount == 1

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
        return Article(
            id=row["id"],
            source=row["source"],
            raw_text=row["raw_text"],
            text=row["text"],
            removed_lines=tuple(RemovedLine(**line) for line in json.loads(row["removed_lines"])),
            title=row["title"],
            title_inferred=bool(row["title_inferred"]),
            language=row["language"],
            language_confidence=row["language_confidence"],
            outlet=row["outlet"],
            url=row["url"],
            published=row["published"],
            fmt=row["fmt"],
            published_source=row["published_source"],
            date_hints=tuple(DateHint(**hint) for hint in json.loads(row["date_hints"])),
            provenance=_provenance(row["provenance"]),
            copy_of=row["copy_of"],
            copy_similarity=row["copy_similarity"],
            author=row["author"],
            domain=row["domain"],
        )

    def articles(self) -> list[Article]:
        """All articles, in the order they were first ingested (with the sources of their exact copies)."""
        others: dict[str, list[str]] = {}
        for row in self.connection.execute(
            "SELECT article_id, source FROM inputs WHERE status = 'duplicate' AND reason LIKE 'exact copy of%' ORDER BY seq"
        ):
            others.setdefault(row[0], []).append(row[1])
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
        rows = self.connection.execute("SELECT source, reason, raw FROM inputs WHERE status != 'accepted' ORDER BY seq")
        return [Rejected(row["source"], row["reason"] or "", bytes(row["raw"])) for row in rows]

    def input_counts(self) -> dict[str, int]:
        rows = self.connection.execute("SELECT status, COUNT(*) FROM inputs GROUP BY status")
        return {status: count for status, count in rows}

    @staticmethod
    def _links(text: str) -> tuple[Link, ...]:
        return tuple(Link(**{**link, "shared_names": tuple(link["shared_names"])}) for link in json.loads(text))

    @staticmethod
    def _terms(text: str) -> tuple[LabelTerm, ...]:
        return tuple(LabelTerm(**{**term, "article_ids": tuple(term["article_ids"])}) for term in json.loads(text))

    def events(self) -> list[Event]:
        rows = self.connection.execute("SELECT * FROM events ORDER BY position")
        return [
            Event(
                r["id"],
                r["label"],
                tuple(json.loads(r["article_ids"])),
                r["first_seen"],
                r["last_seen"],
                self._links(r["links"]),
                r["headline"],
                self._terms(r["terms"]),
            )
            for r in rows
        ]

    def storylines(self) -> list[Storyline]:
        rows = self.connection.execute("SELECT * FROM storylines ORDER BY position")
        return [
            Storyline(
                r["id"],
                r["label"],
                tuple(json.loads(r["event_ids"])),
                tuple(json.loads(r["article_ids"])),
                self._links(r["links"]),
                r["headline"],
                self._terms(r["terms"]),
                r["first_seen"],
                r["last_seen"],
            )
            for r in rows
        ]

    def analysis(self, settings: Settings | None = None) -> Analysis:
        """Everything in the workspace as one :class:`Analysis`."""
        by_id = {a.id: a for a in self.articles()}
        events = self.events()
        order = [article_id for event in events for article_id in event.article_ids]
        ordered = [by_id[i] for i in order if i in by_id] + [a for i, a in by_id.items() if i not in set(order)]
        return Analysis(
            articles=tuple(ordered),
            events=tuple(events),
            storylines=tuple(self.storylines()),
            rejected=tuple(self.rejected()),
            settings=settings.as_dict() if settings else {},
            versions={article_id: self.versions(article_id) for article_id in self._versioned_ids()},
            copies=_copy_groups(list(by_id.values())),
            extractions=tuple(self.extractions()),
            entities=self.entities(),
            crosslinks=self.crosslinks(),
            framings=tuple(self.framings()),
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
        """Keep vectors (one write transaction)."""
        with self.write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO text_vectors (key, vector) VALUES (?, ?)",
                [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in items],
            )

    # -- extract -----------------------------------------------------------------

    def save_extractions(self, db: sqlite3.Connection, extractions: Sequence[Extraction]) -> None:
        """Keep what the extract stage found in each article (replacing an earlier result)."""
        db.executemany(
            "INSERT OR REPLACE INTO extractions (article_id, data) VALUES (?, ?)",
            [
                (
                    x.article_id,
                    json.dumps(
                        {
                            "mentions": [dataclasses.asdict(m) for m in x.mentions],
                            "quotes": [dataclasses.asdict(q) for q in x.quotes],
                            "figures": [dataclasses.asdict(f) for f in x.figures],
                        },
                        ensure_ascii=False,
                    ),
                )
                for x in extractions
            ],
        )

    def extractions(self) -> list[Extraction]:
        """Every article's extraction, in article order."""
        rows = self.connection.execute(
            "SELECT x.article_id, x.data FROM extractions x JOIN articles a ON a.id = x.article_id ORDER BY a.seq"
        )
        out = []
        for article_id, data in rows:
            found = json.loads(data)
            out.append(
                Extraction(
                    article_id,
                    tuple(Mention(**m) for m in found["mentions"]),
                    tuple(
                        Quote(**{**q, "speaker": Speaker(**q["speaker"]) if q["speaker"] else None})
                        for q in found["quotes"]
                    ),
                    tuple(Figure(**f) for f in found["figures"]),
                )
            )
        return out

    def save_framings(self, db: sqlite3.Connection, framings: Sequence[Framing]) -> None:
        """Keep each article's framing labels (replacing an earlier result)."""
        db.executemany(
            "INSERT OR REPLACE INTO framings (article_id, data) VALUES (?, ?)",
            [(f.article_id, json.dumps(dataclasses.asdict(f), ensure_ascii=False)) for f in framings],
        )

    def framings(self) -> list[Framing]:
        """Every article's framing labels, in article order."""
        rows = self.connection.execute(
            "SELECT f.data FROM framings f JOIN articles a ON a.id = f.article_id ORDER BY a.seq"
        )
        out = []
        for (data,) in rows:
            found = json.loads(data)
            genre = found.get("genre_evidence")
            out.append(
                Framing(
                    **{
                        **found,
                        "frames": tuple(FrameLabel(**x) for x in found["frames"]),
                        "techniques": tuple(TechniqueLabel(**x) for x in found["techniques"]),
                        "genre_evidence": FrameLabel(**genre) if genre else None,
                    }
                )
            )
        return out

    def save_corpus_extract(
        self, db: sqlite3.Connection, entities: Sequence[Entity], crosslinks: Sequence[CrossLink]
    ) -> None:
        """Keep the workspace's canonical entities and cross-outlet links (rebuilt at each ingest)."""
        for key, items in (("entities", entities), ("crosslinks", crosslinks)):
            db.execute(
                "INSERT OR REPLACE INTO corpus_extract (key, data) VALUES (?, ?)",
                (key, json.dumps([dataclasses.asdict(item) for item in items], ensure_ascii=False)),
            )

    def _corpus_extract(self, key: str) -> list[dict]:
        row = self.connection.execute("SELECT data FROM corpus_extract WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else []

    def entities(self) -> tuple[Entity, ...]:
        """Canonical entities as saved by the last ingest."""
        return tuple(
            Entity(
                **{
                    **e,
                    "aliases": tuple(e["aliases"]),
                    "languages": tuple(e["languages"]),
                    "article_ids": tuple(e["article_ids"]),
                    "mentions": tuple(EntityMention(**m) for m in e["mentions"]),
                }
            )
            for e in self._corpus_extract("entities")
        )

    def crosslinks(self) -> tuple[CrossLink, ...]:
        """Cross-outlet links as saved by the last ingest."""
        return tuple(
            CrossLink(
                **{
                    **c,
                    "event_ids": tuple(c["event_ids"]),
                    "items": tuple(CrossItem(**i) for i in c["items"]),
                }
            )
            for c in self._corpus_extract("crosslinks")
        )

    def _versioned_ids(self) -> list[str]:
        return [row[0] for row in self.connection.execute("SELECT DISTINCT article_id FROM article_versions")]

    # -- state -----------------------------------------------------------------

    def get_state(self, key: str) -> object | None:
        """A JSON value saved with :meth:`set_state`, or None."""
        row = self.connection.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_state(self, key: str, value: object) -> None:
        with self.write() as db:
            db.execute(
                "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, json.dumps(value), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )

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
        for article, vector, _embedder in self.vectors():
            grouper.add(article_features(article, vector, settings))
        return grouper

    def grouper(self, settings: Settings, stored: Sequence[tuple[Article, np.ndarray, str]] | None = None) -> Grouper:
        """A grouper holding every stored article in its saved event and storyline, without regrouping.

        ``stored`` is :meth:`vectors`, if the caller has it already. A workspace
        whose saved grouping does not cover its articles (none saved yet) is
        regrouped with :meth:`replay`.
        """
        stored = self.vectors() if stored is None else stored
        grouper = Grouper(settings)
        if not stored:
            return grouper
        position = {article.id: number for number, (article, _v, _e) in enumerate(stored)}
        events, storylines = self.events(), self.storylines()
        event_of = [-1] * len(stored)
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
            return self.replay(settings)
        features = [article_features(article, vector, settings) for article, vector, _e in stored]
        grouper.bulk_load(
            features,
            event_of,
            storyline_of_event,
            event_links=[event.links for event in events],
            storyline_links=[storyline.links for storyline in storylines],
        )
        return grouper

    def save_groups(self, db: sqlite3.Connection, events: Sequence[Event], storylines: Sequence[Storyline]) -> None:
        def links(items: Sequence[Link]) -> str:
            return json.dumps([dataclasses.asdict(link) for link in items], ensure_ascii=False)

        db.execute("DELETE FROM events")
        db.execute("DELETE FROM storylines")

        def terms(items: Sequence[LabelTerm]) -> str:
            return json.dumps([dataclasses.asdict(term) for term in items], ensure_ascii=False)

        db.executemany(
            "INSERT INTO events (id, position, label, first_seen, last_seen, article_ids, links, headline, terms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    e.id,
                    n,
                    e.label,
                    e.first_seen,
                    e.last_seen,
                    json.dumps(list(e.article_ids)),
                    links(e.links),
                    e.headline,
                    terms(e.terms),
                )
                for n, e in enumerate(events)
            ],
        )
        db.executemany(
            "INSERT INTO storylines (id, position, label, event_ids, article_ids, links, headline, terms,"
            " first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    s.id,
                    n,
                    s.label,
                    json.dumps(list(s.event_ids)),
                    json.dumps(list(s.article_ids)),
                    links(s.links),
                    s.headline,
                    terms(s.terms),
                    s.first_seen,
                    s.last_seen,
                )
                for n, s in enumerate(storylines)
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


def _copy_groups(articles: list[Article]) -> tuple[CopyGroup, ...]:
    """Syndication groups from stored ``copy_of`` marks and folded exact copies."""
    groups: dict[str, list[CopyLink]] = {}
    for article in articles:
        if article.copy_of:
            link = CopyLink(article.id, article.copy_of, article.copy_similarity or 0.0, "near", 0.0)
            groups.setdefault(article.copy_of, []).append(link)
    return tuple(
        CopyGroup(original, tuple(link.copy_id for link in links), tuple(links)) for original, links in groups.items()
    )


def _provenance(stored: str | None) -> Provenance | None:
    """A stored provenance (JSON); ``notes`` back as a tuple."""
    if not stored:
        return None
    fields = json.loads(stored)
    return Provenance(**{**fields, "notes": tuple(fields.get("notes") or ())})
