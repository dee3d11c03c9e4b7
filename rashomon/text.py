"""Text units: an article's paragraphs and sentences, cut once, with character offsets.

Every stage that cites text as evidence (dates, labels, quotes, figures, canonical entities,
links, claims, tone, voices, naming) reads its paragraphs and sentences from here, so a
sentence has the same offsets whichever stage points at it.

A **paragraph** is a non-blank line (cleaned articles put a blank line between paragraphs;
a line break alone also ends one), without its surrounding whitespace.

A **sentence** never crosses a paragraph. It ends at ``.``, ``!``, ``?`` or ``…`` (and any
closing quotation marks or brackets right after it) followed by space, at ``。``, ``！`` or ``？``
(no space needed), or at the end of its paragraph. It does not end

* after a day or ordinal number ("am 28. Dezember", "der 2. Weltkrieg");
* after a single letter: initials and abbreviations written with spaces ("В. В. Путин",
  "J. Smith", "z. B.", "т. е.");
* after a known abbreviation of the article's language, or of any language when the
  language is unknown ("Mio.", "U.S.", "Dr.", "bzw.", "г.", "Mme.", "np.");
* before a word in lower case ("etc. and so on"; "Mrd. Euro" is caught above);
* inside a span the caller keeps whole (``unbroken``: the quote stage passes its quotations,
  so "„A. B“, sagte X." is one sentence).

Results are memoised per ``(text, language)`` in a small LRU cache (several stages split the
same article; a long ingest keeps only the most recent articles). Spans are plain tuples, so
they pickle and cross process boundaries unchanged.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable
from typing import NamedTuple

_COMMON = (
    "mio mrd tsd bio ca nr no art abs approx etc env av apr dr prof st mr mrs ms jr sr vs u\\.s "
    "n\\.\\s?chr z\\.b u\\.a p\\.p inc corp ltd co"
)
_BY_LANGUAGE = {
    "de": "bzw vgl usw inkl ggf evtl sog jh jhd hrsg bzgl ebd mind max str tel",
    "en": "sen rep gov gen lt col sgt capt cmdr jan feb mar aug sep sept oct nov dec est dept univ",
    "ru": "г гг т е д др пр им ул тыс млн млрд трлн руб долл см напр проф ген о обл р",
    "uk": "р рр т тис млн млрд грн див напр проф ім вул обл",
    "fr": "mme mlle mm me cf p pp éd hab",
    "es": "sr sra srta dra aprox pág ud uds núm",
    "it": "sig sigg dott ecc pag on",
    "pl": "np tzw ok tys mln mld ul wg godz r mgr inż prof",
    "pt": "sr sra dra pág",
}

# Chinese and Japanese end a sentence at 。！？ with no space after it.
_BREAK = re.compile(r"(?<=[.!?…])[\"”“»«’‘'\)\]]*\s+|(?<=[。！？])[」』”’）]*\s*")
_ORDINAL = re.compile(r"(?<![\w.])\d{1,2}\.\Z")
_INITIAL = re.compile(r"(?<![\w.])[^\W\d_]\.\Z")


@functools.lru_cache(maxsize=16)
def _abbreviations(language: str | None) -> re.Pattern[str]:
    words = _COMMON.split()
    if language in _BY_LANGUAGE:
        words += _BY_LANGUAGE[language].split()
    else:
        words += [w for ws in _BY_LANGUAGE.values() for w in ws.split() if len(w) > 1]
    return re.compile(r"(?<![\w.])(?:" + "|".join(sorted(set(words), key=len, reverse=True)) + r")\.\Z", re.IGNORECASE)


class Span(NamedTuple):
    """Where a text unit lies in its text: ``text[start:end]``."""

    start: int
    end: int


def paragraph_spans(text: str) -> list[Span]:
    """The paragraphs of ``text`` in order: its non-blank lines, surrounding whitespace left out.

    Args:
        text: The text, e.g. ``Article.text``.
    """
    return list(_paragraphs(text))


def sentence_spans(text: str, language: str | None = None, unbroken: Iterable[tuple[int, int]] = ()) -> list[Span]:
    """The sentences of ``text`` in order, each inside one paragraph (whitespace between left out).

    Args:
        text: The text, e.g. ``Article.text``.
        language: ISO 639-1 code of its language: its abbreviations are known. When None,
            the abbreviations of every supported language are (single letters excepted).
        unbroken: ``(start, end)`` spans that no sentence boundary may cut (the quote stage's
            quotations); a boundary inside one joins the sentences on either side of it.
    """
    spans = _sentences(text, _base_language(language))
    keep = sorted((start, end) for start, end in unbroken if end - start > 1)
    if not keep:
        return list(spans)
    starts = [start for start, _ in keep]
    reach = list(itertools.accumulate((end for _, end in keep), max))  # furthest end so far
    joined: list[Span] = []
    for span in spans:
        before = bisect.bisect_left(starts, span.start) - 1  # the kept spans opening before it
        cut_inside = before >= 0 and span.start < reach[before]
        if joined and cut_inside and "\n" not in text[joined[-1].end : span.start]:
            joined[-1] = Span(joined[-1].start, span.end)
        else:
            joined.append(span)
    return joined


def _base_language(language: str | None) -> str | None:
    """``en-GB`` and ``pt_BR`` are read as ``en`` and ``pt``, so every stage cuts the same sentences."""
    return (language or "").split("-")[0].split("_")[0].lower() or None


@functools.lru_cache(maxsize=256)
def _paragraphs(text: str) -> tuple[Span, ...]:
    """Cached: several stages read the same article."""
    out = []
    for line in re.finditer(r"[^\n]+", text):
        value = line.group(0)
        stripped = value.strip()
        if stripped:
            start = line.start() + len(value) - len(value.lstrip())
            out.append(Span(start, start + len(stripped)))
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def _sentences(text: str, language: str | None) -> tuple[Span, ...]:
    """Cached: several stages split the same article."""
    abbreviations = _abbreviations(language)
    spans: list[Span] = []
    for lo, hi in _paragraphs(text):
        line = text[lo:hi]
        cut = 0
        for match in _BREAK.finditer(line):
            end = match.start()
            stop = line[max(0, end - 12) : end]  # up to the punctuation that ended it
            after = line[match.end() : match.end() + 1]
            if not after or after.islower():
                continue
            if stop.endswith(".") and (_ORDINAL.search(stop) or _INITIAL.search(stop) or abbreviations.search(stop)):
                continue
            end += len(line[end : match.end()].rstrip())
            spans.append(Span(lo + cut, lo + end))
            cut = match.end()
        spans.append(Span(lo + cut, hi))
    return tuple(spans)
