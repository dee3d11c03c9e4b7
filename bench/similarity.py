"""Article-pair similarity that humans agree with.

Two articles are compared by a handful of language-agnostic *pair features*
(:func:`pair_features`): cross-lingual embedding cosines of their titles, leads,
sentence chunks ("soft alignment": each chunk of one article matched to its
best chunk of the other) and of the whole, plus the overlap of the names,
numbers and dates they mention. A small ridge regression on human judgements
of news-article pairs combines them into one score (:class:`PairScorer`):
about 0 for unrelated articles, about 1 for two tellings of the same story.

Not part of the package: it lives in ``bench/`` (beside ``bench/eval_similarity.py`` and
``bench/calibrate_similarity.py``) because the grouping stage cannot use its chunk features (they
do not average over an event's members). The grouping stage uses the smaller pair model of
``rashomon/similarity.py`` instead, whose six coefficients are fitted here
(:data:`PIPELINE_INPUTS`, ``bench/eval_similarity.py --write-pair-model``) and ship in
``rashomon/data/pair_model.json``. Issue 14 settled that a handful of coefficients fitted on the
human ratings (SemEval-2022 Task 8, research-use data: no text or score of it is copied or
shipped) is a calibration that may ship with a model card naming the data
(docs/similarity-model.md). ``bench/eval_similarity.py --write-model`` fits this module's
36-input combiner locally (to ``rashomon/data/similarity_model.json``, ignored by git: nothing
uses it at run time).

No feature looks at which languages the articles are in, so the score carries
over to language pairs never seen in training.

:func:`baseline_score` is the pair score the grouping stage used before
(embedding cosine + ``name_weight`` × names similarity), kept for comparison.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rashomon.config import Settings
from rashomon.embed import Embedder, embed_articles
from rashomon.names import name_similarity, name_vector, names_with_surfaces
from rashomon.records import Article
from rashomon.text import sentence_spans

# Where it always was (ignored by git), so that a model fitted before the move still loads.
MODEL_PATH = Path(__file__).resolve().parents[1] / "rashomon" / "data" / "similarity_model.json"

_NUMBER = re.compile(r"\d+(?:[.,\u00a0 ’']\d{3})*(?:[.,]\d+)?")


@dataclass(frozen=True)
class Profile:
    """What pair features need to know about one article (computed once per article).

    Attributes:
        whole: Unit vector of the article, exactly as the embed stage makes it.
        title: Unit vector of the title (or first sentence).
        head: Unit vector of the title and the lead together.
        chunks: Unit vectors of sentence chunks of the text after the title, one per
            row; the first is the lead.
        names: Unit name vector (:func:`rashomon.names.name_vector`).
        numbers: Numbers written in the text, digits normalised (``1.000`` = ``1000``).
        dates: Explicit day-month dates mentioned (``MM-DD``), from :func:`rashomon.dates.date_hints`.
        length: Characters of text.
    """

    whole: np.ndarray
    title: np.ndarray
    head: np.ndarray
    chunks: np.ndarray
    names: dict[str, float]
    numbers: frozenset[str]
    dates: frozenset[str]
    length: int


# -- text pieces ---------------------------------------------------------------


def sentences(text: str, language: str | None = None) -> list[str]:
    """Sentences of ``text`` as :func:`rashomon.text.sentence_spans` cuts them."""
    return [text[start:end] for start, end in sentence_spans(text, language)]


def title_and_body(article: Article, title_chars: int = 200) -> tuple[str, str]:
    """The title (or, without one, the first sentence) and the text after it."""
    text = " ".join(article.text.split())
    title = " ".join((article.title or "").split())
    if title and text.startswith(title):
        return title[:title_chars], text[len(title) :].strip()
    if title:
        return title[:title_chars], text
    first = sentences(text, article.language)[:1]
    if not first:
        return "", text
    return first[0][:title_chars], text[len(first[0]) :].strip()


def chunk_text(text: str, chunk_chars: int = 300, max_chunks: int = 6) -> list[str]:
    """Consecutive sentences packed into chunks of about ``chunk_chars`` (long ones cut)."""
    chunks: list[str] = []
    current = ""
    for sentence in sentences(text):
        if current and len(current) + 1 + len(sentence) > chunk_chars:
            chunks.append(current)
            current = ""
            if len(chunks) >= max_chunks:
                return chunks
        current = f"{current} {sentence}".strip() if current else sentence[: chunk_chars * 2]
    if current and len(chunks) < max_chunks:
        chunks.append(current)
    return chunks


def numbers_in(text: str) -> frozenset[str]:
    """Numbers in ``text`` with separators removed and leading zeros dropped (any script's digits)."""
    out = set()
    for match in _NUMBER.finditer(text):
        raw = match.group(0)
        digits = "".join(str(int(c)) if c.isdigit() else "" for c in raw)
        integral = re.split(r"[.,](?=\d{1,2}$)", raw)[0]  # "3,5" and "3.50": keep the integer part too
        out.add(digits.lstrip("0") or "0")
        if integral != raw:
            whole = "".join(str(int(c)) for c in integral if c.isdigit())
            out.add(whole.lstrip("0") or "0")
    return frozenset(out)


def explicit_dates(text: str, language: str | None) -> frozenset[str]:
    """Day-month dates written out in ``text`` (``"28 February"`` → ``"02-28"``), year ignored."""
    from rashomon.dates import date_vocabulary

    vocabulary = date_vocabulary(language or "en")
    if vocabulary is None:
        return frozenset()
    out = set()
    for match in vocabulary.pattern.finditer(text):
        groups = match.groupdict()
        month_word = groups.get("m1") or groups.get("m2")
        if not month_word:
            continue
        day = int(groups.get("d1") or groups.get("d2") or 0)
        month = vocabulary.months.get(month_word.lower().rstrip("."))
        if month and 1 <= day <= 31:
            out.add(f"{month:02d}-{day:02d}")
    return frozenset(out)


# -- profiles ------------------------------------------------------------------


def profile_texts(article: Article, chunk_chars: int = 300, max_chunks: int = 6) -> list[str]:
    """The texts embedded for one article: title, title + lead, then the body chunks (the lead first)."""
    title, body = title_and_body(article)
    chunks = chunk_text(body or title, chunk_chars, max_chunks) or [title or " "]
    head = f"{title} {chunks[0]}".strip() if body else chunks[0]
    return [title or chunks[0], head, *chunks]


def profiles(
    articles: Sequence[Article],
    embedder: Embedder,
    settings: Settings | None = None,
    wholes: np.ndarray | None = None,
    chunk_chars: int = 300,
    max_chunks: int = 6,
) -> list[Profile]:
    """Profiles of many articles, embedding every piece in one batch.

    ``wholes`` are the articles' embed-stage vectors when the caller has them
    already (the grouping stage does); otherwise they are computed here.
    """
    settings = settings or Settings()
    pieces: list[list[str]] = [profile_texts(a, chunk_chars, max_chunks) for a in articles]
    flat = [text for texts in pieces for text in texts]
    vectors = embedder.encode(flat) if flat else np.zeros((0, embedder.dimension), dtype=np.float32)
    if wholes is None:
        wholes = embed_articles(articles, embedder, settings.embed_chars)
    out = []
    start = 0
    for article, texts, whole in zip(articles, pieces, wholes, strict=True):
        block = vectors[start : start + len(texts)]
        start += len(texts)
        counts, _ = names_with_surfaces(article.text, article.language)
        out.append(
            Profile(
                whole=np.asarray(whole, dtype=np.float32),
                title=block[0],
                head=block[1],
                chunks=block[2:],
                names=name_vector(counts, settings.country_weight),
                numbers=numbers_in(article.text),
                dates=explicit_dates(article.text, article.language),
                length=len(article.text),
            )
        )
    return out


# -- pair features -------------------------------------------------------------


def _jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _keys(names: Mapping[str, float], countries: bool) -> set[str]:
    return {key for key in names if key.startswith("ISO:") == countries}


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norms if norms else 0.0


def features_of(a: Profile, b: Profile) -> dict[str, float]:
    """Pair features of two profiled articles; symmetric in ``a`` and ``b``."""
    cross = a.chunks @ b.chunks.T
    align = 0.5 * (float(cross.max(axis=1).mean()) + float(cross.max(axis=0).mean()))
    title_lead = 0.5 * (float(a.title @ b.chunks[0]) + float(a.chunks[0] @ b.title))
    centre_a = np.vstack([a.title[None, :], a.chunks]).mean(axis=0)
    centre_b = np.vstack([b.title[None, :], b.chunks]).mean(axis=0)
    return {
        "cos_whole": float(a.whole @ b.whole),
        "cos_title": float(a.title @ b.title),
        "cos_head": float(a.head @ b.head),
        "cos_lead": float(a.chunks[0] @ b.chunks[0]),
        "cos_title_lead": title_lead,
        "cos_centroid": _cosine(centre_a, centre_b),
        "cos_body": _cosine(a.chunks.mean(axis=0), b.chunks.mean(axis=0)),
        "chunk_align": align,
        "chunk_max": float(cross.max()),
        "chunk_mean": float(cross.mean()),
        "names": name_similarity(a.names, b.names),
        "names_jaccard": _jaccard(_keys(a.names, False), _keys(b.names, False)),
        "countries_jaccard": _jaccard(_keys(a.names, True), _keys(b.names, True)),
        "numbers_jaccard": _jaccard(a.numbers, b.numbers),
        "dates_jaccard": _jaccard(a.dates, b.dates),
        "length_ratio": min(a.length, b.length) / max(a.length, b.length, 1),
    }


FEATURES: tuple[str, ...] = (
    "cos_whole",
    "cos_title",
    "cos_head",
    "cos_lead",
    "cos_title_lead",
    "cos_centroid",
    "cos_body",
    "chunk_align",
    "chunk_max",
    "chunk_mean",
    "names",
    "names_jaccard",
    "countries_jaccard",
    "numbers_jaccard",
    "dates_jaccard",
    "length_ratio",
)


EMBEDDING_FEATURES = tuple(name for name in FEATURES if name.startswith(("cos_", "chunk_")))
# The combiner's default inputs: every feature, plus the square and cube of each embedding
# cosine (human ratings saturate at both ends of the cosine scale).
MODEL_INPUTS: tuple[str, ...] = (
    *FEATURES,
    *(f"{name}^2" for name in EMBEDDING_FEATURES),
    *(f"{name}^3" for name in EMBEDDING_FEATURES),
)


def model_input(features: Mapping[str, float], name: str) -> float:
    """One combiner input: a feature, or a power of one (``"cos_whole^2"``, of the feature clipped at 0)."""
    base, _, power = name.partition("^")
    value = features[base]
    return max(0.0, value) ** int(power) if power else value


def input_matrix(rows: Sequence[Mapping[str, float]], names: Sequence[str]) -> np.ndarray:
    """Combiner inputs ``names`` of many feature rows, one row each."""
    return np.array([[model_input(row, name) for name in names] for row in rows], dtype=np.float64).reshape(
        len(rows), len(names)
    )


def pair_features(
    a: Article, b: Article, embedder: Embedder | None = None, settings: Settings | None = None
) -> dict[str, float]:
    """Pair features of two articles (embeds both; for many pairs use :func:`pair_features_batch`)."""
    return pair_features_batch([(a, b)], embedder, settings)[0]


def pair_features_batch(
    pairs: Sequence[tuple[Article, Article]], embedder: Embedder | None = None, settings: Settings | None = None
) -> list[dict[str, float]]:
    """Pair features of many pairs; each distinct article (by ``id`` and text) is embedded once."""
    if embedder is None:
        from rashomon.embed import USEEmbedder

        embedder = USEEmbedder()
    index: dict[tuple[str, str], int] = {}
    articles: list[Article] = []
    for pair in pairs:
        for article in pair:
            key = (article.id, article.text)
            if key not in index:
                index[key] = len(articles)
                articles.append(article)
    found = profiles(articles, embedder, settings)
    return [features_of(found[index[(a.id, a.text)]], found[index[(b.id, b.text)]]) for a, b in pairs]


# The grouping stage's pair model (rashomon/similarity.py): inputs that average over an event's
# members, so that an article can be scored against an event from its running sums.
PIPELINE_INPUTS: tuple[str, ...] = ("embedding", "embedding^2", "embedding^3", "names_other", "names_country")


def pipeline_features(a: Profile, b: Profile) -> dict[str, float]:
    """The grouping stage's pair features: the embed-stage cosine and the names similarity in two parts."""
    from rashomon.similarity import name_parts

    other, country = name_parts(a.names, b.names)
    return {"embedding": float(a.whole @ b.whole), "names_other": other, "names_country": country}


# -- lexical overlap ------------------------------------------------------------

_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=1)
def _stopwords() -> dict[str, frozenset[str]]:
    path = Path(__file__).resolve().parents[1] / "rashomon" / "data" / "stopwords.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    return {language: frozenset(words) for language, words in body.items() if not language.startswith("_")}


def word_keys(text: str, language: str | None, prefix: int = 5) -> dict[str, int]:
    """Counts of the content words of ``text`` cut to ``prefix`` characters (a stemmer for any language).

    Lower-cased words of three characters or more that are not digits and not in the packaged
    stopword list of the article's language.
    """
    stop = _stopwords().get(language or "", frozenset())
    counts: dict[str, int] = {}
    for match in _WORD.finditer(text):
        word = match.group(0).lower()
        if len(word) < 3 or word.isdigit() or word in stop:
            continue
        key = word[:prefix]
        counts[key] = counts.get(key, 0) + 1
    return counts


def document_frequencies(documents: Sequence[Mapping[str, int]]) -> tuple[dict[str, int], int]:
    """How many of ``documents`` hold each key, and their number."""
    frequency: dict[str, int] = {}
    for keys in documents:
        for key in keys:
            frequency[key] = frequency.get(key, 0) + 1
    return frequency, len(documents)


def lexical_similarity(a: Mapping[str, int], b: Mapping[str, int], frequency: Mapping[str, int], total: int) -> float:
    """Cosine of two word-key count vectors weighted by inverse document frequency.

    Keys never seen in the reference documents count as seen once. Across scripts it is
    near 0, which the combiner learns from the other features (no feature names a language).
    """

    def weighted(keys: Mapping[str, int]) -> dict[str, float]:
        return {key: count * math.log((total + 1) / (frequency.get(key, 0) + 1)) for key, count in keys.items()}

    wa, wb = weighted(a), weighted(b)
    norm = math.sqrt(sum(v * v for v in wa.values())) * math.sqrt(sum(v * v for v in wb.values()))
    if not norm:
        return 0.0
    if len(wa) > len(wb):
        wa, wb = wb, wa
    return sum(value * wb[key] for key, value in wa.items() if key in wb) / norm


def baseline_score(a: Profile, b: Profile, settings: Settings | None = None) -> float:
    """The grouping stage's pair score before this module: cosine + ``name_weight`` × names similarity."""
    settings = settings or Settings()
    return float(a.whole @ b.whole) + settings.name_weight * name_similarity(a.names, b.names)


# -- the learned combiner ------------------------------------------------------


def fit_ridge(
    features: np.ndarray, target: np.ndarray, alpha: float = 1.0, nonnegative: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Ridge regression on standardised columns: ``(mean, scale, weights, intercept)``.

    With ``nonnegative`` every weight is kept >= 0 (coordinate descent), so the
    prediction never falls when a feature rises (measured: it costs about 0.04
    Pearson on SemEval, so the shipped model instead learns from "anchor" pairs,
    an article against itself rated very similar).
    """
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale == 0] = 1.0
    z = (features - mean) / scale
    n, d = z.shape
    penalty = alpha * n / 100.0
    centred = target - target.mean()
    if not nonnegative:
        weights = np.linalg.solve(z.T @ z + penalty * np.eye(d), z.T @ centred)
        return mean, scale, weights, float(target.mean())
    gram = z.T @ z
    corr = z.T @ centred
    weights = np.zeros(d)
    for _sweep in range(500):
        largest = 0.0
        for j in range(d):
            partial = corr[j] - gram[j] @ weights + gram[j, j] * weights[j]
            new = max(0.0, partial / (gram[j, j] + penalty))
            largest = max(largest, abs(new - weights[j]))
            weights[j] = new
        if largest < 1e-7:
            break
    return mean, scale, weights, float(target.mean())


def predict_ridge(
    features: np.ndarray, mean: np.ndarray, scale: np.ndarray, weights: np.ndarray, intercept: float
) -> np.ndarray:
    return np.asarray(((features - mean) / scale) @ weights + intercept)


class PairScorer:
    """The shipped combiner: pair features in, similarity out (0 ≈ unrelated, 1 ≈ same story).

    The model predicts the human ``overall`` rating (1 very similar … 4 very
    dissimilar); the score is that rating mapped linearly to 1 … 0.
    """

    def __init__(self, model: Mapping[str, Any]) -> None:
        self.features: tuple[str, ...] = tuple(str(name) for name in model["features"])
        self.mean = np.array(model["mean"], dtype=np.float64)
        self.scale = np.array(model["scale"], dtype=np.float64)
        self.weights = np.array(model["weights"], dtype=np.float64)
        self.intercept = float(model["intercept"])
        self.alpha = float(model.get("alpha", 1.0))
        self.version = str(model.get("version", ""))

    @classmethod
    def load(cls, path: Path | None = None) -> PairScorer:
        """The model at ``path`` (default: the one shipped with Rashomon)."""
        return _load(str(path or MODEL_PATH))

    def rating(self, features: Mapping[str, float]) -> float:
        """Predicted human ``overall`` rating (1 very similar … 4 very dissimilar), unclipped."""
        row = input_matrix([features], self.features)[0]
        return float(-(((row - self.mean) / self.scale) @ self.weights + self.intercept))

    def score(self, features: Mapping[str, float]) -> float:
        """Similarity in [0, 1]: 1 = rated very similar (1), 0 = very dissimilar (4)."""
        value = (4.0 - self.rating(features)) / 3.0
        return min(1.0, max(0.0, value))

    def scores(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """:meth:`score` of many feature rows."""
        if not rows:
            return np.zeros(0)
        matrix = input_matrix(rows, self.features)
        rating = -(((matrix - self.mean) / self.scale) @ self.weights + self.intercept)
        return np.asarray(np.clip((4.0 - rating) / 3.0, 0.0, 1.0))


@functools.lru_cache(maxsize=4)
def _load(path: str) -> PairScorer:
    return PairScorer(json.loads(Path(path).read_text(encoding="utf-8")))


def model_json(
    names: Sequence[str], mean: np.ndarray, scale: np.ndarray, weights: np.ndarray, intercept: float, **extra: object
) -> str:
    """The JSON text of a combiner, as :class:`PairScorer` reads it."""
    body: dict[str, object] = {
        "version": "1",
        "target": "-overall (SemEval-2022 Task 8: 1 very similar ... 4 very dissimilar)",
        "features": list(names),
        "mean": [round(float(x), 6) for x in mean],
        "scale": [round(float(x), 6) for x in scale],
        "weights": [round(float(x), 6) for x in weights],
        "intercept": round(float(intercept), 6),
    }
    body.update(extra)
    return json.dumps(body, indent=1, ensure_ascii=False) + "\n"
