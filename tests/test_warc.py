"""WARC ingest: CC-NEWS style records, skipped records, broken files, streaming memory."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from rashomon.ingest.warc import WarcStats, iter_warc_records, read_warc
from rashomon.records import Document, Rejected

STORIES = [
    (
        "Harbour bridge reopens after repairs",
        "The harbour bridge reopened to traffic on Monday after eight months of repairs to its steel deck. "
        "City engineers said the work had cost less than planned and finished two weeks early. "
        "Commuters who had faced long detours through the old town welcomed the news.",
    ),
    (
        "Library extends opening hours",
        "The central library will stay open until ten in the evening from next month, the council announced. "
        "The longer hours are paid for by a grant from the regional culture fund. "
        "Students had asked for more quiet study space during the examination period.",
    ),
    (
        "Farmers expect early harvest",
        "Farmers in the valley expect to start the grape harvest a fortnight earlier than usual this year. "
        "A warm spring and a dry summer have ripened the fruit quickly, growers said on Tuesday. "
        "Wine makers hope the quality will make up for a slightly smaller crop.",
    ),
]


def page(title: str, body: str, charset: str = "utf-8") -> str:
    paragraphs = "\n".join(f"<p>{sentence.strip()}.</p>" for sentence in body.split(". ") if sentence.strip())
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title></head>'
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>Contact us</footer></body></html>"
    )


def http(status: str, content_type: str | None) -> StatusAndHeaders:
    headers = [("Content-Type", content_type)] if content_type else []
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def response(writer: WARCWriter, uri: str, body: bytes, status: str = "200 OK", content_type: str | None = None):
    return writer.create_warc_record(
        uri,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=http(status, content_type or "text/html; charset=utf-8"),
        warc_headers_dict={"WARC-Date": "2024-05-01T10:00:00Z"},
    )


def write_sample(path: Path, gz: bool) -> list[str]:
    """A CC-NEWS-like file; returns the URIs of the HTML article pages in it."""
    uris = []
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for index, (title, body) in enumerate(STORIES):
            uri = f"https://news.example/story-{index}"
            uris.append(uri)
            record = response(writer, uri, page(title, body).encode("utf-8"))
            writer.write_record(record)
            if index == 0:
                digest = record.rec_headers.get_header("WARC-Payload-Digest")
                writer.write_record(
                    writer.create_revisit_record(
                        uri + "?again", digest, uri, "2024-05-01T10:00:00Z", http_headers=http("200 OK", "text/html")
                    )
                )
        png = b"\x89PNG\r\n\x1a\n" + bytes(200)
        writer.write_record(response(writer, "https://news.example/logo.png", png, content_type="image/png"))
        writer.write_record(
            response(writer, "https://news.example/robots.txt", b"User-agent: *\n", content_type="text/plain")
        )
        missing = page("Not found", "This page does not exist any more. " * 5).encode()
        writer.write_record(response(writer, "https://news.example/gone", missing, status="404 Not Found"))
        moved = b"<html><body>Moved</body></html>"
        writer.write_record(response(writer, "https://news.example/old", moved, status="301 Moved Permanently"))
        resource = page(STORIES[2][0], STORIES[2][1] + " Extra resource line.").encode()
        writer.write_record(
            writer.create_warc_record(
                "https://news.example/resource",
                "resource",
                payload=io.BytesIO(resource),
                length=len(resource),
                warc_content_type="text/html",
            )
        )
    uris.append("https://news.example/resource")
    return uris


@pytest.mark.parametrize("gz", [True, False])
def test_reads_html_responses_and_skips_the_rest(tmp_path, gz):
    path = tmp_path / ("sample.warc.gz" if gz else "sample.warc")
    uris = write_sample(path, gz)
    stats = WarcStats()
    done: list[WarcStats] = []
    items = list(iter_warc_records(path, stats=stats, on_done=done.append))
    documents = [warc_item.item for warc_item in items if isinstance(warc_item.item, Document)]
    assert [doc.url for doc in documents] == uris
    assert all(isinstance(warc_item.item, Document) for warc_item in items)
    first = items[0]
    assert first.target_uri == uris[0]
    assert first.warc_date == "2024-05-01T10:00:00Z"
    assert first.payload_digest and first.payload_digest.startswith("sha1:")
    assert first.record_id and first.record_id.startswith("urn:uuid:")
    assert first.item.source == f"{path}#{first.record_id}"
    assert "harbour bridge reopened" in documents[0].text
    assert documents[0].title == STORIES[0][0]
    assert stats.documents == 4 and stats.rejected == 0
    assert stats.skipped == {"warcinfo": 1, "revisit": 1, "not-html": 2, "http-status": 2}
    assert stats.records == 10
    assert done == [stats]
    assert "4 documents" in stats.summary()
    assert [doc.url for doc in read_warc(path) if isinstance(doc, Document)] == uris


def test_declared_charset_is_honoured(tmp_path):
    title, body = "Новости города", "Мост в гавани снова открыт для движения после восьми месяцев ремонта. " * 4
    html = page(title, body, charset="windows-1251").replace('<meta charset="windows-1251">', "")
    raw = html.encode("cp1251")
    path = tmp_path / "cyrillic.warc.gz"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(
            response(writer, "https://ru.example/a", raw, content_type="text/html; charset=windows-1251")
        )
    [document] = read_warc(path)
    assert isinstance(document, Document)
    assert "Мост в гавани" in document.text
    assert document.encoding == "windows-1251"
    assert document.raw == raw


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_file_rejects_the_last_record_only(tmp_path, gz):
    path = tmp_path / ("full.warc.gz" if gz else "full.warc")
    uris = write_sample(path, gz)
    data = path.read_bytes()
    cut = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    cut.write_bytes(data[: len(data) - 40])
    items = list(read_warc(cut))
    documents = [item for item in items if isinstance(item, Document)]
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert [doc.url for doc in documents] == uris[:-1]
    assert len(rejected) == 1
    assert "truncated" in rejected[0].reason and str(cut) in rejected[0].reason
    assert "at byte" in rejected[0].reason


def test_truncated_gzip_member_in_the_middle_and_reading_continues(tmp_path):
    path = tmp_path / "full.warc.gz"
    write_sample(path, gz=True)
    offsets = [warc_item.offset for warc_item in iter_warc_records(path)]
    data = path.read_bytes()
    second, third = offsets[1], offsets[2]
    assert second is not None and third is not None
    broken = tmp_path / "broken.warc.gz"
    # Cut the second story's gzip member in half: its end and the revisit after it are lost.
    broken.write_bytes(data[: second + (third - second) // 4] + data[third:])
    items = list(read_warc(broken))
    urls = [item.url for item in items if isinstance(item, Document)]
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert urls[0] == "https://news.example/story-0"
    assert "https://news.example/story-2" in urls and "https://news.example/resource" in urls
    assert "https://news.example/story-1" not in urls
    assert len(rejected) == 1
    assert f"byte {second}" in rejected[0].reason


def test_corrupt_bytes_in_a_plain_warc(tmp_path):
    path = tmp_path / "plain.warc"
    write_sample(path, gz=False)
    data = bytearray(path.read_bytes())
    offsets = [warc_item.offset for warc_item in iter_warc_records(path)]
    start = offsets[1]
    assert start is not None
    data[start : start + 8] = b"GARBAGE!"  # the record's "WARC/1.x" line is destroyed
    broken = tmp_path / "broken.warc"
    broken.write_bytes(bytes(data))
    items = list(read_warc(broken))
    urls = [item.url for item in items if isinstance(item, Document)]
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert urls == ["https://news.example/story-0", "https://news.example/story-2", "https://news.example/resource"]
    assert len(rejected) == 1 and "corrupt data" in rejected[0].reason


def test_unreadable_files_give_one_rejection(tmp_path):
    missing = list(read_warc(tmp_path / "nope.warc.gz"))
    assert len(missing) == 1 and isinstance(missing[0], Rejected) and "cannot read" in missing[0].reason
    junk = tmp_path / "junk.warc"
    junk.write_bytes(b"this is not a web archive\n" * 100)
    items = list(read_warc(junk))
    assert len(items) == 1 and isinstance(items[0], Rejected) and "not a readable WARC" in items[0].reason
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    assert [item.reason for item in read_warc(empty) if isinstance(item, Rejected)] == ["empty file"]


def test_oversized_record_is_rejected_without_reading(tmp_path):
    path = tmp_path / "big.warc.gz"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        big = page("Big", "Words. " * 50_000).encode()
        writer.write_record(response(writer, "https://news.example/big", big))
        writer.write_record(response(writer, "https://news.example/small", page(*STORIES[1]).encode()))
    items = list(read_warc(path, max_record_bytes=100_000))
    assert isinstance(items[0], Rejected) and "limit" in items[0].reason
    assert isinstance(items[1], Document) and items[1].url == "https://news.example/small"


def test_duplicate_payloads_are_rejected_as_duplicates(tmp_path):
    path = tmp_path / "dup.warc"
    body = page(*STORIES[0]).encode()
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        writer.write_record(response(writer, "https://a.example/1", body))
        writer.write_record(response(writer, "https://a.example/1?utm=x", body))
    first, second = read_warc(path)
    assert isinstance(first, Document) and isinstance(second, Rejected)
    assert "exact duplicate" in second.reason


STREAM_READER = textwrap.dedent(
    """
    import json, resource, sys, time
    from rashomon.ingest.warc import WarcStats, read_warc
    from rashomon.ingest.html import extract_page
    extract_page("<html><body><p>" + "warm up the extractor. " * 50 + "</p></body></html>")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stats = WarcStats()
    start = time.perf_counter()
    documents = sum(1 for item in read_warc(sys.argv[1], stats=stats) if type(item).__name__ == "Document")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"documents": documents, "growth_kb": after - before, "seconds": time.perf_counter() - start,
                      "skipped": dict(stats.skipped), "rejected": stats.rejected}))
    """
)


@pytest.mark.slow
def test_streaming_a_large_file_keeps_memory_low(tmp_path):
    """~420 MB of records (bulk binaries and oversized pages plus 600 articles) read in bounded memory."""
    path = tmp_path / "large.warc.gz"
    blob = (b"%PDF-1.4 " + bytes(range(256)) * 64) * 480  # ~7.9 MB, compressible
    filler = ("<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20 + "</p>\n") * 1500
    oversized = ("<html><body>" + filler * 15 + "</body></html>").encode()  # ~26 MB, over the 20 MB default
    started = time.perf_counter()
    articles = 0
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for index in range(600):
            title, body = STORIES[index % len(STORIES)]
            html = page(f"{title} {index}", f"Report number {index}. {body} Update {index * 7}.").encode()
            writer.write_record(response(writer, f"https://news.example/{index}", html))
            articles += 1
            if index % 15 == 0:
                writer.write_record(
                    response(writer, f"https://news.example/{index}.pdf", blob, content_type="application/pdf")
                )
            if index % 150 == 0:
                writer.write_record(response(writer, f"https://news.example/{index}/full", oversized))
    assert time.perf_counter() - started < 30
    assert len(blob) * 40 + len(oversized) * 4 > 400_000_000  # uncompressed payload bytes in the file
    result = subprocess.run(
        [sys.executable, "-c", STREAM_READER, str(path)], capture_output=True, text=True, check=True, timeout=120
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["documents"] == articles
    assert report["skipped"] == {"not-html": 40}
    assert report["rejected"] == 4  # the oversized pages, rejected unread
    assert report["growth_kb"] < 150_000, report


def test_warc_through_the_pipeline_keeps_record_provenance(tmp_path):
    from rashomon import HashingEmbedder, analyze, load_settings

    path = tmp_path / "crawl.warc.gz"
    uris = write_sample(path, gz=True)
    analysis = analyze([path], load_settings(embedder="hashing"), HashingEmbedder())
    assert sorted(a.url for a in analysis.articles) == sorted(uris)
    for article in analysis.articles:
        assert article.provenance is not None and article.provenance.origin == "warc"
        assert article.provenance.record_id and article.source.endswith(article.provenance.record_id)
        assert article.provenance.fetched_at  # the WARC-Date of the record
        assert article.provenance.extractor.startswith("rashomon-html/")
    responses = [a for a in analysis.articles if a.url != "https://news.example/resource"]
    assert {a.provenance.fetched_at for a in responses if a.provenance} == {"2024-05-01T10:00:00Z"}
