"""The docs match the code: commands, settings, export fields, quick start."""

from __future__ import annotations

from pathlib import Path

import pytest

from rashomon.cli import cli
from rashomon.config import SETTINGS
from rashomon.export import CSV_COLUMNS, article_dict

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXPORT_DOC = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_docs_readme_documents_every_command(command: str) -> None:
    assert f"rashomon {command}" in README


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_docs_readme_documents_every_setting_with_its_default(setting) -> None:
    row = next((line for line in README.splitlines() if line.startswith(f"| `{setting.name}` |")), None)
    assert row is not None, f"README has no row for setting {setting.name}"
    assert f"| {setting.default} |" in row


def test_docs_export_contract_lists_every_article_field() -> None:
    from rashomon.records import Article

    fields = article_dict(Article(id="x", source="s", raw_text="t", text="t"))
    for name in fields:
        assert f"`{name}`" in EXPORT_DOC, f"docs/export.md does not describe articles[].{name}"
    for column in CSV_COLUMNS:
        assert column in EXPORT_DOC


def test_docs_quick_start_is_two_make_commands_that_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make demo" in README and "make test" in README
    assert "\ndemo:" in makefile and "\ntest:" in makefile
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_docs_changelog_has_unreleased_section() -> None:
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_docs_web_lists_every_api_route_of_the_openapi_schema(tmp_path: Path) -> None:
    from rashomon import Workspace
    from rashomon.web import create_app

    Workspace(tmp_path / "ws").close()
    schema = create_app(tmp_path / "ws", token="t").openapi()
    doc = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    routes = [(m.upper(), p) for p, methods in schema["paths"].items() for m in methods if p.startswith("/api/")]
    assert len(routes) >= 15
    for method, path in routes:
        assert f"{method} {path}" in doc, f"docs/web.md does not list {method} {path}"
    pages = {p.split("{")[0].rstrip("/") for p in schema["paths"] if not p.startswith("/api/")}
    for page in pages - {"", "/index.json", "/index.csv"}:
        assert f"`{page.removesuffix('.json').removesuffix('.csv').removesuffix('.atom')}" in doc, page
