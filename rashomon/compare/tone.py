"""Tone toward the main entities, per outlet: a WEAK signal, from word lists.

For each of an event's main entities (named by the most outlets), each outlet's sentences that
name it are scored with evaluative word lists (``rashomon/data/tone.json``: positive and negative
words in de, en, ru, fr, es, it, pl; a negation word up to three words before flips a word). An
outlet's tone toward the entity is ``(positive − negative) / (positive + negative + 2)``, in
(−1, 1); the ``+ 2`` keeps a single word from reading as a strong opinion.

This is how the sentences around a name are worded, not what the outlet thinks of it: a report
of an attack on a person is "negative" about the person. Word lists miss irony, quotation and
context; read the evidence (each score keeps the sentences and the words it counted). How weak
it is, measured: BENCHMARKS.md, "Tone".
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from importlib import resources

from ..records import Article, Entity, Evidence, Tone
from ..text import sentence_spans

MAIN_ENTITIES = 5
"""Entities whose tone is scored per event: those named by the most outlets."""

NEGATION_WINDOW = 3
"""Words before an evaluative word in which a negation word flips it."""

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)


@functools.lru_cache(maxsize=1)
def _lists() -> dict[str, dict[str, tuple[frozenset[str], re.Pattern[str] | None]]]:
    """``polarity -> language -> (whole words, a pattern of the prefixes)``, plus ``negators``."""
    data = json.loads(resources.files("rashomon").joinpath("data/tone.json").read_text(encoding="utf-8"))
    out: dict[str, dict[str, tuple[frozenset[str], re.Pattern[str] | None]]] = {}
    for polarity in ("positive", "negative", "negators"):
        out[polarity] = {}
        for language, words in data[polarity].items():
            whole = frozenset(w.casefold() for w in words if not w.endswith("*"))
            prefixes = sorted({w[:-1].casefold() for w in words if w.endswith("*")}, key=len, reverse=True)
            pattern = re.compile("|".join(map(re.escape, prefixes))) if prefixes else None
            out[polarity][language] = (whole, pattern)
    return out


def tone_languages() -> tuple[str, ...]:
    """Languages the word lists cover."""
    return tuple(sorted(_lists()["positive"]))


def _hit(word: str, entry: tuple[frozenset[str], re.Pattern[str] | None]) -> bool:
    whole, prefixes = entry
    return word in whole or (prefixes is not None and prefixes.match(word) is not None)


def sentence_tone(text: str, language: str | None) -> tuple[list[str], list[str]]:
    """The positive and the negative words of ``text`` (negated ones counted on the other side).

    Empty lists for languages the word lists do not cover.
    """
    lists = _lists()
    if language not in lists["positive"]:
        return [], []
    positive, negative = lists["positive"][language], lists["negative"][language]
    negators = lists["negators"][language][0]
    words = [m.group(0) for m in _WORD.finditer(text)]
    folded = [w.casefold() for w in words]
    pos: list[str] = []
    neg: list[str] = []
    for i, word in enumerate(folded):
        sign = 1 if _hit(word, positive) else -1 if _hit(word, negative) else 0
        if not sign:
            continue
        if any(w in negators for w in folded[max(0, i - NEGATION_WINDOW) : i]):
            sign = -sign
        (pos if sign > 0 else neg).append(words[i])
    return pos, neg


def score(positive: int, negative: int) -> float:
    """Tone in (−1, 1) from counts of positive and negative words."""
    return (positive - negative) / (positive + negative + 2)


def event_tone(articles: Sequence[Article], entities: Sequence[Entity]) -> tuple[Tone, ...]:
    """Each outlet's tone toward the event's main entities (weak signal; see the module docstring)."""
    ids = {article.id for article in articles}
    by_id = {article.id: article for article in articles}
    reach: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    for entity in entities:
        outlets = {by_id[m.article_id].teller for m in entity.mentions if m.article_id in ids}
        if len(outlets) >= 2:
            reach[entity.id] = len(outlets)
            mentions[entity.id] = sum(m.article_id in ids for m in entity.mentions)
    main = sorted(reach, key=lambda e: (-reach[e], -mentions[e], e))[:MAIN_ENTITIES]
    entity_by_id = {entity.id: entity for entity in entities}
    spans = {article.id: sentence_spans(article.text, article.language) for article in articles}
    out = []
    for entity_id in main:
        entity = entity_by_id[entity_id]
        sentences: dict[str, dict[tuple[str, int, int], None]] = defaultdict(dict)
        for mention in entity.mentions:
            if mention.article_id not in ids:
                continue
            article = by_id[mention.article_id]
            for start, end in spans[article.id]:
                if start <= mention.start < end:
                    sentences[article.teller][(article.id, start, end)] = None
                    break
        for source in sorted(sentences):
            positive, negative = [], []
            scored = []
            for article_id, start, end in sentences[source]:
                article = by_id[article_id]
                pos, neg = sentence_tone(article.text[start:end], article.language)
                positive += pos
                negative += neg
                evidence = Evidence(article_id, source, article.language, start, end, article.text[start:end])
                scored.append((len(pos) + len(neg), evidence))
            scored.sort(key=lambda pair: -pair[0])
            covered = any(by_id[a].language in _lists()["positive"] for a, _s, _e in sentences[source])
            out.append(
                Tone(
                    source=source,
                    entity_id=entity_id,
                    name=entity.name,
                    score=round(score(len(positive), len(negative)), 4) if covered else None,
                    positive=tuple(positive),
                    negative=tuple(negative),
                    sentences=len(scored),
                    evidence=tuple(e for n, e in scored[:3] if n),
                )
            )
    return tuple(out)
