"""Canonical entities across articles, languages, scripts and spellings."""

from __future__ import annotations

from dataclasses import dataclass

from rashomon.extract.canonical import country_of, link_entities, organisation_of
from rashomon.records import Article


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    surface: str
    label: str
    confidence: float = 0.9


def article(article_id: str, text: str, language: str) -> Article:
    return Article(id=article_id, source=article_id, raw_text=text, text=text, language=language)


def found(text: str, *spans: tuple[str, str]) -> list[Found]:
    out, cursor = [], 0
    for surface, label in spans:
        start = text.index(surface, cursor)
        out.append(Found(start, start + len(surface), surface, label))
        cursor = start + len(surface)
    return out


DE = (
    "US-Außenminister Antony Blinken traf in Astana Präsident Tokajew. Blinken sagte, die USA stünden zu "
    "Kasachstans Unabhängigkeit. Kasachstan ist Mitglied der Gemeinschaft Unabhängiger Staaten (GUS) und der OVKS."
)
EN = (
    "Secretary of State Anthony Blinken met President Tokayev in Astana. Kazakhstan belongs to the CIS and the "
    "CSTO, Tokayev said."
)
RU = "Блинкен встретился с Токаевым в Астане. Казахстан входит в ОДКБ и СНГ, напомнил Путин. Путина там не было."


def corpus() -> tuple[list[Article], list[list[Found]]]:
    articles = [article("de1", DE, "de"), article("en1", EN, "en"), article("ru1", RU, "ru")]
    mentions = [
        found(
            DE,
            ("Antony Blinken", "PER"),
            ("Astana", "LOC"),
            ("Tokajew", "PER"),
            ("Blinken", "PER"),
            ("USA", "LOC"),
            ("Kasachstans", "LOC"),
            ("Kasachstan", "LOC"),
            ("Gemeinschaft Unabhängiger Staaten", "ORG"),
            ("GUS", "ORG"),
            ("OVKS", "ORG"),
        ),
        found(
            EN,
            ("Anthony Blinken", "PER"),
            ("Tokayev", "PER"),
            ("Astana", "LOC"),
            ("Kazakhstan", "LOC"),
            ("CIS", "ORG"),
            ("CSTO", "ORG"),
            ("Tokayev", "PER"),
        ),
        found(
            RU,
            ("Блинкен", "PER"),
            ("Токаевым", "PER"),
            ("Астане", "LOC"),
            ("Казахстан", "LOC"),
            ("ОДКБ", "ORG"),
            ("СНГ", "ORG"),
            ("Путин", "PER"),
            ("Путина", "PER"),
        ),
    ]
    return articles, mentions


def by_alias(entities) -> dict:  # type: ignore[no-untyped-def]
    return {alias: entity for entity in entities for alias in entity.aliases}


def test_canonical_links_spellings_scripts_and_inflections_across_languages() -> None:
    articles, mentions = corpus()
    entities = by_alias(link_entities(articles, mentions, reader_language="en"))
    assert entities["Tokajew"] is entities["Tokayev"] is entities["Токаевым"]
    assert entities["Kasachstans"] is entities["Kazakhstan"] is entities["Казахстан"] is entities["Kasachstan"]
    assert entities["Kazakhstan"].name == "Kazakhstan" and entities["Kazakhstan"].key == "ISO:KZ"
    assert entities["OVKS"] is entities["CSTO"] is entities["ОДКБ"]
    assert entities["GUS"] is entities["CIS"] is entities["СНГ"] is entities["Gemeinschaft Unabhängiger Staaten"]
    assert entities["Putin"] is entities["Путина"] if "Putin" in entities else entities["Путин"] is entities["Путина"]
    assert entities["Astana"] is entities["Астане"]
    # The misspelt "Anthony", the German full name, the lone surname and the Cyrillic one: one person.
    blinken = entities["Antony Blinken"]
    assert blinken is entities["Anthony Blinken"] is entities["Blinken"] is entities["Блинкен"]
    assert blinken.label == "PER" and blinken.languages == ("de", "en", "ru")
    assert blinken.name == "Anthony Blinken"  # as the reader-language (English) article wrote it
    vias = {m.surface: m.via for m in blinken.mentions}
    assert vias["Blinken"] == "short name"  # the German article named him in full first
    assert vias["Anthony Blinken"] == "name" and vias["Блинкен"] == "name"  # same phonetic key
    # Every mention points at its sentence.
    for entity in set(entities.values()):
        for mention in entity.mentions:
            text = next(a.text for a in articles if a.id == mention.article_id)
            assert text[mention.start : mention.end] == mention.surface
            assert mention.surface in mention.sentence
    assert entities["USA"] is not entities["Kasachstan"]


def test_canonical_display_names_follow_the_reader_language() -> None:
    articles, mentions = corpus()
    german = by_alias(link_entities(articles, mentions, reader_language="de"))
    assert german["Kazakhstan"].name == "Kasachstan"
    assert german["CSTO"].name == "OVKS"
    assert german["Blinken"].name == "Antony Blinken"


def test_canonical_keeps_apart_different_people_with_one_surname() -> None:
    text_a = "Hunter Biden met reporters. Joe Biden did not."
    text_b = "Biden spoke in Kyiv."
    articles = [article("a", text_a, "en"), article("b", text_b, "en")]
    mentions = [found(text_a, ("Hunter Biden", "PER"), ("Joe Biden", "PER")), found(text_b, ("Biden", "PER"))]
    entities = by_alias(link_entities(articles, mentions))
    assert entities["Hunter Biden"] is not entities["Joe Biden"]
    assert entities["Biden"] not in (entities["Hunter Biden"], entities["Joe Biden"])  # ambiguous: left alone


def test_canonical_country_and_organisation_lookups() -> None:
    assert country_of("Vereinigten Staaten") == "US" and country_of("США") == "US"
    assert country_of("Kasachstans") == "KZ" and country_of("Blinken") is None
    assert organisation_of("NATO") == "nato" and organisation_of("НАТО") == "nato"
    assert organisation_of("NATO-Staaten") == "nato"
    assert organisation_of("Vereinte Nationen") == "un" and organisation_of("Acme") is None


def test_canonical_ids_are_stable_and_empty_input_is_fine() -> None:
    articles, mentions = corpus()
    assert [e.id for e in link_entities(articles, mentions)] == [e.id for e in link_entities(articles, mentions)]
    assert link_entities([], []) == ()


def test_canonical_a_lone_surname_is_the_one_full_named_person_of_the_corpus() -> None:
    text_a = "Joe Biden met reporters in Washington."
    text_b = "Später sprach Biden in Kiew."
    articles = [article("a", text_a, "en"), article("b", text_b, "de")]
    mentions = [found(text_a, ("Joe Biden", "PER"), ("Washington", "LOC")), found(text_b, ("Biden", "PER"))]
    entities = by_alias(link_entities(articles, mentions))
    assert entities["Biden"] is entities["Joe Biden"]
    assert {m.surface: m.via for m in entities["Biden"].mentions}["Biden"] == "surname"


def test_canonical_cities_from_cldr_meet_across_languages_and_cases() -> None:
    from rashomon.extract.canonical import city_of

    texts = {
        "de": "Der Minister reiste nach Moskau. Moskaus Antwort kam schnell.",
        "en": "The minister flew to Moscow on Monday.",
        "ru": "Министр прилетел в Москву, в Москве его ждали.",
    }
    articles = [article(lang, text, lang) for lang, text in texts.items()]
    spans = {"de": ("Moskau", "Moskaus"), "en": ("Moscow",), "ru": ("Москву", "Москве")}
    mentions = [found(texts[lang], *((s, "LOC") for s in spans[lang])) for lang in texts]
    entities = by_alias(link_entities(articles, mentions, reader_language="de"))
    moscow = entities["Moskau"]
    assert all(entities[alias] is moscow for aliases in spans.values() for alias in aliases)
    assert moscow.key == "CTY:Europe/Moscow" and moscow.name == "Moskau"
    assert city_of("Hamburg") is None and city_of("Mai") is None  # not every place is a CLDR city
