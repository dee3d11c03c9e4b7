"""An ingest compares the events it touched, never again every event already compared: an event
told by one outlet has nothing to compare and no comparison row, but it is marked compared, so a
workspace of many single-outlet events does not compare them all at every poll."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

import rashomon.pipeline as pipeline
from rashomon import HashingEmbedder, Workspace, ingest, load_settings
from rashomon.records import Event

SETTINGS = load_settings(embedder="hashing")


def _shape(event: Event) -> tuple[object, ...]:
    return (event.article_ids, event.links, event.first_seen, event.last_seen)


@pytest.fixture()
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[list[Event]]:
    calls: list[list[Event]] = []
    real = pipeline._compare_events

    def spy(workspace: Workspace, events: Sequence[Event], *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        calls.append(list(events))
        return real(workspace, events, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "_compare_events", spy)
    return calls


def test_a_later_ingest_compares_only_the_events_it_touched(
    tmp_path: Path, sample_dir: Path, recorded: list[list[Event]]
) -> None:
    first = [sample_dir / name for name in ("de", "en", "fr", "ru")]
    later = [sample_dir / "es"]
    with Workspace(tmp_path / "ws") as ws:
        ingest(first, ws, SETTINGS, HashingEmbedder())
        stored = {e.id: _shape(e) for e in ws.events()}
        assert not ws.events_without_comparison()
        recorded.clear()
        result = ingest(later, ws, SETTINGS, HashingEmbedder())
        assert result.added
        compared = [e for call in recorded for e in call]
        assert compared, "the new articles' events are compared"
        assert len(compared) < len(stored)
        for event in compared:  # new or changed by this ingest, never one as it was stored
            assert stored.get(event.id) != _shape(event), event.id
        assert not ws.events_without_comparison()


def test_events_never_compared_are_compared_once(tmp_path: Path, sample_dir: Path, recorded: list[list[Event]]) -> None:
    with Workspace(tmp_path / "ws") as ws:
        ingest([sample_dir], ws, SETTINGS, HashingEmbedder())
        events = {e.id for e in ws.events()}
        with ws.write() as db:  # as a workspace written before comparisons were kept
            db.execute("DELETE FROM compared_events")
        assert ws.events_without_comparison() == events
        recorded.clear()
        ingest([_note(tmp_path, 1)], ws, SETTINGS, HashingEmbedder())  # the next ingest compares them
        assert {e.id for call in recorded for e in call} >= events
        assert not ws.events_without_comparison()
        recorded.clear()
        ingest([_note(tmp_path, 2)], ws, SETTINGS, HashingEmbedder())  # and only once
        assert not {e.id for call in recorded for e in call} & events


def _note(folder: Path, number: int) -> Path:
    path = folder / f"note-{number}.txt"
    path.write_text(
        f"Lighthouse keepers of island {number} ask for new lamps\n\n"
        f"The keepers of the lighthouse on island {number} wrote to the harbour office on Tuesday. "
        "They asked for new lamps before the winter storms, the office confirmed.",
        encoding="utf-8",
    )
    return path
