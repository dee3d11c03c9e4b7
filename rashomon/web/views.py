"""What each page shows, as plain JSON-ready data: the HTML page renders it, its JSON twin is it.

Every function here only reads the workspace, through :class:`rashomon.store.Workspace`'s read
methods, and reuses the export's record codec (:func:`rashomon.export.record_dict`,
:func:`rashomon.export.comparison_dict`), so a page, its ``.json`` twin, ``/api/…`` and
``rashomon export`` describe a record the same way. Nothing is computed that the pipeline did not
store: the pages arrange stored results side by side.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..errors import NotFound
from ..export import comparison_dict, csv_cell, event_dict, record_dict, storyline_dict
from ..extract.links import speaker_entities
from ..outlets import blindspots, group_coverage
from ..records import Analysis, Article, ArticleFacts, Comparison, DateHint, Entity, Evidence, OutletProfile
from ..store import Workspace

FACETS = ("language", "outlet", "group", "blindspot", "date", "frame")
"""The list's facets, in the order the page shows them (query parameters of the same names).
``group`` is an outlet group (a profile tag); ``blindspot`` the groups an event is a blindspot for
(:mod:`rashomon.outlets`)."""

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
LIST_COLUMNS = (
    "storyline_id",
    "storyline_label",
    "event_id",
    "event_label",
    "headline",
    "first_seen",
    "last_seen",
    "articles",
    "languages",
    "outlets",
    "groups",
    "blindspots",
)
"""The columns of the events list (its CSV, in this order)."""


@dataclass(frozen=True)
class ListQuery:
    """The events list's filters and page: facet values chosen, the key to start after, the size."""

    filters: Mapping[str, str]
    after: str | None = None
    size: int = PAGE_SIZE


def _facet_values(
    facts: ArticleFacts,
    frames: Mapping[str, Sequence[str]],
    groups: Mapping[str, Sequence[str]],
    blind: Sequence[str],
) -> dict[str, list[str]]:
    """The values an article gives each facet (frame and group facets can hold several; the
    blindspot facet is its event's)."""
    return {
        "language": [facts.language or "?"],
        "outlet": [facts.teller],
        "group": list(groups.get(facts.teller, ())),
        "blindspot": list(blind),
        "date": [facts.published[:10] if facts.published else "undated"],
        "frame": list(frames.get(facts.id, ())),
    }


def events_list(ws: Workspace, query: ListQuery, paged: bool = True) -> dict[str, Any]:
    """The storylines' events as table rows, narrowed by facets, with each facet's counts.

    An event is listed when at least one of its articles has every chosen facet value. A facet
    value's count is the number of listed events with an article that has it (and the other
    chosen values). Rows keep the workspace's order (storylines in order, their events in order);
    ``after`` is the event id the previous page ended with (keyset pagination: a page is found by
    its key, not an offset, so rows added since do not shift it).
    """
    storylines = ws.storylines(terms=False)
    events = {event.id: event for event in ws.events(terms=False)}
    facts = {f.id: f for f in ws.article_facts()}
    frames = ws.frame_names()
    groups = ws.outlet_groups()
    present = {f.teller for f in facts.values()}
    filters = {name: value for name, value in query.filters.items() if name in FACETS and value}
    ordered = [(storyline, events[event_id]) for storyline in storylines for event_id in storyline.event_ids]
    rows: list[dict[str, Any]] = []
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for storyline, event in ordered:
        members = [facts[i] for i in event.article_ids if i in facts]
        tellers = [f.teller for f in members]
        blind = [b.group for b in blindspots(tellers, groups, present)] if groups else []
        values = [_facet_values(f, frames, groups, blind) for f in members]
        passing = [v for v in values if all(chosen in v[name] for name, chosen in filters.items())]
        if not passing:
            continue
        for name in FACETS:
            counts[name].update({value for v in passing for value in v[name]})
        rows.append(
            {
                "storyline_id": storyline.id,
                "storyline_label": storyline.label,
                "event_id": event.id,
                "event_label": event.label,
                "headline": event.headline,
                "first_seen": event.first_seen,
                "last_seen": event.last_seen,
                "articles": len(members),
                "languages": dict(sorted(Counter(f.language or "?" for f in members).items())),
                "outlets": sorted(set(tellers)),
                "groups": {c.group: c.articles for c in group_coverage(tellers, groups).values()},
                "blindspots": blind,
            }
        )
    total = len(rows)
    next_after = None
    if paged:
        start = 0
        if query.after is not None:
            keys = [row["event_id"] for row in rows]
            if query.after not in keys:
                raise NotFound(f"No event {query.after!r} in this list to continue after; start from the first page.")
            start = keys.index(query.after) + 1
        page = rows[start : start + query.size]
        if start + query.size < total and page:
            next_after = page[-1]["event_id"]
        rows = page
    facets = {
        name: [{"value": value, "count": count, "selected": filters.get(name) == value} for value, count in ranked]
        for name in FACETS
        if (ranked := sorted(counts[name].items(), key=lambda item: (-item[1], item[0])))
    }
    return {
        "filters": filters,
        "total": total,
        "size": query.size,
        "after": query.after,
        "next_after": next_after,
        "rows": rows,
        "facets": facets,
    }


def events_csv(listing: Mapping[str, Any]) -> str:
    """The events list as CSV: :data:`LIST_COLUMNS`, text cells escaped against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LIST_COLUMNS)
    for row in listing["rows"]:
        cells = dict(row)
        cells["languages"] = " ".join(f"{k}:{v}" for k, v in row["languages"].items())
        cells["outlets"] = "; ".join(row["outlets"])
        cells["groups"] = "; ".join(f"{k}: {v}" for k, v in row["groups"].items())
        cells["blindspots"] = "; ".join(row["blindspots"])
        writer.writerow([csv_cell("" if cells[c] is None else str(cells[c])) for c in LIST_COLUMNS])
    return buffer.getvalue()


# -- the event page -------------------------------------------------------------------------


def _overlaps(evidence: Evidence, others: Iterable[Evidence]) -> bool:
    return any(
        o.article_id == evidence.article_id and o.start < evidence.end and evidence.start < o.end for o in others
    )


def evidence_anchor(article_id: str, start: int, end: int) -> str:
    """The link to a span of an article's text on its page (``#c-START-END`` marks the sentence)."""
    return f"/articles/{quote(article_id, safe='')}#c-{start}-{end}"


def _cite(evidence: Evidence, differs: Iterable[Evidence] = ()) -> dict[str, Any]:
    return {
        "article_id": evidence.article_id,
        "language": evidence.language,
        "start": evidence.start,
        "end": evidence.end,
        "text": evidence.text,
        "href": evidence_anchor(evidence.article_id, evidence.start, evidence.end),
        "figures_differ": _overlaps(evidence, differs),
    }


def _claim_rows(comparison: Comparison, differs: Sequence[Evidence]) -> list[dict[str, Any]]:
    """The coverage matrix as rows: each claim with one cell per source (its sentences, or a gap)."""
    consensus = set(comparison.consensus)
    left_out = {source: set(ids) for source, ids in comparison.omissions}
    claims = {claim.id: claim for claim in comparison.claims}
    rows = []
    for claim_id, carried in comparison.coverage():
        claim = claims[claim_id]
        carriers = sum(carried)
        kind = "consensus" if claim_id in consensus else "single" if carriers == 1 else "shared"
        cells: list[dict[str, Any]] = []
        for source, has in zip(comparison.sources, carried, strict=True):
            mine = [e for e in claim.sentences if e.source == source.id]
            cells.append(
                {
                    "source": source.id,
                    "carried": has,
                    "omits": claim_id in left_out.get(source.id, ()),
                    "sentences": [_cite(e, differs) for e in mine],
                }
            )
        rows.append(
            {
                "claim_id": claim_id,
                "kind": kind,
                "confidence": claim.confidence,
                "figures_differ": any(c["figures_differ"] for cell in cells for c in cell["sentences"]),
                "cells": cells,
            }
        )
    return rows


def _columns(
    comparison: Comparison | None, members: Sequence[Article], framings: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One column per outlet: its name, its articles' headlines, and what its framing says."""
    by_id = {a.id: a for a in members}
    if comparison is not None:
        groups = [(s.id, s.name, [by_id[i] for i in s.article_ids if i in by_id]) for s in comparison.sources]
    else:
        tellers: dict[str, list[Article]] = {}
        for article in members:
            tellers.setdefault(article.teller, []).append(article)
        groups = [(name, name, articles) for name, articles in tellers.items()]
    columns = []
    for source_id, name, articles in groups:
        columns.append(
            {
                "source": source_id,
                "name": name,
                "articles": [
                    {
                        "id": a.id,
                        "title": a.title,
                        "language": a.language,
                        "published": a.published,
                        "url": a.url,
                        "frames": framings.get(a.id),
                    }
                    for a in articles
                ],
                "figures_differ": [],
            }
        )
    return columns


def _by_group(
    columns: Sequence[dict[str, Any]], rows: Sequence[dict[str, Any]], groups: Mapping[str, Sequence[str]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Outlet columns and claim cells merged into one column per group (an outlet in several
    groups is in each; outlets in none share the column :data:`rashomon.timeline.NO_GROUP`)."""
    from ..timeline import NO_GROUP

    members: dict[str, list[int]] = {}
    for number, column in enumerate(columns):
        for group in list(dict.fromkeys(groups.get(column["source"], ()))) or [NO_GROUP]:
            members.setdefault(group, []).append(number)
    order = sorted(members, key=lambda g: (g == NO_GROUP, -sum(len(columns[n]["articles"]) for n in members[g]), g))
    merged = [
        {
            "source": group,
            "name": group,
            "outlets": [columns[n]["name"] for n in members[group]],
            "articles": [a for n in members[group] for a in columns[n]["articles"]],
            "figures_differ": [f for n in members[group] for f in columns[n]["figures_differ"]],
        }
        for group in order
    ]
    regrouped = []
    for row in rows:
        cells = []
        for group in order:
            mine = [row["cells"][n] for n in members[group]]
            carried = any(c["carried"] for c in mine)
            cells.append(
                {
                    "source": group,
                    "carried": carried,
                    "omits": not carried and any(c["omits"] for c in mine),
                    "sentences": [sentence for c in mine for sentence in c["sentences"]],
                }
            )
        regrouped.append({**row, "cells": cells})
    return merged, regrouped


def event_page(ws: Workspace, event_id: str, by: str = "outlet") -> dict[str, Any]:
    """One event with its outlets side by side: the stored comparison arranged in columns and rows
    — one column per outlet, or with ``by="group"`` one per outlet group (an outlet's columns and
    cells merged into each of its groups'; outlets without a group in one more column). With its
    coverage per group and the groups it is a blindspot for, with their outlets as evidence.

    Raises:
        NotFound: no event ``event_id`` in the workspace.
        QueryError: ``by`` is neither ``outlet`` nor ``group``.
    """
    if by not in ("outlet", "group"):
        from ..errors import QueryError

        raise QueryError(f"An event is shown by outlet or by group, not {by!r}.")
    if not ws.events_by_id([event_id], terms=False):
        raise NotFound(f"No event {event_id!r} in this workspace; the list at / shows the events.")
    analysis = ws.analysis(only=[event_id], whole_storylines=False)
    event = next(e for e in analysis.events if e.id == event_id)
    members = [a for a in analysis.articles if a.id in set(event.article_ids)]
    storylines = [s for s in analysis.storylines if event_id in s.event_ids]
    comparison = next((c for c in analysis.comparisons if c.event_id == event_id), None)
    framings = {f.article_id: record_dict(f) for f in analysis.framings}
    columns = _columns(comparison, members, framings)
    figure_findings = [d for d in comparison.disagreements if d.kind == "figures"] if comparison else []
    differs = [item for d in figure_findings for item in d.items]
    column_of = {column["source"]: column for column in columns}
    for finding in figure_findings:
        for value, item in zip(finding.values, finding.items, strict=True):
            if item.source in column_of:
                column_of[item.source]["figures_differ"].append(
                    {"finding": finding.id, "summary": finding.summary, "value": value, **_cite(item)}
                )
    groups = ws.outlet_groups()
    tellers = [a.teller for a in members]
    coverage = group_coverage(tellers, groups)
    blind = blindspots(tellers, groups, ws.tellers()) if groups else []
    rows = _claim_rows(comparison, differs) if comparison else []
    outlet_columns = [{"source": c["source"], "name": c["name"]} for c in columns]
    if by == "group":
        columns, rows = _by_group(columns, rows, groups)
    return {
        "event": event_dict(event),
        "by": by,
        "outlet_columns": outlet_columns,
        "groups": [dataclasses.asdict(c) for c in coverage.values()],
        "blindspots": [dataclasses.asdict(b) for b in blind],
        "storylines": [{"id": s.id, "label": s.label} for s in storylines],
        "languages": dict(sorted(Counter(a.language or "?" for a in members).items())),
        "articles": [
            {"id": a.id, "title": a.title, "language": a.language, "outlet": a.teller, "published": a.published}
            for a in members
        ],
        "columns": columns,
        "rows": rows,
        "disagreements": [
            {
                "id": d.id,
                "kind": d.kind,
                "summary": d.summary,
                "confidence": d.confidence,
                "sides": [
                    {"value": value, "source": item.source, **_cite(item)}
                    for value, item in zip(d.values, d.items, strict=True)
                ],
            }
            for d in (comparison.disagreements if comparison else ())
        ],
        "comparison": comparison_dict(comparison) if comparison else None,
        "timeline": _event_timeline(ws, event.article_ids),
    }


def _event_timeline(ws: Workspace, article_ids: Sequence[str]) -> dict[str, Any]:
    """The event's articles per day and outlet (per week when they span too many days to draw)."""
    from ..errors import QueryError

    try:
        return timeline_page(ws, by="outlet", interval="day", only=article_ids)
    except QueryError:
        return timeline_page(ws, by="outlet", interval="week", only=article_ids)


# -- the article page -----------------------------------------------------------------------


def _segments(text: str, spans: Sequence[tuple[int, int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """``text`` cut at every span boundary: each piece with the spans that cover it.

    Marks overlap (a figure inside a quote inside a cited sentence); cutting at every boundary
    gives flat pieces a template can render without nesting markup it would have to trust.
    """
    cuts = {0, len(text)}
    for start, end, _ in spans:
        if 0 <= start < end <= len(text):
            cuts.update((start, end))
    bounds = sorted(cuts)
    pieces = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        covering = [mark for s, e, mark in spans if s <= start and end <= e and s < e]
        starting = [mark for s, e, mark in spans if s == start and s < e]
        ending = [mark for s, e, mark in spans if e == end and s < e]
        pieces.append(
            {
                "text": text[start:end],
                "start": start,
                "classes": sorted({mark["kind"] for mark in covering}),
                "entity": next((m["entity_id"] for m in covering if m.get("entity_id")), None),
                "anchors": [m["anchor"] for m in starting if m.get("anchor")],
                "speakers": [m["speaker"] for m in ending if m.get("speaker")],
                "titles": [m["title"] for m in covering if m.get("title")],
            }
        )
    return pieces


def date_hint_spans(text: str, hints: Sequence[DateHint]) -> list[tuple[int, int, DateHint]]:
    """Where each date hint stands in ``text``: its words inside its sentence (a hint keeps its
    sentence, not offsets; the first place the sentence and then the words occur). Hints whose
    sentence is not in the text are left out."""
    out = []
    for hint in hints:
        sentence = text.find(hint.sentence) if hint.sentence else -1
        if sentence < 0:
            continue
        at = text.find(hint.text, sentence, sentence + len(hint.sentence))
        if at >= 0 and hint.text:
            out.append((at, at + len(hint.text), hint))
    return out


CONTEXT_WORDS = 8
"""Unchanged words shown on each side of a change in a version diff."""


def version_diffs(title: str, text: str, versions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What each later version changed against the one before (the stored article is the first),
    word by word: pieces ``{"op": "equal" | "insert" | "delete", "text"}``, long unchanged runs
    cut to :data:`CONTEXT_WORDS` words around each change (``"skip"`` pieces say how many)."""
    import difflib

    out = []
    before_title, before = title, text
    for version in versions:
        after = str(version.get("text") or "")
        old, new = re.findall(r"\S+\s*", before), re.findall(r"\S+\s*", after)
        pieces: list[dict[str, Any]] = []
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                words = old[i1:i2]
                if len(words) > 2 * CONTEXT_WORDS:
                    head = words[:CONTEXT_WORDS] if pieces else []
                    tail = words[-CONTEXT_WORDS:] if i2 < len(old) else []
                    if head:
                        pieces.append({"op": "equal", "text": "".join(head)})
                    pieces.append({"op": "skip", "text": f"{len(words) - len(head) - len(tail)} words unchanged"})
                    if tail:
                        pieces.append({"op": "equal", "text": "".join(tail)})
                else:
                    pieces.append({"op": "equal", "text": "".join(words)})
                continue
            if op in ("delete", "replace"):
                pieces.append({"op": "delete", "text": "".join(old[i1:i2])})
            if op in ("insert", "replace"):
                pieces.append({"op": "insert", "text": "".join(new[j1:j2])})
        changed = sum(1 for p in pieces if p["op"] in ("insert", "delete"))
        out.append(
            {
                "found_at": version.get("found_at"),
                "source": version.get("source"),
                "title_before": before_title,
                "title": version.get("title"),
                "changes": changed,
                "pieces": pieces,
            }
        )
        before_title, before = str(version.get("title") or ""), after
    return out


def _cited_spans(comparisons: Iterable[Comparison], article_id: str) -> set[tuple[int, int]]:
    """Every span of this article a comparison cites (the event page links to each)."""
    spans: set[tuple[int, int]] = set()
    for comparison in comparisons:
        evidence: list[Evidence] = [e for claim in comparison.claims for e in claim.sentences]
        evidence += [e for d in comparison.disagreements for e in d.items]
        evidence += [e for voice in comparison.voices for e in voice.evidence]
        evidence += [e for line in comparison.brief for e in line.evidence]
        spans |= {(e.start, e.end) for e in evidence if e.article_id == article_id}
        spans |= {
            (use.start, use.end)
            for choice in comparison.naming
            for outlet in choice.outlets
            for term in outlet.terms
            for use in term.evidence
            if use.article_id == article_id
        }
    return spans


def article_page(ws: Workspace, article_id: str) -> dict[str, Any]:
    """One article: its text with entities, quotes (and speakers), figures and cited sentences
    marked, its removed debris lines with their reasons, and its later versions.

    Raises:
        NotFound: no article ``article_id`` in the workspace.
    """
    article = ws.article(article_id)
    # Its events too: their comparisons cite its sentences, and the anchors must be there.
    events_of = ws.events_of_articles([article_id])
    analysis: Analysis = ws.analysis(only=[article_id, *sorted(events_of)], whole_storylines=False)
    extraction = next((x for x in analysis.extractions if x.article_id == article_id), None)
    entity_of = {(m.start, m.end): e for e in analysis.entities for m in e.mentions if m.article_id == article_id}
    spans: list[tuple[int, int, dict[str, Any]]] = []
    for start, end in sorted(_cited_spans(analysis.comparisons, article_id)):
        spans.append((start, end, {"kind": "cited", "anchor": f"c-{start}-{end}"}))
    if extraction is not None:
        for mention in extraction.mentions:
            entity = entity_of.get((mention.start, mention.end))
            spans.append(
                (
                    mention.start,
                    mention.end,
                    {
                        "kind": "entity",
                        "entity_id": entity.id if entity else None,
                        "anchor": f"m-{mention.start}-{mention.end}",
                        "title": f"{mention.label}: {entity.name if entity else mention.surface}",
                    },
                )
            )
        for quote in extraction.quotes:
            who = quote.speaker.name if quote.speaker else "no one named"
            spans.append(
                (
                    quote.start,
                    quote.end,
                    {
                        "kind": "quote",
                        "speaker": who,
                        "anchor": f"q-{quote.start}-{quote.end}",
                        "title": f"{quote.kind} quote, speaker: {who}",
                    },
                )
            )
        for figure in extraction.figures:
            value = figure.value if figure.value is not None else f"{figure.low}–{figure.high}"
            spans.append(
                (figure.start, figure.end, {"kind": "figure", "title": f"figure: {value} {figure.unit or ''}".strip()})
            )
    for start, end, hint in date_hint_spans(article.text, article.date_hints):
        when = hint.resolved or "not resolved"
        spans.append((start, end, {"kind": "date", "title": f"date hint ({hint.kind}): {when}"}))
    events = [e for e in analysis.events if article_id in e.article_ids]
    versions = ws.versions(article_id)
    return {
        "version_diffs": version_diffs(article.title or "", article.text, versions),
        "article": record_dict(article, versions=versions),
        "teller": article.teller,
        "segments": _segments(article.text, spans),
        "events": [{"id": e.id, "label": e.label} for e in events],
        "entities": sorted(
            ({"id": e.id, "name": e.name, "label": e.label} for e in set(entity_of.values())),
            key=lambda item: item["name"],
        ),
        "quotes": [record_dict(q) for q in extraction.quotes] if extraction else [],
        "figures": [record_dict(f) for f in extraction.figures] if extraction else [],
    }


# -- the entity page ------------------------------------------------------------------------


def entity_page(ws: Workspace, entity_id: str) -> dict[str, Any]:
    """One canonical entity: its mentions grouped by outlet and the names each outlet uses.

    Raises:
        NotFound: no entity ``entity_id`` in the workspace.
    """
    entity = ws.entity(entity_id)
    tellers = {f.id: f for f in ws.article_facts(entity.article_ids)}
    outlets: dict[str, dict[str, Any]] = {}
    for mention in entity.mentions:
        facts = tellers.get(mention.article_id)
        outlet = facts.teller if facts else f"article {mention.article_id}"
        entry = outlets.setdefault(outlet, {"outlet": outlet, "names": Counter(), "mentions": []})
        entry["names"][mention.surface] += 1
        entry["mentions"].append(
            {
                "article_id": mention.article_id,
                "language": facts.language if facts else None,
                "published": facts.published if facts else None,
                "surface": mention.surface,
                "sentence": mention.sentence,
                "via": mention.via,
                "href": f"/articles/{quote(mention.article_id, safe='')}#m-{mention.start}-{mention.end}",
            }
        )
    return {
        "entity": {key: value for key, value in record_dict(entity).items() if key != "mentions"},
        "outlets": [
            {**entry, "names": [{"name": n, "count": c} for n, c in entry["names"].most_common()]}
            for entry in sorted(outlets.values(), key=lambda item: item["outlet"])
        ],
        "quoted": _quoted(ws, entity, tellers),
        "events": _entity_events(ws, entity.article_ids),
    }


def _quoted(ws: Workspace, entity: Entity, tellers: Mapping[str, ArticleFacts]) -> list[dict[str, Any]]:
    """Who quotes the entity: per outlet, the quotes whose speaker's name is one of its mentions
    (the rule cross-outlet links use to name a speaker), each with its sentence."""
    extractions = ws.extractions(entity.article_ids, mentions=False)
    speaks = speaker_entities(extractions, [entity])
    per_outlet: dict[str, list[dict[str, Any]]] = {}
    for extraction in extractions:
        facts = tellers.get(extraction.article_id)
        for item in extraction.quotes:
            if (extraction.article_id, item.start) not in speaks or item.speaker is None:
                continue
            outlet = facts.teller if facts else f"article {extraction.article_id}"
            per_outlet.setdefault(outlet, []).append(
                {
                    "article_id": extraction.article_id,
                    "language": facts.language if facts else None,
                    "published": facts.published if facts else None,
                    "kind": item.kind,
                    "text": item.text,
                    "speaker": item.speaker.name,
                    "sentence": item.sentence,
                    "confidence": item.confidence,
                    "href": f"/articles/{quote(extraction.article_id, safe='')}#q-{item.start}-{item.end}",
                }
            )
    return [{"outlet": outlet, "quotes": per_outlet[outlet]} for outlet in sorted(per_outlet)]


def _entity_events(ws: Workspace, article_ids: Collection[str]) -> list[dict[str, Any]]:
    """The events holding articles that mention the entity, latest first, with how many of their
    articles do."""
    event_of = ws.event_of_articles(article_ids)
    per_event = Counter(event_of.values())
    events = {event.id: event for event in ws.events_by_id(set(per_event), terms=False)}
    return [
        {
            "id": event_id,
            "label": events[event_id].label if event_id in events else event_id,
            "first_seen": events[event_id].first_seen if event_id in events else None,
            "articles": count,
            "of": len(events[event_id].article_ids) if event_id in events else count,
        }
        for event_id, count in sorted(per_event.items(), key=lambda i: (_first_seen(events, i[0]), i[0]), reverse=True)
    ]


def storylines_list(ws: Workspace) -> list[dict[str, Any]]:
    """Every storyline record, in order."""
    return [storyline_dict(s) for s in ws.storylines()]


# -- search and "which event is this text about" --------------------------------------------

SEARCH_SIZE = 20
MAX_SEARCH_SIZE = 100
MAX_SEARCH_OFFSET = 1000
SEARCH_MODES = ("both", "text", "semantic")
SYNTAX = (
    ("Blinken Astana", "both words (AND is implied)"),
    ('"Antony Blinken"', "the words next to each other, in this order"),
    ("Kasach*", "a word starting with Kasach"),
    ("Blinken OR Tokayev", "either (OR binds looser than AND)"),
    ("Blinken NOT Biden, Blinken -Biden", "Blinken, and no Biden"),
    ("Blinken (Astana OR Taschkent)", "grouping"),
    ("title:Streik", "in titles only"),
    ('outlet:"Die Brücke"', "from this outlet or site"),
    ("lang:de", "in this language (any ISO 639 code)"),
    ("entity:Blinken", "mentioning this entity by any of its names (or its en- id)"),
    ("from:2025-03-01 to:2025-03", "published on or after / on or before"),
)
"""The query syntax as the search page shows it (docs/search.md has it in full)."""


def _pieces(text: str, matches: Sequence[tuple[int, int]]) -> list[dict[str, Any]]:
    """``text`` cut at its matches: the pieces a template escapes, and marks where ``match`` is set."""
    from ..search import Snippet

    return [{"text": piece, "match": match} for piece, match in Snippet(text, tuple(matches)).segments()]


def search_page(
    ws: Workspace,
    query: str,
    mode: str = "both",
    size: int = SEARCH_SIZE,
    offset: int = 0,
    embedder: Any = None,
) -> dict[str, Any]:
    """Search results as page data: each hit with its title and snippet cut into marked pieces.

    An empty query gives an empty page (the form alone).

    Raises:
        QueryError: the query cannot be read, or ``mode`` is unknown.
    """
    from ..search import as_dict, search

    data = _search_base(query, mode, size, offset)
    if not query.strip():
        return data
    # One more than the page: whether a next page exists, without counting every semantic hit.
    results = search(ws, query, limit=size + 1, mode=mode, offset=offset, embedder=embedder)  # type: ignore[arg-type]
    found = as_dict(results)
    assert isinstance(found, dict)
    hits = []
    for hit, plain in zip(results.hits[:size], found["hits"], strict=False):
        plain["title_pieces"] = _pieces(hit.title or "", hit.title_matches)
        plain["snippet_pieces"] = _pieces(hit.snippet.text, hit.snippet.matches)
        hits.append(plain)
    data.update(
        query=results.query,
        text_total=results.text_total,
        notes=list(results.notes),
        hits=hits,
        next_offset=offset + size if len(results.hits) > size and offset + size <= MAX_SEARCH_OFFSET else None,
    )
    return data


MAX_ABOUT_CHARS = 200_000


def about_page(ws: Workspace, text: str, limit: int = 5, embedder: Any = None, fetch: Any = None) -> dict[str, Any]:
    """The stored events a pasted text is about, best first (:func:`rashomon.search.about`).

    A text that is one ``http(s)://`` address is a page to read: ``fetch(url)`` returns it as a
    :class:`~rashomon.records.Document` (its article body extracted, as ``ingest URL`` reads it)
    or a :class:`~rashomon.records.Rejected` saying why not; ``fetch=None`` reads the address as
    text. ``url`` in the answer is the page read, ``title`` its title.

    Raises:
        QueryError: the text is empty after cleaning, longer than :data:`MAX_ABOUT_CHARS`, or a
            page that could not be read.
    """
    from ..errors import QueryError
    from ..ingest.sources import is_url
    from ..records import Document
    from ..search import about, as_dict

    data: dict[str, Any] = {"text": text, "limit": limit, "matches": [], "url": None, "title": None}
    if not text.strip():
        return data
    if len(text) > MAX_ABOUT_CHARS:
        raise QueryError(f"The text is {len(text)} characters long; paste at most {MAX_ABOUT_CHARS}.")
    item: str | Document = text
    address = text.strip()
    if fetch is not None and is_url(address) and not re.search(r"\s", address):
        read = fetch(address)
        if not isinstance(read, Document):
            raise QueryError(f"The page {address} could not be read: {read.reason}.")
        item = read
        data["url"], data["title"] = address, read.title
    data["matches"] = as_dict(about(ws, item, limit=limit, embedder=embedder))
    return data


def _search_base(query: str, mode: str, size: int, offset: int) -> dict[str, Any]:
    return {
        "query": query,
        "mode": mode,
        "size": size,
        "offset": offset,
        "next_offset": None,
        "text_total": 0,
        "notes": [],
        "hits": [],
        "syntax": [{"write": write, "finds": finds} for write, finds in SYNTAX],
        "error": None,
    }


def search_page_error(query: str, mode: str, size: int, offset: int, error: str) -> dict[str, Any]:
    """The search page's data when the query cannot be read: the form again, with what to change."""
    return {**_search_base(query, mode, size, offset), "error": error}


# -- attention over time --------------------------------------------------------------------

CHART_WIDTH = 760
CHART_HEIGHT = 240
CHART_MARGIN = (12, 16, 28, 48)  # top, right, bottom, left
CHART_COLOURS = 8  # series classes s0 … s7 in the stylesheet (then they repeat, with a dash)
TIMELINE_COLUMNS = ("bucket", "series", "count", "total", "share")


def _nice_ceiling(value: float) -> float:
    """A round number at least ``value`` (1, 2, 2.5, 5 × a power of ten) for the y axis."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def chart(buckets: Sequence[str], series: Sequence[Mapping[str, Any]], values: str, share: bool) -> dict[str, Any]:
    """The geometry of a line chart as plain numbers and labels (the template draws it as SVG, so
    every label is escaped there): one polyline and its dots per series, axis ticks."""
    top, right, bottom, left = CHART_MARGIN
    width, height = CHART_WIDTH - left - right, CHART_HEIGHT - top - bottom
    peak = max((v for s in series for v in s[values]), default=0)
    ceiling = min(1.0, _nice_ceiling(peak)) if share else _nice_ceiling(max(peak, 1))
    n = len(buckets)

    def x(i: int) -> float:
        return round(left + (width * i / (n - 1) if n > 1 else width / 2), 1)

    def y(v: float) -> float:
        return round(top + height - height * (v / ceiling), 1)

    def label(v: float) -> str:
        return f"{v:.0%}" if share else f"{v:g}"

    lines = []
    for number, item in enumerate(series):
        dots = [
            {"x": x(i), "y": y(v), "title": f"{item['name']} · {buckets[i]}: {label(v)}"}
            for i, v in enumerate(item[values])
            if v
        ]
        lines.append(
            {
                "name": item["name"],
                "css": f"s{number % CHART_COLOURS}" + (" dashed" if number >= CHART_COLOURS else ""),
                "points": " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(item[values])),
                "dots": dots,
            }
        )
    every = max(1, math.ceil(n / 8))
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": left,
        "right": CHART_WIDTH - right,
        "top": top,
        "bottom": top + height,
        "lines": lines,
        "yticks": [{"y": y(ceiling * k / 4), "label": label(ceiling * k / 4)} for k in range(5)],
        "xticks": [{"x": x(i), "label": buckets[i]} for i in range(0, n, every)],
        "label_y": top + height + 18,
    }


def timeline_page(
    ws: Workspace,
    query: str = "",
    by: str = "outlet",
    interval: str = "day",
    mode: str = "count",
    only: Collection[str] | None = None,
) -> dict[str, Any]:
    """A timeline (:func:`rashomon.timeline.attention`) as page data, with its chart's geometry.

    Raises:
        QueryError: an unknown ``by``, ``interval`` or ``mode``, or a query that cannot be read.
    """
    from ..errors import QueryError
    from ..timeline import attention

    if mode not in ("count", "share"):
        raise QueryError(f"Unknown timeline mode {mode!r}; use count or share.")
    groups = ws.outlet_groups() if by == "group" else None
    found = attention(ws, query, by, interval, groups=groups, only=only)  # type: ignore[arg-type]
    series = [
        {"name": s.name, "total": s.total, "counts": list(s.counts), "totals": list(s.totals), "shares": list(s.shares)}
        for s in found.series
    ]
    return {
        "query": found.query,
        "by": found.by,
        "interval": found.interval,
        "mode": mode,
        "buckets": list(found.buckets),
        "series": series,
        "matched": found.matched,
        "undated": found.undated,
        "notes": list(found.notes),
        "chart": chart(found.buckets, series, "shares" if mode == "share" else "counts", mode == "share"),
    }


def timeline_csv(data: Mapping[str, Any]) -> str:
    """A timeline as CSV, one row per bucket and series: :data:`TIMELINE_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TIMELINE_COLUMNS)
    for item in data["series"]:
        for n, bucket in enumerate(data["buckets"]):
            writer.writerow(
                [bucket, csv_cell(item["name"]), item["counts"][n], item["totals"][n], f"{item['shares'][n]:.6f}"]
            )
    return buffer.getvalue()


# -- outlets ---------------------------------------------------------------------------------

OUTLET_COLUMNS = ("outlet", "articles", "country", "language", "ownership", "tags")
"""The columns of the outlets list (its CSV, in this order)."""


def _profile_dict(outlet: str, profile: OutletProfile | None) -> dict[str, Any]:
    if profile is None:
        return {"outlet": outlet, "country": None, "language": None, "ownership": None, "tags": []}
    return {**dataclasses.asdict(profile), "tags": list(profile.tags)}


def outlets_list(ws: Workspace) -> dict[str, Any]:
    """Every outlet with articles in the workspace, and every profiled one: articles and profile."""
    counts = ws.tellers()
    profiles = ws.outlet_profiles()
    names = sorted(set(counts) | set(profiles), key=lambda name: (-counts.get(name, 0), name))
    groups: Counter[str] = Counter(tag for profile in profiles.values() for tag in profile.tags)
    return {
        "outlets": [{**_profile_dict(name, profiles.get(name)), "articles": counts.get(name, 0)} for name in names],
        "groups": [{"group": g, "outlets": n} for g, n in sorted(groups.items(), key=lambda i: (-i[1], i[0]))],
    }


def outlets_csv(data: Mapping[str, Any]) -> str:
    """The outlets list as CSV: :data:`OUTLET_COLUMNS` (tags separated by ``;``, as imported)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(OUTLET_COLUMNS)
    for row in data["outlets"]:
        cells = {**row, "tags": "; ".join(row["tags"])}
        writer.writerow([csv_cell("" if cells[c] is None else str(cells[c])) for c in OUTLET_COLUMNS])
    return buffer.getvalue()


def _first_seen(events: Mapping[str, Any], event_id: str) -> str:
    return (events[event_id].first_seen or "") if event_id in events else ""


def outlet_page(ws: Workspace, outlet: str) -> dict[str, Any]:
    """One outlet: its profile (and groups), its events and its articles, newest first.

    Raises:
        NotFound: the outlet has neither articles nor a profile in the workspace.
    """
    articles = ws.articles_told_by(outlet)
    profile = ws.outlet_profiles().get(outlet)
    if not articles and profile is None:
        raise NotFound(f"No outlet {outlet!r} in this workspace; /outlets lists them.")
    event_of = ws.event_of_articles([a.id for a in articles])
    events = {e.id: e for e in ws.events_by_id(set(event_of.values()), terms=False)} if event_of else {}
    per_event = Counter(event_of.values())
    listed = sorted(articles, key=lambda a: (a.published or "", a.id), reverse=True)
    return {
        "outlet": outlet,
        "profile": _profile_dict(outlet, profile),
        "articles": [
            {
                "id": a.id,
                "title": a.title,
                "language": a.language,
                "published": a.published,
                "event_id": event_of.get(a.id),
            }
            for a in listed
        ],
        "languages": dict(sorted(Counter(a.language or "?" for a in articles).items())),
        "events": [
            {
                "id": event_id,
                "label": events[event_id].label if event_id in events else event_id,
                "first_seen": events[event_id].first_seen if event_id in events else None,
                "articles": count,
                "of": len(events[event_id].article_ids) if event_id in events else count,
            }
            for event_id, count in sorted(
                per_event.items(), key=lambda i: (_first_seen(events, i[0]), i[0]), reverse=True
            )
        ],
    }


# -- alerts ----------------------------------------------------------------------------------

ALERTS_SIZE = 50
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def alerts_page(
    ws: Workspace, size: int = ALERTS_SIZE, before: int | None = None, watch_id: str | None = None
) -> dict[str, Any]:
    """The watches and their latest alerts, newest first (keyset pagination on the alerts'
    ``seq``: ``before`` is the last one of the previous page). The webhook's URL is not shown
    (it may hold a secret), only whether one is set.

    Raises:
        NotFound: ``watch_id`` is not a watch.
    """
    from ..alerts import alert_dict, webhook

    watches = ws.watches()
    if watch_id is not None and watch_id not in {w.id for w in watches}:
        raise NotFound(f"No watch {watch_id!r}; /alerts lists them.")
    found = ws.alerts(limit=size + 1, before=before, watch_id=watch_id)
    labels = {w.id: w.label for w in watches}
    return {
        "watches": [dataclasses.asdict(w) for w in watches],
        "watch": watch_id,
        "alerts": [{**alert_dict(a), "watch_label": labels.get(a.watch_id, a.watch_id)} for a in found[:size]],
        "size": size,
        "before": before,
        "next_before": found[size - 1].seq if len(found) > size else None,
        "webhook": webhook(ws) is not None,
    }


def _xml_text(value: object) -> str:
    """Text an XML 1.0 document can hold: characters it forbids (most control characters, lone
    surrogates) are dropped; ElementTree escapes the rest."""
    return _NOT_XML.sub("", str(value))


def alert_href(alert: Mapping[str, Any]) -> str:
    """Where an alert points on the site: its article, else its event, else the alerts page."""
    if alert.get("article_id"):
        return f"/articles/{quote(alert['article_id'], safe='')}"
    if alert.get("event_id"):
        return f"/events/{quote(alert['event_id'], safe='')}"
    return "/alerts"


def alerts_atom(data: Mapping[str, Any], base_url: str) -> bytes:
    """The alerts as an Atom feed (RFC 4287), built with ElementTree so every string is escaped."""
    from xml.etree import ElementTree as ET

    atom = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", atom)

    def child(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{atom}}}{tag}", {k: _xml_text(v) for k, v in attributes.items()})
        if text is not None:
            element.text = _xml_text(text)
        return element

    base = base_url.rstrip("/")
    alerts = data["alerts"]
    feed = ET.Element(f"{{{atom}}}feed")
    child(feed, "id", f"{base}/alerts.atom" + (f"?watch={data['watch']}" if data["watch"] else ""))
    child(feed, "title", "Rashomon alerts")
    child(feed, "updated", alerts[0]["created_at"] if alerts else "1970-01-01T00:00:00+00:00")
    child(feed, "link", rel="self", href=f"{base}/alerts.atom")
    child(feed, "link", rel="alternate", href=f"{base}/alerts", type="text/html")
    child(child(feed, "author"), "name", "Rashomon")
    for alert in alerts:
        entry = child(feed, "entry")
        child(entry, "id", f"urn:rashomon:alert:{alert['id']}")
        child(entry, "title", alert["summary"])
        child(entry, "updated", alert["created_at"])
        child(entry, "link", rel="alternate", href=base + alert_href(alert), type="text/html")
        child(entry, "category", term=alert["kind"])
        lines = [alert["summary"], f"watch: {alert['watch_label']}"]
        for side in alert["data"].get("sides", ()):
            lines.append(f"{side.get('source')}: {side.get('value')} — {side.get('text')}")
        child(entry, "content", "\n".join(lines), type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)
