"""The Spark driver: the local pipeline's stages over a cluster, written out as Parquet tables.

:func:`run` is the whole job. Each step calls the functions the local pipeline calls
(:mod:`rashomon.spark.stages` holds the per-partition wrappers); what the driver adds is how
work is cut and brought together:

1. **read** — the input list is expanded on the driver (folders, cc-pyspark path lists); each
   file is read by the local readers on an executor, Parquet tables of articles through Spark's
   reader, remote files (``s3a://``, ``hdfs://`` …) through ``binaryFiles``. Ids are admitted as
   ``read_paths`` admits them (a shuffle of ids only, not of texts).
2. **clean, language, dates** — outlet boilerplate is counted per partition and summed (it is a
   property of the whole corpus), then :func:`~rashomon.pipeline.prepare` runs per partition.
3. **copies** — exact classes by digest; near copies by our own LSH banding over the band keys
   :func:`~rashomon.dedup.signature` gives (the 42 × 3 banding the local index uses): a shuffle
   on band keys, candidate pairs counted by shared bands, the most promising verified with
   :meth:`~rashomon.dedup.DedupIndex.verify`, each near copy pointed at its best original.
4. **extract, framing, embed** — :func:`~rashomon.pipeline.per_article` and the grouping
   features per partition.
5. **events and storylines** — articles are blocked by time and coarse vector buckets; every
   pair in a block is scored with the local pair score and the pairs that could join are the
   edges of a graph (a spanning forest per partition is sent to the driver); its connected
   components are found on the driver, and the local :class:`~rashomon.cluster.Grouper` runs
   on each component in corpus order. See ``docs/export.md`` for when this equals the local run.
6. **entities** — mention keys per article, :func:`~rashomon.extract.canonical.link_keys` over
   all keys on the driver, each entity built on an executor.
7. **write** — the tables of :mod:`rashomon.spark.tables`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..clean import boilerplate_of
from ..cluster import ArticleFeatures
from ..config import Settings, load_settings
from ..dedup import MAX_VERIFIED
from ..extract.canonical import link_keys, linked_entity
from ..ingest.files import iter_files
from ..records import Document, Rejected, article_order
from . import stages, tables

log = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz")
LIST_SUFFIXES = (".paths", ".paths.gz")


@dataclass(frozen=True)
class SparkOptions:
    """How the job cuts the work (none of these change a stage, only which pairs are scored).

    Attributes:
        partitions: Partitions of the per-article stages and shuffles (0: Spark's default parallelism).
        window_days: Width of a time block: articles further apart than this are never scored
            as a pair. The default (0) is ``event_window_days + storyline_window_days``, the widest
            span over which the local grouper can link two articles; less is faster and may
            split storylines.
        vector_bits: Random hyperplanes per bucket table (0: one bucket, every pair in a time
            block is scored, as the local grouper does).
        vector_tables: Bucket tables; a pair is scored when it shares a bucket in any of them.
        edge_margin: Pairs scoring at least the lower grouping threshold less this are edges
            (room for float rounding between the pair score and the grouper's running means).
        seed: Seed of the hyperplanes.
        input_base: Prefix of the relative entries of a path list (cc-pyspark's ``--input_base_url``,
            e.g. ``s3a://commoncrawl/`` for CC-NEWS's ``warc.paths``); default the list's own folder.
    """

    partitions: int = 0
    window_days: int = 0
    vector_bits: int = 0
    vector_tables: int = 1
    edge_margin: float = 1e-3
    seed: int = 20240501
    input_base: str = ""


@dataclass(frozen=True)
class RunSummary:
    """What a job produced: counts per table, seconds per step, and the largest component."""

    output: str
    counts: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    largest_component: int = 0


def run(
    spark: Any,
    inputs: Sequence[str],
    output: str,
    partitions: int | None = None,
    settings: Settings | None = None,
    options: SparkOptions | None = None,
) -> RunSummary:
    """Run every stage over ``inputs`` on ``spark`` and write Parquet tables under ``output``.

    Args:
        spark: A ``pyspark.sql.SparkSession``.
        inputs: Files, folders, WARC files, Parquet tables of articles, text files listing WARC
            paths (one a line, the cc-pyspark layout), or ``s3a://`` / ``hdfs://`` URIs of them.
        output: Folder (or URI) the tables go under; replaced if it exists.
        partitions: Overrides ``options.partitions``.
        settings: Run settings (thresholds, embedder, stages on or off); defaults if None.
        options: How the work is cut (:class:`SparkOptions`).

    Returns:
        Counts of the tables written, and the seconds each step took.
    """
    settings = settings or load_settings()
    options = options or SparkOptions()
    sc = spark.sparkContext
    slices = partitions or options.partitions or sc.defaultParallelism
    seconds: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        seconds[name] = round(now - clock[0], 3)
        clock[0] = now

    keep = _storage()
    # 1. read
    items = _read(spark, inputs, settings, slices, options.input_base).persist(keep)  # read once
    ids = items.filter(lambda item: isinstance(item[1], Document)).map(
        lambda item: (item[1].id, (item[0], item[1].id, item[1].source))
    )
    admitted = ids.groupByKey().filter(lambda kv: len(kv[1]) > 1).flatMap(lambda kv: stages.admit_same_id(kv[1]))
    renames = sc.broadcast({arrival: (new_id, reason) for arrival, new_id, reason in admitted.collect()})
    admitted_items = items.map(lambda item: _apply_admission(item, renames.value))
    documents = admitted_items.filter(lambda item: isinstance(item, Document))
    rejected = [admitted_items.filter(lambda item: isinstance(item, Rejected))]
    lap("read")

    # 2. clean, language, dates
    counts = documents.mapPartitions(stages.line_counts).reduceByKey(lambda a, b: a + b, slices)
    sizes = sc.broadcast(dict(counts.filter(lambda kv: kv[0][1] is None).map(lambda kv: (kv[0][0], kv[1])).collect()))
    minimum = settings.outlet_boilerplate_min
    boilerplate = frozenset(
        counts.filter(lambda kv: kv[0][1] is not None)
        .map(lambda kv: (kv[0][0], (kv[0][1], kv[1])))
        .groupByKey()
        .flatMap(lambda kv: boilerplate_of({kv[0]: sizes.value[kv[0]]}, {kv[0]: Counter(dict(kv[1]))}, minimum))
        .collect()
    )
    lines = sc.broadcast(boilerplate)
    prepared = documents.mapPartitions(lambda part: stages.prepare_partition(part, settings, lines.value)).persist(keep)
    rejected.append(prepared.filter(lambda item: isinstance(item, Rejected)))
    articles = prepared.filter(lambda item: not isinstance(item, Rejected))
    lap("prepare")

    # 3. copies
    kept, exact_rows, near = _copies(articles, slices)
    lap("copies")

    # 4. extract, framing, embed
    analysed = kept.mapPartitions(lambda part: stages.analyse_partition(part, settings)).persist(keep)
    rejected.append(analysed.filter(lambda item: isinstance(item, Rejected)))
    done = analysed.filter(lambda item: not isinstance(item, Rejected)).persist(keep)
    total = done.count()
    lap("per article")

    # 5. events and storylines
    positions = (
        done.map(lambda a: ((article_order(a[0]), a[0].id), None))
        .sortByKey(numPartitions=slices)
        .zipWithIndex()
        .map(lambda kv: (kv[0][0][1], kv[1]))
        .persist(keep)
    )
    features = done.map(lambda a: (a[0].id, a[6])).join(positions, slices).persist(keep)
    undated = features.filter(lambda kv: kv[1][0].published is None).count()
    window = options.window_days or settings.event_window_days + settings.storyline_window_days
    keys = functools.partial(block_keys, window=window, options=options, undated=bool(undated))
    reach = settings.event_window_days + settings.storyline_window_days  # the farthest two linked articles
    margin = options.edge_margin
    edges = (
        features.flatMap(keys)
        .groupByKey(slices)
        .flatMap(lambda kv: stages.block_edges(kv[1], settings, margin, reach))
        .mapPartitions(stages.forest)
        .collect()
    )
    component = stages.connected(edges)
    sizes_of = Counter(component.values())
    groups = (
        features.leftOuterJoin(sc.parallelize(list(component.items()), slices), slices)
        .map(lambda kv: (kv[1][1] or kv[0], (kv[1][0][1], kv[1][0][0])))
        .groupByKey(slices)
        .flatMap(lambda kv: stages.group_component(kv[1], settings, total))
        .persist(keep)
    )
    events = groups.filter(lambda g: g[0] == "event").map(lambda g: g[1])
    storylines = groups.filter(lambda g: g[0] == "storyline").map(lambda g: g[1])
    lap("group")

    # 6. entities
    keyed = done.flatMap(lambda a: a[7]).persist(keep)
    entities = sc.emptyRDD()
    if settings.extract:
        all_keys = keyed.map(lambda m: m.key).distinct().collect()
        joins = keyed.filter(lambda m: bool(m.joins)).map(lambda m: (m.key, m.joins)).distinct().collect()
        entity_of, rule = link_keys(set(all_keys), joins)
        linked = sc.broadcast((entity_of, rule))
        language = settings.reader_language
        entities = (
            keyed.map(lambda m: (linked.value[0][m.key], m))
            .groupByKey(slices)
            .map(lambda kv: linked_entity(sorted(kv[1], key=lambda m: m.rank), linked.value[1], language))
            .persist(keep)
        )
    lap("entities")

    # 7. write
    membership = _membership(events, storylines, slices)
    article_rows = (
        done.map(lambda a: (a[0].id, a))
        .join(positions, slices)
        .leftOuterJoin(membership, slices)
        .map(lambda kv: tables.article_row(kv[1][0][0], kv[1][0][1], kv[1][1]))
    )
    copy_groups = stages.connected(
        [(copy, original) for copy, original in near.map(lambda kv: (kv[0], kv[1][0])).collect()]
        + exact_rows.map(lambda row: (row[0].id, row[2])).collect()
    )
    groups_of = sc.broadcast(copy_groups)
    copy_rows = exact_rows.map(lambda row: tables.exact_copy_row(row, groups_of.value)).union(
        near.map(lambda kv: tables.near_copy_row(kv[0], kv[1], groups_of.value))
    )
    storyline_of = sc.broadcast(dict(membership.map(lambda kv: (kv[1][0], kv[1][1])).distinct().collect()))
    rows = {
        "articles": article_rows,
        "copies": copy_rows,
        "events": events.map(lambda e: tables.event_row(e, storyline_of.value.get(e.id))),
        "storylines": storylines.map(tables.storyline_row),
        "entities": entities.map(tables.entity_row),
        "mentions": entities.flatMap(tables.mention_rows),
        "quotes": done.flatMap(lambda a: tables.quote_rows(a[4])),
        "figures": done.flatMap(lambda a: tables.figure_rows(a[4])),
        "framings": done.flatMap(lambda a: tables.framing_rows(a[5])),
        "rejected": sc.union(rejected).map(tables.rejected_row),
    }
    lap("copy groups")
    written = {}
    for name, table in rows.items():
        written[name] = tables.write(spark, table, name, output)
        lap("write " + name)
    largest = max(sizes_of.values(), default=1)
    manifest = {
        "format": tables.FORMAT,
        "version": tables.VERSION,
        "embedder": stages.base_embedder(settings).name,
        "settings": settings.as_dict(),
        "options": asdict(options),
        "counts": written,
        "largest_component": largest,
        "seconds": seconds,
    }
    tables.write_manifest(spark, manifest, output)
    for cached in (items, prepared, analysed, done, positions, features, groups, keyed, entities, near):
        cached.unpersist()
    return RunSummary(output, written, seconds, largest)


def _storage() -> Any:
    from pyspark import StorageLevel

    return StorageLevel.MEMORY_AND_DISK


def _apply_admission(item: tuple[stages.Arrival, Any], renames: dict[Any, tuple[str, str | None]]) -> Any:
    arrival, found = item
    if not isinstance(found, Document) or arrival not in renames:
        return found
    new_id, reason = renames[arrival]
    if reason is not None:
        return Rejected(found.source, reason, found.raw)
    return dataclasses.replace(found, id=new_id)


# -- read ----------------------------------------------------------------------------------------


def _scheme(path: str) -> str:
    head, sep, _rest = path.partition("://")
    return head.lower() if sep and head.isalnum() else ""


def _is_parquet(path: str) -> bool:
    if path.rstrip("/").lower().endswith(".parquet"):
        return True
    local = Path(path)
    return not _scheme(path) and local.is_dir() and any(local.glob("*.parquet")) and not (local / "articles").is_dir()


def _is_path_list(path: Path) -> bool:
    """A text file listing WARC paths or URIs, one a line (``warc.paths``, cc-pyspark's input)."""
    name = path.name.lower()
    if name.endswith(LIST_SUFFIXES):
        return True
    if not name.endswith(".txt") or path.stat().st_size > 50_000_000:
        return False
    try:
        entries = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError):
        return False
    entries = [entry for entry in entries if entry and not entry.startswith("#")]
    return bool(entries) and all(entry.lower().endswith(WARC_SUFFIXES) for entry in entries)


def _is_remote_list(uri: str) -> bool:
    name = uri.rstrip("/").rsplit("/", 1)[-1].lower()
    return name.endswith((*LIST_SUFFIXES, ".txt"))


def _listed(path: Path, input_base: str = "") -> list[str]:
    import gzip

    data = path.read_bytes()
    text = (gzip.decompress(data) if path.name.lower().endswith(".gz") else data).decode("utf-8")
    base = path.parent
    out = []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry.startswith("file://"):
            entry = entry[len("file://") :]
        if _scheme(entry) or Path(entry).is_absolute():
            out.append(entry)
        else:
            out.append(input_base + entry if input_base else str(base / entry))
    return out


def expand_inputs(
    inputs: Sequence[str], input_base: str = ""
) -> tuple[list[str], list[str], list[str], list[Rejected]]:
    """The job's inputs, on the driver: ``(local files, remote URIs, Parquet tables, rejected)``;
    folders are walked as ``read_paths`` walks them, local path lists replaced by the paths they
    list (relative entries under ``input_base``, else the list's folder)."""
    local: list[str] = []
    remote: list[str] = []
    parquet: list[str] = []
    problems: list[Rejected] = []
    pending = list(inputs)
    while pending:
        given = pending.pop(0)
        if given.startswith("file://"):
            given = given[len("file://") :]
        if _is_parquet(given):
            parquet.append(given)
            continue
        if _scheme(given):
            remote.append(given)
            continue
        listed: list[str] = []
        for entry in iter_files([given]):
            if isinstance(entry, Rejected):
                problems.append(entry)
            elif _is_path_list(entry):
                listed.extend(_listed(entry, input_base))
            elif entry.name.lower().endswith(".parquet"):
                parquet.append(str(entry))
            else:
                local.append(str(entry))
        pending[:0] = listed
    return local, remote, parquet, problems


def _read(spark: Any, inputs: Sequence[str], settings: Settings, slices: int, input_base: str = "") -> Any:
    """Every input item as ``(arrival, Document | Rejected)``."""
    sc = spark.sparkContext
    local, remote, parquet, problems = expand_inputs(inputs, input_base)
    lists = [uri for uri in remote if _is_remote_list(uri)]
    for uri in lists:  # a path list in the store the WARC files are in (s3a://…/warc.paths.gz)
        remote.remove(uri)
        listed = [line.strip() for line in sc.textFile(uri).collect()]
        base = input_base or uri.rsplit("/", 1)[0] + "/"
        for entry in listed:
            if entry and not entry.startswith("#"):
                remote.append(entry if _scheme(entry) else base + entry)
    max_bytes = settings.max_input_bytes
    parts = [sc.parallelize([((-1, n), problem) for n, problem in enumerate(problems)], 1)]
    numbered = list(enumerate(local))
    if numbered:
        read = functools.partial(stages.read_files, max_bytes=max_bytes)
        parts.append(sc.parallelize(numbered, max(1, min(slices, len(numbered)))).mapPartitions(read))
    start = len(numbered)
    for number, uri in enumerate(remote, start=start):
        read_remote = functools.partial(stages.read_remote, max_bytes=max_bytes)
        parts.append(sc.binaryFiles(uri).map(functools.partial(_numbered, number)).mapPartitions(read_remote))
    start += len(remote)
    for number, uri in enumerate(parquet, start=start):
        rows = spark.read.parquet(uri).rdd.zipWithIndex()
        parts.append(rows.map(functools.partial(_record_of, number, uri)).mapPartitions(stages.read_records))
    return sc.union(parts)


def _numbered(number: int, pair: tuple[str, bytes]) -> tuple[int, tuple[str, bytes]]:
    return number, pair


def _record_of(number: int, uri: str, pair: tuple[Any, int]) -> tuple[tuple[int, int], str, dict[str, Any]]:
    row, index = pair
    return (number, index), uri, row.asDict(recursive=True)


# -- copies ----------------------------------------------------------------------------------------


def _copies(articles: Any, slices: int) -> tuple[Any, Any, Any]:
    """``(kept, exact copies, near links)``: the articles that go on (near copies marked with
    ``copy_of``), ``(article, raw, original id)`` of each exact copy, and ``(copy id, (original
    id, Jaccard, containment))`` of each near copy."""
    info = articles.map(lambda p: (p[0].id, (article_order(p[0]), p[2], p[3])))
    classes = (
        info.filter(lambda kv: bool(kv[1][2]))
        .map(lambda kv: (kv[1][1], (kv[1][0], kv[0])))
        .groupByKey(slices)
        .flatMap(lambda kv: stages.exact_classes(kv[1]))
    )
    heads = info.join(classes.filter(lambda kv: kv[1][0] == "head"), slices)
    postings = heads.flatMap(
        lambda kv: (((band, key), (kv[1][0][0], kv[0], kv[1][1][1])) for band, key in enumerate(kv[1][0][2]))
    )
    pairs = (
        postings.groupByKey(slices)
        .flatMap(lambda kv: stages.bucket_pairs(kv[1]))
        .reduceByKey(lambda a, b: (a[0] + b[0], a[1], a[2]), slices)
    )
    candidates = (
        pairs.map(lambda kv: (kv[0][0], (kv[0][1], kv[1][0], kv[1][1], kv[1][2])))
        .groupByKey(slices)
        .flatMap(lambda kv: ((kv[0], c) for c in stages.most_promising(kv[1], MAX_VERIFIED)))
    )
    texts = articles.map(lambda p: (p[0].id, p[0].text))
    verified = (
        candidates.map(lambda kv: (kv[1][0], (kv[0], kv[1][3])))
        .join(texts, slices)
        .map(lambda kv: (kv[1][0][0], (kv[0], kv[1][0][1], kv[1][1])))
        .join(texts, slices)
        .flatMap(_verified)
    )
    near = verified.groupByKey(slices).mapValues(stages.best_original).persist(_storage())
    keyed = articles.map(lambda p: (p[0].id, p)).leftOuterJoin(classes, slices)
    exact_rows = keyed.filter(lambda kv: kv[1][1] is not None and kv[1][1][0] == "exact").map(
        lambda kv: (kv[1][0][0], kv[1][0][1], kv[1][1][1])
    )
    kept = (
        keyed.filter(lambda kv: kv[1][1] is None or kv[1][1][0] == "head")
        .map(lambda kv: (kv[0], kv[1][0]))
        .leftOuterJoin(near, slices)
        .map(lambda kv: _marked(*kv[1]))
    )
    return kept, exact_rows, near


def _verified(kv: Any) -> Iterator[tuple[str, tuple[str, float, float, str]]]:
    later, ((earlier, tie, earlier_text), later_text) = kv
    found = stages.verify_pair(later_text, earlier_text)
    if found is not None:
        yield later, (earlier, found[0], found[1], tie)


def _marked(prepared: stages.Prepared, near: tuple[str, float, float] | None) -> stages.Prepared:
    if near is None:
        return prepared
    article, raw, exact, bands = prepared
    return dataclasses.replace(article, copy_of=near[0], copy_similarity=round(near[1], 4)), raw, exact, bands


# -- events and storylines ----------------------------------------------------------------------------


def block_keys(
    kv: tuple[str, tuple[ArticleFeatures, int]], window: int, options: SparkOptions, undated: bool
) -> Iterator[tuple[tuple[int, int, int, int], tuple[bool, int, ArticleFeatures]]]:
    """The blocks an article is scored in: its home block (time bucket, vector bucket) per table,
    as a guest the next time bucket's (so any two articles at most ``window`` days apart meet),
    and, when the corpus has undated articles, the undated block (they may join anything)."""
    _id, (feature, position) = kv
    for table in range(max(1, options.vector_tables)):
        bucket = _vector_bucket(feature.vector, table, options)
        if feature.published is None:
            yield (table, 1, 0, bucket), (True, position, feature)
            continue
        day = feature.published.toordinal() // (window + 1)
        yield (table, 0, day, bucket), (True, position, feature)
        yield (table, 0, day + 1, bucket), (False, position, feature)
        if undated:
            yield (table, 1, 0, bucket), (False, position, feature)


@functools.cache
def _hyperplanes(dimension: int, table: int, bits: int, seed: int) -> np.ndarray:
    return np.random.default_rng([seed, table]).standard_normal((bits, dimension)).astype(np.float32)


def _vector_bucket(vector: np.ndarray, table: int, options: SparkOptions) -> int:
    if options.vector_bits <= 0:
        return 0
    planes = _hyperplanes(int(vector.shape[0]), table, options.vector_bits, options.seed)
    signs = (planes @ np.asarray(vector, dtype=np.float32)) >= 0
    return int(sum(1 << bit for bit, positive in enumerate(signs) if positive))


def _membership(events: Any, storylines: Any, slices: int) -> Any:
    """``(article id, (event id, storyline id))`` for every grouped article."""
    event_story = storylines.flatMap(lambda s: ((event_id, s.id) for event_id in s.event_ids))
    return (
        events.map(lambda e: (e.id, e.article_ids))
        .join(event_story, slices)
        .flatMap(lambda kv: ((article_id, (kv[0], kv[1][1])) for article_id in kv[1][0]))
    )


def summary_line(summary: RunSummary) -> str:
    """One line for the CLI: what was written where."""
    parts = ", ".join(f"{count} {name}" for name, count in summary.counts.items())
    return f"{summary.output}: {parts}"


def to_json(summary: RunSummary) -> str:
    """The summary as JSON (for scripts and the bench)."""
    return json.dumps(asdict(summary), indent=2)


__all__ = ["RunSummary", "SparkOptions", "expand_inputs", "run", "summary_line", "to_json"]
