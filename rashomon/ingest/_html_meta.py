"""Page metadata from HTML: headline, author, date, site, canonical URL, language.

trafilatura's metadata pass supplies author, date and site name; the page's own markup decides
the title (the article's ``<h1>`` when it clearly is the headline), the canonical URL and the
language, which trafilatura's fast mode leaves out or guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
# " | Site", " - Site", " — Site", " :: Site", " · Site" at either end of a <title>
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|/)\s+")
_LANGUAGE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class PageMeta:
    title: str | None = None
    headline: str | None = None  # the <h1> when there is one
    page_title: str | None = None  # og:title or <title>, site name removed
    author: str | None = None
    published: str | None = None
    sitename: str | None = None
    hostname: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    description: str | None = None


def parse_html(html: str) -> lxml_html.HtmlElement | None:
    try:
        return lxml_html.document_fromstring(html)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        # lxml refuses str with an XML encoding declaration; retry with bytes
        try:
            return lxml_html.document_fromstring(html.encode("utf-8", "replace"))
        except (ValueError, TypeError, lxml_html.etree.ParserError):
            return None


def _clean(text: str | None) -> str | None:
    if not text:
        return None
    text = _SPACE.sub(" ", text).strip()
    return text or None


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _meta(tree: lxml_html.HtmlElement, *names: str) -> str | None:
    """First non-empty <meta> content whose name/property/http-equiv/itemprop is one of names."""
    wanted = {name.lower() for name in names}
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = _clean(element.get("content"))
        if not content:
            continue
        for attribute in ("property", "name", "http-equiv", "itemprop"):
            key = (element.get(attribute) or "").strip().lower()
            if key in wanted and key not in found:
                found[key] = content
    for name in names:
        if name.lower() in found:
            return found[name.lower()]
    return None


def strip_site_name(title: str, sitename: str | None = None) -> str:
    """A <title> without its "| Site Name" part: drop the parts that name the site, else the shortest."""
    parts = [part.strip() for part in _TITLE_SEPARATORS.split(title) if part.strip()]
    if len(parts) < 2:
        return title.strip()
    if sitename:
        site_words = _words(sitename)
        kept = [part for part in parts if not (_words(part) and _words(part) <= site_words | {"the", "com"})]
        if kept and len(kept) < len(parts):
            return " - ".join(kept)
    # the headline is the longest part; site names and sections are short
    return max(parts, key=len)


def _headline(tree: lxml_html.HtmlElement, candidates: list[str]) -> str | None:
    """The page's <h1> when it is clearly the headline: one distinct h1 text, sharing most words
    with the page title (when there is one)."""
    texts: list[str] = []
    for element in tree.iter("h1"):
        text = _clean(element.text_content())
        if text and text not in texts:
            texts.append(text)
    if len(texts) != 1:
        return None
    headline = texts[0]
    words = _words(headline)
    if not words or len(headline) > 300:
        return None
    if not candidates:
        return headline
    for candidate in candidates:
        other = _words(candidate)
        if other and len(words & other) / min(len(words), len(other)) >= 0.6:
            return headline
    return None


def _language(tree: lxml_html.HtmlElement) -> str | None:
    values = [
        tree.get("lang"),
        tree.get("xml:lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        _meta(tree, "og:locale"),
        _meta(tree, "content-language", "language", "dc.language"),
    ]
    for value in values:
        value = (value or "").strip().split(",")[0].strip()
        match = _LANGUAGE.match(value)
        if match:
            return match.group(1).lower()
    return None


def _hostname(url: str | None) -> str | None:
    """The host of a URL, or None (also for addresses urllib refuses, such as ``http://[x``)."""
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _joined(url: str | None, href: str) -> str | None:
    """``href`` resolved against ``url``; None when either cannot be parsed."""
    try:
        joined = urljoin(url, href) if url else href
        urlsplit(joined)
    except ValueError:
        return None
    return joined


def _canonical(tree: lxml_html.HtmlElement, url: str | None) -> str | None:
    for element in tree.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        href = (element.get("href") or "").strip()
        if "canonical" in rel and href:
            joined = _joined(url, href)
            if joined:
                return joined
    og = _meta(tree, "og:url")
    if og:
        return _joined(url, og) or url
    return url


def _json_ld(tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """Article-like objects from the page's JSON-LD scripts (NewsArticle, BlogPosting …)."""
    import json

    found: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):  # broken or absurdly nested JSON-LD is no metadata
            continue
        stack = [data]
        while stack and len(found) < 20:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                if "datePublished" in item or "author" in item or "headline" in item:
                    found.append(item)
    return found


def _person_name(value: Any, depth: int = 0) -> str | None:
    if isinstance(value, list):
        if depth > 3:  # authors nest a level or two; deeper is junk, and unbounded recursion would crash
            return None
        names = [name for name in (_person_name(v, depth + 1) for v in value[:50]) if name]
        return ", ".join(dict.fromkeys(names)) or None
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str):
        value = _clean(value)
        if value and not value.lower().startswith(("http://", "https://", "www.")) and len(value) <= 120:
            return value
    return None


_BYLINE_PREFIX = re.compile(r"^(by|von|par|por|di|de|от|автор:?)\s+", re.IGNORECASE)


def _author(tree: lxml_html.HtmlElement, linked: list[dict[str, Any]]) -> str | None:
    for item in linked:
        name = _person_name(item.get("author"))
        if name:
            return name
    name = _person_name(_meta(tree, "author", "article:author", "dc.creator", "parsely-author", "sailthru.author"))
    if name:
        return name
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("itemprop") == "author" or element.get("rel") == "author":
            text = _clean(element.text_content())
            if text and len(text) <= 80:
                return _BYLINE_PREFIX.sub("", text)
    return None


def _published(tree: lxml_html.HtmlElement, linked: list[dict[str, Any]], url: str | None) -> str | None:
    candidates: list[str | None] = [str(item.get("datePublished") or "") for item in linked]
    candidates.append(
        _meta(
            tree,
            "article:published_time",
            "og:published_time",
            "datePublished",
            "pubdate",
            "publishdate",
            "publish-date",
            "date",
            "dc.date",
            "dc.date.issued",
            "sailthru.date",
            "parsely-pub-date",
        )
    )
    candidates.extend(element.get("datetime") for element in tree.iter("time"))
    for candidate in candidates:
        if candidate and _ISO_DATE.match(candidate.strip()):
            return candidate.strip()[:10]
    try:
        from htmldate import find_date

        found = find_date(tree, url=url, extensive_search=False, original_date=True)
    except (ValueError, TypeError):  # htmldate raises on odd trees; a missing date is fine
        return None
    return found if found and _ISO_DATE.match(found) else None


def page_metadata(tree: lxml_html.HtmlElement | None, url: str | None, extracted: Any) -> PageMeta:
    """Metadata from the parsed page (may be None) and trafilatura's bare_extraction result."""

    def field(name: str) -> str | None:
        value = getattr(extracted, name, None)
        return _clean(str(value)) if value else None

    sitename = field("sitename")
    author = field("author")
    published = field("date")
    if published and not _ISO_DATE.match(published):
        published = None
    description = field("description")
    if tree is not None and not (author or published):
        linked = _json_ld(tree)
        author = _author(tree, linked)
        published = _published(tree, linked, url)
    if tree is None:
        title = field("title")
        hostname = field("hostname") or _hostname(url)
        return PageMeta(title, None, title, author, published, sitename, hostname, url, None, description)
    sitename = _meta(tree, "og:site_name", "application-name") or sitename
    raw_titles = [t for t in (_meta(tree, "og:title", "twitter:title"), _clean(tree.findtext(".//title"))) if t]
    page_title = strip_site_name(raw_titles[0], sitename) if raw_titles else field("title")
    headline = _headline(tree, [*raw_titles, *([page_title] if page_title else [])])
    title = headline or page_title or field("title")
    canonical = _canonical(tree, url)
    hostname = _hostname(canonical)
    hostname = hostname or field("hostname")
    if hostname and hostname.startswith("www."):
        hostname = hostname[4:]
    return PageMeta(
        title=title,
        headline=headline,
        page_title=page_title,
        author=author,
        published=published,
        sitename=sitename,
        hostname=hostname,
        canonical_url=canonical,
        language=_language(tree),
        description=description or _meta(tree, "og:description", "description"),
    )
