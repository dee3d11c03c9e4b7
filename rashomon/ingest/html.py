"""HTML pages: main text and metadata, one extraction layer for every HTML source.

Files, fetched pages, feed items and WARC records all go through
:func:`document_from_html`, so improving :func:`extract_page` improves them all.
The extractor is trafilatura (fast mode, comments left out) followed by Rashomon's own
clean-up (:mod:`._html_body`) and metadata pass (:mod:`._html_meta`); measure changes with
``bench/bench_extraction.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..records import Document, Item, Rejected

EXTRACTOR_NAME = "rashomon-html"
EXTRACTOR_VERSION = "2"

# Tuned on the article-extraction benchmark (see bench/bench_extraction.py); generic thresholds.
LINK_DENSITY_DROP = 0.6  # a block whose source element is this much link text is a teaser
LINK_BLOCK_MAX_WORDS = 30  # … unless it is long enough to be a real paragraph with links
RESCUE_MIN_WORDS = 8  # sibling-container paragraphs shorter than this are not rescued
RESCUE_MAX_LINK_DENSITY = 0.3


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
    description: str | None = None


def extract_page(html: str, url: str | None = None) -> ExtractedPage | None:
    """Main text and metadata of a page, or None when it has no article text.

    trafilatura (fast mode, comments left out) finds the article; :mod:`._html_body` then
    removes headline repeats, duplicate blocks, link-heavy teasers and trailing site furniture,
    and rescues paragraphs from sibling containers that trafilatura skipped.
    """
    import trafilatura

    from . import _html_body as body_clean
    from ._html_meta import page_metadata, parse_html

    # trafilatura parses the string itself (its loader cleans the markup in ways that matter);
    # our own tree serves metadata and maps extracted lines back to their source elements
    tree = parse_html(html)
    extracted = trafilatura.bare_extraction(
        html,
        url=url,
        include_comments=False,
        fast=True,
        with_metadata=False,
        include_tables=True,
    )
    body = getattr(extracted, "body", None)
    if body is None:
        return None
    meta = page_metadata(tree, url, extracted)
    blocks = body_clean.blocks_from_body(body)
    if tree is not None:
        source = body_clean.index_source(tree)
        blocks = body_clean.drop_linky(blocks, source, LINK_DENSITY_DROP, LINK_BLOCK_MAX_WORDS)
        blocks = body_clean.drop_furniture(blocks, source)
        blocks = body_clean.rescue_siblings(blocks, source, RESCUE_MIN_WORDS, RESCUE_MAX_LINK_DENSITY)
        blocks = body_clean.rescue_quotes(blocks, source)
    blocks = body_clean.drop_leading(
        blocks, [meta.title, meta.headline, meta.page_title], meta.description, meta.author
    )
    blocks = body_clean.drop_menus(blocks)
    blocks = body_clean.drop_repeats(blocks)
    blocks = body_clean.drop_trailing_boilerplate(blocks)
    text = "\n".join(block.text for block in blocks).strip()
    if not text:
        return None
    return ExtractedPage(
        text=text,
        title=meta.title,
        author=meta.author,
        published=meta.published,
        sitename=meta.sitename,
        hostname=meta.hostname,
        canonical_url=meta.canonical_url,
        language=meta.language,
        description=meta.description,
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
        "author": page.author,
    }
    merged: dict[str, Any] = {key: meta.get(key) or value for key, value in found.items()}
    return Document(
        id=make_id("html", raw), source=source, raw=raw, text=page.text, encoding=encoding, fmt="html", **merged
    )
