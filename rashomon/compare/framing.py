"""Framing labels with evidence: genre, the 14 generic frames and persuasion techniques.

The label sets are those of SemEval-2023 Task 3 (Piskorski et al. 2023): an article is
*reporting*, *opinion* or *satire*; it uses any of 14 generic frames (Boydstun et al.'s
policy frames); each of its paragraphs may use any of 23 persuasion techniques. See
``docs/framing-model.md`` for the data, the scores and the limits.

The default model is linear over cross-lingual features: the multilingual Universal
Sentence Encoder (:mod:`rashomon.embed`) of every paragraph, their length-weighted mean
for the article, and a handful of language-independent style counts (question marks,
quotation marks, digits …). It holds weights only, no text, in ``rashomon/data/framing.npz``,
and is trained by ``bench/train_framing.py``.

Evidence is exact because the model is linear: the article vector is a weighted sum of
paragraph vectors, so each paragraph's share of a label's score is known. A genre or frame
points at the paragraph that adds most to it; a technique at the paragraph it was found in.
Offsets are into the text given (an :class:`~rashomon.records.Article`'s ``text``).

A paragraph is a non-empty line, as in the task's data (a cleaned article separates
paragraphs by blank lines, so its paragraphs are its non-empty lines too). Only the first
:data:`MAX_PARAGRAPHS` paragraphs are read, each up to :data:`PARAGRAPH_CHARS` characters.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..embed import CHUNK_CHARS, Embedder, USEEmbedder, paragraph_chunk
from ..errors import InputError
from ..records import Article, FrameLabel, Framing, TechniqueLabel
from ..text import paragraph_spans

GENRES = ("reporting", "opinion", "satire")
FRAMES = (
    "Economic",
    "Capacity_and_resources",
    "Morality",
    "Fairness_and_equality",
    "Legality_Constitutionality_and_jurisprudence",
    "Policy_prescription_and_evaluation",
    "Crime_and_punishment",
    "Security_and_defense",
    "Health_and_safety",
    "Quality_of_life",
    "Cultural_identity",
    "Public_opinion",
    "Political",
    "External_regulation_and_reputation",
)
TECHNIQUES = (
    "Appeal_to_Authority",
    "Appeal_to_Fear-Prejudice",
    "Appeal_to_Hypocrisy",
    "Appeal_to_Popularity",
    "Appeal_to_Time",
    "Appeal_to_Values",
    "Causal_Oversimplification",
    "Consequential_Oversimplification",
    "Conversation_Killer",
    "Doubt",
    "Exaggeration-Minimisation",
    "False_Dilemma-No_Choice",
    "Flag_Waving",
    "Guilt_by_Association",
    "Loaded_Language",
    "Name_Calling-Labeling",
    "Obfuscation-Vagueness-Confusion",
    "Questioning_the_Reputation",
    "Red_Herring",
    "Repetition",
    "Slogans",
    "Straw_Man",
    "Whataboutism",
)

MAX_PARAGRAPHS = 200
PARAGRAPH_CHARS = CHUNK_CHARS  # the cut grouping embeds too: one vector per paragraph and article
MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "framing.npz"

_QUOTES = "\"'«»„“”‘’‚‹›「」"

NGRAM_BUCKETS = 1 << 14
NGRAM_SIZES = (3, 4, 5)
_MASK = np.uint64(0xFFFFFFFF)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a text: its 1-based line number and character offsets."""

    line: int
    start: int
    end: int


def numbered_paragraphs(text: str) -> list[Paragraph]:
    """The paragraphs of ``text`` (:func:`rashomon.text.paragraph_spans`) with their line numbers,
    the first :data:`MAX_PARAGRAPHS` only."""
    out: list[Paragraph] = []
    line, seen = 1, 0
    for start, end in paragraph_spans(text)[:MAX_PARAGRAPHS]:
        line += text.count("\n", seen, start)
        seen = start
        out.append(Paragraph(line, start, end))
    return out


def paragraph_texts(text: str) -> list[str]:
    """The texts of :func:`numbered_paragraphs`: what the model reads of an article (each is
    embedded cut by :func:`rashomon.embed.paragraph_chunk`)."""
    return [text[p.start : p.end] for p in numbered_paragraphs(text)]


def _style(text: str) -> list[float]:
    """Language-independent style counts of one paragraph (see :data:`STYLE_FEATURES`)."""
    size = max(len(text), 1)
    letters = sum(c.isalpha() for c in text) or 1
    return [
        float(np.log1p(len(text))),
        min(text.count("?"), 5) / 5,
        min(text.count("!"), 5) / 5,
        min(sum(text.count(q) for q in _QUOTES), 10) / 10,
        sum(c.isdigit() for c in text) / size,
        sum(c.isupper() for c in text) / letters,
        float(text.rstrip().endswith(("?", "!"))),
        float(text.rstrip()[-1:].isalnum()),  # no closing punctuation: a heading or a slogan
    ]


STYLE_FEATURES = 8


def _mix(hashes: np.ndarray, salt: int) -> np.ndarray:
    hashes = (hashes ^ (hashes >> np.uint64(15))) * np.uint64(2246822519) & _MASK
    return (hashes ^ (hashes >> np.uint64(13)) ^ np.uint64(salt)) & _MASK


def ngram_buckets(text: str) -> np.ndarray:
    """Hashed character 3- to 5-grams of ``text`` (lower-cased, spaces collapsed): one bucket number each.

    The hash is a fixed polynomial over code points, so the buckets are the same on every
    machine and no n-gram string is ever kept; the model holds one weight per bucket.
    """
    folded = " " + " ".join(text.lower().split()) + " "
    codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    out = []
    for size in NGRAM_SIZES:
        if len(codes) < size:
            continue
        count = len(codes) - size + 1
        hashes = np.zeros(count, dtype=np.uint64)
        for k in range(size):
            hashes = (hashes * np.uint64(1000003) + codes[k : k + count]) & _MASK
        out.append(_mix(hashes, size * 7919))
    if not out:
        return np.zeros(0, dtype=np.int64)
    return (np.concatenate(out) % np.uint64(NGRAM_BUCKETS)).astype(np.int64)


def ngram_tfidf(counts: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Rows of bucket counts as unit-length ``log1p(count) * idf`` vectors (the n-gram head's input)."""
    x = np.log1p(counts) * idf
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.where(norm > 0, norm, 1.0)).astype(np.float32)


@dataclass(frozen=True)
class Features:
    """The model's inputs for one article.

    Attributes:
        article: One row: the paragraphs' length-weighted mean embedding, their style
            means and maxima, and the article's size (paragraphs, characters).
        paragraphs: One row per paragraph: its embedding, the article mean, its style, place.
        support: One row per paragraph: its share of the article's mean embedding
            (weight / norm times its embedding), so that ``support @ w`` splits a linear
            score on the mean among the paragraphs.
        ngrams: The article's hashed character n-gram counts (:data:`NGRAM_BUCKETS`).
        paragraph_ngrams: Per paragraph, the buckets of its n-grams (for evidence).
    """

    article: np.ndarray
    paragraphs: np.ndarray
    support: np.ndarray
    ngrams: np.ndarray
    paragraph_ngrams: tuple[np.ndarray, ...] = ()


def build_features(texts: Sequence[str], vectors: np.ndarray) -> Features:
    """Features of one article from its paragraphs' texts and unit embeddings."""
    count, dim = vectors.shape
    if count == 0:
        texts, vectors, count = [""], np.zeros((1, dim), dtype=np.float32), 1
    weights = np.array([max(min(len(t), PARAGRAPH_CHARS), 1) for t in texts], dtype=np.float64)
    total = (vectors.astype(np.float64) * weights[:, None]).sum(axis=0)
    norm = float(np.linalg.norm(total)) or 1.0
    mean = total / norm
    support = vectors.astype(np.float64) * (weights / norm)[:, None]
    styles = np.array([_style(t) for t in texts], dtype=np.float64)
    sizes = [float(np.log1p(count)), float(np.log1p(sum(len(t) for t in texts)))]
    article = np.concatenate([mean, styles.mean(axis=0), styles.max(axis=0), sizes])
    place = np.array([[i / max(count - 1, 1), float(i == 0)] for i in range(count)])
    paragraphs = np.hstack([vectors, np.repeat(mean[None, :], count, axis=0), styles, place])
    buckets = tuple(ngram_buckets(t) for t in texts)
    ngrams = np.bincount(np.concatenate(buckets), minlength=NGRAM_BUCKETS).astype(np.float32)
    return Features(
        article.astype(np.float32), paragraphs.astype(np.float32), support.astype(np.float32), ngrams, buckets
    )


def embed_paragraphs(texts: Sequence[Sequence[str]], embedder: Embedder) -> list[np.ndarray]:
    """Unit embeddings of each article's paragraphs (each cut at :data:`PARAGRAPH_CHARS`), one batch."""
    flat = [paragraph_chunk(p) for paragraphs in texts for p in paragraphs]
    vectors = embedder.encode(flat) if flat else np.zeros((0, embedder.dimension), dtype=np.float32)
    out, at = [], 0
    for paragraphs in texts:
        out.append(vectors[at : at + len(paragraphs)])
        at += len(paragraphs)
    return out


# -- the model -----------------------------------------------------------------


@dataclass(frozen=True)
class Prediction:
    """What a framing model says about one article's paragraphs (label orders as the constants).

    Attributes:
        genre: Probability of each genre.
        genre_support: Per paragraph and genre, its share of the genre's score.
        frames: Confidence of each frame.
        frames_on: Which frames the model asserts.
        frame_support: Per paragraph and frame, its share of the frame's score.
        techniques: Per paragraph and technique, the confidence.
        techniques_on: Per paragraph and technique, whether the model asserts it.
    """

    genre: np.ndarray
    genre_support: np.ndarray
    frames: np.ndarray
    frames_on: np.ndarray
    frame_support: np.ndarray
    techniques: np.ndarray
    techniques_on: np.ndarray


class FramingModel(Protocol):
    """Labels the paragraphs of one article. The default is :class:`LinearFramingModel`."""

    name: str

    def predict_many(self, articles: Sequence[Sequence[str]]) -> list[Prediction]:
        """One :class:`Prediction` per article, given each article's paragraph texts (at least one)."""
        ...


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def _softmax(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Linear:
    """A linear layer over standardised features: ``((x - mean) / scale) @ weights + bias``."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def support(self, rows: np.ndarray, columns: slice) -> np.ndarray:
        """Each row's share of the score through the feature ``columns`` (linear, so shares add up)."""
        return rows @ (self.weights[columns] / self.scale[columns, None])


@dataclass(frozen=True)
class FramingWeights:
    """The linear heads, their thresholds and where they came from.

    The frames are scored by up to three heads whose probabilities are mixed with the weights
    ``meta["settings"]["frame_mix"]`` (article, paragraph, n-gram): ``frames`` on the article
    features, ``frame_paragraphs`` on each paragraph's embedding (the article takes the
    paragraphs' maximum) and ``frame_ngrams`` on the article's hashed character n-grams
    (``ngram_idf`` weights the counts). A model without the last two uses ``frames`` alone.
    """

    genre: Linear
    frames: Linear
    frame_thresholds: np.ndarray
    techniques: Linear
    technique_thresholds: np.ndarray
    meta: dict[str, Any]
    frame_paragraphs: Linear | None = None
    frame_ngrams: Linear | None = None
    ngram_idf: np.ndarray | None = None

    @property
    def frame_mix(self) -> tuple[float, float, float]:
        """Weights of the article, paragraph and n-gram frame heads (they add up to 1)."""
        if self.frame_paragraphs is None or self.frame_ngrams is None:
            return (1.0, 0.0, 0.0)
        mix = self.meta.get("settings", {}).get("frame_mix", (1.0, 0.0, 0.0))
        return (float(mix[0]), float(mix[1]), float(mix[2]))

    def save(self, path: Path) -> None:
        """Write the weights to an ``.npz`` (float32, compressed; no text of the data).

        The zip entries get a fixed date, so the same weights give the same bytes.
        """
        import io
        import zipfile

        arrays: dict[str, np.ndarray] = {"meta": np.array(json.dumps(self.meta, sort_keys=True))}
        for head in _HEADS:
            layer: Linear | None = getattr(self, head)
            if layer is None:
                continue
            for part in ("mean", "scale", "weights", "bias"):
                arrays[f"{head}_{part}"] = np.asarray(getattr(layer, part), dtype=np.float32)
        if self.ngram_idf is not None:
            arrays["ngram_idf"] = self.ngram_idf.astype(np.float32)
        arrays["frame_thresholds"] = self.frame_thresholds.astype(np.float32)
        arrays["technique_thresholds"] = self.technique_thresholds.astype(np.float32)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
                entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                archive.writestr(entry, buffer.getvalue(), compress_type=zipfile.ZIP_DEFLATED)

    @classmethod
    def load(cls, path: Path) -> FramingWeights:
        """Read weights written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            heads = {
                head: Linear(*(data[f"{head}_{part}"] for part in ("mean", "scale", "weights", "bias")))
                for head in _HEADS
                if f"{head}_weights" in data.files
            }
            return cls(
                genre=heads["genre"],
                frames=heads["frames"],
                frame_thresholds=data["frame_thresholds"],
                techniques=heads["techniques"],
                technique_thresholds=data["technique_thresholds"],
                meta=json.loads(str(data["meta"])),
                frame_paragraphs=heads.get("frame_paragraphs"),
                frame_ngrams=heads.get("frame_ngrams"),
                ngram_idf=data["ngram_idf"] if "ngram_idf" in data.files else None,
            )


_HEADS = ("genre", "frames", "techniques", "frame_paragraphs", "frame_ngrams")


class LinearFramingModel:
    """The default model: linear heads over cross-lingual paragraph embeddings.

    Args:
        weights: Trained weights (default: the shipped ``rashomon/data/framing.npz``).
        embedder: The paragraph encoder the weights were trained on (default: USE).
    """

    def __init__(self, weights: FramingWeights | None = None, embedder: Embedder | None = None) -> None:
        self.weights = weights or _shipped_weights()
        self.embedder = embedder or USEEmbedder()
        self.name = str(self.weights.meta.get("name", "framing-linear"))

    def predict_features(self, features: Features) -> Prediction:
        """Label one article from its :class:`Features`."""
        w = self.weights
        dim = features.support.shape[1]
        mean_columns = slice(0, dim)
        genre = _softmax(w.genre(features.article[None, :])[0])
        genre_support = w.genre.support(features.support, mean_columns)
        genre_support = genre_support - genre_support.mean(axis=1, keepdims=True)
        frames, frame_support = self._frames(features, mean_columns)
        techniques = _sigmoid(w.techniques(features.paragraphs))
        return Prediction(
            genre=genre,
            genre_support=genre_support,
            frames=frames,
            frames_on=frames >= w.frame_thresholds,
            frame_support=frame_support,
            techniques=techniques,
            techniques_on=techniques >= w.technique_thresholds,
        )

    def _frames(self, features: Features, mean_columns: slice) -> tuple[np.ndarray, np.ndarray]:
        """The mixed frame confidences and each paragraph's share of them.

        A paragraph's share is, per head, its share of the head's logit times the slope of
        the sigmoid there (a first-order split of the probability), weighted by the mix; the
        paragraph head's whole probability goes to the paragraph that gave the maximum.
        """
        w = self.weights
        article_mix, paragraph_mix, ngram_mix = w.frame_mix
        article = _sigmoid(w.frames(features.article[None, :])[0])
        support = article_mix * article * (1 - article) * w.frames.support(features.support, mean_columns)
        frames = article_mix * article
        if w.frame_paragraphs is not None and paragraph_mix > 0:
            dim = mean_columns.stop
            per_paragraph = _sigmoid(w.frame_paragraphs(features.paragraphs[:, :dim]))
            best = per_paragraph.argmax(axis=0)
            columns = np.arange(per_paragraph.shape[1])
            frames = frames + paragraph_mix * per_paragraph[best, columns]
            support[best, columns] += paragraph_mix * per_paragraph[best, columns]
        if w.frame_ngrams is not None and w.ngram_idf is not None and ngram_mix > 0:
            x = ngram_tfidf(features.ngrams, w.ngram_idf)
            ngram = _sigmoid(w.frame_ngrams(x[None, :])[0])
            frames = frames + ngram_mix * ngram
            # Each bucket's part of the logit, split among the paragraphs by their share of its count.
            part = x[:, None] * w.frame_ngrams.weights / w.frame_ngrams.scale[:, None]
            share = np.zeros_like(support)
            totals = np.where(features.ngrams > 0, features.ngrams, 1.0)
            for row, buckets in enumerate(features.paragraph_ngrams[: len(support)]):
                if len(buckets):
                    used, counts = np.unique(buckets, return_counts=True)
                    share[row] = (counts / totals[used]) @ part[used]
            support += ngram_mix * ngram * (1 - ngram) * share
        return frames, support

    def predict_many(self, articles: Sequence[Sequence[str]]) -> list[Prediction]:
        vectors = embed_paragraphs(articles, self.embedder)
        return [self.predict_features(build_features(t, v)) for t, v in zip(articles, vectors, strict=True)]


@functools.lru_cache(maxsize=1)
def _shipped_weights() -> FramingWeights:
    if not MODEL_FILE.is_file():
        raise InputError(f"the framing model {MODEL_FILE} is missing; run `python bench/train_framing.py`")
    return FramingWeights.load(MODEL_FILE)


@functools.lru_cache(maxsize=1)
def default_model() -> LinearFramingModel:
    """The shipped model, loaded once per process."""
    return LinearFramingModel()


# -- the stage -----------------------------------------------------------------


def _text_of(article: Article | str) -> tuple[str, str]:
    if isinstance(article, str):
        return "", article
    return article.id, article.text


def _label(name: str, confidence: float, text: str, paragraph: Paragraph) -> FrameLabel:
    return FrameLabel(
        name=name,
        confidence=round(float(confidence), 4),
        start=paragraph.start,
        end=paragraph.end,
        evidence=text[paragraph.start : paragraph.end],
    )


def _framing(article_id: str, text: str, spans: list[Paragraph], prediction: Prediction | None, model: str) -> Framing:
    if prediction is None:
        return Framing(article_id=article_id, genre=None, genre_confidence=0.0, frames=(), techniques=(), model=model)
    best_genre = int(np.argmax(prediction.genre))
    genre_evidence = _label(
        GENRES[best_genre],
        prediction.genre[best_genre],
        text,
        spans[int(np.argmax(prediction.genre_support[:, best_genre]))],
    )
    frames = sorted(
        (
            _label(FRAMES[k], prediction.frames[k], text, spans[int(np.argmax(prediction.frame_support[:, k]))])
            for k in np.flatnonzero(prediction.frames_on)
        ),
        key=lambda label: (-label.confidence, label.name),
    )
    techniques = []
    for row, paragraph in enumerate(spans):
        for k in np.flatnonzero(prediction.techniques_on[row]):
            label = _label(TECHNIQUES[k], prediction.techniques[row, k], text, paragraph)
            techniques.append(TechniqueLabel(paragraph=paragraph.line, **vars(label)))
    return Framing(
        article_id=article_id,
        genre=GENRES[best_genre],
        genre_confidence=genre_evidence.confidence,
        genre_evidence=genre_evidence,
        frames=tuple(frames),
        techniques=tuple(techniques),
        model=model,
    )


def frame_articles(articles: Iterable[Article | str], model: FramingModel | None = None) -> list[Framing]:
    """Framing labels of many articles (or plain texts), their paragraphs encoded in one batch.

    Args:
        articles: :class:`~rashomon.records.Article` records (their ``text`` is read), or texts.
        model: A :class:`FramingModel`; default the shipped linear model, loaded once.

    Returns:
        One :class:`~rashomon.records.Framing` per input, in order. A text without any
        paragraph gets no genre (``None``), no frames and no techniques.
    """
    model = model or default_model()
    items = [_text_of(article) for article in articles]
    spans = [numbered_paragraphs(text) for _, text in items]
    todo = [i for i, s in enumerate(spans) if s]
    predictions = model.predict_many([[items[i][1][p.start : p.end] for p in spans[i]] for i in todo])
    by_item: dict[int, Prediction] = dict(zip(todo, predictions, strict=True))
    return [
        _framing(article_id, text, spans[i], by_item.get(i), model.name) for i, (article_id, text) in enumerate(items)
    ]


def frame_article(article: Article | str, model: FramingModel | None = None) -> Framing:
    """Framing labels of one article: genre, frames and techniques, each with its evidence."""
    return frame_articles([article], model)[0]


# -- training (bench/train_framing.py and the quality gate) ----------------------


class DiskCachedEmbedder:
    """Wraps an encoder and keeps each batch's vectors on disk under a hash of its texts.

    Training and the quality gate encode the same paragraphs again and again; the cache
    (outside the repository: a user cache folder, pytest's cache) holds vectors, no text.
    """

    def __init__(self, embedder: Embedder, folder: Path) -> None:
        self.embedder = embedder
        self.folder = folder
        self.name = embedder.name
        self.dimension = embedder.dimension
        self.seconds = 0.0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        digest = hashlib.sha256("\x00".join([self.name, *texts]).encode("utf-8")).hexdigest()[:24]
        path = self.folder / f"vectors-{digest}.npy"
        if path.is_file():
            return np.load(path, allow_pickle=False)
        started = time.perf_counter()
        vectors = self.embedder.encode(texts)
        self.seconds += time.perf_counter() - started
        self.folder.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors, allow_pickle=False)
        return vectors


def data_fingerprint(path: Path) -> str:
    """SHA-256 of a training file, recorded in the model so it can be reproduced."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    return mean, scale


def fit_linear(
    x: np.ndarray,
    y: np.ndarray,
    *,
    softmax: bool = False,
    l2: float = 1.0,
    steps: int = 300,
    learning_rate: float = 0.05,
    standardise: bool = True,
) -> Linear:
    """Logistic regression (independent sigmoids, or one softmax) by full-batch Adam.

    Positive labels are up-weighted to balance each label (for the sigmoids) or each
    class (for the softmax), which is what per-label thresholds and macro-F1 want.
    Deterministic: no sampling, fixed start. ``standardise=False`` keeps the features as
    they are (sparse n-gram rates, where scaling each column up would favour rare ones).
    """
    if standardise:
        mean, scale = _standardise(x)
    else:
        mean, scale = np.zeros(x.shape[1]), np.ones(x.shape[1])
    z = ((x - mean) / scale).astype(np.float32)
    y = y.astype(np.float32)
    rows, labels = y.shape
    positives = y.sum(axis=0).clip(1.0)
    # Balanced weights: per row for the softmax classes, per positive label for the sigmoids.
    row_weight = (y * (rows / (labels * positives))).sum(axis=1, keepdims=True) if softmax else None
    positive_weight = ((rows - positives) / positives).clip(1.0, 10.0)
    weights = np.zeros((z.shape[1], labels), dtype=np.float32)
    bias = np.zeros(labels, dtype=np.float32)
    m_w, v_w, m_b, v_b = (np.zeros_like(weights), np.zeros_like(weights), np.zeros_like(bias), np.zeros_like(bias))
    for step in range(1, steps + 1):
        logits = z @ weights + bias
        if row_weight is not None:
            grad = (_softmax(logits) - y) * row_weight
        else:
            grad = (_sigmoid(logits) - y) * (1.0 + (positive_weight - 1.0) * y)
        g_w = (z.T @ grad) / rows + l2 * weights / rows
        g_b = grad.mean(axis=0)
        for param, g, m, v in ((weights, g_w, m_w, v_w), (bias, g_b, m_b, v_b)):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            param -= learning_rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return Linear(
        mean.astype(np.float32), scale.astype(np.float32), weights.astype(np.float32), bias.astype(np.float32)
    )


def tune_global_threshold(scores: np.ndarray, gold: np.ndarray, floor: float = 0.05) -> np.ndarray:
    """One threshold for all labels, the one with the best micro-F1 on ``(scores, gold)``."""
    best, chosen = 0.0, 0.5
    for threshold in np.arange(floor, 0.96, 0.01):
        f1 = micro_f1(scores >= threshold, gold)
        if f1 > best:
            best, chosen = f1, float(threshold)
    return np.full(scores.shape[1], chosen)


def tune_thresholds(scores: np.ndarray, gold: np.ndarray, floor: float = 0.05) -> np.ndarray:
    """Per label, the score threshold with the best F1 on ``(scores, gold)`` (1.01 = never assert)."""
    thresholds = np.full(scores.shape[1], 1.01)
    for k in range(scores.shape[1]):
        best = 0.0
        for threshold in np.arange(floor, 0.96, 0.01):
            predicted = scores[:, k] >= threshold
            tp = float((predicted & gold[:, k]).sum())
            f1 = 2 * tp / (predicted.sum() + gold[:, k].sum()) if tp else 0.0
            if f1 > best:
                best, thresholds[k] = f1, threshold
    return thresholds


def micro_f1(predicted: np.ndarray, gold: np.ndarray) -> float:
    """Micro-averaged F1 of boolean label matrices."""
    tp = float((predicted & gold).sum())
    denominator = float(predicted.sum() + gold.sum())
    return 2 * tp / denominator if denominator else 0.0


def macro_f1(predicted: Sequence[str], gold: Sequence[str]) -> float:
    """Macro-averaged F1 over the classes that occur in either sequence."""
    classes = sorted(set(predicted) | set(gold))
    scores = []
    for label in classes:
        tp = sum(p == g == label for p, g in zip(predicted, gold, strict=True))
        denominator = sum(p == label for p in predicted) + sum(g == label for g in gold)
        scores.append(2 * tp / denominator if denominator else 0.0)
    return float(np.mean(scores)) if scores else 0.0


def tune_thresholds_with_f1(scores: np.ndarray, gold: np.ndarray, min_f1: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """:func:`tune_thresholds`, and each label's best F1; a label below ``min_f1`` is never asserted."""
    thresholds = tune_thresholds(scores, gold)
    f1 = np.array([micro_f1(scores[:, k : k + 1] >= thresholds[k], gold[:, k : k + 1]) for k in range(gold.shape[1])])
    thresholds[f1 < min_f1] = 1.01
    return thresholds, f1


@dataclass(frozen=True)
class ScoredArticle:
    """Gold and predicted labels of one article, for :func:`framing_metrics`."""

    language: str
    gold_genre: str | None
    genre: str | None
    gold_frames: frozenset[str]
    frames: frozenset[str]
    gold_techniques: tuple[frozenset[str], ...]
    techniques: tuple[frozenset[str], ...]


def framing_metrics(items: Sequence[ScoredArticle]) -> dict[str, Any]:
    """Genre macro-F1, frames micro-F1 and paragraph-level techniques micro-F1, overall and per language.

    Articles without a gold genre are left out of the genre score; every paragraph counts
    for techniques, an unannotated one as an empty set (the task's official scoring).
    """

    def scores(group: Sequence[ScoredArticle]) -> dict[str, Any]:
        with_genre = [a for a in group if a.gold_genre is not None]
        frames = _set_f1([(a.frames, a.gold_frames) for a in group])
        techniques = _set_f1([pair for a in group for pair in zip(a.techniques, a.gold_techniques, strict=True)])
        return {
            "n": len(group),
            "genre_macro_f1": (
                round(macro_f1([a.genre or "" for a in with_genre], [a.gold_genre or "" for a in with_genre]), 4)
                if with_genre
                else None
            ),
            "frames_micro_f1": frames,
            "techniques_micro_f1": techniques,
        }

    result = scores(items)
    languages = sorted({a.language for a in items})
    result["per_language"] = {lang: scores([a for a in items if a.language == lang]) for lang in languages}
    return result


def _set_f1(pairs: Sequence[tuple[frozenset[str], frozenset[str]]]) -> float | None:
    tp = sum(len(p & g) for p, g in pairs)
    denominator = sum(len(p) + len(g) for p, g in pairs)
    return round(2 * tp / denominator, 4) if denominator else None


@dataclass(frozen=True)
class TrainingSet:
    """Features and gold labels of annotated articles (rows of the task's JSONL format)."""

    ids: tuple[str, ...]
    languages: tuple[str, ...]
    genres: tuple[str | None, ...]
    frames: np.ndarray
    articles: np.ndarray
    paragraphs: np.ndarray
    owner: np.ndarray
    techniques: np.ndarray
    ngrams: np.ndarray


def training_set(rows: Sequence[dict[str, Any]], embedder: Embedder) -> TrainingSet:
    """Embed the rows' paragraphs and build their features and label matrices."""
    spans = [numbered_paragraphs(row["text"]) for row in rows]
    texts = [[row["text"][p.start : p.end] for p in s] or [""] for row, s in zip(rows, spans, strict=True)]
    vectors = embed_paragraphs(texts, embedder)
    articles, paragraphs, owner, techniques, ngrams = [], [], [], [], []
    for number, (row, s, t, v) in enumerate(zip(rows, spans, texts, vectors, strict=True)):
        features = build_features(t, v)
        articles.append(features.article)
        ngrams.append(features.ngrams)
        paragraphs.append(features.paragraphs[: len(s)])
        owner.extend([number] * len(s))
        gold = {int(line): set(names) for line, names in (row.get("paragraph_techniques") or {}).items()}
        techniques.extend([[name in gold.get(p.line, ()) for name in TECHNIQUES] for p in s])
    return TrainingSet(
        ids=tuple(str(row.get("id", i)) for i, row in enumerate(rows)),
        languages=tuple(str(row.get("lang", "?")) for row in rows),
        genres=tuple(row.get("genre") for row in rows),
        frames=np.array([[name in row.get("frames", ()) for name in FRAMES] for row in rows], dtype=bool),
        articles=np.vstack(articles),
        paragraphs=np.vstack(paragraphs),
        owner=np.array(owner, dtype=np.int64),
        techniques=np.array(techniques, dtype=bool).reshape(-1, len(TECHNIQUES)),
        ngrams=np.vstack(ngrams),
    )


def stratified_folds(data: TrainingSet, folds: int) -> np.ndarray:
    """Fold number of each article: round-robin within each language × genre, in a hashed order."""
    order = sorted(
        range(len(data.ids)),
        key=lambda i: (
            data.languages[i],
            data.genres[i] or "",
            hashlib.sha256(data.ids[i].encode()).hexdigest(),
        ),
    )
    fold = np.zeros(len(order), dtype=np.int64)
    for rank, i in enumerate(order):
        fold[i] = rank % folds
    return fold


@dataclass(frozen=True)
class TrainingSettings:
    """Training settings (recorded in the model's ``meta``)."""

    l2_articles: float = 300.0
    l2_paragraphs: float = 3000.0
    steps: int = 200
    inner_folds: int = 3
    min_technique_f1: float = 0.2
    l2_frames: float = 1000.0
    l2_frame_paragraphs: float = 30000.0
    l2_frame_ngrams: float = 0.03
    frame_mix: tuple[float, float, float] = (0.4, 0.3, 0.3)
    frame_threshold: str = "global"  # or "per-label"


@dataclass(frozen=True)
class Heads:
    """The fitted heads of one training part (the frame heads that the mix leaves out are None)."""

    genre: Linear
    frames: Linear
    techniques: Linear
    frame_paragraphs: Linear | None
    frame_ngrams: Linear | None
    ngram_idf: np.ndarray | None


def ngram_idf(counts: np.ndarray) -> np.ndarray:
    """Smoothed inverse document frequency of each n-gram bucket over the rows of ``counts``."""
    documents = (counts > 0).sum(axis=0)
    return (np.log((1 + len(counts)) / (1 + documents)) + 1).astype(np.float32)


def _genre_rows(data: TrainingSet, subset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = np.array([i for i in subset if data.genres[i] in GENRES], dtype=np.int64)
    y = np.array([[data.genres[i] == g for g in GENRES] for i in keep], dtype=np.float64).reshape(-1, len(GENRES))
    return keep, y


def _fit_heads(data: TrainingSet, subset: np.ndarray, settings: TrainingSettings, techniques: bool = True) -> Heads:
    keep, y = _genre_rows(data, subset)
    genre = fit_linear(data.articles[keep], y, softmax=True, l2=settings.l2_articles, steps=settings.steps)
    frames = fit_linear(data.articles[subset], data.frames[subset], l2=settings.l2_frames, steps=settings.steps)
    rows = np.isin(data.owner, subset)
    technique_head = (
        fit_linear(data.paragraphs[rows], data.techniques[rows], l2=settings.l2_paragraphs, steps=settings.steps)
        if techniques
        else frames  # not needed (inner folds of the frame thresholds)
    )
    _, paragraph_mix, ngram_mix = settings.frame_mix
    frame_paragraphs = frame_ngrams = idf = None
    if paragraph_mix > 0:
        # Each paragraph carries its article's frames; the article takes the paragraphs' maximum.
        dim = data.articles.shape[1] - (2 * STYLE_FEATURES + 2)  # the embedding's columns
        frame_paragraphs = fit_linear(
            data.paragraphs[rows][:, :dim],
            data.frames[data.owner[rows]],
            l2=settings.l2_frame_paragraphs,
            steps=max(settings.steps * 3 // 4, 1),
        )
    if ngram_mix > 0:
        idf = ngram_idf(data.ngrams[subset])
        frame_ngrams = fit_linear(
            ngram_tfidf(data.ngrams[subset], idf),
            data.frames[subset],
            l2=settings.l2_frame_ngrams,
            steps=settings.steps,
            standardise=False,
        )
    return Heads(genre, frames, technique_head, frame_paragraphs, frame_ngrams, idf)


def _frame_scores(data: TrainingSet, heads: Heads, articles: np.ndarray, settings: TrainingSettings) -> np.ndarray:
    """Mixed frame probabilities of ``articles`` (as :meth:`LinearFramingModel.predict_features`)."""
    article_mix, paragraph_mix, ngram_mix = settings.frame_mix
    scores = article_mix * _sigmoid(heads.frames(data.articles[articles]))
    if heads.frame_paragraphs is not None:
        dim = heads.frame_paragraphs.weights.shape[0]
        rows = np.flatnonzero(np.isin(data.owner, articles))
        per_paragraph = _sigmoid(heads.frame_paragraphs(data.paragraphs[rows, :dim]))
        best = np.zeros((len(data.ids), per_paragraph.shape[1]))
        np.maximum.at(best, data.owner[rows], per_paragraph)
        scores += paragraph_mix * best[articles]
    if heads.frame_ngrams is not None and heads.ngram_idf is not None:
        scores += ngram_mix * _sigmoid(heads.frame_ngrams(ngram_tfidf(data.ngrams[articles], heads.ngram_idf)))
    return scores


def _out_of_fold(
    data: TrainingSet, subset: np.ndarray, folds: np.ndarray, settings: TrainingSettings, techniques: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Genre probabilities, frame and technique scores of ``subset``'s articles, each from a model not trained on it."""
    genre = np.zeros((len(data.ids), len(GENRES)))
    frames = np.zeros((len(data.ids), len(FRAMES)))
    technique_scores = np.zeros((len(data.owner), len(TECHNIQUES)))
    for fold in sorted(set(folds[subset].tolist())):
        test = subset[folds[subset] == fold]
        train = subset[folds[subset] != fold]
        heads = _fit_heads(data, train, settings, techniques)
        genre[test] = _softmax(heads.genre(data.articles[test]))
        frames[test] = _frame_scores(data, heads, test, settings)
        if techniques:
            rows = np.isin(data.owner, test)
            technique_scores[rows] = _sigmoid(heads.techniques(data.paragraphs[rows]))
    return genre, frames, technique_scores


def _thresholds(
    data: TrainingSet, subset: np.ndarray, frames: np.ndarray, techniques: np.ndarray, settings: TrainingSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if settings.frame_threshold == "global":
        frame_thresholds = tune_global_threshold(frames[subset], data.frames[subset])
    else:
        frame_thresholds, _ = tune_thresholds_with_f1(frames[subset], data.frames[subset])
    rows = np.isin(data.owner, subset)
    technique_thresholds, technique_f1 = tune_thresholds_with_f1(
        techniques[rows], data.techniques[rows], settings.min_technique_f1
    )
    return frame_thresholds, technique_thresholds, technique_f1


def cross_validate(data: TrainingSet, folds: int = 5, settings: TrainingSettings | None = None) -> dict[str, Any]:
    """Stratified k-fold scores with thresholds tuned inside each training part (nested).

    Returns:
        :func:`framing_metrics` of the out-of-fold predictions, plus ``"oof"``: the
        out-of-fold genre probabilities, frame and technique scores (to tune the shipped
        thresholds on).
    """
    settings = settings or TrainingSettings()
    outer = stratified_folds(data, folds)
    everything = np.arange(len(data.ids))
    genre_oof, frames_oof, techniques_oof = _out_of_fold(data, everything, outer, settings)
    frames_on = np.zeros_like(data.frames)
    techniques_on = np.zeros_like(data.techniques)
    for fold in range(folds):
        train = everything[outer != fold]
        test = everything[outer == fold]
        inner = stratified_folds(data, settings.inner_folds)
        _, inner_frames, inner_techniques = _out_of_fold(data, train, inner, settings)
        frame_thresholds, technique_thresholds, _ = _thresholds(data, train, inner_frames, inner_techniques, settings)
        frames_on[test] = frames_oof[test] >= frame_thresholds
        rows = np.isin(data.owner, test)
        techniques_on[rows] = techniques_oof[rows] >= technique_thresholds
    result = framing_metrics(_scored(data, genre_oof, frames_on, techniques_on))
    result["oof"] = (genre_oof, frames_oof, techniques_oof)
    return result


def _scored(
    data: TrainingSet, genre: np.ndarray, frames_on: np.ndarray, techniques_on: np.ndarray
) -> list[ScoredArticle]:
    items = []
    for i in range(len(data.ids)):
        rows = np.flatnonzero(data.owner == i)
        items.append(
            ScoredArticle(
                language=data.languages[i],
                gold_genre=data.genres[i],
                genre=GENRES[int(np.argmax(genre[i]))],
                gold_frames=frozenset(n for n, on in zip(FRAMES, data.frames[i], strict=True) if on),
                frames=frozenset(n for n, on in zip(FRAMES, frames_on[i], strict=True) if on),
                gold_techniques=tuple(_names(data.techniques[r]) for r in rows),
                techniques=tuple(_names(techniques_on[r]) for r in rows),
            )
        )
    return items


def _names(row: np.ndarray) -> frozenset[str]:
    return frozenset(n for n, on in zip(TECHNIQUES, row, strict=True) if on)


def train(
    data: TrainingSet, oof: tuple[np.ndarray, np.ndarray, np.ndarray], settings: TrainingSettings, meta: dict[str, Any]
) -> FramingWeights:
    """Fit the shipped heads on all of ``data``, with thresholds tuned on the cross-validation's out-of-fold scores."""
    everything = np.arange(len(data.ids))
    heads = _fit_heads(data, everything, settings)
    frame_thresholds, technique_thresholds, technique_f1 = _thresholds(data, everything, oof[1], oof[2], settings)
    meta = {
        **meta,
        "settings": vars(settings),
        "genres": GENRES,
        "frames": FRAMES,
        "techniques": TECHNIQUES,
        "techniques_never_asserted": [n for n, t in zip(TECHNIQUES, technique_thresholds, strict=True) if t > 1],
        "technique_oof_f1": {n: round(float(f), 4) for n, f in zip(TECHNIQUES, technique_f1, strict=True)},
    }
    return FramingWeights(
        heads.genre,
        heads.frames,
        frame_thresholds,
        heads.techniques,
        technique_thresholds,
        meta,
        frame_paragraphs=heads.frame_paragraphs,
        frame_ngrams=heads.frame_ngrams,
        ngram_idf=heads.ngram_idf,
    )
