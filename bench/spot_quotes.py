"""Quote extraction on real news: crash test, speed, kind and speaker coverage, and a sample to judge.

Data: the 931 real articles (en, de, fr, it, ru, pl) of SemEval-2023 Task 3's training set, read from
``../shared/bench/framing/train.jsonl`` (research use; nothing is copied into the repository).
There is no quote annotation for them: this prints what the extractor finds per language, its
speed on long real texts, and ``--judge N`` random direct/partial quotes with their speakers and
sentences, to be judged by hand (bench/results/quotes.md reports one such judgement).

Usage: python bench/spot_quotes.py [--data FILE] [--judge 40] [--seed 5]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon.extract.quotes import extract_quotes  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "framing" / "train.jsonl"
LANGUAGES = ("de", "en", "fr", "it", "ru")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--judge", type=int, default=0, help="print this many random quotes to judge by hand")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["lang"] in LANGUAGES]
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    attributed: Counter[str] = Counter()
    pool = []
    characters = 0
    extract_quotes("„Ja“, sagte Anna Berg in Kasachstan.", "de")  # warm-up: Babel's country tables load once
    started = time.process_time()
    for row in rows:
        text = row["text"]
        characters += len(text)
        for quote in extract_quotes(text, row["lang"]):
            kinds[row["lang"]][quote.kind] += 1
            if quote.kind in ("direct", "partial"):
                attributed[row["lang"]] += quote.speaker is not None
                pool.append((row["id"], row["lang"], quote))
    elapsed = time.process_time() - started
    print("| Language | Articles | Direct | Partial | Indirect | Scare | Direct+partial with a speaker |")
    print("|---|---|---|---|---|---|---|")
    for language in LANGUAGES:
        count = sum(r["lang"] == language for r in rows)
        k = kinds[language]
        quoted = k["direct"] + k["partial"]
        share = attributed[language] / quoted if quoted else 0.0
        print(
            f"| {language} | {count} | {k['direct']} | {k['partial']} | {k['indirect']} | {k['scare']} | {share:.2f} |"
        )
    print(f"\nSpeed: {elapsed * 1000 / (characters / 2000):.3f} ms CPU per 2,000 characters ({len(rows)} articles).")
    for article_id, language, quote in random.Random(args.seed).sample(pool, min(args.judge, len(pool))):
        said = f"{quote.speaker.name} [{quote.speaker_via}]" if quote.speaker else "-"
        print(f"\n[{language} {article_id}] {quote.kind}: {quote.text[:160]!r}\n  speaker: {said}")
        print(f"  sentence: {quote.sentence[:400]!r}")


if __name__ == "__main__":
    main()
