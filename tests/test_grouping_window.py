"""An ingest loads only the part of the stored grouping its new articles can reach (by published
date, with their storylines whole), and decides exactly what loading every stored article decides."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest

from rashomon import load_settings
from rashomon.embed import HashingEmbedder
from rashomon.pipeline import ingest
from rashomon.store import Workspace

SETTINGS = load_settings(extract=False, framing=False, compare=False, embedder="hashing")

# Stories: who, where and what, in words no other story uses, so each story's articles group.
STORIES = [
    ("Anna Berglund", "Tallinn", "harbour", "ferry tariffs", "dock workers"),
    ("Tomas Verhoeven", "Rotterdam", "parliament", "water board budget", "dyke repairs"),
    ("Mirela Dragomir", "Constanta", "refinery", "fuel exports", "pipeline inspectors"),
    ("Kenji Takamura", "Sapporo", "observatory", "telescope funding", "astronomers"),
    ("Ingrid Solheim", "Tromso", "fishery", "cod quotas", "trawler crews"),
]
TEMPLATES = [
    "{who} arrived in {where} on Monday to discuss {what} with officials at the {place}.",
    "Officials in {where} said {who} had promised talks on {what}; {crowd} gathered at the {place}.",
    "The {place} of {where} was the scene of a dispute over {what}, {who} told {crowd}.",
    "{crowd} in {where} welcomed the plans of {who} for {what} near the {place}.",
]


def corpus(seed: int = 7) -> list[dict[str, str]]:
    """About 150 dated articles over some 500 days: each story comes back in bursts of a few
    days, some bursts within the storyline window of the one before and some far beyond it."""
    rng = random.Random(seed)
    start = dt.date(2022, 1, 3)
    records = []
    for number, (who, where, place, what, crowd) in enumerate(STORIES):
        day = number * 11
        for burst in range(5):
            day += rng.choice([20, 45, 70, 130, 160])
            for k in range(rng.randint(3, 8)):
                published = start + dt.timedelta(days=day + rng.randint(0, 2))
                text = " ".join(
                    rng.sample(TEMPLATES, 3)[i].format(who=who, where=where, what=what, place=place, crowd=crowd)
                    for i in range(3)
                )
                text += f" Reported as item {burst}-{k} of the {rng.choice(['morning', 'evening', 'night'])} desk."
                ident = f"w{number}-{burst}-{k}"
                records.append(
                    {
                        "id": ident,
                        "title": f"{who} in {where}: {what} ({burst}.{k})",
                        "text": text,
                        "outlet": f"outlet{(number + k) % 4}.example",
                        "url": f"https://outlet{(number + k) % 4}.example/{ident}",
                        "published": published.isoformat(),
                    }
                )
    return sorted(records, key=lambda r: (r["published"], r["id"]))


def write(folder: Path, records: list[dict[str, str]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for record in records:
        path = folder / f"{record['id']}.json"
        path.write_text(json.dumps(record), encoding="utf-8")
        paths.append(path)
    return paths


def grouping_of(workspace: Workspace) -> list[tuple[object, ...]]:
    events = [(e.id, e.article_ids, e.links, e.first_seen, e.last_seen) for e in workspace.events()]
    storylines = [(s.id, s.event_ids, s.article_ids, s.links) for s in workspace.storylines()]
    return [*events, *storylines]


def batches(tmp_path: Path) -> list[list[Path]]:
    records = corpus()
    undated = dict(records[40], id="undated-1", url="https://outlet9.example/undated-1")
    del undated["published"]
    # Arrival: in date order in five batches, then a batch of old news (dated before most of what
    # is stored), then one with an undated article (which any event could take).
    late = records[::7]
    rest = [r for r in records if r not in late]
    cut = [rest[i * len(rest) // 5 : (i + 1) * len(rest) // 5] for i in range(5)]
    return [write(tmp_path / f"in{n}", part) for n, part in enumerate([*cut, late[:8], [*late[8:], undated]])]


def test_an_ingest_loads_only_what_it_can_reach_and_decides_as_if_it_loaded_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = HashingEmbedder()
    arrivals = batches(tmp_path)
    held: list[tuple[int, int]] = []  # (articles the grouper held, articles stored) per ingest
    windowed = Workspace.grouping

    def spy(self: Workspace, settings: object, days: object = None):  # type: ignore[no-untyped-def]
        found = windowed(self, settings, days)  # type: ignore[arg-type]
        held.append((len(found[0].features), len(self.article_ids())))
        return found

    def everything(self: Workspace, settings: object, days: object = None):  # type: ignore[no-untyped-def]
        return windowed(self, settings, None)  # type: ignore[arg-type]

    with Workspace(tmp_path / "windowed") as part, Workspace(tmp_path / "whole") as whole:
        for paths in arrivals:
            monkeypatch.setattr(Workspace, "grouping", spy)
            ingest(paths, part, SETTINGS, embedder=embedder)
            monkeypatch.setattr(Workspace, "grouping", everything)
            ingest(paths, whole, SETTINGS, embedder=embedder)
            assert grouping_of(part) == grouping_of(whole)
        assert len(part.storylines()) < len(part.events()) < len(part.article_ids())  # there is grouping to do
    # Later ingests held a part of what was stored; the undated article needed everything.
    assert any(0 < loaded < stored for loaded, stored in held[2:5]), held
    assert held[-1][0] == held[-1][1]


def test_membership_tables_follow_every_saved_grouping(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    with Workspace(tmp_path / "ws") as workspace:
        for paths in batches(tmp_path):
            ingest(paths, workspace, SETTINGS, embedder=embedder)
            query = workspace.connection.execute
            expected_articles = {(a, e.id) for e in workspace.events() for a in e.article_ids}
            expected_events = {(e, s.id) for s in workspace.storylines() for e in s.event_ids}
            assert {tuple(r) for r in query("SELECT article_id, event_id FROM event_articles")} == expected_articles
            assert {tuple(r) for r in query("SELECT event_id, storyline_id FROM storyline_events")} == expected_events
