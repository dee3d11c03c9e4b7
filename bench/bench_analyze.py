"""Time `rashomon.analyze` end to end on a generated corpus; print articles/s and peak memory.

The corpus is generated from the bundled sample (examples/sample): each generated
article takes one sample article, reorders and drops some paragraphs, changes
its numbers and a few words, and sometimes adds scrape debris, so the stages see
realistic lengths, languages and near-duplicates. Files are written as .txt with
sidecars, so ingest pays for real file I/O and encoding detection.

Usage: python bench/bench_analyze.py [--articles 10000] [--keep DIR] [--real | --similarity-lines 1000]
Prints numbers; never gates CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rashomon import Document, analyze, load_settings, read_paths  # noqa: E402

DEBRIS = ["Read more", "Foto: dpa", "Поделиться", "Lire aussi : la suite", "casino777", "Jetzt abonnieren", "© AFP"]


def generate(target: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    sources = [d for d in read_paths([ROOT / "examples" / "sample"]) if isinstance(d, Document)]
    for number in range(count):
        base = rng.choice(sources)
        paragraphs = [p for p in re.split(r"\n\s*\n", base.text) if p.strip()]
        head, body = paragraphs[:1], paragraphs[1:]
        rng.shuffle(body)
        body = body[: max(1, len(body) - rng.randint(0, 2))]
        text = "\n\n".join(head + body)
        text = re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(0, 9)), text)
        if rng.random() < 0.3:
            text = rng.choice(DEBRIS) + "\n\n" + text + "\n\n" + rng.choice(DEBRIS)
        folder = target / f"{number // 1000:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{number:05d}.txt").write_text(text + f"\n\nRef {number}-{rng.random():.6f}", encoding="utf-8")
        day = 1 + rng.randint(0, 27)
        meta = {"outlet": base.outlet or "Unknown", "published": f"2025-{rng.randint(1, 12):02d}-{day:02d}"}
        (folder / f"{number:05d}.meta.json").write_text(json.dumps(meta), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None, help="Generate into this folder and keep it.")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="Override a setting.")
    parser.add_argument(
        "--real",
        action="store_true",
        help="Real news instead of generated: the 931 articles (6 languages) of ../shared/bench/framing/train.jsonl, "
        "written to a temporary JSONL file (texts only) and deleted afterwards.",
    )
    parser.add_argument(
        "--similarity-lines",
        type=int,
        default=0,
        metavar="N",
        help="Real news instead of generated: both texts of each of the first N lines of "
        "../shared/bench/news-similarity/train.jsonl (10 languages, ~1,000 characters each), texts only "
        "(language detected), written to a temporary JSONL file and deleted afterwards.",
    )
    args = parser.parse_args()
    target = args.keep or Path(tempfile.mkdtemp(prefix="rashomon-bench-"))
    started = time.perf_counter()
    if args.real:
        source = ROOT.parent / "shared" / "bench" / "framing" / "train.jsonl"
        rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
        records = [{"id": f"f{row['id']}-{row['lang']}", "text": row["text"], "language": row["lang"]} for row in rows]
        (target / "real.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        print(f"real: {len(records)} articles from {source}")
    elif args.similarity_lines:
        source = ROOT.parent / "shared" / "bench" / "news-similarity" / "train.jsonl"
        lines = source.read_text(encoding="utf-8").splitlines()[: args.similarity_lines]
        records = [
            {"id": f"sim-{row['pair_id']}-{side}", "text": row[f"text{side}"]}
            for row in map(json.loads, lines)
            for side in ("1", "2")
            if (row.get(f"text{side}") or "").strip()
        ]
        (target / "real.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        print(f"real: {len(records)} texts of the first {len(lines)} lines of {source}")
    elif not any(target.glob("*/*.txt")):
        generate(target, args.articles)
        print(f"generated {args.articles} articles in {time.perf_counter() - started:.1f} s into {target}")

    stage_times: Counter[str] = Counter()
    last = {"stage": None, "at": time.perf_counter()}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if last["stage"] is not None:
            stage_times[last["stage"]] += now - last["at"]
        last.update(stage=stage, at=now)

    settings = load_settings(**dict(item.split("=", 1) for item in args.set))
    from rashomon.profiling import StageTimer

    started = time.perf_counter()
    with StageTimer() as timer:
        analysis = analyze([target], settings, progress=progress)
    elapsed = time.perf_counter() - started
    progress("end", 0, 0)
    from rashomon.embed import _pool

    if _pool.cache_info().currsize:  # wait for the embedding workers so their memory is counted
        _pool(os.cpu_count() or 1).shutdown(wait=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    count = len(analysis.articles)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"articles: {count} accepted, {len(analysis.rejected)} rejected")
    print(f"events: {len(analysis.events)}, storylines: {len(analysis.storylines)}")
    print(
        f"extract: {sum(len(x.mentions) for x in analysis.extractions)} mentions, "
        f"{len(analysis.entities)} entities, {sum(len(x.quotes) for x in analysis.extractions)} quotes, "
        f"{sum(len(x.figures) for x in analysis.extractions)} figures, {len(analysis.crosslinks)} cross-outlet links"
    )
    print(
        f"total: {elapsed:.1f} s, {count / elapsed:.1f} articles/s, peak RSS {peak_mb:.0f} MB "
        f"(largest embedding worker {child_mb:.0f} MB)"
    )
    print(
        "by stage (s): "
        + ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in stage_times.items())
        + "  (a stage's time runs until the next stage reports its first progress)"
    )
    print("time per stage (rashomon.profiling, as `rashomon analyze --profile` prints it):")
    print(timer.format())
    if args.keep is None:
        shutil.rmtree(target)


if __name__ == "__main__":
    main()
