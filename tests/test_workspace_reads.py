"""Readers only read, and read by id: one event's view of a workspace is what the whole
analysis holds about that event, without reading the rest."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from rashomon import HashingEmbedder, Workspace, ingest, load_settings
from rashomon.cli import cli
from rashomon.records import Analysis

SETTINGS = load_settings(embedder="hashing")


@pytest.fixture(scope="module")
def sample_workspace(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    folder = tmp_path_factory.mktemp("reads") / "ws"
    with Workspace(folder) as ws:
        ingest([sample_dir], ws, SETTINGS, HashingEmbedder())
    (folder / "rashomon.toml").write_text('embedder = "hashing"\n', encoding="utf-8")
    return folder


def _compared_event(full: Analysis) -> str:
    return next(c.event_id for c in full.comparisons if c.claims)


def test_one_events_view_is_the_whole_analysis_cut_to_it(sample_workspace: Path) -> None:
    with Workspace(sample_workspace) as ws:
        full = ws.analysis(SETTINGS)
        event_id = _compared_event(full)
        view = ws.analysis(SETTINGS, only=[event_id])
    event = next(e for e in full.events if e.id == event_id)
    storyline = next(s for s in full.storylines if event_id in s.event_ids)
    members = set(storyline.article_ids)
    assert event in view.events and storyline in view.storylines
    assert {a.id for a in view.articles} == members
    assert {a.id: a for a in view.articles} == {a.id: a for a in full.articles if a.id in members}
    assert [c for c in view.comparisons if c.event_id == event_id] == [
        c for c in full.comparisons if c.event_id == event_id
    ]
    assert set(view.extractions) == {x for x in full.extractions if x.article_id in members}
    assert set(view.framings) == {f for f in full.framings if f.article_id in members}
    assert set(view.crosslinks) == {c for c in full.crosslinks if c.storyline_id == storyline.id}
    # Each entity named there, with its mentions there only (name and aliases are the corpus's).
    expected = {}
    for entity in full.entities:
        mentions = tuple(m for m in entity.mentions if m.article_id in members)
        if mentions:
            expected[entity.id] = (entity.name, entity.aliases, mentions)
    assert {e.id: (e.name, e.aliases, e.mentions) for e in view.entities} == expected


def test_readers_write_nothing(sample_workspace: Path) -> None:
    before = sqlite3.connect(sample_workspace / "rashomon.sqlite3").execute("PRAGMA data_version").fetchone()
    with Workspace(sample_workspace) as ws:
        full = ws.analysis(SETTINGS)
        event_id = _compared_event(full)
        ws.analysis(SETTINGS, only=[event_id])
        ws.entity(full.entities[0].id)
        assert ws.connection.total_changes == 0
    runner = CliRunner()
    for item in (event_id, full.storylines[0].id, full.entities[0].id, full.articles[0].id):
        result = runner.invoke(cli, ["show", item, "--workspace", str(sample_workspace)])
        assert result.exit_code == 0, result.output
    after = sqlite3.connect(sample_workspace / "rashomon.sqlite3").execute("PRAGMA data_version").fetchone()
    assert before == after


def test_show_event_prints_its_comparison_and_an_entity_its_mentions(sample_workspace: Path) -> None:
    with Workspace(sample_workspace) as ws:
        full = ws.analysis(SETTINGS)
    event_id = _compared_event(full)
    runner = CliRunner()
    shown = runner.invoke(cli, ["show", event_id, "--workspace", str(sample_workspace)])
    assert shown.exit_code == 0 and "Compared:" in shown.output
    entity = full.entities[0]
    shown = runner.invoke(cli, ["show", entity.id, "--workspace", str(sample_workspace)])
    assert shown.exit_code == 0
    assert shown.output.count("(linked by") == len(entity.mentions)
