"""Nearest-neighbour indexes of event centroids, and the grouper's use of them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from rashomon.cluster import ArticleFeatures, Grouper
from rashomon.config import load_settings
from rashomon.index import ExactIndex, IVFIndex, VectorIndex

SETTINGS = load_settings()


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def clustered(
    clusters: int, members: int, dimension: int, closeness: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Unit centres and unit members at about ``closeness`` cosine to their centre."""
    rng = np.random.default_rng(seed)
    centres = unit_rows(rng.standard_normal((clusters, dimension)))
    noise = unit_rows(rng.standard_normal((clusters * members, dimension)))
    points = unit_rows(closeness * np.repeat(centres, members, axis=0) + np.sqrt(1 - closeness**2) * noise)
    return centres, points


def test_exact_and_ivf_agree_on_the_best_match_for_clustered_data() -> None:
    topics, _ = clustered(20, 1, 64, 0.8, seed=1)
    rng = np.random.default_rng(1)
    noise = unit_rows(rng.standard_normal((400, 64)))
    centres = unit_rows(0.8 * np.repeat(topics, 20, axis=0) + 0.6 * noise)  # 20 topics of 20 events
    noise = unit_rows(rng.standard_normal((1200, 64)))
    queries = unit_rows(0.85 * np.repeat(centres, 3, axis=0) + 0.53 * noise)  # 3 articles per event
    exact = ExactIndex(64)
    for number, centre in enumerate(centres):
        exact.add(number, centre)
    ivf = IVFIndex.build(centres, probes=8)
    assert ivf.cells == 20
    for number, query in enumerate(queries):
        exact_ids, exact_scores = exact.search(query, 5)
        ivf_ids, ivf_scores = ivf.search(query, 5)
        assert exact_ids[0] == ivf_ids[0] == number // 3
        assert np.isclose(exact_scores[0], ivf_scores[0])
        assert list(exact_scores) == sorted(exact_scores, reverse=True)


def test_indexes_follow_the_protocol_and_updates() -> None:
    centres, _ = clustered(50, 1, 16, 0.8, seed=2)
    indexes: list[VectorIndex] = [ExactIndex(16), IVFIndex(16, probes=2)]
    for index in indexes:
        for number, centre in enumerate(centres):
            index.add(number, centre)  # the IVF index trains and retrains itself as it grows
        assert len(index) == 50
        index.update(7, centres[30])
        ids, scores = index.search(centres[30], 2)
        assert sorted(ids.tolist()) == [7, 30] and np.allclose(scores, 1.0)
        ids, _ = index.search(centres[7], 1)
        assert ids.tolist() != [7]


def test_ivf_keeps_every_vector_through_retraining_and_moves() -> None:
    centres, points = clustered(30, 4, 16, 0.7, seed=3)
    ivf = IVFIndex(16, probes=3)
    for number, point in enumerate(points):
        ivf.add(number, point)
    for number in range(0, len(points), 5):  # move some far away: they change cells
        ivf.update(number, centres[(number + 11) % 30])
    expected = points.copy()
    expected[0::5] = centres[[(n + 11) % 30 for n in range(0, len(points), 5)]]
    assert np.array_equal(ivf.vectors(), expected)
    ids, _ = ivf.search(points[1], len(points))  # probes cover everything: all ids come back
    if ivf.cells <= 3:
        assert sorted(ids.tolist()) == list(range(len(points)))


def story_features(seed: int = 5) -> list[ArticleFeatures]:
    """Articles of 40 events in 15 storylines, with names and dates, in a shuffled order."""
    rng = np.random.default_rng(seed)
    dimension = 48
    common = unit_rows(rng.standard_normal((1, dimension)))[0]
    stories = unit_rows(rng.standard_normal((15, dimension)))
    out = []
    for event in range(40):
        story = event % 15
        own = unit_rows(rng.standard_normal((1, dimension)))[0]
        centre = unit_rows((0.45 * common + 0.55 * stories[story] + 0.7 * own)[None, :])[0]
        day = dt.date(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, 60)))
        for member in range(int(rng.integers(1, 5))):
            noise = unit_rows(rng.standard_normal((1, dimension)))[0]
            vector = unit_rows((0.85 * centre + 0.53 * noise)[None, :])[0]
            names = {f"e{event}": 0.8, f"s{story}": 0.6}
            published = None if member == 2 else day + dt.timedelta(days=int(rng.integers(0, 2)))
            out.append(ArticleFeatures(f"a{event}-{member}", vector, names, {k: k for k in names}, published, "t"))
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def grouped(grouper: Grouper, articles: list[ArticleFeatures]) -> Grouper:
    for article in articles:
        grouper.add(article)
    return grouper


def test_grouper_with_the_index_forced_on_groups_small_data_the_same() -> None:
    articles = story_features()
    exact = grouped(Grouper(SETTINGS), articles)
    assert exact._index is None
    assert 10 < len(exact.event_members) < len(articles)
    assert len(exact.storyline_events) < len(exact.event_members)
    for threshold, candidates in ((0, 100), (10, 100), (0, 12)):
        approximate = grouped(Grouper(SETTINGS, ann_threshold=threshold, ann_candidates=candidates), articles)
        assert approximate._index is not None
        assert approximate.events() == exact.events()
        assert approximate.storylines() == exact.storylines()


def test_grouper_with_the_index_is_deterministic() -> None:
    articles = story_features(seed=9)
    first = grouped(Grouper(SETTINGS, ann_threshold=0, ann_candidates=8, ann_probes=2), articles)
    second = grouped(Grouper(SETTINGS, ann_threshold=0, ann_candidates=8, ann_probes=2), articles)
    assert first.events() == second.events() and first.storylines() == second.storylines()
    assert first.event_of == second.event_of


def test_choose_places_nothing() -> None:
    articles = story_features()
    grouper = grouped(Grouper(SETTINGS, ann_threshold=0), articles[:-1])
    before = (len(grouper.features), [list(m) for m in grouper.event_members])
    choice, scores = grouper.choose(articles[-1])
    assert grouper.choose(articles[-1], exact=True)[0] == choice
    assert (len(grouper.features), grouper.event_members) == before
    assert grouper.add(articles[-1]) == (choice if choice >= 0 else len(before[1]))
    assert all(isinstance(event, int) for event in scores)


def test_memory_dtypes() -> None:
    grouper = grouped(Grouper(SETTINGS, ann_threshold=0), story_features())
    assert grouper._matrix is not None and grouper._matrix.dtype == np.float16
    assert grouper._event_sums is not None and grouper._event_sums.dtype == np.float32
    assert grouper._index is not None and grouper._index.vectors().dtype == np.float32
    wide = grouped(Grouper(SETTINGS, vector_dtype=np.float32), story_features())
    assert wide._matrix is not None and wide._matrix.dtype == np.float32


def test_bulk_load_then_add_matches_adding_one_by_one() -> None:
    articles = story_features()
    one_by_one = grouped(Grouper(SETTINGS, ann_threshold=5), articles[:-10])
    loaded = Grouper(SETTINGS, ann_threshold=5)
    loaded.bulk_load(articles[:-10], one_by_one.event_of, one_by_one.storyline_of_event)
    assert loaded.event_members == one_by_one.event_members
    assert loaded.storyline_events == one_by_one.storyline_events
    assert loaded._event_dates == one_by_one._event_dates
    assert loaded._event_sums is not None and one_by_one._event_sums is not None
    events = len(loaded.event_members)
    assert np.allclose(loaded._event_sums[:events], one_by_one._event_sums[:events], atol=1e-5)
    for article in articles[-10:]:
        assert loaded.add(article) == one_by_one.add(article)
    assert dataclasses.astuple(loaded.events()[-1])[2] == dataclasses.astuple(one_by_one.events()[-1])[2]
