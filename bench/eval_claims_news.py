"""Claim alignment on real news: which sentences two outlets share, against a hand annotation.

Gold: ``tests/data/claims_news.json`` — SemEval-2022 Task 8 pair ids, character offsets and SHA-1
prefixes of sentences only (see its ``about`` field); the texts are the training pairs in
``../shared/bench/news-similarity/train.jsonl`` (research use; nothing is copied into the
repository). Each pair is put through the pipeline as one event of two articles from two outlets:
cleaning, language detection and dates (:func:`rashomon.pipeline.prepare`), extraction and entity
linking (:func:`rashomon.extract_articles`, :func:`rashomon.extract_corpus`) and the compare stage
(:func:`rashomon.compare_event`) with the cross-lingual sentence embedder.

The comparison's claims are scored with :func:`rashomon.evaluate.claim_alignment`, the measure of
the sample gate (``tests/test_compare.py``):

* **precision**: of the cross-article sentence pairs the claims make, the share that the annotation
  puts in one group (the two sentences state the same thing);
* **recall**: of the annotated groups (each links the two articles once), the share some predicted
  pair links;
* **own precision**: of the sentences the comparison names as one outlet's own salient claims, the
  share the annotation lists as salient and said by that side only (``only``);
* **own recall**: of the annotated ``only`` sentences, the share the comparison names as the outlet's own
  (it names at most eight per outlet, and only sentences that name an entity or give a figure).

Scores per split (``tuning``: alignment was changed looking at these; ``heldout``: annotated before
any change and not looked at), per annotation batch (``--split batches``: batch 1 of 2026-12-07,
batch 2 of 2026-12-07, each frozen before anything was run on it) and language pair.

Usage: python bench/eval_claims_news.py [--split tuning|heldout|both|batches] [--verbose] [--json]
       python bench/eval_claims_news.py --pick   (how the pairs were drawn)
Prints a Markdown table; never gates CI (tests/test_quality.py holds the floors).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon import Document, Event, compare_event, extract_articles, extract_corpus  # noqa: E402
from rashomon.config import load_settings  # noqa: E402
from rashomon.embed import Embedder  # noqa: E402
from rashomon.evaluate import claim_alignment  # noqa: E402
from rashomon.pipeline import default_embedder, prepare  # noqa: E402
from rashomon.records import Article, Comparison  # noqa: E402

GOLD = ROOT / "tests" / "data" / "claims_news.json"
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "news-similarity" / "train.jsonl"
SIDES = ("1", "2")

# How the pairs were drawn (``--pick``): same story (human overall score at most 1.5), both texts
# 500-3000 characters (long enough to hold several claims, short enough to annotate exhaustively),
# not near copies of each other, so many per language pair, seeded.
PICK_SEED = 14
PICK_QUOTA = {"de-en": 4, "de-de": 2, "es-es": 2, "pl-pl": 1, "fr-fr": 1, "tr-tr": 1, "en-en": 1}
# Batch 2 (2026-12-07): the same filter, batch 1 left out, draws in this order, each leaving out
# the pairs drawn before it (the last two were added to the held-out part).
PICK2_SEED = 1402
PICK2_DRAWS = (
    ("de-en", 3),
    ("ar-ar", 1),
    ("pl-pl", 1),
    ("de-de", 1),
    ("fr-fr", 1),
    ("es-es", 1),
    ("de-en", 1),
    ("de-de", 1),
)
_WORDS = re.compile(r"\w+", re.UNICODE)


def sha(text: str) -> str:
    """The first 12 hex digits of the SHA-1 of ``text`` (UTF-8)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def load_rows(data: Path) -> dict[str, dict[str, Any]]:
    """The SemEval rows by pair id."""
    with data.open(encoding="utf-8") as lines:
        return {row["pair_id"]: row for row in map(json.loads, lines)}


def _overlap(a: str, b: str) -> float:
    left, right = set(_WORDS.findall(a.lower())), set(_WORDS.findall(b.lower()))
    return len(left & right) / max(1, len(left | right))


def _pool(rows: Mapping[str, Mapping[str, Any]], leave_out: set[str]) -> dict[str, list[str]]:
    pool: dict[str, list[str]] = defaultdict(list)
    for pair_id, row in sorted(rows.items()):
        if pair_id in leave_out or row["overall"] > 1.5:
            continue
        if not all(500 <= len(row[f"text{s}"]) <= 3000 for s in SIDES) or _overlap(row["text1"], row["text2"]) > 0.7:
            continue
        pool[f"{row['lang1']}-{row['lang2']}"].append(pair_id)
    return pool


def pick(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """The pair ids drawn per language pair (the rule the gold's batch-1 pairs were chosen by)."""
    pool = _pool(rows, set())
    rng = random.Random(PICK_SEED)
    return {key: rng.sample(pool[key], n) for key, n in PICK_QUOTA.items()}


def pick2(rows: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, list[str]]]:
    """The batch-2 draws in order, each as (language pair, pair ids)."""
    taken = {pair_id for ids in pick(rows).values() for pair_id in ids}
    pool = _pool(rows, taken)
    rng = random.Random(PICK2_SEED)
    out = []
    for key, n in PICK2_DRAWS:
        drawn = rng.sample([p for p in pool[key] if p not in taken], n)
        taken.update(drawn)
        out.append((key, drawn))
    return out


def compare_pair(row: Mapping[str, Any], embedder: Embedder) -> tuple[dict[str, Article], Comparison]:
    """One SemEval pair through the pipeline as an event of two outlets: side → article, comparison."""
    documents = [
        Document(
            id=f"{row['pair_id']}-{side}",
            source=f"news-similarity/{row['pair_id']}/{side}",
            raw=row[f"text{side}"].encode("utf-8"),
            text=row[f"text{side}"],
            encoding="utf-8",
            fmt="txt",
            outlet=f"outlet-{side}",
            language=row[f"lang{side}"],
        )
        for side in SIDES
    ]
    articles, rejected = prepare(documents, load_settings(), None, lambda *a: None)
    if rejected or len(articles) != 2:
        raise ValueError(f"pair {row['pair_id']}: the pipeline rejected an article")
    extractions = extract_articles(articles)
    event = Event(f"ev-{row['pair_id']}", row["pair_id"], tuple(a.id for a in articles))
    entities, crosslinks = extract_corpus(articles, extractions, [event], [], embedder)
    found = {x.article_id: x for x in extractions}
    comparison = compare_event(event, {a.id: a for a in articles}, found, entities, crosslinks, embedder)
    return dict(zip(SIDES, articles, strict=True)), comparison


def _gold_sentences(item: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """Annotated sentence key (``"1:3"``: side and index) → (side, start), checked against the text."""
    out = {}
    for side in SIDES:
        text = row[f"text{side}"]
        for k, (start, end, digest) in enumerate(item["sentences"][side]):
            if sha(text[start:end]) != digest:
                raise ValueError(f"pair {item['pair_id']} changed: sentence {side}:{k} is not the annotated one")
            out[f"{side}:{k}"] = (side, start)
    return out


def raw_span(article: Article, raw: str, start: int, end: int) -> tuple[int, int]:
    """Where an article's sentence ``[start, end)`` lies in the raw SemEval text (cleaning folds
    runs of spaces, so the words are looked for with any whitespace between them)."""
    words = article.text[start:end].split()
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    found = pattern.search(raw, max(0, start - 20)) or pattern.search(raw)
    if found is None:
        raise ValueError(f"sentence at {start} of {article.id} not found in the raw text")
    return found.start(), found.end()


def evaluate(
    data: Path = DEFAULT_DATA, embedder: Embedder | None = None, verbose: bool = False, show: str = "tuning"
) -> dict[str, dict[str, dict[str, float]]]:
    """Scores by split (``tuning``, ``heldout``, ``all``; and per annotation batch, ``heldout-1``,
    ``tuning-2`` …) and language pair (and ``all``); ``verbose``
    lists the errors of the split ``show`` only (``heldout`` is for reporting, not for tuning)."""
    gold = json.loads(GOLD.read_text(encoding="utf-8"))["pairs"]
    rows = load_rows(data)
    embedder = embedder or default_embedder(load_settings())
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in gold:
        row = rows[item["pair_id"]]
        placed = _gold_sentences(item, row)
        groups = [[placed[key] for key in group] for group in item["groups"]]
        articles, comparison = compare_pair(row, embedder)
        side_of = {a.id: side for side, a in articles.items()}
        sentence_at: dict[tuple[str, int], str] = {}
        sentence_key: dict[tuple[str, int], tuple[str, int]] = {}
        predicted = []
        for claim in comparison.claims:
            members = []
            for e in claim.sentences:
                side = side_of[e.article_id]
                key = (side, raw_span(articles[side], row[f"text{side}"], e.start, e.end)[0])
                sentence_at[key] = e.text
                sentence_key[(e.article_id, e.start)] = key
                members.append(key)
            predicted.append(members)
        result = claim_alignment(predicted, groups)
        only = {placed[key] for key in item["only"]}
        own_ids = {claim_id for _source, ids in comparison.unique for claim_id in ids}
        own = [sentence_key[(e.article_id, e.start)] for c in comparison.claims if c.id in own_ids for e in c.sentences]
        language = f"{row['lang1']}-{row['lang2']}"
        splits = (item["split"], f"{item['split']}-{item.get('batch', 1)}", "all")
        for key in [(s, lang) for s in splits for lang in (language, "all")]:
            c = counts[key]
            c["pairs"] += 1
            c["right"] += result["right"]
            c["predicted"] += result["predicted"]
            c["found"] += result["found"]
            c["groups"] += result["units"]
            c["own"] += len(own)
            c["own_right"] += sum(key in only for key in own)
            c["only"] += len(only)
            c["only_found"] += len(only & set(own))
        if verbose and show in (item["split"], "all"):
            _show_errors(item, row, predicted, groups, sentence_at)
    scores: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for (split, language), c in counts.items():
        scores[split][language] = {
            "pairs": c["pairs"],
            "groups": c["groups"],
            "predicted": c["predicted"],
            "precision": c["right"] / c["predicted"] if c["predicted"] else 1.0,
            "recall": c["found"] / c["groups"] if c["groups"] else 1.0,
            "own_precision": c["own_right"] / c["own"] if c["own"] else 1.0,
            "own_recall": c["only_found"] / c["only"] if c["only"] else 1.0,
        }
    return dict(scores)


def _show_errors(
    item: Mapping[str, Any],
    row: Mapping[str, Any],
    predicted: Sequence[Sequence[tuple[str, int]]],
    groups: Sequence[Sequence[tuple[str, int]]],
    sentence_at: Mapping[tuple[str, int], str],
) -> None:
    def text(key: tuple[str, int]) -> str:
        return sentence_at.get(key) or row[f"text{key[0]}"][key[1] : key[1] + 90]

    pairs = {frozenset((a, b)) for members in predicted for a in members for b in members if a[0] < b[0]}
    for pair in sorted(pairs, key=sorted):
        if not any(pair <= set(g) for g in groups):
            a, b = sorted(pair)
            print(f"[{item['pair_id']}] wrong pair:\n   1@{a[1]} {text(a)[:110]!r}\n   2@{b[1]} {text(b)[:110]!r}")
    for group in groups:
        left, right = [x for x in group if x[0] == "1"], [y for y in group if y[0] == "2"]
        if not any(frozenset((x, y)) in pairs for x in left for y in right):
            print(
                f"[{item['pair_id']}] missed group:\n   1@{left[0][1]} {text(left[0])[:110]!r}"
                f"\n   2@{right[0][1]} {text(right[0])[:110]!r}"
            )


def table(scores: Mapping[str, Mapping[str, float]]) -> None:
    """One Markdown table of a split's scores by language pair."""
    print("| Languages | Pairs | Gold groups | Predicted pairs | Precision | Recall | Own precision | Own recall |")
    print("|---|---|---|---|---|---|---|---|")
    for language in sorted(k for k in scores if k != "all") + ["all"]:
        s = scores[language]
        print(
            f"| {language} | {s['pairs']:.0f} | {s['groups']:.0f} | {s['predicted']:.0f} | {s['precision']:.3f} "
            f"| {s['recall']:.3f} | {s['own_precision']:.3f} | {s['own_recall']:.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=["tuning", "heldout", "both", "batches"], default="both")
    parser.add_argument("--verbose", action="store_true", help="list every wrong pair and missed group")
    parser.add_argument("--show", choices=["tuning", "heldout", "all"], default="tuning", help="whose errors")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--pick", action="store_true", help="print the pair ids the drawing rule gives")
    args = parser.parse_args()
    if args.pick:
        rows = load_rows(args.data)
        print(json.dumps({"batch 1": pick(rows), "batch 2": pick2(rows)}, indent=2))
        return
    scores = evaluate(args.data, None, args.verbose, args.show)
    if args.split == "batches":
        splits = sorted(k for k in scores if "-" in k)
    else:
        splits = ["tuning", "heldout", "all"] if args.split == "both" else [args.split]
    if args.json:
        print(json.dumps({split: scores[split] for split in splits}, indent=2))
        return
    for split in splits:
        print(f"\n### {split}\n")
        table(scores[split])


if __name__ == "__main__":
    main()
