"""Crash safety: `rashomon ingest` and `rashomon watch` killed with SIGKILL, two ingests at once.

The harness (kill, invariants, snapshot, local news site) is ``bench/bench_kill.py``,
which runs the same trials by the dozen; here a few with fixed delays.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from rashomon import HashingEmbedder, StoreError, Workspace, ingest, load_settings
from rashomon.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "sample"


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_kill", ROOT / "bench" / "bench_kill.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_kill"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture(scope="module")
def small_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A whole workspace of three articles (every stage on), built once; tests copy it."""
    folder = tmp_path_factory.mktemp("small") / "ws"
    with Workspace(folder) as ws:
        ingest([SAMPLE / "en" / "clarion"], ws, load_settings(embedder="hashing"), HashingEmbedder())
    return folder


@pytest.fixture()
def workspace(small_workspace: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ws"
    copy.mkdir()
    (copy / bench.DATABASE).write_bytes((small_workspace / bench.DATABASE).read_bytes())
    return copy


def _execute(folder: Path, *statements: str) -> None:
    db = sqlite3.connect(folder / bench.DATABASE)
    with db:
        for statement in statements:
            db.execute(statement)
    db.close()


def test_crash_safety_a_whole_workspace_passes_every_invariant(workspace: Path) -> None:
    assert bench.check_workspace(workspace, extract=True, framing=True) == []
    assert len(bench.snapshot(workspace)["articles"]) == 3


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("DELETE FROM inputs WHERE rowid = (SELECT MIN(rowid) FROM inputs)", "accepted input rows None"),
        ("DELETE FROM extractions WHERE rowid = (SELECT MIN(rowid) FROM extractions)", "no extraction"),
        ("DELETE FROM framings WHERE rowid = (SELECT MIN(rowid) FROM framings)", "no framing"),
        ("DELETE FROM events WHERE position = 0", "in no event"),
        ("UPDATE articles SET vector = x'00' WHERE seq = 1", "article vectors of sizes"),
        ("DELETE FROM entities WHERE rowid = (SELECT MIN(rowid) FROM entities)", "entity(ies) unnamed"),
        ("DELETE FROM entity_keys WHERE rowid = (SELECT MIN(rowid) FROM entity_keys)", "linked to no entity"),
        ("DELETE FROM dedup WHERE rowid = (SELECT MIN(rowid) FROM dedup)", "no dedup row"),
        ("DELETE FROM features WHERE rowid = (SELECT MIN(rowid) FROM features)", "no features row"),
        ("UPDATE articles SET url = (SELECT MAX(url) FROM articles)", "same URL"),
        ("UPDATE storylines SET event_ids = '[]'", "in no storyline"),
        ("DROP TABLE framings", "half-applied migration"),
    ],
)
def test_crash_safety_checker_finds_half_written_and_duplicated_articles(
    workspace: Path, damage: str, expected: str
) -> None:
    # The checker must be able to fail: each damage a crash could leave is reported.
    _execute(workspace, damage)
    problems = bench.check_workspace(workspace, extract=True, framing=True)
    assert any(expected in problem for problem in problems), problems


def test_crash_safety_checker_reports_a_corrupt_database(workspace: Path) -> None:
    data = bytearray((workspace / bench.DATABASE).read_bytes())
    page = 4096
    data[2 * page : 3 * page] = b"\xff" * page  # a b-tree page overwritten
    (workspace / bench.DATABASE).write_bytes(bytes(data))
    try:
        problems = bench.check_workspace(workspace, extract=True, framing=True)
    except sqlite3.DatabaseError:
        problems = ["integrity_check: malformed"]
    assert problems and problems[0].startswith("integrity_check")


def _assert_trials(tally: Any) -> None:
    assert tally.failures == [], tally.failures
    assert tally.completions == tally.trials


@pytest.mark.slow
def test_crash_safety_ingest_killed_anywhere_leaves_a_whole_workspace_and_reruns_to_the_same_end(
    tmp_path: Path,
) -> None:
    # Every stage on, on a small corpus: killed at a random point of a fresh ingest, and
    # while the incremental ingest's write transaction reaches the log.
    with bench.Site(pages=1) as site:
        found = bench.scenarios(
            tmp_path,
            site,
            extract=True,
            framing=True,
            corpus=SAMPLE / "en" / "clarion",
            part=sorted((SAMPLE / "en" / "clarion").glob("*.txt"))[:1],
            only=["ingest-fresh", "ingest-commit"],
        )
    draw = random.Random(11)
    for scenario in found:
        tally = bench.Tally()
        # Well inside the run, so that it is killed even on a loaded machine.
        bench.trial(scenario, tmp_path / "trial", scenario.span * draw.uniform(0.05, 0.8), True, True, tally)
        # Killed while committing, the command would run on for a second: it must have been killed.
        assert tally.kills == 1 or scenario.name == "ingest-fresh"
        _assert_trials(tally)


@pytest.mark.slow
def test_crash_safety_watch_killed_anywhere_loses_nothing_and_reruns_to_the_same_end(tmp_path: Path) -> None:
    with bench.Site(pages=6) as site:
        (scenario,) = bench.scenarios(tmp_path, site, extract=False, framing=False, only=["watch"])
        assert len(scenario.reference["articles"]) == 6 and scenario.reference["feeds"]
        tally = bench.Tally()
        draw = random.Random(7)
        for _ in range(2):
            bench.trial(scenario, tmp_path / "trial", scenario.span * draw.uniform(0.05, 0.8), False, False, tally)
    assert tally.kills >= 1
    _assert_trials(tally)


FAST = [*bench.BASE_SETTINGS, "--set", "extract=false", "--set", "framing=false"]


@pytest.mark.slow
def test_crash_safety_two_ingests_at_once_one_waits_and_both_are_kept(tmp_path: Path) -> None:
    first, second = [SAMPLE / "en", SAMPLE / "es"], [SAMPLE / "de", SAMPLE / "ru"]
    ws = tmp_path / "ws"
    both = [
        subprocess.Popen(
            bench.rashomon(FAST, "ingest", *map(str, paths), "-w", str(ws)),
            env=bench.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for paths in (first, second)
    ]
    outputs = [process.communicate(timeout=300) for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    assert bench.check_workspace(ws, extract=False, framing=False) == []
    # The one that waited grouped its articles with the other's: the same workspace as one after the other.
    db = sqlite3.connect(ws / bench.DATABASE)
    first_source = db.execute("SELECT source FROM inputs ORDER BY seq LIMIT 1").fetchone()[0]
    db.close()
    order = (first, second) if any(first_source.startswith(str(p)) for p in first) else (second, first)
    serial = tmp_path / "serial"
    for paths in order:
        assert bench.run_to_end(bench.rashomon(FAST, "ingest", *map(str, paths), "-w", str(serial))).returncode == 0
    assert bench.snapshot(ws) == bench.snapshot(serial)
    waited = [stderr for _out, stderr in outputs if "waiting" in stderr]
    assert len(waited) <= 1 and all(str(ws) in line for line in waited)


def test_crash_safety_processes_creating_one_workspace_at_once_all_succeed(tmp_path: Path) -> None:
    # Each applies the migrations it finds missing under the write lock (was: "table inputs already exists").
    code = "import sys; from rashomon import Workspace; Workspace(sys.argv[1]).close()"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "ws")], env=bench.environment(), stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    errors = [process.communicate(timeout=60)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], errors
    assert bench.check_workspace(tmp_path / "ws", extract=True, framing=True) == []


@pytest.fixture()
def held_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A workspace whose writer lock another holder keeps; waiting gives up after 0.2 s."""
    monkeypatch.setattr(Workspace, "lock_timeout", 0.2)
    folder = tmp_path / "ws"
    with Workspace(folder) as holder, holder.lock():
        yield folder


def test_crash_safety_ingest_into_a_busy_workspace_fails_with_one_line_saying_what_to_do(held_lock: Path) -> None:
    result = CliRunner().invoke(cli, [*FAST, "ingest", str(SAMPLE / "en" / "clarion"), "-w", str(held_lock)])
    assert result.exit_code == 1
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("Error: Workspace") and str(held_lock) in message
    assert "Run this command again" in message and "Traceback" not in result.output
    with Workspace(held_lock) as ws:
        assert ws.article_ids() == set() and ws.input_counts() == {}


def test_crash_safety_lock_is_reentrant_and_released(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws", lock_timeout=0.1) as ws, Workspace(tmp_path / "ws", lock_timeout=0.1) as other:
        with ws.lock(), ws.lock():
            with pytest.raises(StoreError, match="is busy"), other.lock():
                pass
        with other.lock():  # released by the outer block
            pass
        assert (tmp_path / "ws" / "rashomon.lock").read_text().strip().isdigit()


def test_crash_safety_a_write_blocked_too_long_is_a_store_error_naming_the_workspace(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws") as ws:
        blocker = sqlite3.connect(ws.path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        ws.connection.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(StoreError, match=f"Workspace {tmp_path / 'ws'} is busy.*Run this command again"):
            ws.set_state("feeds", {"seen": {}})
        blocker.execute("ROLLBACK")
        blocker.close()
        ws.set_state("feeds", {"seen": {}})  # the connection is usable afterwards
        assert json.loads(json.dumps(ws.get_state("feeds"))) == {"seen": {}}
