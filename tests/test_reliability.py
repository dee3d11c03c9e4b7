"""One bad input never stops a batch: every stage is guarded at the article boundary.

Each stage is made to fail on one article (an unexpected exception, or our own
InputError); the batch must finish, reject exactly that input with the stage named
in its reason, keep its raw bytes (workspace), and process every other input.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from rashomon import analyze, load_settings
from rashomon.cli import cli
from rashomon.embed import HashingEmbedder
from rashomon.errors import InputError
from rashomon.language import iso_language
from rashomon.pipeline import analysis_counts, ingest
from rashomon.store import Workspace

POISON = "POISONED-ARTICLE"


def _corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    texts = {
        "a.txt": "Hafenstreik in Hamburg\n\nDie Hafenarbeiter in Hamburg legten am Montag die Arbeit nieder.",
        "b.txt": "Port strike in Hamburg\n\nDock workers in Hamburg walked out on Monday over pay.",
        "c.txt": f"Another story\n\nThe {POISON} council of Leeds met on Tuesday to discuss the budget.",
        "d.txt": "Grève au port\n\nLes dockers de Hambourg ont cessé le travail lundi pour les salaires.",
    }
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _settings(**changes: object):
    return load_settings(embedder="hashing", framing=False, **changes)


def _poison(real):
    """``real`` unless its first argument holds the poisoned article (or document)."""

    def call(*args, **kwargs):
        first = args[0]
        items = first if isinstance(first, (list, tuple)) else [first]
        for item in items:
            if POISON in (getattr(item, "text", "") or ""):
                raise RuntimeError("boom on purpose")
        return real(*args, **kwargs)

    return call


# (stage name in the reason, module, attribute)
STAGES = [
    ("clean", "rashomon.pipeline", "clean_document"),
    ("language", "rashomon.pipeline", "detect_language"),
    ("dates", "rashomon.pipeline", "resolve_dates"),
    ("extract", "rashomon.extract.stage", "extract_article"),
    ("embed", "rashomon.pipeline", "embed_articles"),
    ("cluster", "rashomon.pipeline", "article_features"),
]


@pytest.mark.parametrize(("stage", "module", "name"), STAGES, ids=[s[0] for s in STAGES])
def test_reliability_a_stage_failing_on_one_article_rejects_only_that_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str, module: str, name: str
) -> None:
    import importlib

    target = importlib.import_module(module)
    monkeypatch.setattr(target, name, _poison(getattr(target, name)))
    analysis = analyze([_corpus(tmp_path / "in")], _settings(), HashingEmbedder())
    assert len(analysis.articles) == 3 and all(POISON not in a.text for a in analysis.articles)
    assert [r.source for r in analysis.rejected] == [str(tmp_path / "in" / "c.txt")]
    reason = analysis.rejected[0].reason
    assert reason == f"internal error in {stage}: RuntimeError: boom on purpose"
    assert POISON.encode() in analysis.rejected[0].raw  # the raw input is kept
    every_id = {a.id for a in analysis.articles}
    assert {x.article_id for x in analysis.extractions} == every_id
    assert {i for e in analysis.events for i in e.article_ids} == every_id


def test_reliability_framing_failing_on_one_article_rejects_only_that_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rashomon.compare.framing as framing

    monkeypatch.setattr(framing, "frame_articles", _poison(framing.frame_articles))
    analysis = analyze([_corpus(tmp_path / "in")], load_settings(embedder="hashing"), HashingEmbedder())
    assert len(analysis.articles) == 3
    assert [r.reason for r in analysis.rejected] == ["internal error in framing: RuntimeError: boom on purpose"]
    assert {f.article_id for f in analysis.framings} == {a.id for a in analysis.articles}


def test_reliability_an_input_error_in_a_stage_keeps_its_own_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rashomon.pipeline as pipeline

    real = pipeline.resolve_dates

    def refuse(article, *args):
        if POISON in article.text:
            raise InputError("this article's dates cannot be read")
        return real(article, *args)

    monkeypatch.setattr(pipeline, "resolve_dates", refuse)
    analysis = analyze([_corpus(tmp_path / "in")], _settings(), HashingEmbedder())
    assert [r.reason for r in analysis.rejected] == ["this article's dates cannot be read"]


def test_reliability_a_failing_comparison_leaves_the_other_events_compared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import rashomon.compare.stage as stage

    real = stage.compare_event
    calls: list[str] = []

    def first_fails(event, *args):
        calls.append(event.id)
        if len(calls) == 1:
            raise ValueError("compare bug on purpose")
        return real(event, *args)

    folder = _corpus(tmp_path / "in")
    (folder / "e.txt").write_text(
        "Leeds budget\n\nThe council of Leeds met on Tuesday to discuss the budget and cuts.", encoding="utf-8"
    )
    monkeypatch.setattr(stage, "compare_event", first_fails)
    analysis = analyze([folder], _settings(), HashingEmbedder())
    assert len(analysis.articles) == 5 and not analysis.rejected
    assert calls and calls[0] not in {c.event_id for c in analysis.comparisons}
    assert "internal error in compare: ValueError: compare bug on purpose" in caplog.text


def test_reliability_a_reader_failing_on_one_input_rejects_that_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    sources = importlib.import_module("rashomon.ingest.sources")  # rashomon.ingest is also a function
    real = sources.read_paths

    def broken(paths, *args):
        if any(str(p).endswith("c.txt") for p in paths):
            raise RuntimeError("reader bug on purpose")
        return real(paths, *args)

    folder = _corpus(tmp_path / "in")
    monkeypatch.setattr(sources, "read_paths", broken)
    analysis = analyze(sorted(folder.iterdir()), _settings(), HashingEmbedder())
    assert len(analysis.articles) == 3
    assert [(Path(r.source).name, r.reason) for r in analysis.rejected] == [
        ("c.txt", "internal error in read: RuntimeError: reader bug on purpose")
    ]


def test_reliability_ingest_rejects_the_bad_article_keeps_its_bytes_and_stores_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rashomon.extract.stage as extract_stage

    monkeypatch.setattr(extract_stage, "extract_article", _poison(extract_stage.extract_article))
    folder = _corpus(tmp_path / "in")
    with Workspace(tmp_path / "ws") as ws:
        summary = ingest([folder], ws, _settings(), HashingEmbedder())
        assert len(summary.added) == 3 and summary.counts()["rejected"] == 1
        assert len(ws.article_ids()) == 3
    db = sqlite3.connect(tmp_path / "ws" / "rashomon.sqlite3")
    rows = db.execute("SELECT * FROM inputs WHERE status = 'rejected'").fetchall()
    db.close()
    assert len(rows) == 1 and any(isinstance(v, bytes) and POISON.encode() in v for v in rows[0])


def test_reliability_cli_finishes_and_exits_0_when_one_article_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rashomon.pipeline as pipeline

    monkeypatch.setattr(pipeline, "resolve_dates", _poison(pipeline.resolve_dates))
    result = CliRunner().invoke(
        cli,
        ["--set", "embedder=hashing", "--set", "framing=false", "analyze", str(_corpus(tmp_path / "in")), "--out"]
        + [str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    assert "internal error in dates: RuntimeError: boom on purpose" in result.output
    assert "Traceback" not in result.output
    assert "inputs: 3 new, 0 unchanged, 0 exact copies, 0 near copies, 0 changed, 1 rejected" in result.output
    assert (tmp_path / "out" / "export.json").is_file()


# -- declared languages and record ids -------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [("de", "de"), ("DE", "de"), ("de-AT", "de"), ("en_GB", "en"), ("deu", "de"), ("ger", "de"), ("yue", "yue")]
    + [("iw", "he"), ("xx", None), ("{{lang}}", None), ("english", None), ("", None), ("d3", None)],
)
def test_reliability_declared_languages_must_be_iso_639(given: str, expected: str | None) -> None:
    assert iso_language(given) == expected


def test_reliability_a_bad_declared_language_is_detected_and_noted(tmp_path: Path) -> None:
    records = [
        {"id": "r1", "text": "Die Hafenarbeiter in Hamburg legten am Montag die Arbeit nieder.", "language": "xx"},
        {"id": "r2", "text": "Dock workers in Hamburg walked out on Monday over pay.", "language": "eng"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    analysis = analyze([path], _settings(), HashingEmbedder())
    by_id = {a.id: a for a in analysis.articles}
    assert by_id["r1"].language == "de" and by_id["r2"].language == "en"
    notes = by_id["r1"].provenance.notes if by_id["r1"].provenance else ()
    assert any("'xx' is not an ISO 639 code; detected de" in note for note in notes)
    assert by_id["r2"].provenance is not None and not by_id["r2"].provenance.notes


@pytest.mark.parametrize("bad_id", [{"a": 1}, [1, 2], True, None])
def test_reliability_record_ids_must_be_strings_or_numbers(tmp_path: Path, bad_id: object) -> None:
    path = tmp_path / "in.jsonl"
    good = {"id": 7, "text": "Dock workers in Hamburg walked out on Monday over pay."}
    bad = {"id": bad_id, "text": "The council of Leeds met on Tuesday to discuss the budget."}
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    analysis = analyze([path], _settings(), HashingEmbedder())
    if bad_id is None:  # no id given: one is made from the text
        assert len(analysis.articles) == 2 and not analysis.rejected
        return
    assert [a.id for a in analysis.articles] == ["7"]
    assert len(analysis.rejected) == 1 and "field 'id' must be a string or a number" in analysis.rejected[0].reason


# -- honest accounting --------------------------------------------------------------


def test_reliability_every_input_is_counted_once_and_the_same_either_way(tmp_path: Path, seeds_dir: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    seed = sorted(seeds_dir.iterdir())[0].read_text(encoding="utf-8")
    lines = [
        {"id": f"copy-{n}", "text": "Dock workers in Hamburg walked out on Monday over pay and hours."}
        for n in range(12)
    ]
    lines.append({"id": "near", "text": seed.replace("\n", " ", 1)[:-40]})
    lines.append({"id": "empty", "text": "   "})
    (folder / "records.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n", encoding="utf-8")
    (folder / "seed.txt").write_text(seed, encoding="utf-8")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    settings = _settings(extract=False)
    counts = analysis_counts(analyze([folder], settings, HashingEmbedder()))
    assert counts == {
        "new": 2,
        "unchanged": 0,
        "exact copies": 11,
        "near copies": 1,
        "changed": 0,
        "rejected": 3,
    }
    with Workspace(tmp_path / "ws") as ws:
        first = ingest([folder], ws, settings, HashingEmbedder())
        assert first.counts() == counts
        again = ingest([folder], ws, settings, HashingEmbedder())
        assert again.counts() == {**dict.fromkeys(counts, 0), "unchanged": 17}


# -- errors a person can act on -------------------------------------------------------


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    from rashomon.cli import main

    monkeypatch.setattr("sys.argv", ["rashomon", *args])
    with pytest.raises(SystemExit) as done:
        main()
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out + captured.err


def test_reliability_an_unexpected_error_is_one_line_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rashomon.pipeline as pipeline_module

    def broken(*args, **kwargs):
        raise KeyError("no-such-key")

    monkeypatch.setattr(pipeline_module, "analyze", broken)  # the CLI imports it when it runs
    code, output = _main(monkeypatch, capsys, "analyze", str(_corpus(tmp_path / "in")), "--out", str(tmp_path / "o"))
    assert code == 1 and "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines == [
        "Error: internal error: KeyError: 'no-such-key'. Run again with -v for the traceback and report it; "
        "your inputs and workspace are unchanged by the failed step."
    ]


def test_reliability_a_global_option_after_the_command_says_where_it_goes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, output = _main(monkeypatch, capsys, "ingest", str(tmp_path), "--set", "embedder=hashing")
    assert code == 2 and "--set is a global option: put it before the command" in output


def test_reliability_show_with_a_wrong_id_names_the_kinds_of_id(tmp_path: Path, seeds_dir: Path) -> None:
    runner = CliRunner()
    ws = str(tmp_path / "ws")
    assert runner.invoke(cli, ["--set", "embedder=hashing", "ingest", str(seeds_dir), "-w", ws]).exit_code == 0
    result = runner.invoke(cli, ["show", "ev-000000000000", "-w", ws])
    assert result.exit_code == 1
    for kind in ("ev-… (event)", "st-… (storyline)", "en-… (entity)", "cl-… (claim)", "di-… (disagreement)"):
        assert kind in result.output
    written = tmp_path / "new" / "folder" / "export.csv"
    exported = runner.invoke(cli, ["export", "--format", "csv", "-w", ws, "-o", str(written)])
    assert exported.exit_code == 0 and written.is_file()  # a missing output folder is created
