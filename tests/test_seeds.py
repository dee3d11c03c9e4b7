"""The canonical case: `rashomon analyze ../shared/seeds`, end to end, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def seeds_export(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("seeds-out")
    result = subprocess.run(
        [sys.executable, "-m", "rashomon", "analyze", str(seeds_dir), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "report.html").is_file() and (out / "export.md").is_file()
    return json.loads((out / "export.json").read_text(encoding="utf-8"))


def by_prefix(export: dict) -> dict[str, dict]:
    return {Path(a["source"]).name[:3]: a for a in export["articles"]}


def test_seeds_clean_removes_exactly_the_debris(seeds_export: dict) -> None:
    articles = by_prefix(seeds_export)
    removed = {prefix: [line["text"] for line in a["removed_lines"]] for prefix, a in articles.items()}
    assert removed == {
        "000": ["kucoin", "Die mobile Version verlassen"],
        "001": [],
        "002": [],
        "003": ["foto", "Reuters"],
    }
    # Headings inside the articles stay.
    assert "Sanktionen im Rampenlicht" in articles["000"]["text"].split("\n\n")
    assert "Ausnahmen für Kasachstan bei Sanktionen" in articles["002"]["text"].split("\n\n")


def test_seeds_titles_and_languages(seeds_export: dict) -> None:
    articles = by_prefix(seeds_export)
    assert articles["000"]["title"] == "Die USA versuchen, Kasachstan zu beruhigen"
    assert articles["000"]["title_inferred"] is False
    assert articles["002"]["title_inferred"] is True
    assert articles["003"]["title"].startswith("Blinken was told in Astana")
    assert {p: a["language"] for p, a in articles.items()} == {"000": "de", "001": "de", "002": "de", "003": "en"}


def test_seeds_events_and_one_storyline(seeds_export: dict) -> None:
    prefix_of = {a["id"]: Path(a["source"]).name[:3] for a in seeds_export["articles"]}
    events = sorted(sorted(prefix_of[i] for i in e["article_ids"]) for e in seeds_export["events"])
    assert events == [["000", "002", "003"], ["001"]]
    assert len(seeds_export["storylines"]) == 1
    assert sorted(prefix_of[i] for i in seeds_export["storylines"][0]["article_ids"]) == ["000", "001", "002", "003"]
    # Every join carries its evidence: the cross-lingual event link names Blinken.
    big = next(e for e in seeds_export["events"] if len(e["article_ids"]) == 3)
    assert len(big["links"]) == 2
    assert any("Blinken" in link["shared_names"] for link in big["links"])


def test_seeds_grouping_holds_in_every_arrival_order(seed_features) -> None:
    import itertools

    from rashomon import load_settings
    from rashomon.cluster import Grouper

    settings = load_settings()
    features, prefix = seed_features
    for order in itertools.permutations(features):
        grouper = Grouper(settings)
        for item in order:
            grouper.add(item)
        events = sorted(sorted(prefix[grouper.features[i].article_id] for i in m) for m in grouper.event_members if m)
        assert events == [["000", "002", "003"], ["001"]], [prefix[f.article_id] for f in order]
        assert len([s for s in grouper.storyline_events if s]) == 1
