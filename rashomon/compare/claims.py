"""Claims: sentences that state the same thing in different outlets, and who carries which.

Every article of an event is split into sentences (:func:`rashomon.text.sentence_spans`);
sentences of fewer than :data:`MIN_WORDS` words are left out (datelines, captions, bylines).
Two sentences from different outlets are scored by the cosine of their cross-lingual
embeddings, plus :data:`ENTITY_BONUS` times the share of canonical entities they name in
common (weighted by rarity, so the country every sentence names adds little) and
:data:`FIGURE_BONUS` when they give the same figure. Pairs scoring at least
:data:`ALIGN_THRESHOLD`, or at least :data:`MUTUAL_THRESHOLD` when each sentence is the other's
best match in its article (mutual nearest neighbours), are joined into claims, best pair first. A join is refused when it
would put two sentences of one article in a claim, or when the two parts' mean pair score
falls below :data:`GROUP_THRESHOLD` (so a chain of loosely alike sentences does not become one
claim).

From the claims, per event: the consensus (claims most outlets carry), for each outlet the
salient claims only it makes (sentences that name an entity or give a figure and that nothing
in another outlet comes close to), and what it omits that most others carry.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..embed import Embedder
from ..records import Article, Claim, Entity, Evidence, Extraction, Figure, Source
from ..text import sentence_spans

MIN_WORDS = 5
"""Sentences with fewer words than this are not claims (datelines, captions, bylines)."""

MAX_SENTENCES = 60
"""Sentences per article compared (the top of the article: news puts what matters first)."""

ALIGN_THRESHOLD = 0.5
"""Pair score from which two sentences of different outlets state the same thing (0.62 until the
real-news pairs of ``bench/eval_claims_news.py`` showed gold pairs from 0.5 up; see BENCHMARKS.md)."""

MUTUAL_THRESHOLD = 0.45
"""Pair score from which two sentences state the same thing when each is the other's best match
in the other's article (mutual nearest neighbours, as in bitext mining)."""

GROUP_THRESHOLD = 0.45
"""Mean pair score two parts of a claim need to be joined."""

UNIQUE_CEILING = 0.45
"""A sentence whose best pair score with any other outlet stays below this is the outlet's own."""

ENTITY_BONUS = 0.15
"""Added to the cosine, times the (rarity-weighted) share of entities two sentences name in common."""

FIGURE_BONUS = 0.10
"""Added to the cosine when two sentences give the same figure (same unit and value)."""

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Sentence(Evidence):
    """A sentence of an event's article (its place, as evidence), with what it names and counts."""

    entity_ids: frozenset[str] = frozenset()
    figures: frozenset[tuple[str, float]] = frozenset()

    def evidence(self) -> Evidence:
        return Evidence(self.article_id, self.source, self.language, self.start, self.end, self.text)


def event_sources(articles: Sequence[Article]) -> tuple[Source, ...]:
    """The outlets of an event's articles, in order of first article."""
    grouped: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        grouped[article.teller].append(article)
    out = []
    for key, members in grouped.items():
        name = key
        if not (members[0].outlet or members[0].domain):
            title = members[0].title or ""
            name = title if len(title) <= 60 else title[:59].rstrip() + "…"
            name = name or key
        languages = tuple(dict.fromkeys(a.language or "und" for a in members))
        out.append(Source(key, name, tuple(a.id for a in members), languages))
    return tuple(out)


def _figure_keys(figures: Sequence[Figure], start: int, end: int) -> frozenset[tuple[str, float]]:
    keys = set()
    for figure in figures:
        if start <= figure.start < end and figure.value is not None and figure.unit:
            keys.add((figure.unit, round(figure.value, 6)))
    return frozenset(keys)


def event_sentences(
    articles: Sequence[Article],
    extractions: Mapping[str, Extraction],
    entity_spans: Mapping[str, Sequence[tuple[int, int, str]]],
) -> list[Sentence]:
    """The sentences of an event's articles that can carry a claim, in article order."""
    out = []
    for article in articles:
        source = article.teller
        figures = extractions[article.id].figures if article.id in extractions else ()
        spans = entity_spans.get(article.id, ())
        kept = 0
        for start, end in sentence_spans(article.text, article.language):
            text = article.text[start:end].strip()
            if len(_WORD.findall(text)) < MIN_WORDS:
                continue
            offset = article.text.index(text, start)
            named = frozenset(eid for s, _e, eid in spans if start <= s < end)
            out.append(
                Sentence(
                    article.id,
                    source,
                    article.language,
                    offset,
                    offset + len(text),
                    text,
                    named,
                    _figure_keys(figures, start, end),
                )
            )
            kept += 1
            if kept >= MAX_SENTENCES:
                break
    return out


def entity_spans_by_article(entities: Sequence[Entity], article_ids: set[str]) -> dict[str, list[tuple[int, int, str]]]:
    """``article id -> [(start, end, entity id)]`` for the given articles."""
    out: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for entity in entities:
        for mention in entity.mentions:
            if mention.article_id in article_ids:
                out[mention.article_id].append((mention.start, mention.end, entity.id))
    return out


def pair_scores(sentences: Sequence[Sentence], vectors: np.ndarray) -> np.ndarray:
    """Pair score of every two sentences (cosine + shared entities + shared figures); -1 within one outlet."""
    n = len(sentences)
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    scores = (vectors @ vectors.T).astype(np.float32)
    # Entities most sentences name (the event's main country) tell little: weight by rarity.
    counts = Counter(eid for s in sentences for eid in s.entity_ids)
    weight = {eid: math.log((n + 1) / (c + 0.5)) for eid, c in counts.items()}
    by_entity: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sentences):
        for eid in s.entity_ids:
            by_entity[eid].append(i)
    shared = np.zeros((n, n), dtype=np.float32)
    for eid, members in by_entity.items():
        if len(members) > 1:
            idx = np.array(members)
            shared[np.ix_(idx, idx)] += weight[eid]
    total = np.array([sum(weight[e] for e in s.entity_ids) for s in sentences], dtype=np.float32)
    union = total[:, None] + total[None, :] - shared
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(union > 0, shared / np.maximum(union, 1e-9), 0.0)
    # Sharing only the entities nearly every sentence names is worth little: scale by how rare
    # the shared ones are, relative to an entity named once.
    rarity = np.minimum(1.0, shared / math.log((n + 1) / 1.5)) if n > 1 else shared
    scores += ENTITY_BONUS * (share * rarity).astype(np.float32)
    by_figure: dict[tuple[str, float], list[int]] = defaultdict(list)
    for i, s in enumerate(sentences):
        for key in s.figures:
            by_figure[key].append(i)
    for members in by_figure.values():
        if len(members) > 1:
            idx = np.array(members)
            scores[np.ix_(idx, idx)] += FIGURE_BONUS
    source_ids = {s: k for k, s in enumerate(dict.fromkeys(x.source for x in sentences))}
    codes = np.array([source_ids[s.source] for s in sentences])
    scores[codes[:, None] == codes[None, :]] = -1.0
    return scores


def _mutual(sentences: Sequence[Sentence], scores: np.ndarray) -> np.ndarray:
    """``[i, j]`` is True when j is i's best match in j's article and i is j's best match in i's."""
    n = len(sentences)
    articles = {a: k for k, a in enumerate(dict.fromkeys(s.article_id for s in sentences))}
    code = np.array([articles[s.article_id] for s in sentences])
    best = np.full((n, len(articles)), -1)
    for k in range(len(articles)):
        columns = np.flatnonzero(code == k)
        best[:, k] = columns[np.argmax(scores[:, columns], axis=1)]
    index = np.arange(n)
    forward = best[:, code] == index[None, :]  # j is i's best in j's article
    return forward & forward.T


def align(sentences: Sequence[Sentence], scores: np.ndarray) -> list[list[int]]:
    """Groups of sentence indices stating the same thing (two or more outlets each), best pair first."""
    n = len(sentences)
    if n < 2:
        return []
    upper = np.triu(scores, k=1)
    rows, cols = np.nonzero((upper >= ALIGN_THRESHOLD) | ((upper >= MUTUAL_THRESHOLD) & _mutual(sentences, scores)))
    order = np.argsort(-upper[rows, cols], kind="stable")
    group_of = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    for k in order:
        a, b = group_of[rows[k]], group_of[cols[k]]
        if a == b:
            continue
        left, right = members[a], members[b]
        if {sentences[i].article_id for i in left} & {sentences[i].article_id for i in right}:
            continue
        if float(scores[np.ix_(left, right)].mean()) < GROUP_THRESHOLD:
            continue
        members[a] = left + right
        for i in right:
            group_of[i] = a
        del members[b]
    return [sorted(group) for group in members.values() if len(group) > 1]


def _claim_id(items: Sequence[Sentence]) -> str:
    key = "|".join(f"{s.article_id}:{s.start}" for s in sorted(items, key=lambda s: (s.article_id, s.start)))
    return "cl-" + hashlib.sha1(key.encode()).hexdigest()[:10]


def build_claims(sentences: Sequence[Sentence], scores: np.ndarray) -> tuple[list[Claim], list[float]]:
    """Claims (aligned groups, then every other sentence as a one-outlet claim) and each
    sentence's best score with another outlet (to tell an outlet's own claims)."""
    groups = align(sentences, scores)
    grouped = {i for g in groups for i in g}
    claims = []
    for group in groups:
        sub = scores[np.ix_(group, group)]
        cross = sub[sub > -1.0]
        centrality = [float(np.mean([scores[i, j] for j in group if j != i and scores[i, j] > -1.0])) for i in group]
        ranked = [group[k] for k in sorted(range(len(group)), key=lambda k: -centrality[k])]
        items = [sentences[i] for i in ranked]
        claims.append(
            Claim(
                id=_claim_id(items),
                sentences=tuple(s.evidence() for s in items),
                sources=tuple(dict.fromkeys(sentences[i].source for i in group)),
                confidence=round(float(np.clip(cross.mean(), 0.0, 1.0)), 4),
                entity_ids=tuple(sorted({e for s in items for e in s.entity_ids})),
            )
        )
    best = [float(scores[i].max()) if len(sentences) > 1 else -1.0 for i in range(len(sentences))]
    for i, sentence in enumerate(sentences):
        if i in grouped:
            continue
        claims.append(
            Claim(
                id=_claim_id([sentence]),
                sentences=(sentence.evidence(),),
                sources=(sentence.source,),
                confidence=1.0,
                entity_ids=tuple(sorted(sentence.entity_ids)),
            )
        )
    return claims, best


def majority(n_sources: int) -> int:
    """How many outlets "most outlets" is: at least two, and at least half."""
    return max(2, math.ceil(n_sources / 2))


def coverage_findings(
    claims: Sequence[Claim],
    sentences: Sequence[Sentence],
    best: Sequence[float],
    sources: Sequence[Source],
    limit: int = 8,
) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    """The consensus, each outlet's own salient claims, and each outlet's omissions (claim ids)."""
    n = len(sources)
    shared = [c for c in claims if len(c.sources) > 1]
    consensus = tuple(c.id for c in shared if len(c.sources) >= majority(n))
    place = {(s.article_id, s.start): i for i, s in enumerate(sentences)}
    unique = []
    omissions = []
    for source in sources:
        own = []
        for claim in claims:
            if claim.sources != (source.id,):
                continue
            i = place[(claim.sentences[0].article_id, claim.sentences[0].start)]
            sentence = sentences[i]
            if best[i] >= UNIQUE_CEILING or not (sentence.entity_ids or sentence.figures):
                continue
            salience = len(sentence.entity_ids) + 2 * len(sentence.figures) - best[i]
            own.append((salience, i, claim.id))
        own.sort(key=lambda t: (-t[0], t[1]))
        unique.append((source.id, tuple(cid for _s, _i, cid in own[:limit])))
        others = n - 1
        missing = [
            c.id for c in shared if source.id not in c.sources and len(c.sources) >= max(2, math.ceil(others / 2))
        ]
        omissions.append((source.id, tuple(missing[:limit])))
    return consensus, tuple(unique), tuple(omissions)


def event_claims(
    articles: Sequence[Article],
    extractions: Mapping[str, Extraction],
    entities: Sequence[Entity],
    embedder: Embedder,
) -> tuple[list[Sentence], list[Claim], list[float]]:
    """Sentences, claims (shared ones first, most outlets first) and best cross-outlet scores of one event."""
    spans = entity_spans_by_article(entities, {a.id for a in articles})
    sentences = event_sentences(articles, extractions, spans)
    if not sentences:
        return [], [], []
    vectors = np.asarray(embedder.encode([s.text for s in sentences]), dtype=np.float32)
    scores = pair_scores(sentences, vectors)
    claims, best = build_claims(sentences, scores)
    claims.sort(key=lambda c: (-len(c.sources), -c.confidence if len(c.sources) > 1 else 0.0))
    return sentences, claims, best
