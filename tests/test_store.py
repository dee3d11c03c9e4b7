"""The workspace: idempotent, incremental, every input recorded, migrations applied."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import fetched_page

from rashomon import Document, HashingEmbedder, StoreError, Workspace, ingest, load_settings, to_dict
from rashomon.pipeline import ingest_items


@pytest.fixture()
def corpus(seed_copies: Path) -> Path:
    return seed_copies


def test_store_uses_wal_and_records_schema_version(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws") as ws:
        assert ws.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ws.schema_version >= 1
    # Reopening applies nothing twice.
    with Workspace(tmp_path / "ws") as ws:
        assert ws.schema_version >= 1


def test_store_reingest_same_files_changes_nothing(tmp_path: Path, corpus: Path) -> None:
    with Workspace(tmp_path / "ws") as ws:
        first = ingest([corpus], ws)
        assert len(first.added) == 4 and first.events == 2 and first.storylines == 1
        before = ws.connection.execute("SELECT COUNT(*), MAX(seq) FROM inputs").fetchone()
        events_before = ws.events()
        second = ingest([corpus], ws)
        assert second.added == () and second.unchanged == 4 and second.rejected == ()
        assert ws.connection.execute("SELECT COUNT(*), MAX(seq) FROM inputs").fetchone() == before
        assert ws.events() == events_before


def test_store_new_articles_join_existing_events_and_storylines(tmp_path: Path, corpus: Path) -> None:
    files = sorted(corpus.glob("*.txt"))
    with Workspace(tmp_path / "ws") as ws:
        ingest(files[:2], ws)  # 000 (Blinken in Astana) and 001 (Biden summit)
        events_before = {e.id: e.article_ids for e in ws.events()}
        ingest(files[2:], ws)  # 002 and 003: the Blinken visit again, in German and English
        events_after = {e.id: e.article_ids for e in ws.events()}
    assert set(events_before) == set(events_after)  # no event renamed or dropped
    grown = [e for e in events_after if len(events_after[e]) == 3]
    assert len(grown) == 1 and events_after[grown[0]][: len(events_before[grown[0]])] == events_before[grown[0]]


def test_store_keeps_every_input_with_raw_bytes(tmp_path: Path, corpus: Path) -> None:
    (corpus / "broken.bin.txt").write_bytes(b"\x00\x01\x02binary")
    (corpus / "empty.txt").write_bytes(b"")
    with Workspace(tmp_path / "ws") as ws:
        summary = ingest([corpus], ws)
        assert len(summary.rejected) == 2
        rows = ws.connection.execute("SELECT source, status, reason, raw FROM inputs ORDER BY seq").fetchall()
        assert len(rows) == 6
        rejected = {Path(r["source"]).name: r for r in rows if r["status"] == "rejected"}
        assert bytes(rejected["broken.bin.txt"]["raw"]) == b"\x00\x01\x02binary"
        assert "binary" in rejected["broken.bin.txt"]["reason"]
        assert "empty" in rejected["empty.txt"]["reason"]
        # The raw text of accepted articles is kept unchanged too.
        article = ws.articles()[0]
        assert article.raw_text == Path(article.source).read_text(encoding="utf-8")


def test_store_duplicate_content_under_another_name_is_recorded(tmp_path: Path, corpus: Path) -> None:
    with Workspace(tmp_path / "ws") as ws:
        ingest([corpus], ws)
        copy = tmp_path / "copy.txt"
        shutil.copy(sorted(corpus.glob("*.txt"))[0], copy)
        summary = ingest([copy], ws)
        assert summary.duplicates == 1 and summary.added == ()
        assert ws.input_counts()["duplicate"] == 1


def test_store_refuses_a_different_embedder(tmp_path: Path, corpus: Path) -> None:
    with Workspace(tmp_path / "ws") as ws:
        ingest(sorted(corpus.glob("*.txt"))[:1], ws)
        with pytest.raises(StoreError, match="embedder"):
            ingest(sorted(corpus.glob("*.txt"))[1:], ws, load_settings(embedder="hashing"), HashingEmbedder())


def test_store_write_is_all_or_nothing(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws") as ws:
        with pytest.raises(RuntimeError):
            with ws.write() as db:
                ws.record_input(db, "x.txt", b"x", "rejected", None, "test")
                raise RuntimeError("boom")
        assert ws.connection.execute("SELECT COUNT(*) FROM inputs").fetchone()[0] == 0


def test_store_unusable_folder_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="Cannot open workspace"):
        Workspace(blocker / "ws")


def test_store_round_trip_keeps_articles_equal(tmp_path: Path, sample_dir: Path) -> None:
    from rashomon import analyze

    settings = load_settings(embedder="hashing")
    direct = analyze([sample_dir], settings, HashingEmbedder())
    with Workspace(tmp_path / "ws") as ws:
        ingest([sample_dir], ws, settings, HashingEmbedder())
        stored = {a.id: a for a in ws.articles()}
        assert {a.id: a for a in direct.articles} == stored
        assert [e.article_ids for e in ws.events()] == [e.article_ids for e in direct.events]
        assert sqlite3.connect(ws.path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _page(text: str, fetched_at: str) -> Document:
    return fetched_page(text, fetched_at)


def test_store_refetched_page_with_changed_text_keeps_both_versions(tmp_path: Path) -> None:
    settings = load_settings(embedder="hashing")
    first = "Minister resigns\n\nThe minister resigned on Monday after a vote of no confidence."
    edited = "Minister resigns\n\nThe minister resigned on Monday after a vote she narrowly lost."
    with Workspace(tmp_path / "ws") as ws:
        ingest_items([_page(first, "2025-03-03T08:00:00Z")], ws, settings, HashingEmbedder())
        again = ingest_items([_page(first + "\n", "2025-03-03T09:00:00Z")], ws, settings, HashingEmbedder())
        assert again.added == () and again.versions == () and again.unchanged == 1  # same text: nothing new
        changed = ingest_items([_page(edited, "2025-03-03T10:00:00Z")], ws, settings, HashingEmbedder())
        assert changed.added == () and len(changed.versions) == 1
        article_id = changed.versions[0]
        assert ws.article(article_id).text.endswith("no confidence.")  # the article keeps its first version
        versions = ws.versions(article_id)
        assert len(versions) == 1 and versions[0]["text"].endswith("narrowly lost.")
        assert versions[0]["fetched_at"] == "2025-03-03T10:00:00Z"
        exported = to_dict(ws.analysis())
        assert exported["articles"][0]["versions"][0]["text"].endswith("narrowly lost.")
        assert exported["articles"][0]["provenance"]["origin"] == "url"


def test_store_keeps_provenance_and_date_hints(tmp_path: Path, seeds_dir: Path) -> None:
    with Workspace(tmp_path / "ws") as ws:
        ingest([seeds_dir], ws, load_settings(embedder="hashing"), HashingEmbedder())
        article = next(a for a in ws.articles() if a.source.endswith("003_27ed5834291f6abf.txt"))
        assert article.provenance is not None and article.provenance.origin == "file"
        assert article.provenance.sha256 == hashlib.sha256(Path(article.source).read_bytes()).hexdigest()
        assert article.provenance.pipeline.startswith("rashomon ")
        assert any(h.text == "February 28" for h in article.date_hints)


def test_store_keeps_compared_sentence_vectors_so_a_second_export_embeds_nothing(tmp_path: Path) -> None:
    from rashomon.embed import CachedEmbedder, HashingEmbedder

    class Counting(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__(64)
            self.seen: list[str] = []

        def encode(self, texts):  # type: ignore[no-untyped-def]
            self.seen += list(texts)
            return super().encode(texts)

    base = Counting()
    with Workspace(tmp_path / "ws") as ws:
        first = CachedEmbedder(base, ws).encode(["one sentence", "another one", "one sentence"])
        assert base.seen == ["one sentence", "another one"]  # each distinct text once
    with Workspace(tmp_path / "ws") as ws:
        again = CachedEmbedder(base, ws).encode(["another one", "one sentence", "a new one"])
        assert base.seen[2:] == ["a new one"]
    assert np.allclose(again[0], first[1]) and np.allclose(again[1], first[0])
    assert CachedEmbedder(base, ws).encode([]).shape == (0, 64)


def test_store_round_trips_framing_labels(tmp_path: Path, seeds_dir: Path) -> None:
    from rashomon.compare.framing import frame_articles

    settings = load_settings(embedder="hashing", extract=False, compare=False)
    with Workspace(tmp_path / "ws") as ws:
        ingest([seeds_dir], ws, settings)
        stored = ws.framings()
        articles = {a.id: a for a in ws.articles()}
    assert [f.article_id for f in stored] and set(f.article_id for f in stored) == set(articles)
    assert stored == frame_articles([articles[f.article_id] for f in stored])


def _open_and_close(folder: str) -> str:
    try:
        Workspace(folder).close()
    except StoreError as error:
        return str(error)
    return "ok"


def test_store_processes_creating_one_workspace_at_once_all_open_it(tmp_path: Path) -> None:
    # A new database's switch to WAL takes its lock without SQLite's busy handler; before the retry
    # in Workspace.__init__ one of two ingests started together failed with "database is locked".
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with Workspace(tmp_path / "alone") as alone:
        latest = alone.schema_version
    with context.Pool(4) as pool:
        for trial in range(15):
            folder = str(tmp_path / f"ws{trial}")
            assert pool.map(_open_and_close, [folder] * 4) == ["ok"] * 4
            with Workspace(folder) as ws:
                assert ws.schema_version == latest


def test_store_records_how_article_vectors_were_built_and_warns_on_another_recipe(
    tmp_path: Path, corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A new workspace records the article-vector recipe with its first articles; a later ingest into
    a workspace whose vectors were built another way (or before recipes were recorded) says so."""
    from rashomon.embed import ARTICLE_VECTORS
    from rashomon.pipeline import VECTORS_STATE

    files = sorted(corpus.glob("*.txt"))
    settings = load_settings(embedder="hashing")
    with Workspace(tmp_path / "ws") as ws:
        with caplog.at_level("WARNING", logger="rashomon.pipeline"):
            ingest(files[:2], ws, settings, HashingEmbedder())
            ingest(files[2:3], ws, settings, HashingEmbedder())
        assert ws.get_state(VECTORS_STATE) == ARTICLE_VECTORS
        assert not [r for r in caplog.records if "article vectors" in r.getMessage()]
        with ws.write() as db:
            db.execute("DELETE FROM state WHERE key = ?", (VECTORS_STATE,))
        caplog.clear()
        with caplog.at_level("WARNING", logger="rashomon.pipeline"):
            ingest(files[3:], ws, settings, HashingEmbedder())
        warned = [r.getMessage() for r in caplog.records if "article vectors" in r.getMessage()]
        assert len(warned) == 1 and "unrecorded" in warned[0] and ARTICLE_VECTORS in warned[0]
        assert ws.get_state(VECTORS_STATE) is None  # an old workspace stays marked as mixed
