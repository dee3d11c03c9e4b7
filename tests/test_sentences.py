"""The one sentence splitter every finding cites from (rashomon.text)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rashomon.text import sentence_spans


def split(text: str, language: str | None = None) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, language)]


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("ru", "Президент В. В. Путин заявил это. Потом т. е. ничего.", 2),
        ("en", "Mr. J. Smith said so. The U.S. Army left.", 2),
        ("de", "Er kam am 3. März an. Das ist z. B. gut. Der 2. Weltkrieg endete.", 3),
        ("fr", "M. Macron a dit. Puis il est parti.", 2),
        ("de", "Es kostet 3 Mrd. Euro. Gut!", 2),
        ("pl", "Przyjechali m.in. ministrowie, np. Kowalski. Potem wyjechali.", 2),
        (None, "Das kostet ca. 5 Euro, bzw. mehr. Dann nicht.", 2),
        ("en", "They sold apples, pears etc. and left. Then it rained.", 2),
    ],
)
def test_sentences_do_not_end_at_initials_ordinals_or_abbreviations(language, text, expected) -> None:
    assert len(split(text, language)) == expected, split(text, language)


def test_sentences_keep_closing_quotes_with_their_sentence() -> None:
    text = "„Wir haben es selbst entdeckt.“ Genau so muss es sein. «Нет!» Он ушёл."
    assert split(text, "de")[:2] == ["„Wir haben es selbst entdeckt.“", "Genau so muss es sein."]
    assert split(text, "ru")[-2:] == ["«Нет!»", "Он ушёл."]


def test_sentences_end_at_line_breaks() -> None:
    assert split("Headline without a stop\nFirst sentence. Second one.") == [
        "Headline without a stop",
        "First sentence.",
        "Second one.",
    ]


@given(st.text(alphabet=st.sampled_from(list('ab. !?\n«»„“"1ZВ.')), max_size=200), st.sampled_from([None, "de", "ru"]))
def test_sentences_are_ordered_disjoint_and_cover_every_visible_character(text: str, language: str | None) -> None:
    spans = sentence_spans(text, language)
    covered = set()
    last = 0
    for start, end in spans:
        assert last <= start < end <= len(text)
        assert text[start:end].strip()
        covered.update(range(start, end))
        last = end
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
