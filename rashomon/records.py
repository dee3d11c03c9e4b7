"""Typed records that flow between the pipeline stages.

Every stage takes and returns these frozen dataclasses; nothing else crosses a
stage boundary. They are plain data (picklable, JSON-serialisable through
:func:`rashomon.export.to_dict`), so the same stage functions run in one
process, in a web handler or in a distributed batch job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

SCHEMA_VERSION = "1.1"


@dataclass(frozen=True)
class Document:
    """One input as read from disk, before any cleaning.

    Attributes:
        id: Stable identifier: the ``id`` field of a JSON record, else a hash of
            the source kind and the raw text (the same file ingested twice gets
            the same id).
        source: Where it came from: a file path, or ``path#id`` for a record of
            a JSON/JSONL file.
        raw: The exact bytes we were given (kept unchanged in the store).
        text: The decoded text (for HTML, the extracted main text).
        encoding: The detected or declared character encoding.
        fmt: Input format: ``txt``, ``html``, ``json`` or ``jsonl``.
        title, url, outlet, published, language: Optional metadata supplied with
            the input (JSON fields, sidecar ``NAME.meta.json``, HTML metadata).
        origin: Kind of source: ``file``, ``record``, ``url``, ``feed`` or ``warc``.
        fetched_at: When the bytes were fetched (ISO UTC), for fetched inputs.
        record_id: The WARC record id or feed item id, when there is one.
        extractor: Name and version of the HTML extractor, for HTML inputs.
        author: The byline, when the input names one.
        domain: The publishing site's host name (``example.com``), from the URL.
    """

    id: str
    source: str
    raw: bytes
    text: str
    encoding: str
    fmt: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    language: str | None = None
    origin: str = "file"
    fetched_at: str | None = None
    record_id: str | None = None
    extractor: str | None = None
    author: str | None = None
    domain: str | None = None


@dataclass(frozen=True)
class Provenance:
    """Where an article came from and what processed it.

    Attributes:
        origin: ``file``, ``record``, ``url``, ``feed`` or ``warc``.
        source: The path, URL or ``path#record`` it was read from.
        sha256: SHA-256 of the raw bytes as received.
        fetched_at: When it was fetched (ISO UTC), or None for local files.
        record_id: WARC record id or feed item id, if any.
        extractor: HTML extractor name and version, if the input was HTML.
        pipeline: Rashomon version that processed it.
    """

    origin: str
    source: str
    sha256: str
    fetched_at: str | None = None
    record_id: str | None = None
    extractor: str | None = None
    pipeline: str | None = None


@dataclass(frozen=True)
class DateHint:
    """An event-date expression found in an article (see :mod:`rashomon.dates`).

    Attributes:
        text: The words as written ("Dienstag", "February 28", "вчера").
        kind: ``explicit`` (day and month), ``weekday`` or ``relative``.
        resolved: The ISO date it points to, or None when it cannot be resolved.
        sentence: The sentence it was found in: the evidence.
        confidence: How sure the resolution is (weekdays and relative words assume
            past tense counted from the published date).
    """

    text: str
    kind: str
    resolved: str | None
    sentence: str
    confidence: float


@dataclass(frozen=True)
class Rejected:
    """An input that could not be processed; kept with its raw bytes."""

    source: str
    reason: str
    raw: bytes = b""


@dataclass(frozen=True)
class RemovedLine:
    """One line the cleaner took out of an article, and why."""

    line_no: int
    text: str
    reason: str


@dataclass(frozen=True)
class Article:
    """A cleaned article with its title, language and metadata.

    ``text`` holds the kept lines (headings included) as paragraphs separated by
    a blank line; ``raw_text`` is the decoded input, unchanged.
    """

    id: str
    source: str
    raw_text: str
    text: str
    removed_lines: tuple[RemovedLine, ...] = ()
    title: str | None = None
    title_inferred: bool = False
    language: str | None = None
    language_confidence: float = 0.0
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    fmt: str = "txt"
    published_source: str | None = None
    date_hints: tuple[DateHint, ...] = ()
    provenance: Provenance | None = None
    other_sources: tuple[str, ...] = ()
    copy_of: str | None = None
    copy_similarity: float | None = None
    author: str | None = None
    domain: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        """The kept paragraphs, in order."""
        return [p for p in self.text.split("\n\n") if p]

    @property
    def lead(self) -> str:
        """The first paragraph after the title line (or the first one)."""
        paras = self.paragraphs
        if paras and not self.title_inferred and self.title and paras[0] == self.title:
            paras = paras[1:]
        return paras[0] if paras else ""


CopyKind = Literal["exact", "near"]


class CopyLink(NamedTuple):
    """One copy linked to its original.

    Attributes:
        copy_id: The later article.
        original_id: The article it copies (earliest published, then earliest added).
        similarity: Jaccard similarity of the two texts' word 5-gram sets (1.0 for an exact copy).
        kind: ``"exact"`` (same normalised text) or ``"near"``.
        containment: Share of the shorter text's 5-grams found in the longer one.
    """

    copy_id: str
    original_id: str
    similarity: float
    kind: CopyKind
    containment: float


@dataclass(frozen=True)
class CopyGroup:
    """An original and its copies; ``links`` holds one link per copy, in group order."""

    original_id: str
    copy_ids: tuple[str, ...]
    links: tuple[CopyLink, ...]


@dataclass(frozen=True)
class Link:
    """Why two articles were put together: the evidence behind a grouping."""

    article_a: str
    article_b: str
    score: float
    embedding: float
    names: float
    shared_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    """One happening (a visit, a summit, a vote) reported by one or more articles."""

    id: str
    label: str
    article_ids: tuple[str, ...]
    first_seen: str | None = None
    last_seen: str | None = None
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Storyline:
    """Related events grouped into one story."""

    id: str
    label: str
    event_ids: tuple[str, ...]
    article_ids: tuple[str, ...]
    links: tuple[Link, ...] = ()


# -- extract: entities (rashomon.extract.entities) ------------------------------
EntityLabel = Literal["PER", "ORG", "LOC", "MISC"]


@dataclass(frozen=True)
class Mention:
    """A named-entity mention found in a text (see :mod:`rashomon.extract.entities`).

    Attributes:
        start: Character offset of the first character in the text given to the
            recogniser.
        end: Character offset one past the last character (``text[start:end] == surface``).
        surface: The words as written ("Kasachstans", "Antony Blinken").
        label: ``PER`` (person), ``ORG`` (organisation), ``LOC`` (location) or
            ``MISC`` (other names: events, works, nationalities used as names).
        confidence: The model's probability for this span and label, in [0, 1].
        recognizer: Name of the backend that found it (``crf-de``, ``slovnet-ru`` ...).
    """

    start: int
    end: int
    surface: str
    label: EntityLabel
    confidence: float = 1.0
    recognizer: str = ""


# -- extract: quotes (rashomon.extract.quotes) ----------------------------------
# (records of the quote extractor go here)


# -- extract: figures (rashomon.extract.figures) --------------------------------
# (records of the figure extractor go here)


@dataclass(frozen=True)
class Analysis:
    """Everything one run of the pipeline produced."""

    articles: tuple[Article, ...]
    events: tuple[Event, ...]
    storylines: tuple[Storyline, ...]
    rejected: tuple[Rejected, ...] = ()
    settings: dict = field(default_factory=dict)
    versions: dict[str, list[dict[str, str | None]]] = field(default_factory=dict)
    copies: tuple[CopyGroup, ...] = ()


Item = Document | Rejected
