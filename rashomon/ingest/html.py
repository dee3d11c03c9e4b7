"""HTML pages: main text and metadata, one extraction layer for every HTML source.

Files, fetched pages, feed items and WARC records all go through
:func:`document_from_html`, so improving :func:`extract_page` improves them all.
The current extractor is trafilatura (fast mode, comments left out).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..records import Document, Item, Rejected

EXTRACTOR_NAME = "rashomon-html"
EXTRACTOR_VERSION = "1"


@dataclass(frozen=True)
class ExtractedPage:
    """What the extractor found in one HTML page."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    sitename: str | None = None
    hostname: str | None = None
    canonical_url: str | None = None
    language: str | None = None


def extract_page(html: str, url: str | None = None) -> ExtractedPage | None:
    """Main text and metadata of a page, or None when it has no article text."""
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html, url=url, include_comments=False, fast=True, with_metadata=True, include_tables=False
    )
    body = getattr(extracted, "text", None)
    if extracted is None or not body or not body.strip():
        return None

    def field(name: str) -> str | None:
        value = getattr(extracted, name, None)
        return str(value) if value else None

    return ExtractedPage(
        text=body,
        title=field("title"),
        author=field("author"),
        published=field("date"),
        sitename=field("sitename"),
        hostname=field("hostname"),
        canonical_url=field("url"),
        language=field("language"),
    )


def document_from_html(
    raw: bytes,
    source: str,
    meta: Mapping[str, str | None] | None = None,
    url: str | None = None,
) -> Item:
    """One HTML page as a :class:`Document`, or a :class:`Rejected` saying why not.

    Args:
        raw: The page's bytes as received.
        source: Where it came from (path, URL, ``warc-path#record-id``).
        meta: Metadata known from elsewhere (sidecar, feed item); it wins over
            what the page itself says.
        url: The page's URL, if known (helps the extractor and dates).
    """
    from .files import decode_text, make_id

    meta = dict(meta or {})
    try:
        html, encoding = decode_text(raw)
    except ValueError as error:
        return Rejected(source, str(error), raw)
    if not html.strip():
        return Rejected(source, "empty page (only whitespace)", raw)
    page = extract_page(html, url)
    if page is None:
        return Rejected(source, "HTML page has no extractable article text", raw)
    found = {
        "title": page.title,
        "url": url or page.canonical_url,
        "outlet": page.sitename or page.hostname,
        "published": page.published,
        "language": None,
    }
    merged: dict[str, Any] = {key: meta.get(key) or value for key, value in found.items()}
    return Document(
        id=make_id("html", raw), source=source, raw=raw, text=page.text, encoding=encoding, fmt="html", **merged
    )
