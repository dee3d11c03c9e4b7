"""Files and folders in, :class:`Document` or :class:`Rejected` out.

Reads ``.txt`` (encoding detected), ``.html``/``.htm`` (main text through
trafilatura, comments left out), ``.json`` (one record, a list, or
``{"articles": [...]}``) and ``.jsonl`` (a record per line). A ``.txt`` may have a
sidecar ``NAME.meta.json`` with the same optional fields as a JSON record.
Each of them may be gzip-compressed (``NAME.html.gz``, ``NAME.jsonl.gz`` …): it is
decompressed as a stream and refused as soon as it grows past ``max_input_mb``,
so a decompression bomb costs a few milliseconds, not the machine's memory.

A bad input never stops the batch: it comes out as a :class:`Rejected` naming
the source and the reason, with its raw bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..records import Document, Item, Rejected

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm")
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
SIDECAR_SUFFIX = ".meta.json"
GZIP_SUFFIX = ".gz"
SUPPORTED = TEXT_SUFFIXES + HTML_SUFFIXES + JSON_SUFFIXES + JSONL_SUFFIXES + (".warc", ".warc.gz")
_GZIP_CHUNK = 1 << 16
METADATA_FIELDS = ("title", "url", "outlet", "published", "language", "author")

_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or Office document)",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
    b"SQLite format 3": "an SQLite database",
}


class DecodeError(InputError, ValueError):
    """Bytes that decode to text in no encoding that fits; the message says why.

    A :class:`ValueError` too, so callers written before it existed still catch it.
    """


def _size(count: int) -> str:
    return f"{count:,} bytes" if count < 1_000_000 else f"{count / 1e6:.1f} MB"


def make_id(*parts: bytes | str) -> str:
    """Short stable id: 12 hex digits of a SHA-256 over the parts."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()[:12]


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | Rejected]:
    """Expand files and folders (recursively, sorted) into input files.

    Hidden files and folders (name starting with a dot) and sidecars are skipped;
    a path that does not exist becomes a :class:`Rejected`.
    """
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                if child.is_file() and not child.name.endswith(SIDECAR_SUFFIX):
                    yield child
        elif path.is_file():
            yield path
        else:
            yield Rejected(str(path), "no such file or folder")


def detect_binary(raw: bytes) -> str | None:
    """Name what a binary file looks like, or None if it may be text."""
    for magic, kind in _MAGIC.items():
        if raw.startswith(magic):
            return f"binary file ({kind})"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 with a byte-order mark holds NUL bytes legitimately
    sample = raw[:8192]
    if b"\x00" in sample:
        return "binary file (contains NUL bytes)"
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if sample and controls / len(sample) > 0.05:
        return "binary file (mostly control characters)"
    return None


def decode_text(raw: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding.

    Tries a byte-order mark, then strict UTF-8, then charset detection
    (charset-normalizer) restricted to results that decode cleanly.

    Returns:
        ``(text, encoding)``.

    Raises:
        DecodeError: if no encoding fits (an :class:`InputError`); the message says why.
    """
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as error:
                raise DecodeError(
                    f"starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()} "
                    f"(byte {error.start}: {error.reason})"
                ) from None
            if encoding == "utf-16" and mess_ratio(text, 1.0) > 0.3:
                raise DecodeError("starts with a UTF-16 byte-order mark but does not decode to readable text")
            return text, encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    # Mostly valid UTF-8 with a few bad bytes is damaged UTF-8, not a legacy code page.
    valid_multibyte = len(re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", raw))
    invalid = raw.decode("utf-8", errors="replace").count("\ufffd")
    if valid_multibyte >= 4 * invalid:
        raise DecodeError(
            f"looks like UTF-8 but has {invalid} invalid byte(s), first at byte {utf8_error.start}; re-save it as UTF-8"
        )
    results = from_bytes(raw)
    best = results.best()
    if best is None or best.encoding in ("utf_8", "utf-8") or best.chaos > 0.3:
        raise DecodeError(f"not valid UTF-8 (byte {utf8_error.start}: {utf8_error.reason}) and no other encoding fits")
    # cp1250 and cp1252 often tie; Western European text is far more common in news.
    for match in results:
        if match.encoding == "cp1252" and match.chaos <= best.chaos and match.coherence >= best.coherence:
            best = match
            break
    return str(best), best.encoding


def _scrub(text: str) -> str:
    """``text`` without lone surrogates (JSON's ``"\\ud800"`` escapes make them; UTF-8 cannot hold them)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _meta_from(record: dict[str, Any], source: str) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for name in METADATA_FIELDS:
        value = record.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, (str, int, float)):
            raise ValueError(f"field {name!r} must be a string, got {type(value).__name__}")
        if isinstance(value, bool):
            raise ValueError(f"field {name!r} must be a string, got bool")
        if isinstance(value, float) and value != value:  # NaN, which json.loads accepts
            raise ValueError(f"field {name!r} must be a string, got NaN")
        meta[name] = _scrub(str(value)).strip()
    language = meta.get("language")
    if language:
        meta["language"] = language.lower().split("-")[0].split("_")[0]
    return meta


def _read_sidecar(path: Path) -> tuple[dict[str, Any], Rejected | None]:
    name = path.name[: -len(GZIP_SUFFIX)] if path.name.lower().endswith(GZIP_SUFFIX) else path.name
    suffix = Path(name).suffix
    sidecar = path.with_name((name[: -len(suffix)] if suffix else name) + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return {}, None
    raw = sidecar.read_bytes()
    try:
        record = json.loads(raw.decode("utf-8-sig"))
        if not isinstance(record, dict):
            raise ValueError("expected a JSON object")
        return _meta_from(record, str(sidecar)), None
    except RecursionError:
        return {}, Rejected(str(sidecar), "sidecar ignored, not valid metadata: JSON nested too deeply", raw)
    except (ValueError, UnicodeDecodeError) as error:
        return {}, Rejected(str(sidecar), f"sidecar ignored, not valid metadata: {error}", raw)


def read_text_file(path: Path, raw: bytes) -> Iterator[Item]:
    """A ``.txt`` article with its optional sidecar metadata."""
    source = str(path)
    try:
        text, encoding = decode_text(raw)
    except ValueError as error:
        yield Rejected(source, str(error), raw)
        return
    if not text.strip():
        yield Rejected(source, "empty file (only whitespace)", raw)
        return
    meta, sidecar_problem = _read_sidecar(path)
    if sidecar_problem:
        yield sidecar_problem
    yield Document(id=make_id("txt", raw), source=source, raw=raw, text=text, encoding=encoding, fmt="txt", **meta)


def read_html_file(path: Path, raw: bytes) -> Iterator[Item]:
    """An HTML page (see :mod:`rashomon.ingest.html`); sidecar metadata wins."""
    from .html import document_from_html

    meta, sidecar_problem = _read_sidecar(path)
    if sidecar_problem:
        yield sidecar_problem
    yield document_from_html(raw, str(path), meta)


def _record_to_item(record: Any, source: str, raw: bytes) -> Item:
    if not isinstance(record, dict):
        return Rejected(source, f"expected a JSON object with a 'text' field, got {type(record).__name__}", raw)
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return Rejected(source, "record has no non-empty 'text' field", raw)
    text = _scrub(text)
    try:
        meta = _meta_from(record, source)
    except ValueError as error:
        return Rejected(source, str(error), raw)
    given_id = record.get("id")
    if isinstance(given_id, bool) or not isinstance(given_id, (str, int, float, type(None))):
        return Rejected(source, f"field 'id' must be a string or a number, got {type(given_id).__name__}", raw)
    if isinstance(given_id, float) and not math.isfinite(given_id):
        return Rejected(source, f"field 'id' must be a finite number, got {given_id}", raw)
    if given_id is not None and str(given_id).strip():
        record_id = str(given_id).strip()
        source = f"{source}#{record_id}"
    else:
        record_id = make_id("record", text, meta.get("url") or "", meta.get("title") or "")
    return Document(
        id=_scrub(record_id),
        source=_scrub(source),
        raw=raw,
        text=text,
        encoding="utf-8",
        fmt="json",
        origin="record",
        **meta,
    )


def read_record(record: Any, source: str, raw: bytes) -> Item:
    """One article record (a JSON object, or a row of a Parquet table of articles) as a document,
    with the same fields, checks and ids as a ``.jsonl`` line; ``raw`` is kept as its bytes."""
    item = _record_to_item(record, source, raw)
    return dataclasses.replace(item, fmt="jsonl") if isinstance(item, Document) else item


def read_json_file(path: Path, raw: bytes) -> Iterator[Item]:
    """A ``.json`` file: one record, a list of records, or ``{"articles": [...]}``."""
    source = str(path)
    try:
        data = json.loads(decode_text(raw)[0])
    except ValueError as error:
        yield Rejected(source, f"not valid JSON: {error}", raw)
        return
    except RecursionError:
        yield Rejected(source, "not valid JSON: nested too deeply", raw)
        return
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    records = data if isinstance(data, list) else [data]
    if not records:
        yield Rejected(source, "JSON file holds no records", raw)
    for index, record in enumerate(records):
        item_source = source if len(records) == 1 else f"{source}[{index}]"
        try:
            record_raw = json.dumps(record, ensure_ascii=False).encode()
        except UnicodeEncodeError:  # lone surrogates: keep them as JSON escapes
            record_raw = json.dumps(record).encode()
        item = _record_to_item(record, item_source, record_raw)
        if isinstance(item, Document):
            item = Document(**{**item.__dict__, "fmt": "json"})
        yield item


def read_jsonl_file(path: Path, raw: bytes) -> Iterator[Item]:
    """A ``.jsonl`` file: one record per line; a broken line is rejected alone."""
    source = str(path)
    try:
        text = decode_text(raw)[0]
    except ValueError as error:
        yield Rejected(source, str(error), raw)
        return
    seen_any = False
    # Split on LF only: JSON strings may hold U+2028 and its kin unescaped.
    for line_no, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        seen_any = True
        line_raw = line.encode("utf-8")
        try:
            record = json.loads(line)
        except ValueError as error:
            yield Rejected(f"{source}:{line_no}", f"line {line_no} is not valid JSON: {error}", line_raw)
            continue
        except RecursionError:
            yield Rejected(f"{source}:{line_no}", f"line {line_no} is not valid JSON: nested too deeply", line_raw)
            continue
        item = _record_to_item(record, source, line_raw)
        if isinstance(item, Rejected):
            item = Rejected(f"{source}:{line_no}", f"line {line_no}: {item.reason}", line_raw)
        else:
            item = Document(**{**item.__dict__, "fmt": "jsonl"})
        yield item
    if not seen_any:
        yield Rejected(source, "empty file (no JSON lines)", raw)


_READERS = {
    **dict.fromkeys(TEXT_SUFFIXES, read_text_file),
    **dict.fromkeys(HTML_SUFFIXES, read_html_file),
    **dict.fromkeys(JSON_SUFFIXES, read_json_file),
    **dict.fromkeys(JSONL_SUFFIXES, read_jsonl_file),
}


WARC_SUFFIXES = (".warc", ".warc.gz")


def read_warc_file(path: Path, max_bytes: int) -> Iterator[Item]:
    """A WARC archive, streamed record by record; each page keeps its record id and fetch time."""
    import dataclasses

    from .warc import iter_warc_records

    for record in iter_warc_records(path, max_record_bytes=max_bytes):
        item = record.item
        if isinstance(item, Document):
            item = dataclasses.replace(
                item,
                origin="warc",
                record_id=record.record_id,
                fetched_at=record.warc_date,
                url=item.url or record.target_uri,
            )
        yield item


class _TooLarge(Exception):
    """Raised inside :func:`gunzip_capped` when the output passes the limit."""


def gunzip_capped(path: Path, max_bytes: int) -> bytes:
    """The decompressed bytes of a gzip file (several members allowed), streamed.

    Decompression stops as soon as the output passes ``max_bytes``, so a
    decompression bomb is refused after reading ``max_bytes`` of output at most.

    Raises:
        InputError: the output would pass ``max_bytes``, or the data is not valid gzip.
        OSError: the file cannot be read.
    """
    out = bytearray()
    decompressor = zlib.decompressobj(31)
    started = False
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_GZIP_CHUNK):
                data = chunk
                while data:
                    started = True
                    out += decompressor.decompress(data, max_bytes + 1 - len(out))
                    if len(out) > max_bytes:
                        raise _TooLarge
                    if decompressor.eof:  # a member ended; another may follow
                        data = decompressor.unused_data
                        decompressor = zlib.decompressobj(31)
                        started = False
                        if data.strip(b"\x00") == b"":
                            data = b""  # zero padding after the last member is allowed (as gzip does)
                    else:
                        data = decompressor.unconsumed_tail
    except _TooLarge:
        raise InputError(
            f"decompresses to more than {_size(max_bytes)}, over the limit (setting max_input_mb)"
        ) from None
    except zlib.error as error:
        raise InputError(f"not valid gzip data ({error})") from None
    if started and not decompressor.eof:
        raise InputError(f"gzip data is cut short after {_size(len(out))} of output")
    return bytes(out)


def _reader_for(path: Path) -> tuple[Any, bool]:
    """The reader for a file name and whether it is gzip-compressed (``NAME.txt.gz``)."""
    name = path.name.lower()
    if name.endswith(GZIP_SUFFIX):
        return _READERS.get(Path(name[: -len(GZIP_SUFFIX)]).suffix), True
    return _READERS.get(path.suffix.lower()), False


def read_file(path: Path, max_bytes: int) -> Iterator[Item]:
    """Read one file into documents and rejections (never raises for bad content)."""
    source = str(path)
    if path.name.lower().endswith(WARC_SUFFIXES):
        yield from read_warc_file(path, max_bytes)  # streamed: the file-size limit applies per record
        return
    reader, compressed = _reader_for(path)
    try:
        size = path.stat().st_size
        if reader is None:
            raw = path.read_bytes() if size <= max_bytes else b""
            yield Rejected(
                source,
                f"unsupported file type {path.suffix or '(no extension)'!r}; expected one of {', '.join(SUPPORTED)}"
                " (each but WARC also gzip-compressed, NAME.EXT.gz)",
                raw,
            )
            return
        if size > max_bytes:
            raw = path.read_bytes()
            yield Rejected(
                source,
                f"file is {_size(size)}, over the {_size(max_bytes)} limit (setting max_input_mb)",
                raw,
            )
            return
        if compressed:
            try:
                raw = gunzip_capped(path, max_bytes)
            except InputError as error:
                yield Rejected(source, str(error), path.read_bytes())
                return
        else:
            raw = path.read_bytes()
    except OSError as error:
        yield Rejected(source, f"cannot read file: {error.strerror or error}")
        return
    if not raw.strip():
        yield Rejected(source, "empty file", raw)
        return
    binary = detect_binary(raw)
    if binary:
        yield Rejected(source, binary, raw)
        return
    try:
        yield from reader(path, raw)
    except Exception as error:  # a reader bug must not sink the batch
        log.exception("reader failed on %s", source)
        yield Rejected(source, f"could not be read: {type(error).__name__}: {error}", raw)


def read_paths(paths: Iterable[str | os.PathLike[str]], max_bytes: int = 20_000_000) -> Iterator[Item]:
    """Ingest stage: every document and rejection found under ``paths``, in order.

    The same source given twice is read once (the repeat is rejected as a
    duplicate). The same bytes under another name are a second source of the same
    text: that document gets an id of its own (from bytes and source) and the
    dedup stage folds it into the first as one article with several sources.
    """
    first_source: dict[str, str] = {}
    for entry in iter_files(paths):
        if isinstance(entry, Rejected):
            yield entry
            continue
        for item in read_file(entry, max_bytes):
            yield admit(item, first_source)


def admit(item: Item, first_source: dict[str, str]) -> Item:
    """One item read, given the first source of each id read before it (updated here): the same
    source again is rejected as a repeat; the same id from another source gets an id of its own."""
    if not isinstance(item, Document):
        return item
    if first_source.get(item.id) == item.source:
        return Rejected(item.source, f"duplicate of {item.source} given earlier (article {item.id})", item.raw)
    if item.id in first_source:
        item = dataclasses.replace(item, id=make_id(item.id, item.source))
    first_source[item.id] = item.source
    return item
