"""Report stage: self-contained HTML (no scripts, no network, all text escaped).

:func:`render_html` renders one page (the whole analysis, or one storyline or event);
:func:`write_report` writes the whole analysis as one page while it is small, else as an
index page and one page per storyline, linked relatively. Both render the same template
parts (``templates/_storyline.html`` and the rest), so a storyline reads the same either way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import posixpath
import re
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .records import SCHEMA_VERSION, Analysis, CrossLink, Entity, Event, Quote, Rejected, Storyline


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
    """Render the report as one page; ``only`` limits it to one storyline or event id.

    Every string from an article (title, text, outlet, source, removed lines)
    passes through Jinja2's autoescaping: scraped text is treated as hostile.
    A large analysis is better written with :func:`write_report`, which pages it.
    """
    report = _Report(analysis)
    storylines = analysis.storylines
    if only:
        storylines = tuple(s for s in storylines if s.id == only or only in s.event_ids)
        if only.startswith("ev-"):
            event = next((e for e in analysis.events if e.id == only), None)
            members = set(event.article_ids) if event else set()
            storylines = tuple(
                dataclasses.replace(
                    s,
                    event_ids=(only,),
                    article_ids=event.article_ids if event else (),
                    links=tuple(x for x in s.links if x.article_a in members or x.article_b in members),
                )
                for s in storylines
            )
        return report.single_page(storylines, rejected=())
    return report.single_page(storylines, rejected=analysis.rejected)


PAGE_KB = 500
"""Default bound of one report page, in kilobytes (the ``report_page_kb`` setting)."""

_OVERSIZE = "<!--rashomon:oversize-->"  # scraped text cannot contain it: its "<" is escaped
_OWNED = re.compile(r"(st-[a-z0-9_-]+|index-[0-9]+|rejected-[0-9]+)\.html|manifest\.json")
MANIFEST = "manifest.json"


@dataclasses.dataclass(frozen=True)
class ReportFiles:
    """What :func:`write_report` wrote.

    Attributes:
        index: The report's first page (the file asked for).
        files: Every file written, the index first (a paged report's pages and its manifest after it).
        sizes: Bytes of each file in ``files``.
        removed: Pages of an earlier report in the same place that this one no longer has.
    """

    index: Path
    files: tuple[Path, ...]
    sizes: tuple[int, ...]
    removed: tuple[Path, ...] = ()

    @property
    def paged(self) -> bool:
        return len(self.files) > 1

    @property
    def total_bytes(self) -> int:
        return sum(self.sizes)

    @property
    def largest_bytes(self) -> int:
        return max(self.sizes, default=0)

    def describe(self) -> str:
        """``report.html`` or ``report.html (+ 41 pages in report-files/, 3.2 MB in all)``."""
        if not self.paged:
            return str(self.index)
        folder = self.files[1].parent
        return f"{self.index} (+ {len(self.files) - 2} pages in {folder}/, {self.total_bytes / 1e6:.1f} MB in all)"


def pages_folder(index: Path) -> Path:
    """Where a paged report with first page ``index`` keeps its other pages: ``NAME-files/`` beside it."""
    return index.with_name(f"{index.stem}-files")


def page_name(storyline_id: str) -> str:
    """A storyline page's file name: the id when it is a safe name (``st-8c5892d8fe57.html``), else
    a safe spelling of it with a hash of the id (ids from a user's records may hold any character)."""
    if re.fullmatch(r"st-[a-z0-9_-]{1,80}", storyline_id):
        return f"{storyline_id}.html"
    safe = re.sub(r"[^a-z0-9_-]+", "_", storyline_id.removeprefix("st-").lower()).strip("_-")[:48]
    digest = hashlib.sha256(storyline_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"st-{safe + '-' if safe else ''}{digest}.html"


def write_report(analysis: Analysis, index: str | os.PathLike[str], page_kb: int = PAGE_KB) -> ReportFiles:
    """Write the report to ``index``: one page while it stays under ``page_kb`` kilobytes, else a
    paged report that stays usable at any size.

    A paged report is the index page (the summary, languages, outlets, every storyline with its
    dates, size and a link, the rejected inputs or a link to their pages) and, in
    :func:`pages_folder`, one page per storyline named by its id (:func:`page_name`), the index's
    and the rejected inputs' further pages when they are long, and a ``manifest.json`` listing them.
    Links between pages are relative, so the folder can be moved or served as it is. A page stays
    under the bound unless one storyline alone is larger; that page says so. Pages an earlier
    report wrote there and this one does not are removed (only the report's own files: its
    naming pattern, in its own folder). Nothing else is written, and nothing is read but
    ``analysis``.
    """
    index = Path(index)
    bound = max(1, page_kb) * 1000
    report = _Report(analysis)
    folder = pages_folder(index)
    where = f"{folder.name}/"
    storylines = analysis.storylines
    pages = [where + page_name(s.id) for s in storylines]
    report.page_of = {a: page for s, page in zip(storylines, pages, strict=True) for a in s.article_ids}
    held: list[tuple[str, str]] | None = []  # pages kept in memory while the report may fit on one
    held_bytes = 0
    written: list[tuple[Path, int]] = []
    rows: list[dict[str, object]] = []
    for number, (storyline, page) in enumerate(zip(storylines, pages, strict=True)):
        previous = {"href": _href(page, pages[number - 1]), "label": storylines[number - 1].label} if number else None
        after = (
            {"href": _href(page, pages[number + 1]), "label": storylines[number + 1].label}
            if number + 1 < len(storylines)
            else None
        )
        html = report.storyline_page(storyline, page, index.name, previous, after)
        size = len(html.encode("utf-8"))
        note = ""
        if size > bound:
            note = (
                f'<p class="flag">This storyline alone is {size / 1000:,.0f} KB, over the {page_kb:,} KB bound of '
                "one page (the <code>report_page_kb</code> setting): it is kept whole on this page.</p>"
            )
        html = html.replace(_OVERSIZE, note, 1)
        size = len(html.encode("utf-8"))
        rows.append(
            {"storyline": storyline, "page": page, "kb": f"{size / 1000:,.0f}", "outlets": report.outlets_in(storyline)}
        )
        if held is not None and held_bytes + size <= bound:
            held.append((page, html))
            held_bytes += size
            continue
        for name, text in [*(held or ()), (page, html)]:
            written.append(_write(index.parent / name, text))
        held = None
    if held is not None:  # every storyline page together fits: the report may be one page
        report.page_of = None
        single = report.single_page(storylines, rejected=analysis.rejected, whole=True)
        if len(single.encode("utf-8")) <= bound:
            first = _write(index, single)
            return ReportFiles(index, (first[0],), (first[1],), _remove_stale(folder, keep=set()))
        report.page_of = {a: page for s, page in zip(storylines, pages, strict=True) for a in s.article_ids}
        written += [_write(index.parent / name, text) for name, text in held]
    index_pages, rejected_pages = report.index_pages(rows, index.name, where, bound, page_kb)
    written += [_write(index.parent / name, text) for name, text in rejected_pages + index_pages[1:]]
    files = [_write(index, index_pages[0][1]), *written]
    manifest = {
        "generator": f"rashomon {_version()}",
        "index": index.name,
        "page_kb": page_kb,
        "files": [path.name for path, _size in written],
        "bytes": {path.name: size for path, size in files},
    }
    files.append(_write(folder / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"))
    removed = _remove_stale(folder, keep={path.name for path, _size in files})
    return ReportFiles(index, tuple(path for path, _ in files), tuple(size for _, size in files), removed)


def _version() -> str:
    from . import __version__

    return __version__


def _write(path: Path, text: str) -> tuple[Path, int]:
    data = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path, len(data)


def _remove_stale(folder: Path, keep: set[str]) -> tuple[Path, ...]:
    """Remove the report's own files in ``folder`` that are not in ``keep`` (and the folder, if then empty)."""
    if not folder.is_dir() or folder.is_symlink():
        return ()
    removed = []
    for path in sorted(folder.iterdir()):
        if path.name not in keep and _OWNED.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(path)
    if not keep and not any(folder.iterdir()):
        folder.rmdir()
    return tuple(removed)


def _href(page: str, target: str, fragment: str | None = None) -> str:
    """A relative link from the page ``page`` to ``target`` (both relative to the report's folder)."""
    if target == page:
        return f"#{fragment}" if fragment else "#"
    path = posixpath.relpath(target, posixpath.dirname(page) or ".")
    if not path.startswith("../"):
        path = "./" + path  # never read as a scheme ("javascript:…") whatever the file is called
    path = urllib.parse.quote(path)
    return f"{path}#{fragment}" if fragment else path


class _Report:
    """One analysis, indexed once, rendered as one page or as many."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.environment = _environment()
        self.articles = {a.id: a for a in analysis.articles}
        self.events = {e.id: e for e in analysis.events}
        self.article_order = {a.id: n for n, a in enumerate(analysis.articles)}
        self.event_order = {e.id: n for n, e in enumerate(analysis.events)}
        outlets_by_id = {a.id: a.outlet or "unknown outlet" for a in analysis.articles}
        # Who tells it: the outlet, else the site, else the article itself (inputs without metadata).
        teller_of = {a.id: a.teller for a in analysis.articles}
        self.teller_of = teller_of
        root = _common_folder([a.source for a in analysis.articles] + [r.source for r in analysis.rejected])
        self.page_of: dict[str, str] | None = None  # article -> its page, in a paged report
        self.common = {
            "articles": self.articles,
            "events": self.events,
            "settings": analysis.settings,
            "version": _version(),
            "outlet_of": lambda article_id: outlets_by_id.get(article_id, "?"),
            "versions": analysis.versions,
            "span_of": lambda storyline: _span(storyline, self.events),
            "shown_source": lambda source: _relative(source, root),
            "source_root": Path(root).name if root else None,
            "schema_version": SCHEMA_VERSION,
            "extract_of": _ExtractView(analysis, teller_of),
            "figures_of": {x.article_id: x.figures for x in analysis.extractions},
            "teller_of": lambda article_id, default="?": teller_of.get(article_id, default),
            "comparison_of": {c.event_id: c for c in analysis.comparisons},
            "framing_of": {f.article_id: f for f in analysis.framings},
            "source_names": {s.id: s.name for c in analysis.comparisons for s in c.sources},
            "index_href": None,
        }

    def _render(self, template: str, **values: object) -> str:
        return self.environment.get_template(template).render({**self.common, **values})

    def _counted(self, storylines: Sequence[Storyline]) -> dict[str, object]:
        """What a page's summary counts: the articles and events of its storylines."""
        # In the analysis's order, read by id: a page costs what it shows, not what the report holds.
        shown = {a for s in storylines for a in s.article_ids if a in self.articles}
        articles = tuple(self.articles[a] for a in sorted(shown, key=self.article_order.__getitem__))
        events = {e for s in storylines for e in s.event_ids if e in self.events}
        view = dataclasses.replace(
            self.analysis,
            articles=articles,
            storylines=tuple(storylines),
            events=tuple(self.events[e] for e in sorted(events, key=self.event_order.__getitem__)),
        )
        return {
            "analysis": view,
            "languages": Counter(a.language or "?" for a in articles).most_common(),
            "outlets": Counter(a.outlet or "unknown" for a in articles).most_common(),
        }

    def _links(self, page: str, shown: set[str]) -> Callable[[str], str | None]:
        """``href_of`` for one page: an article on it, else on another page, else no link."""
        page_of = self.page_of

        def href_of(article_id: str) -> str | None:
            if article_id in shown:
                return f"#a-{article_id}"
            if page_of is not None and article_id in page_of:
                return _href(page, page_of[article_id], f"a-{article_id}")
            return None

        return href_of

    def single_page(self, storylines: Sequence[Storyline], rejected: Sequence[Rejected], whole: bool = False) -> str:
        """The report on one page: ``storylines`` (and ``rejected``); ``whole``: it counts the whole analysis."""
        shown = {a for s in storylines for a in s.article_ids}
        values = self._counted(storylines)
        if whole:
            values["analysis"] = self.analysis
        return self._render(
            "report.html",
            **values,
            href_of=self._links("", shown),
            rejected=rejected,
            rejected_total=len(rejected),
            rejected_first=1,
        )

    def storyline_page(
        self,
        storyline: Storyline,
        page: str,
        index: str,
        previous: dict[str, str] | None,
        after: dict[str, str] | None,
    ) -> str:
        """One storyline's page (with a marker where a note on its size may go)."""
        return self._render(
            "storyline.html",
            **self._counted([storyline]),
            storyline=storyline,
            href_of=self._links(page, set(storyline.article_ids)),
            index_href=_href(page, index),
            previous=previous,
            next=after,
            oversize=Markup(_OVERSIZE),
            storylines_total=len(self.analysis.storylines),
            articles_total=len(self.analysis.articles),
        )

    def outlets_in(self, storyline: Storyline) -> int:
        return len({self.teller_of.get(a, "?") for a in storyline.article_ids})

    def index_pages(
        self, rows: list[dict[str, object]], index: str, where: str, bound: int, page_kb: int
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The index's pages and the rejected inputs' pages: (name, html) each, the index first."""
        rejected = self.analysis.rejected
        summary = self._counted(self.analysis.storylines)
        summary["analysis"] = self.analysis

        def rejected_page(name: str, first: int, chunk: Sequence[Rejected], pager: list[dict[str, object]]) -> str:
            return self._render(
                "rejected.html",
                index_href=_href(name, index),
                rejected=chunk,
                rejected_total=len(rejected),
                rejected_first=first + 1,
                pager=pager,
            )

        inline = not rejected or len(rejected_page(index, 0, rejected, []).encode("utf-8")) <= bound // 10
        rejected_names: list[str] = []
        rejected_out: list[tuple[str, str]] = []
        if not inline:
            per = _per_page(len(rejected), lambda n: rejected_page(index, 0, rejected[:n], []), bound)
            starts = list(range(0, len(rejected), per))
            rejected_names = [f"{where}rejected-{n + 1}.html" for n in range(len(starts))]
            for name, start in zip(rejected_names, starts, strict=True):
                pager = _pager(name, rejected_names)
                rejected_out.append((name, rejected_page(name, start, rejected[start : start + per], pager)))

        def index_page(name: str, first: int, chunk: list[dict[str, object]], pager: list[dict[str, object]]) -> str:
            shown_rows = [{**row, "href": _href(name, str(row["page"]))} for row in chunk]
            return self._render(
                "index.html",
                **summary,
                rows=shown_rows,
                first_number=first + 1,
                storylines_total=len(rows),
                pager=pager,
                page_kb=page_kb,
                index_href=None if name == index else _href(name, index),
                rejected=rejected if inline and name == index else (),
                rejected_total=len(rejected),
                rejected_first=1,
                rejected_href=_href(name, rejected_names[0]) if rejected_names else None,
                rejected_pages=len(rejected_names),
            )

        per = _per_page(len(rows), lambda n: index_page(index, 0, rows[:n], []), bound)
        starts = list(range(0, max(1, len(rows)), per))
        names = [index] + [f"{where}index-{n + 1}.html" for n in range(1, len(starts))]
        pages = [
            (name, index_page(name, start, rows[start : start + per], _pager(name, names)))
            for name, start in zip(names, starts, strict=True)
        ]
        return pages, rejected_out


def _per_page(count: int, render: Callable[[int], str], bound: int) -> int:
    """How many rows of a list fit on one page under ``bound`` bytes (rows being much alike)."""
    if count <= 1:
        return 1
    whole = len(render(count).encode("utf-8"))
    if whole <= bound:
        return count
    empty = len(render(0).encode("utf-8"))
    row = max(1.0, (whole - empty) / count)
    return max(1, int((bound - empty - 400) / row))  # 400: room for the pager


def _pager(page: str, names: list[str]) -> list[dict[str, object]]:
    return [{"number": n + 1, "href": _href(page, name), "current": name == page} for n, name in enumerate(names)]


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
