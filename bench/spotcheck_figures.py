"""Spot-check figures on real news that nobody annotated for us: print a random sample to judge by hand.

Data: the SemEval-2023 Task 3 articles in ``../shared/bench/framing/train.jsonl`` (de, en, fr, it,
ru; research use only, read in place, never copied), followed by the SemEval-2022 Task 8 articles
in ``../shared/bench/news-similarity/train.jsonl`` (the only source for Spanish). For each language the script draws
``--n`` figures uniformly from everything the extractor finds in the first ``--articles`` articles
(fixed seed) and prints each with its context, value, unit and what it counts. A person then marks
each as right (a real quantity, value and unit as the text means them) or wrong; the counts we got
are in bench/results/figures.md. This estimates precision only: recall needs annotated text.

Usage: python bench/spotcheck_figures.py [--n 20] [--articles 60] [--offset 0] [--seed 7] [--language de]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon.extract.figures import extract_figures  # noqa: E402

BENCH = ROOT.parent / "shared" / "bench"


def articles(language: str, limit: int, offset: int = 0) -> list[str]:
    """Framing articles in ``language`` first, then the news-similarity ones; a slice of them."""
    texts: list[str] = []
    framing = BENCH / "framing" / "train.jsonl"
    if framing.is_file():
        for line in framing.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("lang") == language:
                texts.append(row["text"])
    similarity = BENCH / "news-similarity" / "train.jsonl"
    if similarity.is_file():
        for line in similarity.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            for key in ("1", "2"):
                if row[f"lang{key}"] == language:
                    texts.append(row[f"text{key}"])
    return texts[offset : offset + limit]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--offset", type=int, default=0, help="skip this many articles (a fresh draw)")
    parser.add_argument("--language", action="append")
    args = parser.parse_args(argv)
    for language in args.language or ["de", "en", "ru", "fr", "es", "it"]:
        found = []
        texts = articles(language, args.articles, args.offset)
        for text in texts:
            found.extend((text, figure) for figure in extract_figures(text, language))
        chosen = random.Random(args.seed).sample(found, min(args.n, len(found)))
        print(f"## {language}: {len(found)} figures in {len(texts)} articles; {len(chosen)} drawn")
        for number, (text, figure) in enumerate(chosen, 1):
            value = figure.value if figure.value is not None else (figure.low, figure.high)
            context = text[max(0, figure.start - 60) : figure.end + 40].replace("\n", " ")
            print(f"{number:3}. {figure.text!r} = {value} {figure.unit} (counts {figure.counts!r})")
            print(f"     …{context}…")
        print()


if __name__ == "__main__":
    main()
