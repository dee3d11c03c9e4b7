"""Sentence boundaries shared by the stages that cite sentences as evidence.

A sentence ends at ``.``, ``!``, ``?`` or ``…`` followed by space, or at a line
break; not after a day number ("am 28. Dezember") or a common abbreviation
("Mio.", "U.S.", "Dr."). Offsets let a finding point at its exact sentence.
"""

from __future__ import annotations

import re

from .dates import _SENTENCE_BREAK

_ABBREVIATION = re.compile(
    r"(?<!\w)(?:mio|mrd|tsd|bio|ca|nr|no|art|abs|bzw|vgl|z\.b|u\.a|tys|тыс|млн|млрд|трлн|руб|долл|п\.п|mln|mld|"
    r"approx|etc|env|av|apr|n\.\s?chr|u\.s|dr|prof|st|mr|mrs|ms|jr|sr)\.\Z",
    re.IGNORECASE,
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``, in order (whitespace between sentences left out)."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        cut = 0
        for match in _SENTENCE_BREAK.finditer(line):
            if _ABBREVIATION.search(line, max(0, match.start() - 8), match.start()):
                continue
            spans.append((offset + cut, offset + match.start()))
            cut = match.end()
        spans.append((offset + cut, offset + len(line)))
        offset += len(line) + 1
    return [(s, e) for s, e in spans if e > s]
