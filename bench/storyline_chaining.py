"""Storyline chaining on real texts: how big storylines grow, and what bounding them costs.

Storylines join events by their best single event pair, so without a bound they chain (A like
B like C ...) into unrelated stories; ``storyline_cohesion`` also asks for a mean pair score with
the storyline's articles. No real corpus here has storyline labels, so this bench reads two
proxies through the pipeline's own stages (ingest of JSONL records → ``prepare`` → ``embed`` →
grouping features, computed once per corpus; then the grouping is replayed per setting):

* the 931 framing texts (SemEval-2023 Task 3, six languages, almost all undated: one time window):
  events, storylines, the largest storylines, and the chance that two random articles share a
  storyline (how much chaining lumps together);
* the 2,872 texts of the SemEval-2022 Task 8 pairs grouped as one corpus: for the pairs the
  annotators rated the same story (overall ≤ 1.5), close (1.5–2.5), loosely related (2.5–3.5)
  and unrelated (> 3.5), the share whose two texts end in one event and in one storyline.

Usage:
    python bench/storyline_chaining.py [--cohesion 0 0.5 ...] [--data DIR]

Prints a Markdown table; never gates (the rule's unit test is in tests/test_cluster.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon.cluster import ArticleFeatures, Grouper, article_features  # noqa: E402
from rashomon.config import Settings, load_settings  # noqa: E402
from rashomon.embed import embed_articles  # noqa: E402
from rashomon.ingest.files import read_paths  # noqa: E402
from rashomon.pipeline import default_embedder, prepare  # noqa: E402
from rashomon.records import Document, article_order  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "bench"
BUCKETS = (("≤1.5", 0.0, 1.5), ("1.5–2.5", 1.5, 2.5), ("2.5–3.5", 2.5, 3.5), (">3.5", 3.5, 4.0))


def corpora(data: Path) -> tuple[dict[str, list[dict[str, str]]], list[tuple[str, str, float]]]:
    """Records per corpus, and the similarity pairs as (id 1, id 2, overall)."""
    framing = [
        {"id": f"framing-{row['id']}-{row['lang']}", "text": row["text"]}
        for row in map(json.loads, (data / "framing" / "train.jsonl").open(encoding="utf-8"))
    ]
    similarity, pairs = [], []
    for row in map(json.loads, (data / "news-similarity" / "train.jsonl").open(encoding="utf-8")):
        pairs.append((f"sim-{row['pair_id']}-1", f"sim-{row['pair_id']}-2", float(row["overall"])))
        for side in ("1", "2"):
            if (row.get(f"text{side}") or "").strip():
                similarity.append({"id": f"sim-{row['pair_id']}-{side}", "text": row[f"text{side}"]})
    return {"framing": framing, "similarity": similarity}, pairs


def features_of(records: Sequence[dict[str, str]], settings: Settings) -> list[ArticleFeatures]:
    """Grouping features of the records, through ingest, prepare and the embedder, in grouping order."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        documents = [item for item in read_paths([path]) if isinstance(item, Document)]
    articles, rejected = prepare(documents, settings)
    if rejected:
        print(f"{len(rejected)} rejected", file=sys.stderr)
    ordered = sorted(articles, key=article_order)
    vectors = embed_articles(ordered, default_embedder(settings), settings.embed_chars)
    return [article_features(a, v, settings) for a, v in zip(ordered, vectors, strict=True)]


def replay(features: Sequence[ArticleFeatures], settings: Settings) -> tuple[dict[str, int], dict[str, int], float]:
    grouper = Grouper(settings)
    started = time.perf_counter()
    for feature in features:
        grouper.add(feature)
    seconds = time.perf_counter() - started
    events = {grouper.features[i].article_id: e for i, e in enumerate(grouper.event_of)}
    storylines = {a: grouper.storyline_of_event[e] for a, e in events.items()}
    return events, storylines, seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohesion", type=float, nargs="+", default=[0.0, 0.5])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--trial",
        action="append",
        default=[],
        metavar="KEY=VALUE[,KEY=VALUE]",
        help="also replay grouping with these settings (default cohesion); repeatable",
    )
    args = parser.parse_args(argv)
    base = load_settings()
    records, pairs = corpora(args.data)
    features = {name: features_of(rows, base) for name, rows in records.items()}
    print(
        "| cohesion | framing events | storylines | largest | random pair same storyline | grouping s |"
        + "".join(f" sim {b[0]} event / storyline |" for b in BUCKETS)
    )
    print("|---:|---:|---:|---|---:|---:|" + "---|" * len(BUCKETS))
    trials = [(f"{c:g}", dataclasses.replace(base, storyline_cohesion=c)) for c in args.cohesion]
    for trial in args.trial:
        pairs_set = dict(item.split("=", 1) for item in trial.split(",") if item)
        trials.append((trial, load_settings(**pairs_set)))
    for label, settings in trials:
        events, storylines, seconds = replay(features["framing"], settings)
        sizes = sorted(Counter(storylines.values()).values(), reverse=True)
        n = len(storylines)
        chance = sum(k * (k - 1) for k in sizes) / max(1, n * (n - 1))
        sim_events, sim_storylines, sim_seconds = replay(features["similarity"], settings)
        cells = []
        for _label, low, high in BUCKETS:
            chosen = [
                (a, b) for a, b, overall in pairs if low < overall <= high and a in sim_events and b in sim_events
            ]
            same_event = sum(sim_events[a] == sim_events[b] for a, b in chosen) / max(1, len(chosen))
            same_story = sum(sim_storylines[a] == sim_storylines[b] for a, b in chosen) / max(1, len(chosen))
            cells.append(f" {same_event:.2f} / {same_story:.2f} (n={len(chosen)}) |")
        print(
            f"| {label} | {len(set(events.values()))} | {len(sizes)} | {', '.join(map(str, sizes[:5]))} "
            f"| {chance:.3f} | {seconds + sim_seconds:.1f} |" + "".join(cells),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
