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
    assert moscow.key == "CAP:RU:Moscow" and moscow.name == "Moskau"  # Russia's capital, shown in German
    assert city_of("Mai") is None and city_of("Husum") is None  # not every word or town is a city here


def test_canonical_cities_and_capitals_beyond_time_zones_name_their_country() -> None:
    from rashomon.extract.places import city_name, city_of, place_country

    assert city_of("Astana") == city_of("Астане") == city_of("Nur-Sultan") == "CAP:KZ:Astana"
    assert city_of("Bischkek") == city_of("Bishkek") == city_of("Бишкек") == "CAP:KG:Bishkek"
    assert city_of("Taschkent") == city_of("Tashkent") == city_of("Ташкенте") == "CAP:UZ:Tashkent"
    assert city_of("Hamburg") == city_of("Hamburgs") == city_of("Гамбурге") == "CTY:DE:Hamburg"
    assert place_country("CAP:KZ:Astana") == ("KZ", True) and place_country("CTY:DE:Hamburg") == ("DE", False)
    assert place_country("ISO:KZ") is None
    assert city_name("CAP:RU:Moscow", "ru") == "Москва" and city_name("CTY:DE:Hamburg", "de") == "Hamburg"


def test_canonical_a_capital_is_its_own_entity_not_its_country() -> None:
    text_de = "Blinken traf Tokajew in Astana. Kasachstan ist reich an Öl."
    text_ru = "Блинкен прилетел в Астану."
    articles = [article("de", text_de, "de"), article("ru", text_ru, "ru")]
    mentions = [
        found(text_de, ("Blinken", "PER"), ("Tokajew", "PER"), ("Astana", "LOC"), ("Kasachstan", "LOC")),
        found(text_ru, ("Блинкен", "PER"), ("Астану", "LOC")),
    ]
    entities = by_alias(link_entities(articles, mentions, reader_language="en"))
    astana = entities["Astana"]
    assert astana is entities["Астану"] and astana is not entities["Kasachstan"]
    assert astana.key == "CAP:KZ:Astana" and astana.label == "LOC" and astana.name == "Astana"
    assert {m.via for m in astana.mentions} == {"city"}


def test_canonical_dotted_country_abbreviations_are_the_country() -> None:
    """ "U.S." (the form news agencies write) is the United States, not an entity of its own."""
    assert country_of("U.S.") == country_of("US") == country_of("United States") == "US"
    assert country_of("U.K.") == "GB" and country_of("U.S.A.") == "US" and country_of("U.A.E.") == "AE"
    assert country_of("J.") is None and country_of("A.B.") is None  # initials stay names


def test_canonical_person_names_are_not_countries_spelled_in_other_scripts() -> None:
    """Skeletons are phonetic across scripts: "Marco" sounds like the Greek "Μαρόκο", "Rossi" like
    the Chechen "Росси". A Latin word meets other scripts' country names only when long."""
    from rashomon.names import name_key

    for person in ("Marco", "Mark", "Marc", "Rossi"):
        assert not (name_key(person) or "").startswith("ISO:"), person
    assert country_of("Marco Rossi") is None
    assert {name_key(w) for w in ("Maroc", "Marokko", "Morocco")} == {"ISO:MA"}
    assert name_key("Hiszpanii") == "ISO:ES" and name_key("Ирана") == "ISO:IR" and name_key("Кубе") == "ISO:CU"


def test_canonical_country_adjectives_and_demonyms_in_many_languages() -> None:
    from rashomon.extract.places import adjective_of

    cases = {
        ("russischen", "de"): ("RU", "adjective"),
        ("kasachische", "de"): ("KZ", "adjective"),
        ("amerikanische", "de"): ("US", "adjective"),
        ("Russen", "de"): ("RU", "demonym"),
        ("Amerikaner", "de"): ("US", "demonym"),
        ("Russian", "en"): ("RU", "adjective"),
        ("Kazakh", "en"): ("KZ", "adjective"),
        ("Kazakhs", "en"): ("KZ", "demonym"),
        ("American", "en"): ("US", "adjective"),
        ("российского", "ru"): ("RU", "adjective"),
        ("русские", "ru"): ("RU", "adjective"),
        ("казахстанские", "ru"): ("KZ", "adjective"),
        ("американских", "ru"): ("US", "adjective"),
        ("немецкий", "ru"): ("DE", "adjective"),
        ("russe", "fr"): ("RU", "adjective"),
        ("rusos", "es"): ("RU", "adjective"),
        ("russi", "it"): ("RU", "adjective"),
        ("rosyjskich", "pl"): ("RU", "adjective"),
    }
    for (word, language), expected in cases.items():
        assert adjective_of(word, language) == expected, word
    # Words that are not a country's: no language of a nation, an ambiguous region, cubic, English.
    for word, language in (("European", "en"), ("europäischen", "de"), ("kubisch", "de"), ("English", "en")):
        assert adjective_of(word, language) is None, word
    assert adjective_of("Arabic", "en") is None and adjective_of("russischen", None) is None


def test_canonical_adjectives_found_in_text_link_to_their_country() -> None:
    from rashomon.extract.places import adjective_mentions

    text_de = (
        "Die russischen Truppen und die US-amerikanische Regierung. Die Deutsche Bank zahlt. "
        "Deutsch-russische Gespräche; die Russen schweigen."
    )
    bank = text_de.index("Deutsche Bank")
    found_de = [Found(bank, bank + len("Deutsche Bank"), "Deutsche Bank", "ORG")]
    surfaces = [m.surface for m in adjective_mentions(text_de, "de", found_de)]
    # "Deutsche Bank" belongs to the recogniser's organisation; a compound names two countries.
    assert surfaces == ["russischen", "US-amerikanische", "Deutsch", "russische", "Russen"]
    # Without the recogniser's help: a people's noun never stands before a capitalised word, and a
    # capitalised adjective counts only at a sentence start.
    unaided = "Die Deutsche Bank zahlt. Russische Truppen kamen. Die Russische Föderation schweigt."
    assert [m.surface for m in adjective_mentions(unaided, "de", [])] == ["Russische"]
    text_en = "Kazakh officials met Russian diplomats; the Kazakhs said they polish nothing."
    assert [m.surface for m in adjective_mentions(text_en, "en", [])] == ["Kazakh", "Russian", "Kazakhs"]
    text_ru = "Казахстанские и российские дипломаты встретились."
    assert [m.surface for m in adjective_mentions(text_ru, "ru", [])] == ["Казахстанские", "российские"]
    articles = [article("de", text_de, "de"), article("en", text_en, "en"), article("ru", text_ru, "ru")]
    texts = [text_de, text_en, text_ru]
    mentions = [
        [*(found_de if i == 0 else []), *adjective_mentions(t, a.language, found_de if i == 0 else [])]
        for i, (t, a) in enumerate(zip(texts, articles, strict=True))
    ]
    entities = by_alias(link_entities(articles, mentions, reader_language="de"))
    russia = entities["russischen"]
    assert russia is entities["Russian"] is entities["российские"] is entities["Russen"]
    assert russia.key == "ISO:RU" and russia.label == "LOC" and russia.name == "Russland"
    assert entities["Kazakhs"] is entities["Kazakh"] is entities["Казахстанские"]
    vias = {m.surface: m.via for e in set(entities.values()) for m in e.mentions}
    assert vias["russischen"] == vias["Russian"] == "adjective" and vias["Russen"] == vias["Kazakhs"] == "demonym"
    assert entities["US-amerikanische"].key == "ISO:US" and entities["Deutsch"].key == "ISO:DE"
    assert entities["Deutsche Bank"].key.startswith("ORG")


def test_canonical_a_city_name_two_cities_bear_goes_to_the_country_the_article_names() -> None:
    from rashomon.extract.places import city_of

    assert city_of("Córdoba") == "CTY:AR:Córdoba"  # the most populous, without context
    assert city_of("Córdoba", countries={"ES"}) == "CTY:ES:Córdoba"
    text = "Las protestas llegaron de Sevilla a Córdoba, en el sur de España."
    articles = [article("es", text, "es")]
    mentions = [found(text, ("Sevilla", "LOC"), ("Córdoba", "LOC"), ("España", "LOC"))]
    entities = by_alias(link_entities(articles, mentions, reader_language="en"))
    assert entities["Córdoba"].key == "CTY:ES:Córdoba" and entities["Sevilla"].key == "CTY:ES:Sevilla"
    assert entities["España"].key == "ISO:ES"
    assert {m.via for m in entities["España"].mentions} == {"country"}  # a name, not an adjective


def test_canonical_a_city_without_a_cldr_name_is_shown_as_the_readers_articles_write_it() -> None:
    text_de = "Der Dom steht in Köln. Kölns Bürgermeisterin sprach."
    text_en = "The cathedral stands in Cologne."
    articles = [article("de", text_de, "de"), article("en", text_en, "en")]
    mentions = [found(text_de, ("Köln", "LOC"), ("Kölns", "LOC")), found(text_en, ("Cologne", "LOC"))]
    german = by_alias(link_entities(articles, mentions, reader_language="de"))
    assert german["Köln"] is german["Kölns"] is german["Cologne"] and german["Köln"].key == "CTY:DE:Köln"
    assert german["Köln"].name == "Köln"  # not the inflected "Kölns"
    assert by_alias(link_entities(articles, mentions, reader_language="en"))["Köln"].name == "Cologne"
    assert by_alias(link_entities(articles, mentions, reader_language="ru"))["Köln"].name in ("Кёльн", "Кельн")


def test_canonical_what_a_tagger_reads_as_a_name_of_its_own_links_to_the_country_or_city() -> None:
    """A dotted country abbreviation the recogniser leaves out is found; a lone country adjective
    read as a person is the country; a dateline's capitals are never the name shown."""
    from rashomon.extract.places import adjective_mentions

    text = "WASHINGTON - U.S. officials and Kazakh ministers met in Washington. The U.K. agreed."
    dotted = [m for m in adjective_mentions(text, "en", []) if "." in m.surface]
    assert [(m.surface, m.label) for m in dotted] == [("U.S.", "LOC"), ("U.K.", "LOC")]
    mentions = [
        *found(text, ("WASHINGTON", "LOC"), ("Kazakh", "PER"), ("Washington", "LOC")),
        *dotted,
    ]
    entities = by_alias(link_entities([article("en1", text, "en")], [mentions], reader_language="en"))
    assert entities["U.S."].key == "ISO:US" and entities["U.K."].key == "ISO:GB"
    assert entities["Kazakh"].key == "ISO:KZ" and entities["Kazakh"].label == "LOC"
    capital = entities["WASHINGTON"]
    assert capital is entities["Washington"] and capital.name == "Washington"
    alone = by_alias(
        link_entities(
            [article("en2", "WASHINGTON - Talks.", "en")], [found("WASHINGTON - Talks.", ("WASHINGTON", "LOC"))]
        )
    )
    assert alone["WASHINGTON"].name == "Washington"
    # Initials stay names; a full name with a nationality as a surname is a person.
    assert not [m for m in adjective_mentions("J.R. Smith and A.B. said.", "en", []) if "." in m.surface]
    named = "Mary French spoke."
    people = by_alias(link_entities([article("en3", named, "en")], [found(named, ("Mary French", "PER"))]))
    assert people["Mary French"].key.startswith("PER:")
