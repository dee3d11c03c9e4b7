"""Naming choices: contested terms from the lexicon, and outlet-distinctive words (Fightin' Words)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rashomon.compare.naming import (
    PACKAGED_LEXICON,
    distinctive_terms,
    find_terms,
    load_lexicon,
    naming_choices,
)
from rashomon.config import load_settings
from rashomon.errors import ConfigError
from rashomon.labels import stopwords
from rashomon.records import Article


def article(article_id: str, text: str, language: str, outlet: str | None = None) -> Article:
    return Article(id=article_id, source=article_id, raw_text=text, text=text, language=language, outlet=outlet)


def terms_of(text: str, language: str, referent: str = "war-in-ukraine") -> list[tuple[str, str]]:
    return [(use.term, use.surface) for use in find_terms(text, language) if use.referent == referent]


# -- the packaged lexicon -------------------------------------------------------------------


def test_naming_packaged_lexicon_is_valid_and_covers_the_languages() -> None:
    lexicon = load_lexicon()
    assert 15 <= len(lexicon.referents) <= 25
    assert {"neutral", "accusatory", "vague", "euphemism", "delegitimising", "legitimising"} <= set(lexicon.stances)
    for referent in lexicon.referents:
        assert referent.description
        for term in referent.terms:
            assert term.stance in lexicon.stances and term.forms
    war = lexicon.referent("war-in-ukraine")
    required = {
        "war",
        "invasion",
        "war-of-aggression",
        "special-military-operation",
        "conflict",
        "crisis",
        "the-events",
    }
    assert required <= {term.id for term in war.terms}
    for term_id in required:
        assert set(lexicon.term("war-in-ukraine", term_id).forms) >= {"de", "en", "ru", "fr", "es", "it", "pl", "uk"}
    assert len(lexicon.referents) == len(json.loads(PACKAGED_LEXICON.read_text(encoding="utf-8"))["referents"])


# -- matching -------------------------------------------------------------------------------


def test_naming_finds_german_inflections_and_compounds() -> None:
    text = (
        "Seit Beginn des russischen Angriffskrieges gegen die Ukraine fliehen Menschen. "
        "Im Ukraine-Krieg sterben Soldaten. Moskau nennt es eine militärische Spezialoperation; "
        "der Kreml lobt den Verlauf der Sondermilitäroperation. "
        "Der Jahrestag des Einmarschs in die Ukraine wurde begangen."
    )
    found = terms_of(text, "de")
    assert found == [
        ("war-of-aggression", "Angriffskrieges"),
        ("war", "Ukraine-Krieg"),
        ("special-military-operation", "militärische Spezialoperation"),
        ("special-military-operation", "Sondermilitäroperation"),
        ("invasion", "Einmarschs"),
    ]
    for use in find_terms(text, "de"):
        assert text[use.start : use.end] == use.surface
        assert text[use.sentence_start : use.sentence_start + len(use.sentence)] == use.sentence
        assert use.surface in use.sentence


def test_naming_finds_russian_cases_and_the_acronym() -> None:
    text = (
        "Президент России заявил, что цели специальной военной операции будут достигнуты. "
        "Участники СВО получат выплаты. В ходе спецоперации армия продвинулась. "
        "Своё мнение он не изменил."
    )
    assert terms_of(text, "ru") == [
        ("special-military-operation", "специальной военной операции"),
        ("special-military-operation", "СВО"),
        ("special-military-operation", "спецоперации"),
    ]
    # "сво" in lower case is no acronym; "Своё" is no match.
    assert terms_of("сво и своё, Россия", "ru") == []


def test_naming_finds_the_other_languages() -> None:
    assert ("war-of-aggression", "загарбницьку війну") in terms_of("Росія веде загарбницьку війну проти України.", "uk")
    assert ("war-of-aggression", "wojnę napastniczą") in terms_of("Rosja prowadzi wojnę napastniczą.", "pl")
    assert ("special-military-operation", "operazione militare speciale") in terms_of(
        "Mosca la chiama operazione militare speciale.", "it"
    )
    assert ("the-events", "acontecimientos en Ucrania") in terms_of("Tras los acontecimientos en Ucrania…", "es")
    assert ("war-of-aggression", "guerre d'agression") in terms_of("La Russie mène une guerre d'agression.", "fr")
    english = "Russia's war of aggression against Ukraine goes on."
    assert terms_of(english, "en") == [("war-of-aggression", "war of aggression")]  # longest, not "war"


def test_naming_ignores_look_alike_words() -> None:
    german = (
        "Russland und die Ukraine: Kriegsverbrechen werden untersucht, der Zweite Weltkrieg ist lange vorbei, "
        "im Kalten Krieg war das anders. Das Sanktionsregime gegen Russland bleibt. "
        "Die Regierungsführung in Kiew wird gelobt."
    )
    assert terms_of(german, "de") == []  # "war" is German for "was"; no English forms in German text
    uses = find_terms(german, "de")
    assert ("sanctions", "Sanktionsregime") in [(u.term, u.surface) for u in uses]
    assert not any(u.referent == "government-vs-regime" for u in uses)
    english = (
        "Moving toward peace, Russia and Ukraine discussed war crimes and the Cold War. "
        "An award went to a software firm. Chicken Kiev is a dish. Fighter jets flew over Ukraine. "
        "The visa regime was eased; a conflict of interest was declared."
    )
    uses = find_terms(english, "en")
    assert [(u.referent, u.surface) for u in uses] == []
    # A plain word counts only with the war in its sentence.
    assert terms_of("Der Krieg um die Rente geht weiter.", "de") == []
    assert terms_of("Der Krieg in der Ukraine geht weiter.", "de") == [("war", "Krieg")]


def test_naming_marks_scare_quotes() -> None:
    text = (
        "Der Kreml spricht von einer sogenannten „Sondermilitäroperation“ in der Ukraine. "
        "Moskau nennt es „militärische Spezialoperation“. "
        "„Die Spezialoperation läuft nach Plan und wird fortgesetzt“, sagte Peskow. "
        "Die Spezialoperation dauert an."
    )
    scare = [use.scare_quoted for use in find_terms(text, "de") if use.term == "special-military-operation"]
    assert scare == [True, True, False, False]
    english = find_terms("The so-called special military operation began in 2022.", "en")
    assert [use.scare_quoted for use in english] == [True]


# -- user lexicons --------------------------------------------------------------------------


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_naming_user_lexicon_merges_over_the_packaged_one(tmp_path: Path) -> None:
    user = write(
        tmp_path / "mine.json",
        {
            "stances": {"ironic": "Mocks the official name."},
            "referents": {
                "war-in-ukraine": {
                    "terms": {
                        "three-day-operation": {
                            "label": "three-day operation",
                            "stance": "ironic",
                            "forms": {"de": ["dreitägig* {spezial,sonder}operation{,en}"]},
                        },
                        "war": {"forms": {"de": ["feldzug{,es,s}"]}},
                        "denazification": {"disabled": True},
                    }
                },
                "pipeline-names": {
                    "description": "The gas pipelines under the Baltic Sea.",
                    "terms": {"nord-stream": {"stance": "neutral", "forms": {"de": ["nord stream{,s}"]}}},
                },
            },
        },
    )
    lexicon = load_lexicon(user)
    assert lexicon.sources[-1] == str(user)
    assert lexicon.stances["ironic"] == "Mocks the official name."
    war = lexicon.referent("war-in-ukraine")
    assert "denazification" not in {t.id for t in war.terms}
    # A language the user lists replaces that language's forms; the others keep theirs.
    assert lexicon.term("war-in-ukraine", "war").forms["de"] == ("feldzug{,es,s}",)
    assert "war" in lexicon.term("war-in-ukraine", "war").forms["en"]
    text = "Russlands dreitägige Spezialoperation wurde zum Feldzug. Nord Stream liegt still. Der Krieg in der Ukraine."
    found = [(u.term, u.surface) for u in find_terms(text, "de", lexicon)]
    assert ("three-day-operation", "dreitägige Spezialoperation") in found
    assert ("war", "Feldzug") in found and ("nord-stream", "Nord Stream") in found
    assert all(surface != "Krieg" for _, surface in found)
    # The packaged lexicon is unchanged.
    assert "denazification" in {t.id for t in load_lexicon().referent("war-in-ukraine").terms}
    assert load_settings(naming_lexicon=str(user)).naming_lexicon == str(user)


BAD_LEXICONS = [
    ("{not json", "not valid JSON (line 1"),
    (
        '{"referents": {"x": {"description": "d", "terms": {"t": {"stance": "snarky", "forms": {"en": ["t"]}}}}}}',
        "unknown stance 'snarky'",
    ),
    (
        '{"referents": {"x": {"description": "d", "terms": {"t": {"stance": "neutral", "forms": {"en": ["krieg{,e"]}}}}}}',
        "form 'krieg{,e'",
    ),
    (
        '{"referents": {"x": {"description": "d", "terms": {"t": {"stance": "neutral", "forms": {"en": ["*"]}}}}}}',
        "matches the empty string",
    ),
    ('{"refernts": {}}', "unknown key(s) 'refernts'"),
    (
        '{"referents": {"x": {"description": "d", "terms": {"t": {"stance": "neutral", "forms": {"English": ["t"]}}}}}}',
        "'English' is not a lower-case ISO 639-1",
    ),
    (
        '{"referents": {"x": {"terms": {"t": {"stance": "neutral", "forms": {"en": ["t"]}}}}}}',
        'a new referent needs a "description"',
    ),
    (
        '{"referents": {"x": {"description": "d", "terms": {"t": {"forms": {"en": ["t"]}}}}}}',
        'needs a "stance" and "forms"',
    ),
    ('{"referents": {"x": {"description": "a", "description": "b"}}}', "appears twice"),
    ('{"referents": {"x": {"description": "d", "context_scope": "page", "terms": {}}}}', "context_scope 'page'"),
]


@pytest.mark.parametrize(("content", "problem"), BAD_LEXICONS, ids=[p for _, p in BAD_LEXICONS])
def test_naming_bad_user_lexicon_is_a_config_error_naming_file_and_problem(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "bad-lexicon.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_lexicon(path)
    assert str(path) in str(caught.value) and problem in str(caught.value)


def test_naming_missing_lexicon_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    with pytest.raises(ConfigError, match="nowhere.json"):
        load_lexicon(missing)
    with pytest.raises(ConfigError, match="naming_lexicon"):
        load_settings(naming_lexicon=str(missing))


# -- naming choices per outlet --------------------------------------------------------------


def test_naming_choices_per_outlet_with_counts_and_evidence() -> None:
    articles = [
        article(
            "a1",
            "Der russische Angriffskrieg gegen die Ukraine dauert an. Der Krieg kostet Russland viel.",
            "de",
            "Taz",
        ),
        article("a2", "Seit dem Einmarsch in die Ukraine ist der Krieg Alltag.", "de", "Taz"),
        article("b1", "Die Sondermilitäroperation in der Ukraine verläuft nach Plan, so der Kreml.", "de", "RT DE"),
        article("c1", "The special military operation in Ukraine goes on, Moscow says.", "en", None),
        article("d1", "Sanctions and more sanctions.", "en", "Wire"),
    ]
    choices = {choice.referent: choice for choice in naming_choices(articles)}
    war = choices["war-in-ukraine"]
    assert war.differs
    outlets = {o.outlet: o for o in war.outlets}
    assert list(outlets) == ["RT DE", "Taz", "article c1"]  # an article without an outlet stands for itself
    taz = outlets["Taz"]
    assert taz.articles == 2 and taz.article_ids == ("a1", "a2")
    assert [(t.term, t.count) for t in taz.terms] == [("war", 2), ("invasion", 1), ("war-of-aggression", 1)]
    assert {t.stance for t in taz.terms} == {"neutral", "accusatory"}
    assert [t.term for t in outlets["RT DE"].terms] == ["special-military-operation"]
    assert outlets["RT DE"].terms[0].echoes == "russian-government"
    evidence = taz.terms[0].evidence[0]
    assert evidence.article_id == "a1" and evidence.surface == "Krieg" and "kostet" in evidence.sentence
    assert "Wire" not in outlets  # the wire never names the war
    assert [o.outlet for o in choices["sanctions"].outlets] == ["Wire"]
    assert not choices["sanctions"].differs


def test_naming_choices_of_no_articles_is_empty() -> None:
    assert naming_choices([]) == []


# -- distinctive words ----------------------------------------------------------------------


def corpus() -> dict[str, list[Article]]:
    shared = "Die Regierung berät am Montag über den Haushalt und die Steuern im Land."
    fishing = (
        "Die Fischer protestieren gegen die Fangquote. Die Fangquote für Hering sei zu niedrig, sagen die Fischer."
    )
    pensions = "Die Rentenreform belastet junge Beschäftigte. Gegen die Rentenreform klagen die Gewerkschaften."
    return {
        "Nordkurier": [article(f"n{i}", f"{shared} {fishing}", "de") for i in range(4)],
        "Rentenblatt": [article(f"r{i}", f"{shared} {pensions}", "de") for i in range(4)],
        "Anzeiger": [article(f"a{i}", f"{shared} Am Montag schien die Sonne im Land.", "de") for i in range(4)],
    }


def test_distinctive_terms_rank_each_outlets_own_words() -> None:
    result = distinctive_terms(corpus(), "de", top=3)
    words = {outlet: [t.word for t in terms] for outlet, terms in result.items()}
    assert words["Nordkurier"][:2] == ["Fangquote", "Fischer"]
    assert words["Rentenblatt"][:1] == ["Rentenreform"]
    stop = stopwords("de")
    for terms in result.values():
        for term in terms:
            assert term.z >= 1.96 and term.count >= 2 and term.word.lower() not in stop
            assert 1 <= len(term.evidence) <= 2
            assert len({e.article_id for e in term.evidence}) == len(term.evidence)
    top = result["Nordkurier"][0]
    assert (top.count, top.other_count, top.documents) == (8, 0, 4)
    texts = {a.id: a.text for docs in corpus().values() for a in docs}
    for evidence in top.evidence:
        text = texts[evidence.article_id]
        assert text[evidence.start : evidence.end] == "Fangquote"
        assert text[evidence.sentence_start :].startswith(evidence.sentence) and "Fangquote" in evidence.sentence
    # Words every outlet shares are never distinctive.
    assert not any(t.word in ("Regierung", "Haushalt") for terms in result.values() for t in terms)


def test_distinctive_terms_need_two_outlets_and_skip_other_languages() -> None:
    docs = corpus()
    assert distinctive_terms({"Nordkurier": docs["Nordkurier"]}, "de") == {"Nordkurier": ()}
    english = {outlet: [article("x" + a.id, a.text, "en") for a in items] for outlet, items in docs.items()}
    assert all(terms == () for terms in distinctive_terms(english, "de").values())


def test_distinctive_terms_use_a_background_corpus_for_the_prior() -> None:
    background = ["Die Fischer und die Fangquote sind ein altes Thema."] * 50
    plain = distinctive_terms(corpus(), "de", top=5, min_z=0)
    sharpened = distinctive_terms(corpus(), "de", top=5, min_z=0, background=background)
    odds_plain = {t.word: t.log_odds for t in plain["Nordkurier"]}
    odds_background = {t.word: t.log_odds for t in sharpened["Nordkurier"]}
    # A word the background uses a lot is less surprising in one outlet: its odds shrink more.
    assert odds_background["Fangquote"] < odds_plain["Fangquote"]


WORDS = ["Hafen", "Streik", "Fangquote", "Rente", "Reform", "Wahl", "Kanzler", "Sturm", "Ernte", "Zoll"]


@settings(max_examples=30, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["A", "B", "C"]),
        st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12), min_size=1, max_size=5),
        min_size=2,
        max_size=3,
    ),
    st.randoms(use_true_random=False),
)
def test_distinctive_terms_do_not_depend_on_document_order(outlets: dict, rng: random.Random) -> None:
    docs = {
        outlet: [article(f"{outlet}{i}", " ".join(words) + ".", "de") for i, words in enumerate(texts)]
        for outlet, texts in outlets.items()
    }
    shuffled = {}
    for outlet in rng.sample(list(docs), len(docs)):
        shuffled[outlet] = rng.sample(docs[outlet], len(docs[outlet]))
    assert distinctive_terms(docs, "de", min_z=0, min_count=1) == distinctive_terms(
        shuffled, "de", min_z=0, min_count=1
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Krieg",
                "Ukraine",
                "„Sondermilitäroperation“",
                "sogenannte",
                "war",
                "СВО",
                "войны",
                "Russland",
                ".",
                "\n",
                " ",
                "—",
                "Kiew",
            ]
        )
        | st.text(max_size=6),
        max_size=30,
    ),
    st.sampled_from(["de", "en", "ru", None]),
)
def test_naming_uses_always_point_at_their_text(pieces: list[str], language: str | None) -> None:
    text = " ".join(pieces)
    for use in find_terms(text, language):
        assert text[use.start : use.end] == use.surface
        assert text[use.sentence_start : use.sentence_start + len(use.sentence)] == use.sentence


# -- the seeds ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_articles(seeds_dir: Path) -> dict[str, Article]:
    """The seeds, cleaned and with their language (no embedding needed), by file prefix."""
    from rashomon import read_paths
    from rashomon.pipeline import prepare
    from rashomon.records import Document

    documents = [d for d in read_paths([seeds_dir]) if isinstance(d, Document)]
    articles, _ = prepare(documents, load_settings())
    return {Path(a.source).name[:3]: a for a in articles}


def test_naming_seeds_show_each_outlets_name_for_the_war(seed_articles: dict[str, Article]) -> None:
    event = [seed_articles[prefix] for prefix in ("000", "002", "003")]
    war = next(choice for choice in naming_choices(event) if choice.referent == "war-in-ukraine")
    assert war.differs
    by_article = {o.article_ids[0]: {t.term: t for t in o.terms} for o in war.outlets}
    first, second, third = (by_article[seed_articles[p].id] for p in ("000", "002", "003"))
    # 000 (German): an invasion, Russia's attack on Ukraine, the war.
    assert {"invasion", "war"} <= set(first) and first["invasion"].stance == "accusatory"
    assert {"Invasion", "Russlands Angriff auf die Ukraine"} <= set(first["invasion"].surfaces)
    # 002 (German): "the events in Ukraine" and "the military confrontation", once the invasion.
    assert first.keys() != second.keys()
    assert second["the-events"].surfaces == ("Ereignisse in der Ukraine",) and second["the-events"].count == 2
    assert second["conflict"].surfaces == ("militärischen Auseinandersetzung",)
    assert second["invasion"].surfaces == ("Einmarschs",)
    # 003 (English): the Kremlin's "special military operation", used without quotation marks.
    assert set(third) == {"special-military-operation"}
    assert third["special-military-operation"].scare_quoted == 0
    assert third["special-military-operation"].echoes == "russian-government"
    # 001 (German, another event): "the Russian military deployment", and "so-called" secondary sanctions.
    other = find_terms(seed_articles["001"].text, "de")
    assert ("military-operation", "Militäreinsatz") in [(u.term, u.surface) for u in other]
    assert [u.scare_quoted for u in other if u.term == "secondary-sanctions"] == [True]
    assert [(u.term, u.surface) for u in find_terms(seed_articles["003"].text, "en") if u.referent == "sanctions"][
        0
    ] == (
        "anti-russian-sanctions",
        "anti-Russian sanctions",
    )


def test_naming_seeds_event_from_the_pipeline(seeds_analysis) -> None:
    by_prefix = {a.id: Path(a.source).name[:3] for a in seeds_analysis.articles}
    event = next(e for e in seeds_analysis.events if {by_prefix[i] for i in e.article_ids} == {"000", "002", "003"})
    members = [a for a in seeds_analysis.articles if a.id in event.article_ids]
    war = next(choice for choice in naming_choices(members) if choice.referent == "war-in-ukraine")
    stances = {by_prefix[o.article_ids[0]]: {t.stance for t in o.terms} for o in war.outlets}
    assert stances["000"] == {"accusatory", "neutral"}
    assert stances["002"] == {"euphemism", "vague", "accusatory"}
    assert stances["003"] == {"euphemism"}
