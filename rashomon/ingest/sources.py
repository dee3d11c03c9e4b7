"""Every kind of input behind one function: files, folders, WARC, feeds, OPML, URL lists, URLs.

:func:`read_sources` is what ``rashomon ingest`` and ``rashomon analyze`` read
through. An argument that is

* an ``http(s)://`` URL is fetched politely (:mod:`rashomon.ingest.fetch`): a
  feed (RSS, Atom, JSON Feed) yields its items' pages, anything else is
  extracted as one HTML page;
* an ``.opml`` file is a list of feeds: each is fetched and its items read;
* a ``.urls`` file is a list of URLs, one a line (``#`` starts a comment);
* a local feed file (``.rss``, ``.atom``, ``.feed.json``) yields its items' pages;
* anything else is a file or folder (:mod:`rashomon.ingest.files`, which also
  streams ``.warc`` and ``.warc.gz`` archives).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..config import Settings
from ..errors import InputError
from ..records import Document, Item, Rejected
from .files import read_paths

log = logging.getLogger(__name__)

URL_LIST_SUFFIXES = (".urls",)
OPML_SUFFIXES = (".opml",)
FEED_SUFFIXES = (".rss", ".atom", ".feed.json")


def is_url(value: str) -> bool:
    """True for an ``http://`` or ``https://`` address."""
    return value.lower().startswith(("http://", "https://"))


def make_fetcher(settings: Settings, cache=None):  # type: ignore[no-untyped-def]
    """A polite fetcher configured from the settings (one per run: it keeps robots.txt and rate limits).

    Args:
        settings: Run settings (user agent, fetch delay, size limit, address policy).
        cache: Where conditional-GET validators go: a
            :class:`~rashomon.ingest.fetch.WorkspaceFetchCache` for ``watch`` and
            ``ingest``; None = an in-memory cache for this run only.
    """
    from .fetch import DEFAULT_USER_AGENT, Fetcher, MemoryFetchCache

    return Fetcher(
        user_agent=settings.user_agent or DEFAULT_USER_AGENT,
        delay=settings.fetch_delay,
        max_bytes=settings.max_input_bytes,
        allow_private=settings.allow_private_addresses,
        cache=cache if cache is not None else MemoryFetchCache(),
    )


def feed_urls_of(inputs: Iterable[str]) -> tuple[list[str], list[Rejected]]:
    """Feed URLs named by arguments: URLs as they are, ``.opml`` and ``.urls`` files expanded."""
    from .feeds import FeedError, read_opml, read_url_list

    urls: list[str] = []
    rejected: list[Rejected] = []
    for given in inputs:
        name = str(given).lower()
        if is_url(str(given)):
            urls.append(str(given))
        elif name.endswith(OPML_SUFFIXES):
            try:
                urls.extend(feed.url for feed in read_opml(given))
            except (FeedError, OSError) as error:
                rejected.append(Rejected(str(given), f"not a readable OPML feed list: {error}"))
        elif name.endswith(URL_LIST_SUFFIXES):
            found, problems = read_url_list(given)
            urls.extend(found)
            rejected.extend(problems)
        else:
            rejected.append(Rejected(str(given), "expected a feed URL, an .opml feed list or a .urls file"))
    return list(dict.fromkeys(urls)), rejected


def _page_document(result, source: str) -> Item:  # type: ignore[no-untyped-def]
    from .html import document_from_html

    item = document_from_html(result.body, source, {}, url=result.final_url)
    if isinstance(item, Document):
        item = dataclasses.replace(item, origin="url", fetched_at=result.fetched_at)
    return item


def read_page(url: str, fetcher) -> Item:  # type: ignore[no-untyped-def]
    """One web page as a document (its article body extracted), or why it could not be read.
    Unlike :func:`read_url` a feed is not followed: it is refused as "not an article page"."""
    from .feeds import detect_format
    from .fetch import FetchError

    try:
        result = fetcher.fetch(url)
    except FetchError as error:
        return Rejected(url, error.reason)
    if detect_format(result.body) in ("rss", "rdf", "atom", "jsonfeed"):
        return Rejected(url, "a feed, not an article page")
    return _page_document(result, url)


def read_url(url: str, fetcher) -> Iterator[Item]:  # type: ignore[no-untyped-def]
    """One URL: a feed's item pages, or the page itself."""
    from .feeds import FeedError, detect_format, items_to_documents, parse_feed
    from .fetch import FetchError

    try:
        result = fetcher.fetch(url)
    except FetchError as error:
        yield Rejected(url, error.reason)
        return
    if detect_format(result.body) in ("rss", "rdf", "atom", "jsonfeed"):
        try:
            feed = parse_feed(result.body, url, result.final_url)
        except FeedError as error:
            yield Rejected(url, str(error), result.body)
            return
        documents, rejected = items_to_documents(feed.items, fetcher)
        yield from documents
        yield from rejected
        return
    yield _page_document(result, url)


def read_sources(
    inputs: Iterable[str | os.PathLike[str]], settings: Settings, fetcher=None, cache=None
) -> Iterator[Item]:  # type: ignore[no-untyped-def]
    """Documents and rejections from every argument (see the module docstring).

    A fetcher is made (with ``cache`` for conditional GETs) only when an argument needs the network.

    Total: a reader that fails on one argument (an :class:`~rashomon.errors.InputError`,
    or a bug: "internal error in read: …") costs that argument's remaining items,
    reported as a rejection; the other arguments are read on.
    """
    owned = None
    try:
        for given in inputs:
            text = os.fspath(given)
            name = text.lower()
            needs_network = is_url(text) or name.endswith(OPML_SUFFIXES + URL_LIST_SUFFIXES + FEED_SUFFIXES)
            if needs_network and fetcher is None:
                fetcher = owned = make_fetcher(settings, cache)
            yield from _read_one(text, name, settings, fetcher)
    finally:
        if owned is not None:
            owned.close()


def _read_one(text: str, name: str, settings: Settings, fetcher) -> Iterator[Item]:  # type: ignore[no-untyped-def]
    try:
        if is_url(text):
            yield from read_url(text, fetcher)
        elif name.endswith(OPML_SUFFIXES + URL_LIST_SUFFIXES):
            urls, rejected = feed_urls_of([text])
            yield from rejected
            for url in urls:
                yield from read_url(url, fetcher)
        elif name.endswith(FEED_SUFFIXES) and Path(text).is_file():
            yield from _read_feed_file(Path(text), fetcher)
        else:
            yield from read_paths([text], settings.max_input_bytes)
    except InputError as error:
        yield Rejected(text, str(error))
    except OSError as error:
        yield Rejected(text, f"cannot read: {error.strerror or error}")
    except Exception as error:  # a reader's bug must not sink the batch
        log.info("internal error reading %s", text, exc_info=True)
        yield Rejected(text, f"internal error in read: {type(error).__name__}: {error}")


def _read_feed_file(path: Path, fetcher) -> Iterator[Item]:  # type: ignore[no-untyped-def]
    from .feeds import FeedError, items_to_documents, parse_feed

    raw = path.read_bytes()
    try:
        feed = parse_feed(raw, path.resolve().as_uri())
    except FeedError as error:
        yield Rejected(str(path), str(error), raw)
        return
    documents, rejected = items_to_documents(feed.items, fetcher)
    yield from documents
    yield from rejected
