"""Event and storyline labels: key names and distinctive terms in the reader's language, with evidence."""

from __future__ import annotations

import dataclasses
import re

from rashomon.labels import Background, label_groups, label_terms, needs_label, redated, stopwords
from rashomon.records import Article, LabelTerm, Storyline


def article(article_id: str, text: str, language: str) -> Article:
    return Article(id=article_id, source=article_id, raw_text=text, text=text, language=language)


def test_labels_on_the_sample_name_the_event_with_its_people_places_and_dates(sample_analysis) -> None:
    events = {e.headline: e for e in sample_analysis.events}
    strike = next(e for h, e in events.items() if "Hafenstreik" in h or "strike" in h.lower())
    assert "Birte Hansen" in strike.label and "Hamburg" in strike.label
    assert strike.label.endswith(f"({strike.first_seen} – {strike.last_seen})")
    aliases = {entity.name: entity.aliases for entity in sample_analysis.entities}
    for event in sample_analysis.events:
        assert event.label and event.headline
        members = set(event.article_ids)
        for term in event.terms:
            assert set(term.article_ids) <= members and term.article_id in members
            if term.kind != "country":
                # The evidence sentence really uses the term: as shown, or as the article wrote the
                # same entity ("Tromsø" shown to an English reader, "Тромсё" in a Russian sentence).
                written = [term.text, *aliases.get(term.text, ())]
                assert term.sentence and any(w.split()[0].lower() in term.sentence.lower() for w in written), term


def test_labels_follow_the_reader_language(seeds_analysis) -> None:
    articles = seeds_analysis.articles
    events_en, storylines_en = label_groups(articles, seeds_analysis.events, seeds_analysis.storylines, "en")
    events_de, storylines_de = label_groups(articles, seeds_analysis.events, seeds_analysis.storylines, "de")
    countries_en = {t.text for t in storylines_en[0].terms if t.kind == "country"}
    countries_de = {t.text for t in storylines_de[0].terms if t.kind == "country"}
    assert "Kazakhstan" in countries_en and "Kasachstan" in countries_de
    assert "Blinken" in storylines_de[0].label
    # German terms come from the German articles when the reader reads German.
    big_de = next(e for e in events_de if len(e.article_ids) == 3)
    assert any(t.kind == "term" and t.language == "de" for t in big_de.terms)
    assert all(not re.search(r"\(\d{4}", e.label) for e in events_de)  # the seeds carry no dates


def test_labels_prefer_distinctive_words_and_skip_function_words() -> None:
    group = [
        article("a", "Die Fischer protestieren gegen die neue Fangquote. Die Fangquote sei zu niedrig.", "de"),
        article("b", "Gegen die Fangquote gingen die Fischer in Kiel auf die Straße.", "de"),
    ]
    other = [article(f"o{i}", f"Die Regierung plant eine Reform der Rente, Teil {i}.", "de") for i in range(4)]
    terms, label = label_terms(group, Background.of(group + other), "de")
    words = [t.text for t in terms if t.kind == "term"]
    assert words[0] == "Fangquote"
    assert not {w.lower() for w in words} & stopwords("de")
    assert "Fangquote" in label


def test_labels_of_an_empty_group_are_empty() -> None:
    assert label_terms([], Background(), "en") == ((), "")


def _storyline(count: int, label: str = "", first: str | None = None, last: str | None = None) -> Storyline:
    ids = tuple(f"a{n}" for n in range(count))
    return Storyline(
        "st-x",
        label,
        ("ev-1", "ev-2"),
        ids,
        terms=(LabelTerm("harbour", "term", 2.0, "en", ("a0",), "a0", "The harbour was shut."),),
        first_seen=first,
        last_seen=last,
    )


def test_a_large_storyline_that_grew_a_little_keeps_its_words_and_gets_its_dates() -> None:
    old = _storyline(200, "Harbour strike, Hamburg (2025-03-03 – 2025-03-09)", "2025-03-03", "2025-03-09")
    grown = _storyline(205)
    assert not needs_label(old, grown)
    dates = {"ev-1": ("2025-03-03", "2025-03-05"), "ev-2": ("2025-03-10", "2025-03-12")}
    kept = redated(old, grown, dates)
    assert kept.label == "Harbour strike, Hamburg (2025-03-03 – 2025-03-12)"
    assert kept.terms == old.terms and kept.article_ids == grown.article_ids
    assert (kept.first_seen, kept.last_seen) == ("2025-03-03", "2025-03-12")


def test_a_storyline_is_labelled_again_when_new_small_grown_by_a_step_or_shrunk() -> None:
    old = _storyline(200, "Harbour strike")
    assert needs_label(None, old)
    assert needs_label(_storyline(30, "x"), _storyline(31))  # small ones always
    assert needs_label(old, _storyline(230))  # grown past a step of 10 %
    lost = ("b1", "b2", *old.article_ids[1:])  # a split took an article away
    assert needs_label(old, dataclasses.replace(old, article_ids=lost))
    assert needs_label(_storyline(200, ""), _storyline(201))  # never labelled
    # Growing one article at a time, a storyline is labelled again about every 10 %.
    relabels = sum(needs_label(_storyline(n, "x"), _storyline(n + 1)) for n in range(100, 1000))
    assert 20 <= relabels <= 30
