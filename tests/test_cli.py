"""The `rashomon` command: each subcommand, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rashomon.cli import cli


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def write_mixed_folder(folder: Path) -> None:
    folder.mkdir()
    (folder / "good.txt").write_text("Port strike in Hamburg\n\nDock workers walked out on Monday.", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 office")


def test_cli_analyze_reports_each_rejection_and_still_succeeds(runner: CliRunner, tmp_path: Path) -> None:
    write_mixed_folder(tmp_path / "in")
    result = runner.invoke(
        cli, ["--set", "embedder=hashing", "analyze", str(tmp_path / "in"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "empty.txt: empty file" in result.stderr
    assert "picture.png" in result.stderr and "notes.docx" in result.stderr
    assert "1 articles" in result.stdout and "3 rejected" in result.stdout
    export = json.loads((tmp_path / "out" / "export.json").read_text(encoding="utf-8"))
    assert len(export["articles"]) == 1 and len(export["rejected"]) == 3
    assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "export.md").is_file()


def test_cli_analyze_fails_when_nothing_could_be_processed(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = runner.invoke(cli, ["analyze", str(tmp_path / "empty.txt"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "No article could be processed" in result.stderr


def test_cli_wrong_usage_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["analyze"]).exit_code == 2
    assert runner.invoke(cli, ["no-such-command"]).exit_code == 2
    result = runner.invoke(cli, ["--set", "no_such_setting=1", "analyze", str(tmp_path)])
    assert result.exit_code == 2 and "No setting named 'no_such_setting'" in result.stderr


def test_cli_workspace_commands(runner: CliRunner, tmp_path: Path, seeds_dir: Path) -> None:
    ws = str(tmp_path / "ws")
    first = runner.invoke(cli, ["ingest", str(seeds_dir), "--workspace", ws])
    assert first.exit_code == 0, first.output
    assert "inputs: 4 new, 0 unchanged" in first.stdout and "2 event(s) in 1 storyline(s)" in first.stdout
    again = runner.invoke(cli, ["ingest", str(seeds_dir), "--workspace", ws])
    assert "inputs: 0 new, 4 unchanged" in again.stdout

    stories = runner.invoke(cli, ["stories", "--workspace", ws])
    assert stories.exit_code == 0 and "st-" in stories.stdout and "de:2,en:1" in stories.stdout

    export = runner.invoke(cli, ["export", "--format", "json", "--workspace", ws])
    data = json.loads(export.stdout)
    event = next(e for e in data["events"] if len(e["article_ids"]) == 3)
    shown = runner.invoke(cli, ["show", event["id"], "--workspace", ws])
    assert shown.exit_code == 0 and "Blinken" in shown.stdout and "score" in shown.stdout
    assert "different speakers" in shown.stdout  # the event's cross-outlet links come with it
    assert "Story brief" in shown.stdout and "[happened/consensus]" in shown.stdout  # and its comparison
    assert "naming war-in-ukraine (differs)" in shown.stdout and "special military operation" in shown.stdout
    assert "voice " in shown.stdout and "only talked about" in shown.stdout
    comparison = data["comparisons"][0]
    claim = next(c for c in comparison["claims"] if len(c["sources"]) > 1)
    shown_claim = runner.invoke(cli, ["show", claim["id"], "--workspace", ws])
    assert shown_claim.exit_code == 0 and claim["sentences"][0]["text"][:40] in shown_claim.stdout
    finding = comparison["disagreements"][0]
    shown_finding = runner.invoke(cli, ["show", finding["id"], "--workspace", ws])
    assert shown_finding.exit_code == 0 and finding["summary"][:30] in shown_finding.stdout
    article = runner.invoke(cli, ["show", data["articles"][0]["id"], "--workspace", ws])
    assert article.exit_code == 0 and "Title:" in article.stdout
    assert "Entities:" in article.stdout and "quote (" in article.stdout
    assert "framing (" in article.stdout  # genre and frames, with the model's name
    tokayev = next(e for e in data["entities"] if "Tokajew" in e["aliases"])
    entity = runner.invoke(cli, ["show", tokayev["id"], "--workspace", ws])
    assert entity.exit_code == 0 and "Tokayev" in entity.stdout and "linked by" in entity.stdout
    link = next(link for link in data["links"] if link["flag"] == "different speakers")
    shown_link = runner.invoke(cli, ["show", link["id"], "--workspace", ws])
    assert shown_link.exit_code == 0 and "attributed to" in shown_link.stdout
    missing = runner.invoke(cli, ["show", "nope", "--workspace", ws])
    assert missing.exit_code == 1 and "No article 'nope'" in missing.stderr

    for fmt in ("jsonl", "csv", "md"):
        assert runner.invoke(cli, ["export", "--format", fmt, "--workspace", ws]).exit_code == 0
    report = runner.invoke(cli, ["report", event["id"], "--workspace", ws, "-o", str(tmp_path / "r.html")])
    assert report.exit_code == 0 and "Blinken" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "How the outlets tell it" in (tmp_path / "r.html").read_text(encoding="utf-8")  # compared on demand


def test_cli_workspace_commands_need_a_workspace(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["stories", "--workspace", str(tmp_path / "none")])
    assert result.exit_code == 1 and "No workspace at" in result.stderr


def test_cli_demo_writes_report_and_summary(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / "report.html").is_file() and (tmp_path / "demo" / "export.json").is_file()
    assert "28 articles" in result.stdout and "storylines" in result.stdout


def test_cli_settings_lists_every_setting(runner: CliRunner) -> None:
    from rashomon.config import SETTINGS

    result = runner.invoke(cli, ["settings"])
    assert result.exit_code == 0
    for setting in SETTINGS:
        assert setting.name in result.stdout


@pytest.mark.parametrize("command", ["analyze", "ingest", "stories", "show", "export", "report", "demo", "settings"])
def test_cli_every_command_has_help(runner: CliRunner, command: str) -> None:
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.stdout
