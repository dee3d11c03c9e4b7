"""Report stage: one self-contained HTML file (no scripts, no network, all text escaped)."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .records import SCHEMA_VERSION, Analysis, CrossLink, Entity, Event, Quote, Storyline


def _number(value: float | None) -> str:
    """A figure's value for reading: 41,500,000 and 3.05 (no exponents)."""
    if value is None:
        return "?"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("rashomon", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = _number
    return environment


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
    view = dataclasses.replace(analysis, storylines=storylines)
    outlets_by_id = {a.id: a.outlet or "unknown outlet" for a in analysis.articles}
    # Who tells it: the outlet, else the site, else the article itself (inputs without metadata).
    teller_of = {a.id: a.outlet or a.domain or f"article {a.id}" for a in analysis.articles}
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
            extract_of=lambda storyline: _storyline_extract(analysis, storyline, teller_of),
            figures_of={x.article_id: x.figures for x in analysis.extractions},
            teller_of=lambda article_id: teller_of.get(article_id, "?"),
        )
    )


@dataclasses.dataclass(frozen=True)
class StorylineExtract:
    """What the report shows of the extract stage for one storyline."""

    appears: list[tuple[Entity, dict[str, int], str]]  # entity, mentions per outlet, an evidence sentence
    outlets: list[str]
    quoted: list[tuple[str, dict[str, list[Quote]]]]  # speaker, outlet -> quotes
    links: list[CrossLink]


def _storyline_extract(analysis: Analysis, storyline: Storyline, outlet_of: dict[str, str]) -> StorylineExtract:
    members = set(storyline.article_ids)
    outlets = sorted({outlet_of.get(a, "?") for a in storyline.article_ids})
    appears = []
    for entity in analysis.entities:
        counts: Counter[str] = Counter(
            outlet_of.get(m.article_id, "?") for m in entity.mentions if m.article_id in members
        )
        if counts:
            sentence = next(m.sentence for m in entity.mentions if m.article_id in members)
            appears.append((entity, dict(counts), sentence))
    appears.sort(key=lambda item: (-sum(item[1].values()), item[0].name))
    from .extract.links import speaker_entities

    speakers = speaker_entities(analysis.extractions, analysis.entities)
    names = {entity.id: entity.name for entity in analysis.entities}
    quoted: dict[str, dict[str, list[Quote]]] = {}
    for extraction in analysis.extractions:
        if extraction.article_id not in members:
            continue
        for quote in extraction.quotes:
            if quote.kind == "scare" or quote.speaker is None:
                continue
            who = names.get(speakers.get((extraction.article_id, quote.start), ""), quote.speaker.name)
            quoted.setdefault(who, {}).setdefault(outlet_of.get(extraction.article_id, "?"), []).append(quote)
    ranked = sorted(quoted.items(), key=lambda item: (-sum(len(q) for q in item[1].values()), item[0]))
    links = [link for link in analysis.crosslinks if link.storyline_id == storyline.id]
    links.sort(key=lambda link: (link.flag is None, link.kind, -link.confidence))
    return StorylineExtract(appears[:20], outlets, ranked, links)


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
