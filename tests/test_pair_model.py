"""The grouping stage's pair score (rashomon/similarity.py): the shipped calibration and its rules."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest

from rashomon.cluster import ArticleFeatures, Grouper, combine
from rashomon.config import load_settings
from rashomon.errors import ConfigError
from rashomon.names import name_similarity
from rashomon.similarity import MODEL_PATH, load_pair_model, name_parts, pair_model

SETTINGS = load_settings()


def test_similarity_name_parts_add_up_to_the_names_cosine() -> None:
    a = {"blinke": 0.8, "ISO:KZ": 0.6}
    b = {"blinke": 0.6, "ISO:KZ": 0.48, "astana": 0.64}
    other, country = name_parts(a, b)
    assert other == pytest.approx(0.48) and country == pytest.approx(0.288)
    assert other + country == pytest.approx(name_similarity(a, b))
    assert name_parts(b, a) == pytest.approx((other, country))
    assert name_parts({}, b) == (0.0, 0.0)


def test_similarity_shipped_model_is_a_small_calibration_with_its_card() -> None:
    body = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert body["inputs"] == ["embedding", "embedding^2", "embedding^3", "names_other", "names_country"]
    assert len(body["weights"]) == 5 and "SemEval-2022 Task 8" in body["trained_on"]
    assert body["card"] == "docs/similarity-model.md"
    assert body["cv_pearson"]["grouped_5fold"] >= 0.69 and body["cv_pearson"]["leave_one_language_pair_out"] >= 0.685


def test_similarity_score_never_falls_as_cosine_or_names_rise() -> None:
    model = load_pair_model()
    cosines = np.linspace(-1, 1, 401)
    assert np.all(np.diff(model.scores(cosines)) >= -1e-12)
    for cosine in (0.2, 0.6, 0.95):
        assert model.score(cosine, 0.5, 0.0) >= model.score(cosine, 0.0, 0.0)
        assert model.score(cosine, 0.0, 0.5) >= model.score(cosine, 0.0, 0.0)
    # A copy (cosine 1, every name shared) scores at least as high as any other pair.
    assert model.score(1.0, 0.9, 0.1) >= max(model.score(c, 0.9, 0.1) for c in cosines)


def test_similarity_embedding_floor_keeps_every_pair_that_can_reach_the_bar() -> None:
    for settings in (SETTINGS, dataclasses.replace(SETTINGS, pair_model="linear")):
        model = pair_model(settings)
        for bar in (0.3, 0.55, 0.6, 0.9):
            floor = model.embedding_floor(bar)
            below = [c for c in np.linspace(-1, floor, 50) if c < floor]  # what grouping skips
            assert all(model.score(c, 1.0, 0.0) < bar and model.score(c, 0.0, 1.0) < bar for c in below)
            assert model.score(floor + 1e-6, 1.0, 0.0) >= bar or model.score(floor + 1e-6, 0.0, 1.0) >= bar


def test_similarity_linear_model_is_the_former_score() -> None:
    linear = dataclasses.replace(SETTINGS, pair_model="linear", name_weight=0.2)
    a, b = {"x": 0.8, "ISO:DE": 0.6}, {"x": 0.6, "ISO:DE": 0.8}
    score, names = combine(0.5, a, b, linear)
    assert names == pytest.approx(0.96) and score == pytest.approx(0.5 + 0.2 * 0.96)
    with pytest.raises(ConfigError, match="pair_model"):
        load_settings(pair_model="cubic")


def test_similarity_grouper_scores_an_event_by_its_mean_features() -> None:
    """Joining scores the article against the event's mean cosine and mean names, from running sums."""
    vectors = [np.array(v, dtype=np.float32) / np.linalg.norm(v) for v in ((1, 0.3, 0), (1, 0, 0.3), (1, 0.1, 0.1))]
    names = [{"blinke": 1.0}, {"ISO:KZ": 1.0}, {"blinke": 0.8, "ISO:KZ": 0.6}]
    day = dt.date(2025, 3, 3)
    grouper = Grouper(SETTINGS)
    for number, (vector, found) in enumerate(zip(vectors[:2], names[:2], strict=True)):
        grouper.add(ArticleFeatures(f"a{number}", vector, found, {k: k for k in found}, day))
    assert grouper.event_members == [[0, 1]]
    new = ArticleFeatures("new", vectors[2], names[2], {k: k for k in names[2]}, day)
    _event, scores = grouper.choose(new)
    cosine = float(np.mean([vectors[2] @ v for v in vectors[:2]]))
    expected = load_pair_model().score(cosine, 0.8 / 2, 0.6 / 2)
    assert scores[0][0] == pytest.approx(expected, abs=1e-5)
