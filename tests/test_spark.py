"""The Spark adapter (`rashomon spark run`): the same articles, copies, events, storylines and
entities as the local pipeline on the same inputs, and a workspace imported from its Parquet
tables that equals the local one and that the web app serves.

One SparkSession (``local[2]``, four shuffle partitions) for the module; the hashing embedder
on both sides. Skipped only where Java is missing; PySpark missing is an error (it is in the
test requirements).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.parse
from pathlib import Path

import pytest

if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Java 17 is not installed (Debian: openjdk-17-jre-headless); PySpark needs it", allow_module_level=True)

import pyspark  # noqa: F401, E402  (an ImportError here is a missing test requirement, not a skip)
from test_equivalence import outcome  # noqa: E402
from test_warc import write_sample  # noqa: E402
from test_web import Client  # noqa: E402

from rashomon import HashingEmbedder, analyze, load_settings  # noqa: E402
from rashomon.evaluate import bcubed  # noqa: E402
from rashomon.records import Analysis  # noqa: E402
from rashomon.spark import SparkOptions, import_output, run, session  # noqa: E402
from rashomon.spark.job import expand_inputs  # noqa: E402
from rashomon.spark.stages import connected, group_component  # noqa: E402
from rashomon.spark.tables import read_manifest, read_table  # noqa: E402
from rashomon.store import Workspace  # noqa: E402

SETTINGS = load_settings(embedder="hashing")

# The whole pipeline, twice (slow); Py4J leaves its sockets to the garbage collector.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def spark():
    spark = session(
        "local[2]",
        config={
            "spark.sql.shuffle.partitions": "4",
            "spark.driver.memory": "1g",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
        },
    )
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()


@pytest.fixture(scope="module")
def extra(tmp_path_factory, sample_dir: Path) -> dict[str, Path]:
    """Inputs the sample lacks: exact and near copies, bad records, a WARC file, a path list and a
    Parquet table of articles."""
    folder = tmp_path_factory.mktemp("extra")
    records = [json.loads(line) for line in (sample_dir / "feeds" / "newsdesk_export.jsonl").read_text().splitlines()]
    first, second = records[0], records[1]
    sentences = second["text"].split(". ")
    near = ". ".join(sentences[:-1]) + ". A spokesperson declined to comment further on the matter."
    lines = [
        {**first, "id": "exact-copy", "published": "2099-01-01", "outlet": "Reprint Daily"},
        {**second, "id": "near-copy", "text": near, "published": "2099-01-02", "outlet": "Reprint Daily"},
        {"id": "no-text", "title": "A record without text"},
    ]
    copies = folder / "copies.jsonl"
    copies.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines) + "\n{broken json\n")
    warcs = tmp_path_factory.mktemp("warcs")
    warc = warcs / "crawl.warc.gz"
    write_sample(warc, gz=True)
    listing = folder.parent / "crawl-paths.txt"
    listing.write_text(f"# one WARC a line, as cc-pyspark reads\n{warc}\n")
    import pyarrow as pa
    import pyarrow.parquet as pq

    more = [{**r, "id": f"pq-{n}", "published": f"2099-02-0{n + 1}"} for n, r in enumerate(records[2:4])]
    table = folder / "more.parquet"
    pq.write_table(pa.Table.from_pylist(more), table)
    twin = tmp_path_factory.mktemp("twin") / "more.jsonl"  # what the local run reads in its place
    twin.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in more))
    return {"copies": copies, "warc": warc, "listing": listing, "parquet": table, "parquet_twin": twin}


@pytest.fixture(scope="module")
def inputs(sample_dir: Path, seeds_dir: Path, extra: dict[str, Path]) -> dict[str, list[str]]:
    """The same inputs for both: the WARC named directly (local) or listed (Spark), the same records
    as JSONL (local) or as a Parquet table (Spark)."""
    shared = [str(sample_dir), str(seeds_dir), str(extra["copies"])]
    return {
        "local": [*shared, str(extra["warc"]), str(extra["parquet_twin"])],
        "spark": [*shared, str(extra["listing"]), str(extra["parquet"])],
    }


@pytest.fixture(scope="module")
def local(inputs) -> Analysis:
    return analyze(inputs["local"], SETTINGS, HashingEmbedder())


@pytest.fixture(scope="module")
def output(spark, inputs, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("spark") / "out"
    run(spark, inputs["spark"], str(folder), partitions=2, settings=SETTINGS)
    return folder


def spark_outcome(folder: Path) -> dict[str, list[str]]:
    """:func:`outcome`'s parts read from the tables themselves."""
    articles = read_table(folder, "articles")
    mentions: dict[str, list[tuple]] = {}
    for m in read_table(folder, "mentions"):
        mentions.setdefault(m["entity_id"], []).append((m["article_id"], m["start"], m["end"], m["via"]))
    return {
        "articles": sorted(map(repr, ((a["id"], a["text"], a["copy_of"]) for a in articles))),
        "events": sorted(map(repr, (sorted(e["article_ids"]) for e in read_table(folder, "events")))),
        "storylines": sorted(map(repr, (sorted(s["article_ids"]) for s in read_table(folder, "storylines")))),
        "copies": sorted(
            map(repr, ((c["original_id"], c["copy_id"], c["kind"]) for c in read_table(folder, "copies")))
        ),
        "entities": sorted(
            map(
                repr,
                ((e["id"], e["name"], e["label"], sorted(mentions[e["id"]])) for e in read_table(folder, "entities")),
            )
        ),
    }


def test_spark_expands_path_lists_and_folders(inputs, extra) -> None:
    local, remote, parquet, rejected = expand_inputs([*inputs["spark"], "/no/such/input"])
    assert str(extra["warc"]) in local and str(extra["listing"]) not in local
    assert not remote and parquet == [str(extra["parquet"])]
    assert [r.source for r in rejected] == ["/no/such/input"]


def test_spark_tables_hold_the_local_articles_copies_events_storylines_and_entities(local, output) -> None:
    expected, got = outcome(local), spark_outcome(output)
    assert expected["copies"], "the inputs must hold copies"
    assert any("'near'" in c for c in expected["copies"]) and any("'exact'" in c for c in expected["copies"])
    assert len(expected["events"]) > 5
    for part in ("articles", "copies", "events", "storylines"):
        assert got[part] == expected[part], part
    local_entities = sorted(
        map(
            repr,
            (
                (e.id, e.name, e.label, sorted((m.article_id, m.start, m.end, m.via) for m in e.mentions))
                for e in local.entities
            ),
        )
    )
    assert got["entities"] == local_entities


def test_spark_rejects_bad_inputs_into_the_rejected_table(local, output) -> None:
    rejected = read_table(output, "rejected")
    assert sorted((r["source"], r["reason"]) for r in rejected) == sorted((r.source, r.reason) for r in local.rejected)
    reasons = " ".join(r["reason"] for r in rejected)
    assert "not valid JSON" in reasons and "no non-empty 'text'" in reasons


def test_spark_tables_keep_evidence_offsets(output) -> None:
    texts = {a["id"]: a["text"] for a in read_table(output, "articles")}
    for table, field in (("quotes", "text"), ("figures", "text"), ("mentions", "surface")):
        rows = read_table(output, table)
        assert rows, table
        for row in rows:
            assert texts[row["article_id"]][row["start"] : row["end"]] == row[field], (table, row)
    manifest = read_manifest(output)
    assert manifest["embedder"] == HashingEmbedder.name and manifest["counts"]["articles"] == len(texts)


def test_spark_import_gives_the_local_workspace(local, output, tmp_path) -> None:
    with Workspace(tmp_path / "ws") as workspace:
        summary = import_output(output, workspace, SETTINGS)
        stored = workspace.analysis()
    assert summary.counts()["rejected"] == len(local.rejected)
    expected, got = outcome(local), outcome(stored)
    assert expected["comparisons"], "the corpus must have compared events"
    for part in expected:
        assert got[part] == expected[part], part


def test_spark_import_is_served_by_the_web_app(output, tmp_path) -> None:
    from click.testing import CliRunner

    from rashomon.cli import cli
    from rashomon.web import create_app

    folder = tmp_path / "served"
    result = CliRunner().invoke(cli, ["ingest", str(output), "--workspace", str(folder)])  # the layout is detected
    assert result.exit_code == 0, result.output
    with Workspace(folder) as workspace:
        event = max(workspace.events(), key=lambda e: len(e.article_ids))
    client = Client(create_app(folder))
    page = client.get("/events/" + urllib.parse.quote(event.id, safe=""))
    assert page.status_code == 200
    twin = client.get("/events/" + urllib.parse.quote(event.id, safe="") + ".json").json()
    assert sorted(a["id"] for a in twin["articles"]) == sorted(event.article_ids)


def bucketed_grouping(output: Path, options: SparkOptions) -> tuple[dict[str, str], dict[str, str], int]:
    """The job's grouping step (blocks, edges, components, the grouper per component) in plain
    Python over the features a run stored: ``(event of article, storyline of article, pairs scored)``."""
    from collections import defaultdict

    from rashomon.spark.job import block_keys
    from rashomon.spark.stages import block_edges
    from rashomon.spark.tables import features_of

    rows = sorted(read_table(output, "articles"), key=lambda row: row["position"])
    features = [(row["id"], (features_of(row), row["position"])) for row in rows]
    undated = any(feature.published is None for _id, (feature, _position) in features)
    window = options.window_days or SETTINGS.event_window_days + SETTINGS.storyline_window_days
    blocks: dict[object, list] = defaultdict(list)
    for item in features:
        for key, member in block_keys(item, window, options, undated):
            blocks[key].append(member)
    scored = sum(sum(1 for m in members if m[0]) * len(members) for members in blocks.values())
    reach = SETTINGS.event_window_days + SETTINGS.storyline_window_days
    edges = [edge for members in blocks.values() for edge in block_edges(members, SETTINGS, options.edge_margin, reach)]
    component = connected(edges)
    members_of: dict[str, list] = defaultdict(list)
    for article_id, (feature, position) in features:
        members_of[component.get(article_id, article_id)].append((position, feature))
    event_of: dict[str, str] = {}
    story_of: dict[str, str] = {}
    for members in members_of.values():
        for kind, found in group_component(members, SETTINGS, len(features)):
            for article_id in found.article_ids:
                (event_of if kind == "event" else story_of)[article_id] = found.id
    return event_of, story_of, scored


def test_spark_vector_buckets_keep_most_of_the_grouping(local, output) -> None:
    """Coarse vector buckets score fewer pairs per table and may split what the local grouper
    joins: measured as the B-cubed F1 of events and storylines against the local result."""
    gold_events = {a: e.id for e in local.events for a in e.article_ids}
    gold_stories = {a: s.id for s in local.storylines for a in s.article_ids}
    exact_events, exact_stories, _scored = bucketed_grouping(output, SparkOptions())
    assert bcubed(exact_events, gold_events)[2] == 1.0 and bcubed(exact_stories, gold_stories)[2] == 1.0
    events, stories, _scored = bucketed_grouping(output, SparkOptions(vector_bits=2, vector_tables=2))
    assert bcubed(events, gold_events)[2] >= 0.9
    assert bcubed(stories, gold_stories)[2] >= 0.9


def test_group_component_is_the_local_grouper_over_one_component(output) -> None:
    """With every article in one component, the component grouper is the local grouper,
    split checks included (they fall due by corpus counts)."""
    from rashomon.cluster import Grouper
    from rashomon.spark.tables import features_of

    rows = sorted(read_table(output, "articles"), key=lambda row: row["position"])
    features = [features_of(row) for row in rows]
    settings = load_settings(embedder="hashing", repair_every=3)
    grouper = Grouper(settings)
    for feature in features:
        grouper.add(feature)
    found = list(group_component(enumerate(features), settings, len(features)))
    assert sorted(sorted(e.article_ids) for kind, e in found if kind == "event") == sorted(
        sorted(e.article_ids) for e in grouper.events()
    )
    assert [e for kind, e in found if kind == "event"] == grouper.events()


def test_connected_names_each_component_by_its_smallest_id() -> None:
    assert connected([("b", "c"), ("d", "a"), ("c", "a"), ("x", "y")]) == {
        "a": "a",
        "b": "a",
        "c": "a",
        "d": "a",
        "x": "x",
        "y": "x",
    }


def test_spark_cli_documents_its_options() -> None:
    from click.testing import CliRunner

    from rashomon.cli import cli

    result = CliRunner().invoke(cli, ["spark", "run", "--help"])
    assert result.exit_code == 0
    for option in ("--input", "--output", "--master", "--partitions", "--vector-bits", "--input-base"):
        assert option in result.output


def test_spark_module_entry_moves_global_options_before_the_command() -> None:
    from rashomon.spark.__main__ import arguments

    assert arguments(["--input", "a", "--set", "embedder=hashing", "-v", "--output", "o"]) == [
        "--set",
        "embedder=hashing",
        "-v",
        "spark",
        "run",
        "--input",
        "a",
        "--output",
        "o",
    ]


def test_forest_keeps_one_edge_per_join() -> None:
    from rashomon.spark.stages import forest

    edges = [("a", "b"), ("b", "c"), ("a", "c"), ("d", "e"), ("e", "d")]
    kept = list(forest(edges))
    assert kept == [("a", "b"), ("b", "c"), ("d", "e")]
    assert connected(kept) == connected(edges)
