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
    environment.tests["length_at_least"] = lambda value, n: len(value) >= n
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
    teller_of = {a.id: a.teller for a in analysis.articles}
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
            extract_of=_ExtractView(analysis, teller_of),
            figures_of={x.article_id: x.figures for x in analysis.extractions},
            teller_of=lambda article_id: teller_of.get(article_id, "?"),
            comparison_of={c.event_id: c for c in analysis.comparisons},
            framing_of={f.article_id: f for f in analysis.framings},
            source_names={s.id: s.name for c in analysis.comparisons for s in c.sources},
        )
    )


@dataclasses.dataclass(frozen=True)
class StorylineExtract:
    """What the report shows of the extract stage for one storyline."""

    appears: list[tuple[Entity, dict[str, int], str]]  # entity, mentions per outlet, an evidence sentence
    outlets: list[str]
    quoted: list[tuple[str, dict[str, list[Quote]]]]  # speaker, outlet -> quotes
    links: list[CrossLink]


class _ExtractView:
    """The report's view of the extract stage, indexed once per report (not once per storyline)."""

    def __init__(self, analysis: Analysis, outlet_of: dict[str, str]) -> None:
        from .extract.links import speaker_entities

        self.outlet_of = outlet_of
        self.mentions_in: dict[str, list[tuple[Entity, str]]] = {}  # article -> (entity, sentence)
        for entity in analysis.entities:
            for mention in entity.mentions:
                self.mentions_in.setdefault(mention.article_id, []).append((entity, mention.sentence))
        speakers = speaker_entities(analysis.extractions, analysis.entities)
        names = {entity.id: entity.name for entity in analysis.entities}
        self.quotes_in: dict[str, list[tuple[str, Quote]]] = {}  # article -> (speaker, quote)
        for extraction in analysis.extractions:
            for quote in extraction.quotes:
                if quote.kind != "scare" and quote.speaker is not None:
                    who = names.get(speakers.get((extraction.article_id, quote.start), ""), quote.speaker.name)
                    self.quotes_in.setdefault(extraction.article_id, []).append((who, quote))
        self.links_in: dict[str, list[CrossLink]] = {}
        for link in analysis.crosslinks:
            self.links_in.setdefault(link.storyline_id, []).append(link)

    def __call__(self, storyline: Storyline) -> StorylineExtract:
        outlet_of = self.outlet_of
        counts: dict[str, Counter[str]] = {}
        entity_of: dict[str, Entity] = {}
        evidence: dict[str, str] = {}
        quoted: dict[str, dict[str, list[Quote]]] = {}
        for article_id in storyline.article_ids:
            teller = outlet_of.get(article_id, "?")
            for entity, sentence in self.mentions_in.get(article_id, ()):
                counts.setdefault(entity.id, Counter())[teller] += 1
                entity_of[entity.id] = entity
                evidence.setdefault(entity.id, sentence)
            for who, quote in self.quotes_in.get(article_id, ()):
                quoted.setdefault(who, {}).setdefault(teller, []).append(quote)
        appears = [(entity_of[e], dict(c), evidence[e]) for e, c in counts.items()]
        appears.sort(key=lambda item: (-sum(item[1].values()), item[0].name))
        ranked = sorted(quoted.items(), key=lambda item: (-sum(len(q) for q in item[1].values()), item[0]))
        links = sorted(
            self.links_in.get(storyline.id, []), key=lambda link: (link.flag is None, link.kind, -link.confidence)
        )
        outlets = sorted({outlet_of.get(a, "?") for a in storyline.article_ids})
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
