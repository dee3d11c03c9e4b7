"""Event and storyline labels: key names and distinctive terms in the reader's language, with evidence."""

from __future__ import annotations

import re

from rashomon.labels import Background, label_groups, label_terms, stopwords
from rashomon.records import Article


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
