"""One pipeline: a one-shot ``analyze`` and a workspace fed the same inputs in several arrival
batches give the same articles, events, storylines, copies, entities and findings."""

from __future__ import annotations

from pathlib import Path

from rashomon import ingest
from rashomon.records import Analysis, article_order
from rashomon.store import Workspace


def _key(items: object) -> list[str]:
    return sorted(map(repr, items))  # type: ignore[call-overload]


def outcome(analysis: Analysis) -> dict[str, list[str]]:
    """What must agree, keyed by content (an event's id is its first-arriving article's)."""
    members = {event.id: frozenset(event.article_ids) for event in analysis.events}
    return {
        "articles": _key((a.id, a.text, a.copy_of) for a in analysis.articles),
        "events": _key(sorted(event) for event in members.values()),
        "storylines": _key(sorted(s.article_ids) for s in analysis.storylines),
        "copies": _key((g.original_id, link.copy_id, link.kind) for g in analysis.copies for link in g.links),
        "entities": _key(
            (e.id, e.name, e.label, sorted((m.article_id, m.start, m.end, m.via) for m in e.mentions))
            for e in analysis.entities
        ),
        "crosslinks": _key(
            (c.kind, c.flag, sorted((i.article_id, i.start, i.end, i.speaker_entity_id) for i in c.items))
            for c in analysis.crosslinks
        ),
        "comparisons": _key(
            (
                sorted(members[c.event_id]),
                sorted(sorted((s.article_id, s.start, s.end) for s in claim.sentences) for claim in c.claims),
                sorted((d.kind, d.summary) for d in c.disagreements),
                sorted((line.kind, line.text) for line in c.brief),
            )
            for c in analysis.comparisons
        ),
    }


def arrival_batches(analysis: Analysis, count: int = 3) -> list[list[Path]]:
    """The input files in the order their articles were published (as feeds deliver them), cut
    into ``count`` batches; a file of many records arrives with its first record."""
    files = list(dict.fromkeys(Path(a.source.split("#")[0]) for a in sorted(analysis.articles, key=article_order)))
    return [files[i * len(files) // count : (i + 1) * len(files) // count] for i in range(count)]


def check_same(one_shot: Analysis, folder: Path, batches: int) -> None:
    with Workspace(folder) as workspace:
        for batch in arrival_batches(one_shot, batches):
            ingest(batch, workspace)
        stored = workspace.analysis()
    expected, got = outcome(one_shot), outcome(stored)
    assert expected["comparisons"], "the corpus must have compared events"
    for part in expected:
        assert got[part] == expected[part], part


def test_seeds_one_shot_and_batches_agree(seeds_analysis: Analysis, tmp_path: Path) -> None:
    check_same(seeds_analysis, tmp_path / "ws", batches=2)


def test_sample_one_shot_and_batches_agree(sample_analysis: Analysis, tmp_path: Path) -> None:
    check_same(sample_analysis, tmp_path / "ws", batches=3)


def test_what_links_read_of_the_entities_is_the_same_from_the_tables(sample_workspace: Path) -> None:
    """An ingest reads the speakers and naming mentions cross-outlet links need with two queries
    (Workspace.link_entities) instead of every mention of a storyline: the same as the links
    find in the whole entities."""
    from rashomon.extract.links import link_entities, link_inputs

    with Workspace(sample_workspace) as workspace:
        extractions = workspace.extractions()
        reads = link_inputs(extractions)
        assert reads.speakers and reads.counted, "the sample must have attributed quotes and compared figures"
        from_tables = workspace.link_entities(reads.speakers, reads.counted)
        in_memory = link_entities(extractions, workspace.entities())
    assert from_tables.speakers == in_memory.speakers
    assert from_tables.speakers, "some speakers must be linked to an entity"
    assert {e: in_memory.names[e] for e in from_tables.speakers.values()} == {
        e: from_tables.names[e] for e in from_tables.speakers.values()
    }
    for article_id in reads.counted:
        assert sorted(from_tables.named.get(article_id, [])) == sorted(in_memory.named.get(article_id, []))
