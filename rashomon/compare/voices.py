"""Voices: whom each outlet lets speak, how much, and whom it only talks about.

For each outlet of an event, every attributed quotation (direct and partial) and every
piece of marked reported speech ("laut X", "according to X") counts for its speaker,
resolved to a canonical entity when the speaker's name is linked to one
(:func:`rashomon.extract.links.speaker_entities`). Words counts the words of theirs the
outlet carries. People (PER entities) the outlet names but never quotes or paraphrases are
listed as "only talked about", with the sentences that name them.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

from ..extract.links import speaker_entities
from ..records import Article, Entity, Evidence, Extraction, Voice
from ..text import sentence_spans

MAX_EVIDENCE = 5
"""Sentences kept as evidence per voice."""

_WORD = re.compile(r"\w+", re.UNICODE)


def _sentence(spans: Sequence[tuple[int, int]], position: int) -> tuple[int, int]:
    index = bisect.bisect_right(spans, (position, float("inf"))) - 1
    if index >= 0 and spans[index][0] <= position < spans[index][1]:
        return spans[index]
    return position, position


def _surname_key(name: str) -> str:
    words = _WORD.findall(name)
    return words[-1].casefold()[:5] if words else ""


def _people_by_surname(entities: Sequence[Entity], ids: set[str]) -> dict[tuple[str, str], set[str]]:
    """``(article id, surname key) -> person entity ids`` named in that article."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entity in entities:
        if entity.label != "PER":
            continue
        for mention in entity.mentions:
            if mention.article_id in ids:
                out[(mention.article_id, _surname_key(mention.surface))].add(entity.id)
    return out


def _by_surname(people: Mapping[tuple[str, str], set[str]], article_id: str, speaker: str) -> str | None:
    """The one person the article names with the speaker's last word ("Staatssekretär Lu" → Donald Lu)."""
    key = _surname_key(speaker)
    found = people.get((article_id, key), set()) if len(key) >= 2 and speaker[:1].isupper() else set()
    return next(iter(found)) if len(found) == 1 else None


def event_voices(
    articles: Sequence[Article], extractions: Mapping[str, Extraction], entities: Sequence[Entity]
) -> tuple[Voice, ...]:
    """Voices per outlet (quoted or paraphrased first, most words first), then those only talked about."""
    ids = {article.id for article in articles}
    by_id = {article.id: article for article in articles}
    mine = [extractions[a.id] for a in articles if a.id in extractions]
    speaker_of = speaker_entities(mine, entities)
    entity_by_id = {entity.id: entity for entity in entities}
    voices: dict[tuple[str, str], dict] = {}
    people = _people_by_surname(entities, ids)
    for extraction in mine:
        article = by_id[extraction.article_id]
        source = article.teller
        for quote in extraction.quotes:
            if quote.kind == "scare" or quote.speaker is None or quote.part_of is not None:
                continue
            entity_id = speaker_of.get((article.id, quote.start)) or _by_surname(people, article.id, quote.speaker.name)
            name = entity_by_id[entity_id].name if entity_id else quote.speaker.name
            key = (source, entity_id or f"name:{name.casefold()}")
            entry = voices.setdefault(
                key, {"name": name, "entity": entity_id, "quoted": 0, "para": 0, "words": 0, "evidence": []}
            )
            entry["para" if quote.kind == "indirect" else "quoted"] += 1
            entry["words"] += len(_WORD.findall(quote.text))
            start = quote.sentence_start
            entry["evidence"].append(
                Evidence(article.id, source, article.language, start, start + len(quote.sentence), quote.sentence)
            )
    # Continued parts of a broken quote count for the words, not as another quotation.
    for extraction in mine:
        article = by_id[extraction.article_id]
        firsts = {q.start: q for q in extraction.quotes}
        for quote in extraction.quotes:
            if quote.part_of is None or quote.part_of not in firsts:
                continue
            head = firsts[quote.part_of]
            if head.speaker is None or head.kind == "scare":
                continue
            entity_id = speaker_of.get((article.id, head.start)) or _by_surname(people, article.id, head.speaker.name)
            name = entity_by_id[entity_id].name if entity_id else head.speaker.name
            key = (article.teller, entity_id or f"name:{name.casefold()}")
            if key in voices:
                voices[key]["words"] += len(_WORD.findall(quote.text))
    mentions: dict[tuple[str, str], list[Evidence]] = defaultdict(list)
    spans = {article.id: sentence_spans(article.text, article.language) for article in articles}
    for entity in entities:
        if entity.label != "PER":
            continue
        for mention in entity.mentions:
            if mention.article_id not in ids:
                continue
            article = by_id[mention.article_id]
            start, end = _sentence(spans[article.id], mention.start)
            mentions[(article.teller, entity.id)].append(
                Evidence(article.id, article.teller, article.language, start, end, article.text[start:end])
            )
    out = []
    for (source, _key), entry in voices.items():
        named = mentions.get((source, entry["entity"]), []) if entry["entity"] else []
        out.append(
            Voice(
                source=source,
                name=entry["name"],
                entity_id=entry["entity"],
                quoted=entry["quoted"],
                paraphrased=entry["para"],
                words=entry["words"],
                mentions=len(named),
                evidence=tuple(dict.fromkeys(entry["evidence"]))[:MAX_EVIDENCE],
            )
        )
    heard = {(v.source, v.entity_id) for v in out if v.entity_id}
    for (source, entity_id), evidence in mentions.items():
        if (source, entity_id) in heard:
            continue
        unique = tuple(dict.fromkeys(evidence))
        out.append(
            Voice(source, entity_by_id[entity_id].name, entity_id, 0, 0, 0, len(evidence), unique[:MAX_EVIDENCE])
        )
    order = {a.teller: k for k, a in reversed(list(enumerate(articles)))}
    out.sort(key=lambda v: (order.get(v.source, 0), v.quoted + v.paraphrased == 0, -v.words, -v.mentions, v.name))
    return tuple(out)
