"""Export contract and HTML report: shape, round-trip, escaping, self-containment."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from rashomon import (
    HashingEmbedder,
    analyze,
    load_settings,
    render_html,
    to_csv,
    to_dict,
    to_json,
    to_jsonl,
    to_markdown,
)
from rashomon.records import SCHEMA_VERSION

HOSTILE_TITLE = '<script>alert("x")</script> Minister <b>quits</b>'
HOSTILE_BODY = "<img src=x onerror=alert(1)> The minister resigned on Monday after a vote in parliament."


def hostile_analysis(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "evil.jsonl").write_text(
        json.dumps(
            {
                "id": "e1",
                "title": HOSTILE_TITLE,
                "text": HOSTILE_BODY + "\n\nRead more",
                "outlet": "<i>Evil</i>",
                "published": "2025-01-02",
                "language": "en",
            }
        )
        + "\n{broken\n",
        encoding="utf-8",
    )
    return analyze([folder], load_settings(embedder="hashing"), HashingEmbedder())


def test_export_json_follows_the_contract(sample_analysis) -> None:
    data = json.loads(to_json(sample_analysis))
    assert data["schema_version"] == SCHEMA_VERSION
    assert set(data) >= {"articles", "events", "storylines", "rejected", "settings"}
    article_fields = {
        "id",
        "source",
        "outlet",
        "url",
        "title",
        "title_inferred",
        "language",
        "published",
        "text",
        "removed_lines",
    }
    for article in data["articles"]:
        assert article_fields <= set(article)
        for line in article["removed_lines"]:
            assert set(line) == {"line_no", "text", "reason"}
    ids = {a["id"] for a in data["articles"]}
    event_ids = {e["id"] for e in data["events"]}
    for event in data["events"]:
        assert {"id", "label", "article_ids", "first_seen", "last_seen"} <= set(event)
        assert set(event["article_ids"]) <= ids
    for storyline in data["storylines"]:
        assert {"id", "label", "event_ids", "article_ids"} <= set(storyline)
        assert set(storyline["event_ids"]) <= event_ids
    # Every article is in exactly one event and one storyline.
    in_events = [i for e in data["events"] for i in e["article_ids"]]
    in_storylines = [i for s in data["storylines"] for i in s["article_ids"]]
    assert sorted(in_events) == sorted(ids) == sorted(in_storylines)


def test_export_jsonl_and_csv_have_one_row_per_article(sample_analysis) -> None:
    lines = to_jsonl(sample_analysis).splitlines()
    assert len(lines) == len(sample_analysis.articles)
    assert all(json.loads(line)["event_id"].startswith("ev-") for line in lines)
    rows = list(csv.DictReader(io.StringIO(to_csv(sample_analysis))))
    assert len(rows) == len(sample_analysis.articles)
    assert all(row["storyline_id"].startswith("st-") for row in rows)


def test_export_keeps_rejected_inputs(tmp_path: Path) -> None:
    data = to_dict(hostile_analysis(tmp_path))
    assert len(data["rejected"]) == 1 and ":2" in data["rejected"][0]["source"]
    assert "not valid JSON" in data["rejected"][0]["reason"]


def test_report_escapes_scraped_text(tmp_path: Path) -> None:
    html = render_html(hostile_analysis(tmp_path))
    assert "<script>alert" not in html and "<img src=x" not in html and "<i>Evil</i>" not in html
    assert "&lt;script&gt;alert" in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_report_markdown_escapes_scraped_text(tmp_path: Path) -> None:
    markdown = to_markdown(hostile_analysis(tmp_path))
    assert "<script>" not in markdown and "\\<script\\>" in markdown


def test_report_is_self_contained_and_readable_without_javascript(sample_analysis) -> None:
    html = render_html(sample_analysis)
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), (
        "report must not load anything from the network"
    )
    # Storylines, events and articles side by side, with removed lines and reasons.
    assert html.count('class="event"') == len(sample_analysis.events)
    assert html.count('class="article"') == len(sample_analysis.articles)
    assert "Removed lines" in html and "spam-token" in html
    for article in sample_analysis.articles[:5]:
        assert f'id="a-{article.id}"' in html


def test_report_for_one_event_shows_only_that_event(sample_analysis) -> None:
    event = max(sample_analysis.events, key=lambda e: len(e.article_ids))
    html = render_html(sample_analysis, only=event.id)
    assert html.count('class="event"') == 1 and html.count('class="article"') == len(event.article_ids)


def test_report_escapes_quotes_entities_and_figures_from_scraped_text(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    quote = "We will <script>alert(1)</script> never accept these job cuts at the Northgate plant, never."
    records = [
        {
            "id": f"q{n}",
            "text": f'{lead}\n\nMinister Jane <b>Roe</b> said: "{quote}" Unions said 8,000 workers would strike.',
            "outlet": outlet,
            "published": "2025-01-02",
            "language": "en",
        }
        for n, (lead, outlet) in enumerate(
            [
                ("Strike looms at the Northgate plant as talks fail on Monday.", "<i>One</i>"),
                ("Talks on the Northgate plant failed on Monday and a strike looms.", "Two"),
            ]
        )
    ]
    (folder / "q.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    analysis = analyze([folder], load_settings(embedder="hashing"), HashingEmbedder())
    assert any(link.kind == "quote" for link in analysis.crosslinks)
    html = render_html(analysis)
    assert "Across outlets" in html
    assert "<script>alert(1)" not in html and "Jane <b>Roe</b>" not in html and "<i>One</i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    markdown = to_markdown(analysis)
    assert "<script>" not in markdown


def test_export_writes_every_record_field_through_the_codec() -> None:
    import dataclasses

    from rashomon.export import INTERNAL_FIELDS, article_dict, event_dict
    from rashomon.records import Article, Event

    article = Article(id="x", source="s", raw_text="raw", text="t")
    exported = article_dict(article)
    fields = [f.name for f in dataclasses.fields(Article) if f.name not in INTERNAL_FIELDS[Article]]
    assert list(exported) == [*fields, "versions"]
    assert "raw" not in exported.values()
    event = Event(id="ev-x", label="l", article_ids=("x",))
    assert list(event_dict(event)) == [f.name for f in dataclasses.fields(Event)]


def test_export_written_item_by_item_is_the_document_to_dict_gives(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from rashomon import HashingEmbedder, Workspace, analyze
    from rashomon.cli import cli
    from rashomon.export import to_dict, write_json
    from rashomon.pipeline import ingest
    from rashomon.records import Analysis

    sample = Path(__file__).resolve().parents[1] / "examples" / "sample" / "en"
    analysis = analyze([sample], embedder=HashingEmbedder())
    for case in (analysis, Analysis(articles=(), events=(), storylines=(), rejected=(), settings={})):
        stream = io.StringIO()
        write_json(case, stream)
        assert stream.getvalue() == json.dumps(to_dict(case), ensure_ascii=False, indent=2) + "\n"
    # The CLI streams into OUT.partial and renames it: the file is the whole document, nothing left over.
    folder = tmp_path / "ws"
    (folder).mkdir()
    (folder / "rashomon.toml").write_text('embedder = "hashing"\n', encoding="utf-8")
    with Workspace(folder) as ws:
        ingest([sample], ws, embedder=HashingEmbedder())
    out = tmp_path / "out" / "export.json"
    result = CliRunner().invoke(cli, ["export", "-w", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert len(document["articles"]) == len(analysis.articles) and document["events"]
    assert [p.name for p in out.parent.iterdir()] == ["export.json"]
