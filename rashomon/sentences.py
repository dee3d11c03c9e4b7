"""Sentence boundaries shared by the stages that cite sentences as evidence.

A sentence ends at ``.``, ``!``, ``?`` or ``…`` (and any closing quotation marks or brackets
right after it) followed by space, or at a line break. It does not end

* after a day or ordinal number ("am 28. Dezember", "der 2. Weltkrieg");
* after a single letter: initials and abbreviations written with spaces ("В. В. Путин",
  "J. Smith", "z. B.", "т. е.");
* after a known abbreviation of the article's language, or of any language when the
  language is unknown ("Mio.", "U.S.", "Dr.", "bzw.", "г.", "Mme.", "np.");
* before a word in lower case ("etc. and so on"; "Mrd. Euro" is caught above).

Offsets let a finding point at its exact sentence.
"""

from __future__ import annotations

import functools
import re

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

_BREAK = re.compile(r"(?<=[.!?…])[\"”“»’'\)\]]*\s+")
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


def sentence_spans(text: str, language: str | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``, in order (whitespace between sentences left out).

    Args:
        text: The text.
        language: ISO 639-1 code of its language: its abbreviations are known. When None,
            the abbreviations of every supported language are (single letters excepted).
    """
    return list(_spans(text, language))


@functools.lru_cache(maxsize=1024)
def _spans(text: str, language: str | None) -> tuple[tuple[int, int], ...]:
    """Cached: several stages split the same article."""
    return tuple(_split(text, language))


def _split(text: str, language: str | None = None) -> list[tuple[int, int]]:
    abbreviations = _abbreviations(language)
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
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
            spans.append((offset + cut, offset + end))
            cut = match.end()
        spans.append((offset + cut, offset + len(line)))
        offset += len(line) + 1
    return [(s, e) for s, e in spans if e > s and text[s:e].strip()]
