"""Report stage: one self-contained HTML file (no scripts, no network, all text escaped)."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .records import SCHEMA_VERSION, Analysis, Event, Storyline


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("rashomon", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(analysis: Analysis, only: str | None = None) -> str:
    """Render the report; ``only`` limits it to one storyline or event id.

    Every string from an article (title, text, outlet, source, removed lines)
    passes through Jinja2's autoescaping: scraped text is treated as hostile.
    """
    from . import __version__

    storylines = analysis.storylines
    if only:
        storylines = tuple(s for s in storylines if s.id == only or only in s.event_ids)
        if only.startswith("ev-"):
            storylines = tuple(
                dataclasses.replace(
                    s, event_ids=(only,), article_ids=next(e.article_ids for e in analysis.events if e.id == only)
                )
                for s in storylines
            )
    languages = Counter(a.language or "?" for a in analysis.articles).most_common()
    outlets = Counter(a.outlet or "unknown" for a in analysis.articles).most_common()
    view = Analysis(
        analysis.articles, analysis.events, storylines, analysis.rejected, analysis.settings, analysis.versions
    )
    outlets_by_id = {a.id: a.outlet or "unknown outlet" for a in analysis.articles}
    events_by_id = {e.id: e for e in analysis.events}
    root = _common_folder([a.source for a in analysis.articles] + [r.source for r in analysis.rejected])
    return (
        _environment()
        .get_template("report.html")
        .render(
            analysis=view,
            articles={a.id: a for a in analysis.articles},
            events={e.id: e for e in analysis.events},
            languages=languages,
            outlets=outlets,
            settings=analysis.settings,
            version=__version__,
            outlet_of=lambda article_id: outlets_by_id.get(article_id, "?"),
            versions=analysis.versions,
            span_of=lambda storyline: _span(storyline, events_by_id),
            shown_source=lambda source: _relative(source, root),
            source_root=Path(root).name if root else None,
            schema_version=SCHEMA_VERSION,
        )
    )


def _common_folder(sources: list[str]) -> str | None:
    """The folder all file sources share, so the report need not show full local paths."""
    paths = [source.split("#")[0] for source in sources if source and "://" not in source]
    if not paths:
        return None
    try:
        common = os.path.commonpath([os.path.dirname(os.path.abspath(path)) for path in paths])
    except ValueError:  # paths on different drives
        return None
    return common or None


def _relative(source: str, root: str | None) -> str:
    if not root or "://" in source:
        return source
    try:
        return os.path.relpath(os.path.abspath(source.split("#")[0]), root) + (
            "#" + source.split("#", 1)[1] if "#" in source else ""
        )
    except ValueError:
        return source


def _span(storyline: Storyline, events: dict[str, Event]) -> tuple[str, str] | None:
    """First and last published date over a storyline's events, or None if none is known."""
    firsts = [str(events[e].first_seen) for e in storyline.event_ids if e in events and events[e].first_seen]
    lasts = [str(events[e].last_seen) for e in storyline.event_ids if e in events and events[e].last_seen]
    return (min(firsts)[:10], max(lasts)[:10]) if firsts and lasts else None
