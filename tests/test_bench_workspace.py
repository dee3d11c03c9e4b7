"""The workspace scaling bench (``bench/bench_workspace.py``) keeps working and says what it does.

The corpus tests check the claims BENCHMARKS.md makes about how the bench's workspace is made
(fresh ids, URLs and dates; repeats are near copies, never exact ones; copies of one text are
further apart than the storyline window). The smoke run drives the bench's whole code path on
30 articles in batches of 10 with the hashing embedder, so the bench cannot rot unnoticed.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from rashomon import load_settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench"

_spec = importlib.util.spec_from_file_location("bench_workspace", ROOT / "bench" / "bench_workspace.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bench_workspace", bench)  # its dataclasses look their module up there
_spec.loader.exec_module(bench)

needs_data = pytest.mark.skipif(
    not (DATA / "news-similarity").is_dir(), reason="../shared/bench is not beside the repo"
)

POOL = [bench.Text(f"t{n}", ("de", "en", "fr")[n % 3], f"Text number {n}. It has two sentences.") for n in range(40)]


def _day(record: dict[str, str]) -> dt.date:
    return dt.date.fromisoformat(record["published"][:10])


def test_bench_workspace_records_have_fresh_ids_urls_and_ordered_dates() -> None:
    records = [bench.build_record(POOL, n, 30) for n in range(200)]
    assert len({r["id"] for r in records}) == len({r["url"] for r in records}) == 200
    days = [_day(r) for r in records]
    assert days == sorted(days) and days[0] == bench.BASE_DATE and days[-1] == bench.BASE_DATE + dt.timedelta(6)


def test_bench_workspace_a_repeat_is_its_text_plus_one_unique_lowercase_token() -> None:
    first, again, third = (bench.build_record(POOL, n, 30) for n in (3, 43, 83))
    assert first["text"] == POOL[3].text
    for copy in (again, third):
        assert copy["text"].startswith(POOL[3].text)
        added = copy["text"][len(POOL[3].text) :]
        assert re.fullmatch(r" \(wsb[a-z]{5}\)", added), added
    assert again["text"] != third["text"]
    assert len({bench.token(n) for n in range(30_000)}) == 30_000


def test_bench_workspace_the_token_goes_into_the_body_not_a_trailing_line_cleaning_drops() -> None:
    text = "Title\n\nA long body paragraph that cleaning keeps.\n\nShort one.\n\nSource: www.example.com"
    marked = bench.with_token(text, "wsbabcde")
    assert marked == text.replace("keeps.", "keeps. (wsbabcde)")


def test_bench_workspace_no_outlet_publishes_one_text_twice_in_six_rounds() -> None:
    outlets = [bench.build_record(POOL, 5 + len(POOL) * r, 30)["outlet"] for r in range(bench.OUTLETS_PER_LANGUAGE)]
    assert len(set(outlets)) == bench.OUTLETS_PER_LANGUAGE


def test_bench_workspace_new_articles_are_held_out_and_dated_after_the_newest_stored() -> None:
    pool, held = bench.split_pool(POOL, 5)
    assert len(held) == 5 and not {t.key for t in held} & {t.key for t in pool}
    newest = _day(bench.build_record(pool, 99, 30))
    new = [bench.new_record(held, n, 100, 30) for n in range(5)]
    assert all(_day(r) == newest + dt.timedelta(1) for r in new)
    assert not {r["id"] for r in new} & {bench.build_record(pool, n, 30)["id"] for n in range(100)}


@needs_data
def test_bench_workspace_real_pool_is_distinct_and_copies_fall_outside_the_storyline_window() -> None:
    texts = bench.real_texts(DATA)
    assert 3_500 < len(texts) < 2_872 + 931 + 181  # the texts repeated in the data sets are kept once
    assert len({t.text for t in texts}) == len({t.key for t in texts}) == len(texts)
    pool, held = bench.split_pool(texts, 100)
    assert len(held) == 100
    gap = _day(bench.build_record(pool, len(pool), 30)) - _day(bench.build_record(pool, 0, 30))
    assert gap.days > load_settings().storyline_window_days


@pytest.mark.slow
def test_bench_workspace_smoke_run_builds_measures_and_reuses(tmp_path: Path) -> None:
    """30 articles from a 12-text pool: 12 originals and 18 near copies, never an exact copy."""
    keep, figures = tmp_path / "kept", tmp_path / "figures.json"
    common = ["--batch", "10", "--new", "5", "--reingest", "5", "--pool", "12", "--embedder", "hashing"]
    build_only = ["--skip", *bench.OPS]
    assert bench.main(["--sizes", "20", "--keep", str(keep), "--inprocess", *build_only, *common]) == 0
    sized = ["--sizes", "30", "--reuse", str(keep), "--json", str(figures), "--inprocess", "--full-report"]
    assert bench.main([*sized, *common]) == 0
    report = json.loads(figures.read_text(encoding="utf-8"))
    (row,) = report["sizes"]
    assert row["items"] == 30 and row["articles"] == 30 and row["batches"] == 3
    built = [batch["result"]["counts"] for batch in report["build"]]
    assert sum(c["new"] for c in built) == 12 and sum(c["near copies"] for c in built) == 18
    assert sum(c["exact copies"] + c["rejected"] for c in built) == 0
    steps = row["steps"]
    assert set(steps) == {"analyze_new", "ingest_new", "reingest", "show", "report_event", "export", "report_all"}
    assert steps["analyze_new"]["result"]["articles"] == 5 and steps["ingest_new"]["result"]["added"] == 5
    assert steps["reingest"]["result"]["counts"]["unchanged"] == 5
    assert all(steps[name]["result"]["exit"] == 0 for name in ("show", "report_event", "export"))
    assert steps["export"]["result"]["bytes"] > 10_000
    report_all = steps["report_all"]["result"]
    assert report_all["exit"] == 0 and report_all["files"] >= 1
    assert report_all["bytes"] >= report_all["largest"] > 1_000
    # The kept workspace holds the build only (the steps ran on a copy); a fresh process reads it.
    show = {"kind": "cli", "args": ["show", row["event"]["id"], "-w", str(keep / "workspace")]}
    measure = bench.run_step({**show, "stdout": str(tmp_path / "show.out")}, True, tmp_path / "step", 300)
    assert measure.result["exit"] == 0 and measure.peak_rss_mb and measure.peak_rss_mb > 20
    assert row["event"]["id"] in (tmp_path / "show.out").read_text(encoding="utf-8")
    assert json.loads((keep / "manifest.json").read_text(encoding="utf-8"))["articles"] == 30


def test_bench_workspace_counts_everything_a_paged_report_wrote(tmp_path: Path) -> None:
    from rashomon.records import Analysis, Article, Event, Storyline
    from rashomon.report import write_report

    articles = tuple(Article(id=f"b{n}", source=f"in#b{n}", raw_text="x", text="Some text. " * 40) for n in range(4))
    events = tuple(Event(id=f"ev-b{n}", label=f"e{n}", article_ids=(f"b{n}",)) for n in range(4))
    storylines = tuple(
        Storyline(id=f"st-b{n}", label=f"s{n}", event_ids=(f"ev-b{n}",), article_ids=(f"b{n}",)) for n in range(4)
    )
    written = write_report(
        Analysis(articles=articles, events=events, storylines=storylines, rejected=()), tmp_path / "r.html", page_kb=5
    )
    assert written.paged
    (tmp_path / "r-other.html").write_text("not the report's", encoding="utf-8")
    sizes = bench.written_sizes(tmp_path / "r.html")
    assert sizes == {"bytes": written.total_bytes, "files": len(written.files), "largest": written.largest_bytes}
    assert bench.written_sizes(tmp_path / "missing.html") == {"bytes": None, "files": 0, "largest": None}
    one = tmp_path / "export.json"
    one.write_text("{}", encoding="utf-8")
    assert bench.written_sizes(one) == {"bytes": 2, "files": 1, "largest": 2}
