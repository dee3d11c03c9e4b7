"""The report at any size: `report ID` reads by id, a large report is paged, links resolve,
stale pages go, scraped text stays escaped, and writing a report writes nothing to the workspace."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import re
import sqlite3
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from rashomon import HashingEmbedder, Workspace, ingest, load_settings, render_html
from rashomon.cli import cli
from rashomon.records import Analysis, Rejected
from rashomon.report import page_name, pages_folder, write_report

# Six storylines from the sample with the hashing embedder (one at the default threshold).
CONFIG = 'embedder = "hashing"\nstoryline_threshold = 0.85\n'
SETTINGS = load_settings(embedder="hashing", storyline_threshold=0.85)
HOSTILE = '<script>alert("st")</script><img src=x onerror=alert(2)>'


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path, seeds_dir: Path) -> Path:
    folder = tmp_path_factory.mktemp("pages") / "ws"
    with Workspace(folder) as ws:
        ingest([sample_dir, seeds_dir], ws, SETTINGS, HashingEmbedder())
    (folder / "rashomon.toml").write_text(CONFIG, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def analysis(workspace: Path) -> Analysis:
    with Workspace(workspace) as ws:
        full = ws.analysis(SETTINGS)
    assert len(full.storylines) >= 5 and not full.rejected
    # Hostile rejected inputs, enough to need pages of their own under a small bound.
    rejected = tuple(Rejected(f"in/{n}-{HOSTILE}.json", f"reason {n}: {HOSTILE}", b"") for n in range(300))
    return dataclasses.replace(full, rejected=rejected)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id") is not None:
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("href") is not None:
            self.hrefs.append(values["href"] or "")


def _parsed(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _dead_links(files: list[Path]) -> list[str]:
    """Every link of every written page that does not reach a written file (and an id on it)."""
    pages = {path.resolve(): _parsed(path) for path in files if path.suffix == ".html"}
    dead = []
    for path, page in pages.items():
        for href in page.hrefs:
            parts = urllib.parse.urlsplit(href)
            if parts.scheme or parts.netloc:
                dead.append(f"{path.name}: {href} leaves the report")
                continue
            target = (path.parent / urllib.parse.unquote(parts.path)).resolve() if parts.path else path
            if target not in pages:
                dead.append(f"{path.name}: {href} (no such page)")
            elif parts.fragment and parts.fragment not in pages[target].ids:
                dead.append(f"{path.name}: {href} (no such id)")
    return dead


def _section(page: str, storyline_id: str) -> str:
    """A storyline's section of a page, its links to articles reduced to their fragment."""
    start = page.index(f'<section id="{storyline_id}">')
    ends = [page.find(mark, start + 1) for mark in ('<section id="st-', '<section id="rejected"', "</main>")]
    return re.sub(r'href="[^"#]*#', 'href="#', page[start : min(e for e in ends if e > 0)]).strip()


def test_report_pages_a_large_report_with_one_page_per_storyline(analysis: Analysis, tmp_path: Path) -> None:
    index = tmp_path / "out" / "report.html"
    written = write_report(analysis, index, page_kb=50)
    folder = pages_folder(index)
    assert written.paged and written.index == index and written.files[0] == index
    assert set(written.files) == {index, *folder.iterdir()}
    for storyline in analysis.storylines:
        assert (folder / page_name(storyline.id)).is_file()
    assert {p.name for p in folder.iterdir()} >= {"manifest.json", "rejected-1.html"}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["index"] == "report.html" and set(manifest["files"]) == {p.name for p in written.files[1:-1]}
    assert written.total_bytes == sum(p.stat().st_size for p in written.files)
    # Each storyline's page shows what the one-page report shows of it.
    single = render_html(analysis)
    for storyline in analysis.storylines:
        page = (folder / page_name(storyline.id)).read_text(encoding="utf-8")
        assert page.count('class="event"') == len(storyline.event_ids)
        assert page.count('class="article"') == len(storyline.article_ids)
        assert _section(page, storyline.id) == _section(single, storyline.id)
    # The index lists every storyline with its size and link, and points to the rejected inputs.
    front = index.read_text(encoding="utf-8")
    for storyline in analysis.storylines:
        assert f'href="./report-files/{page_name(storyline.id)}"' in front
    assert f"Rejected inputs ({len(analysis.rejected)})" in front and "./report-files/rejected-1.html" in front
    assert front.count('class="article"') == 0
    # No page is much over the bound, unless one storyline alone is, and that page says so.
    for path, size in zip(written.files, written.sizes, strict=True):
        text = path.read_text(encoding="utf-8")
        if size > 55_000:
            assert "alone is" in text and "report_page_kb" in text, path.name
        else:
            assert "alone is" not in text


@pytest.mark.parametrize("page_kb", [1, 8, 50, 100_000])
def test_report_every_relative_link_resolves(analysis: Analysis, tmp_path: Path, page_kb: int) -> None:
    written = write_report(analysis, tmp_path / "my report #1.html", page_kb=page_kb)
    assert written.paged == (page_kb < 100_000)
    assert not (dead := _dead_links(list(written.files))), dead[:10]
    if page_kb == 1:  # the index and the rejected inputs are long lists: they are paged too
        names = {p.name for p in written.files}
        assert "index-2.html" in names and "rejected-2.html" in names


def test_report_links_a_copy_to_its_original_on_another_page(analysis: Analysis, tmp_path: Path) -> None:
    first, second = analysis.storylines[0], analysis.storylines[1]
    copy_id, original_id = second.article_ids[0], first.article_ids[0]
    articles = tuple(
        dataclasses.replace(a, copy_of=original_id, copy_similarity=0.97) if a.id == copy_id else a
        for a in analysis.articles
    )
    written = write_report(dataclasses.replace(analysis, articles=articles), tmp_path / "r.html", page_kb=20)
    page = (pages_folder(tmp_path / "r.html") / page_name(second.id)).read_text(encoding="utf-8")
    assert f'href="./{page_name(first.id)}#a-{original_id}"' in page
    assert not _dead_links(list(written.files))


def test_report_small_stays_one_page_and_is_the_one_page_render(analysis: Analysis, tmp_path: Path) -> None:
    small = dataclasses.replace(analysis, rejected=analysis.rejected[:3])
    written = write_report(small, tmp_path / "report.html", page_kb=100_000)
    assert written.files == (tmp_path / "report.html",) and not pages_folder(tmp_path / "report.html").exists()
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == render_html(small)


def test_report_removes_only_its_own_stale_pages(analysis: Analysis, tmp_path: Path) -> None:
    index = tmp_path / "report.html"
    folder = pages_folder(index)
    write_report(analysis, index, page_kb=20)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    (folder / "st-mine.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "st-beside.html").write_text("not in the report's folder", encoding="utf-8")
    old = {p.name for p in folder.iterdir()}
    fewer = dataclasses.replace(analysis, storylines=analysis.storylines[:2], rejected=())
    written = write_report(fewer, index, page_kb=20)
    now = {p.name for p in folder.iterdir()}
    assert now == {p.name for p in written.files[1:]} | {"notes.txt", "st-mine.txt"}
    gone = {page_name(s.id) for s in analysis.storylines[2:]} | {"rejected-1.html"}
    assert gone <= old and not gone & now and gone <= {p.name for p in written.removed}
    assert not _dead_links(list(written.files))
    # Back to one page: the pages go, the folder stays while it holds someone else's files.
    write_report(fewer, index, page_kb=100_000)
    assert {p.name for p in folder.iterdir()} == {"notes.txt", "st-mine.txt"}
    (folder / "notes.txt").unlink()
    (folder / "st-mine.txt").unlink()
    write_report(analysis, index, page_kb=20)
    write_report(fewer, index, page_kb=100_000)
    assert not folder.exists() and (tmp_path / "st-beside.html").is_file()


def test_report_page_names_are_safe_and_distinct() -> None:
    ids = [
        "st-8c5892d8fe57",
        "st-../../etc/passwd",
        "st-<script>",
        "st-A",
        "st-a",
        "st-a b",
        "st-a_b",
        "st-" + "x" * 300,
    ]
    names = [page_name(i) for i in ids]
    assert names[0] == "st-8c5892d8fe57.html"
    assert len(set(names)) == len(ids)
    assert all(re.fullmatch(r"st-[a-z0-9_-]{1,80}\.html", name) for name in names), names


def test_report_storyline_pages_escape_hostile_titles_and_labels(analysis: Analysis, tmp_path: Path) -> None:
    storyline = analysis.storylines[0]
    target = storyline.article_ids[0]
    articles = tuple(
        dataclasses.replace(a, title=HOSTILE, outlet=HOSTILE) if a.id == target else a for a in analysis.articles
    )
    storylines = (dataclasses.replace(storyline, label=HOSTILE), *analysis.storylines[1:])
    hostile = dataclasses.replace(analysis, articles=articles, storylines=storylines)
    written = write_report(hostile, tmp_path / "report.html", page_kb=20)
    escaped = html.escape(HOSTILE).replace("&quot;", "&#34;").replace("&#x27;", "&#39;")
    page = (pages_folder(tmp_path / "report.html") / page_name(storyline.id)).read_text(encoding="utf-8")
    assert page.count(escaped) >= 4  # the page title, the heading, the article's title and its outlet
    assert escaped in (tmp_path / "report.html").read_text(encoding="utf-8")  # the index's listing
    for path in written.files:
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text.lower() and "<img src=x" not in text, path.name


# -- the CLI on a workspace ----------------------------------------------------------------------


def _fingerprint(workspace: Path) -> tuple[str, dict[str, int]]:
    digest = hashlib.sha256((workspace / "rashomon.sqlite3").read_bytes()).hexdigest()
    with sqlite3.connect(workspace / "rashomon.sqlite3") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    return digest, counts


def test_cli_report_of_one_id_reads_by_id(workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Workspace(workspace) as ws:
        events, storylines = ws.events(), ws.storylines()
    event = max(events, key=lambda e: len(e.article_ids))
    storyline = next(s for s in storylines if event.id in s.event_ids)
    assert len(storyline.article_ids) > len(event.article_ids)
    before = _fingerprint(workspace)

    def everything(*args: object, **kwargs: object) -> None:
        raise AssertionError("report ID read the whole workspace")

    for name in ("articles", "events", "storylines", "rejected", "vectors"):
        monkeypatch.setattr(Workspace, name, everything)
    runner = CliRunner()
    out = tmp_path / "event.html"
    result = runner.invoke(cli, ["report", event.id, "-w", str(workspace), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.count('class="event"') == 1 and f'id="{event.id}"' in page
    assert page.count('class="article"') == len(event.article_ids)
    assert {f"a-{a}" for a in event.article_ids} <= _parsed(out).ids
    assert not _dead_links([out])
    out = tmp_path / "storyline.html"
    result = runner.invoke(cli, ["report", storyline.id, "-w", str(workspace), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.count('class="event"') == len(storyline.event_ids)
    assert page.count('class="article"') == len(storyline.article_ids)
    for wrong in ("ev-000000000000", "st-000000000000", "nothing"):
        result = runner.invoke(cli, ["report", wrong, "-w", str(workspace)])
        assert result.exit_code == 1 and f"No storyline or event {wrong!r}" in result.output
        assert "rashomon stories" in result.output
    assert _fingerprint(workspace) == before


def test_cli_report_of_one_event_is_the_event_of_the_whole_report(workspace: Path, tmp_path: Path) -> None:
    with Workspace(workspace) as ws:
        full = ws.analysis(SETTINGS)
    event = max(full.events, key=lambda e: len(e.article_ids))
    out = tmp_path / "event.html"
    assert CliRunner().invoke(cli, ["report", event.id, "-w", str(workspace), "-o", str(out)]).exit_code == 0
    whole = render_html(full, only=event.id)

    # The same event block, articles and comparison as the event cut from everything (sources are
    # shown relative to the folder the page's own articles share).
    def block(page: str) -> str:
        shown = page[page.index(f'<div class="event" id="{event.id}">') :]
        return re.sub(r"(Source: |Same text also at: )[^·<]*", r"\1…", shown)

    assert block(out.read_text(encoding="utf-8")) == block(whole)


def test_cli_report_of_the_workspace_pages_it_and_writes_nothing_to_it(workspace: Path, tmp_path: Path) -> None:
    before = _fingerprint(workspace)
    runner = CliRunner()
    out = tmp_path / "all" / "report.html"
    result = runner.invoke(cli, ["--set", "report_page_kb=40", "report", "-w", str(workspace), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "pages in" in result.output
    with Workspace(workspace) as ws:
        storylines = ws.storylines()
    pages = sorted(pages_folder(out).glob("st-*.html"))
    assert [p.name for p in pages] == sorted(page_name(s.id) for s in storylines)
    assert not _dead_links([out, *pages_folder(out).iterdir()])
    assert _fingerprint(workspace) == before
    assert not list(workspace.glob("report*"))  # an explicit -o writes nowhere else
