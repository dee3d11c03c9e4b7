"""News feeds in, :class:`FeedItem` records and then Documents out.

Parses, without touching the network, RSS 0.9x and 2.0, RSS 0.90/1.0 (RDF),
Atom 1.0 (and the older 0.3), JSON Feed 1.0/1.1 and OPML subscription lists.
XML is read with lxml with entity expansion, DTD loading and network access
switched off; a feed that is not well-formed XML is re-read in lxml's recovery
mode (real feeds often carry a stray ``&``) and accepted when that yields
items, else it is refused with a :class:`FeedError` naming the feed and the
parser's message. lxml is used rather than feedparser: it is already a
dependency (through trafilatura), it is fast, and it keeps the parsing rules
here, small and testable, instead of feedparser's very lenient heuristics.

On top of the parsers:

* :func:`items_to_documents` fetches each item's page and builds Documents with
  :func:`rashomon.ingest.html.document_from_html` (feed metadata wins), falling
  back to the feed's own full content when the page cannot be had;
* :func:`poll` is what ``rashomon watch`` calls every few minutes: it fetches
  the feeds (conditional GETs), keeps only items not seen on earlier polls and
  returns their Documents, the rejections and the new :class:`FeedState`. An
  item whose page failed for a reason that may pass (timeout, connection
  error, 5xx, 429, unreadable robots.txt) is not marked seen: it is kept in the
  state and retried on later polls with a back-off counted in polls, up to
  ``MAX_ITEM_TRIES`` tries; a permanent failure (404, refused address or
  scheme, not an article) is marked seen with its reason;
* :func:`read_url_list` reads a text file of URLs, one a line, ``#`` comments.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import html as html_lib
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

from lxml import etree

from ..errors import InputError
from ..records import Document, Rejected
from .fetch import FetchError, FetchResult

log = logging.getLogger(__name__)

NS_ATOM = "http://www.w3.org/2005/Atom"
NS_ATOM03 = "http://purl.org/atom/ns#"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_RSS1 = "http://purl.org/rss/1.0/"
NS_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
NS_XML = "http://www.w3.org/XML/1998/namespace"

FORMATS = ("rss", "rdf", "atom", "jsonfeed", "opml")
MAX_SEEN_PER_FEED = 5000
MAX_ITEM_TRIES = 5  # polls on which a transiently failing item page is tried before giving up
MAX_PENDING_PER_FEED = 500


class FeedError(InputError):
    """A feed or OPML file cannot be parsed; the message names it and says why."""


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed.

    Attributes:
        feed_url: The feed it came from.
        id: The guid / Atom id / JSON Feed id; the URL (or a hash) when missing.
        url: The article's URL (absolute), or None. Normally http(s); a link of
            another scheme is kept as the feed gave it, to be refused, with
            that reason, when the item is read.
        title: The item title (plain text).
        summary: The short description (HTML or text as the feed gave it).
        content: The full content (``content:encoded``, Atom ``content``,
            ``content_html``), or None.
        published: ISO 8601 date-time (offset kept as given), or None.
        author: Author name(s), or None.
        feed_title: The feed's own title (the outlet), or None.
    """

    feed_url: str
    id: str
    url: str | None = None
    title: str | None = None
    summary: str | None = None
    content: str | None = None
    published: str | None = None
    author: str | None = None
    feed_title: str | None = None


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its format, title, home page and items (in feed order)."""

    url: str
    format: str
    title: str | None
    link: str | None
    items: tuple[FeedItem, ...]


@dataclass(frozen=True)
class OpmlFeed:
    """One feed listed in an OPML file, with the titles of its enclosing outlines."""

    url: str
    title: str | None = None
    html_url: str | None = None
    categories: tuple[str, ...] = ()


# -- detection -----------------------------------------------------------------------


def _xml_parser(recover: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=recover,
    )


def _strip_start(data: bytes) -> bytes:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.lstrip()


def _local(element: Any) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _namespace(element: Any) -> str | None:
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return None


def _format_of_root(root: Any) -> str | None:
    name = _local(root).lower()
    namespace = _namespace(root)
    if name == "rss":
        return "rss"
    if name == "rdf" and namespace == NS_RDF:
        return "rdf"
    if name == "feed" and namespace in (NS_ATOM, NS_ATOM03, None):
        return "atom"
    if name == "opml":
        return "opml"
    return None


def _json_feed(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(_strip_start(data).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if isinstance(value, dict) and str(value.get("version", "")).startswith("https://jsonfeed.org/version/"):
        return value
    return None


def detect_format(data: bytes) -> str | None:
    """Which kind of feed ``data`` is: ``rss``, ``rdf``, ``atom``, ``jsonfeed``, ``opml`` or None."""
    start = _strip_start(data)
    if start.startswith((b"{", b"[")):
        return "jsonfeed" if _json_feed(start) is not None else None
    if not start.startswith(b"<"):
        return None
    try:
        root = etree.fromstring(start, _xml_parser(recover=True))
    except etree.LxmlError:
        return None
    return _format_of_root(root) if root is not None else None


# -- small helpers ---------------------------------------------------------------------


def _children(element: Any, names: Sequence[str], namespaces: Sequence[str | None]) -> list[Any]:
    return [
        child
        for child in element
        if isinstance(child.tag, str) and _local(child) in names and _namespace(child) in namespaces
    ]


def _child(element: Any, names: Sequence[str], namespaces: Sequence[str | None]) -> Any | None:
    found = _children(element, names, namespaces)
    return found[0] if found else None


def _text(element: Any | None) -> str | None:
    if element is None:
        return None
    value = "".join(element.itertext()).strip()
    return value or None


def _plain(value: str | None) -> str | None:
    """Text with tags stripped and entities decoded (for titles and names)."""
    if not value:
        return None
    value = html_lib.unescape(re.sub(r"<[^>]+>", " ", value))
    value = re.sub(r"\s+", " ", value).strip()
    return value or None


def normalize_date(value: str | None) -> str | None:
    """An RFC 822, RFC 3339 or ISO 8601 date as ISO 8601, or None if unreadable.

    The offset is kept as given (a news item's local date matters); a date with
    no offset stays naive.
    """
    if not value:
        return None
    value = value.strip()
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            try:
                return dt.date.fromisoformat(value[:10]).isoformat()
            except ValueError:
                log.debug("unreadable feed date %r", value)
                return None
    return when.isoformat()


def _absolute(url: str | None, base: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    if not url:
        return None
    try:
        joined = urljoin(base, url) if base else url
        return joined if urlsplit(joined).scheme in ("http", "https") and urlsplit(joined).netloc else None
    except ValueError:  # a malformed address ("http://[x") is no link, not a broken feed
        return None


def _item_link(url: str | None, base: str | None) -> str | None:
    """An item's own link made absolute, whatever its scheme.

    A ``file:``, ``javascript:`` or ``data:`` link is kept here so the item
    can be refused with that reason when it is read (:func:`items_to_documents`
    never fetches it, nor keeps it as the article's URL), rather than
    silently looking link-less.
    """
    if not url or not url.strip():
        return None
    url = url.strip()
    try:
        return urljoin(base, url) if base else url
    except ValueError:
        return url


def _xml_base(element: Any, fallback: str) -> str:
    bases = []
    node = element
    while node is not None:
        value = node.get(f"{{{NS_XML}}}base")
        if value:
            bases.append(value)
        node = node.getparent()
    base = fallback
    for value in reversed(bases):
        try:
            base = urljoin(base, value)
        except ValueError:
            continue  # a malformed xml:base is ignored
    return base


def _item_id(given: str | None, url: str | None, title: str | None, published: str | None) -> str:
    if given and given.strip():
        return given.strip()
    if url:
        return url
    from .files import make_id

    return "item:" + make_id(title or "", published or "")


# -- XML formats -----------------------------------------------------------------------

_RSS_CORE = (None, NS_RSS1, NS_RSS090)


def _parse_rss(root: Any, feed_url: str, kind: str, base: str) -> Feed:
    channel = _child(root, ("channel",), _RSS_CORE)
    if channel is None and kind == "rss":
        raise ValueError("RSS document has no <channel>")
    feed_title = _plain(_text(_child(channel, ("title",), _RSS_CORE))) if channel is not None else None
    link = _absolute(_text(_child(channel, ("link",), _RSS_CORE)), base) if channel is not None else None
    # RSS 2.0 keeps items in <channel>; RSS 0.90/1.0 keep them beside it.
    containers = [channel] if kind == "rss" else [root]
    items: list[FeedItem] = []
    for container in containers:
        for element in _children(container, ("item",), _RSS_CORE):
            title = _plain(_text(_child(element, ("title",), _RSS_CORE)))
            item_link = _item_link(_text(_child(element, ("link",), _RSS_CORE)), base)
            url = item_link if _is_http(item_link) else None
            guid_element = _child(element, ("guid",), _RSS_CORE)
            guid = _text(guid_element)
            if (
                url is None
                and guid
                and guid_element is not None
                and (guid_element.get("isPermaLink") or "true").lower() != "false"
            ):
                url = _absolute(guid, base)
            url = url or item_link  # a link of another scheme is kept, to be refused with its reason
            if kind == "rdf" and not guid:
                guid = element.get(f"{{{NS_RDF}}}about")
            published = _text(_child(element, ("pubDate",), _RSS_CORE)) or _text(_child(element, ("date",), (NS_DC,)))
            author = _text(_child(element, ("creator",), (NS_DC,))) or _text(_child(element, ("author",), _RSS_CORE))
            summary = _text(_child(element, ("description",), _RSS_CORE))
            content = _text(_child(element, ("encoded",), (NS_CONTENT,)))
            normalized = normalize_date(published)
            items.append(
                FeedItem(
                    feed_url=feed_url,
                    id=_item_id(guid, url, title, normalized),
                    url=url,
                    title=title,
                    summary=summary,
                    content=content,
                    published=normalized,
                    author=_plain(author),
                    feed_title=feed_title,
                )
            )
    return Feed(feed_url, kind, feed_title, link, tuple(items))


def _atom_text(element: Any | None) -> str | None:
    """Atom text construct as HTML (``type="xhtml"`` serialised, ``text`` escaped)."""
    if element is None:
        return None
    kind = (element.get("type") or "text").lower()
    if kind == "xhtml":
        children = [child for child in element if isinstance(child.tag, str)]
        if len(children) == 1 and _local(children[0]) == "div" and not (element.text or "").strip():
            element = children[0]  # the wrapping xhtml:div is not part of the content
        parts = [html_lib.escape(element.text)] if element.text and element.text.strip() else []
        for child in element:
            parts.append(etree.tostring(child, encoding="unicode", method="html", with_tail=True))
        value = "".join(parts).strip()
        value = re.sub(r"\sxmlns(:\w+)?=\"[^\"]*\"", "", value)
        return value or None
    text = _text(element)
    if text and kind in ("text", "text/plain"):
        return html_lib.escape(text)
    return text


def _atom_link(element: Any, base: str, any_scheme: bool = False) -> str | None:
    """The alternate (else any) http(s) link; with ``any_scheme``, else the first link of any scheme."""
    links = _children(element, ("link",), (NS_ATOM, NS_ATOM03, None))
    for rel_wanted in ("alternate", None):
        for link in links:
            rel = link.get("rel") or "alternate"
            if rel_wanted is None or rel == rel_wanted:
                url = _absolute(link.get("href") or _text(link), base)
                if url:
                    return url
    if any_scheme:
        for link in links:
            url = _item_link(link.get("href") or _text(link), base)
            if url:
                return url
    return None


def _parse_atom(root: Any, feed_url: str, base_url: str) -> Feed:
    ns = (_namespace(root),)
    base = _xml_base(root, base_url)
    feed_title = _plain(_text(_child(root, ("title",), ns)))
    link = _atom_link(root, base)
    feed_author_element = _child(root, ("author",), ns)
    feed_author = _text(_child(feed_author_element, ("name",), ns)) if feed_author_element is not None else None
    items: list[FeedItem] = []
    for entry in _children(root, ("entry",), ns):
        entry_base = _xml_base(entry, base_url)
        title = _plain(_atom_text(_child(entry, ("title",), ns)))
        url = _atom_link(entry, entry_base, any_scheme=True)
        authors = [
            _text(_child(author, ("name",), ns)) for author in _children(entry, ("author",), ns)
        ]  # several authors allowed
        author = ", ".join(a for a in authors if a) or feed_author
        published = _text(_child(entry, ("published", "issued"), ns)) or _text(
            _child(entry, ("updated", "modified"), ns)
        )
        content_element = _child(entry, ("content",), ns)
        content = None if content_element is not None and content_element.get("src") else _atom_text(content_element)
        normalized = normalize_date(published)
        items.append(
            FeedItem(
                feed_url=feed_url,
                id=_item_id(_text(_child(entry, ("id",), ns)), url, title, normalized),
                url=url,
                title=title,
                summary=_atom_text(_child(entry, ("summary",), ns)),
                content=content,
                published=normalized,
                author=author or None,
                feed_title=feed_title,
            )
        )
    return Feed(feed_url, "atom", feed_title, link, tuple(items))


# -- JSON Feed -------------------------------------------------------------------------


def _json_str(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _json_authors(record: Mapping[str, Any]) -> str | None:
    authors = record.get("authors")
    if not isinstance(authors, list):
        single = record.get("author")
        authors = [single] if isinstance(single, dict) else []
    names = [str(a["name"]).strip() for a in authors if isinstance(a, dict) and a.get("name")]
    return ", ".join(names) or None


def _parse_json_feed(data: Mapping[str, Any], feed_url: str, base: str) -> Feed:
    feed_title = _json_str(data, "title")
    link = _absolute(_json_str(data, "home_page_url"), base)
    raw_items = data.get("items")
    if not isinstance(raw_items, list):
        raise ValueError("JSON Feed has no 'items' list")
    feed_author = _json_authors(data)
    items: list[FeedItem] = []
    for record in raw_items:
        if not isinstance(record, dict):
            continue
        url = _item_link(_json_str(record, "url") or _json_str(record, "external_url"), base)
        title = _plain(_json_str(record, "title"))
        text = _json_str(record, "content_text")
        content = _json_str(record, "content_html") or (html_lib.escape(text) if text else None)
        published = normalize_date(_json_str(record, "date_published") or _json_str(record, "date_modified"))
        given_id = record.get("id")
        items.append(
            FeedItem(
                feed_url=feed_url,
                id=_item_id(str(given_id) if given_id is not None else None, url, title, published),
                url=url,
                title=title,
                summary=_json_str(record, "summary"),
                content=content,
                published=published,
                author=_json_authors(record) or feed_author,
                feed_title=feed_title,
            )
        )
    return Feed(feed_url, "jsonfeed", feed_title, link, tuple(items))


# -- entry points ------------------------------------------------------------------------


def _parse_xml(data: bytes, source: str) -> Any:
    start = _strip_start(data)
    if not start:
        raise FeedError(f"Feed {source} is empty")
    try:
        return etree.fromstring(start, _xml_parser())
    except etree.XMLSyntaxError as error:
        strict_error = error
    try:
        root = etree.fromstring(start, _xml_parser(recover=True))
    except etree.LxmlError:
        root = None
    if root is None or _format_of_root(root) is None:
        raise FeedError(f"Feed {source} is not well-formed XML: {strict_error}") from None
    log.warning("feed %s is not well-formed XML (%s); read in recovery mode", source, strict_error)
    root.set("{urn:rashomon}recovered", str(strict_error))
    return root


def parse_feed(data: bytes, feed_url: str, base_url: str | None = None) -> Feed:
    """Parse RSS, RDF, Atom or JSON Feed bytes (no network access).

    Args:
        data: The feed as received.
        feed_url: The feed's URL (its identity in :class:`FeedItem` and :class:`FeedState`).
        base_url: Where relative links resolve (the URL after redirects); default ``feed_url``.

    Raises:
        FeedError: not a feed, not well-formed, or an OPML file (use :func:`parse_opml`).
    """
    start = _strip_start(data)
    if not start:
        raise FeedError(f"Feed {feed_url} is empty")
    if start.startswith((b"{", b"[")):
        value = _json_feed(start)
        if value is None:
            raise FeedError(f"Feed {feed_url} is JSON but not a JSON Feed (no 'version': 'https://jsonfeed.org/...')")
        try:
            return _parse_json_feed(value, feed_url, base_url or feed_url)
        except ValueError as error:
            raise FeedError(f"Feed {feed_url} cannot be read: {error}") from None
    if start[:1] != b"<":
        raise FeedError(f"Feed {feed_url} is neither XML nor JSON (starts with {start[:20]!r})")
    root = _parse_xml(start, feed_url)
    kind = _format_of_root(root)
    recovered = root.get("{urn:rashomon}recovered")
    if kind is None:
        name = _local(root) or "?"
        hint = " (an HTML page, not a feed)" if name.lower() == "html" else ""
        raise FeedError(f"Feed {feed_url} is not RSS, Atom or JSON Feed: root element <{name}>{hint}")
    if kind == "opml":
        raise FeedError(f"{feed_url} is an OPML subscription list, not a feed; read it with parse_opml")
    try:
        base = base_url or feed_url
        feed = _parse_atom(root, feed_url, base) if kind == "atom" else _parse_rss(root, feed_url, kind, base)
    except ValueError as error:
        raise FeedError(f"Feed {feed_url} cannot be read: {error}") from None
    if recovered and not any(item.url for item in feed.items):
        raise FeedError(f"Feed {feed_url} is not well-formed XML: {recovered}")
    return feed


def parse_opml(data: bytes, source: str = "OPML") -> list[OpmlFeed]:
    """The feeds listed in an OPML file, depth first, duplicates dropped.

    Outlines with an ``xmlUrl`` are feeds; other outlines are folders whose
    titles become each feed's ``categories``.

    Raises:
        FeedError: not well-formed, or not OPML.
    """
    root = _parse_xml(data, source)
    if _format_of_root(root) != "opml":
        raise FeedError(f"{source} is not an OPML file (root element <{_local(root) or '?'}>)")
    body = _child(root, ("body",), (None, _namespace(root)))
    found: dict[str, OpmlFeed] = {}

    def walk(element: Any, path: tuple[str, ...]) -> None:
        for outline in _children(element, ("outline",), (None, _namespace(root))):
            title = (outline.get("title") or outline.get("text") or "").strip() or None
            xml_url = _absolute(outline.get("xmlUrl") or outline.get("xmlurl") or outline.get("url"), None)
            if xml_url and (outline.get("type") or "rss").lower() in ("rss", "atom", "json", "jsonfeed", "link"):
                if xml_url not in found:
                    found[xml_url] = OpmlFeed(xml_url, title, _absolute(outline.get("htmlUrl"), None), path)
            walk(outline, path + ((title,) if title and not xml_url else ()))

    if body is not None:
        walk(body, ())
    return list(found.values())


def read_opml(path: str | os.PathLike[str]) -> list[OpmlFeed]:
    """:func:`parse_opml` on a file."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise FeedError(f"Cannot read OPML file {path}: {error.strerror or error}") from None
    return parse_opml(data, str(path))


def parse_url_list(text: str, source: str = "URL list") -> tuple[list[str], list[Rejected]]:
    """URLs from text with one URL a line; blank lines and ``#`` comments skipped.

    A ``#`` starts a comment at the start of a line or after whitespace (a URL's
    own ``#fragment`` is kept). Lines that are not http(s) URLs come back as
    :class:`Rejected`; duplicates are dropped.
    """
    urls: dict[str, None] = {}
    rejected: list[Rejected] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if not line:
            continue
        try:
            parts = urlsplit(line)
            valid = parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and " " not in line
        except ValueError:  # "http://[x": not a URL
            valid = False
        if not valid:
            rejected.append(Rejected(f"{source}:{line_no}", f"line {line_no} is not an http(s) URL: {line!r}"))
            continue
        urls.setdefault(line, None)
    return list(urls), rejected


def read_url_list(path: str | os.PathLike[str]) -> tuple[list[str], list[Rejected]]:
    """:func:`parse_url_list` on a UTF-8 text file.

    Raises:
        InputError: the file cannot be read.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"Cannot read URL list {path}: {error}") from None
    return parse_url_list(text, str(path))


# -- from items to documents -------------------------------------------------------------


class PageFetcher(Protocol):
    """What the functions below need of a fetcher (:class:`~rashomon.ingest.fetch.Fetcher` fits)."""

    def fetch(self, url: str) -> FetchResult: ...

    def fetch_many(self, urls: Iterable[str]) -> tuple[list[FetchResult], list[FetchError]]: ...


def _item_meta(item: FeedItem) -> dict[str, str | None]:
    return {"title": item.title, "published": item.published, "outlet": item.feed_title, "url": item.url}


def _item_source(item: FeedItem) -> str:
    return item.url or f"{item.feed_url}#{item.id}"


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:  # e.g. an unclosed "[" in the host
        return ""


def _is_http(url: str | None) -> bool:
    return url is not None and _scheme(url) in ("http", "https")


def _from_feed_content(item: FeedItem, why: str) -> Document | Rejected:
    from .html import document_from_html

    source = _item_source(item)
    if not item.content or not item.content.strip():
        return Rejected(source, f"{why}, and the feed has no full content for it")
    title = html_lib.escape(item.title or "")
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>\n{item.content}</article></body></html>"
    ).encode()
    url = item.url if _is_http(item.url) else None  # a file: or javascript: link travels no further
    meta = {**_item_meta(item), "url": url}
    made = document_from_html(page, source, meta, url)
    if isinstance(made, Rejected):
        return Rejected(source, f"{why}; the feed's own content was no better: {made.reason}", page)
    return dataclasses.replace(made, origin="feed", record_id=item.id)


PageOutcome = FetchResult | FetchError


def _fetch_pages(items: Sequence[FeedItem], fetcher: PageFetcher) -> dict[str, PageOutcome]:
    """The fetched page (or the failure) of every item with an http(s) link, by URL."""
    results, errors = fetcher.fetch_many([item.url for item in items if item.url and _is_http(item.url)])
    by_url: dict[str, PageOutcome] = {r.url: r for r in results}
    by_url.update({e.url: e for e in errors})
    return by_url


def _item_document(item: FeedItem, outcome: PageOutcome | None) -> Document | Rejected:
    """One item as a Document: its page, else the feed's own content, else a Rejected saying why."""
    from .html import document_from_html

    if item.url is None:
        return _from_feed_content(item, "item has no link")
    if not _is_http(item.url):
        scheme = _scheme(item.url) or "(none)"
        return _from_feed_content(
            item, f"link {item.url!r} not fetched: scheme {scheme!r} refused; only http and https pages are read"
        )
    if isinstance(outcome, FetchError):
        return _from_feed_content(item, f"page fetch failed: {outcome.reason}")
    if outcome is None:
        return _from_feed_content(item, "page was not fetched")
    if not outcome.body:
        why = "page not modified since the last fetch" if outcome.not_modified else "page is empty"
        return _from_feed_content(item, why)
    page = document_from_html(outcome.body, item.url, _item_meta(item), outcome.final_url)
    if isinstance(page, Rejected):
        fallback = _from_feed_content(item, page.reason)
        return fallback if isinstance(fallback, Document) else page
    return dataclasses.replace(page, origin="feed", fetched_at=outcome.fetched_at, record_id=item.id)


def items_to_documents(items: Iterable[FeedItem], fetcher: PageFetcher) -> tuple[list[Document], list[Rejected]]:
    """Fetch each item's page and turn it into a Document.

    Feed metadata (title, published, outlet = feed title, url) is passed to
    :func:`~rashomon.ingest.html.document_from_html` and wins over the page's own.
    When the page cannot be fetched or has no article text, the feed's full
    content (if any) is used instead; otherwise the item becomes a
    :class:`Rejected` naming its URL and the reason. A link that is not
    ``http``/``https`` (``file:``, ``javascript:``, ``data:``…) is never
    fetched and not kept as the article's URL. Never raises for one item.
    """
    items = list(items)
    by_url = _fetch_pages(items, fetcher)
    documents: list[Document] = []
    rejected: list[Rejected] = []
    for item in items:
        made = _item_document(item, by_url.get(item.url) if item.url else None)
        if isinstance(made, Document):
            documents.append(made)
        else:
            rejected.append(made)
    return documents, rejected


@dataclass(frozen=True)
class PendingItem:
    """An item whose page failed transiently, waiting for a later poll.

    Attributes:
        item: The feed item, as the feed gave it (so it can be retried even
            when the feed itself is not modified).
        tries: Polls on which its page was tried so far.
        wait: Polls still to skip before the next try.
        reason: Why the last try failed.
    """

    item: FeedItem
    tries: int
    wait: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": dataclasses.asdict(self.item),
            "tries": self.tries,
            "wait": self.wait,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingItem:
        raw = dict(data.get("item") or {})

        def text(name: str) -> str | None:
            value = raw.get(name)
            return None if value is None else str(value)

        item = FeedItem(
            str(raw.get("feed_url") or ""),
            str(raw.get("id") or ""),
            text("url"),
            text("title"),
            text("summary"),
            text("content"),
            text("published"),
            text("author"),
            text("feed_title"),
        )
        return cls(item, int(data.get("tries", 1)), int(data.get("wait", 0)), str(data.get("reason", "")))


def retry_wait(tries: int) -> int:
    """Polls to skip after ``tries`` failed tries: 0, 1, 3, 7… (exponential back-off in polls)."""
    return 2 ** max(0, tries - 1) - 1


@dataclass(frozen=True)
class FeedState:
    """What earlier polls saw: item keys (id and URL) per feed, newest last.

    JSON-serialisable through :meth:`to_dict`/:meth:`from_dict` so ``rashomon
    watch`` can keep it in the workspace between runs. At most
    ``MAX_SEEN_PER_FEED`` keys are kept per feed (a feed only lists its latest
    items, so older keys are never needed again). ``pending`` holds, per feed
    and item id, the items whose page failed transiently and will be retried.
    """

    seen: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    pending: Mapping[str, Mapping[str, PendingItem]] = field(default_factory=dict)

    def is_seen(self, item: FeedItem) -> bool:
        keys = set(self.seen.get(item.feed_url, ()))
        return item.id in keys or (item.url is not None and item.url in keys)

    def is_pending(self, item: FeedItem) -> bool:
        return item.id in self.pending.get(item.feed_url, {})

    def with_seen(self, items: Iterable[FeedItem]) -> FeedState:
        seen = {url: list(keys) for url, keys in self.seen.items()}
        for item in items:
            keys = seen.setdefault(item.feed_url, [])
            for key in (item.id, item.url):
                if key and key not in keys:
                    keys.append(key)
        return FeedState({url: tuple(keys[-MAX_SEEN_PER_FEED:]) for url, keys in seen.items()}, self.pending)

    def with_pending(self, pending: Mapping[str, Mapping[str, PendingItem]]) -> FeedState:
        kept = {feed: dict(list(items.items())[-MAX_PENDING_PER_FEED:]) for feed, items in pending.items() if items}
        return FeedState(self.seen, kept)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 2,
            "seen": {url: list(keys) for url, keys in self.seen.items()},
            "pending": {
                feed: {key: entry.to_dict() for key, entry in items.items()} for feed, items in self.pending.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeedState:
        seen = data.get("seen") or {}
        pending = data.get("pending") or {}
        return cls(
            {str(url): tuple(str(key) for key in keys) for url, keys in seen.items()},
            {
                str(feed): {str(key): PendingItem.from_dict(entry) for key, entry in items.items()}
                for feed, items in pending.items()
            },
        )


def poll(
    feed_urls: Iterable[str], fetcher: PageFetcher, state: FeedState | None = None
) -> tuple[list[Document], list[Rejected], FeedState]:
    """Fetch the feeds and return Documents for items not seen on earlier polls.

    A feed that fails to fetch or parse becomes a :class:`Rejected` (with the
    feed URL as source) and the others go on. A new item whose page is had, or
    fails for good (404, refused, not an article), is marked seen, turned into
    a Document or not, so a broken page is not fetched on every poll. An item
    whose page fails for a reason that may pass (``FetchError.retryable``:
    timeout, connection error, 5xx, 429) is kept pending instead and tried
    again after ``retry_wait(tries)`` skipped polls; after ``MAX_ITEM_TRIES``
    tries it falls back to the feed's own content or is rejected, naming the
    last reason. The given state is not changed; the new one is returned.

    Returns:
        ``(new_documents, rejected, new_state)``.
    """
    state = state or FeedState()
    feed_urls = list(dict.fromkeys(feed_urls))
    results, errors = fetcher.fetch_many(feed_urls)
    rejected: list[Rejected] = [Rejected(error.url, f"feed fetch failed: {error.reason}") for error in errors]
    pending = {feed: dict(items) for feed, items in state.pending.items()}
    to_try: list[FeedItem] = []
    new_items: list[FeedItem] = []
    for result in results:
        if result.not_modified and not result.from_cache:
            continue  # nothing new, and nothing to parse
        try:
            feed = parse_feed(result.body, result.url, result.final_url)
        except FeedError as error:
            rejected.append(Rejected(result.url, str(error), result.body))
            continue
        batch_keys: set[str] = set()
        for item in feed.items:
            if state.is_seen(item) or state.is_pending(item):
                continue
            if item.id in batch_keys or (item.url and item.url in batch_keys):
                continue
            batch_keys.update(key for key in (item.id, item.url) if key)
            new_items.append(item)
    # Pending items are retried from the state, whether or not their feed changed.
    for items in pending.values():
        for key, entry in list(items.items()):
            if entry.wait > 0:
                items[key] = dataclasses.replace(entry, wait=entry.wait - 1)
            else:
                to_try.append(entry.item)
    to_try.extend(new_items)
    by_url = _fetch_pages(to_try, fetcher)
    documents: list[Document] = []
    done: list[FeedItem] = []
    for item in to_try:
        outcome = by_url.get(item.url) if item.url else None
        earlier = pending.get(item.feed_url, {}).get(item.id)
        tries = (earlier.tries if earlier else 0) + 1
        made: Document | Rejected
        if isinstance(outcome, FetchError) and outcome.retryable:
            if tries < MAX_ITEM_TRIES:
                wait = retry_wait(tries)
                pending.setdefault(item.feed_url, {})[item.id] = PendingItem(item, tries, wait, outcome.reason)
                log.info("page of %s failed (%s); retried in %d poll(s)", _item_source(item), outcome.reason, wait + 1)
                continue
            made = _from_feed_content(item, f"page fetch failed on {tries} polls, giving up (last: {outcome.reason})")
        else:
            made = _item_document(item, outcome)
        pending.get(item.feed_url, {}).pop(item.id, None)
        done.append(item)
        if isinstance(made, Document):
            documents.append(made)
        else:
            rejected.append(made)
    return documents, rejected, state.with_seen(done).with_pending(pending)


__all__ = [
    "FORMATS",
    "Feed",
    "FeedError",
    "FeedItem",
    "FeedState",
    "OpmlFeed",
    "PageFetcher",
    "PendingItem",
    "detect_format",
    "items_to_documents",
    "normalize_date",
    "parse_feed",
    "parse_opml",
    "parse_url_list",
    "poll",
    "read_opml",
    "read_url_list",
    "retry_wait",
]
