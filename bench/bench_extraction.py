"""Article-body extraction quality and speed: Rashomon's extract_page against plain trafilatura.

Data: Scrapinghub/Zyte's article-extraction-benchmark (181 real pages, MIT), read from
``../shared/bench/article-extraction`` (or --data). Metric as in their evaluate.py: per page,
4-gram shingles of ``\\w+`` tokens of the true and predicted body, tp/fp/fn from the multiset
overlap normalised by their sum; precision is the mean over pages with a non-empty prediction,
recall the mean over pages with a non-empty truth; F1 = 2PR/(P+R).

Usage: python bench/bench_extraction.py [--data DIR] [--verbose] [--worst 15] [--only ours]
Prints a Markdown table; never gates CI (the test suite has the quality floor).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "article-extraction"
_TOKEN = re.compile(r"\w+")

TpFpFn = tuple[float, float, float]


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def page_counts(true: str, pred: str) -> TpFpFn:
    """Normalised (tp, fp, fn) of one page's shingles, as in the benchmark's evaluate.py."""
    truth, guess = shingles(true), shingles(pred)
    tp = float(sum((truth & guess).values()))
    fp = float(sum((guess - truth).values()))
    fn = float(sum((truth - guess).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (tp, fp, fn)


def scores(counts: Sequence[TpFpFn]) -> tuple[float, float, float]:
    """(f1, precision, recall) over pages; empty predictions count for recall only."""
    precisions = [1.0 if fp == fn == 0 else tp / (tp + fp) for tp, fp, fn in counts if tp + fp > 0]
    recalls = [1.0 if fp == fn == 0 else tp / (tp + fn) for tp, fp, fn in counts if tp + fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


def load_pages(data: Path) -> dict[str, tuple[str, str, str]]:
    """{page id: (html, url, true body)}; HTML decoded the way Rashomon decodes files."""
    from rashomon.ingest.files import decode_text

    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {}
    for key in sorted(truth):
        raw = gzip.decompress((data / "html" / f"{key}.html.gz").read_bytes())
        html, _ = decode_text(raw)
        pages[key] = (html, truth[key].get("url") or "", truth[key].get("articleBody") or "")
    return pages


def ours(html: str, url: str) -> str:
    from rashomon.ingest.html import extract_page

    page = extract_page(html, url or None)
    return page.text if page else ""


def trafilatura_default(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def trafilatura_fast(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False, fast=True) or ""


EXTRACTORS: dict[str, Callable[[str, str], str]] = {
    "rashomon extract_page": ours,
    "trafilatura (default)": trafilatura_default,
    "trafilatura (fast=True)": trafilatura_fast,
}


def run(
    extract: Callable[[str, str], str], pages: dict[str, tuple[str, str, str]]
) -> tuple[dict[str, TpFpFn], dict[str, str], float]:
    counts: dict[str, TpFpFn] = {}
    outputs: dict[str, str] = {}
    started = time.perf_counter()
    for key, (html, url, _) in pages.items():
        outputs[key] = extract(html, url)
    elapsed = time.perf_counter() - started
    for key, (_, _, true) in pages.items():
        counts[key] = page_counts(true, outputs[key])
    return counts, outputs, elapsed


def evaluate_ours(pages: dict[str, tuple[str, str, str]]) -> tuple[float, float, float]:
    counts, _, _ = run(ours, pages)
    return scores(list(counts.values()))


def _worst(name: str, counts: dict[str, TpFpFn], pages: dict[str, tuple[str, str, str]], limit: int) -> Iterable[str]:
    yield f"\n### Worst pages: {name}\n"
    yield "| page | url | precision | recall | fp | fn |"
    yield "|---|---|---:|---:|---:|---:|"
    ranked = sorted(counts.items(), key=lambda item: -(item[1][1] + item[1][2]))
    for key, (tp, fp, fn) in ranked[:limit]:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        yield f"| {key[:10]} | {pages[key][1][:70]} | {precision:.3f} | {recall:.3f} | {fp:.3f} | {fn:.3f} |"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--verbose", action="store_true", help="also list the worst pages of each extractor")
    parser.add_argument("--worst", type=int, default=15)
    parser.add_argument("--only", choices=["ours", "all"], default="all")
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth.json").exists():
        print(f"no benchmark data at {args.data}", file=sys.stderr)
        return 2
    pages = load_pages(args.data)
    import trafilatura

    # warm up imports and lazy caches so the first extractor is not charged for them
    first = next(iter(pages.values()))
    for extract in EXTRACTORS.values():
        extract(first[0], first[1])

    names = list(EXTRACTORS) if args.only == "all" else ["rashomon extract_page"]
    print(f"{len(pages)} pages; trafilatura {trafilatura.__version__}\n")
    print("| extractor | F1 | precision | recall | pages/s |")
    print("|---|---:|---:|---:|---:|")
    worst: list[str] = []
    for name in names:
        counts, _, elapsed = run(EXTRACTORS[name], pages)
        f1, precision, recall = scores(list(counts.values()))
        print(f"| {name} | {f1:.4f} | {precision:.4f} | {recall:.4f} | {len(pages) / elapsed:.1f} |")
        if args.verbose:
            worst.extend(_worst(name, counts, pages, args.worst))
    for line in worst:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
