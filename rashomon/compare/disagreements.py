"""Disagreements: where outlets (or one article) tell the same thing differently.

* ``figures``: a cross-outlet figure link (:mod:`rashomon.extract.links`) flagged
  ``figures differ`` — different values for the same quantity.
* ``speakers``: a quote link flagged ``different speakers`` — near-identical words
  attributed to different people, across outlets or inside one article.
* ``numbers``: two sentences of one claim (:mod:`.claims`) giving figures with the same unit
  whose values do not overlap, when no figure link already says so.
* ``negation``: two sentences of one claim, one negated and the other not ("nicht",
  "not", "не", "ne … pas", "no", "non", "nie"), in claims aligned with confidence at least
  :data:`NEGATION_MIN_CONFIDENCE`. Alignment is by meaning, so the pair may also just be
  loosely alike: the confidence is half the claim's.

Each finding keeps the sentences side by side, what each says, and a confidence.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from ..extract.figures import compatible_interval, same_quantity
from ..records import Article, Claim, CrossItem, CrossLink, Disagreement, Evidence, Extraction, Figure

_NEGATION = {
    "de": r"nicht|kein|keine|keinen|keinem|keiner|keines|nie|niemals|weder",
    "en": r"not|no|never|neither|nor|cannot",
    "ru": r"не|нет|ни|никогда|нельзя",
    "uk": r"не|немає|ні|ніколи",
    "fr": r"ne|pas|jamais|aucun|aucune",
    "es": r"no|nunca|jamás|ningún|ninguna",
    "it": r"non|mai|nessun|nessuna",
    "pl": r"nie|nigdy|żaden|żadna",
    "pt": r"não|nunca|nenhum|nenhuma",
}
_RESTRICTIVE = {"fr": ("que", "qu'", "qu’"), "it": ("che",)}
_ELIDED = {"en": r"n['’]t", "fr": r"(?<!\w)n['’](?=\w)"}
_NEGATION_RE = {
    lang: re.compile(
        rf"(?<!\w)(?:{words})(?!\w)" + (f"|{_ELIDED[lang]}" if lang in _ELIDED else ""), re.IGNORECASE | re.UNICODE
    )
    for lang, words in _NEGATION.items()
}


def negation_cue(sentence: str, language: str | None) -> str | None:
    """The first negation word of ``sentence`` in its language, or None (or for unknown languages)."""
    pattern = _NEGATION_RE.get(language or "")
    if pattern is None:
        return None
    for match in pattern.finditer(sentence):
        following = sentence[match.end() : match.end() + 40].casefold().split()[:5]
        restrictive = _RESTRICTIVE.get(language or "")
        if restrictive and any(w.startswith(restrictive) for w in following):
            continue  # "ne … que", "non … che": "only", not a negation
        return match.group(0)
    return None


def _evidence(item: CrossItem, articles: Mapping[str, Article]) -> Evidence:
    article = articles[item.article_id]
    start = article.text.find(item.sentence) if item.sentence else -1
    if start < 0:
        start, end, text = item.start, item.end, item.text
    else:
        end, text = start + len(item.sentence), item.sentence
    return Evidence(item.article_id, article.teller, item.language, start, end, text)


def _id(kind: str, items: Sequence[Evidence]) -> str:
    key = kind + "|" + "|".join(f"{e.article_id}:{e.start}" for e in items)
    return "di-" + hashlib.sha1(key.encode()).hexdigest()[:10]


def _from_link(link: CrossLink, articles: Mapping[str, Article]) -> Disagreement | None:
    items = tuple(item for item in link.items if item.article_id in articles)
    if len(items) < 2:
        return None
    evidence = tuple(_evidence(item, articles) for item in items)
    if link.flag == "different speakers":
        names = tuple(item.speaker or "(no speaker)" for item in items)
        distinct = list(dict.fromkeys(names))
        where = "in one article" if len({i.article_id for i in items}) == 1 else "across outlets"
        summary = f"Near-identical words attributed to {' and to '.join(distinct)} ({where})"
        return Disagreement(_id("speakers", evidence), "speakers", summary, evidence, names, link.confidence, link.id)
    if link.flag == "figures differ":
        values = tuple(item.text for item in items)
        what = next((item.counts for item in items if item.counts), None)
        summary = "Figures differ" + (f" for {what}" if what else "") + ": " + " vs ".join(dict.fromkeys(values))
        return Disagreement(_id("figures", evidence), "figures", summary, evidence, values, link.confidence, link.id)
    return None


NEGATION_MIN_CONFIDENCE = 0.65
"""A claim's alignment must be at least this sure before a negated sentence in it is reported."""


def _year_like(figure: Figure) -> bool:
    value = figure.value
    return figure.unit in (None, "year") and value is not None and value.is_integer() and 1800 <= value <= 2100


def _figures_in(extraction: Extraction | None, evidence: Evidence) -> list[Figure]:
    """Figures in the sentence that can be compared: with a unit, or bare counts that are not years."""
    if extraction is None:
        return []
    return [
        f
        for f in extraction.figures
        if evidence.start <= f.start < evidence.end and (f.unit or (f.counts and not _year_like(f)))
    ]


def _overlap(a: Figure, b: Figure) -> bool:
    """Whether two figures can both be true (:func:`~rashomon.extract.figures.compatible_interval`, 2 % slack)."""
    a_low, a_high = compatible_interval(a, 0.02)
    b_low, b_high = compatible_interval(b, 0.02)
    return a_low <= b_high and b_low <= a_high


def _comparable(x: Figure, y: Figure) -> bool:
    """Same unit; bare counts only when they count the same thing (in practice: the same language)."""
    if x.unit != y.unit:
        return False
    return x.unit is not None or same_quantity(x, y)


def _from_claim(
    claim: Claim, extractions: Mapping[str, Extraction], linked: set[tuple[str, int]]
) -> list[Disagreement]:
    out: list[Disagreement] = []
    sentences = claim.sentences
    for i, a in enumerate(sentences):
        for b in sentences[i + 1 :]:
            if a.source == b.source:
                continue
            fa, fb = _figures_in(extractions.get(a.article_id), a), _figures_in(extractions.get(b.article_id), b)
            pairs = [(x, y) for x in fa for y in fb if _comparable(x, y)]
            differ = [
                (x, y)
                for x, y in pairs
                # Any number of the other sentence with the unit that fits counts as agreeing.
                if not any(_overlap(x, z) for z in fb if z.unit == x.unit)
                and not any(_overlap(y, z) for z in fa if z.unit == y.unit)
                and (a.article_id, x.start) not in linked
                and (b.article_id, y.start) not in linked
            ]
            if differ:
                x, y = differ[0]
                items = (a, b)
                out.append(
                    Disagreement(
                        _id("numbers", items),
                        "numbers",
                        f"Aligned sentences give different numbers: {x.text} vs {y.text}",
                        items,
                        (x.text, y.text),
                        round(claim.confidence * min(x.confidence, y.confidence), 4),
                        claim.id,
                    )
                )
                continue
            cue_a, cue_b = negation_cue(a.text, a.language), negation_cue(b.text, b.language)
            if claim.confidence < NEGATION_MIN_CONFIDENCE or (cue_a is None) == (cue_b is None):
                continue
            if a.language not in _NEGATION or b.language not in _NEGATION:
                continue
            items = (a, b)
            out.append(
                Disagreement(
                    _id("negation", items),
                    "negation",
                    f"One outlet negates what the other states ({cue_a or cue_b!r})",
                    items,
                    (cue_a or "", cue_b or ""),
                    round(0.5 * claim.confidence, 4),
                    claim.id,
                )
            )
    return out


def _all_give_all(link: CrossLink, extractions: Mapping[str, Extraction]) -> bool:
    """Every article of a figure link also gives every value the link compares ("12,000 say the
    unions, 8,000 the employers" in each): the outlets agree on the figures, not differ."""
    articles = {item.article_id for item in link.items}
    for article_id in articles:
        extraction = extractions.get(article_id)
        if extraction is None:
            return False
        for item in link.items:
            if item.value is None or not any(
                f.unit == item.unit and f.value is not None and abs(f.value - item.value) <= 0.02 * abs(item.value)
                for f in extraction.figures
            ):
                return False
    return True


def find_disagreements(
    articles: Sequence[Article],
    claims: Sequence[Claim],
    extractions: Mapping[str, Extraction],
    crosslinks: Sequence[CrossLink],
) -> tuple[Disagreement, ...]:
    """Disagreements among one event's articles: from flagged cross-outlet links, then from claims.

    Args:
        articles: The event's articles.
        claims: The event's claims (:func:`~rashomon.compare.claims.event_claims`).
        extractions: Article id → what the extract stage found.
        crosslinks: Cross-outlet links (those touching other events are cut to this event's items).
    """
    by_id = {article.id: article for article in articles}
    out: list[Disagreement] = []
    linked: set[tuple[str, int]] = set()
    for link in crosslinks:
        if not link.flag or not any(item.article_id in by_id for item in link.items):
            continue
        if link.flag == "figures differ" and _all_give_all(link, extractions):
            continue
        found = _from_link(link, by_id)
        if found is not None:
            out.append(found)
            linked.update((item.article_id, item.start) for item in link.items)
    for claim in claims:
        if len(claim.sources) > 1:
            out += _from_claim(claim, extractions, linked)
    order = {"speakers": 0, "figures": 1, "numbers": 2, "negation": 3}
    out.sort(key=lambda d: (order.get(d.kind, 9), -d.confidence, d.id))
    return tuple(out)
