"""Figure extraction quality and speed on our annotated sentences (tests/data/figures_gold.jsonl).

Data: sentences written by the Rashomon developers in de, en, ru, fr, es, it (facts may be real,
wording is ours), each with the figures a reader would expect: surface text, value or low/high,
unit. Sentences with no figure (years, dates, ordinals, scores, phone numbers, article numbers)
are negatives. Rows marked ``"split": "heldout"`` were written after the rules were frozen and are
reported separately.

Metrics:
* detection: a predicted figure matches a gold one when their character spans overlap (one to
  one, in order); precision = matched / predicted, recall = matched / gold.
* normalisation accuracy: of the matched figures, the share whose value (or low/high) and unit
  are both right (relative tolerance 1e-6). "end-to-end" divides by all gold figures instead.
* qualifier accuracy: of the matched figures, the share whose hedge and bound are both right: a
  gold figure is ``"approximate": true`` where the text hedges it ("about", "rund", "около",
  "une vingtaine") and has ``"bound": "over"``/``"under"`` where it bounds it ("more than",
  "bis zu"); a figure without those keys is neither.
* speed: CPU milliseconds per 2,000 characters of real article text (the seeds and the bundled
  sample corpus when present, else the gold sentences joined), best of 20 runs.

Usage: python bench/eval_figures.py [--data FILE] [--split all|dev|heldout] [--verbose] [--json]
Prints a Markdown table; never gates CI (tests/test_figures.py holds the floors).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon.extract.figures import extract_figures  # noqa: E402
from rashomon.records import Figure  # noqa: E402

DEFAULT_DATA = ROOT / "tests" / "data" / "figures_gold.jsonl"
SEEDS = ROOT.parent / "shared" / "seeds"


@dataclass
class Tally:
    """Counts for one slice (a language, a split, or everything)."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0
    correct: int = 0
    qualified: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.matched if self.matched else 1.0

    @property
    def qualifier_accuracy(self) -> float:
        return self.qualified / self.matched if self.matched else 1.0

    @property
    def end_to_end(self) -> float:
        return self.correct / self.gold if self.gold else 1.0


def load(path: Path = DEFAULT_DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def normalised_right(predicted: Figure, gold: dict) -> bool:
    """Value (or low/high) and unit as annotated."""
    if predicted.unit != gold.get("unit"):
        return False
    if "value" in gold:
        return _close(predicted.value, gold["value"])
    return _close(predicted.low, gold["low"]) and _close(predicted.high, gold["high"])


def qualifier_right(predicted: Figure, gold: dict) -> bool:
    """Hedge and bound as annotated (absent keys: neither)."""
    return predicted.approximate == bool(gold.get("approximate")) and predicted.bound == gold.get("bound")


def gold_spans(row: dict) -> list[tuple[int, int, dict]]:
    spans, cursor = [], 0
    for figure in row["figures"]:
        start = row["text"].find(figure["text"], cursor)
        if start < 0:
            start = row["text"].find(figure["text"])
        spans.append((start, start + len(figure["text"]), figure))
        cursor = start + len(figure["text"])
    return spans


def score(rows: Iterable[dict]) -> dict[str, Tally]:
    """Tallies per language plus ``"all"``."""
    tallies: dict[str, Tally] = {"all": Tally()}
    for row in rows:
        predicted = extract_figures(row["text"], row["language"])
        tally = tallies.setdefault(row["language"], Tally())
        used: set[int] = set()
        for start, end, gold in gold_spans(row):
            for t in (tally, tallies["all"]):
                t.gold += 1
            hit = next(
                (i for i, p in enumerate(predicted) if i not in used and p.start < end and start < p.end),
                None,
            )
            if hit is None:
                tally.errors.append(f"MISS  {row['id']}: {gold['text']!r} in {row['text']!r}")
                continue
            used.add(hit)
            right = normalised_right(predicted[hit], gold)
            qualified = qualifier_right(predicted[hit], gold)
            for t in (tally, tallies["all"]):
                t.matched += 1
                t.correct += right
                t.qualified += qualified
            if not qualified:
                p = predicted[hit]
                tally.errors.append(
                    f"QUALIFIER {row['id']}: {p.text!r} → approximate={p.approximate} bound={p.bound}, expected "
                    f"approximate={bool(gold.get('approximate'))} bound={gold.get('bound')}"
                )
            if not right:
                p = predicted[hit]
                got = p.value if p.value is not None else (p.low, p.high)
                want = gold.get("value", (gold.get("low"), gold.get("high")))
                tally.errors.append(
                    f"VALUE {row['id']}: {p.text!r} → {got} {p.unit}, expected {want} {gold.get('unit')}"
                )
        for i, p in enumerate(predicted):
            if i not in used:
                tally.errors.append(f"EXTRA {row['id']}: {p.text!r} ({p.value} {p.unit}) in {row['text']!r}")
        for t in (tally, tallies["all"]):
            t.predicted += len(predicted)
    return tallies


def speed(repeats: int = 20) -> list[tuple[str, float, int]]:
    """CPU milliseconds per 2,000 characters on real article text: [(what, ms, figures found)].

    CPU time (``time.process_time``) rather than wall time, so other work on a shared machine does
    not inflate it; best of ``repeats`` runs after a warm-up (patterns are compiled once per language).
    """
    sources = []
    if SEEDS.is_dir():
        seeds = [
            (p.read_text(encoding="utf-8"), "en" if p.name.startswith("003") else "de") for p in SEEDS.glob("*.txt")
        ]
        sources.append(("the four seed articles", seeds))
    sample = ROOT / "examples" / "sample"
    if sample.is_dir():
        texts = [
            (f.read_bytes().decode("utf-8", "replace"), f.relative_to(sample).parts[0]) for f in sample.rglob("*.txt")
        ]
        sources.append((f"the {len(texts)} bundled sample articles (number-dense)", texts))
    if not sources:
        sources.append(("the gold sentences joined", [(" ".join(r["text"] for r in load()), None)]))
    results = []
    for name, texts in sources:
        chars = sum(len(t) for t, _ in texts)
        found = sum(len(extract_figures(text, language)) for text, language in texts)  # warm-up
        best = math.inf
        for _ in range(repeats):
            began = time.process_time()
            for text, language in texts:
                extract_figures(text, language)
            best = min(best, time.process_time() - began)
        results.append((name, best * 1000 * 2000 / chars, found))
    return results


def table(tallies: dict[str, Tally], title: str) -> str:
    lines = [
        f"**{title}**",
        "",
        "| language | gold figures | predicted | precision | recall | normalisation accuracy | end-to-end "
        "| qualifier accuracy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    order = [k for k in ("de", "en", "ru", "fr", "es", "it") if k in tallies] + ["all"]
    for key in order:
        t = tallies[key]
        lines.append(
            f"| {key} | {t.gold} | {t.predicted} | {t.precision:.3f} | {t.recall:.3f} | {t.accuracy:.3f} "
            f"| {t.end_to_end:.3f} | {t.qualifier_accuracy:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=["all", "dev", "heldout"], default=None)
    parser.add_argument("--verbose", action="store_true", help="list every miss, wrong value and extra figure")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = load(args.data)
    splits = [args.split] if args.split else ["dev", "heldout", "all"]
    report = {}
    for split in splits:
        chosen = [r for r in rows if split == "all" or r.get("split", "dev") == split]
        if not chosen:
            continue
        tallies = score(chosen)
        report[split] = tallies
        if not args.json:
            print(table(tallies, f"{split} ({len(chosen)} sentences)"))
            print()
            if args.verbose:
                for key, t in tallies.items():
                    for error in t.errors:
                        print(f"  [{key}] {error}")
                print()
    timings = speed()
    if args.json:
        out: dict[str, object] = {
            split: {
                k: {
                    "precision": t.precision,
                    "recall": t.recall,
                    "accuracy": t.accuracy,
                    "qualifier_accuracy": t.qualifier_accuracy,
                }
                for k, t in ts.items()
            }
            for split, ts in report.items()
        }
        out["ms_per_2000_chars"] = {name: ms for name, ms, _ in timings}
        print(json.dumps(out, indent=2))
    else:
        for name, ms, found in timings:
            print(f"Speed: {ms:.3f} ms CPU per 2,000 characters on {name} ({found} figures; one core, best of 20).")


if __name__ == "__main__":
    main()
