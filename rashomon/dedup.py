"""Copies and syndication: the same text published more than once.

Two articles are *copies* when their texts are the same, or nearly so (a wire
story with a new intro, cut short, a figure changed, paragraphs moved). This is
the text level; the same event told in other words or another language is the
event level (:mod:`rashomon.cluster`) and is not linked here.

How it works:

* **Exact**: the text normalised (NFKC, case-folded, punctuation dropped,
  whitespace collapsed) is hashed; equal hashes are exact copies.
* **Near**: the normalised text is cut into word 5-gram shingles (single
  characters count as words in Chinese, Japanese and Thai, which are written
  without spaces), hashed to 64 bits. A 128-value MinHash signature (one
  permutation hashing with densification, see :class:`_MinHasher`) goes
  through LSH banding: 42 bands of 3 rows, so pairs with a shingle Jaccard of
  0.4 become candidates with probability 0.94, at 0.5 with 0.996, at 0.6 with
  0.9999, at 0.1 with 0.04. Every candidate pair is then verified on the full
  shingle sets: it is a copy when the Jaccard similarity reaches
  ``jaccard_threshold`` (0.4), or when most of the shorter text is found in the
  longer one (containment ≥ ``containment_threshold``, 0.8: a cut or
  extended copy) and the shorter text has at least ``min_containment_shingles``
  shingles.
* **Groups**: articles are taken in order of publication (earliest first; no
  date sorts after every date; ties by order of arrival). Each article joins
  the group of the earlier article it resembles most, or starts a new group
  as its original (no transitive merging of groups). A digest that contains
  two wire stories joins one of them; the two stories stay apart. A link
  reports the similarity of the copy to the group's original, measured
  directly.

:class:`DedupIndex` takes articles one at a time (the workspace streams them);
:func:`find_duplicates` runs the same index over a batch, so both give the same
groups. Everything is deterministic: fixed hash seeds, ordered ties. The
defaults were chosen with ``bench/bench_dedup.py`` (controlled edits of real
article bodies).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .records import Article, CopyGroup, CopyKind, CopyLink

SHINGLE_WORDS = 5
NUM_PERMUTATIONS = 128
BANDS = 42
JACCARD_THRESHOLD = 0.4
CONTAINMENT_THRESHOLD = 0.8
MIN_CONTAINMENT_SHINGLES = 40
SEED = 20240501
MAX_VERIFIED = 64

_MASK64 = (1 << 64) - 1
# Scripts written without spaces: each character is a word.
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_UNSPACED}]|[^\W_{_UNSPACED}]+")


@dataclass(frozen=True)
class DedupResult:
    """Groups of two or more articles (articles without copies are left out)."""

    groups: tuple[CopyGroup, ...]

    def original_of(self) -> dict[str, str]:
        """Map from every copy id to the id of its original."""
        return {copy: group.original_id for group in self.groups for copy in group.copy_ids}


def normalise_text(text: str) -> str:
    """Compatibility-composed, case-folded words joined by single spaces: punctuation and symbols dropped."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


class _PowerTable:
    """Powers of an odd 64-bit base and of its inverse, grown on demand (arithmetic mod 2**64)."""

    base = 0x100000001B3 * 2 + 1

    def __init__(self) -> None:
        self.powers = np.ones(1, dtype=np.uint64)
        self.inverses = np.ones(1, dtype=np.uint64)

    def ensure(self, size: int) -> None:
        if len(self.powers) >= size:
            return
        size = max(size, 2 * len(self.powers))
        inverse = pow(self.base, -1, 1 << 64)
        one = np.ones(1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            self.powers = np.concatenate((one, np.cumprod(np.full(size - 1, self.base, dtype=np.uint64))))
            self.inverses = np.concatenate((one, np.cumprod(np.full(size - 1, inverse, dtype=np.uint64))))


_POWERS = _PowerTable()


def _mix(values: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint64(31))
        values = values * np.uint64(0xBF58476D1CE4E5B9)
        return values ^ (values >> np.uint64(29))


def word_hashes(normalised: str) -> np.ndarray:
    """64-bit hashes of the space-separated words of a normalised text, in order (vectorised)."""
    data = np.frombuffer(normalised.encode("utf-8"), dtype=np.uint8)
    if not len(data):
        return np.zeros(0, dtype=np.uint64)
    _POWERS.ensure(len(data) + 1)
    with np.errstate(over="ignore"):
        prefix = np.zeros(len(data) + 1, dtype=np.uint64)
        np.cumsum(data.astype(np.uint64) * _POWERS.powers[: len(data)], out=prefix[1:])
        spaces = np.flatnonzero(data == 32)
        starts = np.concatenate(([0], spaces + 1))
        ends = np.concatenate((spaces, [len(data)]))
        values = (prefix[ends] - prefix[starts]) * _POWERS.inverses[starts]
    return _mix(values)


def shingle_hashes(normalised: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted unique 64-bit hashes of the word k-grams of a normalised text (the whole text when shorter)."""
    hashes = word_hashes(normalised)
    if not len(hashes):
        return hashes
    span = min(k, len(hashes))
    count = len(hashes) - span + 1
    combined = hashes[:count].copy()
    multiplier = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        for offset in range(1, span):
            combined *= multiplier
            combined += hashes[offset : offset + count]
    combined = _mix(combined)
    combined.sort()
    if len(combined) > 1:
        keep = np.empty(len(combined), dtype=bool)
        keep[0] = True
        np.not_equal(combined[1:], combined[:-1], out=keep[1:])
        combined = combined[keep]
    return combined


class _MinHasher:
    """MinHash signatures by one-permutation hashing, cut into LSH bands.

    The sorted shingle hashes are split into ``permutations`` bins by their top
    bits; a bin's minimum is one signature value. An empty bin (short texts)
    borrows the value of the next non-empty bin, shifted by the distance
    (rotation densification, Shrivastava & Li 2014), so two texts agree on a
    value with probability close to their Jaccard similarity, at the cost of
    one pass over the shingles instead of one per hash function.
    """

    def __init__(self, permutations: int, bands: int, seed: int) -> None:
        if permutations & (permutations - 1) or not 1 <= bands <= permutations:
            raise ValueError(f"permutations must be a power of two and bands at most that, got {permutations}/{bands}")
        rng = np.random.default_rng(seed)
        self.size = permutations
        self.bands = bands
        self.rows = permutations // bands
        shift = 64 - (permutations.bit_length() - 1)
        self.bounds = np.array([k << shift for k in range(permutations)] + [(1 << 64) - 1], dtype=np.uint64)
        self.bins = np.arange(permutations)
        self.offset = rng.integers(1, 2**63, dtype=np.uint64) | np.uint64(1)
        self.mix = rng.integers(1, 2**63, self.rows, dtype=np.uint64) | np.uint64(1)

    def signature(self, shingles: np.ndarray) -> np.ndarray:
        starts = np.searchsorted(shingles, self.bounds[:-1])
        ends = np.append(starts[1:], len(shingles))
        filled = np.flatnonzero(starts < ends)
        following = np.searchsorted(filled, self.bins)
        source = filled[np.where(following == len(filled), 0, following)]
        distance = ((source - self.bins) % self.size).astype(np.uint64)
        with np.errstate(over="ignore"):
            return shingles[starts[source]] + distance * self.offset

    def band_keys(self, shingles: np.ndarray) -> list[int]:
        if not len(shingles):
            return []
        signature = self.signature(shingles)[: self.bands * self.rows].reshape(self.bands, self.rows)
        with np.errstate(over="ignore"):
            keys = (signature * self.mix[None, :]).sum(axis=1, dtype=np.uint64)
        return [int(key) for key in keys]


def _time_key(published: str | None) -> float | None:
    if not published:
        return None
    text = published.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(Jaccard, containment of the smaller in the larger) of two sorted unique arrays."""
    if not len(a) or not len(b):
        return 0.0, 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared), shared / min(len(a), len(b))


@dataclass
class _Entry:
    order: int
    article_id: str
    time: float | None
    exact: bytes
    shingles: np.ndarray

    @property
    def key(self) -> tuple[int, float, int]:
        return (0, self.time, self.order) if self.time is not None else (1, 0.0, self.order)


class DedupIndex:
    """Exact and near-duplicate index that grows one article at a time.

    Args:
        jaccard_threshold: Verified 5-gram Jaccard at or above which two texts are copies.
        containment_threshold: Share of the shorter text found in the longer one at
            or above which they are copies (a cut or extended copy).
        min_containment_shingles: The shorter text needs this many 5-grams for the
            containment rule (a one-line text is contained in many articles).
        permutations, bands: MinHash signature length and LSH bands.
        seed: Seed of the hash functions (fixed: results are reproducible).
    """

    def __init__(
        self,
        jaccard_threshold: float = JACCARD_THRESHOLD,
        containment_threshold: float = CONTAINMENT_THRESHOLD,
        min_containment_shingles: int = MIN_CONTAINMENT_SHINGLES,
        permutations: int = NUM_PERMUTATIONS,
        bands: int = BANDS,
        seed: int = SEED,
    ) -> None:
        self.jaccard_threshold = jaccard_threshold
        self.containment_threshold = containment_threshold
        self.min_containment_shingles = min_containment_shingles
        self._hasher = _MinHasher(permutations, bands, seed)
        self._entries: list[_Entry] = []
        self._by_id: dict[str, int] = {}
        self._exact: dict[bytes, list[int]] = {}
        self._buckets: list[dict[int, list[int]]] = [{} for _ in range(bands)]
        # Near-duplicate edges between exact-class heads (first article of each class).
        self._edges: dict[int, dict[int, tuple[float, float]]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._by_id

    def verify(self, a: np.ndarray, b: np.ndarray) -> tuple[float, float] | None:
        """``(Jaccard, containment)`` of two texts' shingle sets (:func:`shingles_of`) when they
        are copies by this index's thresholds, else None: the check every candidate pair gets."""
        jaccard, containment = _overlap(a, b)
        if jaccard >= self.jaccard_threshold:
            return jaccard, containment
        smaller = min(len(a), len(b))
        if containment >= self.containment_threshold and smaller >= self.min_containment_shingles:
            return jaccard, containment
        return None

    def _score(self, pair: tuple[float, float]) -> float:
        return max(pair[0], pair[1] if pair[1] >= self.containment_threshold else 0.0)

    def _link(self, one: _Entry, other: _Entry, jaccard: float, containment: float, kind: CopyKind) -> CopyLink:
        copy, original = (one, other) if one.key > other.key else (other, one)
        return CopyLink(copy.article_id, original.article_id, round(jaccard, 4), kind, round(containment, 4))

    def add(self, article: Article) -> list[CopyLink]:
        """Index one article; return its links to earlier articles it copies or is copied by.

        Each link is oriented by publication time (then arrival): the copy is the
        later one. Adding an id already in the index does nothing and returns ``[]``.
        """
        if article.id in self._by_id:
            return []
        normalised = normalise_text(article.text)
        exact = hashlib.blake2b(normalised.encode("utf-8"), digest_size=16).digest()
        order = len(self._entries)
        members = self._exact.get(exact)
        shingles = self._entries[members[0]].shingles if members else shingle_hashes(normalised)
        entry = _Entry(order, article.id, _time_key(article.published), exact, shingles)
        self._entries.append(entry)
        self._by_id[article.id] = order
        if not normalised:
            return []  # nothing to compare: an empty text copies nothing
        links: list[CopyLink] = []
        if members:
            members.append(order)
            links.extend(self._link(entry, self._entries[m], 1.0, 1.0, "exact") for m in members[:-1])
            head = members[0]
            for other_head, pair in sorted(self._edges.get(head, {}).items()):
                for m in self._exact[self._entries[other_head].exact]:
                    if m != order:
                        links.append(self._link(entry, self._entries[m], *pair, "near"))
            return links
        self._exact[exact] = [order]
        collisions: dict[int, int] = {}
        for bucket, key in zip(self._buckets, self._hasher.band_keys(shingles), strict=False):
            found = bucket.get(key)
            if found is None:
                bucket[key] = [order]
            else:
                for other in found:
                    collisions[other] = collisions.get(other, 0) + 1
                found.append(order)
        # Verify the most promising candidates only (most shared bands first): a text
        # reprinted hundreds of times must not make every later copy cost hundreds of checks.
        ranked = sorted(collisions, key=lambda other: (-collisions[other], other))[:MAX_VERIFIED]
        for other in sorted(ranked):
            other_entry = self._entries[other]
            verified = self.verify(shingles, other_entry.shingles)
            if verified is None:
                continue
            jaccard, containment = verified
            self._edges.setdefault(order, {})[other] = (jaccard, containment)
            self._edges.setdefault(other, {})[order] = (jaccard, containment)
            for m in self._exact[other_entry.exact]:
                links.append(self._link(entry, self._entries[m], jaccard, containment, "near"))
        return links

    def result(self) -> DedupResult:
        """Groups of copies over everything added so far (the same for any batch split)."""
        ordered = sorted(range(len(self._entries)), key=lambda i: self._entries[i].key)
        # The earliest member of each exact class (by publication, then arrival).
        earliest = {exact: min(klass, key=lambda i: self._entries[i].key) for exact, klass in self._exact.items()}
        group_of: dict[int, int] = {}
        members: dict[int, list[int]] = {}
        for index in ordered:
            entry = self._entries[index]
            klass = self._exact.get(entry.exact, [index])
            head = earliest.get(entry.exact, index)
            if head != index and head in group_of:
                best: int | None = head
            else:
                best = None
                best_rank: tuple[float, tuple[int, float, int]] | None = None
                for other_head, pair in self._edges.get(klass[0], {}).items():
                    first = earliest[self._entries[other_head].exact]
                    if first not in group_of:
                        continue  # later than this article: it will link to us
                    rank = (-self._score(pair), self._entries[first].key)
                    if best_rank is None or rank < best_rank:
                        best, best_rank = first, rank
            if best is None:
                group_of[index] = index
                members[index] = []
            else:
                original = group_of[best]
                group_of[index] = original
                members[original].append(index)
        groups = []
        for original, copies in members.items():
            if not copies:
                continue
            source = self._entries[original]
            links = []
            for copy in copies:
                entry = self._entries[copy]
                if entry.exact == source.exact:
                    links.append(CopyLink(entry.article_id, source.article_id, 1.0, "exact", 1.0))
                else:
                    jaccard, containment = _overlap(entry.shingles, source.shingles)
                    links.append(
                        CopyLink(entry.article_id, source.article_id, round(jaccard, 4), "near", round(containment, 4))
                    )
            copy_ids = tuple(self._entries[c].article_id for c in copies)
            groups.append(CopyGroup(source.article_id, copy_ids, tuple(links)))
        groups.sort(key=lambda group: self._entries[self._by_id[group.original_id]].key)
        return DedupResult(tuple(groups))


@functools.cache
def _default_hasher() -> _MinHasher:
    return _MinHasher(NUM_PERMUTATIONS, BANDS, SEED)


def signature(text: str) -> tuple[bytes, tuple[int, ...]]:
    """What a persistent index keeps of a text: the digest of its normalised form (exact copies
    share it) and its LSH band keys (a near copy shares at least one with high probability), as
    :class:`DedupIndex` with default settings computes them. Band keys are signed 64-bit, as a
    database stores integers."""
    normalised = normalise_text(text)
    exact = hashlib.blake2b(normalised.encode("utf-8"), digest_size=16).digest()
    if not normalised:
        return exact, ()
    keys = _default_hasher().band_keys(shingle_hashes(normalised))
    return exact, tuple(key - (1 << 64) if key >= 1 << 63 else key for key in keys)


def shingles_of(text: str) -> np.ndarray:
    """The sorted unique 5-gram hashes :class:`DedupIndex` verifies a text's copies on."""
    return shingle_hashes(normalise_text(text))


def find_duplicates(articles: Iterable[Article], **settings: Any) -> DedupResult:
    """Exact and near-duplicate groups over a batch of articles (settings: see :class:`DedupIndex`)."""
    index = DedupIndex(**settings)
    for article in articles:
        index.add(article)
    return index.result()


def fold_copies(articles: Sequence[Article], result: DedupResult) -> list[Article]:
    """Apply copy links to articles: exact copies fold into their original, near copies point to it.

    An exact copy (same normalised text) disappears as an article; its source is
    added to the original's ``other_sources``. A near copy stays, with
    ``copy_of`` and ``copy_similarity`` set, so views can count independent
    coverage apart from syndication.
    """
    exact: dict[str, list[str]] = {}
    near: dict[str, CopyLink] = {}
    for group in result.groups:
        for link in group.links:
            if link.kind == "exact":
                exact.setdefault(link.original_id, []).append(link.copy_id)
            else:
                near[link.copy_id] = link
    folded = {copy for copies in exact.values() for copy in copies}
    by_id = {article.id: article for article in articles}
    out = []
    for article in articles:
        if article.id in folded:
            continue
        changes: dict[str, Any] = {}
        if article.id in exact:
            changes["other_sources"] = article.other_sources + tuple(by_id[c].source for c in exact[article.id])
        if article.id in near:
            link = near[article.id]
            changes["copy_of"] = link.original_id
            changes["copy_similarity"] = link.similarity
        out.append(dataclasses.replace(article, **changes) if changes else article)
    return out
