"""Pair score: how far two articles tell the same story, from what grouping keeps of each.

The cluster stage compares a new article with whole events through running sums (an
event's summed vectors and names), so the pair score is built from pair features that
average over an event's members: the cosine of the two articles' embeddings and the
similarity of their names, split by kind (country names, other names: people,
organisations, towns). A small calibrated model turns them into one score::

    score = b + w1·c + w2·c₊² + w3·c₊³ + w4·names_other + w5·names_country

(``c`` the cosine, ``c₊`` the cosine clipped at 0; ``c`` is first held within the range where
the cubic rises, so the score never falls as the cosine grows). Its six coefficients were fitted on
human similarity ratings of news-article pairs (SemEval-2022 Task 8 training pairs; model
card in ``docs/similarity-model.md``, reproduced by ``bench/eval_similarity.py
--write-pair-model``) and then put on the scale of the former pair score (cosine + 0.2 ×
names similarity), so thresholds keep their rough meaning. Against an event the model is
applied to the mean features over its members.

``pair_model = "linear"`` restores the former score: cosine + ``name_weight`` × names
similarity.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Settings
from .errors import ConfigError

MODEL_PATH = Path(__file__).parent / "data" / "pair_model.json"
PAIR_MODELS = ("semeval", "linear")
_INPUTS = ("embedding", "embedding^2", "embedding^3", "names_other", "names_country")


def name_parts(a: Mapping[str, float], b: Mapping[str, float]) -> tuple[float, float]:
    """Dot product of two name vectors over other names and over country names (``ISO:`` keys).

    For unit name vectors the two parts add up to their cosine; for an event's summed
    name vector divided by its size they are the means over its members.
    """
    if len(a) > len(b):
        a, b = b, a
    other = country = 0.0
    for key, weight in a.items():
        found = b.get(key)
        if found is None:
            continue
        if key.startswith("ISO:"):
            country += weight * found
        else:
            other += weight * found
    return other, country


@dataclass(frozen=True)
class PairModel:
    """A pair score from an embedding cosine and the two parts of the names similarity.

    Attributes:
        name: ``"semeval"`` (the calibrated model) or ``"linear"``.
        intercept: Constant term.
        weights: One weight per input of :data:`_INPUTS` (``embedding``, its square and
            cube clipped at 0, ``names_other``, ``names_country``).
        names_cap: Whether the names similarity is capped at 1 before weighting (the
            linear score's rule; the parts are weighted separately otherwise).
        low, high: The cosine is held within ``[low, high]``, where the embedding part
            rises (the fitted cubic flattens out at both ends).
    """

    name: str
    intercept: float
    weights: tuple[float, float, float, float, float]
    names_cap: bool = False
    low: float = -1.0
    high: float = 1.0

    def score(self, embedding: float, names_other: float, names_country: float) -> float:
        """The pair score of one pair (or of an article and an event's mean features)."""
        w1, w2, w3, w_other, w_country = self.weights
        embedding = min(self.high, max(self.low, embedding))
        if self.names_cap:
            return self.intercept + w1 * embedding + w_other * min(1.0, names_other + names_country)
        positive = max(0.0, embedding)
        return (
            self.intercept
            + w1 * embedding
            + w2 * positive * positive
            + w3 * positive * positive * positive
            + w_other * names_other
            + w_country * names_country
        )

    def scores(self, embedding: np.ndarray) -> np.ndarray:
        """Scores of many cosines with no names in common (the embedding part alone)."""
        w1, w2, w3, _other, _country = self.weights
        embedding = np.clip(embedding, self.low, self.high)
        positive = np.maximum(embedding, 0.0)
        return np.asarray(self.intercept + w1 * embedding + w2 * positive**2 + w3 * positive**3)

    @property
    def names_reach(self) -> float:
        """The most that shared names can add to a score (names similarity is at most 1)."""
        _w1, _w2, _w3, w_other, w_country = self.weights
        return max(0.0, w_other, w_country)

    def embedding_floor(self, bar: float) -> float:
        """The lowest cosine at which a pair could still reach ``bar`` (with every name shared).

        The score rises with the cosine (checked when the model is loaded), so candidates
        below this cosine can be skipped without scoring their names.
        """
        return _embedding_floor(self, bar)

    def _floor(self, bar: float) -> float:
        """Bisection for :meth:`embedding_floor` (cached there: it runs once per model and bar)."""
        target = bar - self.names_reach
        low, high = -1.0, 1.0
        if float(self.scores(np.array([high]))[0]) < target:
            return high + 1e-6
        if float(self.scores(np.array([low]))[0]) >= target:
            return low
        for _step in range(60):
            middle = 0.5 * (low + high)
            if float(self.scores(np.array([middle]))[0]) >= target:
                high = middle
            else:
                low = middle
        return low - 1e-9


@functools.lru_cache(maxsize=64)
def _embedding_floor(model: PairModel, bar: float) -> float:
    return model._floor(bar)


def _rising(model: PairModel) -> PairModel:
    """``model`` with its cosine range cut to where the embedding part rises (checked)."""
    grid = np.linspace(-1.0, 1.0, 200_001)
    values = model.scores(grid)
    top = int(np.argmax(values))
    bottom = int(np.argmin(values[: top + 1]))
    held = dataclasses.replace(model, low=float(grid[bottom]), high=float(grid[top]))
    if np.any(np.diff(held.scores(grid)) < -1e-12) or min(model.weights[3], model.weights[4]) < 0:
        raise ConfigError(f"Pair model {model.name!r} does not rise with its inputs; refit it")
    return held


@functools.lru_cache(maxsize=8)
def load_pair_model(path: str | None = None) -> PairModel:
    """The calibrated model shipped in ``rashomon/data/pair_model.json`` (or the one at ``path``)."""
    body = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    if tuple(body["inputs"]) != _INPUTS:
        raise ConfigError(f"Pair model {path or MODEL_PATH} has inputs {body['inputs']}; expected {list(_INPUTS)}")
    weights = tuple(float(w) for w in body["weights"])
    return _rising(PairModel("semeval", float(body["intercept"]), weights))  # type: ignore[arg-type]


@functools.lru_cache(maxsize=32)
def _linear(name_weight: float) -> PairModel:
    return PairModel("linear", 0.0, (1.0, 0.0, 0.0, name_weight, name_weight), names_cap=True)


def pair_model(settings: Settings) -> PairModel:
    """The pair model ``settings.pair_model`` names."""
    if settings.pair_model == "linear":
        return _linear(settings.name_weight)
    return load_pair_model()
