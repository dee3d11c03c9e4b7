"""Speed of the entity recognisers on ~2,000-character articles, one thread.

    python bench/speed_ner.py

Two numbers per language: *cold* (the first pass over 40 articles, word caches
empty, models loaded) and *warm* (a second pass, as in a long run where common
words repeat). Articles are the seeds (de, en) and test sentences of the NER sets
concatenated to ~2,000 characters.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NER_DATA = ROOT.parent / "shared" / "bench" / "ner"
SOURCES = {"de": "conll2003", "en": "conll2003", "ru": "factrueval2016", "es": "conll2002", "pl": "bsnlp2019"}


def articles(language: str, count: int = 40, size: int = 2000) -> list[str]:
    found, current = [], ""
    with (NER_DATA / SOURCES[language] / "test.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("lang", language) != language:
                continue
            current = f"{current} {' '.join(row['tokens'])}".strip()
            if len(current) >= size:
                found.append(current[:size])
                current = ""
                if len(found) == count:
                    break
    return found


def main() -> None:
    from rashomon.extract.entities import DefaultRecognizer

    recognizer = DefaultRecognizer()
    for language in SOURCES:
        texts = articles(language)
        started = time.perf_counter()
        recognizer.recognize("Warm-up: Angela Merkel in Berlin.", language)
        load = time.perf_counter() - started
        runs = []
        for _ in range(2):
            times = []
            for text in texts:
                started = time.perf_counter()
                recognizer.recognize(text, language)
                times.append((time.perf_counter() - started) * 1000)
            runs.append(times)
        cold, warm = runs
        tokens = sum(len(t.split()) for t in texts)
        print(
            f"{language}: load {load:.2f}s; cold {statistics.mean(cold):.2f} ms/article "
            f"(p90 {sorted(cold)[int(0.9 * len(cold))]:.2f}); warm {statistics.mean(warm):.2f} ms/article, "
            f"{tokens / (sum(warm) / 1000):,.0f} tokens/s"
        )


if __name__ == "__main__":
    main()
