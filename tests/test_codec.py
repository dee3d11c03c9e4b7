"""The one record codec: every record type survives to_data/from_data and to_row/from_row."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rashomon import codec
from rashomon.records import (
    Article,
    CopyLink,
    DateHint,
    Event,
    Link,
    Provenance,
    Quote,
    Rejected,
    RemovedLine,
    Speaker,
)


def _article(**extra: object) -> Article:
    return Article(
        id="a1",
        source="x/a.txt",
        raw_text="Raw\ntext",
        text="Text »quoted« — ünïcode",
        removed_lines=(RemovedLine(2, "Share this", "share button"),),
        title="Title",
        language="de",
        language_confidence=0.93,
        date_hints=(DateHint("am Dienstag", "weekday", "2023-02-28", "Am Dienstag kam er.", 0.7),),
        provenance=Provenance("file", "x/a.txt", "ab12", notes=("published date refused",)),
        **extra,  # type: ignore[arg-type]
    )


def test_records_round_trip_through_json() -> None:
    article = _article(copy_of="a0", copy_similarity=0.91)
    assert codec.loads(Article, codec.dumps(article)) == article
    quote = Quote("Wir helfen", 3, 13, "direct", Speaker("Blinken", 20, 27), "after", "S", 0, 0.8, cue="sagte")
    assert codec.loads(Quote, codec.dumps(quote)) == quote
    link = CopyLink("b", "a", 0.9, "near", 0.95)
    assert codec.to_data(link) == {
        "copy_id": "b",
        "original_id": "a",
        "similarity": 0.9,
        "kind": "near",
        "containment": 0.95,
    }
    assert codec.from_data(CopyLink, codec.to_data(link)) == link
    rejected = Rejected("bad.bin", "binary", b"\x00\xff")
    assert codec.loads(Rejected, codec.dumps(rejected)) == rejected


def test_missing_fields_take_defaults_and_unknown_keys_are_ignored() -> None:
    data = {"id": "ev-1", "label": "L", "article_ids": ["a", "b"], "added_later": 1}
    assert codec.from_data(Event, data) == Event("ev-1", "L", ("a", "b"))
    with pytest.raises(KeyError, match="Event.label"):
        codec.from_data(Event, {"id": "ev-1", "article_ids": []})


def test_wrong_types_are_refused() -> None:
    with pytest.raises(TypeError):
        codec.from_data(Link, {"article_a": "a", "article_b": "b", "score": "high", "embedding": 0, "names": 0})
    with pytest.raises(ValueError):
        codec.from_data(Speaker, {"name": "X", "start": 0, "end": 1, "kind": "alien"})


def test_rows_keep_scalars_as_columns_and_composites_as_json() -> None:
    article = _article()
    names = codec.columns(Article, frozenset({"other_sources"}))
    row = codec.to_row(article, skip={"other_sources"})
    assert len(names) == len(row) and "other_sources" not in names
    as_dict = dict(zip(names, row, strict=True))
    assert as_dict["title"] == "Title" and as_dict["language_confidence"] == 0.93
    assert json.loads(as_dict["removed_lines"])[0]["reason"] == "share button"
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.execute(f"CREATE TABLE t ({', '.join(names)})")
    db.execute(f"INSERT INTO t VALUES ({', '.join('?' * len(names))})", row)
    back = codec.from_row(Article, db.execute("SELECT * FROM t").fetchone(), other_sources=("y/b.txt",))
    assert back == dataclasses.replace(article, other_sources=("y/b.txt",))


texts = st.text(max_size=40)
optional_texts = st.none() | texts
floats = st.floats(allow_nan=False, allow_infinity=False, width=32)


@given(
    st.builds(
        Article,
        id=texts,
        source=texts,
        raw_text=texts,
        text=texts,
        removed_lines=st.lists(st.builds(RemovedLine, st.integers(0, 10**6), texts, texts), max_size=3).map(tuple),
        title=optional_texts,
        title_inferred=st.booleans(),
        language=optional_texts,
        language_confidence=floats,
        published=optional_texts,
        copy_similarity=st.none() | floats,
        other_sources=st.lists(texts, max_size=3).map(tuple),
    )
)
def test_any_article_round_trips(article: Article) -> None:
    assert codec.loads(Article, codec.dumps(article)) == article


def test_decoding_pauses_the_collector_and_restores_it() -> None:
    import gc

    assert gc.isenabled()
    with codec.decoding():
        assert not gc.isenabled()
        with codec.decoding():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block leaves it as the outer one set it
    assert gc.isenabled()
    gc.disable()
    try:
        with codec.decoding():
            pass
        assert not gc.isenabled()  # one that was off stays off
    finally:
        gc.enable()


def test_the_compiled_decoder_checks_types_like_the_general_one() -> None:
    from rashomon.records import EntityMention

    data = {"article_id": "a", "start": 1, "end": 2, "surface": "X", "label": "PER"}
    data |= {"confidence": 1, "sentence": "X.", "via": "name"}
    mention = codec.from_data(EntityMention, data)
    assert mention.confidence == 1.0 and isinstance(mention.confidence, float)  # an int is a number
    for field, bad in (("start", "1"), ("start", True), ("surface", 3), ("confidence", "high")):
        with pytest.raises((TypeError, ValueError)):
            codec.from_data(EntityMention, {**data, field: bad})
