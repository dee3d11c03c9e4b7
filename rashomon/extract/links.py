"""Cross-outlet links inside each storyline: the same quote told by several outlets, and the
figures each outlet gives for the same thing.

* **Quotes**: quotations (direct, partial and marked indirect speech; scare quotes
  are left out) with the same words are linked, across articles and inside one
  article. In one language "the same words" is word overlap: at least
  :data:`QUOTE_OVERLAP` of the shorter quote's words (compared by their first five
  letters, so inflections meet) are in the other. Across languages it is the
  cosine of the quotes' cross-lingual embeddings, at least :data:`QUOTE_SIMILARITY`
  (a translation of the same statement). A link whose quotes are attributed to
  different speakers is flagged ``different speakers``: near-identical words put
  in two mouths.
* **Figures**: figures with the same unit in different articles of a storyline are
  about the same quantity when what they count overlaps
  (:func:`~rashomon.extract.figures.same_quantity`) or, for sums of money in one event
  (in any languages), when their contexts are alike (cross-lingual embedding cosine
  at least :data:`FIGURE_CONTEXT_SIMILARITY`), name a canonical entity in common (by name:
  a country's adjective does not count), and the
  sums are within a factor of three. They
  are put side by side and flagged ``figures differ`` when their values disagree
  (their compatible intervals do not overlap).

Every item keeps its article, outlet, offsets and sentence: the evidence.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ..embed import Embedder
from ..labels import stopwords
from ..records import Article, CrossItem, CrossLink, Entity, Extraction, Figure, LinkEntities, Quote, Storyline
from ..text import sentence_spans
from .canonical import UnionFind
from .figures import compatible_interval, figure_terms, same_quantity

QUOTE_SIMILARITY = 0.80
"""Cosine of two quotes' embeddings from which they count as the same words across languages."""

QUOTE_OVERLAP = 0.6
"""Share of the shorter quote's words found in the other from which two quotes in one language are the same words."""

FIGURE_CONTEXT_SIMILARITY = 0.3
"""Cosine of the contexts (sentence and the one before) from which two sums of money of one size,
in one event, are set side by side as the same thing told in other words."""

_WORD = re.compile(r"\w+", re.UNICODE)


MIN_CONTENT_WORDS = 4
"""Quotes with fewer content words than this are not compared by their words (too little to go on)."""


def _word_stems(text: str, language: str | None = None) -> set[str]:
    """Content words of ``text`` (function words of ``language`` left out), by their first five letters."""
    stop = stopwords(language)
    return {w.lower()[:5] for w in _WORD.findall(text) if not w.isdigit() and w.lower() not in stop}


def word_overlap(a: str, b: str, language: str | None = None) -> float:
    """Share of the shorter text's content words (first five letters) that the other text has too;
    0 when either has fewer than :data:`MIN_CONTENT_WORDS`."""
    words_a, words_b = _word_stems(a, language), _word_stems(b, language)
    if min(len(words_a), len(words_b)) < MIN_CONTENT_WORDS:
        return 0.0
    return len(words_a & words_b) / min(len(words_a), len(words_b))


MIN_QUOTE_CHARS = 20
"""Shorter quotations (a word or two) match too easily to be linked."""

MIN_TRANSLATED_CHARS = 40
"""Quotations compared across languages (by embedding) are at least this long: a statement, not a phrase."""


class _Components(UnionFind):
    """Connected components of items linked by scored edges, with each component's edge scores."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.edges: list[tuple[int, int, float]] = []

    def link(self, a: int, b: int, score: float) -> None:
        self.edges.append((a, b, score))
        self.union(a, b)

    def scores(self) -> dict[int, list[float]]:
        """Edge scores by component root."""
        out: dict[int, list[float]] = defaultdict(list)
        for a, _b, score in self.edges:
            out[self.find(a)].append(score)
        return out

    def groups(self) -> list[list[int]]:
        """Components of two or more items, each in item order."""
        out: dict[int, list[int]] = defaultdict(list)
        for item in range(len(self.parent)):
            out[self.find(item)].append(item)
        return [members for members in out.values() if len(members) > 1]


def speaker_entities(extractions: Sequence[Extraction], entities: Sequence[Entity]) -> dict[tuple[str, int], str]:
    """``(article_id, quote start)`` → id of the entity the quote's speaker names."""
    quoted = {x.article_id for x in extractions if any(q.speaker is not None for q in x.quotes)}
    spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for entity in entities:
        for mention in entity.mentions:
            if mention.article_id in quoted:
                spans[mention.article_id].append((mention.start, mention.end, entity.id))
    out = {}
    for extraction in extractions:
        for quote in extraction.quotes:
            speaker = quote.speaker
            if speaker is None:
                continue
            for start, end, entity_id in spans.get(extraction.article_id, ()):
                if start < speaker.end and speaker.start < end:
                    out[(extraction.article_id, quote.start)] = entity_id
                    break
    return out


def _encode_unique(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Embed each distinct text once (wire copy repeats quotes and sentences verbatim)."""
    distinct = list(dict.fromkeys(texts))
    vectors = embedder.encode(distinct)
    row = {text: number for number, text in enumerate(distinct)}
    return vectors[[row[text] for text in texts]]


def _crosslink(
    kind: str,
    storyline: Storyline,
    items: tuple[CrossItem, ...],
    event_of: Mapping[str, str],
    similarity: float,
    flag: str | None,
    confidence: float,
) -> CrossLink:
    return CrossLink(
        id=_link_id(kind, items),
        kind=kind,
        storyline_id=storyline.id,
        event_ids=tuple(dict.fromkeys(event_of.get(item.article_id, "") for item in items)),
        items=items,
        similarity=round(float(similarity), 4),
        flag=flag,
        confidence=round(float(confidence), 4),
    )


def _link_id(kind: str, items: Sequence[CrossItem]) -> str:
    key = "|".join(f"{item.article_id}:{item.start}" for item in items)
    return f"{kind[0]}l-" + hashlib.sha1(f"{kind}|{key}".encode()).hexdigest()[:10]


NOT_NAMING = ("adjective", "demonym")
"""Mention rules that describe rather than name ("American taxpayers"): such a mention does not
say what a sum of money is about."""


def link_entities(extractions: Sequence[Extraction], entities: Sequence[Entity]) -> LinkEntities:
    """What :func:`cross_outlet_links` reads of ``entities`` (a workspace reads the same from its
    tables: :meth:`rashomon.store.Workspace.link_entities`)."""
    speakers = speaker_entities(extractions, entities)
    named: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for entity in entities:
        for mention in entity.mentions:
            if mention.via not in NOT_NAMING:
                named[mention.article_id].append((mention.start, entity.id))
    return LinkEntities(speakers, {entity.id: entity.name for entity in entities}, dict(named))


def cross_outlet_links(
    articles: Sequence[Article],
    extractions: Sequence[Extraction],
    entities: Sequence[Entity] | LinkEntities,
    storylines: Sequence[Storyline],
    event_of: Mapping[str, str],
    embedder: Embedder,
) -> tuple[CrossLink, ...]:
    """Quote and figure links inside each storyline (see the module docstring).

    Args:
        articles: Every article.
        extractions: What the extract stage found in each article.
        entities: Canonical entities (to name each quote's speaker, and to check that two sums
            of money compared by context are about something both name), or what the links
            read of them (:func:`link_entities`).
        storylines: The storylines to look inside.
        event_of: Article id → event id.
        embedder: Embeds quote texts (the pipeline's cross-lingual embedder).
    """
    by_id = {article.id: article for article in articles}
    found = {extraction.article_id: extraction for extraction in extractions}
    known = entities if isinstance(entities, LinkEntities) else link_entities(extractions, entities)
    speakers, entity_names, named = known.speakers, known.names, known.named
    links: list[CrossLink] = []
    for storyline in storylines:
        quotes: list[tuple[Article, Quote]] = []
        figures: list[tuple[Article, Figure]] = []
        for article_id in storyline.article_ids:
            extraction = found.get(article_id)
            if extraction is None or article_id not in by_id:
                continue
            article = by_id[article_id]
            quotes += [(article, q) for q in extraction.quotes if q.kind != "scare" and len(q.text) >= MIN_QUOTE_CHARS]
            figures += [(article, f) for f in extraction.figures if _comparable(f)]
        links += _quote_links(storyline, quotes, speakers, entity_names, event_of, embedder)
        links += _figure_links(storyline, figures, event_of, embedder, named)
    return tuple(links)


class LinkInputs(NamedTuple):
    """What :func:`cross_outlet_links` reads of a storyline besides quotes and figures.

    Attributes:
        articles: The articles with a quote or a figure the links compare (the others add nothing).
        speakers: ``(article id, quote start, speaker start, speaker end)`` of every attributed
            quote: the mentions overlapping a speaker name its entity.
        counted: The articles with a figure the links compare: their naming mentions are read.
    """

    articles: set[str]
    speakers: list[tuple[str, int, int, int]]
    counted: set[str]


def link_inputs(extractions: Sequence[Extraction]) -> LinkInputs:
    """What :func:`cross_outlet_links` reads of ``extractions``' articles, so that a store can
    read only that (:meth:`rashomon.store.Workspace.link_entities`); the links come out the same
    as with every article and every mention."""
    articles: set[str] = set()
    counted: set[str] = set()
    speakers: list[tuple[str, int, int, int]] = []
    for extraction in extractions:
        quoted = any(q.kind != "scare" and len(q.text) >= MIN_QUOTE_CHARS for q in extraction.quotes)
        if any(_comparable(f) for f in extraction.figures):
            counted.add(extraction.article_id)
        if quoted or extraction.article_id in counted:
            articles.add(extraction.article_id)
        speakers += [
            (extraction.article_id, q.start, q.speaker.start, q.speaker.end)
            for q in extraction.quotes
            if q.speaker is not None
        ]
    return LinkInputs(articles, speakers, counted)


def _quote_item(
    article: Article, quote: Quote, speakers: Mapping[tuple[str, int], str], names: Mapping[str, str]
) -> CrossItem:
    entity_id = speakers.get((article.id, quote.start))
    speaker = names.get(entity_id or "") or (quote.speaker.name if quote.speaker else None)
    return CrossItem(
        article_id=article.id,
        outlet=article.outlet,
        language=article.language,
        start=quote.start,
        end=quote.end,
        text=quote.text,
        sentence=quote.sentence,
        speaker=speaker,
        speaker_entity_id=entity_id,
    )


def _candidate_pairs(stems: Sequence[set[str]], common: int = 200) -> Iterator[tuple[int, int, int]]:
    """Pairs ``(i, j, shared)`` of items sharing at least one stem (stems in more than ``common`` items skipped)."""
    postings: dict[str, list[int]] = defaultdict(list)
    for number, items in enumerate(stems):
        for stem in items:
            postings[stem].append(number)
    for i, items in enumerate(stems):
        shared: Counter[int] = Counter()
        for stem in items:
            posting = postings[stem]
            if len(posting) <= common:
                shared.update(j for j in posting if j > i)
        for j, count in shared.items():
            yield i, j, count


def _overlap_pairs(
    stems: Sequence[set[str]], threshold: float, minimum: int, common: int = 200
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, overlap)``, ``i < j``, in that order, of items that share a stem found in at
    most ``common`` items and whose overlap ``|a ∩ b| / min(|a|, |b|)`` reaches ``threshold``, the
    smaller holding at least ``minimum`` stems: what testing every pair of
    :func:`_candidate_pairs` finds, without testing most of them (a storyline of thousands of
    quotes has millions of pairs that share one word).

    Prefix filtering: if ``a`` is the smaller and ``|a ∩ b| ≥ t·|a|``, any ``|a| − ⌈t·|a|⌉ + 1``
    stems of ``a`` hold one of ``b``'s. Each item probes with that many of its rarest stems, from
    the smaller side of each pair; a frequent stem (in more than ``common`` items) is not probed,
    and need not be: it comes after every rare stem of the item, so a pair that shares a rare stem
    shares one of those probed.
    """
    frequency: Counter[str] = Counter(stem for items in stems for stem in items)
    postings: dict[str, list[int]] = defaultdict(list)
    for number, items in enumerate(stems):
        for stem in items:
            postings[stem].append(number)
    found = []
    for x, items in enumerate(stems):
        size = len(items)
        if size < minimum:
            continue
        need = max(1, math.ceil(threshold * size - 1e-9))  # rounded down where in doubt: more probes
        probes = sorted(items, key=lambda stem: (frequency[stem], stem))[: size - need + 1]
        seen = {x}
        for stem in probes:
            if frequency[stem] > common:
                break  # the rest are as frequent
            for y in postings[stem]:
                if y in seen:
                    continue
                seen.add(y)
                if (len(stems[y]), y) < (size, x):
                    continue  # found from y's side
                overlap = len(items & stems[y]) / size
                if overlap >= threshold:
                    found.append((min(x, y), max(x, y), overlap))
    found.sort()
    return found


def _cross_language_pairs(
    vectors: np.ndarray, languages: Sequence[str | None], threshold: float = QUOTE_SIMILARITY
) -> list[tuple[int, int, float]]:
    """Pairs ``(x, y, cosine)``, ``x < y``, in that order, of rows in different languages whose
    cosine reaches ``threshold``. Only the blocks of two different languages are multiplied: a
    storyline of thousands of quotes, most in one language, would otherwise compute (and scan)
    mostly pairs that are never compared."""
    rows: dict[str | None, list[int]] = defaultdict(list)
    for number, language in enumerate(languages):
        rows[language].append(number)
    groups = [np.array(members) for members in rows.values()]
    found: list[tuple[int, int, float]] = []
    for a, first in enumerate(groups):
        for second in groups[a + 1 :]:
            cosines = vectors[first] @ vectors[second].T
            for p, q in zip(*np.nonzero(cosines >= threshold), strict=True):
                x, y = int(first[p]), int(second[q])
                found.append((min(x, y), max(x, y), float(cosines[p, q])))
    found.sort()
    return found


def _quote_links(
    storyline: Storyline,
    quotes: Sequence[tuple[Article, Quote]],
    speakers: Mapping[tuple[str, int], str],
    names: Mapping[str, str],
    event_of: Mapping[str, str],
    embedder: Embedder,
) -> list[CrossLink]:
    if len(quotes) < 2:
        return []
    components = _Components(len(quotes))
    stems = [_word_stems(quote.text, article.language) for article, quote in quotes]
    for i, j, overlap in _overlap_pairs(stems, QUOTE_OVERLAP, MIN_CONTENT_WORDS):
        (article_i, quote_i), (article_j, quote_j) = quotes[i], quotes[j]
        if article_i.language != article_j.language or (
            article_i.id == article_j.id and quote_i.start == quote_j.start
        ):
            continue
        components.link(i, j, overlap)
    # Across languages words cannot be compared: the cross-lingual embeddings of the quotes are.
    # Only quoted statements long enough to be translated recognisably are compared this way
    # (not reported speech: each outlet words that itself).
    long = [
        i
        for i, (_a, quote) in enumerate(quotes)
        if quote.kind in ("direct", "partial") and len(quote.text) >= MIN_TRANSLATED_CHARS
    ]
    if len({quotes[i][0].language for i in long}) > 1:
        vectors = _encode_unique(embedder, [quotes[i][1].text for i in long])
        for x, y, cosine in _cross_language_pairs(vectors, [quotes[i][0].language for i in long]):
            components.link(long[x], long[y], cosine)
    out = []
    scores = components.scores()
    for members in components.groups():
        items = tuple(_quote_item(*quotes[m], speakers, names) for m in members)
        said_by = {item.speaker_entity_id or item.speaker for item in items if item.speaker}
        pairs = scores[components.find(members[0])]
        mean = sum(pairs) / len(pairs)
        flag = "different speakers" if len(said_by) > 1 else None
        confidence = min(1.0, max(0.0, 0.5 + (mean - 0.6)))
        out.append(_crosslink("quote", storyline, items, event_of, mean, flag, confidence))
    return out


def _figure_item(article: Article, figure: Figure) -> CrossItem:
    return CrossItem(
        article_id=article.id,
        outlet=article.outlet,
        language=article.language,
        start=figure.start,
        end=figure.end,
        text=figure.text,
        sentence=figure.sentence,
        value=figure.value,
        low=figure.low,
        high=figure.high,
        unit=figure.unit,
        counts=figure.counts,
    )


def _comparable(figure: Figure) -> bool:
    """Worth setting beside other outlets' figures: it has a unit, or counts something at least ten
    strong ("141 Staaten"); "fünf Länder" describes, it is rarely a contested number."""
    size = figure.value if figure.value is not None else figure.high
    return bool(figure.unit or (figure.counts and size is not None and size >= 10))


def _counted(figure: Figure) -> set[str]:
    return {"ago"} if figure.counts == "ago" else figure_terms(figure)


def _context(article: Article, figure: Figure) -> str:
    """What a figure's sentence and the one before it say (the thing counted is often named there)."""
    found = article.text.find(figure.sentence) if figure.sentence else -1
    before = article.text[max(0, found - 300) : found] if found > 0 else ""
    previous = re.split(r"(?<=[.!?…])\s+", before.strip())[-1] if before.strip() else ""
    return f"{previous} {figure.sentence}".strip()


def _magnitude(figure: Figure) -> float | None:
    value = figure.value if figure.value is not None else figure.high
    return abs(value) if value else None


def _same_order(a: Figure, b: Figure) -> bool:
    size_a, size_b = _magnitude(a), _magnitude(b)
    return bool(size_a and size_b and abs(math.log10(size_a) - math.log10(size_b)) <= math.log10(3.0))


def _named_in(article: Article, figure: Figure, named: Mapping[str, Sequence[tuple[int, str]]]) -> set[str]:
    """Canonical entities named in a figure's own sentence.

    Not the sentence before as well: there the story's main actors (the country it is about)
    are named around nearly every sum, so sharing them says nothing about which two sums are one.
    """
    spans = sentence_spans(article.text, article.language)
    index = max((k for k, (start, _end) in enumerate(spans) if start <= figure.start), default=0)
    low = spans[index][0] if spans else 0
    high = spans[index][1] if spans else len(article.text)
    return {entity for start, entity in named.get(article.id, ()) if low <= start < high}


def _figure_links(
    storyline: Storyline,
    figures: Sequence[tuple[Article, Figure]],
    event_of: Mapping[str, str],
    embedder: Embedder,
    named: Mapping[str, Sequence[tuple[int, str]]],
) -> list[CrossLink]:
    if len(figures) < 2:
        return []
    components = _Components(len(figures))
    # Figures that count the same thing (shared stems of what they count), across the storyline.
    stems = [{f"{figure.unit}|{term}" for term in _counted(figure)} for _a, figure in figures]
    for i, j, _shared in _candidate_pairs(stems):
        (article_i, a), (article_j, b) = figures[i], figures[j]
        if article_i.id != article_j.id and same_quantity(a, b):
            components.link(i, j, 1.0)
    # Sums of money of one size told around the same happening are worth setting side by side
    # even when the outlets describe them in other words (or languages): compare their contexts.
    money = [
        i
        for i, (article, figure) in enumerate(figures)
        if figure.unit and len(figure.unit) == 3 and figure.unit.isupper()
    ]
    by_event: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for i in money:
        by_event[(event_of.get(figures[i][0].id, ""), figures[i][1].unit)].append(i)
    for members in by_event.values():
        if len({figures[i][0].id for i in members}) < 2:
            continue
        contexts = _encode_unique(embedder, [_context(*figures[i]) for i in members])
        cosines = contexts @ contexts.T
        for x, i in enumerate(members):
            for y in range(x + 1, len(members)):
                j = members[y]
                a, b = figures[i][1], figures[j][1]
                if figures[i][0].id == figures[j][0].id or not _same_order(a, b):
                    continue
                # Told alike, and about someone or something both figures' sentences name.
                shared = _named_in(*figures[i], named) & _named_in(*figures[j], named)
                if cosines[x, y] >= FIGURE_CONTEXT_SIMILARITY and shared:
                    components.link(i, j, float(cosines[x, y]))
    out = []
    scores = components.scores()
    for members in components.groups():
        # Some two of the figures disagree exactly when the highest lower bound lies above the
        # lowest upper bound (their compatible intervals cannot all overlap pairwise otherwise).
        bounds = [compatible_interval(figures[m][1], 0.0) for m in members]
        differ = max(low for low, _high in bounds) > min(high for _low, high in bounds)
        items = tuple(_figure_item(*figures[m]) for m in members)
        pairs = scores[components.find(members[0])]
        confidence = min(min(f.confidence for _a, f in (figures[m] for m in members)), max(pairs))
        flag = "figures differ" if differ else None
        out.append(_crosslink("figure", storyline, items, event_of, sum(pairs) / len(pairs), flag, confidence))
    return out
