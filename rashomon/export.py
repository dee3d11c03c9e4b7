"""Export: the analysis as JSON, JSONL, CSV or Markdown (contract in docs/export.md)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from . import codec
from .records import SCHEMA_VERSION, Analysis, Article, Comparison, Event, Storyline

INTERNAL_FIELDS = {Article: frozenset({"raw_text", "fmt"})}
"""Record fields the export leaves out: the raw input text (kept in the workspace, with the raw
bytes) and the input format, which ``provenance`` states."""


def record_dict(record: Any, **extra: Any) -> dict[str, Any]:
    """A record as JSON-ready data through the one codec (:func:`rashomon.codec.to_data`): every
    field in field order, less :data:`INTERNAL_FIELDS`, then ``extra``. A field added to a record
    is exported without a field list to keep up to date here."""
    omit = INTERNAL_FIELDS.get(type(record), frozenset())
    data = {key: value for key, value in codec.to_data(record).items() if key not in omit}
    return {**data, **extra}


def article_dict(article: Article, versions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One article as the export contract describes it."""
    return record_dict(article, versions=[dict(version) for version in versions or []])


def event_dict(event: Event) -> dict[str, Any]:
    return record_dict(event)


def storyline_dict(storyline: Storyline) -> dict[str, Any]:
    return record_dict(storyline)


def _entity_of_mention(analysis: Analysis) -> dict[tuple[str, int, int], str]:
    return {(m.article_id, m.start, m.end): e.id for e in analysis.entities for m in e.mentions}


def extract_dicts(analysis: Analysis) -> dict[str, list[dict[str, Any]]]:
    """The extract stage's results as the export contract describes them: ``entities``,
    ``mentions``, ``quotes``, ``figures`` and ``links`` (cross-outlet)."""
    return {key: list(items) for key, items in _extract_sections(analysis)}


def _extract_sections(analysis: Analysis) -> Iterator[tuple[str, Iterable[dict[str, Any]]]]:
    """The sections of :func:`extract_dicts`, each an iterator that makes one item at a time."""
    from .extract.links import speaker_entities

    def mentions() -> Iterator[dict[str, Any]]:
        entity_of = _entity_of_mention(analysis)
        for extraction in analysis.extractions:
            for mention in extraction.mentions:
                key = (extraction.article_id, mention.start, mention.end)
                yield {"article_id": extraction.article_id, **record_dict(mention), "entity_id": entity_of.get(key)}

    def quotes() -> Iterator[dict[str, Any]]:
        speaker_of = speaker_entities(analysis.extractions, analysis.entities)
        for extraction in analysis.extractions:
            for quote in extraction.quotes:
                yield {
                    "article_id": extraction.article_id,
                    **record_dict(quote),
                    "speaker_entity_id": speaker_of.get((extraction.article_id, quote.start)),
                }

    def figures() -> Iterator[dict[str, Any]]:
        for extraction in analysis.extractions:
            for figure in extraction.figures:
                yield {"article_id": extraction.article_id, **record_dict(figure)}

    yield "entities", (record_dict(e) for e in analysis.entities)
    yield "mentions", mentions()
    yield "quotes", quotes()
    yield "figures", figures()
    yield "links", (record_dict(link) for link in analysis.crosslinks)


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    """One event's comparison as the export contract describes it (``comparisons[]``)."""
    out = record_dict(comparison)
    out["unique"] = {source: list(ids) for source, ids in comparison.unique}
    out["omissions"] = {source: list(ids) for source, ids in comparison.omissions}
    out["coverage"] = {
        "sources": [source.id for source in comparison.sources],
        "rows": [{"claim_id": claim_id, "carried": row} for claim_id, row in comparison.coverage()],
    }
    return out


def _sections(analysis: Analysis) -> Iterator[tuple[str, Any, bool]]:
    """The export's top-level keys in order: ``(key, value, is_list)``; a list's value is an
    iterator that makes one item at a time, so :func:`write_json` never holds the whole document."""
    from . import __version__

    yield "schema_version", SCHEMA_VERSION, False
    yield "generator", f"rashomon {__version__}", False
    yield "settings", analysis.settings, False
    yield "articles", (article_dict(a, analysis.versions.get(a.id)) for a in analysis.articles), True
    yield "events", (event_dict(e) for e in analysis.events), True
    yield "storylines", (storyline_dict(s) for s in analysis.storylines), True
    yield "rejected", ({"source": r.source, "reason": r.reason} for r in analysis.rejected), True
    copies = (
        {"original_id": group.original_id, "copy_ids": list(group.copy_ids), "links": codec.to_data(group.links)}
        for group in analysis.copies
    )
    yield "copies", copies, True
    for key, items in _extract_sections(analysis):
        yield key, items, True
    yield "framings", (record_dict(f) for f in analysis.framings), True
    yield "comparisons", (comparison_dict(c) for c in analysis.comparisons), True


def to_dict(analysis: Analysis) -> dict[str, Any]:
    """The whole analysis as plain JSON-ready data (``schema_version`` first)."""
    return {key: list(value) if is_list else value for key, value, is_list in _sections(analysis)}


def _indented(value: Any, indent: str) -> str:
    """``value`` as ``json.dumps(..., indent=2)`` writes it nested at depth ``len(indent) // 2``."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)


def write_json(analysis: Analysis, stream: TextIO) -> None:
    """Write :func:`to_json`'s document to ``stream`` one item at a time: the same text, without
    holding the document (or its plain data) in memory — a 20,000-article workspace's export is
    over 1 GB of JSON."""
    stream.write("{")
    for number, (key, value, is_list) in enumerate(_sections(analysis)):
        stream.write(("," if number else "") + "\n  " + json.dumps(key, ensure_ascii=False) + ": ")
        if not is_list:
            stream.write(_indented(value, "  "))
            continue
        empty = True
        for item in value:
            stream.write(("[" if empty else ",") + "\n    " + _indented(item, "    "))
            empty = False
        stream.write("[]" if empty else "\n  ]")
    stream.write("\n}\n")


def to_json(analysis: Analysis) -> str:
    buffer = io.StringIO()
    write_json(analysis, buffer)
    return buffer.getvalue()


def _memberships(analysis: Analysis) -> dict[str, tuple[str | None, str | None]]:
    event_of = {a: e.id for e in analysis.events for a in e.article_ids}
    storyline_of = {a: s.id for s in analysis.storylines for a in s.article_ids}
    return {a.id: (event_of.get(a.id), storyline_of.get(a.id)) for a in analysis.articles}


def write_jsonl(analysis: Analysis, stream: TextIO) -> None:
    """One line per article, with its event and storyline ids, written as it is made."""
    memberships = _memberships(analysis)
    for article in analysis.articles:
        event_id, storyline_id = memberships[article.id]
        record = {
            "schema_version": SCHEMA_VERSION,
            **article_dict(article, analysis.versions.get(article.id)),
            "event_id": event_id,
            "storyline_id": storyline_id,
        }
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")


def to_jsonl(analysis: Analysis) -> str:
    """One line per article, with its event and storyline ids."""
    buffer = io.StringIO()
    write_jsonl(analysis, buffer)
    return buffer.getvalue()


CSV_COLUMNS = (
    "id",
    "source",
    "outlet",
    "url",
    "title",
    "title_inferred",
    "language",
    "published",
    "event_id",
    "storyline_id",
    "removed_lines",
    "text",
)


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP "CSV injection"):
# ``=HYPERLINK(...)`` in a scraped headline would become a live link or a command.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A CSV cell that no spreadsheet evaluates: a leading ``'`` before a formula character.

    A cell that already starts with ``'`` gets one more, so :func:`csv_cell_value` can undo the
    escape exactly.
    """
    if value.startswith(_FORMULA_START) or value.startswith("'"):
        return "'" + value
    return value


def csv_cell_value(cell: str) -> str:
    """The original text of a cell written by :func:`to_csv` (the inverse of :func:`csv_cell`)."""
    return cell[1:] if cell.startswith("'") else cell


def to_csv(analysis: Analysis) -> str:
    """One row per article; ``removed_lines`` is a count, ``text`` the cleaned text.

    Text cells are escaped against formula injection (:func:`csv_cell`; docs/export.md).
    """
    buffer = io.StringIO()
    write_csv(analysis, buffer)
    return buffer.getvalue()


def write_csv(analysis: Analysis, stream: TextIO) -> None:
    """:func:`to_csv`'s table, written to ``stream`` row by row."""
    memberships = _memberships(analysis)
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    for article in analysis.articles:
        event_id, storyline_id = memberships[article.id]
        texts = [
            article.id,
            article.source,
            article.outlet or "",
            article.url or "",
            article.title or "",
            str(article.title_inferred).lower(),
            article.language or "",
            article.published or "",
            event_id or "",
            storyline_id or "",
        ]
        writer.writerow([csv_cell(text) for text in texts] + [len(article.removed_lines), csv_cell(article.text)])


# ASCII punctuation that CommonMark or GFM can read as markup (emphasis, code, links and images,
# raw HTML, entities, headings, lists, tables, strikethrough), and the ``@`` of an email autolink;
# CommonMark lets each be escaped with a backslash. Newlines are folded, so no block starts.
_MD_SPECIAL = frozenset("\\`*_{}[]<>()#+-.!|~&@")


def _md(text: str | None) -> str:
    """Markdown-safe inline text: scraped text must not become markup, a link or HTML."""
    if not text:
        return ""
    escaped = "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)
    # GFM links bare ``https://…``: an escaped colon is not a scheme's (``www.`` dies with its dots).
    escaped = escaped.replace("://", "\\://")
    return " ".join(escaped.split())


def _code(text: str | None) -> str:
    """An id as a Markdown code span that backticks inside it cannot close (CommonMark 6.1)."""
    text = " ".join((text or "").split()) or "?"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def to_markdown(analysis: Analysis) -> str:
    """A readable summary: storylines, their events, and each article's headline."""
    by_id = {a.id: a for a in analysis.articles}
    events = {e.id: e for e in analysis.events}
    out = [
        f"# Rashomon analysis\n\n{len(analysis.articles)} articles, {len(analysis.events)} events, "
        f"{len(analysis.storylines)} storylines, {len(analysis.rejected)} rejected inputs.\n"
    ]
    for storyline in analysis.storylines:
        out.append(f"\n## Storyline {_md(storyline.id)}: {_md(storyline.label)}\n")
        for event_id in storyline.event_ids:
            event = events[event_id]
            dates = f" ({_md(event.first_seen)} – {_md(event.last_seen)})" if event.first_seen else ""
            if event.first_seen and f"({event.first_seen}" in event.label:
                dates = ""  # the label carries its date span
            out.append(f"\n### Event {_md(event.id)}: {_md(event.label)}{dates}\n")
            for article_id in event.article_ids:
                a = by_id[article_id]
                out.append(
                    f"- {_code(a.id)} {_md(a.outlet) or 'unknown outlet'} \\[{_md(a.language) or '?'}\\] {_md(a.title)}"
                    + (" *(title inferred from lead)*" if a.title_inferred else "")
                )
        links = [link for link in analysis.crosslinks if link.storyline_id == storyline.id]
        if links:
            out.append("\n### Across outlets\n")
            for link in sorted(links, key=lambda link: (link.flag is None, link.kind, link.id)):
                flag = f"**{_md(link.flag)}**: " if link.flag else ""
                what = "the same words" if link.kind == "quote" else "figures for the same quantity"
                out.append(f"- {flag}{what} ({_code(link.id)}, confidence {link.confidence:.2f})")
                for item in link.items:
                    teller = _md(item.outlet) or _code(item.article_id)
                    said = f", attributed to {_md(item.speaker)}" if item.speaker else ""
                    out.append(f"  - {teller} \\[{_md(item.language) or '?'}\\]{said}: {_md(item.text)}")
    for comparison in analysis.comparisons:
        out.extend(_comparison_markdown(comparison))
    if analysis.rejected:
        out.append("\n## Rejected inputs\n")
        out.extend(f"- {_md(r.source)}: {_md(r.reason)}" for r in analysis.rejected)
    return "\n".join(out) + "\n"


def _comparison_markdown(comparison: Comparison) -> list[str]:
    names = {source.id: source.name for source in comparison.sources}

    def cite(evidence: tuple) -> str:
        return " ".join(_code(f"{e.article_id}:{e.start}-{e.end}") for e in evidence[:4])

    out = [f"\n## How the outlets tell event {_md(comparison.event_id)}\n"]
    out.append("Outlets: " + "; ".join(f"{_md(s.name)} ({_code(s.id)})" for s in comparison.sources) + "\n")
    headings = {"happened": "What most outlets report", "differs": "How they differ"}
    section = None
    for line in comparison.brief:
        if line.section != section:
            section = line.section
            out.append(f"\n### {_md(headings.get(section, section))}\n")
        who = f"**{_md(line.kind)}**" + (f" · {_md(names.get(line.source, line.source))}" if line.source else "")
        language = f" \\[{_md(line.language)}\\]" if line.language else ""
        out.append(f"- {who}{language}: {_md(line.text)} ({cite(line.evidence)}, confidence {line.confidence:.2f})")
    return out


FORMATS = {"json": to_json, "jsonl": to_jsonl, "csv": to_csv, "md": to_markdown}


def _write_markdown(analysis: Analysis, stream: TextIO) -> None:
    stream.write(to_markdown(analysis))


WRITERS: dict[str, Callable[[Analysis, TextIO], None]] = {
    "json": write_json,
    "jsonl": write_jsonl,
    "csv": write_csv,
    "md": _write_markdown,
}
"""Each of :data:`FORMATS` written to a stream (the same text), item by item where the format allows."""
