"""The docs match the code: commands, settings, export fields, quick start."""

from __future__ import annotations

import re
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


def test_docs_web_lists_every_page_of_the_openapi_schema(tmp_path: Path) -> None:
    from rashomon import Workspace
    from rashomon.web import create_app

    Workspace(tmp_path / "ws").close()
    schema = create_app(tmp_path / "ws", token="t").openapi()
    doc = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    assert "docs/api.md" in doc or "(api.md)" in doc
    pages = {p.split("{")[0].rstrip("/") for p in schema["paths"] if not p.startswith("/api/")}
    for page in pages - {"", "/index.json", "/index.csv"}:
        assert f"`{page.removesuffix('.json').removesuffix('.csv').removesuffix('.atom')}" in doc, page


def _api_sections() -> dict[tuple[str, str], str]:
    """docs/api.md's route sections: ``### `GET /api/x`, `POST /api/x` `` -> the section's text."""
    doc = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    sections: dict[tuple[str, str], str] = {}
    for chunk in doc.split("\n### ")[1:]:
        heading, _, body = chunk.partition("\n")
        for route in re.findall(r"`([A-Z]+) (/api/[^`]+)`", heading):
            sections[route] = body.split("\n## ")[0]
    return sections


def test_docs_api_matches_the_openapi_schema_route_by_route(tmp_path: Path) -> None:
    from rashomon import Workspace
    from rashomon.web import create_app

    Workspace(tmp_path / "ws").close()
    schema = create_app(tmp_path / "ws", token="t").openapi()
    routes = {
        (m.upper(), p): op
        for p, methods in schema["paths"].items()
        for m, op in methods.items()
        if p.startswith("/api/")
    }
    sections = _api_sections()
    assert len(routes) >= 15
    assert set(sections) == set(routes), (set(routes) - set(sections), set(sections) - set(routes))
    for route, op in routes.items():
        for parameter in op.get("parameters", []):
            if parameter["in"] == "query":
                assert f"`{parameter['name']}`" in sections[route], (
                    f"docs/api.md: {route} does not name `{parameter['name']}`"
                )


def test_docs_api_names_every_field_the_read_routes_return(sample_workspace: Path) -> None:
    import asyncio

    import httpx

    from rashomon.web import create_app

    app = create_app(sample_workspace)
    sections = _api_sections()

    async def fields() -> dict[tuple[str, str], set[str]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            events = (await client.get("/api/events")).json()
            event_id = events["rows"][0]["event_id"]
            event = (await client.get(f"/api/events/{event_id}")).json()
            article_id = event["event"]["article_ids"][0]
            article = (await client.get(f"/api/articles/{article_id}")).json()
            outlet = event["outlet_columns"][0]["source"]
            paths = {
                "/api/events": "/api/events",
                "/api/events/{event_id}": f"/api/events/{event_id}",
                "/api/articles/{article_id}": f"/api/articles/{article_id}",
                "/api/outlets": "/api/outlets",
                "/api/outlets/{outlet}": f"/api/outlets/{outlet}",
                "/api/search": "/api/search?q=Blinken",
                "/api/about": "/api/about?text=Blinken%20Kasachstan",
                "/api/timeline": "/api/timeline",
                "/api/alerts": "/api/alerts",
            }
            if article["entities"]:
                paths["/api/entities/{entity_id}"] = f"/api/entities/{article['entities'][0]['id']}"
            out = {}
            for route, url in paths.items():
                response = await client.get(url)
                assert response.status_code == 200, url
                out[("GET", route)] = set(response.json())
            return out

    from concurrent.futures import ThreadPoolExecutor

    # On a thread of its own: Playwright's sync API (other tests) keeps an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        returned = pool.submit(lambda: asyncio.run(fields())).result()
    for route, keys in returned.items():
        for key in keys:
            assert f"`{key}`" in sections[route], f"docs/api.md: {route} returns `{key}`, not documented"
