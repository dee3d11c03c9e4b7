"""The extract stage as plain functions over records: per article, then across the corpus.

* :func:`extract_article` runs the three extractors on one article's text:
  named entities (:mod:`.entities`), quotes (:mod:`.quotes`) and figures
  (:mod:`.figures`). Pure and picklable, so it batches and distributes.
* :func:`extract_corpus` links the mentions of every article into canonical
  entities (:mod:`.canonical`) and finds the cross-outlet links inside each
  storyline (:mod:`.links`): the same quote in several outlets, and the figures
  each outlet gives for the same quantity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ..embed import Embedder
from ..profiling import stage
from ..records import Article, CrossLink, Entity, Event, Extraction, LinkEntities, Storyline, article_order
from .canonical import link_entities, organisation_mentions
from .figures import extract_figures
from .links import cross_outlet_links
from .places import adjective_mentions
from .quotes import extract_quotes


def extract_article(article: Article, recognizer: object | None = None) -> Extraction:
    """Entities, quotes and figures of one article (offsets into ``article.text``).

    Args:
        article: A cleaned article (its ``language`` picks the backends).
        recognizer: An :class:`~rashomon.extract.entities.EntityRecognizer`; the
            default offline one for the language if None.
    """
    from .entities import EntityRecognizer, recognize_entities

    text, language = article.text, article.language
    with stage("entities"):
        if isinstance(recognizer, EntityRecognizer):
            mentions = recognizer.recognize(text, language)
        else:
            mentions = recognize_entities(text, language)
        mentions = [*mentions, *organisation_mentions(text, mentions)]
        mentions = sorted([*mentions, *adjective_mentions(text, language, mentions)], key=lambda m: (m.start, m.end))
    with stage("quotes"):
        quotes = tuple(extract_quotes(text, language))
    with stage("figures"):
        figures = tuple(extract_figures(text, language))
    return Extraction(article_id=article.id, mentions=tuple(mentions), quotes=quotes, figures=figures)


def extract_articles(
    articles: Iterable[Article],
    recognizer: object | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Extraction]:
    """:func:`extract_article` for each article, in order."""
    out = []
    for done, article in enumerate(articles, start=1):
        out.append(extract_article(article, recognizer))
        if progress is not None:
            progress(done)
    return out


def link_corpus_entities(
    articles: Sequence[Article], extractions: Sequence[Extraction], reader_language: str = "en"
) -> tuple[Entity, ...]:
    """Canonical entities over all articles (in corpus order, however they arrived).

    ``extractions`` holds what the extract stage found in each article (matched by id; an
    article without one counts as having found nothing).
    """
    articles = sorted(articles, key=article_order)
    by_article = {extraction.article_id: extraction for extraction in extractions}
    mentions = [by_article.get(article.id, Extraction(article.id)).mentions for article in articles]
    return link_entities(articles, mentions, reader_language)


def cross_links(
    articles: Sequence[Article],
    extractions: Sequence[Extraction],
    entities: Sequence[Entity] | LinkEntities,
    storylines: Sequence[Storyline],
    events: Sequence[Event],
    embedder: Embedder,
) -> tuple[CrossLink, ...]:
    """Cross-outlet links inside each of ``storylines`` (``articles`` and ``extractions``: theirs;
    ``entities``: the canonical entities, or what the links read of them)."""
    articles = sorted(articles, key=article_order)
    by_article = {extraction.article_id: extraction for extraction in extractions}
    ordered = [by_article.get(article.id, Extraction(article.id)) for article in articles]
    event_of = {article_id: event.id for event in events for article_id in event.article_ids}
    return cross_outlet_links(articles, ordered, entities, storylines, event_of, embedder)


def extract_corpus(
    articles: Sequence[Article],
    extractions: Sequence[Extraction],
    events: Sequence[Event],
    storylines: Sequence[Storyline],
    embedder: Embedder,
    reader_language: str = "en",
) -> tuple[tuple[Entity, ...], tuple[CrossLink, ...]]:
    """Canonical entities over all articles, and cross-outlet links inside each storyline.

    ``extractions`` must hold one :class:`~rashomon.records.Extraction` per article
    (matched by id; articles without one count as having found nothing).
    """
    entities = link_corpus_entities(articles, extractions, reader_language)
    return entities, cross_links(articles, extractions, entities, storylines, events, embedder)
