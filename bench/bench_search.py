"""Time search: indexing (in the store's write, and the migration's backfill) and queries.

The articles are the distinct real texts of ``../shared/bench/news-similarity/train.jsonl``
(SemEval-2022 Task 8: en, de, es, tr, pl, ar, fr), stored through ``Workspace.add_article`` as an
ingest stores them, with 512-dimension vectors of the deterministic hashing embedder (the USE
embedder's dimension; what a query costs does not depend on what the vectors mean). Semantic
scans are also timed on 20,000 and 100,000 random unit vectors, and a query's embedding with the
real USE model on its own.

Usage: python bench/bench_search.py [--repeat 5] [--no-use]
Prints numbers; never gates CI.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon import Article, HashingEmbedder, Workspace  # noqa: E402
from rashomon.ingest import make_id  # noqa: E402
from rashomon.search import index_article, nearest, search  # noqa: E402

DATA = ROOT.parent / "shared" / "bench" / "news-similarity" / "train.jsonl"
TEXT_QUERIES = [
    "Trump",
    "election campaign",
    "Merkel Regierung",
    '"European Union"',
    "econom*",
    "Brexit OR Johnson",
    "police NOT Trump",
    "lang:de Polizei",
    "gobierno lang:es from:2020-03-01",
    "türkiye",
    "wybory",
    "title:coronavirus",
    "outlet:outlet-3 covid*",
]
SEMANTIC_QUERIES = ["election results", "Polizei Unfall Autobahn", "vacuna covid", "earthquake victims"]


def texts() -> list[tuple[str, str]]:
    """(language, text) of every distinct text of the news-similarity pairs."""
    seen: dict[str, str] = {}
    with DATA.open(encoding="utf-8") as lines:
        for line in lines:
            pair = json.loads(line)
            for side in ("1", "2"):
                text = (pair.get(f"text{side}") or "").strip()
                if text:
                    seen.setdefault(text, pair[f"lang{side}"])
    return [(language, text) for text, language in seen.items()]


def articles(items: list[tuple[str, str]]) -> list[Article]:
    out = []
    for number, (language, text) in enumerate(items):
        title = text.split("\n", 1)[0][:120]
        day = 1 + number % 28
        out.append(
            Article(
                id=make_id("bench", text),
                source=f"bench/{number}.txt",
                raw_text=text,
                text=text,
                title=title,
                language=language,
                outlet=f"outlet-{number % 20}",
                published=f"2020-{1 + number % 12:02d}-{day:02d}",
            )
        )
    return out


def median_ms(call, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def table_bytes(ws: Workspace, prefix: str) -> int:
    row = ws.connection.execute("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE ?", (prefix + "%",))
    return int(row.fetchone()[0])


def scan_synthetic(folder: Path, size: int, repeat: int) -> float:
    """Median ms of one brute-force semantic scan over ``size`` random 512-d unit vectors."""
    import sqlite3

    path = folder / f"vectors-{size}.sqlite3"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("CREATE TABLE search_vectors (seq INTEGER PRIMARY KEY, vector BLOB NOT NULL)")
    rng = np.random.default_rng(size)
    connection.execute("BEGIN")
    for start in range(0, size, 10_000):
        block = rng.normal(size=(min(10_000, size - start), 512)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        connection.executemany(
            "INSERT INTO search_vectors (seq, vector) VALUES (?, ?)",
            [(start + i + 1, row.tobytes()) for i, row in enumerate(block)],
        )
    connection.execute("COMMIT")
    query = rng.normal(size=512).astype(np.float32)
    query /= np.linalg.norm(query)
    nearest(connection, query, 50)  # warm the page cache: a server scans a warm database
    result = median_ms(lambda: nearest(connection, query, 50), repeat)
    connection.close()
    path.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-use", action="store_true", help="skip timing a query's embedding with USE")
    options = parser.parse_args()
    items = articles(texts())
    held_out, stored = items[:100], items[100:]
    embedder = HashingEmbedder(dimension=512)
    print(f"{len(items)} distinct real texts, {sum(len(a.text) for a in items) / len(items):.0f} characters on average")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        with Workspace(folder / "ws") as ws:
            vectors = embedder.encode([a.text[:5000] for a in items])
            vector_of = {a.id: v for a, v in zip(items, vectors, strict=True)}
            start = time.perf_counter()
            with ws.write() as db:
                for article in stored:
                    ws.add_article(db, article, vector_of[article.id], embedder.name)
            with_index = time.perf_counter() - start
            # The index's share: the same rows indexed again, alone.
            seqs = dict(ws.connection.execute("SELECT id, seq FROM articles").fetchall())
            start = time.perf_counter()
            with ws.write() as db:
                for article in stored:
                    index_article(
                        db, seqs[article.id], article.title, article.text, article.language, vector_of[article.id]
                    )
            index_only = time.perf_counter() - start
            start = time.perf_counter()
            with ws.write() as db:
                for article in held_out:
                    ws.add_article(db, article, vector_of[article.id], embedder.name)
            hundred = time.perf_counter() - start
            # The migration's backfill, on the workspace as a schema-13 one would hold it.
            with ws.write() as db:
                for table in ("search_words", "search_trigrams"):
                    db.execute(f"DELETE FROM {table}")
                db.execute("DELETE FROM search_vectors")
            script = (ROOT / "rashomon" / "migrations" / "014_search.sql").read_text(encoding="utf-8")
            backfill = [statement for statement in script.split(";\n") if "INSERT INTO" in statement]
            start = time.perf_counter()
            with ws.write() as db:
                for statement in backfill:
                    db.execute(statement)
            backfilled = time.perf_counter() - start
            total = len(items)
            sizes = {
                "articles": table_bytes(ws, "articles"),
                "search_words": table_bytes(ws, "search_words"),
                "search_vectors": table_bytes(ws, "search_vectors"),
            }
            print(
                f"store {len(stored)} articles in one write: {with_index:.2f} s, of which the search index ~{index_only:.2f} s"
            )
            print(f"store 100 more (held out): {hundred * 1000:.0f} ms ({hundred * 10:.1f} ms/article)")
            print(f"migration backfill of {total} articles: {backfilled:.2f} s")
            print("bytes: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))
            print(f"\n{'query':<40} {'mode':<9} {'hits':>5} {'total':>6} {'median ms':>10}")
            for query in TEXT_QUERIES:
                results = search(ws, query, mode="text", limit=20)
                ms = median_ms(lambda q=query: search(ws, q, mode="text", limit=20), options.repeat)
                print(f"{query:<40} {'text':<9} {len(results.hits):>5} {results.text_total:>6} {ms:>10.1f}")
            for query in SEMANTIC_QUERIES:
                for mode in ("semantic", "both"):
                    results = search(ws, query, mode=mode, limit=20, embedder=embedder, min_similarity=-1)  # type: ignore[arg-type]
                    ms = median_ms(
                        lambda q=query, m=mode: search(ws, q, mode=m, limit=20, embedder=embedder, min_similarity=-1),
                        options.repeat,
                    )
                    print(f"{query:<40} {mode:<9} {len(results.hits):>5} {results.text_total:>6} {ms:>10.1f}")
        print("\nbrute-force semantic scan (512-d, top 50), median ms:")
        for size in (len(items), 20_000, 100_000):
            print(f"  {size:>7} vectors: {scan_synthetic(folder, size, options.repeat):.0f} ms")
    if not options.no_use:
        from rashomon import USEEmbedder

        use = USEEmbedder(threads=min(4, os.cpu_count() or 1))
        use.encode(["warm up"])
        ms = median_ms(lambda: use.encode(["Besuch des amerikanischen Außenministers in Kasachstan"]), options.repeat)
        print(f"\nembedding one query with USE: {ms:.0f} ms")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
