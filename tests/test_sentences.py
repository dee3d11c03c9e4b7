"""The one paragraph and sentence splitter every finding cites from (rashomon.text)."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rashomon.dates import date_hints
from rashomon.records import Article
from rashomon.text import paragraph_spans, sentence_spans


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


# -- one cut for every stage (rashomon.text) ----------------------------------------------------


def test_sentences_keep_abbreviations_and_dates_of_real_articles(seeds_dir, sample_dir) -> None:
    english = (seeds_dir / "003_27ed5834291f6abf.txt").read_text(encoding="utf-8")
    assert (
        "On February 28, the head of the U.S. Department of State paid an official visit to Kazakhstan and "
        'simultaneously held a meeting in the "C5+1" format.'
    ) in split(english, "en")
    german = (sample_dir / "de" / "bruecke" / "2025-03-05_hafenstreik_reportage.txt").read_text(encoding="utf-8")
    whole = (
        "Seit Montag, dem 3. März, bestreikt die Gewerkschaft Hafen und Logistik (GHL) die großen Containerterminals."
    )
    assert whole in split(german, "de")
    # The date stage cites the same sentence (its own splitter used to agree on dates only).
    assert whole in {hint.sentence for hint in date_hints(german, "de", "2025-03-05")}


def test_sentences_not_cut_inside_unbroken_spans_nor_across_paragraphs() -> None:
    text = "Er sagte: „Wir kommen. Sicher.“ Dann ging er.\nNeuer Absatz. Ende."
    quote = (text.index("„"), text.index("“") + 1)
    assert split(text, "de")[:2] == ["Er sagte: „Wir kommen.", "Sicher.“"]
    joined = [text[s:e] for s, e in sentence_spans(text, "de", unbroken=[quote])]
    assert joined == ["Er sagte: „Wir kommen. Sicher.“", "Dann ging er.", "Neuer Absatz.", "Ende."]
    # A span running over a line break joins nothing across it.
    assert len(sentence_spans(text, "de", unbroken=[(0, len(text))])) == 2


def test_sentences_of_chinese_and_regional_language_codes() -> None:
    assert split("北京发生地震。救援人员已经到达！「你好。」他说。") == [
        "北京发生地震。",
        "救援人员已经到达！",
        "「你好。」",
        "他说。",
    ]
    text = "Gen. Smith said so. Then he left."
    assert sentence_spans(text, "en-GB") == sentence_spans(text, "en") == sentence_spans(text, "en_US")


def test_paragraphs_are_non_blank_lines_without_edge_spaces_and_articles_agree() -> None:
    text = "  Title \n\n First paragraph. Two.\n \t\nLast"
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["Title", "First paragraph. Two.", "Last"]
    article = Article(id="a", source="a", raw_text=text, text=text)
    assert article.paragraphs == ["Title", "First paragraph. Two.", "Last"]


def test_text_units_are_plain_picklable_tuples() -> None:
    spans = sentence_spans("One. Two.", "en")
    assert pickle.loads(pickle.dumps(spans)) == spans == [(0, 4), (5, 9)]
    assert spans[1].start == 5 and spans[1].end == 9


def test_article_teller_is_outlet_else_site_else_article() -> None:
    base = Article(id="a1", source="x", raw_text="", text="")
    assert base.teller == "article a1"
    assert dataclasses.replace(base, domain="example.com").teller == "example.com"
    assert dataclasses.replace(base, domain="example.com", outlet="Example").teller == "Example"
