"""The Parquet tables a Spark run writes (documented in ``docs/export.md``), and reading them back.

Each table has flat, typed columns for analysis in any Parquet reader (Spark, DuckDB, pandas,
Polars). The tables ``rashomon import`` reads back also hold each record whole, as the JSON of
:mod:`rashomon.codec` (``record``, ``extraction``, ``framing``), so a record round-trips exactly
whatever columns a later version adds. Writing needs PySpark; reading needs only pyarrow.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .. import codec
from ..cluster import ArticleFeatures
from ..records import Entity, Event, Extraction, Framing, Rejected, Storyline

FORMAT = "rashomon-spark"
VERSION = 1

SCHEMAS: dict[str, str] = {
    "articles": (
        "id string, source string, url string, outlet string, domain string, author string, title string,"
        " language string, published string, text string, copy_of string, copy_similarity double,"
        " event_id string, storyline_id string, position long, exact binary, bands array<long>,"
        " vector array<float>, features string, record string, extraction string, framing string, raw binary"
    ),
    "copies": (
        "copy_id string, original_id string, kind string, similarity double, containment double,"
        " group_id string, source string, raw binary, record string"
    ),
    "events": (
        "id string, label string, headline string, first_seen string, last_seen string, storyline_id string,"
        " article_ids array<string>, record string"
    ),
    "storylines": (
        "id string, label string, headline string, event_ids array<string>, article_ids array<string>, record string"
    ),
    "entities": (
        "id string, name string, label string, key string, aliases array<string>, languages array<string>,"
        " articles long, mentions long, record string"
    ),
    "mentions": (
        "entity_id string, article_id string, start long, end long, surface string, label string,"
        " confidence double, sentence string, via string"
    ),
    "quotes": (
        "article_id string, position long, start long, end long, text string, kind string, speaker string,"
        " record string"
    ),
    "figures": (
        "article_id string, position long, start long, end long, text string, value double, unit string, record string"
    ),
    "framings": "article_id string, genre string, genre_confidence double, model string, record string",
    "rejected": "source string, reason string, raw binary",
    "manifest": "key string, value string",
}
"""Every table and its columns (Spark DDL), in the order rows are built below."""


def _json(value: Any) -> str | None:
    return None if value is None else codec.dumps(value)


def article_row(analysed: Any, position: int, groups: tuple[str, str] | None) -> tuple[Any, ...]:
    """A row of ``articles`` from an analysed article (:data:`rashomon.spark.stages.Analysed`)."""
    article, raw, exact, bands, extraction, framing, feature, _keyed = analysed
    event_id, storyline_id = groups or (None, None)
    features = {
        "names": feature.names,
        "surfaces": feature.surfaces,
        "published": feature.published.isoformat() if feature.published else None,
        "title": feature.title,
        "title_inferred": feature.title_inferred,
    }
    return (
        article.id,
        article.source,
        article.url,
        article.outlet,
        article.domain,
        article.author,
        article.title,
        article.language,
        article.published,
        article.text,
        article.copy_of,
        article.copy_similarity,
        event_id,
        storyline_id,
        position,
        bytearray(exact),
        list(bands),
        [float(x) for x in feature.vector],
        json.dumps(features, ensure_ascii=False),
        codec.dumps(article),
        _json(extraction),
        _json(framing),
        bytearray(raw),
    )


def exact_copy_row(row: tuple[Any, bytes, str], groups: Mapping[str, str]) -> tuple[Any, ...]:
    """A row of ``copies`` for an exact copy (``(article, raw, original id)``): kept whole, so
    an import records it as a source of its original."""
    article, raw, original = row
    group = groups.get(article.id, original)
    return (
        article.id,
        original,
        "exact",
        1.0,
        1.0,
        "cg-" + group,
        article.source,
        bytearray(raw),
        codec.dumps(article),
    )


def near_copy_row(copy_id: str, link: tuple[str, float, float], groups: Mapping[str, str]) -> tuple[Any, ...]:
    """A row of ``copies`` for a near copy (the article itself is in ``articles``)."""
    original, jaccard, containment = link
    group = groups.get(copy_id, original)
    return (copy_id, original, "near", round(jaccard, 4), round(containment, 4), "cg-" + group, None, None, None)


def event_row(event: Event, storyline_id: str | None) -> tuple[Any, ...]:
    return (
        event.id,
        event.label,
        event.headline,
        event.first_seen,
        event.last_seen,
        storyline_id,
        list(event.article_ids),
        codec.dumps(event),
    )


def storyline_row(storyline: Storyline) -> tuple[Any, ...]:
    return (
        storyline.id,
        storyline.label,
        storyline.headline,
        list(storyline.event_ids),
        list(storyline.article_ids),
        codec.dumps(storyline),
    )


def entity_row(entity: Entity) -> tuple[Any, ...]:
    header = dataclasses.replace(entity, mentions=())
    return (
        entity.id,
        entity.name,
        entity.label,
        entity.key,
        list(entity.aliases),
        list(entity.languages),
        len(entity.article_ids),
        len(entity.mentions),
        codec.dumps(header),
    )


def mention_rows(entity: Entity) -> Iterator[tuple[Any, ...]]:
    for m in entity.mentions:
        yield (entity.id, m.article_id, m.start, m.end, m.surface, m.label, m.confidence, m.sentence, m.via)


def quote_rows(extraction: Extraction | None) -> Iterator[tuple[Any, ...]]:
    if extraction is None:
        return
    for position, q in enumerate(extraction.quotes):
        yield (extraction.article_id, position, q.start, q.end, q.text, q.kind, q.speaker, codec.dumps(q))


def figure_rows(extraction: Extraction | None) -> Iterator[tuple[Any, ...]]:
    if extraction is None:
        return
    for position, f in enumerate(extraction.figures):
        yield (extraction.article_id, position, f.start, f.end, f.text, f.value, f.unit, codec.dumps(f))


def framing_rows(framing: Framing | None) -> Iterator[tuple[Any, ...]]:
    if framing is not None:
        yield (framing.article_id, framing.genre, framing.genre_confidence, framing.model, codec.dumps(framing))


def rejected_row(item: Rejected) -> tuple[Any, ...]:
    return (item.source, item.reason, bytearray(item.raw))


def _join(output: str, name: str) -> str:
    return output.rstrip("/") + "/" + name


def write(spark: Any, rows: Any, name: str, output: str) -> int:
    """Write an RDD of rows as table ``name`` under ``output``; the number of rows written."""
    frame = spark.createDataFrame(rows, schema=SCHEMAS[name])
    frame.write.mode("overwrite").parquet(_join(output, name))
    return int(spark.read.parquet(_join(output, name)).count())


def write_manifest(spark: Any, manifest: Mapping[str, Any], output: str) -> None:
    """The ``manifest`` table: the format, version, embedder, settings and counts of a run."""
    rows = [(key, json.dumps(value, ensure_ascii=False)) for key, value in manifest.items()]
    spark.createDataFrame(rows, schema=SCHEMAS["manifest"]).coalesce(1).write.mode("overwrite").parquet(
        _join(output, "manifest")
    )


# -- reading back ----------------------------------------------------------------------------------


def is_spark_output(path: str | Path) -> bool:
    """True for a folder a Spark run wrote (it has ``manifest`` and ``articles`` tables)."""
    folder = Path(path)
    return (folder / "manifest").is_dir() and (folder / "articles").is_dir()


def read_table(folder: str | Path, name: str) -> list[dict[str, Any]]:
    """Every row of one table of a Spark run's output folder, as dicts (needs pyarrow)."""
    import pyarrow.parquet as pq

    path = Path(folder) / name
    if not path.is_dir():
        return []
    return pq.read_table(path).to_pylist()  # type: ignore[no-any-return]


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a Spark run's output folder."""
    return {row["key"]: json.loads(row["value"]) for row in read_table(folder, "manifest")}


def features_of(row: Mapping[str, Any]) -> ArticleFeatures:
    """The grouping features stored in a row of ``articles``."""
    import datetime as dt

    import numpy as np

    stored = json.loads(row["features"])
    return ArticleFeatures(
        article_id=row["id"],
        vector=np.asarray(row["vector"], dtype=np.float32),
        names=stored["names"],
        surfaces=stored["surfaces"],
        published=dt.date.fromisoformat(stored["published"]) if stored["published"] else None,
        title=stored["title"],
        title_inferred=stored["title_inferred"],
    )
