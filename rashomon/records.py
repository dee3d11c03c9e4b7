"""Typed records that flow between the pipeline stages.

Every stage takes and returns these frozen dataclasses; nothing else crosses a
stage boundary. They are plain data (picklable, JSON-serialisable through
:func:`rashomon.export.to_dict`), so the same stage functions run in one
process, in a web handler or in a distributed batch job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from .text import paragraph_spans

SCHEMA_VERSION = "1.6"


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
        notes: What the pipeline refused or corrected in the input, each with its
            reason (a published date before 1990, a declared language that is not
            an ISO 639 code…).
    """

    origin: str
    source: str
    sha256: str
    fetched_at: str | None = None
    record_id: str | None = None
    extractor: str | None = None
    pipeline: str | None = None
    notes: tuple[str, ...] = ()


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
        """The kept paragraphs, in order (:func:`rashomon.text.paragraph_spans`)."""
        return [self.text[start:end] for start, end in paragraph_spans(self.text)]

    @property
    def teller(self) -> str:
        """Who tells it: the outlet, else the site (``domain``), else ``article <id>`` (inputs without
        metadata). The one definition of an article's outlet: comparisons group by it, reports show it."""
        return self.outlet or self.domain or f"article {self.id}"

    @property
    def lead(self) -> str:
        """The first paragraph after the title line (or the first one)."""
        paras = self.paragraphs
        if paras and not self.title_inferred and self.title and paras[0] == self.title:
            paras = paras[1:]
        return paras[0] if paras else ""


@dataclass(frozen=True)
class ArticleFacts:
    """What a list or facet needs of an article, read without its text (:meth:`Workspace.article_facts`).

    Attributes:
        id: The article's id.
        title: Its title, if any.
        language: ISO 639-1 code, if detected.
        outlet: The outlet given with the input, if any.
        domain: The site it came from, if known.
        published: ISO date, if known.
    """

    id: str
    title: str | None
    language: str | None
    outlet: str | None
    domain: str | None
    published: str | None

    @property
    def teller(self) -> str:
        """Who tells it, as :attr:`Article.teller` says."""
        return self.outlet or self.domain or f"article {self.id}"


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
    """Why two articles were put together: the evidence behind a grouping.

    ``kind`` says what the link records: ``join`` (``article_a`` joined the event
    or storyline because of its pair score with ``article_b``), ``merge`` (repair
    merged two events; ``article_a`` and ``article_b`` are their closest members
    and ``score`` the mean pair score between the two events) or ``split`` (repair
    took ``article_a`` out of the event; ``score`` is its mean pair score with the
    members that stayed, ``article_b`` the one it matched best).
    """

    article_a: str
    article_b: str
    score: float
    embedding: float
    names: float
    shared_names: tuple[str, ...] = ()
    kind: str = "join"


@dataclass(frozen=True)
class LabelTerm:
    """One name or term in an event's or storyline's label, with where it came from.

    Attributes:
        text: As shown, in the reader's language where an article or CLDR has it.
        kind: ``name`` (a person, organisation or place found by :mod:`rashomon.names`),
            ``country`` (shown by its CLDR name in the reader's language) or ``term``
            (a word distinctive of this group against the rest of the corpus).
        weight: How strongly it marks the group (names: share of its articles that
            mention it; terms: c-TF-IDF), for ranking.
        language: Language of ``text`` (the reader's, or the articles' where none is in it).
        article_ids: The group's articles that mention it.
        article_id: The article of ``sentence``.
        sentence: A sentence that uses it: the evidence.
    """

    text: str
    kind: str
    weight: float
    language: str | None
    article_ids: tuple[str, ...]
    article_id: str
    sentence: str


@dataclass(frozen=True)
class Event:
    """One happening (a visit, a summit, a vote) reported by one or more articles.

    ``label`` is built from ``terms`` (key names, places and distinctive words)
    and the date span; ``headline`` is the most central member's own headline.
    """

    id: str
    label: str
    article_ids: tuple[str, ...]
    first_seen: str | None = None
    last_seen: str | None = None
    links: tuple[Link, ...] = ()
    headline: str = ""
    terms: tuple[LabelTerm, ...] = ()


@dataclass(frozen=True)
class Storyline:
    """Related events grouped into one story (label, headline and terms as for :class:`Event`)."""

    id: str
    label: str
    event_ids: tuple[str, ...]
    article_ids: tuple[str, ...]
    links: tuple[Link, ...] = ()
    headline: str = ""
    terms: tuple[LabelTerm, ...] = ()
    first_seen: str | None = None
    last_seen: str | None = None


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

QuoteKind = Literal["direct", "partial", "indirect", "scare"]


@dataclass(frozen=True)
class Speaker:
    """Who a quote is attributed to, as the text names them (a surface string, not an entity).

    Attributes:
        name: The words naming the speaker: a proper name (``Antony Blinken``, ``Blinken``)
            or, when the text gives none, a description (``a Commission spokesperson``).
        start: Char offset of ``name`` in the text the quote was found in.
        end: End offset (exclusive); ``text[start:end] == name``.
        kind: ``"name"`` for a proper name, ``"role"`` for a description without one.
    """

    name: str
    start: int
    end: int
    kind: Literal["name", "role"] = "name"


@dataclass(frozen=True)
class Quote:
    """One quotation, or one marked piece of reported speech, with its speaker and evidence.

    Attributes:
        text: The quoted words, without the quotation marks (for ``indirect``: the reported clause).
        start: Char offset of ``text`` in the article text; ``article_text[start:end] == text``.
        end: End offset (exclusive).
        kind: ``direct`` (a full quoted statement), ``partial`` (quoted words inside the
            writer's sentence), ``indirect`` (reported speech marked by "laut X", "according
            to X", "X sagte, dass …"; no quotation marks) or ``scare`` (a quoted label or
            title such as the so-called „Sondermilitäroperation“ or the trawler „Kapitan
            Sorokin“: nobody is quoted).
        speaker: Who said it, when the text says so; None for scare quotes and unattributed quotes.
        speaker_via: How the speaker was found: ``after`` ("„…“, sagte X"; "“…,” X said"),
            ``before`` ("X said: …", "X: „…“"), ``sentence`` (named in the quote's own sentence,
            for partial quotes), ``cue`` ("laut X", "according to X"), ``continued`` (the second
            part of a quote broken by its attribution), ``previous`` / ``next`` (named in the
            previous / next sentence), ``pronoun`` ("she said", resolved to the last person
            named before), ``role`` ("so der US-Außenminister", resolved the same way), or None.
        sentence: The sentence(s) holding the quote: the evidence.
        sentence_start: Char offset of ``sentence`` in the article text.
        confidence: How sure the extractor is of the quote and its speaker, 0..1.
        cue: The attribution words it relied on ("sagte", "according to", ":"), if any.
        part_of: For the second and later parts of a quote broken by its attribution
            ("„A“, sagte X, „B“"), the ``start`` of the first part; else None.
    """

    text: str
    start: int
    end: int
    kind: QuoteKind
    speaker: Speaker | None
    speaker_via: str | None
    sentence: str
    sentence_start: int
    confidence: float
    cue: str | None = None
    part_of: int | None = None


# -- extract: figures (rashomon.extract.figures) --------------------------------


@dataclass(frozen=True)
class Figure:
    """A number with its unit or currency and scale, normalised (see :mod:`rashomon.extract.figures`).

    Attributes:
        text: The words as written ("41,5 Millionen US-Dollar", "60-80 percent").
        start: Character offset of ``text`` in the analysed text.
        end: Offset just past ``text`` (``analysed[start:end] == text``).
        value: The normalised value with the scale applied (41500000.0); None for a range.
        low: The lower end of a range ("60 bis 80 Prozent" → 60.0); None for a single value.
        high: The upper end of a range; None for a single value.
        unit: ISO 4217 code for money (``USD``, ``EUR``, ``RUB``…), a unit code (``km``,
            ``percent``, ``percentage_point``, ``people``, ``year``…), or None for a bare count.
        scale: The multiplier of a scale word (1e6 for "Millionen", "млн", "m"); 1.0 when none.
        counts: What is counted or measured, a short phrase from the surrounding words
            ("Staaten", "trade", "ago"), or None when nothing suitable is near.
        approximate: The text hedges the number ("rund", "about", "около", "environ").
        bound: ``"over"`` ("mehr als", "more than", "свыше") or ``"under"`` ("bis zu",
            "less than", "до"), or None.
        sentence: The sentence it was found in: the evidence.
        confidence: How sure the reading is (lower for spelled-out numbers, numbers without
            a unit, and separators the article's locale leaves ambiguous).
        qualifier: The words before the number that hedge or bound it, as written ("mehr als",
            "About", "по меньшей мере"), or None; ``approximate`` and ``bound`` say what they mean.
    """

    text: str
    start: int
    end: int
    value: float | None
    low: float | None
    high: float | None
    unit: str | None
    scale: float
    counts: str | None
    approximate: bool
    bound: str | None
    sentence: str
    confidence: float
    qualifier: str | None = None

    @property
    def interval(self) -> tuple[float, float]:
        """``(low, high)`` for a range, ``(value, value)`` for a single value."""
        if self.value is not None:
            return (self.value, self.value)
        return (self.low or 0.0, self.high or 0.0)


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
    extractions: tuple[Extraction, ...] = ()
    entities: tuple[Entity, ...] = ()
    crosslinks: tuple[CrossLink, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    framings: tuple[Framing, ...] = ()


Item = Document | Rejected


# -- extract: canonical entities (rashomon.extract.canonical) -------------------


@dataclass(frozen=True)
class EntityMention:
    """One mention of a canonical entity in one article.

    Attributes:
        article_id: The article it is in.
        start, end: Character offsets into the article's ``text``.
        surface: The words as written ("Kasachstans", "Токаев", "OVKS").
        label: The recogniser's label for this mention (PER/ORG/LOC/MISC).
        confidence: The recogniser's confidence.
        sentence: The sentence it is in: the evidence.
        via: The rule that linked it to its entity: ``name`` (same phonetic key),
            ``country``, ``organisation``, ``acronym``, ``short name``, ``surname``,
            ``inflection`` or ``near spelling`` (see :mod:`rashomon.extract.canonical`).
    """

    article_id: str
    start: int
    end: int
    surface: str
    label: str
    confidence: float
    sentence: str
    via: str


@dataclass(frozen=True)
class KeyedMention:
    """A recognised mention with the canonical key it was given in its article: what entity
    linking keeps per mention (a workspace stores these rows; entities are their keys linked).

    Attributes:
        article_id, position: The article, and the mention's number in it.
        key: Its canonical key (``ISO:KZ``, ``PER:antoni|blinke``, ``PER:?|blinke`` …).
        kind: PER, ORG, LOC or MISC, as the key says (a known country is LOC whatever the
            recogniser's label).
        start, end, surface, label, confidence: As the recogniser found it.
        sentence: The sentence it is in: the evidence.
        via: The rule that gave it its key in its article (``name``, ``country``, ``acronym``,
            ``short name`` …).
        joins: For a lone surname its article also gives in full (``short name``), the full
            name's key; else empty.
        language: Its article's language ("" when unknown).
        rank: Its place in corpus order (the article's published date and id, then the
            position): the first mention of a key is the one a linking rule is credited to.
    """

    article_id: str
    position: int
    key: str
    kind: str
    start: int
    end: int
    surface: str
    label: str
    confidence: float
    sentence: str
    via: str
    joins: str
    language: str
    rank: str


@dataclass(frozen=True)
class Entity:
    """A real-world person, organisation or place, with every mention across articles and languages.

    Attributes:
        id: ``en-`` + a hash of ``key`` (stable for the same key).
        label: PER, ORG, LOC or MISC (the most common label of its mentions).
        name: Display name, in the reader's language where an article or CLDR has it.
        key: The canonical key: ``ISO:KZ``, ``ORG:csto``, ``PER:antoni|blinke``, a city with its
            country ``CTY:DE:Hamburg``, a capital ``CAP:KZ:Astana`` …
        aliases: Every distinct way it was written.
        languages: Languages of the articles that mention it.
        article_ids: Articles that mention it, in article order.
        mentions: Each mention with its sentence.
    """

    id: str
    label: str
    name: str
    key: str
    aliases: tuple[str, ...]
    languages: tuple[str, ...]
    article_ids: tuple[str, ...]
    mentions: tuple[EntityMention, ...]


# -- extract: what one article holds, and cross-outlet links (rashomon.extract) -


@dataclass(frozen=True)
class Extraction:
    """What the extract stage found in one article (offsets into its ``text``)."""

    article_id: str
    mentions: tuple[Mention, ...] = ()
    quotes: tuple[Quote, ...] = ()
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True)
class LinkEntities:
    """What cross-outlet links read of the canonical entities (:mod:`rashomon.extract.links`).

    Attributes:
        speakers: ``(article id, quote start)`` → id of the entity the quote's speaker names.
        names: Entity id → display name, for (at least) the entities in ``speakers``.
        named: Article id → ``(mention start, entity id)`` of the mentions that name something
            (not "American" or "Kazakhs", which describe), for (at least) the articles whose
            figures are compared.
    """

    speakers: dict[tuple[str, int], str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    named: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class CrossItem:
    """One article's side of a cross-outlet link: a quote or a figure, with its evidence.

    Attributes:
        article_id, outlet, language: Where it is.
        start, end: Offsets of ``text`` in the article's text.
        text: The quoted words, or the figure as written.
        sentence: Its sentence.
        speaker: For a quote: who the article says said it (the entity's display name
            when the speaker was linked to one, else as written).
        speaker_entity_id: The speaker's canonical entity, when linked.
        value, low, high, unit, counts: For a figure: its normalised reading.
    """

    article_id: str
    outlet: str | None
    language: str | None
    start: int
    end: int
    text: str
    sentence: str
    speaker: str | None = None
    speaker_entity_id: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    counts: str | None = None


@dataclass(frozen=True)
class CrossLink:
    """The same quote, or figures for the same quantity, in several places of one storyline.

    Attributes:
        id: ``ql-``/``fl-`` + a hash of the items' places.
        kind: ``quote`` or ``figure``.
        storyline_id: The storyline it was found in.
        event_ids: The events of its items' articles.
        items: Each place, with its sentence.
        similarity: For quotes, the mean cosine of the quoted words' cross-lingual
            embeddings; for figures, 1.0.
        flag: ``different speakers`` (near-identical words attributed to different
            people), ``figures differ`` (the outlets give different values for the
            same quantity), or None.
        confidence: How sure the link is, 0..1 (quotes: from the similarity; figures:
            the least confident reading).
    """

    id: str
    kind: str
    storyline_id: str
    event_ids: tuple[str, ...]
    items: tuple[CrossItem, ...]
    similarity: float
    flag: str | None
    confidence: float


# -- compare: claims, disagreements, voices, brief (rashomon.compare) -----------


@dataclass(frozen=True)
class Evidence:
    """One place in one article that a finding rests on.

    Attributes:
        article_id: The article.
        source: The outlet it came from (see :class:`Source`).
        language: The article's language.
        start, end: Character offsets of ``text`` in the article's ``text``.
        text: The sentence (or the words) cited, as written.
    """

    article_id: str
    source: str
    language: str | None
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Source:
    """One outlet covering an event: the unit the comparison compares.

    Attributes:
        id: The outlet's name, else the site's domain, else ``article <id>`` when the article
            says nothing about where it came from.
        name: A name to show (the id, or the article's title when the outlet is unknown).
        article_ids: Its articles in the event.
        languages: Their languages.
    """

    id: str
    name: str
    article_ids: tuple[str, ...]
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    """A statement, as one or more sentences in different outlets that state the same thing.

    Attributes:
        id: ``cl-`` + a hash of its sentences' places.
        sentences: Each outlet's sentence (the evidence), the most central one first.
        sources: The outlets that carry it (the claim's column of the coverage matrix).
        confidence: How sure the alignment is: the mean pair score of its sentences
            (cross-lingual embedding cosine plus shared entities and figures); 1.0 for a
            claim only one outlet makes.
        entity_ids: Canonical entities its sentences name.
    """

    id: str
    sentences: tuple[Evidence, ...]
    sources: tuple[str, ...]
    confidence: float
    entity_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Disagreement:
    """Outlets (or one article) telling the same thing differently.

    Attributes:
        id: ``di-`` + a hash of its places.
        kind: ``figures`` (different numbers for the same quantity), ``speakers`` (near-identical
            words attributed to different people), ``negation`` (aligned sentences, one negated)
            or ``numbers`` (aligned sentences giving different numbers).
        summary: One line saying what differs.
        items: The sentences side by side.
        values: What each item says: the figure as written, the speaker, or the negation cue
            (one per item, "" where there is nothing to show).
        confidence: How sure the finding is, 0..1.
        ref: The cross-outlet link (``ql-``/``fl-``) or claim (``cl-``) it rests on.
    """

    id: str
    kind: str
    summary: str
    items: tuple[Evidence, ...]
    values: tuple[str, ...]
    confidence: float
    ref: str


@dataclass(frozen=True)
class Voice:
    """A person (or body) as one outlet presents them: quoted, paraphrased or only talked about.

    Attributes:
        source: The outlet.
        name: Display name (the canonical entity's, else as the text names them).
        entity_id: The canonical entity, when linked.
        quoted: Direct and partial quotations the outlet attributes to them.
        paraphrased: Marked indirect speech ("laut X", "according to X").
        words: Words of theirs the outlet carries, in quotations and reported speech.
        mentions: Times the outlet names them.
        evidence: Their quotations' sentences (or, when only talked about, sentences naming them).
    """

    source: str
    name: str
    entity_id: str | None
    quoted: int
    paraphrased: int
    words: int
    mentions: int
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Tone:
    """How one outlet's sentences about a main entity are worded: a WEAK, word-list signal.

    Attributes:
        source: The outlet.
        entity_id, name: The entity.
        score: (positive − negative) / (positive + negative + 2), in (−1, 1); None when the
            outlet's language has no word lists.
        positive, negative: The evaluative words counted (a negated word on the other side).
        sentences: How many of the outlet's sentences name the entity.
        evidence: The sentences with the most evaluative words.
    """

    source: str
    entity_id: str
    name: str
    score: float | None
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    sentences: int
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class BriefLine:
    """One statement of an event's story brief, with the sentences it rests on.

    Attributes:
        section: ``happened`` (what most outlets report) or ``differs`` (how they differ).
        kind: ``consensus``, ``unique``, ``omits``, ``disagreement``, ``naming``, ``voices``
            or ``framing``.
        text: The statement: an original sentence (extractive), or a short line that names
            what differs and quotes the words.
        language: The language ``text`` is in.
        source: The outlet it is about, when it is about one.
        evidence: The sentences it rests on.
        confidence: How sure it is, 0..1.
    """

    section: str
    kind: str
    text: str
    language: str | None
    source: str | None
    evidence: tuple[Evidence, ...]
    confidence: float


@dataclass(frozen=True)
class Comparison:
    """How the outlets covering one event tell it (see :mod:`rashomon.compare`).

    Attributes:
        event_id: The event compared.
        sources: The outlets, in order of first article.
        claims: Every claim, those most outlets carry first. The coverage matrix is
            sources × claims: ``source in claim.sources``.
        consensus: Ids of the claims most outlets carry.
        unique: ``(source, claim ids)``: the salient claims only that outlet makes.
        omissions: ``(source, claim ids)``: claims most other outlets carry that it leaves out.
        disagreements: Figures, speakers and statements that differ.
        voices: Who each outlet quotes or paraphrases, and who it only talks about.
        brief: The story brief: what happened, then how the outlets differ.
        naming: The words each outlet uses for the same referent (contested terms from the
            naming lexicon, :mod:`rashomon.compare.naming`).
        distinctive: Words each outlet uses markedly more than the other outlets writing in
            the same language (log-odds ratio with an informative Dirichlet prior).
        tone: Each outlet's tone toward the main entities: a weak signal from word lists
            (:mod:`rashomon.compare.tone`).
    """

    event_id: str
    sources: tuple[Source, ...]
    claims: tuple[Claim, ...]
    consensus: tuple[str, ...]
    unique: tuple[tuple[str, tuple[str, ...]], ...]
    omissions: tuple[tuple[str, tuple[str, ...]], ...]
    disagreements: tuple[Disagreement, ...]
    voices: tuple[Voice, ...]
    brief: tuple[BriefLine, ...] = ()
    naming: tuple[NamingChoice, ...] = ()
    distinctive: tuple[DistinctiveTerm, ...] = ()
    tone: tuple[Tone, ...] = ()

    def coverage(self) -> list[tuple[str, list[bool]]]:
        """The coverage matrix: for each claim id, whether each source (in order) carries it."""
        return [(claim.id, [source.id in claim.sources for source in self.sources]) for claim in self.claims]


# -- compare: naming (rashomon.compare.naming) ----------------------------------


@dataclass(frozen=True)
class TermUse:
    """One use of a contested term from the naming lexicon (see :mod:`rashomon.compare.naming`).

    Attributes:
        referent: The lexicon's id of what is named (``war-in-ukraine``, ``crimea-2014`` …).
        term: The lexicon's id of the naming choice (``special-military-operation``, ``invasion``).
        stance: What the choice signals, from the lexicon's controlled vocabulary (``neutral``,
            ``accusatory``, ``euphemism``, ``delegitimising`` … see ``docs/naming.md``).
        echoes: Whose official or campaign language the term is (``russian-government``), or None.
        language: The language whose forms matched.
        surface: The words as written ("Sondermilitäroperation", "СВО", "Invasion").
        start: Character offset of ``surface`` in the text searched.
        end: Offset just past it (``text[start:end] == surface``).
        sentence: The sentence it is in: the evidence.
        sentence_start: Character offset of ``sentence`` in the text.
        scare_quoted: The writer distances themselves from the term: "so-called", "sogenannte",
            "так называемая" before it, or quotation marks around it alone.
        article_id: The article it is in, when the search was over articles (else None).
    """

    referent: str
    term: str
    stance: str
    echoes: str | None
    language: str
    surface: str
    start: int
    end: int
    sentence: str
    sentence_start: int
    scare_quoted: bool = False
    article_id: str | None = None


@dataclass(frozen=True)
class TermCount:
    """How often one outlet uses one term for a referent, with the first uses as evidence.

    Attributes:
        term, label, stance, echoes: The lexicon's term: its id, its English gloss ("special
            military operation"), the stance it signals and whose language it echoes.
        count: Uses in the outlet's articles.
        scare_quoted: How many of them are scare-quoted (the outlet quotes the term, not uses it).
        surfaces: Each way it was written, most frequent first.
        article_ids: The outlet's articles that use it, in input order.
        evidence: Up to three uses (each with its sentence and offsets), in input order.
    """

    term: str
    label: str
    stance: str
    echoes: str | None
    count: int
    scare_quoted: int
    surfaces: tuple[str, ...]
    article_ids: tuple[str, ...]
    evidence: tuple[TermUse, ...]


@dataclass(frozen=True)
class OutletNaming:
    """The terms one outlet uses for one referent.

    Attributes:
        outlet: The outlet's name; an article without outlet or domain stands for itself (its id).
        languages: The languages of the outlet's articles that name the referent.
        articles: How many of the outlet's articles were compared (naming it or not).
        article_ids: Those that name the referent.
        terms: Each term it uses, most used first.
    """

    outlet: str
    languages: tuple[str, ...]
    articles: int
    article_ids: tuple[str, ...]
    terms: tuple[TermCount, ...]


@dataclass(frozen=True)
class NamingChoice:
    """The words each outlet uses for the same referent: a finding of the compare stage.

    Attributes:
        referent: The lexicon's id of what is named.
        description: What the referent is, from the lexicon.
        outlets: Each outlet that names it (outlets that never do are left out), by name.
        differs: At least two outlets name it and not all of them use the same stances (terms an
            outlet only ever scare-quotes left out).
    """

    referent: str
    description: str
    outlets: tuple[OutletNaming, ...]
    differs: bool


@dataclass(frozen=True)
class TermEvidence:
    """One place a distinctive word is used: its offsets and its sentence.

    Attributes:
        article_id: The document it is in.
        start, end: Offsets of the word in the document's text.
        sentence: The sentence holding it.
        sentence_start: Offset of ``sentence`` in the text.
    """

    article_id: str
    start: int
    end: int
    sentence: str
    sentence_start: int


@dataclass(frozen=True)
class DistinctiveTerm:
    """A word one outlet uses markedly more than the others writing in the same language.

    Measured by the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn
    2008, "Fightin' Words"): the outlet against all other outlets pooled.

    Attributes:
        outlet: The outlet.
        language: The language compared in.
        word: The word as the outlet most often writes it (counted case-insensitively).
        z: The z-score of the log-odds difference (above 1.96: unlikely to be chance at 5 %).
        log_odds: The log-odds difference itself (the effect size).
        count: Uses in the outlet's documents.
        other_count: Uses in the other outlets' documents.
        documents: How many of the outlet's documents use it.
        evidence: One or two uses, from different documents where possible.
    """

    outlet: str
    language: str
    word: str
    z: float
    log_odds: float
    count: int
    other_count: int
    documents: int
    evidence: tuple[TermEvidence, ...]


# -- compare: framing (rashomon.compare.framing) ---------------------------------


@dataclass(frozen=True)
class FrameLabel:
    """One framing label of an article, with the paragraph that most supports it.

    Attributes:
        name: The label: a genre (``reporting``, ``opinion``, ``satire``) or one of the 14
            SemEval-2023 Task 3 frames (``Economic``, ``Security_and_defense`` …).
        confidence: The model's probability for it, 0..1.
        start, end: Character offsets of the evidence in the article's ``text``.
        evidence: The paragraph itself: for a genre or frame, the one whose words add
            most to the label's score.
    """

    name: str
    confidence: float
    start: int
    end: int
    evidence: str


@dataclass(frozen=True)
class TechniqueLabel:
    """A persuasion technique the model found in one paragraph.

    Attributes:
        name: One of the 23 SemEval-2023 Task 3 techniques (``Loaded_Language``, ``Doubt`` …).
        confidence: The model's probability for it, 0..1.
        start, end: Character offsets of the paragraph in the article's ``text``.
        evidence: The paragraph.
        paragraph: Its 1-based line number in the text (the task's paragraph id).
    """

    name: str
    confidence: float
    start: int
    end: int
    evidence: str
    paragraph: int


@dataclass(frozen=True)
class Framing:
    """How one article frames its story: genre, frames and persuasion techniques.

    Attributes:
        article_id: The article.
        genre: ``reporting``, ``opinion`` or ``satire``; None for a text without paragraphs.
        genre_confidence: Its probability.
        frames: The frames the model asserts, most confident first, each with evidence.
        techniques: Techniques per paragraph, in paragraph order; only those the model is
            confident of (see ``docs/framing-model.md`` for which it never asserts).
        model: The model's name and version.
        genre_evidence: The genre as a label with its evidence paragraph.
    """

    article_id: str
    genre: str | None
    genre_confidence: float
    frames: tuple[FrameLabel, ...]
    techniques: tuple[TechniqueLabel, ...]
    model: str
    genre_evidence: FrameLabel | None = None


def article_order(article: Article) -> tuple[str, str]:
    """The corpus order every stage uses: by published date (unknown last), then id. Not the
    order articles arrived in, so a corpus gives the same results however it was fed."""
    return (article.published or "9999", article.id)


@dataclass(frozen=True)
class OutletProfile:
    """What the user says about an outlet (stored in the workspace, never computed).

    Attributes:
        outlet: The outlet as articles name it (:attr:`Article.teller`: the outlet, else the site).
        country: Its country (an ISO 3166 code or a name), if given.
        language: Its main language (ISO 639), if given.
        ownership: Ownership or affiliation, free text (``state broadcaster``, ``cooperative``).
        tags: Free tags; each tag is an outlet group (``state-affiliated``, ``RU``, ``wire``).
    """

    outlet: str
    country: str | None = None
    language: str | None = None
    ownership: str | None = None
    tags: tuple[str, ...] = ()


WatchKind = Literal["search", "entity", "event"]


@dataclass(frozen=True)
class Watch:
    """Something the user follows (:mod:`rashomon.alerts`).

    Attributes:
        id: ``wa-`` + a hash of ``kind`` and ``target``.
        kind: ``search`` (a saved query), ``entity`` or ``event``.
        target: The query, the ``en-`` id or the ``ev-`` id.
        label: What to call it (the query, the entity's name, the event's label).
        created_at: When it was saved (ISO, UTC).
    """

    id: str
    kind: WatchKind
    target: str
    label: str
    created_at: str


@dataclass(frozen=True)
class Alert:
    """One thing an ingest found for a watch, recorded once.

    Attributes:
        id: ``al-`` + a hash of the watch and what it is about (the same finding is not recorded twice).
        watch_id: The watch it answers.
        kind: ``match`` (a new article matches), ``figures`` or ``speakers`` (a disagreement in
            a watched story), ``group-joined`` (an outlet group's first article in it),
            ``blindspot`` (one group covers it and another barely does).
        summary: One line.
        event_id, article_id: What it is about, where it applies.
        data: Its evidence, JSON-ready.
        created_at: When it was recorded (ISO, UTC).
        seq: Its place in the order alerts were recorded.
    """

    id: str
    watch_id: str
    kind: str
    summary: str
    event_id: str | None = None
    article_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    created_at: str = ""
    seq: int = 0
