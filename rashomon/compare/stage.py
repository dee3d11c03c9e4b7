"""The compare stage as plain functions over records.

:func:`compare_event` compares the outlets covering one event: claims and their coverage
(:mod:`.claims`), disagreements (:mod:`.disagreements`), voices (:mod:`.voices`) and the
story brief (:mod:`.brief`). :func:`compare_events` runs it on every event that at least
two outlets cover; :func:`rashomon.pipeline.with_comparisons` adds the results to an
:class:`~rashomon.records.Analysis`. Pure over its inputs, so it batches and distributes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..embed import Embedder
from ..records import Article, Comparison, CrossLink, Entity, Event, Extraction
from .brief import story_brief
from .claims import coverage_findings, event_claims, event_sources
from .disagreements import find_disagreements
from .voices import event_voices


def compare_event(
    event: Event,
    articles: Mapping[str, Article],
    extractions: Mapping[str, Extraction],
    entities: Sequence[Entity],
    crosslinks: Sequence[CrossLink],
    embedder: Embedder,
    reader_language: str = "en",
) -> Comparison:
    """How the outlets covering ``event`` tell it.

    Args:
        event: The event.
        articles: Article id → article (at least the event's).
        extractions: Article id → what the extract stage found.
        entities: Canonical entities (their mentions in the event's articles are used).
        crosslinks: Cross-outlet links (flagged ones become disagreements).
        embedder: The cross-lingual sentence embedder.
        reader_language: The user's language, for the brief.
    """
    members = [articles[i] for i in event.article_ids if i in articles]
    sources = event_sources(members)
    sentences, claims, best = event_claims(members, extractions, entities, embedder)
    consensus, unique, omissions = coverage_findings(claims, sentences, best, sources)
    disagreements = find_disagreements(members, claims, extractions, crosslinks)
    voices = event_voices(members, extractions, entities)
    brief = story_brief(sources, claims, consensus, unique, omissions, disagreements, voices, reader_language)
    return Comparison(
        event_id=event.id,
        sources=sources,
        claims=tuple(claims),
        consensus=consensus,
        unique=unique,
        omissions=omissions,
        disagreements=disagreements,
        voices=voices,
        brief=brief,
    )


def compare_events(
    events: Sequence[Event],
    articles: Sequence[Article],
    extractions: Sequence[Extraction],
    entities: Sequence[Entity],
    crosslinks: Sequence[CrossLink],
    embedder: Embedder,
    reader_language: str = "en",
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Comparison, ...]:
    """:func:`compare_event` for every event covered by at least two outlets, in event order."""
    by_id = {article.id: article for article in articles}
    found = {extraction.article_id: extraction for extraction in extractions}
    chosen = [e for e in events if len(event_sources([by_id[i] for i in e.article_ids if i in by_id])) >= 2]
    out = []
    for done, event in enumerate(chosen, start=1):
        out.append(compare_event(event, by_id, found, entities, crosslinks, embedder, reader_language))
        if progress is not None:
            progress(done, len(chosen))
    return tuple(out)
