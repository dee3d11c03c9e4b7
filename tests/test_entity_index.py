"""Entity linking kept per key in a workspace: linking new articles into stored entities gives
what linking every article at once gives, including where a new article undoes an earlier link."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rashomon import Workspace, load_settings
from rashomon.extract.canonical import link_entities
from rashomon.pipeline import relink_entities
from rashomon.records import Article, Extraction, Mention

SETTINGS = load_settings(embedder="hashing")

# (text, the names in it as PER mentions): lone surnames, full names, inflected forms.
TEXTS = [
    ("Anna Schmidt sprach in Berlin. Schmidt sagte, es gehe voran.", ["Anna Schmidt", "Schmidt"]),
    ("Schmidt erklärte am Abend, man sei zufrieden.", ["Schmidt"]),
    ("Peter Schmidt widersprach heftig.", ["Peter Schmidt"]),
    ("Nach Angaben von Schmidts Büro war alles geplant.", ["Schmidts"]),
    ("Anna Schmitt, die Ministerin, reiste ab.", ["Anna Schmitt"]),
    ("Tokajew traf Anna Schmidt in Astana.", ["Tokajew", "Anna Schmidt"]),
    ("Kassym-Schomart Tokajew sprach von Partnerschaft.", ["Kassym-Schomart Tokajew"]),
    ("Tokajews Regierung schwieg dazu.", ["Tokajews"]),
]


def article(number: int) -> tuple[Article, Extraction]:
    text, names = TEXTS[number % len(TEXTS)]
    article_id = f"a{number:03d}"
    mentions = []
    after = 0
    for name in names:
        start = text.index(name, after)
        after = start + len(name)
        mentions.append(Mention(start, start + len(name), name, "PER", 0.9, "test"))
    published = f"2025-03-{1 + number % 28:02d}"
    record = Article(
        id=article_id,
        source=f"{article_id}.txt",
        raw_text=text,
        text=text,
        title=text[:20],
        language="de",
        published=published,
    )
    return record, Extraction(article_id, tuple(mentions))


def stored_entities(batches: list[list[int]]) -> tuple:  # type: ignore[type-arg]
    with Workspace.in_memory() as ws:
        for batch in batches:
            with ws.write() as db:
                pairs = [article(n) for n in batch]
                for record, _x in pairs:
                    ws.add_article(db, record, np.zeros(4, dtype=np.float32), "test")
                ws.save_extractions(db, [x for _a, x in pairs])
                relink_entities(ws, db, [x for _a, x in pairs], SETTINGS)
        return ws.entities()


def linked_at_once(numbers: list[int]) -> tuple:  # type: ignore[type-arg]
    pairs = [article(n) for n in numbers]
    return link_entities([a for a, _x in pairs], [x.mentions for _a, x in pairs])


def test_a_second_full_name_arriving_later_links_as_if_all_came_at_once() -> None:
    # Batch 1: one "… Schmidt" in the corpus, so a lone "Schmidt" elsewhere is hers (surname rule).
    first = stored_entities([[0, 1]])
    anna = next(e for e in first if e.name == "Anna Schmidt")
    assert {m.article_id for m in anna.mentions} == {"a000", "a001"}
    # Batch 2 brings a second full name with that surname: the corpus-wide rule no longer applies
    # (the lone surname stays hers only through the article that names her in full).
    later = stored_entities([[0, 1], [2]])
    assert later == linked_at_once([0, 1, 2])
    assert any(e.name == "Peter Schmidt" for e in later)


def test_inflected_and_near_spelled_names_join_across_batches() -> None:
    numbers = list(range(len(TEXTS)))
    assert stored_entities([numbers[:3], numbers[3:5], numbers[5:]]) == linked_at_once(numbers)
    tokayev = next(e for e in linked_at_once(numbers) if "Tokajew" in e.name)
    assert {m.surface for m in tokayev.mentions} >= {"Tokajew", "Tokajews"}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 23), min_size=1, max_size=12, unique=True), st.integers(1, 4))
def test_any_batches_link_like_all_at_once(numbers: list[int], cuts: int) -> None:
    size = max(1, len(numbers) // cuts)
    batches = [numbers[i : i + size] for i in range(0, len(numbers), size)]
    got = stored_entities(batches)
    expected = linked_at_once(numbers)
    assert [dataclasses.asdict(e) for e in got] == [dataclasses.asdict(e) for e in expected]


def readings(ws: Workspace) -> dict[str, list[tuple[int, int, str, str, str]]]:
    """How each stored article's mentions read: their entity, its display name and label."""
    out: dict[str, list[tuple[int, int, str, str, str]]] = {}
    for entity in ws.entities():
        for m in entity.mentions:
            out.setdefault(m.article_id, []).append((m.start, m.end, entity.id, entity.name, entity.label))
    return {a: sorted(rows) for a, rows in out.items()}


def stale_after(batches: list[list[int]]) -> list[tuple[set[str], set[str]]]:
    """For each batch after the first: the stored articles relink_entities says read differently
    now, and those that do (their mentions' entity, name or label changed)."""
    out = []
    with Workspace.in_memory() as ws:
        for number, batch in enumerate(batches):
            before = readings(ws)
            with ws.write() as db:
                pairs = [article(n) for n in batch]
                for record, _x in pairs:
                    ws.add_article(db, record, np.zeros(4, dtype=np.float32), "test")
                ws.save_extractions(db, [x for _a, x in pairs])
                said = relink_entities(ws, db, [x for _a, x in pairs], SETTINGS)
            after = readings(ws)
            if number:
                new = {record.id for record, _x in pairs}
                out.append((said - new, {a for a, rows in before.items() if after.get(a) != rows}))
    return out


def test_an_earlier_article_whose_surname_joins_a_full_name_later_is_stale() -> None:
    # Batch 1: a lone "Schmidt" is an entity of its own; batch 2 names Anna Schmidt in full, and
    # the earlier article's "Schmidt" is hers now: what was derived from it names someone else.
    [(said, changed)] = stale_after([[1], [0]])
    assert said == changed == {"a001"}


def test_articles_naming_entities_that_did_not_change_are_not_stale() -> None:
    # Tokajew's articles are untouched by a batch about Peter Schmidt.
    [(said, changed)] = stale_after([[6, 7], [2]])
    assert said == changed == set()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 23), min_size=2, max_size=12, unique=True), st.integers(2, 4))
def test_the_stale_articles_are_exactly_those_that_read_differently(numbers: list[int], cuts: int) -> None:
    size = max(1, len(numbers) // cuts)
    batches = [numbers[i : i + size] for i in range(0, len(numbers), size)]
    for said, changed in stale_after(batches):
        assert said == changed


@pytest.mark.parametrize(
    ("surface", "key"),
    [("Moskau", "CAP:RU:Moscow"), ("ASTANA", "CAP:KZ:Astana"), ("Washington", "CAP:US:Washington")],
)
def test_a_capital_read_as_an_organisation_is_the_capital(surface: str, key: str) -> None:
    """Datelines, visits and governments named by their seat: the tagger may say ORG, the index
    must not split the capital in two."""
    from rashomon.extract.canonical import _known_key

    assert _known_key(surface, "ORG", "de") == (key, "LOC", "city")


@pytest.mark.parametrize("surface", ["Bremen", "Hamburg", "Werder Bremen"])
def test_a_town_read_as_an_organisation_stays_one(surface: str) -> None:
    """Clubs are named after towns ("Bremen gewann 2:1"): only capitals are taken back."""
    from rashomon.extract.canonical import _known_key

    assert _known_key(surface, "ORG", "de") is None
