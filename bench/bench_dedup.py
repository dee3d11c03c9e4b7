"""Precision and recall of near-duplicate detection on controlled edits of real article bodies.

Reads the 181 ground-truth article bodies of the extraction benchmark at run time
(``../shared/bench/article-extraction/ground-truth.json``, MIT licence; nothing is
copied into this repository) and makes, for every body, four edited copies:

``intro``     a new paragraph put in front (a local desk's lead-in);
``cut``       the last paragraphs cut (about a third of the text, at least one paragraph);
``changed``   a few words and numbers changed (about 3 % of the words, every number);
``reordered`` two pairs of neighbouring paragraphs swapped.

Plus one *mash-up* per body: a new text quoting its first two sentences (at most a quarter of it) and a
paragraph of another body (a follow-up story, not a copy).

Negatives are every pair of articles that come from different bodies; ``same-site``
pairs (two bodies from one website, each given the same site footer) are counted
apart because shared boilerplate is the usual cause of false copies.

A pair is predicted a copy when :func:`rashomon.dedup.find_duplicates` puts both
articles in one group. Per edit kind, recall counts the (original, edited copy)
pairs found and precision counts the predicted pairs involving that kind's
copies that are true. The script also sweeps the thresholds and times 10,000
articles of about 2,000 characters.

Usage: ``python bench/bench_dedup.py [--ground-truth PATH] [--sweep] [--throughput N]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon import dedup  # noqa: E402
from rashomon.dedup import DedupIndex, find_duplicates  # noqa: E402
from rashomon.records import Article  # noqa: E402

GROUND_TRUTH = ROOT.parent / "shared" / "bench" / "article-extraction" / "ground-truth.json"
KINDS = ("intro", "cut", "changed", "reordered")

INTROS = [
    "Our correspondent has been following this story since it broke, and here is what we know so far about "
    "the people involved, the background and what may happen next.",
    "This report was first published by a partner news agency and is republished here with permission, "
    "lightly edited for length and style by our editors.",
    "Editor's note: readers have asked us for a full account of the events described below, so we are "
    "sharing the complete report along with some additional context.",
    "In case you missed it over the weekend, this was one of the most read stories on our website, and we "
    "are bringing it back to the top of the page for our morning readers.",
]
FILLER = "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa".split()
FOOTER = (
    "Copyright {site}. All rights reserved. This material may not be published, broadcast, rewritten or "
    "redistributed without permission. Sign up for our daily newsletter to get the top stories of the day "
    "delivered to your inbox every morning, and follow us on social media for breaking news alerts."
)


def paragraphs(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    if len(parts) >= 3:
        return parts
    sentences = [s for s in re.split(r"(?<=[.!?。！？])\s*", text.strip()) if s]
    size = max(1, len(sentences) // 4)
    return [" ".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]


def edit(kind: str, body: str, rng: random.Random) -> str:
    paras = paragraphs(body)
    if kind == "intro":
        return "\n\n".join([rng.choice(INTROS), *paras])
    if kind == "cut":
        keep = max(1, min(len(paras) - 1, round(len(paras) * 2 / 3)))
        return "\n\n".join(paras[:keep])
    if kind == "changed":
        words = "\n\n".join(paras).split(" ")
        for index, word in enumerate(words):
            if re.search(r"\d", word):
                words[index] = re.sub(r"\d", lambda m: str((int(m.group()) + 3) % 10), word)
        for index in rng.sample(range(len(words)), max(1, len(words) * 3 // 100)):
            words[index] = rng.choice(FILLER)
        return " ".join(words)
    if kind == "reordered":
        if len(paras) >= 2:
            for start in rng.sample(range(len(paras) - 1), min(2, len(paras) - 1)):
                paras[start], paras[start + 1] = paras[start + 1], paras[start]
        return "\n\n".join(paras)
    raise ValueError(kind)


def build(path: Path, seed: int = 1) -> tuple[list[Article], dict[str, tuple[int, str]], set[frozenset[str]]]:
    """Articles, their (body index, kind) labels, and the same-site negative pairs."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    by_site: dict[str, list[int]] = defaultdict(list)
    bodies = []
    for index, key in enumerate(sorted(data)):
        record = data[key]
        bodies.append(record["articleBody"])
        by_site[urlparse(record.get("url") or "").netloc].append(index)
    footer_sites = {i: site for site, members in by_site.items() if len(members) > 1 for i in members}
    articles: list[Article] = []
    labels: dict[str, tuple[int, str]] = {}
    for index, body in enumerate(bodies):
        if index in footer_sites:
            body = body + "\n\n" + FOOTER.format(site=footer_sites[index])
        variants = [("original", body)] + [(kind, edit(kind, body, rng)) for kind in KINDS]
        for kind, text in variants:
            article_id = f"{index:03d}-{kind}"
            day = 1 if kind == "original" else 2
            articles.append(Article(article_id, article_id, text, text, published=f"2024-05-{day:02d}"))
            labels[article_id] = (index, kind)
    # Mash-ups: a new story quoting two sentences of body i and borrowing a paragraph of body i + 7.
    # They resemble two originals a little and copy neither: every pair with them is a negative.
    for index, body in enumerate(bodies):
        sentences = [x for x in re.split(r"(?<=[.!?。！？])\s*", body) if x]
        quoted = ""
        for sentence in sentences[:2]:  # at most two sentences and a quarter of the body
            if len(quoted) + len(sentence) > len(body) // 4:
                break
            quoted = f"{quoted} {sentence}".strip()
        quoted = quoted or body[: len(body) // 4]
        borrowed = paragraphs(bodies[(index + 7) % len(bodies)])[0]
        own = " ".join(f"{rng.choice(FILLER)}{rng.randrange(100)}" for _ in range(60))  # the new story's own text
        text = "\n\n".join([own, f"As reported earlier: {quoted}", borrowed])
        article_id = f"{index:03d}-mashup"
        articles.append(Article(article_id, article_id, text, text, published="2024-05-03"))
        labels[article_id] = (1000 + index, "mashup")
    same_site = set()
    for members in by_site.values():
        for a, b in itertools.combinations(members, 2):
            same_site.update(
                frozenset((f"{a:03d}-{ka}", f"{b:03d}-{kb}"))
                for ka in ("original", *KINDS)
                for kb in ("original", *KINDS)
            )
    return articles, labels, same_site


def predicted_pairs(articles: list[Article], **settings: float) -> set[frozenset[str]]:
    result = find_duplicates(articles, **settings)
    pairs = set()
    for group in result.groups:
        members = [group.original_id, *group.copy_ids]
        pairs.update(frozenset(pair) for pair in itertools.combinations(members, 2))
    return pairs


def score(
    articles: list[Article], labels: dict[str, tuple[int, str]], same_site: set[frozenset[str]], **settings: float
) -> dict[str, tuple[float, float, float, int, int, int]]:
    """Per kind and overall: precision, recall, F1, true positives, false positives, false negatives."""
    predicted = predicted_pairs(articles, **settings)
    ids = [a.id for a in articles]
    truth = {frozenset(pair) for pair in itertools.combinations(ids, 2) if labels[pair[0]][0] == labels[pair[1]][0]}
    rows: dict[str, tuple[float, float, float, int, int, int]] = {}

    def metrics(pred: set[frozenset[str]], gold: set[frozenset[str]]) -> tuple[float, float, float, int, int, int]:
        tp, fp, fn = len(pred & gold), len(pred - gold), len(gold - pred)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1, tp, fp, fn

    for kind in KINDS:
        gold = {frozenset((f"{i:03d}-original", f"{i:03d}-{kind}")) for i in {labels[x][0] for x in ids} if i < 1000}
        pred = {pair for pair in predicted if any(labels[x][1] == kind for x in pair)}
        kind_truth = {pair for pair in truth if any(labels[x][1] == kind for x in pair)}
        p, _, _, tp, fp, _ = metrics(pred, kind_truth)
        found = len(gold & predicted)
        recall = found / len(gold)
        f1 = 2 * p * recall / (p + recall) if p + recall else 0.0
        rows[kind] = (p, recall, f1, tp, fp, len(gold) - found)
    mashup_links = {pair for pair in predicted if any(labels[x][1] == "mashup" for x in pair)}
    rows["mashup negatives"] = (float("nan"), float("nan"), float("nan"), len(ids) // 6, len(mashup_links), 0)
    negatives_site = {pair for pair in predicted if pair in same_site}
    rows["same-site negatives"] = (
        1.0 - len(negatives_site) / max(1, len(same_site)),
        float("nan"),
        float("nan"),
        len(same_site),
        len(negatives_site),
        0,
    )
    rows["all pairs"] = metrics(predicted, truth)
    return rows


def print_table(rows: dict[str, tuple[float, float, float, int, int, int]]) -> None:
    print(f"{'edit kind':<22}{'precision':>10}{'recall':>9}{'F1':>8}{'TP':>7}{'FP':>6}{'FN':>6}")
    for name, (p, r, f, tp, fp, fn) in rows.items():
        if name.endswith("negatives"):
            print(f"{name:<22}{'':>10}{'':>9}{'':>8}{'n=' + str(tp):>13}{'linked pairs ' + str(fp):>18}")
            continue
        print(f"{name:<22}{p:>10.3f}{r:>9.3f}{f:>8.3f}{tp:>7}{fp:>6}{fn:>6}")


def throughput(bodies: list[str], count: int, seed: int = 3) -> tuple[float, int]:
    """Articles per second for ``count`` articles of ~2,000 characters (with some copies among them)."""
    rng = random.Random(seed)
    sentences = [s for body in bodies for s in re.split(r"(?<=[.!?。！？])\s*", body) if len(s) > 30]
    articles = []
    for index in range(count):
        if articles and rng.random() < 0.1:
            base = rng.choice(articles).text
            text = edit(rng.choice(KINDS), base, rng)
        else:
            picked: list[str] = []
            while sum(map(len, picked)) < 2000:
                picked.append(rng.choice(sentences))
            text = "\n\n".join(" ".join(picked[i : i + 3]) for i in range(0, len(picked), 3))
        articles.append(Article(f"t{index}", f"t{index}", text, text))
    start = time.perf_counter()
    index_ = DedupIndex()
    for article in articles:
        index_.add(article)
    groups = len(index_.result().groups)
    return count / (time.perf_counter() - start), groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ground-truth", type=Path, default=GROUND_TRUTH)
    parser.add_argument("--sweep", action="store_true", help="also sweep the thresholds")
    parser.add_argument("--throughput", type=int, default=10_000, help="articles for the speed test (0: skip)")
    args = parser.parse_args()
    if not args.ground_truth.is_file():
        sys.exit(f"ground truth not found: {args.ground_truth}")
    articles, labels, same_site = build(args.ground_truth)
    print(f"{len(articles)} articles: {len(articles) // 6} bodies x (original + {len(KINDS)} edits + a mash-up)")
    lengths = Counter(len(a.text) // 1000 for a in articles if labels[a.id][1] == "original")
    print("body lengths (k chars):", dict(sorted(lengths.items())))
    start = time.perf_counter()
    rows = score(articles, labels, same_site)
    elapsed = time.perf_counter() - start
    print(
        f"\ndefaults (jaccard >= {dedup.JACCARD_THRESHOLD} or containment >= {dedup.CONTAINMENT_THRESHOLD} "
        f"with >= {dedup.MIN_CONTAINMENT_SHINGLES} shingles; {dedup.NUM_PERMUTATIONS} bins, {dedup.BANDS} bands "
        f"x {dedup.NUM_PERMUTATIONS // dedup.BANDS} rows):"
    )
    print_table(rows)
    print(f"({len(articles) / elapsed:,.0f} articles/s including scoring)")
    if args.sweep:
        print("\nsweep: jaccard, containment, bands -> overall P / R / F1, recall per kind, same-site links")
        for jaccard, containment, bands in itertools.product((0.3, 0.4, 0.5, 0.6), (0.8, 1.01), (32, 42, 64)):
            rows = score(
                articles,
                labels,
                same_site,
                jaccard_threshold=jaccard,
                containment_threshold=containment,
                bands=bands,
            )
            p, r, f, *_ = rows["all pairs"]
            per_kind = " ".join(f"{kind}={rows[kind][1]:.2f}" for kind in KINDS)
            print(
                f"  J>={jaccard:.1f} C>={containment:.2f} bands={bands:<3} P={p:.3f} R={r:.3f} F1={f:.3f}  "
                f"{per_kind}  same-site={rows['same-site negatives'][4]} mashup={rows['mashup negatives'][4]}"
            )
    if args.throughput:
        bodies = [a.text for a in articles if labels[a.id][1] == "original"]
        rate, groups = throughput(bodies, args.throughput)
        print(f"\nthroughput: {args.throughput:,} articles of ~2,000 chars at {rate:,.0f} articles/s ({groups} groups)")


if __name__ == "__main__":
    main()
