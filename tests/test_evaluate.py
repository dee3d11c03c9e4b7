"""`rashomon eval similarity` and `rashomon eval clusters`: output shapes and real scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SHARED, gold_key

from rashomon import Document, read_paths
from rashomon.cli import cli
from rashomon.evaluate import bcubed


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_evaluate_bcubed_known_values() -> None:
    gold = {"a": "1", "b": "1", "c": "2", "d": "2"}
    assert bcubed(gold, gold) == (1.0, 1.0, 1.0)
    one_cluster = dict.fromkeys(gold, "x")
    precision, recall, f1 = bcubed(one_cluster, gold)
    assert (precision, recall) == (0.5, 1.0) and abs(f1 - 2 / 3) < 1e-9


def test_eval_similarity_json_shape_without_and_with_human_scores(tmp_path: Path) -> None:
    pairs = [
        {
            "pair_id": "p1",
            "lang1": "en",
            "lang2": "de",
            "title1": "Port strike in Hamburg",
            "text1": "Dock workers in Hamburg walked out on Monday over pay.",
            "text2": "Hafenarbeiter in Hamburg haben am Montag wegen der Löhne die Arbeit niedergelegt.",
        },
        {
            "pair_id": "p2",
            "lang1": "en",
            "lang2": "en",
            "text1": "Dock workers in Hamburg walked out on Monday.",
            "text2": "A new species of frog was found in the rainforests of Peru by biologists.",
        },
        {
            "pair_id": "p3",
            "lang1": "en",
            "lang2": "en",
            "text1": "The central bank raised interest rates again.",
            "text2": "Interest rates went up again, the central bank said.",
        },
    ]
    runner = CliRunner()
    plain = runner.invoke(cli, ["eval", "similarity", str(write_jsonl(tmp_path / "a.jsonl", pairs)), "--json"])
    assert plain.exit_code == 0, plain.output
    result = json.loads(plain.stdout)
    assert set(result) == {"n", "pearson", "per_language_pair", "pairs"} and result["pearson"] is None
    similarity = {p["pair_id"]: p["similarity"] for p in result["pairs"]}
    assert similarity["p1"] > similarity["p2"] and similarity["p3"] > similarity["p2"]  # cross-lingual works

    scored = [dict(p, overall=o) for p, o in zip(pairs, (1.0, 4.0, 1.5), strict=True)]
    with_scores = runner.invoke(cli, ["eval", "similarity", str(write_jsonl(tmp_path / "b.jsonl", scored)), "--json"])
    result = json.loads(with_scores.stdout)
    assert result["pearson"] > 0.9
    assert result["per_language_pair"]["en-en"]["n"] == 2


def test_eval_similarity_on_semeval_pairs_correlates_with_people(tmp_path: Path) -> None:
    path = SHARED / "bench" / "news-similarity" / "train.jsonl"
    if not path.is_file():
        pytest.skip("benchmark data not beside this checkout")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:150]]
    result = CliRunner().invoke(cli, ["eval", "similarity", str(write_jsonl(tmp_path / "s.jsonl", rows))])
    assert result.exit_code == 0 and "Pearson" in result.stdout


def test_eval_clusters_on_the_sample_corpus(tmp_path: Path, sample_dir: Path, gold: dict) -> None:
    records = []
    for document in read_paths([sample_dir]):
        assert isinstance(document, Document)
        entry = gold["articles"][gold_key(document.source)]
        records.append(
            {
                "id": document.id,
                "text": document.text,
                "title": document.title,
                "language": document.language,
                "published": document.published,
                "outlet": document.outlet,
                "event": entry["event"],
                "storyline": gold["events"][entry["event"]]["storyline"],
            }
        )
    result = CliRunner().invoke(cli, ["eval", "clusters", str(write_jsonl(tmp_path / "c.jsonl", records)), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert set(scores) >= {"n", "precision", "recall", "f1"} and scores["n"] == 28
    print(f"\nsample corpus via eval clusters: {scores}")
    assert scores["f1"] >= 0.9 and scores["storylines"]["f1"] >= 0.95


def test_eval_reports_broken_input_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "event": "1"}\n{broken\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "clusters", str(bad)])
    assert result.exit_code == 1 and "line 2 is not valid JSON" in result.stderr
    missing = write_jsonl(tmp_path / "m.jsonl", [{"text": "no event here"}])
    result = CliRunner().invoke(cli, ["eval", "clusters", str(missing)])
    assert result.exit_code == 1 and "needs a non-empty 'text' and an 'event'" in result.stderr
