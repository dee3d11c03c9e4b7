"""Time the comparison of one event of 50 articles in 5 languages (issue 6: under 5 seconds).

The articles are real news from ../shared/bench/framing/train.jsonl: 10 each in en, de, fr, it
and ru, each from its own outlet, put in one event (they are not one story, so claims are few;
the cost — splitting, embedding every sentence, pair scores, alignment, disagreements, voices,
brief — is the same). Cleaning, language detection and extraction run first and are not timed
(they belong to ingest); the compare stage is timed from the articles, extractions, entities and
framing labels to the finished comparison, with a warm embedder (the model loads once per
process). Framing the articles (once per article, at ingest) is timed separately.

Usage: python bench/bench_compare.py [--per-language 10] [--repeat 3]
Prints numbers; never gates CI.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon import (  # noqa: E402
    Document,
    Event,
    USEEmbedder,
    compare_event,
    extract_articles,
    extract_corpus,
    frame_articles,
)
from rashomon.config import load_settings  # noqa: E402
from rashomon.pipeline import prepare  # noqa: E402

DATA = ROOT.parent / "shared" / "bench" / "framing" / "train.jsonl"
LANGUAGES = ("en", "de", "fr", "it", "ru")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-language", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    documents = []
    for language in LANGUAGES:
        chosen = [r for r in rows if r["lang"] == language][: args.per_language]
        for row in chosen:
            raw = row["text"].encode("utf-8")
            documents.append(
                Document(
                    id=f"{language}-{row['id']}",
                    source=f"framing/{language}/{row['id']}",
                    raw=raw,
                    text=row["text"],
                    encoding="utf-8",
                    fmt="txt",
                    outlet=f"outlet-{language}-{row['id']}",
                )
            )
    settings = load_settings()
    articles, _empty = prepare(documents, settings, None, lambda *a: None)
    extractions = extract_articles(articles)
    embedder = USEEmbedder()
    embedder.encode(["warm up"])
    event = Event("ev-bench", "bench", tuple(a.id for a in articles))
    entities, crosslinks = extract_corpus(articles, extractions, [event], [], embedder)
    by_id = {a.id: a for a in articles}
    found = {x.article_id: x for x in extractions}
    frame_articles(articles[:2])  # load the framing model
    times, framing_times = [], []
    result = None
    for _ in range(args.repeat):
        start = time.perf_counter()
        framings = {f.article_id: f for f in frame_articles(articles)}
        framing_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = compare_event(event, by_id, found, entities, crosslinks, embedder, framings=framings)
        times.append(time.perf_counter() - start)
    assert result is not None
    sentences = sum(len(c.sentences) for c in result.claims)
    languages = sorted({a.language or "?" for a in articles})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"event: {len(articles)} articles, {len(result.sources)} outlets, languages {', '.join(languages)}")
    print(
        f"sentences compared: {sentences}; claims: {len(result.claims)}, shared: {sum(len(c.sources) > 1 for c in result.claims)}"
    )
    print(f"disagreements: {len(result.disagreements)}; voices: {len(result.voices)}; brief lines: {len(result.brief)}")
    print(f"compare_event: median {statistics.median(times):.2f} s, best {min(times):.2f} s over {len(times)} runs")
    print(
        f"framing the 50 articles (done once per article at ingest): median {statistics.median(framing_times):.2f} s; "
        f"both: {statistics.median(times) + statistics.median(framing_times):.2f} s"
    )
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
