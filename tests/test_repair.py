"""Incremental grouping over time: candidate time window, merge and split repair, and
a workspace that loads its saved grouping instead of regrouping every article."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest

from rashomon import HashingEmbedder, Workspace, ingest
from rashomon.cluster import ArticleFeatures, Grouper, parse_published
from rashomon.config import load_settings

SETTINGS = load_settings()


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def features(
    article_id: str, vector: np.ndarray, names: dict[str, float] | None = None, published: str | None = None
) -> ArticleFeatures:
    names = names or {}
    return ArticleFeatures(article_id, vector, names, {k: k for k in names}, parse_published(published), article_id)


def bridged_events() -> list[ArticleFeatures]:
    """Two articles too far apart to be one event alone, then two that sit between them."""
    return [
        features("a", unit(1.0, 0.0, 0.0), published="2025-03-01"),
        features("b", unit(0.45, 1.0, 0.0), published="2025-03-01"),  # cosine with a: 0.41
        features("c", unit(1.0, 0.75, 0.0), published="2025-03-02"),  # joins a
        features("d", unit(0.8, 1.0, 0.0), published="2025-03-02"),
    ]


def test_repair_merges_events_that_have_become_one() -> None:
    articles = bridged_events()
    plain = Grouper(dataclasses.replace(SETTINGS, repair=False))
    repaired = Grouper(SETTINGS)
    for article in articles:
        plain.add(article)
        repaired.add(article)
    assert len(plain.events()) == 2
    events = repaired.events()
    assert [e.article_ids for e in events] == [("a", "b", "c", "d")]
    merge = [link for link in events[0].links if link.kind == "merge"]
    assert len(merge) == 1 and merge[0].score >= SETTINGS.event_threshold
    assert len(repaired.storylines()) == 1
    assert repaired.storylines()[0].event_ids == (events[0].id,)


def test_repair_never_merges_events_far_apart_in_time() -> None:
    articles = bridged_events()
    articles[1] = dataclasses.replace(articles[1], published=parse_published("2025-03-20"))
    articles[3] = dataclasses.replace(articles[3], published=parse_published("2025-03-20"))
    grouper = Grouper(SETTINGS)
    for article in articles:
        grouper.add(article)
    assert sorted(e.article_ids for e in grouper.events()) == [("a", "c"), ("b", "d")]
    assert not any(link.kind == "merge" for e in grouper.events() for link in e.links)


def test_repair_splits_off_a_member_that_no_longer_fits() -> None:
    close = [features(f"m{i}", unit(1.0, 0.05 * i, 0.0), published="2025-03-01") for i in range(4)]
    stray = features("stray", unit(0.3, 0.0, 1.0), published="2025-03-01")
    grouper = Grouper(SETTINGS)
    grouper.bulk_load([*close, stray], [0, 0, 0, 0, 0], [0])
    grouper._changed = {0}
    grouper.split_repair()
    events = grouper.events()
    assert [e.article_ids for e in events] == [("m0", "m1", "m2", "m3"), ("stray",)]
    split = [link for link in events[0].links if link.kind == "split"]
    assert split and split[0].article_a == "stray"
    assert split[0].score < SETTINGS.event_threshold - SETTINGS.split_margin
    # It stays in the storyline of the event it left.
    assert [s.event_ids for s in grouper.storylines()] == [tuple(e.id for e in events)]
    # A fitting event is left alone.
    grouper._changed = {0}
    grouper.split_repair()
    assert [e.article_ids for e in grouper.events()] == [("m0", "m1", "m2", "m3"), ("stray",)]


def test_time_window_keeps_old_events_out_of_the_candidates() -> None:
    grouper = Grouper(SETTINGS)
    grouper.add(features("old", unit(1.0, 0.0), published="2025-01-01"))
    grouper.add(features("recent", unit(1.0, 0.02), published="2025-06-01"))
    event, scores = grouper.choose(features("new", unit(1.0, 0.01), published="2025-06-02"))
    assert event == 1 and 0 not in scores  # the January event is not even scored
    # The same story within the storyline window still lends its storyline.
    grouper.add(features("later", unit(1.0, 0.3), published="2025-06-20"))
    assert len(grouper.storylines()) == 2
    assert grouper.storylines()[1].event_ids == (grouper.events()[1].id, grouper.events()[2].id)


def test_repair_is_deterministic_and_keeps_the_seed_grouping_in_random_orders(seed_features) -> None:
    settings = load_settings()
    items, _prefix = seed_features
    rng = random.Random(3)
    for _ in range(5):
        order = rng.sample(items, len(items))
        first, second = Grouper(settings), Grouper(settings)
        for item in order:
            first.add(item)
            second.add(item)
        assert first.events() == second.events() and first.storylines() == second.storylines()
        assert len(first.events()) == 2 and len(first.storylines()) == 1


def test_workspace_loads_its_saved_grouping_instead_of_regrouping(
    tmp_path: Path, seed_copies: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sorted(seed_copies.glob("*.txt"))
    embedder = HashingEmbedder()
    with Workspace(tmp_path / "ws") as ws:
        ingest(files[:2], ws, embedder=embedder)
        first_events = ws.events()

        def no_replay(*_args: object) -> None:
            raise AssertionError("the saved grouping should be loaded, not replayed")

        monkeypatch.setattr(Workspace, "replay", no_replay)
        ingest(files[2:], ws, embedder=embedder)
        saved_events = ws.events()
        loaded = ws.grouper(SETTINGS)
        assert [tuple(loaded.features[i].article_id for i in m) for m in loaded.event_members if m] == [
            e.article_ids for e in saved_events
        ]
        assert [e.links for e in loaded.events()] == [e.links for e in saved_events]  # the evidence comes back
        # Earlier events keep their members (and ids) when new articles arrive.
        for event in first_events:
            after = next(e for e in saved_events if e.id == event.id)
            assert after.article_ids[: len(event.article_ids)] == event.article_ids
