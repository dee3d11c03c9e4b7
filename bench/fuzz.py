"""Fuzz every input parser: generated and mutated inputs, 0 crashes and 0 hangs expected.

Usage::

    python bench/fuzz.py --inputs 100000 [--seed N] [--timeout 5] [--jobs 1]

The contract checked for every input: the parser returns a result (or yields
``Document``/``Rejected`` items) or raises Rashomon's own ``InputError`` for that
input. Any other exception is a *crash*; an input that takes longer than the
per-input time limit is a *hang*; a worker that dies (out of memory under the
address-space cap, a segfault) is a crash too.

Inputs come from two sources, mixed:

* **mutation** of real inputs: the shared benchmark pages
  (``../shared/bench/article-extraction/html/*.html.gz``), the sample corpus
  (``examples/``), the seeds (``../shared/seeds/``), and WARC files, RSS, RSS 1.0,
  Atom, JSON Feed, OPML, ``.urls``, JSON, JSONL and sidecars generated from
  those texts; mutations are byte flips, truncation, splicing two inputs,
  deleting and duplicating tags, huge attributes, long runs, deep nesting,
  hostile tokens and wrong encodings;
* **Hypothesis strategies** for structured inputs (JSON records of any shape,
  XML feeds built from the feed vocabulary, Unicode text, URL lines).

Each input runs in a worker process (forked once, re-forked after a hang or a
death) under an address-space cap; the parent enforces the time limit. Failing
inputs up to 64 KB are written to ``tests/data/fuzz-regressions/TARGET/``, where
``tests/test_fuzz.py`` replays them.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import multiprocessing
import os
import random
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
BENCH_PAGES = SHARED / "bench" / "article-extraction" / "html"
REGRESSIONS = ROOT / "tests" / "data" / "fuzz-regressions"
MAX_SAVED_BYTES = 64 * 1024
MAX_INPUT_BYTES = 20_000_000  # the default max_input_mb
ADDRESS_SPACE_CAP = 3 * 1024**3  # per worker; an input that needs more is a crash


# -- cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One generated input for one parser.

    Attributes:
        target: Which parser (a key of :data:`TARGETS`).
        data: The input bytes.
        suffix: File name ending for file-based targets (``.txt``, ``.warc.gz`` …).
        sidecar: Bytes of a ``NAME.meta.json`` beside the file, if any.
        how: How it was made (seed family and mutations), for the report.
    """

    target: str
    data: bytes
    suffix: str = ""
    sidecar: bytes | None = None
    how: str = ""


class ContractError(AssertionError):
    """A parser returned something its contract does not allow."""


# -- seeds -------------------------------------------------------------------------------


def _texts() -> list[str]:
    texts: list[str] = []
    for folder in (SHARED / "seeds", ROOT / "examples" / "sample"):
        for path in sorted(folder.rglob("*.txt")):
            try:
                texts.append(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
    return texts or ["Berlin (dpa) - Ein Beispieltext.\n\nZweiter Absatz mit Inhalt und mehr Worten."]


def _sidecars() -> list[bytes]:
    found = [path.read_bytes() for path in sorted((ROOT / "examples" / "sample").rglob("*.meta.json"))]
    return found or [b'{"title": "T", "outlet": "O", "published": "2025-01-01", "language": "de"}']


def _pages(limit: int) -> list[bytes]:
    pages: list[bytes] = []
    for path in sorted(BENCH_PAGES.glob("*.html.gz"))[:limit]:
        pages.append(gzip.decompress(path.read_bytes()))
    for path in sorted((ROOT / "examples").rglob("*.html")):
        pages.append(path.read_bytes())
    return pages


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def make_html(rng: random.Random, text: str) -> bytes:
    """A plausible article page around ``text`` (with metadata and JSON-LD)."""
    paras = _paragraphs(text) or ["Text."]
    title = paras[0][:120]
    body = "".join(f"<p>{p}</p>\n" for p in paras[1:] or paras)
    date = rng.choice(["2025-03-04T10:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31", "2025-13-45", ""])
    ld = json.dumps({"@type": "NewsArticle", "headline": title, "datePublished": date, "author": {"name": "A. B."}})
    return (
        f"<!DOCTYPE html><html lang='{rng.choice(['de', 'en', 'xx-YY', ''])}'><head><meta charset='utf-8'>"
        f"<title>{title} | Outlet</title><link rel='canonical' href='https://news.example/{rng.randrange(999)}'>"
        f"<meta property='og:site_name' content='Outlet'><script type='application/ld+json'>{ld}</script>"
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>\n{body}</article>"
        f"<footer>Copyright</footer></body></html>"
    ).encode()


def make_rss(rng: random.Random, texts: list[str]) -> bytes:
    items = []
    for text in rng.sample(texts, min(len(texts), rng.randint(1, 4))):
        paras = _paragraphs(text) or ["x"]
        link = f"https://news.example/{rng.randrange(10**6)}"
        items.append(
            f"<item><title>{_xml(paras[0][:100])}</title><link>{link}</link>"
            f"<guid isPermaLink='{rng.choice(['true', 'false'])}'>{link}</guid>"
            f"<pubDate>{rng.choice(['Tue, 04 Mar 2025 10:00:00 +0100', 'garbage', 'Mon, 01 Jan 0001 00:00:00 GMT'])}</pubDate>"
            f"<dc:creator>A</dc:creator><description>{_xml(paras[-1][:200])}</description>"
            f"<content:encoded><![CDATA[{''.join(f'<p>{p}</p>' for p in paras)}]]></content:encoded></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/' "
        "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>Outlet</title>"
        f"<link>https://news.example/</link>{''.join(items)}</channel></rss>"
    ).encode()


def make_rdf(rng: random.Random, texts: list[str]) -> bytes:
    paras = _paragraphs(rng.choice(texts)) or ["x"]
    return (
        "<?xml version='1.0'?><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
        "xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
        "<channel rdf:about='https://news.example/'><title>Outlet</title><link>https://news.example/</link></channel>"
        f"<item rdf:about='https://news.example/a'><title>{_xml(paras[0][:80])}</title>"
        f"<link>https://news.example/a</link><dc:date>2025-03-04</dc:date>"
        f"<description>{_xml(paras[-1][:300])}</description></item></rdf:RDF>"
    ).encode()


def make_atom(rng: random.Random, texts: list[str]) -> bytes:
    entries = []
    for text in rng.sample(texts, min(len(texts), rng.randint(1, 3))):
        paras = _paragraphs(text) or ["x"]
        kind = rng.choice(["html", "xhtml", "text"])
        if kind == "xhtml":
            content = (
                "<div xmlns='http://www.w3.org/1999/xhtml'>" + "".join(f"<p>{_xml(p)}</p>" for p in paras) + "</div>"
            )
        else:
            content = _xml("".join(f"<p>{p}</p>" for p in paras))
        entries.append(
            f"<entry xml:base='/{rng.randrange(99)}/'><title type='html'>{_xml(paras[0][:80])}</title>"
            f"<link rel='alternate' href='a{rng.randrange(999)}'/><id>urn:x:{rng.randrange(10**6)}</id>"
            f"<published>2025-03-04T10:00:00+01:00</published><author><name>A</name></author>"
            f"<content type='{kind}'>{content}</content></entry>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
        f"xml:base='https://news.example/'><title>Outlet</title><link href='/'/>{''.join(entries)}</feed>"
    ).encode()


def make_jsonfeed(rng: random.Random, texts: list[str]) -> bytes:
    items = []
    for text in rng.sample(texts, min(len(texts), rng.randint(1, 3))):
        paras = _paragraphs(text) or ["x"]
        items.append(
            {
                "id": rng.choice([str(rng.randrange(999)), rng.randrange(999), None]),
                "url": f"https://news.example/{rng.randrange(999)}",
                "title": paras[0][:80],
                rng.choice(["content_html", "content_text"]): "\n".join(paras),
                "date_published": rng.choice(["2025-03-04T10:00:00Z", "nope", "0001-01-01"]),
                "authors": [{"name": "A"}],
            }
        )
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Outlet", "items": items}).encode()


def make_opml(rng: random.Random) -> bytes:
    outlines = "".join(
        f"<outline text='F{i}' type='rss' xmlUrl='https://feeds.example/{i}.xml' htmlUrl='https://e.example/'/>"
        for i in range(rng.randint(1, 5))
    )
    return (
        "<?xml version='1.0'?><opml version='2.0'><head><title>Feeds</title></head><body>"
        f"<outline text='Folder'>{outlines}</outline></body></opml>"
    ).encode()


def make_urls(rng: random.Random) -> bytes:
    lines = ["# feeds", "https://news.example/feed.xml", "http://other.example/a#frag  # comment", "", "ftp://no"]
    rng.shuffle(lines)
    return "\n".join(lines).encode()


def make_record(rng: random.Random, text: str) -> dict[str, Any]:
    paras = _paragraphs(text) or ["x"]
    record: dict[str, Any] = {"text": text, "title": paras[0][:100]}
    for name, values in (
        ("id", [str(rng.randrange(10**6)), rng.randrange(10**6), None]),
        ("url", ["https://news.example/a", "http://[::1", "not a url"]),
        ("outlet", ["Outlet", ""]),
        ("published", ["2025-03-04", "0001-01-01T00:00:00Z", "yesterday"]),
        ("language", ["de", "EN-gb", "xx", "123"]),
        ("author", ["A. B.", None]),
    ):
        if rng.random() < 0.7:
            record[name] = rng.choice(values)
    return record


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def warc_record(
    kind: str, uri: str, payload: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200
) -> bytes:
    """One WARC/1.0 record; ``response`` records wrap the payload in an HTTP response."""
    if kind == "response":
        block = (
            f"HTTP/1.1 {status} OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        block_type = "application/http; msgtype=response"
    else:
        block, block_type = payload, content_type
    record_id = hashlib.sha1(uri.encode() + payload[:64]).hexdigest()
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{record_id}>\r\n"
        f"WARC-Date: 2025-03-04T10:00:00Z\r\nWARC-Target-URI: {uri}\r\n"
        f"Content-Type: {block_type}\r\nContent-Length: {len(block)}\r\n\r\n"
    ).encode()
    return head + block + b"\r\n\r\n"


def make_warc(rng: random.Random, pages: list[bytes], gz: bool) -> bytes:
    records = [warc_record("warcinfo", "", b"software: fuzz\r\n", "application/warc-fields")]
    for index in range(rng.randint(1, 3)):
        page = rng.choice(pages)
        uri = f"https://news.example/{index}"
        records.append(warc_record("request", uri, b"GET / HTTP/1.1\r\n\r\n", "application/http; msgtype=request"))
        kind = rng.choice(["response", "response", "resource", "revisit", "metadata"])
        records.append(
            warc_record(
                kind,
                uri,
                page,
                rng.choice(["text/html; charset=utf-8", "text/html; charset=bogus", "image/png", ""]),
                rng.choice([200, 200, 404, 301]),
            )
        )
    if gz:
        return b"".join(gzip.compress(record, compresslevel=1) for record in records)
    return b"".join(records)


@dataclass
class Seeds:
    """Real and generated inputs by family, the material every mutation starts from."""

    texts: list[str]
    pages: list[bytes]
    sidecars: list[bytes]
    small_pages: list[bytes] = field(default_factory=list)

    @classmethod
    def load(cls, max_pages: int = 181) -> Seeds:
        texts = _texts()
        pages = _pages(max_pages)
        rng = random.Random(0)
        small = [make_html(rng, text) for text in texts]
        return cls(texts, pages or small, _sidecars(), small)

    def family(self, rng: random.Random, name: str) -> bytes:
        """A fresh, well-formed input of one family."""
        texts = self.texts
        if name == "txt":
            return rng.choice(texts).encode()
        if name == "html":
            return rng.choice(self.pages) if rng.random() < 0.5 else rng.choice(self.small_pages)
        if name == "json":
            records = [make_record(rng, rng.choice(texts)) for _ in range(rng.randint(1, 3))]
            shape = rng.choice(["one", "list", "articles"])
            value: Any = records[0] if shape == "one" else records if shape == "list" else {"articles": records}
            return json.dumps(value, ensure_ascii=rng.random() < 0.5).encode()
        if name == "jsonl":
            return "\n".join(json.dumps(make_record(rng, rng.choice(texts))) for _ in range(rng.randint(1, 4))).encode()
        if name == "sidecar":
            return rng.choice(self.sidecars)
        if name == "rss":
            return make_rss(rng, texts)
        if name == "rdf":
            return make_rdf(rng, texts)
        if name == "atom":
            return make_atom(rng, texts)
        if name == "jsonfeed":
            return make_jsonfeed(rng, texts)
        if name == "opml":
            return make_opml(rng)
        if name == "urls":
            return make_urls(rng)
        if name in ("warc", "warc.gz"):
            return make_warc(rng, self.small_pages + self.pages[:8], gz=name == "warc.gz")
        raise KeyError(name)


# -- mutation ----------------------------------------------------------------------------

HOSTILE_TOKENS = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xc3\x28",
    b"\xed\xa0\x80",  # an encoded surrogate
    b"\xf4\x90\x80\x80",
    "\u2028\u2029\u0085".encode(),
    "\u202e\u200b\ufeff\u00ad".encode(),
    "e\u0301\u0301\u0301".encode(),
    b"\r",
    b"\r\n\r\n",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"]]>",
    b"<?xml version='1.0' encoding='utf-16'?>",
    b"<?xml version='1.0' encoding='bogus'?>",
    b"<!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;'>]>&b;",
    b"<!ENTITY xxe SYSTEM 'file:///etc/passwd'>",
    b"&#0;",
    b"&#x110000;",
    b"&#99999999999;",
    b"&amp",
    b"&nbsp;",
    b"<meta charset='utf-7'>",
    b"<meta http-equiv='content-type' content='text/html; charset=x-unknown'>",
    b"<script>",
    b"</script>",
    b"<style>",
    b"<table><tr><td>",
    b"<svg><foreignObject>",
    b"<math><mi>",
    b"<template>",
    b"<plaintext>",
    b"<frameset>",
    b"<base href='http://[::1'>",
    b"<link rel='canonical' href='http://[invalid'>",
    b"<link rel='canonical' href='https://x.example:99999999/'>",
    b"<meta property='og:url' content='//['>",
    b"<html lang='\xff\xfe'>",
    b"<time datetime='0001-01-01'>",
    b"<time datetime='99999-01-01'>",
    b"<script type='application/ld+json'>" + b"[" * 5000 + b"]" * 5000 + b"</script>",
    b'<script type=\'application/ld+json\'>{"@graph": {"@graph": {"author": [[[[{"name": 1}]]]]}}}</script>',
    b'{"datePublished": 1e999999, "author": {"name": NaN}}',
    b'"text": ' + b"[" * 3000,
    b'{"text": {"x": 1}, "id": [1,2], "title": 5}',
    b'{"id": 1e400, "text": "x"}',
    b"http://[::1",
    b"https://\xff\xfe/",
    b"WARC/1.0\r\n",
    b"Content-Length: 99999999999\r\n",
    b"Content-Length: -5\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Content-Encoding: gzip\r\n",
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
    b"0001-01-01T00:00:00Z",
    b"Mon, 32 Foo 99999 99:99:99 +9999",
    b"-99999-01-01",
]


def _tags(data: bytes) -> list[tuple[int, int]]:
    return [match.span() for match in re.finditer(rb"<[^<>]{0,200}>", data[:2_000_000])]


def mutate(rng: random.Random, data: bytes, other: Callable[[], bytes]) -> tuple[bytes, str]:
    """One random mutation of ``data``; ``other`` gives a second input for splicing."""
    kind = rng.choice(MUTATIONS)
    size = len(data)
    pos = rng.randrange(size + 1)
    if kind == "flip" and size:
        out = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            out[rng.randrange(size)] = rng.randrange(256)
        return bytes(out), kind
    if kind == "truncate":
        return data[:pos], kind
    if kind == "cut":
        end = min(size, pos + rng.randint(1, 4096))
        return data[:pos] + data[end:], kind
    if kind == "splice":
        second = other()
        return data[:pos] + second[rng.randrange(len(second) + 1) :], kind
    if kind in ("tag-delete", "tag-duplicate"):
        tags = _tags(data)
        if tags:
            start, end = rng.choice(tags)
            if kind == "tag-delete":
                return data[:start] + data[end:], kind
            return data[:end] + data[start:end] * rng.randint(1, 200) + data[end:], kind
        return data, kind
    if kind == "huge-attribute":
        value = bytes([rng.choice(b"a\"'<>&= \x00\xff")]) * rng.choice([1000, 100_000, 1_000_000])
        return data[:pos] + b"<div data-x='" + value + b"'>" + data[pos:], kind
    if kind == "long-run":
        unit = rng.choice([b"a", b" ", b"!", b".", b"\n", b"\xd0\xb0", b"- ", b"1", b"&", b"<", b"\t", b"ab "])
        return data[:pos] + unit * rng.choice([100, 10_000, 200_000]) + data[pos:], kind
    if kind == "nest":
        tag = rng.choice([b"div", b"p", b"span", b"b", b"li", b"blockquote", b"item", b"outline", b"entry"])
        depth = rng.choice([300, 3000, 30_000])
        return data[:pos] + (b"<" + tag + b">") * depth + b"words in depth" + (b"</" + tag + b">") * depth, kind
    if kind == "token":
        return data[:pos] + rng.choice(HOSTILE_TOKENS) + data[pos:], kind
    if kind == "encoding":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data[::-1], kind + "-reverse"
        codec = rng.choice(["cp1252", "latin-1", "utf-16", "utf-16-le", "utf-32", "shift_jis", "koi8-r", "cp1251"])
        return text.encode(codec, errors="replace"), f"{kind}-{codec}"
    if kind == "bom":
        return rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"]) + data, kind
    if kind == "gzip":
        return gzip.compress(data, compresslevel=1), kind
    if kind == "repeat" and size:
        start = rng.randrange(size)
        chunk = data[start : start + rng.randint(1, 512)]
        return data[:pos] + chunk * rng.randint(2, 500) + data[pos:], kind
    if kind == "empty-ish":
        return rng.choice([b"", b" ", b"\n\n", b"\xef\xbb\xbf", b"{}", b"[]", b"<", b"<a", b"null", b'""']), kind
    return data, "none"


MUTATIONS = (
    "flip",
    "flip",
    "truncate",
    "cut",
    "splice",
    "tag-delete",
    "tag-duplicate",
    "huge-attribute",
    "long-run",
    "nest",
    "token",
    "token",
    "encoding",
    "bom",
    "gzip",
    "repeat",
    "empty-ish",
)


# -- targets -----------------------------------------------------------------------------

# target -> (weight, seed families, file suffixes); weights keep the costly HTML extractor
# at about a fifth of the inputs, so 100,000 inputs run in minutes on one core.
TARGET_PLAN: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {
    "read_file": (
        0.22,
        ("txt", "html", "json", "jsonl", "warc", "warc.gz", "sidecar"),
        (".txt", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".warc", ".warc.gz", ".txt.gz", ".html.gz", ".xyz"),
    ),
    "decode_text": (0.14, ("txt", "html", "json", "rss"), ()),
    "document_from_html": (0.08, ("html",), ()),
    "iter_warc_records": (0.06, ("warc", "warc.gz"), (".warc", ".warc.gz")),
    "parse_feed": (0.14, ("rss", "rdf", "atom", "jsonfeed", "opml"), ()),
    "detect_format": (0.08, ("rss", "rdf", "atom", "jsonfeed", "opml", "html"), ()),
    "read_opml": (0.08, ("opml", "rss"), (".opml",)),
    "read_url_list": (0.08, ("urls",), (".urls",)),
    "clean_document": (0.12, ("txt", "html"), ()),
}
_SUFFIX_FAMILY = {
    ".txt": "txt",
    ".txt.gz": "txt",
    ".html": "html",
    ".htm": "html",
    ".html.gz": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".warc": "warc",
    ".warc.gz": "warc.gz",
    ".xyz": "txt",
}


def _check_item(item: Any) -> None:
    from rashomon.records import Document, Rejected

    if isinstance(item, Rejected):
        if not isinstance(item.reason, str) or not item.reason or not isinstance(item.raw, bytes):
            raise ContractError(f"malformed Rejected: {item!r:.200}")
        return
    if not isinstance(item, Document):
        raise ContractError(f"yielded {type(item).__name__}, not a Document or Rejected")
    if not isinstance(item.text, str) or not item.text.strip():
        raise ContractError("Document with empty text")
    for name in ("text", "title", "url", "outlet", "published", "language", "author", "source", "id"):
        value = getattr(item, name)
        if value is not None and not isinstance(value, str):
            raise ContractError(f"Document.{name} is {type(value).__name__}")
        try:
            (value or "").encode("utf-8")  # the store and the exports write UTF-8
        except UnicodeEncodeError:
            raise ContractError(f"Document.{name} holds a lone surrogate") from None
    if not isinstance(item.id, str) or not item.id:
        raise ContractError(f"Document id {item.id!r}")


def _write(folder: Path, case: Case) -> Path:
    path = folder / f"input{case.suffix}"
    path.write_bytes(case.data)
    sidecar = folder / "input.meta.json"
    if case.sidecar is not None:
        sidecar.write_bytes(case.sidecar)
    elif sidecar.exists():
        sidecar.unlink()
    return path


class _StubFetcher:
    """Every fetch fails: feed items fall back to their own content (no network)."""

    def fetch(self, url: str) -> Any:
        from rashomon.ingest.fetch import FetchError

        raise FetchError(url, "offline (fuzz)")

    def fetch_many(self, urls: Any) -> tuple[list[Any], list[Any]]:
        from rashomon.ingest.fetch import FetchError

        return [], [FetchError(url, "offline (fuzz)") for url in urls]


def run_case(case: Case, folder: Path, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """Run one case against its parser; return ``ok`` or ``refused`` (InputError).

    Raises:
        ContractError: the parser's result breaks its contract.
        Exception: whatever the parser raised that is not an InputError (a crash).
    """
    from rashomon.errors import InputError

    try:
        _run(case, folder, max_bytes)
    except InputError:
        return "refused"
    return "ok"


def _run(case: Case, folder: Path, max_bytes: int) -> None:
    target = case.target
    if target == "read_file":
        from rashomon.ingest.files import read_file

        for item in read_file(_write(folder, case), max_bytes):
            _check_item(item)
    elif target == "decode_text":
        from rashomon.ingest.files import decode_text

        text, encoding = decode_text(case.data)
        if not isinstance(text, str) or not isinstance(encoding, str):
            raise ContractError("decode_text returned a non-string")
    elif target == "document_from_html":
        from rashomon.ingest.html import document_from_html

        _check_item(document_from_html(case.data, "fuzz.html", None, "https://news.example/a/b"))
    elif target == "iter_warc_records":
        from rashomon.ingest.warc import WarcItem, iter_warc_records

        for warc_item in iter_warc_records(_write(folder, case), max_record_bytes=max_bytes):
            if not isinstance(warc_item, WarcItem):
                raise ContractError(f"yielded {type(warc_item).__name__}")
            _check_item(warc_item.item)
    elif target == "parse_feed":
        from rashomon.ingest.feeds import Feed, items_to_documents, parse_feed

        feed = parse_feed(case.data, "https://feeds.example/feed.xml")
        if not isinstance(feed, Feed):
            raise ContractError(f"parse_feed returned {type(feed).__name__}")
        documents, rejected = items_to_documents(feed.items[:5], _StubFetcher())
        for item in [*documents, *rejected]:
            _check_item(item)
    elif target == "detect_format":
        from rashomon.ingest.feeds import FORMATS, detect_format

        found = detect_format(case.data)
        if found is not None and found not in FORMATS:
            raise ContractError(f"detect_format returned {found!r}")
    elif target == "read_opml":
        from rashomon.ingest.feeds import OpmlFeed, read_opml

        feeds = read_opml(_write(folder, case))
        if not all(isinstance(feed, OpmlFeed) for feed in feeds):
            raise ContractError("read_opml returned a non-OpmlFeed")
    elif target == "read_url_list":
        from rashomon.ingest.feeds import read_url_list

        urls, rejected = read_url_list(_write(folder, case))
        if not all(isinstance(url, str) for url in urls):
            raise ContractError("read_url_list returned a non-string URL")
        for item in rejected:
            _check_item(item)
    elif target == "clean_document":
        from rashomon.clean import clean_document
        from rashomon.records import Article, Document

        fields = json.loads(case.data)
        document = Document(
            id="fuzz",
            source="fuzz",
            raw=fields["text"].encode("utf-8", "surrogatepass"),
            text=fields["text"],
            encoding="utf-8",
            fmt=fields.get("fmt", "txt"),
            title=fields.get("title"),
            url=fields.get("url"),
            outlet=fields.get("outlet"),
        )
        article = clean_document(document)
        if not isinstance(article, Article) or not isinstance(article.text, str):
            raise ContractError("clean_document returned no Article")
    else:
        raise KeyError(target)


def _clean_fields(rng: random.Random, text: str) -> bytes:
    fields = {
        "text": text,
        "title": rng.choice([None, "", text[:50], "\x00\u202e", "   "]),
        "url": rng.choice(
            [None, "https://www.news.example/a", "http://[::1", "http://[bad/", "://", "https://x:999999/"]
        ),
        "outlet": rng.choice([None, "Outlet"]),
        "fmt": rng.choice(["txt", "html"]),
    }
    return json.dumps(fields).encode()


def generate(seeds: Seeds, rng: random.Random) -> Case:
    """One mutated input for a parser picked by weight."""
    names = list(TARGET_PLAN)
    target = rng.choices(names, weights=[TARGET_PLAN[name][0] for name in names])[0]
    _, families, suffixes = TARGET_PLAN[target]
    suffix = rng.choice(suffixes) if suffixes else ""
    family = _SUFFIX_FAMILY.get(suffix) or rng.choice(families)
    if target == "read_file" and rng.random() < 0.1:
        family = rng.choice(families)  # the wrong content for the suffix
    data = seeds.family(rng, family)
    steps = [family]
    for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3, 5])):
        data, step = mutate(rng, data, lambda: seeds.family(rng, rng.choice(families)))
        steps.append(step)
    if suffix.endswith(".gz") and not suffix.endswith("warc.gz") and rng.random() < 0.8:
        data = gzip.compress(data, compresslevel=1)
    sidecar = None
    if target == "read_file" and suffix in (".txt", ".html", ".txt.gz") and rng.random() < 0.3:
        sidecar, step = mutate(rng, seeds.family(rng, "sidecar"), lambda: seeds.family(rng, "json"))
        steps.append("sidecar-" + step)
    if target == "clean_document":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        data = _clean_fields(rng, text)
    return Case(target, data, suffix, sidecar, "+".join(steps))


# -- Hypothesis strategies -------------------------------------------------------------


def hypothesis_strategy() -> Any:
    """A Hypothesis strategy of :class:`Case` over every parser (structured inputs)."""
    from hypothesis import strategies as st

    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=40),
    )
    json_values = st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
        max_leaves=12,
    )
    field_names = st.sampled_from(
        ["text", "title", "url", "outlet", "published", "language", "author", "id", "articles"]
    )
    records = st.dictionaries(field_names, json_values | st.text(max_size=200), max_size=8)

    def json_bytes(value: Any) -> bytes:
        return json.dumps(value, allow_nan=True).encode()

    json_cases = st.builds(
        lambda record, suffix: Case("read_file", json_bytes(record), suffix, how="hypothesis-json"),
        st.one_of(records, st.lists(records, max_size=3), json_values),
        st.sampled_from([".json", ".jsonl"]),
    )
    jsonl_cases = st.builds(
        lambda lines: Case(
            "read_file", b"\n".join(json_bytes(line) for line in lines), ".jsonl", how="hypothesis-jsonl"
        ),
        st.lists(records | json_values, min_size=1, max_size=5),
    )
    sidecar_cases = st.builds(
        lambda text, sidecar: Case(
            "read_file", text.encode("utf-8", "surrogatepass"), ".txt", json_bytes(sidecar), "hypothesis-sidecar"
        ),
        st.text(min_size=1, max_size=200),
        records | json_values,
    )
    codecs = st.sampled_from(
        ["utf-8", "utf-16", "utf-16-be", "utf-32", "cp1252", "cp1251", "latin-1", "shift_jis", "gb18030", "utf-7"]
    )
    text_cases = st.builds(
        lambda text, codec: Case("decode_text", text.encode(codec, errors="replace"), how=f"hypothesis-text-{codec}"),
        st.text(max_size=300),
        codecs,
    )
    raw_cases = st.builds(lambda data: Case("decode_text", data, how="hypothesis-bytes"), st.binary(max_size=300))
    clean_cases = st.builds(
        lambda text, title, url: Case(
            "clean_document", json.dumps({"text": text, "title": title, "url": url}).encode(), how="hypothesis-clean"
        ),
        st.text(max_size=400),
        st.none() | st.text(max_size=40),
        st.none() | st.text(max_size=40) | st.from_regex(r"\Ahttps?://[\[\]a-z0-9.:@%]{0,20}/?\Z"),
    )
    # XML feeds built from the feed vocabulary: right names in the wrong places.
    tags = st.sampled_from(
        ["rss", "channel", "item", "title", "link", "guid", "pubDate", "description", "feed", "entry", "content",
         "summary", "id", "published", "author", "name", "opml", "body", "outline", "rdf:RDF", "dc:date",
         "content:encoded", "div", "p"]
    )  # fmt: skip
    attributes = st.dictionaries(
        st.sampled_from(["href", "rel", "type", "xml:base", "isPermaLink", "xmlUrl", "text", "title", "src", "xmlns"]),
        st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30),
        max_size=3,
    )

    def element(children: Any) -> Any:
        return st.builds(
            lambda tag, attrs, kids: (
                f"<{tag}"
                + "".join(f' {k}="{_xml(v).replace(chr(34), "&quot;")}"' for k, v in attrs.items())
                + ">"
                + "".join(kids)
                + f"</{tag}>"
            ),
            tags,
            attributes,
            st.lists(children, max_size=4),
        )

    leaves = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30).map(_xml)
    xml_docs = st.recursive(leaves, element, max_leaves=20)
    roots = st.sampled_from(
        [
            "<rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/' xmlns:content='http://purl.org/rss/1.0/modules/content/'>{}</rss>",
            "<feed xmlns='http://www.w3.org/2005/Atom'>{}</feed>",
            "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='http://purl.org/rss/1.0/'>{}</rdf:RDF>",
            "<opml version='2.0'>{}</opml>",
            "{}",
        ]
    )
    feed_cases = st.builds(
        lambda root, body, target: Case(
            target, root.format(body).encode(), ".opml" if target == "read_opml" else "", how="hypothesis-xml"
        ),
        roots,
        xml_docs,
        st.sampled_from(["parse_feed", "detect_format", "read_opml"]),
    )
    jsonfeed_cases = st.builds(
        lambda items: Case(
            "parse_feed",
            json_bytes({"version": "https://jsonfeed.org/version/1.1", "items": items}),
            how="hypothesis-jsonfeed",
        ),
        st.lists(
            st.dictionaries(
                st.sampled_from(
                    ["id", "url", "title", "content_html", "content_text", "date_published", "authors", "author"]
                ),
                json_values,
                max_size=6,
            ),
            max_size=3,
        )
        | json_values,
    )
    url_lines = st.lists(
        st.one_of(
            st.text(max_size=60),
            st.from_regex(r"\A(https?|ftp|file)://[\[\]a-z0-9.:@%#/ ?=-]{0,40}\Z"),
        ),
        max_size=8,
    )
    url_cases = st.builds(
        lambda lines: Case(
            "read_url_list", "\n".join(lines).encode("utf-8", "surrogatepass"), ".urls", how="hypothesis-urls"
        ),
        url_lines,
    )
    return st.one_of(
        json_cases,
        jsonl_cases,
        sidecar_cases,
        text_cases,
        raw_cases,
        clean_cases,
        feed_cases,
        jsonfeed_cases,
        url_cases,
    )


def hypothesis_cases(count: int, seed: int) -> Iterator[Case]:
    """``count`` cases drawn by Hypothesis, seeded (generation only, no shrinking)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    strategy = hypothesis_strategy()
    chunk = 1000
    collected: list[Case] = []

    def collect(case: Case) -> None:
        collected.append(case)

    for start in range(0, count, chunk):
        wanted = min(chunk, count - start)
        run = hypothesis_seed(seed * 1_000_003 + start)(
            settings(
                max_examples=wanted,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )(given(strategy)(collect))
        )
        run()
        yield from collected[:wanted]
        collected.clear()


def iter_cases(total: int, seed: int, seeds: Seeds, hypothesis_share: float = 0.25) -> Iterator[Case]:
    """``total`` cases: a share from Hypothesis, the rest mutations, interleaved deterministically."""
    rng = random.Random(seed)
    wanted = int(total * hypothesis_share)
    drawn = hypothesis_cases(wanted, seed) if wanted else iter(())
    made = 0
    for index in range(total):
        if made < wanted and index % max(1, round(1 / hypothesis_share)) == 0:
            case = next(drawn, None)
            if case is not None:
                made += 1
                yield case
                continue
        yield generate(seeds, rng)


# -- pathological inputs ----------------------------------------------------------------

PATHOLOGICAL_SECONDS = 20.0  # each is refused (or read) within this, measured on one core
PATHOLOGICAL_RSS_MB = 1500  # and within this peak resident memory added by its worker


def _gzip_bomb(size: int, prefix: bytes = b"", level: int = 9) -> bytes:
    """A gzip member of ``prefix`` and then ``size`` zero bytes (about 1 KB per MB)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    parts = [compressor.compress(prefix)]
    block = b"\0" * (1 << 22)
    for _ in range(size // len(block)):
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    return b"".join(parts)


def _warc_bomb(size: int, declared: int | None = None) -> bytes:
    """A .warc.gz whose second record inflates to ``size`` bytes; an honest record follows it."""
    page = (
        b"<html><body><article><p>" + b"A real paragraph of the article text. " * 20 + b"</p></article></body></html>"
    )
    head = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:bomb>\r\nWARC-Target-URI: https://x.example/b\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {declared if declared is not None else size + 45}\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    ).encode()
    return (
        gzip.compress(warc_record("warcinfo", "", b"software: fuzz\r\n", "application/warc-fields"))
        + _gzip_bomb(size, head)
        + gzip.compress(warc_record("response", "https://x.example/after", page))
    )


def pathological_cases(bomb: int = 1 << 30) -> list[tuple[str, Callable[[], Case], int]]:
    """``(name, make_case, max_input_bytes)`` for inputs that must be refused (or read) within limits.

    Cases are made lazily (in the measuring process), so each one's peak memory is its own.
    """
    words = b"Die Regierung hat am Dienstag neue Regeln beschlossen. "

    def line() -> bytes:
        return (words * (50_000_000 // len(words) + 1))[:50_000_000]

    big = 60_000_000  # max_input_mb raised so that size is not what refuses the 50 MB line
    nested_json = b"[" * 100_000 + b"]" * 100_000
    ld = b"<script type='application/ld+json'>" + b'{"author":' * 100_000 + b"1" + b"}" * 100_000 + b"</script>"
    html = b"<html><body><p>" + words * 20 + b"</p>"
    return [
        (
            "100k nested <div> (.html)",
            lambda: Case("read_file", b"<html><body>" + b"<div>" * 100_000 + html + b"</div>" * 100_000, ".html"),
            MAX_INPUT_BYTES,
        ),
        (
            "100k nested table/list/inline (HTML)",
            lambda: Case("document_from_html", b"<html><body>" + b"<table><tr><td><ul><li><b>" * 20_000 + html),
            MAX_INPUT_BYTES,
        ),
        ("100k nested JSON-LD objects (HTML)", lambda: Case("document_from_html", ld + html), MAX_INPUT_BYTES),
        (
            "100k nested <item> (RSS)",
            lambda: Case("parse_feed", b"<rss version='2.0'><channel>" + b"<item>" * 100_000 + b"</item>" * 100_000),
            MAX_INPUT_BYTES,
        ),
        (
            "100k nested <outline> (.opml)",
            lambda: Case(
                "read_opml", b"<opml><body>" + b"<outline text='x'>" * 100_000 + b"</outline>" * 100_000, ".opml"
            ),
            MAX_INPUT_BYTES,
        ),
        ("100k nested arrays (.json)", lambda: Case("read_file", nested_json, ".json"), MAX_INPUT_BYTES),
        (
            "100k nested arrays (.jsonl)",
            lambda: Case("read_file", nested_json + b'\n{"text": "ok"}', ".jsonl"),
            MAX_INPUT_BYTES,
        ),
        (
            "100k nested arrays (JSON Feed)",
            lambda: Case("parse_feed", b'{"version": "https://jsonfeed.org/version/1", "items": ' + nested_json + b"}"),
            MAX_INPUT_BYTES,
        ),
        ("50 MB single line (.txt)", lambda: Case("read_file", line(), ".txt"), big),
        (
            "50 MB single line (clean)",
            lambda: Case("clean_document", json.dumps({"text": line().decode()}).encode()),
            big,
        ),
        (
            "50 MB single line (.html)",
            lambda: Case("read_file", b"<html><body><p>" + line() + b"</p></body></html>", ".html"),
            big,
        ),
        (
            "50 MB single line (.jsonl)",
            lambda: Case("read_file", json.dumps({"text": line().decode()}).encode(), ".jsonl"),
            big,
        ),
        (
            "50 MB single line (.urls)",
            lambda: Case("read_url_list", b"https://x.example/" + line().replace(b" ", b"-"), ".urls"),
            big,
        ),
        ("50 MB single line, cp1252 (.txt)", lambda: Case("read_file", line().replace(b"e", b"\xe9"), ".txt"), big),
        (
            f"{bomb >> 20} MB gzip bomb (.html.gz)",
            lambda: Case("read_file", _gzip_bomb(bomb), ".html.gz"),
            MAX_INPUT_BYTES,
        ),
        (
            f"{bomb >> 20} MB gzip bomb (.jsonl.gz, 2 members)",
            lambda: Case("read_file", gzip.compress(b'{"text": "a"}\n') + _gzip_bomb(bomb), ".jsonl.gz"),
            MAX_INPUT_BYTES,
        ),
        (
            f"{bomb >> 20} MB record in a .warc.gz",
            lambda: Case("iter_warc_records", _warc_bomb(bomb), ".warc.gz"),
            MAX_INPUT_BYTES,
        ),
        (
            f"{bomb >> 20} MB record in a .warc.gz, Content-Length lies",
            lambda: Case("iter_warc_records", _warc_bomb(bomb, declared=1000), ".warc.gz"),
            MAX_INPUT_BYTES,
        ),
        (
            f"{bomb >> 20} MB HTTP Content-Encoding bomb (.warc)",
            lambda: Case("iter_warc_records", _http_gzip_bomb(bomb), ".warc"),
            MAX_INPUT_BYTES,
        ),
    ]


def _http_gzip_bomb(size: int) -> bytes:
    body = _gzip_bomb(size)
    block = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
        % len(body)
        + body
    )
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:http-bomb>\r\nWARC-Target-URI: https://x.example/\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(block)}\r\n\r\n"
    ).encode()
    return head + block + b"\r\n\r\n"


def _measure(conn: Any, make: Callable[[], Case], folder: str, max_bytes: int) -> None:
    import logging

    logging.disable(logging.CRITICAL)
    sys.stderr = open(os.devnull, "w")
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))
    # A forked child starts with its parent's pages resident (and its high-water mark): what a
    # case uses is what it adds to that, its input included.
    _reset_peak_memory()
    baseline = _peak_memory_kb()
    case = make()
    before = _peak_memory_kb() - baseline
    start = time.perf_counter()
    try:
        status, detail = run_case(case, Path(folder), max_bytes), ""
    except BaseException as error:  # noqa: B036 - reported, not swallowed
        status, detail = "crash", f"{type(error).__name__}: {error}"[:300]
    seconds = time.perf_counter() - start
    peak = _peak_memory_kb() - baseline
    conn.send((status, seconds, detail, peak * 1024, before * 1024))


def _reset_peak_memory() -> None:
    """Start this process's peak resident memory afresh (Linux: ``/proc/self/clear_refs``)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_memory_kb() -> int:
    """This process's peak resident memory in KB since :func:`_reset_peak_memory` (``VmHWM``);
    where there is no ``/proc``, ``ru_maxrss`` (which counts from the fork, parent included)."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        status = Path("/proc/self/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure_pathological(
    make: Callable[[], Case], max_bytes: int, timeout: float = 120.0
) -> tuple[str, float, int, str]:
    """Make and run one pathological case in a fresh process: ``(status, seconds, peak_rss_bytes, detail)``.

    The peak resident memory is what the case added to the process it was forked from: the
    input it was given and everything the run held (a forked child starts with its parent's
    pages resident, which are not the case's).
    """
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="rashomon-patho-") as folder:
        parent, child = context.Pipe()
        process = context.Process(target=_measure, args=(child, make, folder, max_bytes), daemon=True)
        process.start()
        child.close()
        if not parent.poll(timeout):
            os.kill(process.pid, signal.SIGKILL)
            process.join()
            return "hang", timeout, 0, f"no answer within {timeout} s"
        try:
            status, seconds, detail, peak, _ = parent.recv()
        except EOFError:
            process.join()
            return "crash", 0.0, 0, f"worker died (exit code {process.exitcode})"
        process.join()
        return status, seconds, peak, detail


# -- running: in-process (tests) and in a watched worker (bench) ---------------------------


class Hang(Exception):
    """Raised by the in-process alarm when one input runs past its time limit."""


@dataclass
class Outcome:
    """What happened to one case."""

    status: str  # ok | refused | crash | hang
    seconds: float
    detail: str = ""


def run_in_process(case: Case, folder: Path, timeout: float) -> Outcome:
    """Run one case here, with SIGALRM as the time limit (for tests; cannot stop C code)."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise Hang(f"over {timeout} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.perf_counter()
    try:
        status = run_case(case, folder)
        return Outcome(status, time.perf_counter() - start)
    except Hang as error:
        return Outcome("hang", time.perf_counter() - start, str(error))
    except Exception:
        return Outcome("crash", time.perf_counter() - start, traceback.format_exc(limit=12))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _worker(conn: Any, folder: str, cap: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import logging

    logging.disable(logging.CRITICAL)  # readers log what they reject; the bench counts it instead
    sys.stderr = open(os.devnull, "w")  # warcio prints a warning per odd record
    # import every parser before the first case: a fresh worker (after a hang) would otherwise
    # spend its first case's time limit importing trafilatura, lxml and charset-normalizer
    import rashomon.clean
    import rashomon.ingest.feeds
    import rashomon.ingest.html
    import rashomon.ingest.warc  # noqa: F401
    from rashomon.ingest.html import document_from_html

    document_from_html(b"<html><body><p>warm up the extractor once</p></body></html>", "warm-up")
    while True:
        case = conn.recv()
        if case is None:
            return
        start = time.perf_counter()
        try:
            status, detail = run_case(case, Path(folder)), ""
        except MemoryError:
            status, detail = "crash", "MemoryError (address-space cap reached)"
        except Exception:
            status, detail = "crash", traceback.format_exc(limit=12)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        conn.send((status, time.perf_counter() - start, detail, rss))


class Watched:
    """A worker process that runs cases; the parent kills and replaces it on a hang."""

    def __init__(self, folder: Path, cap: int = ADDRESS_SPACE_CAP) -> None:
        self.folder = folder
        self.cap = cap
        self.peak_rss = 0
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, str(self.folder), self.cap), daemon=True)
        self.process.start()
        child.close()

    def run(self, case: Case, timeout: float) -> Outcome:
        start = time.perf_counter()
        try:
            self.conn.send(case)
            if self.conn.poll(timeout):
                status, seconds, detail, rss = self.conn.recv()
                self.peak_rss = max(self.peak_rss, rss)
                return Outcome(status, seconds, detail)
            outcome = Outcome("hang", time.perf_counter() - start, f"no answer within {timeout} s")
        except (EOFError, OSError, BrokenPipeError):
            code = self.process.exitcode
            outcome = Outcome("crash", time.perf_counter() - start, f"worker died (exit code {code})")
        self.restart()
        return outcome

    def restart(self) -> None:
        if self.process.is_alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join()
        self.conn.close()
        self._start()

    def close(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        self.process.join(5)
        if self.process.is_alive():
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.join()


@dataclass
class Report:
    """Figures of one fuzz run."""

    inputs: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    failures: list[tuple[Case, Outcome]] = field(default_factory=list)
    slowest: tuple[float, str, str] = (0.0, "", "")
    seconds: float = 0.0
    peak_rss: int = 0

    def add(self, case: Case, outcome: Outcome) -> None:
        self.inputs[case.target] += 1
        self.statuses[case.target][outcome.status] += 1
        if outcome.status in ("crash", "hang"):
            self.failures.append((case, outcome))
        if outcome.seconds > self.slowest[0]:
            self.slowest = (outcome.seconds, case.target, f"{case.how} ({len(case.data):,} bytes)")

    def count(self, status: str) -> int:
        return sum(counter[status] for counter in self.statuses.values())

    def text(self) -> str:
        lines = [f"{'parser':<20} {'inputs':>8} {'ok':>8} {'refused':>8} {'crash':>6} {'hang':>5}"]
        for target in TARGET_PLAN:
            counts = self.statuses.get(target, Counter())
            lines.append(
                f"{target:<20} {self.inputs[target]:>8,} {counts['ok']:>8,} {counts['refused']:>8,} "
                f"{counts['crash']:>6} {counts['hang']:>5}"
            )
        total = sum(self.inputs.values())
        lines.append(
            f"{'total':<20} {total:>8,} {self.count('ok'):>8,} {self.count('refused'):>8,} "
            f"{self.count('crash'):>6} {self.count('hang'):>5}"
        )
        lines.append(f"crashes: {self.count('crash')}, hangs: {self.count('hang')}")
        lines.append(f"slowest input: {self.slowest[0]:.2f} s ({self.slowest[1]}: {self.slowest[2]})")
        lines.append(f"peak RSS of a worker: {self.peak_rss / 2**20:.0f} MiB")
        lines.append(f"wall time: {self.seconds:.0f} s ({total / max(self.seconds, 1e-9):.0f} inputs/s)")
        return "\n".join(lines)


def save_failure(case: Case, outcome: Outcome, folder: Path = REGRESSIONS) -> Path | None:
    """Write a failing input to the regression corpus (small inputs only)."""
    if len(case.data) > MAX_SAVED_BYTES:
        return None
    digest = hashlib.sha256(case.data + (case.sidecar or b"")).hexdigest()[:12]
    target_dir = folder / case.target
    target_dir.mkdir(parents=True, exist_ok=True)
    path = target_dir / f"{digest}{case.suffix or '.bin'}"
    path.write_bytes(case.data)
    if case.sidecar is not None and len(case.sidecar) <= MAX_SAVED_BYTES:
        stem = path.name[: -len(case.suffix)] if case.suffix else path.stem
        stem = stem[:-3] if stem.endswith(".txt") or stem.endswith(".htm") else stem
        (target_dir / f"{digest}.meta.json").write_bytes(case.sidecar)
    return path


def regression_case(path: Path) -> Case:
    """The case a regression-corpus file stands for (target from its folder, suffix from its name)."""
    target = path.parent.name
    name = path.name
    suffix = ""
    if target in ("read_file", "iter_warc_records", "read_opml", "read_url_list"):
        suffix = name[name.index(".") :] if "." in name else ""
    sidecar_path = path.with_name(name.split(".", 1)[0] + ".meta.json")
    sidecar = sidecar_path.read_bytes() if target == "read_file" and sidecar_path.is_file() else None
    return Case(target, path.read_bytes(), suffix, sidecar, f"regression {name}")


def regression_files(folder: Path = REGRESSIONS) -> list[Path]:
    """Every replayable file of the corpus (sidecars travel with their file)."""
    if not folder.is_dir():
        return []
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and not path.name.endswith((".meta.json", ".md"))
    )


def fuzz(total: int, seed: int, timeout: float, jobs: int = 1, save: bool = True, progress: bool = True) -> Report:
    """Run ``total`` cases in watched workers; return the report."""
    seeds = Seeds.load()
    report = Report()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(
        prefix="rashomon-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None
    ) as tmp:
        workers = [Watched(Path(tmp) / f"w{index}") for index in range(jobs)]
        for index in range(jobs):
            (Path(tmp) / f"w{index}").mkdir()
        try:
            if jobs == 1:
                for number, case in enumerate(iter_cases(total, seed, seeds), start=1):
                    _record(report, case, workers[0].run(case, timeout), save)
                    if progress and number % 5000 == 0:
                        _progress(report, number, total, start)
            else:
                from concurrent.futures import ThreadPoolExecutor

                cases = iter_cases(total, seed, seeds)
                with ThreadPoolExecutor(jobs) as pool:
                    number = 0
                    while True:
                        batch = [case for _, case in zip(range(jobs), cases, strict=False)]
                        if not batch:
                            break
                        outcomes = list(
                            pool.map(lambda pair: pair[0].run(pair[1], timeout), zip(workers, batch, strict=False))
                        )
                        for case, outcome in zip(batch, outcomes, strict=True):
                            _record(report, case, outcome, save)
                        number += len(batch)
                        if progress and number % 5000 < jobs:
                            _progress(report, number, total, start)
        finally:
            report.peak_rss = max(worker.peak_rss for worker in workers)
            for worker in workers:
                worker.close()
    report.seconds = time.perf_counter() - start
    return report


def _record(report: Report, case: Case, outcome: Outcome, save: bool) -> None:
    report.add(case, outcome)
    if outcome.status in ("crash", "hang"):
        saved = save_failure(case, outcome) if save else None
        lines = outcome.detail.strip().splitlines()
        where = [line.strip() for line in lines if line.strip().startswith("File ")][-1:] or [""]
        print(
            f"{outcome.status.upper()} {case.target} {case.how} ({len(case.data):,} bytes, {outcome.seconds:.1f} s): "
            f"{(lines or [''])[-1][:200]} at {where[0][:160]}" + (f" -> {saved.relative_to(ROOT)}" if saved else ""),
            flush=True,
        )


def _progress(report: Report, number: int, total: int, start: float) -> None:
    elapsed = time.perf_counter() - start
    print(
        f"{number:,}/{total:,} inputs, {report.count('crash')} crashes, {report.count('hang')} hangs, {elapsed:.0f} s",
        file=sys.stderr,
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="how many generated inputs (default 100,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=5.0, help="per-input time limit in seconds (default 5)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--no-save", action="store_true", help="do not write failing inputs to the corpus")
    parser.add_argument("--pathological", action="store_true", help="only time the pathological inputs")
    parser.add_argument("--analyze", type=int, metavar="N", help="only run analyze end to end over N mutated folders")
    args = parser.parse_args(argv)
    if args.analyze:
        figures = fuzz_analyze(args.analyze, args.seed)
        internal = figures.pop("internal_errors")
        print(json.dumps({**figures, "internal_errors": len(internal)}, indent=1))
        return 1 if figures["crashes"] or figures["hangs"] else 0
    if args.pathological:
        return _pathological_table()
    report = fuzz(args.inputs, args.seed, args.timeout, args.jobs, save=not args.no_save)
    print(report.text())
    return 1 if report.count("crash") or report.count("hang") else 0


# -- end to end: rashomon.pipeline.analyze over mutated inputs ----------------------------------

ANALYZE_SUFFIXES = (".txt", ".html", ".json", ".jsonl", ".warc.gz", ".txt.gz", ".html.gz")


def analyze_trial(seeds: Seeds, rng: random.Random) -> list[Case]:
    """A small folder's worth of mutated inputs (one to four files of mixed kinds)."""
    cases = []
    for _ in range(rng.randint(1, 4)):
        suffix = rng.choice(ANALYZE_SUFFIXES)
        data = seeds.family(rng, _SUFFIX_FAMILY[suffix])
        steps = []
        for _ in range(rng.choice([0, 1, 1, 2])):
            data, step = mutate(rng, data, lambda suffix=suffix: seeds.family(rng, _SUFFIX_FAMILY[suffix]))
            steps.append(step)
        if suffix.endswith(".gz") and not suffix.endswith("warc.gz"):
            data = gzip.compress(data, compresslevel=1)
        cases.append(Case("analyze", data, suffix, how="+".join([suffix, *steps])))
    return cases


def run_analyze(cases: list[Case], folder: Path) -> tuple[int, int, list[str]]:
    """``analyze`` over the cases as files; ``(articles, rejected, internal errors)``.

    Raises:
        Exception: whatever escaped the pipeline (a crash).
    """
    from rashomon.config import load_settings
    from rashomon.pipeline import analyze

    for old in folder.iterdir():
        old.unlink()
    for index, case in enumerate(cases):
        (folder / f"input{index}{case.suffix}").write_bytes(case.data)
    settings = load_settings(environ={}, embedder="hashing", workers=1)
    result = analyze([folder], settings)
    internal = [item.reason for item in result.rejected if "internal error" in item.reason]
    return len(result.articles), len(result.rejected), internal


def _analyze_worker(conn: Any, folder: str) -> None:
    import logging

    logging.disable(logging.CRITICAL)
    sys.stderr = open(os.devnull, "w")
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP * 2, ADDRESS_SPACE_CAP * 2))
    Path(folder).mkdir(exist_ok=True)
    while (cases := conn.recv()) is not None:
        start = time.perf_counter()
        try:
            articles, rejected, internal = run_analyze(cases, Path(folder))
            conn.send(("ok", time.perf_counter() - start, articles, rejected, internal))
        except Exception:
            conn.send(("crash", time.perf_counter() - start, 0, 0, [traceback.format_exc(limit=8)]))


def fuzz_analyze(trials: int, seed: int, timeout: float = 120.0) -> dict[str, Any]:
    """Run ``analyze`` end to end over ``trials`` mutated folders in a watched worker."""
    seeds = Seeds.load(max_pages=40)
    rng = random.Random(seed)
    figures: dict[str, Any] = {"trials": 0, "files": 0, "articles": 0, "rejected": 0, "crashes": 0, "hangs": 0}
    figures["internal_errors"] = []
    slowest = 0.0
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="rashomon-fuzz-analyze-") as tmp:
        conn, child = context.Pipe()
        process = context.Process(target=_analyze_worker, args=(child, tmp + "/in"), daemon=True)
        process.start()
        for _ in range(trials):
            cases = analyze_trial(seeds, rng)
            figures["trials"] += 1
            figures["files"] += len(cases)
            conn.send(cases)
            if not conn.poll(timeout):
                figures["hangs"] += 1
                print(f"HANG analyze {[case.how for case in cases]}", flush=True)
                os.kill(process.pid, signal.SIGKILL)
                process.join()
                conn, child = context.Pipe()
                process = context.Process(target=_analyze_worker, args=(child, tmp + "/in"), daemon=True)
                process.start()
                continue
            status, seconds, articles, rejected, internal = conn.recv()
            slowest = max(slowest, seconds)
            figures["articles"] += articles
            figures["rejected"] += rejected
            figures["internal_errors"].extend(internal)
            if status == "crash":
                figures["crashes"] += 1
                print(f"CRASH analyze {[case.how for case in cases]}: {internal[0][-400:]}", flush=True)
            for reason in internal:
                print(f"INTERNAL {[case.how for case in cases]}: {reason[:300]}", flush=True)
        conn.send(None)
        process.join(10)
    figures["slowest_s"] = round(slowest, 2)
    return figures


def _pathological_table() -> int:
    failed = 0
    print(f"{'input':<48} {'outcome':<8} {'seconds':>8} {'peak RSS':>9}")
    for name, make, max_bytes in pathological_cases():
        status, seconds, peak, detail = measure_pathological(make, max_bytes)
        slow = seconds > PATHOLOGICAL_SECONDS or peak > PATHOLOGICAL_RSS_MB * 2**20
        failed += status in ("crash", "hang") or slow
        print(f"{name:<48} {status:<8} {seconds:>8.2f} {peak / 2**20:>7.0f} MB {detail[:80]}", flush=True)
    print(f"limits: {PATHOLOGICAL_SECONDS:.0f} s and {PATHOLOGICAL_RSS_MB} MB each; {failed} over")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
