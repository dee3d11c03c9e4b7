"""Speed of the entity recognisers on ~2,000-character articles, one thread.

    python bench/speed_ner.py
    python bench/speed_ner.py --real     # the taggers against the CRFs on 931 real articles

Two numbers per language: *cold* (the first pass over 40 articles, word caches
empty, models loaded) and *warm* (a second pass, as in a long run where common
words repeat). Articles are the seeds (de, en) and test sentences of the NER sets
concatenated to ~2,000 characters.

``--real``: the 931 articles of ``../shared/bench/framing/train.jsonl`` (de, en, fr, it, pl,
ru; ~4,800 characters each), recognised by ``DefaultRecognizer()`` (the taggers, the default)
and ``DefaultRecognizer(neural=False)`` (the CRFs, Slovnet alone for Russian) in turn, article by
article in one process, so a load change from other jobs falls on both alike. Two passes (the
second with warm word caches); milliseconds per article by language and in all.
"""

from __future__ import annotations

import argparse
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


def real(passes: int = 2) -> None:
    from collections import defaultdict

    from rashomon.extract.entities import DefaultRecognizer

    rows = [json.loads(line) for line in (ROOT.parent / "shared" / "bench" / "framing" / "train.jsonl").open()]
    backends = {"taggers": DefaultRecognizer(), "crf": DefaultRecognizer(neural=False)}
    for language in sorted({row["lang"] for row in rows}):
        for recognizer in backends.values():
            recognizer.recognize("Warm-up: Angela Merkel in Berlin.", language)
    for number in range(1, passes + 1):
        spent: dict[str, dict[str, float]] = {name: defaultdict(float) for name in backends}
        counts: dict[str, int] = defaultdict(int)
        for row in rows:
            counts[row["lang"]] += 1
            for name, recognizer in backends.items():
                started = time.perf_counter()
                recognizer.recognize(row["text"], row["lang"])
                spent[name][row["lang"]] += time.perf_counter() - started
        print(f"pass {number} (load {os.getloadavg()[0]:.1f}): ms per article, taggers / CRFs")
        for language in sorted(counts):
            per = [spent[name][language] * 1000 / counts[language] for name in backends]
            print(f"  {language} ({counts[language]}): {per[0]:.1f} / {per[1]:.1f}")
        total = [sum(spent[name].values()) for name in backends]
        print(
            f"  all ({len(rows)}): {total[0] * 1000 / len(rows):.1f} / {total[1] * 1000 / len(rows):.1f}; "
            f"{total[0]:.1f} s / {total[1]:.1f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="taggers against CRFs on the 931 framing texts")
    if parser.parse_args().real:
        real()
        return
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
