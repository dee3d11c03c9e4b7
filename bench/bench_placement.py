"""Placement cost of :meth:`rashomon.cluster.Grouper.add` with many stored articles.

Builds a grouper holding N synthetic articles (clustered unit vectors, dim 512:
many events of a few articles each, grouped into storylines; members at cosine
0.7-0.9 to their event centre, unrelated articles at about 0.2-0.4), loads it in
bulk, then times placing ``--place`` new articles one by one: half of them new
members of stored events, the rest new events, some in stored storylines.
Each (variant, N) runs in its own process so that peak RSS is its own.

    .venv/bin/python bench/bench_placement.py                      # 10k, 100k, 1M, this tree
    .venv/bin/python bench/bench_placement.py --variant head       # the committed cluster.py
    .venv/bin/python bench/bench_placement.py --sizes 10000 --check 200

``--check K`` also decides the first K placements by scoring every event
(``Grouper.choose(exact=True)``) and reports how often the approximate path chose
the same event: the price of the index in grouping decisions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon.cluster import ArticleFeatures, Grouper  # noqa: E402
from rashomon.config import load_settings  # noqa: E402

DIMENSION = 512
EPOCH = dt.date(2023, 1, 1)
NO_SURFACES: dict[str, str] = {}


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


class Corpus:
    """A reproducible synthetic corpus; centres are regenerated from the seed, not stored."""

    # Squared weights of the shared, storyline and event directions in an event centre:
    # unrelated centres meet at cos 0.45, events of one storyline at 0.65.
    COMMON, STORY, OWN = 0.45, 0.20, 0.35

    def __init__(self, articles: int, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        self.seed = seed
        sizes = []
        total = 0
        while total < articles:
            size = int(min(1 + rng.poisson(3.0), articles - total))
            sizes.append(size)
            total += size
        self.sizes = np.array(sizes)
        self.events = len(sizes)
        self.storylines = max(1, self.events // 3)
        self.storyline_of_event = np.sort(rng.integers(0, self.storylines, size=self.events))
        # Renumber storylines in order of first event, as a grouper numbers them.
        _, first = np.unique(self.storyline_of_event, return_index=True)
        renumber = np.empty(self.storylines, dtype=np.int64)
        used = np.unique(self.storyline_of_event)
        renumber[used[np.argsort(first)]] = np.arange(len(used))
        self.storyline_of_event = renumber[self.storyline_of_event]
        self.storylines = len(used)
        self.day_of_event = rng.integers(0, 3 * 365, size=self.events)
        self.common = _unit_rows(rng.standard_normal((1, DIMENSION)))[0]

    def _direction(self, kind: str, numbers: np.ndarray) -> np.ndarray:
        out = np.empty((len(numbers), DIMENSION), dtype=np.float32)
        for row, number in enumerate(numbers):
            out[row] = np.random.default_rng((self.seed, {"story": 1, "event": 2}[kind], int(number))).standard_normal(
                DIMENSION
            )
        return _unit_rows(out)

    def centres(self, events: np.ndarray, storylines: np.ndarray) -> np.ndarray:
        mixed = (
            np.sqrt(self.COMMON) * self.common
            + np.sqrt(self.STORY) * self._direction("story", storylines)
            + np.sqrt(self.OWN) * self._direction("event", events)
        )
        return _unit_rows(mixed)

    @staticmethod
    def members(centres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        closeness = rng.uniform(0.7, 0.9, size=(len(centres), 1)).astype(np.float32)
        noise = _unit_rows(rng.standard_normal((len(centres), DIMENSION)))
        return _unit_rows(closeness * centres + np.sqrt(1 - closeness**2) * noise)

    @staticmethod
    def names(event: int, storyline: int, rng: np.random.Generator) -> dict[str, float]:
        keys = {f"e{event}": 1.0 + rng.random(), f"s{storyline}a": rng.random(), f"s{storyline}b": rng.random()}
        if rng.random() < 0.3:
            keys[f"n{int(rng.integers(0, 5000))}"] = rng.random()
        norm = float(np.sqrt(sum(v * v for v in keys.values())))
        return {k: v / norm for k, v in keys.items()}

    @staticmethod
    def date(day: int, rng: np.random.Generator) -> dt.date | None:
        return None if rng.random() < 0.1 else EPOCH + dt.timedelta(days=int(day + rng.integers(0, 2)))

    def stored(self, spare: int = 0) -> tuple[np.ndarray, list[ArticleFeatures], np.ndarray]:
        """Vectors (float16, ``spare`` rows more), features and event of every stored article.

        The features' vectors are views of the rows, so the vectors are held once.
        """
        rng = np.random.default_rng(self.seed + 1)
        total = int(self.sizes.sum())
        event_of = np.repeat(np.arange(self.events), self.sizes)
        vectors = np.zeros((total + spare, DIMENSION), dtype=np.float16)
        features: list[ArticleFeatures] = []
        step = 20000
        for start in range(0, self.events, step):
            events = np.arange(start, min(start + step, self.events))
            centres = self.centres(events, self.storyline_of_event[events])
            rows = np.repeat(np.arange(len(events)), self.sizes[events])
            first = int(self.sizes[:start].sum())
            vectors[first : first + len(rows)] = self.members(centres[rows], rng)
        for index, event in enumerate(event_of):
            event = int(event)
            features.append(
                ArticleFeatures(
                    f"a{index}",
                    vectors[index],
                    self.names(event, int(self.storyline_of_event[event]), rng),
                    NO_SURFACES,
                    self.date(int(self.day_of_event[event]), rng),
                )
            )
        return vectors, features, event_of

    def incoming(self, count: int) -> list[ArticleFeatures]:
        """New articles: 50% members of stored events, 30% new events of stored storylines, 20% new stories."""
        rng = np.random.default_rng(self.seed + 2)
        out = []
        for number in range(count):
            kind = rng.random()
            if kind < 0.5:
                event = int(rng.integers(0, self.events))
                storyline = int(self.storyline_of_event[event])
                day = int(self.day_of_event[event])
            elif kind < 0.8:
                event = self.events + number
                storyline = int(self.storyline_of_event[int(rng.integers(0, self.events))])
                day = int(rng.integers(0, 3 * 365))
            else:
                event = self.events + number
                storyline = self.storylines + number
                day = int(rng.integers(0, 3 * 365))
            centre = self.centres(np.array([event]), np.array([storyline]))
            vector = self.members(centre, rng)[0]
            out.append(
                ArticleFeatures(
                    f"new{number}", vector, self.names(event, storyline, rng), NO_SURFACES, self.date(day, rng)
                )
            )
        return out


def _head_grouper_class() -> Any:
    """``Grouper`` as committed (``git show HEAD:rashomon/cluster.py``), for the 'before' numbers."""
    source = subprocess.run(
        ["git", "show", "HEAD:rashomon/cluster.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    module = types.ModuleType("rashomon._cluster_head")
    module.__package__ = "rashomon"
    sys.modules[module.__name__] = module
    exec(compile(source, "HEAD:rashomon/cluster.py", "exec"), module.__dict__)
    return module.Grouper


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def run_one(variant: str, size: int, place: int, check: int) -> dict[str, Any]:
    settings = load_settings()
    started = time.perf_counter()
    corpus = Corpus(size)
    vectors, features, event_of = corpus.stored(spare=place)
    generated = time.perf_counter()
    grouper = Grouper(settings, vector_dtype=np.float32 if variant == "head" else np.float16)
    if variant == "head":
        grouper.ann_threshold = 1 << 62
    grouper.bulk_load(features, event_of, corpus.storyline_of_event, vectors=vectors, spare=place)
    del vectors  # now the grouper's store (float16), or copied into one (float32 for head)
    if variant == "head":
        head = _head_grouper_class()(settings)
        for name in (
            "features event_members event_of storyline_events storyline_of_event event_links storyline_links"
            " _matrix _event_sums _event_names _event_dates"
        ).split():
            setattr(head, name, getattr(grouper, name))
        grouper = head
    loaded = time.perf_counter()
    incoming = corpus.incoming(place)
    agree = checked = 0
    timings = []
    for number, article in enumerate(incoming):
        if number < check and variant != "head":
            exact = grouper.choose(article, exact=True)[0]
            approximate = grouper.choose(article)[0]
            checked += 1
            agree += exact == approximate
        start = time.perf_counter()
        grouper.add(article)
        timings.append(time.perf_counter() - start)
    ms = np.array(timings) * 1000
    return {
        "variant": variant,
        "stored": size,
        "events": corpus.events,
        "placed": place,
        "generate_s": round(generated - started, 1),
        "load_s": round(loaded - generated, 1),
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "p99_ms": float(np.percentile(ms, 99)),
        "per_s": place / (ms.sum() / 1000),
        "rss_mb": _rss_mb(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "ann": getattr(grouper, "_index", None) is not None,
        "agree": f"{agree}/{checked}" if checked else "-",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--variant", default="tree", help="tree, head, or both")
    parser.add_argument("--place", type=int, default=1000)
    parser.add_argument("--check", type=int, default=0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    variants = ["head", "tree"] if args.variant == "both" else [args.variant]
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.worker:
        # One BLAS thread: a matrix-vector product is too small to share, and on a busy
        # machine OpenBLAS threads waiting for each other cost more than they save.
        threadpool_limits(1)
        print(json.dumps(run_one(variants[0], sizes[0], args.place, args.check)))
        return
    rows = []
    for variant in variants:
        for size in sizes:
            command = [sys.executable, __file__, "--worker", "--variant", variant, "--sizes", str(size)]
            command += ["--place", str(args.place), "--check", str(args.check)]
            result = subprocess.run(command, capture_output=True, text=True, check=True)
            rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), file=sys.stderr)
    print(
        "| variant | stored | events | placed | p50 ms | p95 ms | p99 ms | articles/s | RSS MB | peak RSS MB "
        "| load s | ANN | same as exact |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        print(
            f"| {r['variant']} | {r['stored']:,} | {r['events']:,} | {r['placed']} | {r['p50_ms']:.2f} "
            f"| {r['p95_ms']:.2f} | {r['p99_ms']:.2f} | {r['per_s']:.0f} | {r['rss_mb']:.0f} "
            f"| {r['peak_rss_mb']:.0f} | {r['load_s']} | {'yes' if r['ann'] else 'no'} | {r['agree']} |"
        )


if __name__ == "__main__":
    main()
