"""Cross-outlet links: the same quote in several outlets and languages, figures side by side."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rashomon import USEEmbedder
from rashomon.extract.links import _candidate_pairs, _cross_language_pairs, _overlap_pairs
from rashomon.extract.stage import extract_article, extract_corpus
from rashomon.records import Article, Event, Storyline


def article(article_id: str, text: str, language: str, outlet: str) -> Article:
    return Article(id=article_id, source=article_id, raw_text=text, text=text, language=language, outlet=outlet)


@pytest.fixture(scope="module")
def embedder() -> USEEmbedder:
    return USEEmbedder()


def run(articles: list[Article], embedder: USEEmbedder):  # type: ignore[no-untyped-def]
    extractions = [extract_article(a) for a in articles]
    ids = tuple(a.id for a in articles)
    events = [Event("ev-1", "x", ids)]
    storylines = [Storyline("st-1", "x", ("ev-1",), ids)]
    return extract_corpus(articles, extractions, events, storylines, embedder, "en")


def test_links_the_same_statement_across_languages_and_flags_two_speakers(embedder) -> None:
    articles = [
        article(
            "en",
            'Minister Anna Berg said: "We will not accept any attempt to change borders by force, and we will '
            'support Ukraine as long as it takes." The summit ended on Friday.',
            "en",
            "Wire",
        ),
        article(
            "de",
            "Der Sprecher Paul Hahn sagte: „Wir werden keinen Versuch akzeptieren, Grenzen mit Gewalt zu verändern, "
            "und wir werden die Ukraine unterstützen, solange es nötig ist.“ Der Gipfel endete am Freitag.",
            "de",
            "Zeitung",
        ),
        article(
            "en2",
            'Trade minister Omar Said said: "The summit will discuss trade, energy and climate change in the region."',
            "en",
            "Other",
        ),
    ]
    _entities, links = run(articles, embedder)
    quotes = [link for link in links if link.kind == "quote"]
    assert len(quotes) == 1
    link = quotes[0]
    assert {item.article_id for item in link.items} == {"en", "de"}
    assert link.flag == "different speakers" and link.similarity >= 0.8
    assert {item.speaker for item in link.items} == {"Anna Berg", "Paul Hahn"}
    for item in link.items:
        assert item.text in item.sentence and item.outlet in ("Wire", "Zeitung")


def test_links_figures_for_the_same_quantity_and_flags_when_they_differ(embedder) -> None:
    articles = [
        article("a", "Police said 8,000 workers joined the strike on Monday.", "en", "Wire"),
        article("b", "The union said 12,000 workers joined the strike.", "en", "Tabloid"),
        article("c", "Organisers counted 8,000 workers at the rally.", "en", "Local"),
        article("d", "The port handles 300 ships a week.", "en", "Local2"),
    ]
    _entities, links = run(articles, embedder)
    figures = [link for link in links if link.kind == "figure"]
    assert len(figures) == 1
    assert {item.article_id for item in figures[0].items} == {"a", "b", "c"}
    assert figures[0].flag == "figures differ"
    assert sorted(item.value for item in figures[0].items) == [8000, 8000, 12000]


def test_links_agreeing_figures_are_not_flagged(embedder) -> None:
    articles = [
        article("a", "The ministry said 141 states voted for the resolution.", "en", "Wire"),
        article("b", "In all, 141 states backed the resolution on Thursday.", "en", "Paper"),
    ]
    _entities, links = run(articles, embedder)
    assert [(link.kind, link.flag) for link in links] == [("figure", None)]


def test_links_need_more_than_a_storyline_in_common() -> None:
    from rashomon.extract.links import word_overlap

    same = (
        "Wir haben eine starke Beziehung, sie wird stärker werden. Wir fühlen uns diesem Kurs verpflichtet.",
        "Die Beziehung ist stark und wird stärker werden. Dem Kurs sehen wir uns verpflichtet.",
    )
    assert word_overlap(*same, language="de") >= 0.6
    # Too few content words to judge: a short partial quote does not match a long one on "keinen Hinweis auf".
    assert word_overlap("keinen Hinweis auf Partikel", "Es gibt keinen Hinweis auf eine Gefahr", "de") == 0.0
    assert word_overlap("The summit will discuss trade and energy", "Police counted the strikers at dawn", "en") < 0.3


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sets(st.sampled_from([f"w{n}" for n in range(14)]), max_size=9), max_size=30),
    st.sampled_from([0.5, 0.6, 2 / 3, 0.75, 1.0]),
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=1, max_value=12),
)
def test_overlap_pairs_find_what_testing_every_candidate_pair_finds(
    stems: list[set[str]], threshold: float, minimum: int, common: int
) -> None:
    expected = []
    for i, j, _shared in _candidate_pairs(stems, common):
        smaller = min(len(stems[i]), len(stems[j]))
        overlap = len(stems[i] & stems[j]) / smaller if smaller >= minimum else 0.0
        if overlap >= threshold:
            expected.append((i, j, overlap))
    assert _overlap_pairs(stems, threshold, minimum, common) == sorted(expected)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["de", "en", "ru", None]), min_size=0, max_size=40),
    st.integers(0, 2**31 - 1),
    st.floats(0.0, 0.9),
)
def test_cross_language_pairs_are_the_pairs_of_the_whole_matrix_across_languages(
    languages: list[str | None], seed: int, threshold: float
) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    # Few directions, so many pairs are close: near-copies of a quote across languages.
    base = rng.normal(size=(4, 16)).astype(np.float32)
    vectors = base[rng.integers(0, 4, len(languages))] + 0.3 * rng.normal(size=(len(languages), 16))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    cosines = vectors @ vectors.T
    expected = [
        (x, y)
        for x in range(len(languages))
        for y in range(x + 1, len(languages))
        if languages[x] != languages[y] and cosines[x, y] >= threshold
    ]
    found = _cross_language_pairs(vectors, languages, threshold)
    assert [(x, y) for x, y, _c in found] == expected
    assert all(abs(c - float(cosines[x, y])) < 1e-5 for x, y, c in found)
