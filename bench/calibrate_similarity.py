"""Calibrate and report the article-pair similarity Rashomon groups by.

1. SemEval-2022 Task 8 (``../shared/bench/news-similarity/train.jsonl``): Pearson
   correlation between our pair score and the human ``overall`` score (sign
   flipped so higher = more similar), overall and per language pair, and the
   F1-best score thresholds for "same event" (overall <= 1.5) and "same
   storyline" (overall <= 2.5).
2. The bundled sample (``examples/gold.json``): B-cubed F1 of events and
   storylines for a grid of thresholds, and whether the seed acceptance holds.

Prints numbers; gates nothing. Usage: ``python bench/calibrate_similarity.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon.clean import clean_document  # noqa: E402
from rashomon.cluster import Grouper, article_features, pair_score  # noqa: E402
from rashomon.config import load_settings  # noqa: E402
from rashomon.embed import USEEmbedder, embed_articles  # noqa: E402
from rashomon.ingest import read_paths  # noqa: E402
from rashomon.pipeline import prepare  # noqa: E402
from rashomon.records import Document, article_order  # noqa: E402

SHARED = ROOT.parent / "shared"
EVENT_THRESHOLDS = (0.52, 0.55, 0.58, 0.6, 0.61, 0.64, 0.68, 0.72)
STORYLINE_THRESHOLDS = (0.45, 0.5, 0.55, 0.58, 0.61)


def semeval(settings, embedder, path: Path) -> dict:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    articles_a, articles_b = [], []
    for row in rows:
        for text, lang, bucket in ((row["text1"], row["lang1"], articles_a), (row["text2"], row["lang2"], articles_b)):
            document = Document(
                id=row["pair_id"],
                source=row["pair_id"],
                raw=b"",
                text=text,
                encoding="utf-8",
                fmt="json",
                language=lang,
            )
            bucket.append(clean_document(document))
    started = time.perf_counter()
    vectors_a = embed_articles(articles_a, embedder, settings.embed_chars)
    vectors_b = embed_articles(articles_b, embedder, settings.embed_chars)
    seconds = time.perf_counter() - started
    parts = np.array(
        [
            pair_score(article_features(a, va, settings), article_features(b, vb, settings), settings)
            for a, b, va, vb in zip(articles_a, articles_b, vectors_a, vectors_b, strict=True)
        ]
    )
    score, embedding, names = parts[:, 0], parts[:, 1], parts[:, 2]
    target = -np.array([row["overall"] for row in rows])
    pairs = defaultdict(list)
    for index, row in enumerate(rows):
        pairs[f"{row['lang1']}-{row['lang2']}"].append(index)

    def pearson(x, idx=slice(None)):
        return float(np.corrcoef(x[idx], target[idx])[0, 1])

    def best_threshold(limit):
        positive = target >= -limit
        best = (0.0, 0.0)
        for t in np.arange(0.3, 1.0, 0.01):
            predicted = score >= t
            f1 = 2 * (predicted & positive).sum() / (predicted.sum() + positive.sum())
            best = max(best, (float(f1), round(float(t), 2)))
        return best

    return {
        "pairs": len(rows),
        "embed_seconds": round(seconds, 1),
        "pearson": {"score": pearson(score), "embedding": pearson(embedding), "names": pearson(names)},
        "per_pair": {
            key: (len(idx), pearson(score, idx), pearson(embedding, idx)) for key, idx in sorted(pairs.items())
        },
        "event_threshold": best_threshold(1.5),
        "storyline_threshold": best_threshold(2.5),
    }


def bcubed(predicted: list, gold: list) -> float:
    n = len(predicted)
    precision = recall = 0.0
    for i in range(n):
        same_p = {j for j in range(n) if predicted[j] == predicted[i]}
        same_g = {j for j in range(n) if gold[j] == gold[i]}
        precision += len(same_p & same_g) / len(same_p)
        recall += len(same_p & same_g) / len(same_g)
    precision, recall = precision / n, recall / n
    return 2 * precision * recall / (precision + recall)


def gold_key(source: str, root: Path) -> str:
    path, _, record = source.partition("#")
    key = str(Path(path).relative_to(root))
    return f"{key}#{record}" if record else key


def features_of(paths, settings, embedder):
    documents = [d for d in read_paths(paths) if isinstance(d, Document)]
    articles, _ = prepare(documents, settings)
    articles.sort(key=article_order)
    vectors = embed_articles(articles, embedder, settings.embed_chars)
    return articles, [article_features(a, v, settings) for a, v in zip(articles, vectors, strict=True)]


def grid(settings, embedder) -> list:
    root = ROOT / "examples" / "sample"
    gold = json.loads((ROOT / "examples" / "gold.json").read_text(encoding="utf-8"))
    articles, features = features_of([root], settings, embedder)
    gold_events = [gold["articles"][gold_key(a.source, root)]["event"] for a in articles]
    gold_storylines = [gold["events"][e]["storyline"] for e in gold_events]
    seeds = SHARED / "seeds"
    seed_articles, seed_features = features_of([seeds], settings, embedder) if seeds.is_dir() else ([], [])
    seed_names = [Path(a.source).name[:3] for a in seed_articles]
    results = []
    for event_threshold in EVENT_THRESHOLDS:
        for names_threshold in (0.3, 0.35, 0.4):
            for storyline_threshold in STORYLINE_THRESHOLDS:
                trial = dataclasses.replace(
                    settings,
                    event_threshold=event_threshold,
                    event_names_threshold=names_threshold,
                    storyline_threshold=storyline_threshold,
                )
                grouper = Grouper(trial)
                for f in features:
                    grouper.add(f)
                events = grouper.event_of
                storylines = [grouper.storyline_of_event[e] for e in events]
                seed_grouper = Grouper(trial)
                for f in seed_features:
                    seed_grouper.add(f)
                seed_events = sorted(sorted(seed_names[i] for i in m) for m in seed_grouper.event_members)
                seeds_ok = seed_events == [["000", "002", "003"], ["001"]] and len(seed_grouper.storyline_events) == 1
                results.append(
                    (
                        event_threshold,
                        names_threshold,
                        storyline_threshold,
                        bcubed(events, gold_events),
                        bcubed(storylines, gold_storylines),
                        seeds_ok,
                    )
                )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--semeval", type=Path, default=SHARED / "bench" / "news-similarity" / "train.jsonl")
    parser.add_argument("--pair-model", choices=("semeval", "linear"), default=None, help="pair score to calibrate")
    args = parser.parse_args()
    settings = load_settings(pair_model=args.pair_model)
    embedder = USEEmbedder()
    if args.semeval.is_file():
        report = semeval(settings, embedder, args.semeval)
        print(f"SemEval-2022 Task 8 train: {report['pairs']} pairs, embedded in {report['embed_seconds']} s")
        print(
            "Pearson with -overall: score {score:.3f} | embedding alone {embedding:.3f} | names alone {names:.3f}".format(
                **report["pearson"]
            )
        )
        print("| language pair | pairs | Pearson (score) | Pearson (embedding only) |\n|---|---|---|---|")
        for key, (count, score_r, embedding_r) in report["per_pair"].items():
            print(f"| {key} | {count} | {score_r:.3f} | {embedding_r:.3f} |")
        print("F1-best threshold, same event (overall <= 1.5): F1 {:.3f} at {}".format(*report["event_threshold"]))
        print(
            "F1-best threshold, same storyline (overall <= 2.5): F1 {:.3f} at {}".format(*report["storyline_threshold"])
        )
    else:
        print(f"SemEval data not found at {args.semeval}; skipped")
    print(
        "\nexamples/ gold, B-cubed F1:\n| event thr | names thr | storyline thr | events F1 | storylines F1 | seeds ok |\n|---|---|---|---|---|---|"
    )
    for row in grid(settings, embedder):
        print("| {} | {} | {} | {:.3f} | {:.3f} | {} |".format(*row))


if __name__ == "__main__":
    main()
