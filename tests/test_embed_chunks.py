"""What the embed stage reads of an article: title and paragraphs, long ones in pieces, up to a budget."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SHARED
from hypothesis import given, settings
from hypothesis import strategies as st

from rashomon.clean import clean_document
from rashomon.embed import (
    CHUNK_CHARS,
    LEAD_DECAY,
    HashingEmbedder,
    embed_articles,
    embedding_chunks,
    paragraph_chunk,
)
from rashomon.records import Article, Document

SIMILARITY = SHARED / "bench" / "news-similarity" / "train.jsonl"

words = st.text(alphabet="abcdeäöüßжщ日本 .,", min_size=1, max_size=1500).map(str.strip).filter(bool)


@settings(max_examples=200, deadline=None)
@given(
    title=st.one_of(st.none(), words.map(lambda w: w[:120])),
    paragraphs=st.lists(words, min_size=1, max_size=8),
    max_chars=st.integers(min_value=1, max_value=6000),
)
def test_chunks_cover_the_top_of_the_article_in_order(title, paragraphs, max_chars) -> None:
    """The chunks are the title and paragraphs, each cut into pieces of at most CHUNK_CHARS, in
    order and without gaps, until max_chars characters are read; a paragraph's first piece is
    the one framing embeds (paragraph_chunk)."""
    text = "\n\n".join(paragraphs)
    article = Article(id="a", source="a", raw_text=text, text=text, title=title)
    chunks = embedding_chunks(article, max_chars)
    kept = article.paragraphs
    parts = ([title] if title and kept[0] != title else []) + kept
    assert all(0 < len(chunk) <= CHUNK_CHARS for chunk in chunks)
    assert sum(map(len, chunks)) == min(max_chars, sum(map(len, parts)))
    assert "".join(chunks) == "".join(parts)[: sum(map(len, chunks))]
    read = 0
    for part in parts:
        if read >= max_chars:
            break
        assert paragraph_chunk(part)[: max_chars - read] in chunks
        read += len(part)


def test_a_long_paragraph_is_read_to_its_end() -> None:
    """An article that is one long paragraph (most SemEval texts): the vector reads all of it, so
    two articles that differ only after the first 600 characters get different vectors."""
    head = "Die Regierung kündigte am Montag neue Maßnahmen an. " * 12
    one = Article(id="1", source="1", raw_text="", text=head + "Der Hafen bleibt geschlossen.")
    two = Article(id="2", source="2", raw_text="", text=head + "Die Schulen öffnen wieder.")
    assert len(head) > CHUNK_CHARS
    assert len(embedding_chunks(one)) == 2
    vectors = embed_articles([one, two], HashingEmbedder())
    assert float(vectors[0] @ vectors[1]) < 0.999


def test_real_similarity_texts_are_read_whole() -> None:
    """On real SemEval texts (one paragraph each, about 1,000 characters) the chunks cover the text."""
    if not SIMILARITY.is_file():
        pytest.skip("benchmark data not beside this checkout")
    rows = [json.loads(line) for line in SIMILARITY.read_text(encoding="utf-8").splitlines()[:60]]
    read = []
    for row in rows:
        article = clean_document(
            Document(
                id="x", source="x", raw=b"", text=row["text1"], encoding="utf-8", fmt="json", language=row["lang1"]
            )
        )
        chunks = embedding_chunks(article, 5000)
        read.append(sum(map(len, chunks)) / max(1, sum(map(len, article.paragraphs))))
    assert np.median(read) >= 0.99


def test_the_lead_weighs_more_than_what_follows() -> None:
    """Two pieces of equal length: the article vector leans to the first (LEAD_DECAY < 1)."""
    first = "Hafenarbeiter in Hamburg legen die Arbeit nieder und fordern mehr Lohn. " * 8
    second = "Der Wetterdienst erwartet für das Wochenende Regen und kräftigen Wind. " * 8
    first, second = first[:CHUNK_CHARS], second[:CHUNK_CHARS]
    article = Article(id="a", source="a", raw_text="", text=first + "\n\n" + second)
    embedder = HashingEmbedder()
    vector = embed_articles([article], embedder)[0]
    lead, rest = embedder.encode([first, second])
    assert LEAD_DECAY < 1.0
    assert float(vector @ lead) > float(vector @ rest)
