"""Copies and syndication: exact and near duplicates, originals, incremental index."""

from __future__ import annotations

import random

from rashomon.dedup import CopyLink, DedupIndex, find_duplicates, normalise_text, shingle_hashes
from rashomon.records import Article

WIRE = (
    "Rescue teams searched through the night for survivors after a landslide buried part of a mountain village "
    "in the north of the country, officials said on Sunday. At least twelve houses were destroyed when a slope "
    "gave way after three days of heavy rain, the regional governor told reporters at the scene.\n\n"
    "Soldiers and volunteers used shovels and their bare hands to dig through mud and rocks, while heavy "
    "machinery struggled to reach the village along a damaged road. Seven people were taken to hospital with "
    "injuries, and the authorities said the number of missing had risen to nineteen by the evening.\n\n"
    "The weather service warned that more rain was expected in the coming days and urged residents of nearby "
    "valleys to move to higher ground. Schools in the district will stay closed until Wednesday, and a "
    "temporary shelter has been opened in the sports hall of the neighbouring town.\n\n"
    "The prime minister expressed his condolences to the families and promised that the government would "
    "pay for the reconstruction of the destroyed homes. Geologists have warned for years that deforestation "
    "on the surrounding slopes made landslides more likely during the rainy season."
)

OTHER = (
    "The city council approved a plan on Tuesday to turn the old railway depot into a park with playgrounds, "
    "a market hall and a cycling path along the river. Construction is due to start next spring and should be "
    "finished within two years, the mayor said after the vote.\n\n"
    "The project will cost about forty million euros, most of it paid by a European fund for urban renewal. "
    "Opposition councillors criticised the plan for offering too few new homes, but voted in favour after the "
    "mayor agreed to add a housing block at the northern end of the site.\n\n"
    "Residents had campaigned for a decade to reuse the depot, which has stood empty since the line closed. "
    "An architecture competition for the market hall will be launched in the summer."
)

GERMAN = (
    "Rettungskräfte haben die ganze Nacht nach Überlebenden gesucht, nachdem ein Erdrutsch Teile eines "
    "Bergdorfs im Norden des Landes verschüttet hatte, teilten Behörden am Sonntag mit. Mindestens zwölf "
    "Häuser wurden zerstört, als ein Hang nach drei Tagen Starkregen nachgab, sagte der Gouverneur.\n\n"
    "Soldaten und Freiwillige gruben mit Schaufeln und bloßen Händen durch Schlamm und Geröll. Sieben "
    "Menschen wurden verletzt ins Krankenhaus gebracht, die Zahl der Vermissten stieg bis zum Abend auf neunzehn."
)


def article(article_id: str, text: str, published: str | None = None) -> Article:
    return Article(id=article_id, source=f"{article_id}.txt", raw_text=text, text=text, published=published)


def test_normalisation_ignores_case_punctuation_and_spacing():
    assert normalise_text("Hello,  World!\n\nIt's  — “here”.") == normalise_text("hello world it s here")
    assert normalise_text("東京都") == "東 京 都"
    assert len(shingle_hashes(normalise_text(WIRE))) > 100


def test_exact_copies_collapse_into_one_group():
    reformatted = WIRE.upper().replace(",", "").replace("\n\n", "\n")
    result = find_duplicates([article("a", WIRE), article("b", reformatted), article("c", WIRE), article("x", OTHER)])
    [group] = result.groups
    assert group.original_id == "a"
    assert group.copy_ids == ("b", "c")
    assert group.links == (CopyLink("b", "a", 1.0, "exact", 1.0), CopyLink("c", "a", 1.0, "exact", 1.0))


def test_near_copy_with_new_intro_and_outro():
    paragraphs = WIRE.split("\n\n")
    edited = "\n\n".join(
        ["(Local desk) Our reporter in the region spoke to residents on Monday morning.", *paragraphs[:-1]]
        + ["Follow our live coverage for updates throughout the day."]
    )
    result = find_duplicates([article("copy", edited, "2024-05-02"), article("orig", WIRE, "2024-05-01T08:00:00Z")])
    [group] = result.groups
    assert group.original_id == "orig" and group.copy_ids == ("copy",)
    [link] = group.links
    assert link.kind == "near" and 0.5 <= link.similarity < 1.0


def test_cut_copy_is_linked_by_containment():
    shortened = "\n\n".join(WIRE.split("\n\n")[:2])
    [group] = find_duplicates([article("orig", WIRE), article("short", shortened)]).groups
    [link] = group.links
    assert link.copy_id == "short" and link.containment > 0.95 and link.similarity < 0.6


def test_different_story_and_other_language_not_linked():
    result = find_duplicates([article("en", WIRE), article("other", OTHER), article("de", GERMAN)])
    assert result.groups == ()


def test_original_is_earliest_published_then_earliest_added():
    edited = WIRE.replace("twelve", "fifteen").replace("nineteen", "twenty")
    dated = find_duplicates([article("late", WIRE, "2024-05-03"), article("early", edited, "2024-05-01")])
    assert dated.groups[0].original_id == "early"
    undated = find_duplicates([article("first", WIRE), article("second", edited)])
    assert undated.groups[0].original_id == "first"
    mixed = find_duplicates([article("nodate", WIRE), article("dated", edited, "2024-05-01")])
    assert mixed.groups[0].original_id == "dated"


def test_digest_does_not_merge_the_stories_it_contains():
    digest = WIRE + "\n\n" + OTHER
    result = find_duplicates([article("wire", WIRE), article("other", OTHER), article("digest", digest)])
    originals = {group.original_id for group in result.groups}
    assert len(result.groups) == 1 and originals <= {"wire", "other"}
    assert result.groups[0].copy_ids == ("digest",)


def corpus(seed: int) -> list[Article]:
    rng = random.Random(seed)
    words = (WIRE + " " + OTHER).split()
    stories = [" ".join(rng.choice(words) for _ in range(250)) for _ in range(30)]
    articles = []
    for index in range(120):
        base = stories[rng.randrange(len(stories))]
        tokens = base.split()
        for _ in range(rng.randrange(0, 8)):
            tokens[rng.randrange(len(tokens))] = rng.choice(words)
        if rng.random() < 0.3:
            tokens = tokens[: rng.randrange(120, 250)]
        day = f"2024-05-{rng.randrange(1, 28):02d}" if rng.random() < 0.7 else None
        articles.append(article(f"n{index}", " ".join(tokens), day))
    articles.extend(article(f"e{index}", stories[index]) for index in range(5))
    return articles


def test_deterministic():
    first = find_duplicates(corpus(1))
    second = find_duplicates(corpus(1))
    assert first == second
    assert len(first.groups) >= 20


def test_incremental_index_matches_batch():
    articles = corpus(7)
    batch = find_duplicates(articles)
    index = DedupIndex()
    streamed_links = []
    for item in articles:
        links = index.add(item)
        ids = {item.id}
        assert all(ids & {link.copy_id, link.original_id} for link in links)
        streamed_links.extend(links)
    assert index.add(articles[0]) == []  # already indexed
    assert index.result() == batch
    # Every copy in the batch result is backed by a direct link reported while streaming.
    linked = {frozenset((link.copy_id, link.original_id)) for link in streamed_links}
    grouped_ids = {copy for group in batch.groups for copy in group.copy_ids}
    assert grouped_ids <= {member for pair in linked for member in pair}
