"""Quote speakers on real news: accuracy and quotation precision against a hand annotation.

Gold: ``tests/data/quotes_news.json`` — article ids, character offsets and speaker names only (see its
``about`` field); the texts are the SemEval-2023 Task 3 training articles in
``../shared/bench/framing/train.jsonl`` (research use; nothing is copied into the repository).
:func:`rashomon.extract.quotes.extract_quotes` runs on each raw article text with its language.

Each annotated span is matched to the predicted quote that overlaps it most. Scores per language and
split (``tuning``: the rules were changed looking at these; ``heldout``: not looked at), also per
annotation batch (``tuning-1``, ``heldout-1``: the first annotation; ``-2`` and ``-3``: the second and
third, 2026-12-06; ``-4``: the fourth, 2026-12-07; ``-5``: the fifth, 2026-12-07; each held-out part fixed
before the rules were changed for it; ``heldout-1-3`` and ``heldout-1-4``: the first three and four held-out
parts together):

* **precision**: of the annotated spans the extractor calls a quotation (direct or partial), the share
  that are somebody's words rather than a label or scare quote;
* **recall**: of the annotated quotations, the share the extractor calls a quotation;
* **speaker accuracy**: among the annotated quotations the extractor calls a quotation, the share whose
  speaker is right (shares a word with one of the gold names, by its first four letters, or both none:
  the measure of ``bench/eval_quotes.py``);
* **end to end**: right speakers over all annotated quotations (a missed quotation counts as wrong).

Usage: python bench/eval_quotes_news.py [--verbose] [--split tuning|heldout|both] [--json]
Prints a Markdown table; never gates CI (tests/test_quotes.py holds the floors).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon.extract.quotes import extract_quotes  # noqa: E402
from rashomon.records import Quote  # noqa: E402

GOLD = ROOT / "tests" / "data" / "quotes_news.json"
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "framing" / "train.jsonl"
QUOTATIONS = ("direct", "partial")
_STOP = frozenset("the der die das des dem den von of de la le les du del los las el und and".split())


def _stems(name: str | None) -> set[str]:
    words = re.findall(r"[^\W\d_]+", (name or "").lower())
    return {w[:4] for w in words if len(w) >= 3 and w not in _STOP}


def same_speaker(predicted: str | None, gold: list[str] | None) -> bool:
    """True when both are none, or the prediction shares a word with one of the gold names."""
    if predicted is None or not gold:
        return predicted is None and not gold
    return any(_stems(predicted) & _stems(name) for name in gold)


def load_texts(data: Path) -> dict[str, str]:
    """Article texts by id."""
    texts = {}
    with data.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            texts[row["id"]] = row["text"]
    return texts


def best_match(predicted: list[Quote], start: int, end: int) -> Quote | None:
    """The predicted quote that overlaps ``[start, end)`` most."""
    best, best_overlap = None, 0
    for quote in predicted:
        overlap = min(quote.end, end) - max(quote.start, start)
        if overlap > best_overlap:
            best, best_overlap = quote, overlap
    return best


def evaluate(
    data: Path = DEFAULT_DATA, verbose: bool = False, show: str = "tuning"
) -> dict[str, dict[str, dict[str, float]]]:
    """Scores by split (``tuning``, ``heldout``, ``all``) and language (and ``all``); ``verbose`` lists
    the errors of the split ``show`` only (``heldout`` is for reporting, not for writing rules)."""
    items = json.loads(GOLD.read_text(encoding="utf-8"))["items"]
    texts = load_texts(data)
    predictions: dict[str, list[Quote]] = {}
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in items:
        text = texts[item["id"]]
        span = text[item["start"] : item["end"]]
        if hashlib.sha1(span.encode("utf-8")).hexdigest()[:12] != item["sha1"]:
            raise ValueError(f"article {item['id']} changed: the span at {item['start']} is not the annotated one")
        if item["kind"] == "unsure":
            continue
        if item["id"] not in predictions:
            predictions[item["id"]] = extract_quotes(text, item["language"])
        quote = best_match(predictions[item["id"]], item["start"], item["end"])
        called = quote is not None and quote.kind in QUOTATIONS
        said = quote.speaker.name if called and quote and quote.speaker else None
        right = called and item["kind"] == "quote" and same_speaker(said, item["speaker"])
        batch = item.get("batch", 1)
        batches = (f"{item['split']}-{batch}", f"all-{batch}")
        if batch <= 3:  # the first three batches together (the held-out floor set before batch 4)
            batches += (f"{item['split']}-1-3",)
        if batch <= 4:  # the first four (the held-out floor set before batch 5)
            batches += (f"{item['split']}-1-4",)
        for key in [(s, lang) for s in (item["split"], *batches, "all") for lang in (item["language"], "all")]:
            c = counts[key]
            c["called"] += called
            c["called_quote"] += called and item["kind"] == "quote"
            c["gold_quote"] += item["kind"] == "quote"
            c["right"] += right
        wrong = item["kind"] == "quote" and not right or called and item["kind"] == "scare"
        if verbose and wrong and show in (item["split"], "all"):
            kind = quote.kind if quote else "-"
            via = quote.speaker_via if quote and quote.speaker else None
            print(
                f"[{item['split']} {item['language']} {item['id']}@{item['start']}] {item['kind']} as {kind}: "
                f"{span[:60]!r} speaker {said!r} [{via}] vs {item['speaker']}"
            )
    scores: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for (split, language), c in counts.items():
        scores[split][language] = {
            "quotes": c["gold_quote"],
            "precision": c["called_quote"] / c["called"] if c["called"] else 1.0,
            "recall": c["called_quote"] / c["gold_quote"] if c["gold_quote"] else 1.0,
            "speaker_accuracy": c["right"] / c["called_quote"] if c["called_quote"] else 1.0,
            "end_to_end": c["right"] / c["gold_quote"] if c["gold_quote"] else 1.0,
        }
    return dict(scores)


def table(scores: dict[str, dict[str, float]]) -> None:
    """One Markdown table of a split's scores by language."""
    print("| Language | Quotations | Precision | Recall | Speaker acc. | End to end |")
    print("|---|---|---|---|---|---|")
    for language in sorted(k for k in scores if k != "all") + ["all"]:
        s = scores[language]
        print(
            f"| {language} | {s['quotes']:.0f} | {s['precision']:.3f} | {s['recall']:.3f} "
            f"| {s['speaker_accuracy']:.3f} | {s['end_to_end']:.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--split", choices=["tuning", "heldout", "both", "batches"], default="both", help="batches: each batch apart"
    )
    parser.add_argument("--verbose", action="store_true", help="list every wrong speaker and false quotation")
    parser.add_argument(
        "--show", choices=["tuning", "heldout", "all"], default="tuning", help="whose errors --verbose lists"
    )
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args()
    scores = evaluate(args.data, args.verbose, args.show)
    splits = {
        "both": ["tuning", "heldout", "all"],
        "batches": [
            *(f"{split}-{batch}" for batch in (1, 2, 3, 4, 5) for split in ("tuning", "heldout", "all")),
            "heldout-1-3",
            "heldout-1-4",
            "tuning",
            "heldout",
            "all",
        ],
    }.get(args.split, [args.split])
    if args.json:
        print(json.dumps({split: scores[split] for split in splits}, indent=2))
        return
    for split in splits:
        print(f"\n### {split}\n")
        table(scores[split])


if __name__ == "__main__":
    main()
