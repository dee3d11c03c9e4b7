"""How much arrival order matters: B-cubed F1 of events and storylines in random orders.

Online grouping sees articles one at a time, so an article that arrives before
its event has formed can start an event of its own. This bench embeds the
bundled sample (and the seeds, when ``../shared/seeds`` is there) once, then
groups it in date order and in ``--orders`` random orders (fixed seed), with
repair (merge/split) on and off, and prints the F1 in date order and the mean
and worst F1 over the random orders.

    .venv/bin/python bench/bench_orders.py [--orders 40]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon import USEEmbedder, embed_articles, load_settings, read_paths  # noqa: E402
from rashomon.cluster import Grouper, article_features  # noqa: E402
from rashomon.dedup import find_duplicates, fold_copies  # noqa: E402
from rashomon.evaluate import bcubed  # noqa: E402
from rashomon.pipeline import prepare  # noqa: E402
from rashomon.records import Document, article_order  # noqa: E402

SAMPLE = ROOT / "examples" / "sample"
SEEDS = ROOT.parent / "shared" / "seeds"


def corpus(path: Path, settings):  # type: ignore[no-untyped-def]
    documents = [d for d in read_paths([path]) if isinstance(d, Document)]
    articles, _ = prepare(documents, settings)
    articles = fold_copies(articles, find_duplicates(articles))
    vectors = embed_articles(articles, USEEmbedder(), settings.embed_chars)
    return articles, [article_features(a, v, settings) for a, v in zip(articles, vectors, strict=True)]


def gold_of(name: str, articles: list) -> tuple[dict[str, str], dict[str, str]]:
    if name == "seeds":
        prefix = {a.id: Path(a.source).name[:3] for a in articles}
        return {i: "visit" if p in ("000", "002", "003") else "summit" for i, p in prefix.items()}, {
            i: "one" for i in prefix
        }
    gold = json.loads((ROOT / "examples" / "gold.json").read_text(encoding="utf-8"))
    events, storylines = {}, {}
    for article in articles:
        path, _, record = article.source.partition("#")
        key = Path(path).resolve().relative_to(SAMPLE.resolve()).as_posix() + (f"#{record}" if record else "")
        events[article.id] = gold["articles"][key]["event"]
        storylines[article.id] = gold["events"][events[article.id]]["storyline"]
    return events, storylines


def scores(settings, articles, features, gold_events, gold_storylines, orders: int):  # type: ignore[no-untyped-def]
    rng = random.Random(20261130)
    dated = sorted(range(len(features)), key=lambda i: article_order(articles[i]))
    out = []
    for number in range(orders + 1):
        order = dated if number == 0 else rng.sample(dated, len(dated))
        grouper = Grouper(settings)
        for i in order:
            grouper.add(features[i])
        events = {grouper.features[i].article_id: str(e) for i, e in enumerate(grouper.event_of)}
        storylines = {
            grouper.features[i].article_id: str(grouper.storyline_of_event[e]) for i, e in enumerate(grouper.event_of)
        }
        out.append((bcubed(events, gold_events)[2], bcubed(storylines, gold_storylines)[2]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=40)
    args = parser.parse_args()
    base = load_settings()
    print(
        "| corpus | repair | events F1, date order | events F1, random orders: mean / worst | storylines F1, date order | storylines F1, random: mean / worst |"
    )
    print("|---|---|---|---|---|---|")
    for name, path in (("sample", SAMPLE), ("seeds", SEEDS)):
        if not path.is_dir():
            continue
        articles, features = corpus(path, base)
        gold_events, gold_storylines = gold_of(name, articles)
        for repair in (False, True):
            settings = dataclasses.replace(base, repair=repair)
            result = scores(settings, articles, features, gold_events, gold_storylines, args.orders)
            events = [r[0] for r in result[1:]]
            storylines = [r[1] for r in result[1:]]
            print(
                f"| {name} ({len(articles)}) | {'on' if repair else 'off'} | {result[0][0]:.3f} "
                f"| {statistics.mean(events):.3f} / {min(events):.3f} | {result[0][1]:.3f} "
                f"| {statistics.mean(storylines):.3f} / {min(storylines):.3f} |"
            )


if __name__ == "__main__":
    main()
