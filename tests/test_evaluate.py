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


# -- eval ner ----------------------------------------------------------------------

NER_TINY = Path(__file__).parent / "data" / "ner_eval_tiny.jsonl"

# What the stand-in recogniser finds, as (surface, label). Against the tags of NER_TINY:
# en: Merkel, Siemens, Berlin right; Paris with the wrong label; "Smith" without "John"
#     (wrong span); "visited" as MISC, which is ignored -> 3 of 5 found, 3 of 5 right.
# de: FC Bayern München and Olaf Scholz right; Bonn missed; Bundesliga MISC ignored
#     -> 2 of 2 found right, 2 of 3 gold.
STAND_IN = {
    "Angela Merkel": "PER",
    "visited": "MISC",
    "Paris": "ORG",
    "Siemens": "ORG",
    "Smith": "PER",
    "Berlin": "LOC",
    "Bundesliga": "MISC",
    "FC Bayern München": "ORG",
    "Olaf Scholz": "PER",
}


def stand_in_recognizer(calls: list[str | None]):
    import re

    from rashomon.records import Mention

    def recognize(text: str, language: str | None) -> list[Mention]:
        calls.append(language)
        found = []
        for surface, label in STAND_IN.items():
            for match in re.finditer(rf"\b{re.escape(surface)}\b", text):
                found.append(Mention(match.start(), match.end(), surface, label, 1.0, "stand-in"))
        return sorted(found, key=lambda m: m.start)

    return recognize


def test_evaluate_ner_exact_scores_per_language_on_a_tiny_file() -> None:
    from rashomon.evaluate import evaluate_ner, read_ner_file

    calls: list[str | None] = []
    result = evaluate_ner(read_ner_file(NER_TINY), stand_in_recognizer(calls))
    assert sorted(calls) == ["de", "de", "en", "en"]  # one text per sentence, with its language
    assert result["n"] == 4
    en, de = result["per_language"]["en"], result["per_language"]["de"]
    assert en == {"n": 2, "precision": 0.6, "recall": 0.6, "f1": pytest.approx(0.6)}
    assert de["n"] == 2 and de["precision"] == 1.0
    assert de["recall"] == pytest.approx(2 / 3) and de["f1"] == pytest.approx(0.8)
    # micro over all rows: 5 right of 7 found and 8 gold
    assert result["precision"] == pytest.approx(5 / 7) and result["recall"] == pytest.approx(5 / 8)
    assert result["f1"] == pytest.approx(2 / 3)


def test_evaluate_ner_counts_misc_when_asked_and_maps_mentions_to_tokens() -> None:
    from rashomon.evaluate import score_entities, tag_tokens

    tokens = ["Die", "Bundesliga", "und", "der", "FC", "Bayern", "München"]
    tags = tag_tokens(stand_in_recognizer([]), tokens, "de")
    assert tags == ["O", "B-MISC", "O", "O", "B-ORG", "I-ORG", "I-ORG"]
    wrong_misc = ["O", "O", "B-MISC", "O", "B-ORG", "I-ORG", "I-ORG"]
    four = score_entities([tags], [wrong_misc])
    assert (four["precision"], four["recall"]) == (0.5, 0.5) and four["per_label"]["MISC"] == 0.0
    three = score_entities([tags], [wrong_misc], ("PER", "ORG", "LOC"))
    assert three["f1"] == 1.0 and three["per_label"]["PER"] is None


def test_eval_ner_command_json_and_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rashomon.extract.entities

    monkeypatch.setattr(rashomon.extract.entities, "recognize_entities", stand_in_recognizer([]))
    result = CliRunner().invoke(cli, ["eval", "ner", str(NER_TINY), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n"] == 4 and set(data["per_language"]) == {"de", "en"}
    assert set(data["per_language"]["en"]) == {"n", "precision", "recall", "f1"}
    assert data["per_language"]["en"]["f1"] == pytest.approx(0.6)
    table = CliRunner().invoke(cli, ["eval", "ner", str(NER_TINY)])
    assert table.exit_code == 0 and "0.600" in table.stdout and "0.800" in table.stdout and "0.667" in table.stdout


def test_eval_ner_command_runs_the_real_recogniser(tmp_path: Path) -> None:
    rows = [
        {"tokens": "Bundeskanzler Olaf Scholz traf am Montag in Berlin ein .".split(), "lang": "de"},
        {"tokens": "Russian President Vladimir Putin arrived in Moscow on Monday .".split(), "lang": "en"},
    ]
    rows[0]["tags"] = ["O", "B-PER", "I-PER", "O", "O", "O", "O", "B-LOC", "O", "O"]
    rows[1]["tags"] = ["B-MISC", "O", "B-PER", "I-PER", "O", "O", "B-LOC", "O", "O", "O"]
    result = CliRunner().invoke(cli, ["eval", "ner", str(write_jsonl(tmp_path / "n.jsonl", rows)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    print(f"\nreal recogniser on two sentences: {data}")
    assert data["f1"] >= 0.75  # the names in these are the plainest there are


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"tokens": ["a", "b"], "tags": ["O"], "lang": "en"}', "one BIO tag per token"),
        ('{"tokens": ["a"], "tags": ["B-DATE"], "lang": "en"}', "is not O or B-/I-"),
        ('{"tags": ["O"]}', "needs 'tokens'"),
    ],
)
def test_eval_ner_command_names_file_and_line_of_a_bad_row(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"tokens": ["x"], "tags": ["O"], "lang": "en"}\n' + line + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "ner", str(path)])
    assert result.exit_code == 1 and "line 2" in result.stderr and message in result.stderr
