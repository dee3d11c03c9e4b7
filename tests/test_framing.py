"""Framing labels (rashomon.compare.framing): evidence, determinism, odd input, the eval command, the gate."""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SHARED

from rashomon.cli import cli
from rashomon.compare.framing import (
    FRAMES,
    GENRES,
    MAX_PARAGRAPHS,
    MODEL_FILE,
    TECHNIQUES,
    DiskCachedEmbedder,
    FramingWeights,
    Prediction,
    TrainingSettings,
    cross_validate,
    frame_article,
    frame_articles,
    ngram_buckets,
    numbered_paragraphs,
    training_set,
)
from rashomon.errors import InputError
from rashomon.evaluate import evaluate_framing, read_framing_file
from rashomon.records import Article, Framing

ECONOMIC = FRAMES.index("Economic")
LOADED = TECHNIQUES.index("Loaded_Language")

# Our own made-up article: a heading, a neutral paragraph, an economic one and a shrill one.
TEXT = (
    "  Harbour dues under review \n"
    "\n"
    "The port council met on Tuesday to discuss the schedule.\n"
    "\n"
    "Dues will rise, and the money will pay for new cranes, the treasurer said.\n"
    "\n"
    "Critics call the plan a disaster for every small trader!\n"
)


class KeywordModel:
    """A deterministic stand-in: 'money' makes a paragraph economic, 'disaster' loaded, '!' opinion."""

    name = "keyword-test"

    def predict_many(self, articles: Sequence[Sequence[str]]) -> list[Prediction]:
        out = []
        for paragraphs in articles:
            count = len(paragraphs)
            frame_support = np.zeros((count, len(FRAMES)))
            techniques = np.zeros((count, len(TECHNIQUES)))
            genre_support = np.zeros((count, len(GENRES)))
            for row, text in enumerate(paragraphs):
                frame_support[row, ECONOMIC] = text.count("money")
                techniques[row, LOADED] = 0.9 if "disaster" in text else 0.1
                genre_support[row, GENRES.index("opinion")] = text.count("!")
            frames = np.full(len(FRAMES), 0.1)
            frames[ECONOMIC] = 0.8 if frame_support[:, ECONOMIC].any() else 0.2
            opinion = any("!" in text for text in paragraphs)
            genre = np.array([0.2, 0.7, 0.1]) if opinion else np.array([0.8, 0.15, 0.05])
            out.append(
                Prediction(
                    genre=genre,
                    genre_support=genre_support,
                    frames=frames,
                    frames_on=frames >= 0.5,
                    frame_support=frame_support,
                    techniques=techniques,
                    techniques_on=techniques >= 0.5,
                )
            )
        return out


def assert_evidence_points_into(text: str, framing: Framing) -> None:
    labels = [*framing.frames, *framing.techniques]
    if framing.genre_evidence is not None:
        labels.append(framing.genre_evidence)
    for label in labels:
        assert 0 <= label.start < label.end <= len(text)
        assert text[label.start : label.end] == label.evidence
        assert label.evidence == label.evidence.strip()
        assert 0.0 <= label.confidence <= 1.0


def test_framing_numbered_paragraphs_are_non_empty_lines_without_edge_spaces() -> None:
    spans = numbered_paragraphs(TEXT)
    assert [p.line for p in spans] == [1, 3, 5, 7]
    assert TEXT[spans[0].start : spans[0].end] == "Harbour dues under review"
    assert numbered_paragraphs("") == [] and numbered_paragraphs(" \n\t\n") == []


def test_framing_labels_carry_their_evidence_paragraph() -> None:
    framing = frame_article(TEXT, KeywordModel())
    assert framing.genre == "opinion" and framing.genre_confidence == 0.7
    assert framing.genre_evidence is not None and framing.genre_evidence.evidence.endswith("trader!")
    assert [f.name for f in framing.frames] == ["Economic"]
    assert "money" in framing.frames[0].evidence
    assert [(t.name, t.paragraph) for t in framing.techniques] == [("Loaded_Language", 7)]
    assert framing.techniques[0].evidence.startswith("Critics call")
    assert framing.model == "keyword-test"
    assert_evidence_points_into(TEXT, framing)


def test_framing_reads_an_article_record_and_keeps_its_id() -> None:
    article = Article(id="a-1", source="s", raw_text=TEXT, text=TEXT)
    framing = frame_articles([article, "Plain text, no opinion."], KeywordModel())
    assert framing[0].article_id == "a-1" and framing[1].article_id == ""
    assert framing[1].genre == "reporting" and framing[1].frames == ()


def test_framing_empty_text_gets_no_labels() -> None:
    for text in ("", "   ", "\n\n\t\n"):
        framing = frame_article(text, KeywordModel())
        assert framing.genre is None and framing.genre_confidence == 0.0
        assert framing.frames == () and framing.techniques == ()


def test_framing_hostile_text_keeps_offsets_true() -> None:
    hostile = (
        "\x00\x1b[31m<script>alert('money')</script>\u202e\u200b\n"
        + "\r\n".join(f"line {i} disaster! money" for i in range(MAX_PARAGRAPHS + 50))
        + "\n"
        + "x" * 100_000
    )
    framing = frame_article(hostile, KeywordModel())
    assert_evidence_points_into(hostile, framing)
    assert max(t.paragraph for t in framing.techniques) <= MAX_PARAGRAPHS + 1


def test_framing_results_pickle_and_repeat() -> None:
    first = frame_articles([TEXT, ""], KeywordModel())
    assert pickle.loads(pickle.dumps(first)) == first
    assert frame_articles([TEXT, ""], KeywordModel()) == first


def test_framing_shipped_model_is_small_and_holds_no_text() -> None:
    assert MODEL_FILE.stat().st_size < 3_000_000
    with np.load(MODEL_FILE, allow_pickle=False) as data:
        for name in data.files:
            if name != "meta":
                assert data[name].dtype == np.float32, name
    meta = FramingWeights.load(MODEL_FILE).meta
    assert tuple(meta["frames"]) == FRAMES and tuple(meta["techniques"]) == TECHNIQUES
    assert len(json.dumps(meta)) < 20_000


def test_framing_ngram_buckets_are_fixed_numbers_of_folded_text() -> None:
    # The model holds one weight per bucket, so the hash must never change across machines.
    assert ngram_buckets("Ab  c").tolist() == [2783, 9931, 2661, 9248, 11744, 15893, 11061, 10121, 6636]
    assert ngram_buckets("ab c").tolist() == ngram_buckets("Ab  c").tolist()
    assert ngram_buckets("").tolist() == [] and ngram_buckets("x").tolist() == [7216]


def test_framing_shipped_model_mixes_three_frame_heads() -> None:
    weights = FramingWeights.load(MODEL_FILE)
    assert weights.frame_paragraphs is not None and weights.frame_ngrams is not None
    assert weights.ngram_idf is not None and weights.ngram_idf.shape == (weights.frame_ngrams.weights.shape[0],)
    assert abs(sum(weights.frame_mix) - 1.0) < 1e-6 and min(weights.frame_mix) > 0
    assert len(set(weights.frame_thresholds.tolist())) == 1  # one threshold for all frames


def test_framing_shipped_model_labels_a_made_up_article_deterministically() -> None:
    first = frame_article(TEXT)
    assert first.genre in GENRES and first.model.startswith("framing-linear")
    assert all(f.name in FRAMES for f in first.frames)
    assert all(t.name in TECHNIQUES for t in first.techniques)
    assert_evidence_points_into(TEXT, first)
    assert frame_article(TEXT) == first


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    return path


ROWS = [
    {
        "id": "1",
        "lang": "en",
        "text": TEXT,
        "genre": "opinion",
        "frames": ["Economic", "Political"],
        "paragraph_techniques": {"7": ["Loaded_Language", "Doubt"]},
    },
    {
        "id": "2",
        "lang": "de",
        "text": "Der Rat tagte am Dienstag.",
        "genre": None,
        "frames": [],
        "paragraph_techniques": {},
    },
]


def test_framing_evaluate_scores_against_the_annotation() -> None:
    result = evaluate_framing(ROWS, KeywordModel())
    assert set(result) == {"n", "genre_macro_f1", "frames_micro_f1", "techniques_micro_f1", "per_language"}
    assert result["n"] == 2
    assert result["genre_macro_f1"] == 1.0  # the second row has no gold genre and is left out
    assert result["frames_micro_f1"] == round(2 * 1 / (1 + 2), 4)
    assert result["techniques_micro_f1"] == round(2 * 1 / (1 + 2), 4)
    assert result["per_language"]["de"] == {
        "n": 1,
        "genre_macro_f1": None,
        "frames_micro_f1": None,
        "techniques_micro_f1": None,
    }


def test_framing_eval_command_prints_the_documented_json(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "gold.jsonl", ROWS)
    result = CliRunner().invoke(cli, ["eval", "framing", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"n", "genre_macro_f1", "frames_micro_f1", "techniques_micro_f1", "per_language"}
    assert set(payload["per_language"]) == {"de", "en"}
    assert set(payload["per_language"]["en"]) == {"n", "genre_macro_f1", "frames_micro_f1", "techniques_micro_f1"}
    table = CliRunner().invoke(cli, ["eval", "framing", str(path)])
    assert table.exit_code == 0 and "techniques micro-F1" in table.stdout


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "line 2 is not valid JSON"),
        ('{"lang": "en", "frames": []}', "line 2: needs a 'text' string"),
        ('{"text": "x", "frames": ["Astrology"]}', "line 2: 'frames' must be a list"),
        ('{"text": "x", "genre": "poem"}', "line 2: genre 'poem'"),
        ('{"text": "x", "paragraph_techniques": {"first": ["Doubt"]}}', "line 2: paragraph 'first'"),
    ],
)
def test_framing_eval_command_names_file_and_line_of_a_bad_row(tmp_path: Path, bad_line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n" + bad_line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_framing_file(path)
    result = CliRunner().invoke(cli, ["eval", "framing", str(path)])
    assert result.exit_code == 1
    assert str(path) in result.stderr and message.split(":")[0] in result.stderr


# -- the quality gate -------------------------------------------------------------

FRAMING_DATA = SHARED / "bench" / "framing" / "train.jsonl"


def gate_subset(rows: list[dict]) -> list[dict]:
    """A fixed third of the articles, chosen by a hash of their ids (the same on every machine)."""
    return [row for row in rows if int(hashlib.sha256(str(row["id"]).encode()).hexdigest(), 16) % 3 == 0]


def test_quality_framing_cross_validated_on_semeval_third(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Nested 3-fold cross-validation on a fixed third of SemEval-2023 Task 3's training set.

    The paragraphs are encoded here (one to three minutes on this machine) and their vectors
    kept in pytest's cache, so later runs only train and score (about 20 s).
    """
    if not FRAMING_DATA.is_file():
        pytest.skip("benchmark data not beside this checkout")
    from test_quality import check

    from rashomon import USEEmbedder

    rows = [json.loads(line) for line in FRAMING_DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    folder = cache.mkdir("framing-vectors") if cache is not None else tmp_path
    embedder = DiskCachedEmbedder(USEEmbedder(), folder)
    data = training_set(gate_subset(rows), embedder)
    scores = cross_validate(data, folds=3, settings=TrainingSettings(inner_folds=2, steps=100))
    check("framing_genre_macro_f1_cv3_semeval_third", scores["genre_macro_f1"])
    check("framing_frames_micro_f1_cv3_semeval_third", scores["frames_micro_f1"])
    check("framing_techniques_micro_f1_cv3_semeval_third", scores["techniques_micro_f1"])
