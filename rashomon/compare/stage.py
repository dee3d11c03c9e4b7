"""The compare stage as plain functions over records.

:func:`compare_event` compares the outlets covering one event: claims and their coverage
(:mod:`.claims`), disagreements (:mod:`.disagreements`), voices (:mod:`.voices`), naming
choices and outlet-distinctive words (:mod:`.naming`), tone toward the main entities (a weak
signal, :mod:`.tone`) and the story brief (:mod:`.brief`). :func:`compare_events` runs it on every event that at least
two outlets cover; :func:`rashomon.pipeline.with_comparisons` adds the results to an
:class:`~rashomon.records.Analysis`. Pure over its inputs, so it batches and distributes.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence

from ..embed import Embedder
from ..records import (
    Article,
    BriefLine,
    Comparison,
    CrossLink,
    DistinctiveTerm,
    Entity,
    Event,
    Evidence,
    Extraction,
    FrameLabel,
    Framing,
    NamingChoice,
    Source,
    TermUse,
    article_order,
)
from .brief import story_brief
from .claims import coverage_findings, event_claims, event_sources
from .disagreements import find_disagreements
from .naming import Lexicon, distinctive_terms, load_lexicon, naming_choices
from .tone import event_tone
from .voices import event_voices

DISTINCTIVE_TOP = 8
"""Distinctive words kept per outlet and language."""


def compare_event(
    event: Event,
    articles: Mapping[str, Article],
    extractions: Mapping[str, Extraction],
    entities: Sequence[Entity],
    crosslinks: Sequence[CrossLink],
    embedder: Embedder,
    reader_language: str = "en",
    lexicon: Lexicon | None = None,
    framings: Mapping[str, Framing] | None = None,
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
        lexicon: The naming lexicon (:func:`~rashomon.compare.naming.load_lexicon`); the packaged one if None.
        framings: Article id → its framing labels (:mod:`.framing`), summed up per outlet in the brief.
    """
    members = [articles[i] for i in event.article_ids if i in articles]
    sources = event_sources(members)
    sentences, claims, best = event_claims(members, extractions, entities, embedder)
    consensus, unique, omissions = coverage_findings(claims, sentences, best, sources)
    disagreements = find_disagreements(members, claims, extractions, crosslinks)
    voices = event_voices(members, extractions, entities)
    naming = tuple(naming_choices(members, lexicon))
    distinctive = _distinctive(members)
    tone = event_tone(members, entities)
    brief = story_brief(
        sources,
        claims,
        consensus,
        unique,
        omissions,
        disagreements,
        voices,
        reader_language,
        extra=[
            *naming_lines(naming, {s.id: s.name for s in sources}),
            *framing_lines(sources, members, framings or {}),
        ],
    )
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
        naming=naming,
        distinctive=distinctive,
        tone=tone,
    )


def _distinctive(articles: Sequence[Article]) -> tuple[DistinctiveTerm, ...]:
    """Outlet-distinctive words in each language that two or more outlets write in."""
    by_language: dict[str, dict[str, list[Article]]] = defaultdict(lambda: defaultdict(list))
    for article in articles:
        if article.language:
            by_language[article.language][article.teller].append(article)
    out: list[DistinctiveTerm] = []
    for language in sorted(by_language):
        outlets = by_language[language]
        if len(outlets) < 2:
            continue
        found = distinctive_terms(outlets, language, top=DISTINCTIVE_TOP)
        out += [term for outlet in sorted(found) for term in found[outlet]]
    return tuple(out)


def naming_lines(naming: Sequence[NamingChoice], names: Mapping[str, str]) -> list[BriefLine]:
    """One brief line per referent the outlets name differently: each outlet's words, cited."""
    lines = []
    for choice in naming:
        if not choice.differs:
            continue
        parts, evidence = [], []
        for outlet in choice.outlets:
            words = ", ".join(f"“{t.surfaces[0]}” ×{t.count} ({t.stance})" for t in outlet.terms[:3])
            parts.append(f"{names.get(outlet.outlet, outlet.outlet)}: {words}")
            for term in outlet.terms[:3]:
                use = term.evidence[0]
                evidence.append(_use_evidence(use, outlet.outlet))
        text = f"Names for {choice.referent.replace('-', ' ')}: " + "; ".join(parts)
        lines.append(BriefLine("differs", "naming", text, None, None, tuple(evidence), 1.0))
    return lines


def framing_lines(
    sources: Sequence[Source], articles: Sequence[Article], framings: Mapping[str, Framing]
) -> list[BriefLine]:
    """One brief line per outlet: its genre, main frames and most used persuasion techniques."""
    by_id = {article.id: article for article in articles}
    lines = []
    for source in sources:
        mine = [framings[i] for i in source.article_ids if i in framings and framings[i].genre]
        if not mine:
            continue
        genres = Counter(f.genre for f in mine)
        genre, _n = genres.most_common(1)[0]
        genre_confidence = max(f.genre_confidence for f in mine if f.genre == genre)
        frames: dict[str, list[FrameLabel]] = defaultdict(list)
        for framing in mine:
            for label in framing.frames:
                frames[label.name].append(label)
        top = sorted(frames.items(), key=lambda kv: (-len(kv[1]), -max(x.confidence for x in kv[1]), kv[0]))[:3]
        techniques = Counter(t.name for f in mine for t in f.techniques)
        parts = [f"{genre} ({genre_confidence:.2f})"]
        if top:
            parts.append("frames: " + ", ".join(f"{name} {max(x.confidence for x in got):.2f}" for name, got in top))
        if techniques:
            parts.append("techniques: " + ", ".join(f"{name} ×{n}" for name, n in techniques.most_common(3)))
        evidence = []
        for framing in mine:
            article = by_id[framing.article_id]
            labels = [x for x in framing.frames if x.name in dict(top)]
            if framing.genre_evidence is not None:
                labels.insert(0, framing.genre_evidence)
            for label in labels:
                evidence.append(
                    Evidence(article.id, source.id, article.language, label.start, label.end, label.evidence)
                )
        lines.append(
            BriefLine(
                "differs",
                "framing",
                "; ".join(parts),
                None,
                source.id,
                tuple(dict.fromkeys(evidence))[:4],
                round(genre_confidence, 4),
            )
        )
    return lines


def _use_evidence(use: TermUse, outlet: str) -> Evidence:
    start = use.sentence_start
    return Evidence(use.article_id or "", outlet, use.language, start, start + len(use.sentence), use.sentence)


def compare_events(
    events: Sequence[Event],
    articles: Sequence[Article],
    extractions: Sequence[Extraction],
    entities: Sequence[Entity],
    crosslinks: Sequence[CrossLink],
    embedder: Embedder,
    reader_language: str = "en",
    progress: Callable[[int, int], None] | None = None,
    lexicon: Lexicon | None = None,
    framings: Sequence[Framing] = (),
    on_error: Callable[[Event, Exception], None] | None = None,
) -> tuple[Comparison, ...]:
    """:func:`compare_event` for every event covered by at least two outlets, in event order.

    With ``on_error``, an event the comparison fails on is passed to it with the
    exception and left without a comparison (the others go on); without it, the
    exception propagates.
    """
    lexicon = lexicon or load_lexicon()
    framing_of = {framing.article_id: framing for framing in framings}
    by_id = {article.id: article for article in articles}
    found = {extraction.article_id: extraction for extraction in extractions}
    chosen = [e for e in events if len(event_sources([by_id[i] for i in e.article_ids if i in by_id])) >= 2]
    # Each event looks only at the entities and links its articles have (not all of the workspace's).
    named_in: dict[str, list[int]] = defaultdict(list)
    for index, entity in enumerate(entities):
        for article_id in dict.fromkeys(m.article_id for m in entity.mentions):
            named_in[article_id].append(index)
    linked_in: dict[str, list[int]] = defaultdict(list)
    for index, link in enumerate(crosslinks):
        for article_id in dict.fromkeys(item.article_id for item in link.items):
            linked_in[article_id].append(index)
    order = {article.id: article_order(article) for article in articles}
    out = []
    for done, event in enumerate(chosen, start=1):
        mine = [entities[i] for i in sorted({i for a in event.article_ids for i in named_in.get(a, ())})]
        links = [crosslinks[i] for i in sorted({i for a in event.article_ids for i in linked_in.get(a, ())})]
        # Its articles in publication order, not arrival order: the same findings however the corpus arrived.
        event = dataclasses.replace(event, article_ids=tuple(sorted(event.article_ids, key=lambda i: order[i])))
        try:
            out.append(compare_event(event, by_id, found, mine, links, embedder, reader_language, lexicon, framing_of))
        except Exception as error:  # one event's bug must not lose every other comparison
            if on_error is None:
                raise
            on_error(event, error)
        if progress is not None:
            progress(done, len(chosen))
    return tuple(out)
