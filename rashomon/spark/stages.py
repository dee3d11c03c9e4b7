"""What runs on the executors: one partition at a time, through the local pipeline's functions.

Nothing here imports PySpark, so each function pickles by reference and runs (and is tested) as
plain Python. The models (language detector, embedder, recognisers, framing model) are loaded
once per executor process, on first use, and kept in :data:`_MODELS`; the extract and framing
stages keep their own module-level caches the same way.

Every function takes and yields plain tuples of records (:mod:`rashomon.records`), so Spark
pickles them as they are; a failure on one input becomes a :class:`~rashomon.records.Rejected`
for that input (the local :class:`~rashomon.pipeline.Boundary`), never a failed task.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from ..clean import outlet_line_counts
from ..cluster import ArticleFeatures, Grouper, combine
from ..config import Settings
from ..dedup import DedupIndex, shingles_of, signature
from ..embed import CachedEmbedder, Embedder, HashingEmbedder, MemoryVectorCache, USEEmbedder
from ..extract.canonical import UnionFind, keyed_mentions
from ..ingest.files import admit, read_file, read_record
from ..language import FastTextDetector, LanguageDetector
from ..pipeline import Boundary, features_within, per_article, prepare
from ..records import Article, Document, Event, Extraction, Framing, Item, KeyedMention, Rejected, Storyline
from ..similarity import pair_model

log = logging.getLogger(__name__)

_MODELS: dict[str, Any] = {}

Arrival = tuple[int, int]
"""Where an input was read: (input file number, item number in the file): the order ``read_paths`` reads in."""

OrderKey = tuple[str, str]
""":func:`~rashomon.records.article_order` of an article."""


def detector() -> LanguageDetector:
    """This executor's language detector (loaded once)."""
    if "detector" not in _MODELS:
        _MODELS["detector"] = FastTextDetector()
    return _MODELS["detector"]  # type: ignore[no-any-return]


def base_embedder(settings: Settings) -> Embedder:
    """This executor's embedder for ``settings.embedder`` (loaded once). The USE encoder runs in
    the task's own process, one thread: Spark already runs one task per core."""
    key = "embedder:" + settings.embedder
    if key not in _MODELS:
        if settings.embedder == "hashing":
            _MODELS[key] = HashingEmbedder()
        else:
            threads = int(os.environ.get("RASHOMON_SPARK_THREADS", "1"))
            _MODELS[key] = USEEmbedder(threads=threads, workers=1)
    return _MODELS[key]  # type: ignore[no-any-return]


# -- read ------------------------------------------------------------------------------------


def read_files(files: Iterable[tuple[int, str]], max_bytes: int) -> Iterator[tuple[Arrival, Item]]:
    """Read local files (``(number, path)``) with the local readers; a reader's crash rejects its file."""
    for number, path in files:
        yield from _read_one(number, Path(path), path, max_bytes)


def read_remote(files: Iterable[tuple[int, tuple[str, bytes]]], max_bytes: int) -> Iterator[tuple[Arrival, Item]]:
    """Read files Spark fetched (``(number, (uri, bytes))``, from ``s3a://``, ``hdfs://`` …):
    written to a local temporary file of the same name and read with the local readers."""
    for number, (uri, data) in files:
        name = PurePosixPath(uri.split("?", 1)[0]).name or "input"
        with tempfile.TemporaryDirectory(prefix="rashomon-") as folder:
            local = Path(folder) / name
            local.write_bytes(data)
            for arrival, item in _read_one(number, local, uri, max_bytes):
                source = item.source.replace(str(local), uri, 1)
                yield arrival, dataclasses.replace(item, source=source)


def _read_one(number: int, path: Path, shown: str, max_bytes: int) -> Iterator[tuple[Arrival, Item]]:
    position = 0
    try:
        for position, item in enumerate(read_file(path, max_bytes)):  # noqa: B007 (read after the loop)
            yield (number, position), item
    except Exception as error:  # a reader bug rejects the rest of this file, not the job
        log.info("reader failed on %s", shown, exc_info=True)
        yield (number, position + 1), Rejected(shown, f"could not be read: {type(error).__name__}: {error}")


def read_records(rows: Iterable[tuple[tuple[int, int], str, dict[str, Any]]]) -> Iterator[tuple[Arrival, Item]]:
    """Rows of a Parquet table of articles (``((file number, row number), source, row)``), read
    as ``.jsonl`` records are."""
    for arrival, source, row in rows:
        record = {key: value for key, value in row.items() if value is not None}
        try:
            raw = json.dumps(record, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")
            yield arrival, read_record(record, source, raw)
        except Exception as error:  # an odd column type rejects that row
            yield arrival, Rejected(f"{source}[{arrival[1]}]", f"could not be read: {type(error).__name__}: {error}")


def admit_same_id(group: Iterable[tuple[Arrival, str, str]]) -> list[tuple[Arrival, str, str | None]]:
    """For inputs sharing one document id (``(arrival, id, source)``), what ``read_paths`` makes
    of each in arrival order: ``(arrival, id, None)`` with its (possibly new) id, or ``(arrival,
    id, reason)`` for a repeat of the same source (rejected)."""
    first_source: dict[str, str] = {}
    out: list[tuple[Arrival, str, str | None]] = []
    for arrival, document_id, source in sorted(group):
        probe = Document(id=document_id, source=source, raw=b"", text="", encoding="", fmt="")
        admitted = admit(probe, first_source)
        if isinstance(admitted, Rejected):
            out.append((arrival, document_id, admitted.reason))
        else:
            out.append((arrival, admitted.id, None))
    return out


# -- clean, language, dates --------------------------------------------------------------------


def line_counts(documents: Iterable[Document]) -> Iterator[tuple[tuple[str, str | None], int]]:
    """This partition's outlet line counts (:func:`~rashomon.clean.outlet_line_counts`), as
    ``((outlet, line), count)`` and ``((outlet, None), articles)`` to be summed by key."""
    sizes, per_outlet = outlet_line_counts(documents)
    for outlet, size in sizes.items():
        yield (outlet, None), size
    for outlet, counts in per_outlet.items():
        for line, count in counts.items():
            yield (outlet, line), count


Prepared = tuple[Article, bytes, bytes, tuple[int, ...]]
"""An article after clean, language and dates, with its raw input bytes and dedup signature."""


def prepare_partition(
    documents: Iterable[Document], settings: Settings, boilerplate: frozenset[str]
) -> Iterator[Prepared | Rejected]:
    """:func:`~rashomon.pipeline.prepare` on a partition, with the corpus's outlet boilerplate."""
    documents = list(documents)
    raw_of = {document.id: document.raw for document in documents}
    articles, rejected = prepare(documents, settings, detector(), boilerplate=boilerplate)
    yield from rejected
    for article in articles:
        exact, bands = signature(article.text)
        yield article, raw_of[article.id], exact, bands


# -- copies --------------------------------------------------------------------------------------


def exact_classes(
    members: Iterable[tuple[OrderKey, str]],
) -> Iterator[tuple[str, tuple[str, str]]]:
    """One exact-copy class (same normalised text): ``(id, ("head", highest id of the class))``
    for its first article in corpus order, ``(id, ("exact", head id))`` for every other."""
    ordered = sorted(members)
    head = ordered[0][1]
    yield head, ("head", max(article_id for _key, article_id in ordered))
    for _key, article_id in ordered[1:]:
        yield article_id, ("exact", head)


def bucket_pairs(
    members: Iterable[tuple[OrderKey, str, str]],
) -> Iterator[tuple[tuple[str, str], tuple[int, OrderKey, str]]]:
    """Every (later, earlier) pair of one LSH bucket's articles (``(order key, id, tie id)``):
    ``((later, earlier), (1, earlier's order key, earlier's tie id))``, summed by key into the
    number of bands the two share."""
    ordered = sorted(members)
    for j, (_key, later, _tie) in enumerate(ordered):
        for earlier_key, earlier, tie in ordered[:j]:
            yield (later, earlier), (1, earlier_key, tie)


def most_promising(
    candidates: Iterable[tuple[str, int, OrderKey, str]], limit: int
) -> list[tuple[str, int, OrderKey, str]]:
    """The candidates (``(earlier, shared bands, order key, tie id)``) one article is verified
    against: the ``limit`` that share most bands, then the earliest, as the local index ranks them."""
    return sorted(candidates, key=lambda c: (-c[1], c[2]))[:limit]


def verify_pair(a: str, b: str) -> tuple[float, float] | None:
    """``(Jaccard, containment)`` of two texts when they are copies (:meth:`DedupIndex.verify`)."""
    return _index().verify(shingles_of(a), shingles_of(b))


def _index() -> DedupIndex:
    if "dedup" not in _MODELS:
        _MODELS["dedup"] = DedupIndex()
    return _MODELS["dedup"]  # type: ignore[no-any-return]


def best_original(links: Iterable[tuple[str, float, float, str]]) -> tuple[str, float, float]:
    """The original a near copy points to among its verified links (``(earlier, Jaccard,
    containment, tie id)``): the most similar, ties to the highest id, as ``_split_copies`` picks."""
    earlier, jaccard, containment, _tie = max(links, key=lambda link: (round(link[1], 4), link[3]))
    return earlier, jaccard, containment


# -- extract, framing, embed -----------------------------------------------------------------------

Analysed = tuple[Article, bytes, bytes, tuple[int, ...], Extraction | None, Framing | None, ArticleFeatures, tuple]
"""An article through every per-article stage: ``(article, raw, exact digest, band keys,
extraction, framing, grouping features, keyed mentions)``."""


def analyse_partition(items: Iterable[Prepared], settings: Settings) -> Iterator[Analysed | Rejected]:
    """:func:`~rashomon.pipeline.per_article` (extract, framing) and the grouping features
    (embed, names) on a partition; an article a stage fails on is rejected alone."""
    items = list(items)
    if not items:
        return
    by_id = {item[0].id: item for item in items}
    boundary = Boundary({article_id: item[1] for article_id, item in by_id.items()})
    embedder = CachedEmbedder(base_embedder(settings), MemoryVectorCache())
    kept, extractions, framings = per_article([item[0] for item in items], settings, embedder, boundary)
    features = features_within(kept, settings, embedder, boundary)
    extraction_of = {x.article_id: x for x in extractions}
    framing_of = {f.article_id: f for f in framings}
    articles = {article.id: article for article in kept}
    yield from boundary.rejected
    for feature in features:
        article = articles[feature.article_id]
        _article, raw, exact, bands = by_id[article.id]
        extraction = extraction_of.get(article.id)
        keyed = keyed_mentions(article, extraction.mentions) if extraction else ()
        yield article, raw, exact, bands, extraction, framing_of.get(article.id), feature, tuple(keyed)


# -- events and storylines ---------------------------------------------------------------------------


def block_edges(
    members: Iterable[tuple[bool, int, ArticleFeatures]], settings: Settings, margin: float, window: int = 0
) -> Iterator[tuple[str, str]]:
    """A spanning forest of the article pairs of one block that grouping could join.

    ``members`` are ``(home, position, features)``: pairs among the block's home articles and
    between a home article and a guest (an article of the neighbouring time block) are scored
    with the local pair score (:func:`~rashomon.cluster.combine`); a pair that reaches the lower
    of the event and storyline thresholds (less ``margin``, for float rounding) is an edge. Only
    the edges that join two parts are emitted: the components are what matters, and the edges
    sent to the driver stay fewer than the block's articles. Two dated articles more than
    ``window`` days apart (when given) are never an edge: the grouper links no two articles
    further apart than ``event_window_days + storyline_window_days``.
    """
    members = sorted(members, key=lambda m: (not m[0], m[1]))
    homes = sum(1 for m in members if m[0])
    if not homes or len(members) < 2:
        return
    vectors = np.stack([np.asarray(m[2].vector, dtype=np.float32) for m in members])
    bar = min(settings.event_threshold, settings.storyline_threshold) - margin
    floor = pair_model(settings).embedding_floor(bar)  # no pair below this cosine reaches the bar
    parts = UnionFind(len(members))
    for start in range(0, homes, 512):
        stop = min(start + 512, homes)
        cosines = vectors[start:stop] @ vectors.T
        for row, column in zip(*np.nonzero(cosines >= floor), strict=True):
            i, j = start + int(row), int(column)
            if j <= i or parts.find(i) == parts.find(j):
                continue
            day_i, day_j = members[i][2].published, members[j][2].published
            if window and day_i is not None and day_j is not None and abs((day_i - day_j).days) > window:
                continue
            score, _names = combine(float(cosines[row, column]), members[i][2].names, members[j][2].names, settings)
            if score >= bar:
                parts.union(i, j)
                yield members[i][2].article_id, members[j][2].article_id


def group_component(
    members: Iterable[tuple[int, ArticleFeatures]], settings: Settings, total: int
) -> Iterator[tuple[str, Event | Storyline]]:
    """The local grouper on one component of the pair graph: its articles (``(position in corpus
    order, features)``) added in corpus order, with split checks falling due where they fall in
    a run over the whole corpus of ``total`` articles (every ``repair_every`` articles placed).

    Yields ``("event", Event)`` and ``("storyline", Storyline)``.
    """
    ordered = sorted(members, key=lambda m: m[0])
    every = max(1, settings.repair_every)
    # The component's own count never triggers a check; the corpus's count does, below.
    grouper = Grouper(dataclasses.replace(settings, repair_every=1 << 62))
    for k, (position, feature) in enumerate(ordered):
        grouper.add(feature)
        placed = position + 1
        next_placed = ordered[k + 1][0] + 1 if k + 1 < len(ordered) else total + 1
        if settings.repair and (next_placed - 1) // every > (placed - 1) // every:
            grouper.split_repair()
    for event in grouper.events():
        yield "event", event
    for storyline in grouper.storylines():
        yield "storyline", storyline


def connected(edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Union-find over edges on the driver: each node's component, named by its smallest id."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(node, node) != root:
            parent[node], node = root, parent[node]
        return root

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            low, high = (ra, rb) if ra < rb else (rb, ra)
            parent[high] = low
            parent.setdefault(low, low)
    return {node: find(node) for node in list(parent)}


def forest(edges: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """The edges of a partition that join two parts (a spanning forest): what the driver needs to
    find the components, at most one edge per article of the partition."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.get(node, node) != node:
            parent[node] = parent.get(parent[node], parent[node])
            node = parent[node]
        return node

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
            yield a, b


def merge_counts(parts: Sequence[Counter[str]]) -> Counter[str]:
    """The sum of counters (outlet sizes from every partition)."""
    total: Counter[str] = Counter()
    for part in parts:
        total.update(part)
    return total


def entity_groups(rows: Iterable[KeyedMention], entity_of: dict[str, str]) -> Iterator[tuple[str, KeyedMention]]:
    """Keyed mentions by the entity :func:`~rashomon.extract.canonical.link_keys` put their key in."""
    for row in rows:
        yield entity_of[row.key], row
