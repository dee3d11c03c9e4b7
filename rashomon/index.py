"""Nearest-neighbour search over event centroids, exact or approximate.

Both indexes hold one unit vector per id (ids are ``0, 1, 2, …`` in order of
:meth:`add`) and answer :meth:`search` with the ``k`` ids of highest inner
product, best first, ties broken by the lower id. Both are plain numpy and
deterministic: the same calls in the same order give the same answers.

* :class:`ExactIndex` compares the query with every vector: right by
  construction, and fast enough for tens of thousands of events.
* :class:`IVFIndex` is an inverted file: a spherical k-means splits the vectors
  into about ``sqrt(n)`` cells, and a query is compared only with the vectors in
  the ``probes`` cells whose centres are nearest to it. It can miss a true
  neighbour that lies in a cell whose centre is further from the query than the
  ``probes`` nearest centres (a vector near a cell border); for well separated
  clusters this is rare, and :mod:`tests.test_index` checks that it agrees with
  :class:`ExactIndex` on the best match. Training takes a fixed seed and a fixed
  number of rounds, and the index retrains itself from its own vectors each time
  it has grown fourfold since the last training, so its cells follow the data.
  Cells are made on the vectors less their mean (see :meth:`IVFIndex._train`).

Vectors are kept in float32: numpy multiplies float16 matrices several times
slower than float32 (it converts them on the fly), and the scan is the hot loop.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    """What the grouper needs from a nearest-neighbour index."""

    def __len__(self) -> int: ...

    def add(self, id: int, vector: np.ndarray) -> None:
        """Store ``vector`` under the next id (``id`` must equal ``len(self)``)."""

    def update(self, id: int, vector: np.ndarray) -> None:
        """Replace the vector stored under ``id``."""

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` ids of highest inner product with ``vector`` and their scores, best first."""


def _top(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best of ``scores``, best first, ties to the lower id."""
    if k < len(scores):
        # Keep every score equal to the k-th so that ties are broken by id, not by position.
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = np.flatnonzero(scores >= kth)
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:k]
    return ids[order], scores[order]


def _grown(array: np.ndarray, used: int) -> np.ndarray:
    if used < array.shape[0]:
        return array
    bigger = np.zeros((max(16, array.shape[0] * 2), *array.shape[1:]), dtype=array.dtype)
    bigger[:used] = array[:used]
    return bigger


class ExactIndex:
    """Brute force: every stored vector is scored."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._vectors = np.zeros((16, dimension), dtype=np.float32)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, id: int, vector: np.ndarray) -> None:
        if id != self._size:
            raise ValueError(f"ids are added in order: expected {self._size}, got {id}")
        self._vectors = _grown(self._vectors, self._size)
        self._vectors[id] = vector
        self._size += 1

    def update(self, id: int, vector: np.ndarray) -> None:
        if not 0 <= id < self._size:
            raise KeyError(id)
        self._vectors[id] = vector

    def vectors(self) -> np.ndarray:
        """The stored vectors, in id order (a view)."""
        return self._vectors[: self._size]

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self._vectors[: self._size] @ np.asarray(vector, dtype=np.float32)
        return _top(np.arange(self._size, dtype=np.int64), scores, k)


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32, copy=False)


def _assign(
    vectors: np.ndarray, centres: np.ndarray, shift: np.ndarray | None = None, chunk: int = 16384
) -> np.ndarray:
    """The nearest centre (highest inner product, lowest number on ties) of each vector less ``shift``."""
    out = np.empty(len(vectors), dtype=np.int64)
    for start in range(0, len(vectors), chunk):
        block = np.asarray(vectors[start : start + chunk], dtype=np.float32)
        if shift is not None:
            block = block - shift
        out[start : start + chunk] = np.argmax(block @ centres.T, axis=1)
    return out


def spherical_kmeans(
    vectors: np.ndarray, cells: int, rounds: int = 8, seed: int = 0, shift: np.ndarray | None = None
) -> np.ndarray:
    """``cells`` unit centres for the directions of ``vectors`` less ``shift``; deterministic for a given seed.

    Trains on at most ``48 * cells`` vectors drawn with the seed; a cell left
    empty in a round keeps its previous centre.
    """
    rng = np.random.default_rng(seed)
    n = len(vectors)
    cells = max(1, min(cells, n))
    sample_size = min(n, 48 * cells)
    sample_rows = np.sort(rng.choice(n, size=sample_size, replace=False)) if sample_size < n else np.arange(n)
    sample = np.asarray(vectors[sample_rows], dtype=np.float32)
    sample = _normalise_rows(sample - shift if shift is not None else sample)
    centres = _normalise_rows(sample[np.sort(rng.choice(sample_size, size=cells, replace=False))])
    for _ in range(rounds):
        labels = _assign(sample, centres)
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, sample)
        filled = np.bincount(labels, minlength=cells) > 0
        centres[filled] = _normalise_rows(sums[filled])
    return centres


class IVFIndex:
    """Inverted file over unit vectors: search scans the ``probes`` nearest cells."""

    def __init__(self, dimension: int, probes: int = 16, seed: int = 0, retrain_growth: float = 4.0) -> None:
        self.dimension = dimension
        self.probes = probes
        self.seed = seed
        self.retrain_growth = retrain_growth
        self._centres = np.zeros((0, dimension), dtype=np.float32)
        self._mean = np.zeros(dimension, dtype=np.float32)
        self._cell_vectors: list[np.ndarray] = []
        self._cell_ids: list[np.ndarray] = []
        self._cell_sizes: list[int] = []
        self._cell_of = np.zeros(16, dtype=np.int32)
        self._slot_of = np.zeros(16, dtype=np.int64)
        self._size = 0
        self._trained_size = 0

    @classmethod
    def build(cls, vectors: np.ndarray, probes: int = 16, seed: int = 0, retrain_growth: float = 4.0) -> IVFIndex:
        """An index holding ``vectors`` under ids ``0 … len(vectors) - 1``."""
        index = cls(vectors.shape[1], probes=probes, seed=seed, retrain_growth=retrain_growth)
        index._train(np.asarray(vectors, dtype=np.float32))
        return index

    @staticmethod
    def cells_for(n: int) -> int:
        """How many cells to train for ``n`` vectors: about ``sqrt(n)``."""
        return max(1, min(4096, int(round(math.sqrt(n)))))

    def __len__(self) -> int:
        return self._size

    @property
    def cells(self) -> int:
        return len(self._centres)

    def _train(self, vectors: np.ndarray) -> None:
        """Retrain the cells on ``vectors`` (id order) and file every vector anew."""
        n = len(vectors)
        if n:
            # Cells are made on the vectors less their mean: embeddings share a large common
            # direction, and clustering around it gives a few huge cells that every query probes.
            # Ranking by inner product is the same with or without the mean taken off.
            self._mean = vectors.mean(axis=0, dtype=np.float64).astype(np.float32)
            self._centres = spherical_kmeans(vectors, self.cells_for(n), seed=self.seed, shift=self._mean)
            labels = _assign(vectors, self._centres, shift=self._mean)
        else:
            labels = np.zeros(0, dtype=np.int64)
        counts = np.bincount(labels, minlength=self.cells)
        order = np.argsort(labels, kind="stable")
        starts = np.concatenate(([0], np.cumsum(counts)))
        self._cell_vectors, self._cell_ids, self._cell_sizes = [], [], []
        self._cell_of = np.zeros(max(16, n), dtype=np.int32)
        self._slot_of = np.zeros(max(16, n), dtype=np.int64)
        for cell in range(self.cells):
            ids = order[starts[cell] : starts[cell + 1]]
            capacity = max(8, len(ids) + len(ids) // 2)
            stored = np.zeros((capacity, self.dimension), dtype=np.float32)
            stored[: len(ids)] = vectors[ids]
            id_store = np.zeros(capacity, dtype=np.int64)
            id_store[: len(ids)] = ids
            self._cell_vectors.append(stored)
            self._cell_ids.append(id_store)
            self._cell_sizes.append(len(ids))
            self._cell_of[ids] = cell
            self._slot_of[ids] = np.arange(len(ids))
        self._size = n
        self._trained_size = n

    def vectors(self) -> np.ndarray:
        """Every stored vector, in id order (a copy)."""
        out = np.zeros((self._size, self.dimension), dtype=np.float32)
        for cell in range(self.cells):
            size = self._cell_sizes[cell]
            out[self._cell_ids[cell][:size]] = self._cell_vectors[cell][:size]
        return out

    def _nearest_cell(self, vector: np.ndarray) -> int:
        return int(np.argmax(self._centres @ (vector - self._mean)))

    def _append(self, cell: int, id: int, vector: np.ndarray) -> None:
        size = self._cell_sizes[cell]
        if size == len(self._cell_ids[cell]):
            self._cell_vectors[cell] = _grown(self._cell_vectors[cell], size)
            self._cell_ids[cell] = _grown(self._cell_ids[cell], size)
        self._cell_vectors[cell][size] = vector
        self._cell_ids[cell][size] = id
        self._cell_sizes[cell] = size + 1
        self._cell_of[id] = cell
        self._slot_of[id] = size

    def _remove(self, id: int) -> None:
        cell, slot = int(self._cell_of[id]), int(self._slot_of[id])
        last = self._cell_sizes[cell] - 1
        if slot != last:  # move the cell's last vector into the gap
            moved = int(self._cell_ids[cell][last])
            self._cell_vectors[cell][slot] = self._cell_vectors[cell][last]
            self._cell_ids[cell][slot] = moved
            self._slot_of[moved] = slot
        self._cell_sizes[cell] = last

    def add(self, id: int, vector: np.ndarray) -> None:
        if id != self._size:
            raise ValueError(f"ids are added in order: expected {self._size}, got {id}")
        vector = np.asarray(vector, dtype=np.float32)
        if self._size >= self.retrain_growth * max(1, self._trained_size) or not self.cells:
            everything = np.concatenate([self.vectors(), vector[None, :]])
            self._train(everything)
            return
        self._cell_of = _grown(self._cell_of, self._size)
        self._slot_of = _grown(self._slot_of, self._size)
        self._append(self._nearest_cell(vector), id, vector)
        self._size += 1

    def update(self, id: int, vector: np.ndarray) -> None:
        if not 0 <= id < self._size:
            raise KeyError(id)
        vector = np.asarray(vector, dtype=np.float32)
        cell = self._nearest_cell(vector)
        if cell == self._cell_of[id]:
            self._cell_vectors[cell][self._slot_of[id]] = vector
        else:
            self._remove(id)
            self._append(cell, id, vector)

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if not self._size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.asarray(vector, dtype=np.float32)
        nearness = self._centres @ (query - self._mean)
        probes = min(self.probes, self.cells)
        cells = _top(np.arange(self.cells, dtype=np.int64), nearness, probes)[0]
        ids = [self._cell_ids[c][: self._cell_sizes[c]] for c in cells]
        scores = [self._cell_vectors[c][: self._cell_sizes[c]] @ query for c in cells]
        return _top(np.concatenate(ids), np.concatenate(scores), k)
