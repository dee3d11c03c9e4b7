"""Tests for the ingest stage: rashomon.ingest.read_paths / read_file.

Every input is written into pytest's ``tmp_path`` by the test itself (no network,
no shared fixtures on disk). Bad inputs are always checked in a batch between two
good files, so each test also shows that one bad file neither stops the batch nor
produces more than one rejection.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import pytest

from rashomon.ingest import read_file, read_paths
from rashomon.records import Document, Rejected

# --------------------------------------------------------------------------- texts

ENGLISH = (
    "Harbour strike ends after eleven days\n"
    "\n"
    "The dockworkers of the northern harbour returned to work on Friday after an arbitration "
    "panel proposed a wage increase of four percent over two years.\n"
    "\n"
    "Union leaders said the members had accepted the deal by a large majority.\n"
)

GERMAN = (
    "Hafenstreik legt Hamburg lahm\n"
    "\n"
    "Die Bundesregierung hat am Montag neue Maßnahmen für die Häfen angekündigt. "
    "Österreichs Außenministerin äußerte sich überrascht über die Größe des Pakets.\n"
    "\n"
    "Nach Angaben des Ministeriums sollen die Gelder für Überbrückungshilfen und Lärmschutz fließen. "
    "Kritiker bemängeln, dass die Zuschüsse zu spät kämen und die Büroarbeit zu aufwändig sei.\n"
)

RUSSIAN = (
    "Траулер задержан у Шпицбергена\n"
    "\n"
    "Министерство иностранных дел России заявило в понедельник, что переговоры продолжатся. "
    "По словам официального представителя, стороны обсудили вопросы безопасности и торговли.\n"
    "\n"
    "Эксперты считают, что соглашение может быть подписано уже в ближайшие недели.\n"
)

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Harbour strike ends after eleven days | Example Ledger</title>
  <meta property="og:site_name" content="Example Ledger">
  <meta property="og:url" content="https://ledger.example/2025/03/14/harbour-strike-ends">
  <meta property="article:published_time" content="2025-03-14T08:00:00Z">
</head>
<body>
  <nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a></nav>
  <div class="cookie-banner">We use cookies to improve your experience. <button>Accept</button></div>
  <article>
    <h1>Harbour strike ends after eleven days</h1>
    <p>The dockworkers of the northern harbour returned to work on Friday after an arbitration
       panel proposed a wage increase of four percent over two years.</p>
    <p>Union leaders said the members had accepted the deal by a large majority, while employers
       warned that the cost would be passed on to shipping lines.</p>
    <p>Dozens of container ships that had been waiting in the bay began to enter the port on
       Friday afternoon, harbour officials said.</p>
  </article>
  <div class="comments">
    <h3>Comments</h3>
    <div class="comment"><p>Reader Bob: the real culprit here is obviously the banana cartel.</p></div>
  </div>
  <footer>© 2025 Example Ledger</footer>
</body>
</html>
"""


# ------------------------------------------------------------------------- helpers


def split(items) -> tuple[list[Document], list[Rejected]]:
    documents = [item for item in items if isinstance(item, Document)]
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert len(documents) + len(rejected) == len(items), "read_paths yielded something else"
    return documents, rejected


def run(*paths, **kwargs) -> tuple[list[Document], list[Rejected]]:
    return split(list(read_paths([*paths], **kwargs)))


def write(path: Path, content: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def batch_with_bad_file(tmp_path: Path, name: str, content: bytes | str, **kwargs) -> Rejected:
    """Ingest a folder holding a good file, the bad file ``name`` and another good file.

    Asserts that both good files come out as documents (the batch went on) and
    that the bad file gives exactly one rejection naming it; returns that rejection.
    """
    assert "00_before.txt" < name < "zz_after.txt", "name must sort between the good files"
    before = write(tmp_path / "00_before.txt", ENGLISH)
    bad = write(tmp_path / name, content)
    after = write(tmp_path / "zz_after.txt", GERMAN)
    documents, rejected = run(tmp_path, **kwargs)
    assert [d.source for d in documents] == [str(before), str(after)]
    assert len(rejected) == 1, [(r.source, r.reason) for r in rejected]
    assert rejected[0].source == str(bad)
    assert rejected[0].reason.strip()
    return rejected[0]


# ---------------------------------------------------------------- good input types


def test_ingest_reads_utf8_txt(tmp_path):
    path = write(tmp_path / "article.txt", ENGLISH)
    documents, rejected = run(path)
    assert rejected == []
    (doc,) = documents
    assert doc.source == str(path)
    assert doc.text == ENGLISH
    assert doc.encoding == "utf-8"
    assert doc.fmt == "txt"
    assert doc.raw == path.read_bytes()
    assert len(doc.id) == 12


def test_ingest_decodes_cp1252_german_txt(tmp_path):
    raw = GERMAN.encode("cp1252")
    path = write(tmp_path / "artikel.txt", raw)
    documents, rejected = run(path)
    assert rejected == []
    (doc,) = documents
    assert doc.text == GERMAN
    assert "Maßnahmen" in doc.text and "Österreichs" in doc.text and "Überbrückungshilfen" in doc.text
    assert codecs.lookup(doc.encoding).name != "utf-8"
    assert raw.decode(doc.encoding) == doc.text  # the recorded encoding is the one used
    assert doc.raw == raw


def test_ingest_decodes_cp1251_russian_txt(tmp_path):
    raw = RUSSIAN.encode("cp1251")
    path = write(tmp_path / "statya.txt", raw)
    documents, rejected = run(path)
    assert rejected == []
    (doc,) = documents
    assert doc.text == RUSSIAN
    assert codecs.lookup(doc.encoding).name == "cp1251"
    assert doc.raw == raw


@pytest.mark.parametrize(
    "text",
    [
        "El Gobierno anunció el lunes un plan de ayudas para los agricultores andaluces afectados por la "
        "sequía. Según el ministerio, la cuantía llegará a 420 millones de euros en dos años.\n\n"
        "«No es suficiente», declaró a este periódico un portavoz de la asociación de regantes, que "
        "pidió más inversión en la campaña.\n",
        GERMAN + "Im Café am Hafen trafen sich Renée und José zum Gespräch über die Krise à la carte.\n",
    ],
    ids=["spanish-enye", "german-with-french-accents"],
)
def test_ingest_decodes_cp1252_western_text_exactly(tmp_path, text):
    path = write(tmp_path / "legacy.txt", text.encode("cp1252"))
    documents, rejected = run(path)
    assert rejected == []
    assert documents[0].text == text


def test_ingest_strips_utf8_bom(tmp_path):
    raw = codecs.BOM_UTF8 + GERMAN.encode("utf-8")
    path = write(tmp_path / "bom.txt", raw)
    documents, rejected = run(path)
    assert rejected == []
    (doc,) = documents
    assert doc.text == GERMAN  # no U+FEFF left at the start
    assert not doc.text.startswith("\ufeff")
    assert doc.encoding == "utf-8-sig"
    assert doc.raw == raw  # raw bytes kept with their BOM


def test_ingest_reads_utf16_txt_with_bom(tmp_path):
    raw = RUSSIAN.encode("utf-16")  # NUL bytes, but a BOM: must not count as binary
    path = write(tmp_path / "utf16.txt", raw)
    documents, rejected = run(path)
    assert rejected == []
    assert documents[0].text == RUSSIAN
    assert documents[0].encoding == "utf-16"


def test_ingest_picks_up_sidecar_metadata(tmp_path):
    path = write(tmp_path / "2025-03-03_strike.txt", ENGLISH)
    sidecar = {
        "outlet": "Example Ledger",
        "url": "https://ledger.example/strike",
        "published": "2025-03-03",
        "title": "  Harbour strike ends after eleven days ",
        "language": "en-GB",
    }
    write(tmp_path / "2025-03-03_strike.meta.json", json.dumps(sidecar))
    documents, rejected = run(tmp_path)
    assert rejected == []  # the sidecar is not read as an input of its own
    (doc,) = documents
    assert doc.source == str(path)
    assert doc.outlet == "Example Ledger"
    assert doc.url == "https://ledger.example/strike"
    assert doc.published == "2025-03-03"
    assert doc.title == "Harbour strike ends after eleven days"
    assert doc.language == "en"  # region dropped
    assert doc.text == ENGLISH


def test_ingest_without_sidecar_has_no_metadata(tmp_path):
    documents, _ = run(write(tmp_path / "plain.txt", ENGLISH))
    doc = documents[0]
    assert (doc.outlet, doc.url, doc.published, doc.title, doc.language) == (None,) * 5


@pytest.mark.parametrize(
    "sidecar_bytes, why",
    [
        (b'{"outlet": "Example Ledger", "url": ', "not valid metadata"),
        (b'["Example Ledger", "2025-03-03"]', "expected a JSON object"),
        (b'{"outlet": {"name": "Example Ledger"}}', "outlet"),
        (b'{"outlet": "Caf\xe9 Zeitung"}', "not valid metadata"),  # not UTF-8
    ],
    ids=["truncated-json", "json-list", "field-wrong-type", "invalid-utf8"],
)
def test_ingest_rejects_malformed_sidecar_but_keeps_article(tmp_path, sidecar_bytes, why):
    article = write(tmp_path / "story.txt", ENGLISH)
    sidecar = write(tmp_path / "story.meta.json", sidecar_bytes)
    other = write(tmp_path / "zz_other.txt", GERMAN)
    documents, rejected = run(tmp_path)
    assert [d.source for d in documents] == [str(article), str(other)]
    assert documents[0].outlet is None and documents[0].text == ENGLISH
    (problem,) = rejected
    assert problem.source == str(sidecar)
    assert "sidecar" in problem.reason
    assert why in problem.reason
    assert problem.raw == sidecar_bytes


def test_ingest_extracts_html_article_without_comments(tmp_path):
    path = write(tmp_path / "strike.html", ARTICLE_HTML)
    documents, rejected = run(path)
    assert rejected == []
    (doc,) = documents
    assert doc.fmt == "html"
    assert doc.source == str(path)
    assert doc.title == "Harbour strike ends after eleven days"
    assert "returned to work on Friday" in doc.text
    assert "passed on to shipping lines" in doc.text
    assert "harbour officials said" in doc.text
    # comments, cookie banner and navigation stay out
    assert "banana" not in doc.text
    assert "Reader Bob" not in doc.text
    assert "We use cookies" not in doc.text
    assert "<p>" not in doc.text
    assert doc.outlet == "Example Ledger"
    assert doc.published == "2025-03-14"
    assert doc.url == "https://ledger.example/2025/03/14/harbour-strike-ends"
    assert doc.raw == path.read_bytes()


def test_ingest_reads_json_single_object(tmp_path):
    record = {"text": ENGLISH, "title": "Harbour strike ends", "outlet": "Example Ledger", "language": "EN"}
    path = write(tmp_path / "one.json", json.dumps(record))
    documents, rejected = run(path)
    assert rejected == []
    (doc,) = documents
    assert doc.source == str(path)
    assert doc.fmt == "json"
    assert doc.text == ENGLISH
    assert (doc.title, doc.outlet, doc.language) == ("Harbour strike ends", "Example Ledger", "en")


def test_ingest_reads_json_single_object_with_id(tmp_path):
    path = write(tmp_path / "one.json", json.dumps({"id": "lg-1", "text": ENGLISH}))
    (doc,), rejected = run(path)
    assert rejected == []
    assert doc.id == "lg-1"
    assert doc.source == f"{path}#lg-1"


def test_ingest_reads_json_list(tmp_path):
    path = write(tmp_path / "list.json", json.dumps([{"text": ENGLISH}, {"text": GERMAN, "outlet": "Morgenbote"}]))
    documents, rejected = run(path)
    assert rejected == []
    assert [d.source for d in documents] == [f"{path}[0]", f"{path}[1]"]
    assert [d.text for d in documents] == [ENGLISH, GERMAN]
    assert documents[1].outlet == "Morgenbote"
    assert all(d.fmt == "json" for d in documents)


def test_ingest_reads_json_articles_wrapper(tmp_path):
    payload = {"exported": "2025-03-14", "articles": [{"text": ENGLISH}, {"text": RUSSIAN, "language": "ru"}]}
    path = write(tmp_path / "export.json", json.dumps(payload, ensure_ascii=False))
    documents, rejected = run(path)
    assert rejected == []
    assert [d.text for d in documents] == [ENGLISH, RUSSIAN]
    assert documents[1].language == "ru"
    assert [d.source for d in documents] == [f"{path}[0]", f"{path}[1]"]


def test_ingest_reads_jsonl_records_with_ids(tmp_path):
    records = [
        {
            "id": "mb-1",
            "title": "Hafenstreik",
            "text": GERMAN,
            "outlet": "Morgenbote",
            "published": "2025-03-03",
            "url": "https://morgenbote.example/1",
            "language": "de",
        },
        {"id": "sg-2", "title": "Траулер", "text": RUSSIAN, "language": "ru"},
    ]
    path = write(tmp_path / "feed.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    documents, rejected = run(path)
    assert rejected == []
    assert [d.source for d in documents] == [f"{path}#mb-1", f"{path}#sg-2"]
    assert [d.id for d in documents] == ["mb-1", "sg-2"]
    assert all(d.fmt == "jsonl" for d in documents)
    assert documents[0].text == GERMAN and documents[1].text == RUSSIAN
    assert (documents[0].outlet, documents[0].published, documents[0].url) == (
        "Morgenbote",
        "2025-03-03",
        "https://morgenbote.example/1",
    )


def test_ingest_jsonl_keeps_records_with_unicode_line_separators(tmp_path):
    records = [
        {"id": "a1", "text": "First paragraph.\u2028Second line of the same paragraph."},
        {"id": "a2", "text": "Text with a NEL\x85character inside."},
        {"id": "a3", "text": "Plain record."},
    ]
    path = write(tmp_path / "feed.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    documents, rejected = run(path)
    assert [(r.source, r.reason) for r in rejected] == []
    assert [d.id for d in documents] == ["a1", "a2", "a3"]


# -------------------------------------------------------------------- bad inputs


def test_ingest_rejects_png_disguised_as_txt(tmp_path):
    raw = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + bytes(200)
    rejected = batch_with_bad_file(tmp_path, "m_picture.txt", raw)
    assert "binary" in rejected.reason and "PNG" in rejected.reason
    assert rejected.raw == raw


def test_ingest_rejects_binary_file_with_nul_bytes(tmp_path):
    import random

    rng = random.Random(1234)
    raw = bytes(rng.randrange(256) for _ in range(4096)) + b"\x00\x00\x00"
    rejected = batch_with_bad_file(tmp_path, "m_blob.txt", raw)
    assert rejected.reason.startswith("binary file")
    assert rejected.raw == raw


@pytest.mark.parametrize("name", ["m_data.json", "m_feed.jsonl", "m_page.html"])
def test_ingest_rejects_binary_file_whatever_its_extension(tmp_path, name):
    raw = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4
    rejected = batch_with_bad_file(tmp_path, name, raw)
    assert "binary file" in rejected.reason and "ZIP" in rejected.reason
    assert rejected.raw == raw


def test_ingest_rejects_empty_file(tmp_path):
    rejected = batch_with_bad_file(tmp_path, "m_empty.txt", b"")
    assert "empty" in rejected.reason
    assert rejected.raw == b""


@pytest.mark.parametrize(
    "raw",
    [b"   \n\t\r\n  \n", "\u00a0\u2003\n\u3000\n".encode("utf-8")],
    ids=["ascii-whitespace", "unicode-whitespace"],
)
def test_ingest_rejects_whitespace_only_file(tmp_path, raw):
    rejected = batch_with_bad_file(tmp_path, "m_blank.txt", raw)
    assert "empty" in rejected.reason
    assert rejected.raw == raw


@pytest.mark.parametrize(
    "raw",
    [
        bytes(range(128, 256)) * 50,
        bytes(range(128, 256))[::3] * 100,
        b"\xc0\xc1\xf5\xff\xfe\x80" * 400,
    ],
    ids=["high-bytes-ascending", "high-bytes-every-third", "never-valid-utf8-bytes"],
)
def test_ingest_rejects_undecodable_bytes(tmp_path, raw):
    rejected = batch_with_bad_file(tmp_path, "m_garbage.txt", raw)
    assert "UTF-8" in rejected.reason and "no other encoding fits" in rejected.reason
    assert rejected.raw == raw


def test_ingest_rejects_bytes_that_only_look_like_utf16(tmp_path):
    raw = bytes(reversed(range(128, 256))) * 40  # starts with FF FE, the UTF-16-LE byte-order mark
    rejected = batch_with_bad_file(tmp_path, "m_garbage.txt", raw)
    assert "utf-16" in rejected.reason.lower()  # says which decoding failed
    assert rejected.raw == raw


def test_ingest_rejects_garbage_after_utf16_bom(tmp_path):
    raw = b"\xff\xfe" + bytes(range(0x20, 0xD8)) * 20  # decodes to a soup of symbols and CJK
    batch_with_bad_file(tmp_path, "m_garbage.txt", raw)


def test_ingest_does_not_accept_mostly_utf8_text_as_mojibake(tmp_path):
    raw = (GERMAN * 3).encode("utf-8")
    cut = raw.index(b"Kritiker")
    raw = raw[:cut] + b"\xff" + raw[cut:]  # one stray byte between two words
    documents, rejected = run(write(tmp_path / "corrupt.txt", raw))
    if documents:  # decoding as UTF-8 (with a replacement character) would be fine too
        assert "Maßnahmen" in documents[0].text
        assert "Ă" not in documents[0].text and "Ã" not in documents[0].text
    else:
        assert len(rejected) == 1


def test_ingest_rejects_file_over_size_limit(tmp_path):
    raw = ("Lorem ipsum dolor sit amet.\n" * 200).encode()  # 5,600 bytes
    rejected = batch_with_bad_file(tmp_path, "m_long.txt", raw, max_bytes=1_000)
    assert "limit" in rejected.reason and "max_input_mb" in rejected.reason
    assert rejected.raw == raw


def test_ingest_accepts_file_exactly_at_size_limit(tmp_path):
    raw = b"x" * 999 + b"."
    documents, rejected = run(write(tmp_path / "edge.txt", raw), max_bytes=len(raw))
    assert rejected == [] and documents[0].raw == raw
    documents, rejected = run(tmp_path / "edge.txt", max_bytes=len(raw) - 1)
    assert documents == [] and len(rejected) == 1


def test_ingest_size_limit_reason_states_real_sizes(tmp_path):
    path = write(tmp_path / "long.txt", b"word " * 1_000)
    (rejected,) = run(path, max_bytes=1_000)[1]
    assert "limit" in rejected.reason
    # neither the size (5,000 bytes) nor the limit (1,000 bytes) may be shown as zero megabytes
    assert re.search(r"(?<![\d.])0(\.0+)? ?MB", rejected.reason) is None, rejected.reason


def test_ingest_rejects_real_50mb_file_with_default_limit(tmp_path):
    line = b"The harbour strike continued for an eleventh day on Friday.\n"
    repeats = 50_000_000 // len(line) + 1_000
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.write(line * repeats)
    size = path.stat().st_size
    assert size > 50_000_000
    items = list(read_paths([path]))  # default limit (20 MB)
    documents, rejected = split(items)
    assert documents == []
    (problem,) = rejected
    assert problem.source == str(path)
    assert "limit" in problem.reason and f"{size / 1e6:.1f} MB" in problem.reason
    assert re.search(r"(?<![\d.])20(\.0+)? ?MB", problem.reason), problem.reason  # the default limit
    assert len(problem.raw) == size


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>Nothing here</title></head><body></body></html>",
        "<html><head><title>Only a head</title><meta charset='utf-8'></head></html>",
        "<html><body><script>var tracking = {id: 42};</script><style>p {color: red}</style></body></html>",
    ],
    ids=["empty-body", "no-body", "only-script-and-style"],
)
def test_ingest_rejects_html_without_article_text(tmp_path, html):
    rejected = batch_with_bad_file(tmp_path, "m_page.html", html)
    assert "no extractable article text" in rejected.reason
    assert rejected.raw == html.encode()


def test_ingest_jsonl_broken_lines_rejected_with_line_numbers(tmp_path):
    lines = [
        json.dumps({"id": "ok-1", "text": ENGLISH}),
        '{"id": "broken-2", "text": "unterminated',
        "",
        json.dumps({"id": "ok-4", "text": GERMAN}),
        "this is not json at all",
        json.dumps({"id": "no-text-6", "title": "Title only"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "ok-8", "text": RUSSIAN}, ensure_ascii=False),
    ]
    path = write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    other = write(tmp_path / "zz_after.txt", "Another article that must still be read.")
    documents, rejected = run(tmp_path)
    assert [d.source for d in documents] == [f"{path}#ok-1", f"{path}#ok-4", f"{path}#ok-8", str(other)]
    assert [r.source for r in rejected] == [f"{path}:2", f"{path}:5", f"{path}:6", f"{path}:7"]
    for rejection, line_no in zip(rejected, (2, 5, 6, 7), strict=True):
        assert f"line {line_no}" in rejection.reason
        assert rejection.raw == lines[line_no - 1].encode()
    assert "not valid JSON" in rejected[0].reason and "not valid JSON" in rejected[1].reason
    assert "'text'" in rejected[2].reason
    assert "expected a JSON object" in rejected[3].reason


def test_ingest_rejects_jsonl_with_only_blank_lines(tmp_path):
    rejected = batch_with_bad_file(tmp_path, "m_feed.jsonl", "\n\n  \n")
    assert "empty" in rejected.reason


def test_ingest_rejects_json_record_without_text(tmp_path):
    raw = json.dumps({"title": "A headline but no body", "outlet": "Example Ledger"})
    rejected = batch_with_bad_file(tmp_path, "m_record.json", raw)
    assert "'text'" in rejected.reason


@pytest.mark.parametrize(
    "record",
    [{"text": ""}, {"text": "   \n "}, {"text": 42}, {"body": ENGLISH}],
    ids=["empty", "blank", "number", "missing"],
)
def test_ingest_rejects_json_record_without_text_inside_list(tmp_path, record):
    path = write(tmp_path / "list.json", json.dumps([{"text": ENGLISH}, record, {"text": GERMAN}]))
    documents, rejected = run(path)
    assert [d.source for d in documents] == [f"{path}[0]", f"{path}[2]"]
    (problem,) = rejected
    assert problem.source == f"{path}[1]"
    assert "'text'" in problem.reason


@pytest.mark.parametrize(
    "raw, why",
    [
        ('{"text": "cut off', "not valid JSON"),
        ("[]", "no records"),
        ('{"articles": []}', "no records"),
        ('"just a string"', "expected a JSON object"),
    ],
    ids=["truncated", "empty-list", "empty-articles", "scalar"],
)
def test_ingest_rejects_json_file_without_records(tmp_path, raw, why):
    rejected = batch_with_bad_file(tmp_path, "m_data.json", raw)
    assert why in rejected.reason


def test_ingest_rejects_deeply_nested_json_without_stopping(tmp_path):
    raw = "[" * 100_000 + "]" * 100_000
    rejected = batch_with_bad_file(tmp_path, "m_deep.json", raw)
    assert "could not be read" in rejected.reason or "not valid JSON" in rejected.reason
    assert rejected.raw == raw.encode()


@pytest.mark.parametrize(
    "name, raw, shown",
    [
        ("m_report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "'.pdf'"),
        ("m_report.docx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + bytes(64), "'.docx'"),
        ("m_README", b"An article without an extension.\n", "(no extension)"),
    ],
    ids=["pdf", "docx", "no-extension"],
)
def test_ingest_rejects_unknown_extension(tmp_path, name, raw, shown):
    rejected = batch_with_bad_file(tmp_path, name, raw)
    assert "unsupported file type" in rejected.reason
    assert shown in rejected.reason
    assert ".txt" in rejected.reason and ".jsonl" in rejected.reason  # says what is expected
    assert rejected.raw == raw


def test_ingest_rejects_missing_path_and_continues(tmp_path):
    first = write(tmp_path / "first.txt", ENGLISH)
    missing = tmp_path / "does" / "not" / "exist.txt"
    last = write(tmp_path / "last.txt", GERMAN)
    documents, rejected = run(first, missing, last)
    assert [d.source for d in documents] == [str(first), str(last)]
    (problem,) = rejected
    assert problem.source == str(missing)
    assert "no such file" in problem.reason
    assert problem.raw == b""


def test_read_file_reports_unreadable_path_instead_of_raising(tmp_path):
    missing = tmp_path / "vanished.txt"
    (problem,) = list(read_file(missing, max_bytes=1_000_000))
    assert isinstance(problem, Rejected)
    assert problem.source == str(missing)
    assert "cannot read file" in problem.reason


def test_read_file_reads_one_file(tmp_path):
    path = write(tmp_path / "one.txt", ENGLISH)
    (doc,) = list(read_file(path, max_bytes=1_000_000))
    assert isinstance(doc, Document) and doc.text == ENGLISH and doc.source == str(path)


# ------------------------------------------------------------ folders and batches


def test_ingest_skips_hidden_files_and_folders(tmp_path):
    visible = write(tmp_path / "visible.txt", ENGLISH)
    write(tmp_path / ".hidden.txt", GERMAN)
    write(tmp_path / ".cache" / "cached.txt", RUSSIAN)
    write(tmp_path / "sub" / ".DS_Store", b"\x00\x00\x00\x01Bud1" + bytes(64))
    documents, rejected = run(tmp_path)
    assert rejected == []
    assert [d.source for d in documents] == [str(visible)]


def test_ingest_recurses_folders_in_sorted_order(tmp_path):
    texts = {
        "c/3.txt": "Third article text.",
        "a/b/2.txt": "Second article text.",
        "b.txt": "Middle article text.",
        "a/1.txt": "First article text.",
    }
    for name, text in texts.items():
        write(tmp_path / name, text)
    documents, rejected = run(tmp_path)
    assert rejected == []
    assert [d.source for d in documents] == [str(tmp_path / n) for n in ("a/1.txt", "a/b/2.txt", "b.txt", "c/3.txt")]
    # the same order on every run
    assert [d.source for d in run(tmp_path)[0]] == [d.source for d in documents]


def test_ingest_same_bytes_under_another_name_is_a_second_source(tmp_path):
    first = write(tmp_path / "a_original.txt", ENGLISH)
    copy = write(tmp_path / "b_copy.txt", ENGLISH)
    other = write(tmp_path / "c_other.txt", GERMAN)
    documents, rejected = run(tmp_path)
    assert rejected == []
    assert [d.source for d in documents] == [str(first), str(copy), str(other)]
    # A distinct id, so the dedup stage can fold it into the first as another source.
    assert len({d.id for d in documents}) == 3
    assert documents[1].raw == ENGLISH.encode()
    # Deterministic: the same run gives the same ids.
    assert [d.id for d in run(tmp_path)[0]] == [d.id for d in documents]


def test_ingest_rejects_duplicate_given_twice(tmp_path):
    path = write(tmp_path / "once.txt", ENGLISH)
    documents, rejected = run(path, path)
    assert len(documents) == 1
    (duplicate,) = rejected
    assert "duplicate of" in duplicate.reason


def test_ingest_mixed_batch_keeps_going(tmp_path):
    write(tmp_path / "01.txt", ENGLISH)
    write(tmp_path / "02.png", b"\x89PNG\r\n\x1a\n" + bytes(32))
    write(tmp_path / "03.txt", b"")
    write(tmp_path / "04.html", ARTICLE_HTML)
    write(tmp_path / "05.json", json.dumps({"text": RUSSIAN}, ensure_ascii=False))
    write(tmp_path / "06.jsonl", "not json\n" + json.dumps({"id": "x", "text": "Good line."}) + "\n")
    write(tmp_path / "07.txt", bytes(range(128, 256)) * 50)
    write(tmp_path / "08.txt", GERMAN.encode("cp1252"))
    documents, rejected = run(tmp_path)
    accepted = [Path(d.source.split("#")[0]).name for d in documents]
    assert accepted == ["01.txt", "04.html", "05.json", "06.jsonl", "08.txt"]
    assert [Path(r.source.split(":")[0]).name for r in rejected] == ["02.png", "03.txt", "06.jsonl", "07.txt"]


def test_ingest_author_and_domain_reach_the_article(tmp_path):
    from rashomon import clean_document

    write(tmp_path / "a.txt", ENGLISH)
    (tmp_path / "a.meta.json").write_text(
        json.dumps({"author": "Jane Roe", "url": "https://www.harbour-times.example/news/1"}), encoding="utf-8"
    )
    (document,), _ = run(tmp_path)
    article = clean_document(document)
    assert (article.author, article.domain) == ("Jane Roe", "harbour-times.example")
