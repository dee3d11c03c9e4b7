"""WARC files (``.warc``, ``.warc.gz``) in, :class:`Document` or :class:`Rejected` out.

Reads web archives in the CC-NEWS layout: ``response`` records holding an HTTP
response whose payload is an HTML page. ``resource`` records with an HTML
content type are read too. Records are streamed one at a time (warcio); the
file is never loaded into memory, and a payload is read only when it is an HTML
page under ``max_record_bytes``.

What is not an article page is skipped silently and counted in a
:class:`WarcStats`: ``request``, ``metadata``, ``warcinfo`` and ``revisit``
records, non-HTML payloads (images, PDFs, ``robots.txt``) and HTTP statuses
other than 2xx. What is broken becomes one :class:`Rejected` naming the file,
the record and its byte offset (compressed offset for ``.warc.gz``):

* a record cut short (the file or its gzip member ends before the record's
  ``Content-Length``), or a payload that cannot be decoded;
* a corrupt stretch of the file: reading resumes at the next record start
  found after it (next gzip member holding a WARC header, or the next
  ``WARC/1.x`` line in a plain file);
* a whole file that cannot be opened or holds no WARC records.

:func:`iter_warc_records` yields :class:`WarcItem` pairs with the record's
provenance (record id, target URI, WARC date, payload digest, offset);
:func:`read_warc` yields the documents and rejections alone.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..records import Document, Item, Rejected

log = logging.getLogger(__name__)

DEFAULT_MAX_RECORD_BYTES = 20_000_000
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xhtml"})
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = b"WARC/"
_CHUNK = 1 << 20
# Longest header or separator line read between records. warcio reads lines without a bound,
# so a gzip member inflating to a gigabyte with no newline would be read into memory whole.
MAX_LINE_BYTES = 1 << 20


class _LineTooLong(Exception):
    """A line between or inside record headers is longer than :data:`MAX_LINE_BYTES`."""


def _bounded_iterator(fh: BinaryIO) -> Any:
    """warcio's ArchiveIterator over ``fh`` with every line it reads capped at :data:`MAX_LINE_BYTES`.

    Payloads are read with ``read`` (and capped by ``max_record_bytes``); only header and
    separator lines go through ``readline``, so capping it bounds what a hostile member costs.
    """
    from warcio.archiveiterator import ArchiveIterator

    iterator = ArchiveIterator(fh)
    unbounded = iterator.reader.readline

    def readline(length: int | None = None) -> bytes:
        limit = MAX_LINE_BYTES if not length or length > MAX_LINE_BYTES else length
        line: bytes = unbounded(limit)
        if len(line) >= MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise _LineTooLong(f"a line longer than {MAX_LINE_BYTES:,} bytes (not a WARC header)")
        return line

    iterator.reader.readline = readline
    return iterator


@dataclass(frozen=True)
class WarcItem:
    """One WARC record's outcome with its provenance.

    Attributes:
        item: The :class:`Document` read from the record, or a :class:`Rejected`.
        record_id: ``WARC-Record-ID`` without its angle brackets, if known.
        target_uri: ``WARC-Target-URI``, if known.
        warc_date: ``WARC-Date`` (when the page was fetched), if known.
        payload_digest: ``WARC-Payload-Digest``, if given.
        offset: Byte offset of the record in the file (compressed offset for ``.warc.gz``).
    """

    item: Item
    record_id: str | None
    target_uri: str | None
    warc_date: str | None
    payload_digest: str | None
    offset: int | None


@dataclass
class WarcStats:
    """Counts kept while reading one or more WARC files.

    Attributes:
        records: WARC records seen (including skipped ones).
        documents: Documents yielded.
        rejected: Rejections yielded (broken records, pages without article text, ...).
        skipped: Records skipped silently, by reason (``not-html``, ``http-status``,
            ``revisit``, ``request``, ``metadata``, ``warcinfo``, ...).
    """

    records: int = 0
    documents: int = 0
    rejected: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        """One line for a log or a progress report."""
        skipped = ", ".join(f"{reason} {count}" for reason, count in sorted(self.skipped.items()))
        return (
            f"{self.records} records: {self.documents} documents, {self.rejected} rejected, "
            f"{sum(self.skipped.values())} skipped" + (f" ({skipped})" if skipped else "")
        )


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get_header(name)
    return str(value).strip() if value else None


def _mime_and_charset(content_type: str | None) -> tuple[str | None, str | None]:
    if not content_type:
        return None, None
    parts = [part.strip() for part in content_type.split(";")]
    mime = parts[0].lower() or None
    charset = None
    for part in parts[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower() or None
    return mime, charset


def _looks_like_html(head: bytes) -> bool:
    sample = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return sample.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<html" in sample


def _with_declared_charset(raw: bytes, charset: str | None) -> tuple[bytes, str | None]:
    """Bytes to hand to the HTML reader: transcoded to UTF-8 when a declared charset is needed.

    UTF-8 (and bytes with a byte-order mark) are left to the reader's own
    detection. Otherwise, when the payload is not valid UTF-8 but decodes
    cleanly with the charset the server declared, the declaration wins.
    """
    if not charset or raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return raw, None
    try:
        raw.decode("utf-8")
        return raw, None
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return raw, None
    return text.encode("utf-8"), charset


def _drain(stream: Any) -> None:
    while stream.read(_CHUNK):
        pass


def _valid_start(fh: BinaryIO, offset: int, gz: bool) -> bool:
    """Does a WARC record (or a gzip member holding one) start at ``offset``?"""
    fh.seek(offset)
    head = fh.read(65536)
    if not gz:
        return head.startswith((b"WARC/1.0\r\n", b"WARC/1.1\r\n", b"WARC/1.0\n", b"WARC/1.1\n", b"WARC/0."))
    try:
        return zlib.decompressobj(31).decompress(head, 16).startswith(_WARC_MAGIC)
    except zlib.error:
        return False


def _next_start(fh: BinaryIO, start: int, gz: bool) -> int | None:
    """Offset of the first valid record start at or after ``start``, or None."""
    pattern = _GZIP_MAGIC if gz else _WARC_MAGIC
    position = start
    carry = b""
    while True:
        fh.seek(position)
        chunk = fh.read(_CHUNK)
        if not chunk:
            return None
        buffer = carry + chunk
        base = position - len(carry)
        index = buffer.find(pattern)
        while index != -1:
            candidate = base + index
            at_line_start = gz or candidate == 0 or (index > 0 and buffer[index - 1 : index] == b"\n")
            if candidate >= start and at_line_start and _valid_start(fh, candidate, gz):
                return candidate
            index = buffer.find(pattern, index + 1)
        carry = buffer[-len(pattern) :]
        position += len(chunk)


def _size(count: int) -> str:
    return f"{count:,} bytes" if count < 1_000_000 else f"{count / 1e6:.1f} MB"


def _short(error: BaseException) -> str:
    message = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


class _Reader:
    """State for reading one file: the path, the limit, the stats, ids seen."""

    def __init__(self, path: str, max_record_bytes: int, stats: WarcStats) -> None:
        self.path = path
        self.max_record_bytes = max_record_bytes
        self.stats = stats
        self.first_source: dict[str, str] = {}
        self.last_rejected_offset: int | None = None
        self.oversized = False  # the record just seen was refused for its size: skip it by scanning

    def item(self, item: Item, headers: Any = None, offset: int | None = None) -> WarcItem:
        if isinstance(item, Document):
            self.stats.documents += 1
        else:
            self.stats.rejected += 1
        record_id = _header(headers, "WARC-Record-ID")
        return WarcItem(
            item=item,
            record_id=record_id.strip("<>") if record_id else None,
            target_uri=_header(headers, "WARC-Target-URI"),
            warc_date=_header(headers, "WARC-Date"),
            payload_digest=_header(headers, "WARC-Payload-Digest"),
            offset=offset,
        )

    def record(self, record: Any, offset: int) -> WarcItem | None:
        """The outcome of one record, or None when it is skipped."""
        self.stats.records += 1
        headers = record.rec_headers
        record_type = (record.rec_type or "").lower()
        record_id = (_header(headers, "WARC-Record-ID") or "").strip("<>")
        source = f"{self.path}#{record_id}" if record_id else f"{self.path}@{offset}"
        where = f"record {record_id or '(no WARC-Record-ID)'} at byte {offset}"
        url = _header(headers, "WARC-Target-URI")

        if record_type not in ("response", "resource"):
            self.stats.skipped[record_type or "untyped"] += 1
            return None
        http = record.http_headers
        if record_type == "response":
            if http is None or not http.protocol.upper().startswith("HTTP"):
                self.stats.skipped["not-http"] += 1
                return None
            try:
                status = int(http.get_statuscode())
            except (TypeError, ValueError):
                status = 0
            if not 200 <= status < 300:
                self.stats.skipped["http-status"] += 1
                return None
            content_type = _header(http, "Content-Type")
        else:
            content_type = _header(headers, "Content-Type")
        mime, charset = _mime_and_charset(content_type)
        if mime is None:
            mime, _ = _mime_and_charset(_header(headers, "WARC-Identified-Payload-Type"))
        if mime is not None and mime not in HTML_TYPES:
            self.stats.skipped["not-html"] += 1
            return None
        if record.length is not None and record.length > self.max_record_bytes + 65536:
            self.oversized = True
            return self.item(
                Rejected(
                    source,
                    f"{where}: record is {_size(record.length)}, over the {_size(self.max_record_bytes)} limit (setting max_input_mb)",
                ),
                headers,
                offset,
            )
        try:
            payload = record.content_stream().read(self.max_record_bytes + 1)
            _drain(record.raw_stream)
        except Exception as error:  # a broken payload encoding, a bad chunk, a zlib error
            self.last_rejected_offset = offset
            return self.item(
                Rejected(source, f"{where}: payload cannot be read ({_short(error)}) in {self.path}"), headers, offset
            )
        if getattr(record.raw_stream, "limit", 0) > 0:
            self.last_rejected_offset = offset
            return self.item(
                Rejected(
                    source,
                    f"{where}: record is truncated ({record.raw_stream.limit:,} of {record.length:,} bytes missing) "
                    f"in {self.path}",
                    payload[: self.max_record_bytes],
                ),
                headers,
                offset,
            )
        if len(payload) > self.max_record_bytes:
            return self.item(
                Rejected(
                    source, f"{where}: payload is over the {_size(self.max_record_bytes)} limit (setting max_input_mb)"
                ),
                headers,
                offset,
            )
        if mime is None and not _looks_like_html(payload):
            self.stats.skipped["not-html"] += 1
            return None
        if not payload.strip():
            self.stats.skipped["empty"] += 1
            return None
        return self.item(self.document(payload, source, url, charset), headers, offset)

    def document(self, payload: bytes, source: str, url: str | None, charset: str | None) -> Item:
        from .files import make_id
        from .html import document_from_html

        given, declared = _with_declared_charset(payload, charset)
        item = document_from_html(given, source, None, url)
        if isinstance(item, Rejected):
            return dataclasses.replace(item, raw=payload)
        if declared:
            item = dataclasses.replace(item, raw=payload, encoding=declared, id=make_id("html", payload))
        if item.id in self.first_source:
            return Rejected(source, f"exact duplicate of {self.first_source[item.id]} (article {item.id})", payload)
        self.first_source[item.id] = source
        return item


def iter_warc_records(
    path: str | os.PathLike[str],
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    stats: WarcStats | None = None,
    on_done: Callable[[WarcStats], None] | None = None,
) -> Iterator[WarcItem]:
    """Every HTML record of a WARC file as a :class:`WarcItem`, streamed.

    Args:
        path: A ``.warc`` or ``.warc.gz`` file (compression is detected from the bytes).
        max_record_bytes: Larger payloads are rejected without being read.
        stats: Filled in while reading (pass one to see counts, also across files).
        on_done: Called with the stats when the file has been read to the end.

    Never raises for bad content: broken records and unreadable files come out
    as :class:`Rejected` items.
    """
    stats = stats if stats is not None else WarcStats()
    name = os.fspath(path)
    reader = _Reader(name, max_record_bytes, stats)
    try:
        fh = open(name, "rb")  # closed by the with block below, across yields
    except OSError as error:
        stats.rejected += 1
        yield WarcItem(Rejected(name, f"cannot read file: {error.strerror or error}"), None, None, None, None, None)
        return
    with fh:
        head = fh.read(4)
        if not head:
            stats.rejected += 1
            yield WarcItem(Rejected(name, "empty file"), None, None, None, None, None)
            return
        gz = head.startswith(_GZIP_MAGIC)
        position = 0 if _valid_start(fh, 0, gz) else _next_start(fh, 1, gz)
        if position is None:
            stats.rejected += 1
            kind = "gzip members holding WARC records" if gz else "a WARC/1.x record header"
            yield WarcItem(Rejected(name, f"not a readable WARC file (found no {kind})"), None, None, None, None, None)
            return
        if position > 0:
            stats.rejected += 1
            yield WarcItem(
                Rejected(f"{name}@0", f"corrupt data at byte 0 of {name}; reading resumes at byte {position}"),
                None,
                None,
                None,
                None,
                0,
            )
        any_record = False
        while position is not None:
            fh.seek(position)
            iterator = _bounded_iterator(fh)
            failure: BaseException | None = None
            skip_from: int | None = None
            try:
                for record in iterator:
                    if record.format != "warc":
                        raise ValueError(f"not a WARC record (looks like {record.format or 'nothing known'})")
                    any_record = True
                    # warcio's offset goes negative when a plain stream turns out to hold gzip data
                    offset = max(iterator.offset, position)
                    outcome = reader.record(record, offset)
                    if outcome is not None:
                        yield outcome
                    if reader.oversized:
                        # warcio would inflate the whole record to skip it (a bomb costs minutes);
                        # scanning the file for the next record start costs a read of it
                        reader.oversized = False
                        skip_from = offset
                        break
            except Exception as error:  # warcio: bad header, bad gzip data, not a WARC
                failure = error
            if skip_from is not None:
                position = _next_start(fh, skip_from + 1, gz)
                continue
            if failure is None:
                break
            failed_at = max(iterator.offset, position)  # never behind where this pass started
            position = _next_start(fh, failed_at + 1, gz)
            if failed_at == reader.last_rejected_offset:
                continue  # this record was already rejected when its payload failed
            if not any_record and position is None:
                reason = f"not a readable WARC file ({_short(failure)})"
                stats.rejected += 1
                yield WarcItem(Rejected(name, reason), None, None, None, None, None)
                break
            resume = f"; reading resumes at byte {position}" if position is not None else "; nothing readable after it"
            stats.rejected += 1
            yield WarcItem(
                Rejected(
                    f"{name}@{failed_at}", f"corrupt data at byte {failed_at} of {name}: {_short(failure)}{resume}"
                ),
                None,
                None,
                None,
                None,
                failed_at,
            )
    log.info("%s: %s", name, stats.summary())
    if on_done is not None:
        on_done(stats)


def read_warc(
    path: str | os.PathLike[str],
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    stats: WarcStats | None = None,
) -> Iterator[Item]:
    """Ingest a WARC file: its documents and rejections, in file order (see :func:`iter_warc_records`)."""
    for warc_item in iter_warc_records(path, max_record_bytes, stats):
        yield warc_item.item
