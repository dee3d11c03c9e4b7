"""Report stage: one self-contained HTML file (no scripts, no network, all text escaped)."""

from __future__ import annotations

from collections import Counter

from jinja2 import Environment, PackageLoader, select_autoescape

from .records import SCHEMA_VERSION, Analysis


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
                type(s)(s.id, s.label, (only,), next(e.article_ids for e in analysis.events if e.id == only), s.links)
                for s in storylines
            )
    languages = Counter(a.language or "?" for a in analysis.articles).most_common()
    outlets = Counter(a.outlet or "unknown" for a in analysis.articles).most_common()
    view = Analysis(analysis.articles, analysis.events, storylines, analysis.rejected, analysis.settings)
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
            schema_version=SCHEMA_VERSION,
        )
    )
