"""Fuzzing: every parser returns a result or refuses with InputError, never crashes or hangs.

Three parts, all offline and fast:

* a fixed-seed slice of the mutation fuzzer of ``bench/fuzz.py`` (the bench runs 100,000);
* Hypothesis properties, one per parser, over structured inputs;
* every file of the regression corpus ``tests/data/fuzz-regressions/`` (inputs that once
  crashed or hung a parser), and the pathological inputs that must be refused within limits.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rashomon.clean import clean_document
from rashomon.errors import InputError
from rashomon.ingest.feeds import parse_feed, parse_url_list, read_url_list
from rashomon.ingest.files import DecodeError, decode_text, read_file
from rashomon.records import Document, Rejected

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("rashomon_fuzz_bench", ROOT / "bench" / "fuzz.py")
assert _spec is not None and _spec.loader is not None
fuzz = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fuzz
_spec.loader.exec_module(fuzz)

HAVE_BENCH_PAGES = fuzz.BENCH_PAGES.is_dir()


@pytest.fixture(scope="module")
def seeds() -> object:
    # a few benchmark pages are enough for the slice; the bench uses all 181
    return fuzz.Seeds.load(max_pages=6)


def _assert_fine(case: object, outcome: object) -> None:
    assert outcome.status in ("ok", "refused"), f"{case.target} {case.how}: {outcome.status}\n{outcome.detail}"


def test_fixed_seed_mutation_slice_has_no_crash_or_hang(seeds: object, tmp_path: Path) -> None:
    import random

    rng = random.Random(20251)
    statuses = []
    for _ in range(300):
        case = fuzz.generate(seeds, rng)
        outcome = fuzz.run_in_process(case, tmp_path, timeout=10.0)
        _assert_fine(case, outcome)
        statuses.append(outcome.status)
    # the slice exercises both outcomes, or it proves little
    assert statuses.count("ok") > 80 and statuses.count("refused") > 10


def test_hypothesis_cases_of_the_bench_run_clean(tmp_path: Path) -> None:
    cases = list(fuzz.hypothesis_cases(100, seed=7))
    assert len(cases) == 100
    assert len({case.target for case in cases}) >= 5
    for case in cases:
        _assert_fine(case, fuzz.run_in_process(case, tmp_path, timeout=5.0))


REGRESSIONS = fuzz.regression_files()


@pytest.mark.parametrize("path", REGRESSIONS, ids=[f"{p.parent.name}/{p.name}" for p in REGRESSIONS])
def test_regression_corpus_input_is_handled(path: Path, tmp_path: Path) -> None:
    case = fuzz.regression_case(path)
    _assert_fine(case, fuzz.run_in_process(case, tmp_path, timeout=5.0))


def test_regression_corpus_is_not_empty() -> None:
    assert len(REGRESSIONS) >= 10
    assert {path.parent.name for path in REGRESSIONS} >= {"read_file", "clean_document", "decode_text"}


# -- Hypothesis properties, one per parser ---------------------------------------------------

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(st.binary(max_size=400))
def test_decode_text_returns_text_or_raises_input_error(raw: bytes) -> None:
    try:
        text, encoding = decode_text(raw)
    except InputError as error:
        assert isinstance(error, DecodeError) and isinstance(error, ValueError) and str(error)
    else:
        assert isinstance(text, str) and isinstance(encoding, str)


@FAST
@given(st.text(max_size=300), st.none() | st.text(max_size=30), st.none() | st.text(max_size=30))
def test_clean_document_is_total(text: str, title: str | None, url: str | None) -> None:
    document = Document("d", "s", text.encode(), text, "utf-8", "txt", title=title, url=url)
    article = clean_document(document)
    assert isinstance(article.text, str)


@FAST
@given(st.lists(st.text(max_size=50) | st.from_regex(r"\Ahttps?://[\[\]a-z.:]{0,15}\Z"), max_size=6))
def test_url_list_lines_are_urls_or_rejected(lines: list[str]) -> None:
    urls, rejected = parse_url_list("\n".join(lines))
    assert all(url.startswith(("http://", "https://")) for url in urls)
    assert all(isinstance(item, Rejected) for item in rejected)


@FAST
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda text: ("<rss><channel>" + text).encode()))
def test_parse_feed_returns_a_feed_or_raises_input_error(data: bytes) -> None:
    try:
        parse_feed(data, "https://feeds.example/f")
    except InputError:
        pass


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=10,
)
FIELDS = st.sampled_from(["text", "title", "url", "published", "language", "id", "outlet", "author"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.dictionaries(FIELDS, JSON_VALUES | st.text(min_size=1, max_size=40), max_size=6) | JSON_VALUES, max_size=4
    )
)
def test_jsonl_records_of_any_shape_become_documents_or_rejections(tmp_path: Path, records: list[object]) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in records), encoding="utf-8")
    for item in read_file(path, 1_000_000):
        assert isinstance(item, (Document, Rejected))
        if isinstance(item, Document):
            assert isinstance(item.id, str) and item.text.strip()
            item.text.encode("utf-8")  # no lone surrogates reach later stages


# -- specific fixes the fuzzer led to --------------------------------------------------------


def test_record_id_that_is_not_a_string_or_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": [1, 2], "text": "x y"}\n{"id": true, "text": "x y"}\n{"id": 7, "text": "x y"}\n')
    items = list(read_file(path, 1_000_000))
    assert [type(item).__name__ for item in items] == ["Rejected", "Rejected", "Document"]
    assert "must be a string or a number" in items[0].reason


def test_lone_surrogate_escapes_in_json_do_not_reach_documents(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('[{"text": "a\\ud800b", "title": "\\udfff"}, {"text": "fine"}]')
    documents = [item for item in read_file(path, 1_000_000) if isinstance(item, Document)]
    assert len(documents) == 2
    assert documents[0].text == "a?b" and documents[0].title == "?"


def test_malformed_urls_do_not_break_the_url_list(tmp_path: Path) -> None:
    path = tmp_path / "list.urls"
    path.write_text("http://[::1\nhttps://ok.example/a\n")
    urls, rejected = read_url_list(path)
    assert urls == ["https://ok.example/a"] and len(rejected) == 1


def test_html_with_a_malformed_canonical_url_is_read() -> None:
    from rashomon.ingest.html import document_from_html

    page = (
        b"<html><head><link rel='canonical' href='http://[broken/'><title>T</title></head><body><article>"
        + b"<p>A paragraph long enough to be an article, with several words in it.</p>" * 5
        + b"</article></body></html>"
    )
    item = document_from_html(page, "p.html")
    assert isinstance(item, Document)


# -- gzip-compressed inputs ---------------------------------------------------------------


def test_gzip_inputs_are_read_like_the_uncompressed_file(tmp_path: Path) -> None:
    text = "Berlin (dpa) - Ein Beispieltext über den Hafen.\n".encode()
    (tmp_path / "a.txt").write_bytes(text)
    (tmp_path / "b.txt.gz").write_bytes(gzip.compress(text))
    (tmp_path / "b.meta.json").write_text('{"title": "Titel"}')
    (tmp_path / "c.jsonl.gz").write_bytes(gzip.compress(b'{"text": "eins"}\n') + gzip.compress(b'{"text": "zwei"}\n'))
    plain = next(read_file(tmp_path / "a.txt", 1_000_000))
    packed = next(read_file(tmp_path / "b.txt.gz", 1_000_000))
    assert isinstance(packed, Document) and packed.text == plain.text and packed.id == plain.id
    assert packed.title == "Titel" and packed.source.endswith("b.txt.gz")
    assert [item.text for item in read_file(tmp_path / "c.jsonl.gz", 1_000_000)] == ["eins", "zwei"]


def test_broken_or_oversized_gzip_input_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "cut.html.gz").write_bytes(gzip.compress(b"<html>" + bytes(range(256)) * 400)[:300])
    (tmp_path / "junk.txt.gz").write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03not deflate data at all")
    (tmp_path / "big.txt.gz").write_bytes(gzip.compress(b"word " * 300_000))
    reasons = {path.name: next(read_file(path, 1_000_000)) for path in sorted(tmp_path.iterdir())}
    assert all(isinstance(item, Rejected) for item in reasons.values())
    assert "cut short" in reasons["cut.html.gz"].reason
    assert "gzip" in reasons["junk.txt.gz"].reason
    assert "over the limit (setting max_input_mb)" in reasons["big.txt.gz"].reason


# -- pathological inputs, each in a fresh process with its time and memory measured ----------

PATHOLOGICAL = {name: (make, limit) for name, make, limit in fuzz.pathological_cases()}
# the quick ones run with 128 MB bombs (making a 1 GB bomb alone takes seconds); the bench uses 1 GB
QUICK = {name: (make, limit) for name, make, limit in fuzz.pathological_cases(bomb=1 << 27)}
QUICK_PATHOLOGICAL = [
    "100k nested <div> (.html)",
    "100k nested arrays (.jsonl)",
    "100k nested <item> (RSS)",
    "128 MB gzip bomb (.html.gz)",
    "128 MB record in a .warc.gz, Content-Length lies",
]


@pytest.mark.parametrize("name", QUICK_PATHOLOGICAL)
def test_pathological_input_is_handled_within_limits(name: str) -> None:
    make, limit = QUICK[name]
    start = time.perf_counter()
    status, seconds, peak, detail = fuzz.measure_pathological(make, limit, timeout=60)
    assert status in ("ok", "refused"), detail
    assert seconds < fuzz.PATHOLOGICAL_SECONDS, f"{name}: {seconds:.1f} s"
    assert peak < fuzz.PATHOLOGICAL_RSS_MB * 2**20, f"{name}: {peak / 2**20:.0f} MB"
    assert time.perf_counter() - start < 60


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_slow_pathological_input_is_handled_within_limits(name: str) -> None:
    make, limit = PATHOLOGICAL[name]
    status, seconds, peak, detail = fuzz.measure_pathological(make, limit, timeout=120)
    assert status in ("ok", "refused"), detail
    assert seconds < fuzz.PATHOLOGICAL_SECONDS and peak < fuzz.PATHOLOGICAL_RSS_MB * 2**20


def test_warc_bomb_record_is_rejected_and_the_next_record_still_read(tmp_path: Path) -> None:
    from rashomon.ingest.warc import iter_warc_records

    path = tmp_path / "bomb.warc.gz"
    path.write_bytes(fuzz._warc_bomb(50_000_000))
    start = time.perf_counter()
    items = [warc_item.item for warc_item in iter_warc_records(path, max_record_bytes=1_000_000)]
    assert time.perf_counter() - start < 5
    assert any(isinstance(item, Rejected) and "over the" in item.reason for item in items)
    assert any(isinstance(item, Document) and "real paragraph" in item.text for item in items)


@pytest.mark.skipif(not HAVE_BENCH_PAGES, reason="needs ../shared/bench/article-extraction/html")
def test_benchmark_pages_are_read_as_html_gz(tmp_path: Path) -> None:
    page = sorted(fuzz.BENCH_PAGES.glob("*.html.gz"))[0]
    target = tmp_path / page.name
    target.write_bytes(page.read_bytes())
    (item,) = list(read_file(target, 20_000_000))
    assert isinstance(item, Document) and len(item.text) > 200


@pytest.mark.slow
def test_analyze_end_to_end_over_mutated_folders_never_raises() -> None:
    # the whole pipeline (hashing embedder for speed): bad inputs are rejected, nothing escapes
    figures = fuzz.fuzz_analyze(3, seed=11, timeout=300)
    assert figures["crashes"] == 0 and figures["hangs"] == 0
    assert figures["trials"] == 3 and figures["articles"] + figures["rejected"] > 0
