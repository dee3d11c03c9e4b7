"""Cluster stage: articles into events, events into storylines, across languages.

Two articles are compared by a *pair score* (:mod:`rashomon.similarity`): the cosine
of their cross-lingual embeddings and the similarity of their shared names
(:mod:`rashomon.names`, country names and other names apart), combined as calibrated
on human similarity ratings. Against an event the score is taken of the mean features
over its members, from running sums. Grouping is online and deterministic, so a batch
run and an incremental workspace use the very same code:

* an article joins the event whose articles it matches best on average, if that
  pair score reaches ``event_threshold`` and there is evidence of the same
  time: every published date within ``event_window_days``, or, where dates are
  missing, a mean names similarity of at least ``event_names_threshold`` (the
  same people and places); a known date outside the window always keeps
  articles apart. Otherwise the article starts a new event;
* a new event joins the storyline holding the event it matches best on average,
  if that pair score reaches ``storyline_threshold`` and its mean pair score with
  the storyline's articles within the storyline window reaches
  ``storyline_cohesion`` (a single best pair alone lets storylines chain through
  drifting events into unrelated stories); otherwise it starts a new storyline.

Every join is kept as a :class:`~rashomon.records.Link` with its scores and the
names both articles share: the evidence shown in the report.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from .config import Settings
from .index import IVFIndex
from .names import shared_names
from .records import Article, Event, Link, Storyline
from .similarity import name_parts, pair_model


@dataclass(frozen=True)
class ArticleFeatures:
    """What clustering needs to know about one article."""

    article_id: str
    vector: np.ndarray
    names: dict[str, float]
    surfaces: dict[str, str]
    published: dt.date | None = None
    title: str = ""
    title_inferred: bool = False


def parse_published(value: str | None) -> dt.date | None:
    """The calendar date of an ISO-like published string, or None."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def combine(
    embedding: float, names_a: dict[str, float], names_b: dict[str, float], settings: Settings
) -> tuple[float, float]:
    """Pair score from an embedding cosine and two (unit) name vectors: ``(score, names similarity)``.

    ``names_b`` may also be an event's summed name vector divided by its size (the mean).
    """
    other, country = name_parts(names_a, names_b)
    return pair_model(settings).score(embedding, other, country), min(1.0, other + country)


def pair_score(a: ArticleFeatures, b: ArticleFeatures, settings: Settings) -> tuple[float, float, float]:
    """The pair score grouping uses for two articles: ``(score, embedding cosine, names similarity)``."""
    embedding = float(np.asarray(a.vector, dtype=np.float32) @ np.asarray(b.vector, dtype=np.float32))
    score, names = combine(embedding, a.names, b.names, settings)
    return score, embedding, names


@dataclass
class Grouper:
    """Online grouping state; feed articles with :meth:`add` in a stable order.

    Mean pair scores against an event are computed from running sums: the mean
    of ``v · m`` over an event's members is ``v`` dotted with the sum of their
    vectors, divided by their number, and likewise for the (unit) name vectors.
    So placing an article costs one matrix-vector product over the candidate
    events, not a comparison with every earlier article.

    **Time window.** Only events that could take the article or lend it a
    storyline are scored: events with a published date within
    ``storyline_window_days`` of the article's (and events without any date).
    Articles arrive roughly in date order, so at a million stored articles most
    events are out of the window and cost nothing.

    **Repair** (``settings.repair``). Online grouping depends on arrival order: an
    article that arrives before its event has formed can start an event of its
    own, and an event can drift as it grows. Two cheap, deterministic repairs
    undo that without recomputing anything:

    * *merge*: after an article joins an event, the event is compared with the
      other candidate events by their mean cross pair score (average linkage,
      the same criterion an article must meet to join); if it reaches
      ``event_threshold`` with evidence of the same time, the two become one (the
      older keeps its id) and their storylines become one;
    * *split*: every ``repair_every`` articles each event that changed and has at
      least three members is checked: a member whose mean pair score with the
      other members has fallen ``split_margin`` below ``event_threshold`` is taken
      out into an event of its own, in the same storyline.

    Each repair is kept as a :class:`~rashomon.records.Link` of kind ``merge`` or
    ``split``. Merged events stay behind as empty slots (so event numbers never
    change) and are left out of :meth:`events` and :meth:`storylines`.

    Past ``ann_threshold`` events even the product over candidates is too slow
    (at a million articles it reads half a gigabyte per article), so the grouper
    keeps an approximate nearest-neighbour index (:class:`~rashomon.index.IVFIndex`)
    of the events' normalised mean vectors, asks it for the ``ann_candidates``
    events most like the new article, and computes exact mean scores for those
    only. The result can differ from scoring every event in two ways: the best
    event is not among the ``ann_candidates`` nearest centroids (the ranking is by
    cosine to the centroid, the decision by mean pair score plus names, so a
    diffuse event or one carried by its names can rank low), or the index misses
    it (it sits in a cell outside the ``ann_probes`` cells nearest the article).
    ``bench/bench_placement.py --check`` counts such differences; below the
    threshold every candidate event is scored. Both ways are deterministic: the
    index is trained with a fixed seed and ties go to the lower event number.

    Article vectors are stored as ``vector_dtype`` (float16 by default: half the
    memory, and only read for evidence, repair and labels); event sums stay float32.

    **Part of a grouping.** A grouper may hold only the events new articles can reach
    (:meth:`rashomon.store.Workspace.grouping`): ``offset`` counts the articles placed before
    that it does not hold, so split checks fall due as if it held them all.
    """

    settings: Settings
    features: list[ArticleFeatures] = field(default_factory=list)
    event_members: list[list[int]] = field(default_factory=list)
    event_of: list[int] = field(default_factory=list)
    storyline_events: list[list[int]] = field(default_factory=list)
    storyline_of_event: list[int] = field(default_factory=list)
    event_links: list[list[Link]] = field(default_factory=list)
    storyline_links: list[list[Link]] = field(default_factory=list)
    _matrix: np.ndarray | None = None
    _event_sums: np.ndarray | None = None
    _event_names: list[dict[str, float]] = field(default_factory=list)
    _event_dates: list[tuple[dt.date | None, dt.date | None, bool]] = field(default_factory=list)
    vector_dtype: type[np.floating] = np.float16
    ann_threshold: int = 20_000
    ann_candidates: int = 100
    ann_probes: int = 96
    _counts: np.ndarray | None = None
    _first_day: np.ndarray | None = None
    _last_day: np.ndarray | None = None
    _index: IVFIndex | None = None
    _changed: set[int] = field(default_factory=set)
    offset: int = 0

    def _vectors(self) -> np.ndarray:
        assert self._matrix is not None
        return self._matrix[: len(self.features)]

    @staticmethod
    def _grow(matrix: np.ndarray | None, used: int, dimension: int, dtype: type = np.float32) -> np.ndarray:
        if matrix is None:
            return np.zeros((16, dimension) if dimension else 16, dtype=dtype)
        if used < matrix.shape[0]:
            return matrix
        grown = np.zeros((matrix.shape[0] * 2, *matrix.shape[1:]), dtype=matrix.dtype)
        grown[:used] = matrix[:used]
        return grown

    def _centroid(self, event: int) -> np.ndarray:
        assert self._event_sums is not None
        total = self._event_sums[event]
        norm = float(np.linalg.norm(total))
        return total / norm if norm > 0 else total

    def _index_event(self, event: int, created: bool) -> None:
        """Keep the index of event centroids in step with ``event``'s sum."""
        if self._index is None:
            if len(self.event_members) > self.ann_threshold:
                self._build_index()
            return
        if created:
            self._index.add(event, self._centroid(event))
        else:
            self._index.update(event, self._centroid(event))

    def _build_index(self) -> None:
        assert self._event_sums is not None
        events = len(self.event_members)
        sums = self._event_sums[:events]
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self._index = IVFIndex.build((sums / norms).astype(np.float32, copy=False), probes=self.ann_probes)

    def _pair(self, new: ArticleFeatures, old_index: int, embedding: float) -> tuple[float, float]:
        return combine(embedding, new.names, self.features[old_index].names, self.settings)

    def _link(self, new: ArticleFeatures, event: int, kind: str = "join") -> Link:
        """Evidence for a join: the member of ``event`` most like the new article."""
        members = self.event_members[event]
        embeddings = self._vectors()[members].astype(np.float32) @ new.vector
        best = max(range(len(members)), key=lambda k: (self._pair(new, members[k], float(embeddings[k]))[0], -k))
        index, embedding = members[best], float(embeddings[best])
        score, names = self._pair(new, index, embedding)
        old = self.features[index]
        keys = shared_names(new.names, old.names)
        shown = tuple(new.surfaces.get(key) or old.surfaces.get(key) or key for key in keys)
        return Link(new.article_id, old.article_id, round(score, 4), round(embedding, 4), round(names, 4), shown, kind)

    def _timing(self, new: ArticleFeatures, event: int) -> str:
        """``far`` if a known date is outside the window, ``near`` if all are within it, else ``unknown``."""
        earliest, latest, any_unknown = self._event_dates[event]
        if new.published is None:
            return "unknown"
        window = self.settings.event_window_days
        if earliest is not None and latest is not None:
            if abs((new.published - earliest).days) > window or abs((latest - new.published).days) > window:
                return "far"
        return "unknown" if any_unknown or earliest is None else "near"

    def _join_event(self, event: int, index: int, new: ArticleFeatures) -> None:
        assert self._event_sums is not None and self._counts is not None
        self.event_members[event].append(index)
        self.event_of.append(event)
        self._event_sums[event] += new.vector
        self._counts[event] += 1
        self._absorb(event, new)

    def _absorb(self, event: int, article: ArticleFeatures) -> None:
        """Add an article's names and date to its event's running summaries."""
        names = self._event_names[event]
        for key, weight in article.names.items():
            names[key] = names.get(key, 0.0) + weight
        earliest, latest, any_unknown = self._event_dates[event]
        if article.published is None:
            any_unknown = True
        else:
            earliest = min(earliest, article.published) if earliest else article.published
            latest = max(latest, article.published) if latest else article.published
        self._set_dates(event, (earliest, latest, any_unknown))

    def _set_dates(self, event: int, dates: tuple[dt.date | None, dt.date | None, bool]) -> None:
        assert self._first_day is not None and self._last_day is not None
        self._event_dates[event] = dates
        earliest, latest, _unknown = dates
        self._first_day[event] = earliest.toordinal() if earliest else 0
        self._last_day[event] = latest.toordinal() if latest else 0

    def _candidates(
        self, vector: np.ndarray, day: int, exact: bool = False, span: tuple[int, int] | None = None
    ) -> np.ndarray:
        """Events worth scoring for ``vector`` (dated ``day``, 0 = unknown): live, and in the time window."""
        assert self._counts is not None and self._first_day is not None and self._last_day is not None
        events = len(self.event_members)
        if self._index is not None and not exact:
            ids = np.sort(self._index.search(vector, self.ann_candidates)[0])
        else:
            ids = np.arange(events)
        keep = self._counts[ids] > 0
        first, last = span or (day, day)
        if first:
            window = max(self.settings.storyline_window_days, self.settings.event_window_days)
            event_first, event_last = self._first_day[ids], self._last_day[ids]
            keep &= (event_last == 0) | ((first - event_last <= window) & (event_first - last <= window))
        return ids[keep]

    def choose(self, new: ArticleFeatures, exact: bool = False) -> tuple[int, dict[int, tuple[float, float]]]:
        """Where ``new`` would go, without placing it: the event it would join (-1 for a
        new one) and ``(score, names similarity)`` of every event that could hold it or its storyline.

        ``exact`` scores every event even when the approximate index is in use.
        """
        settings = self.settings
        best_event, best_score = -1, -1.0
        event_scores: dict[int, tuple[float, float]] = {}
        if self.event_members:
            assert self._event_sums is not None and self._counts is not None
            day = new.published.toordinal() if new.published else 0
            candidates = self._candidates(new.vector, day, exact)
            embedding_means = (self._event_sums[candidates] @ new.vector) / self._counts[candidates]
            model = pair_model(settings)
            floor = model.embedding_floor(min(settings.event_threshold, settings.storyline_threshold))
            for found in np.flatnonzero(embedding_means >= floor):
                event = int(candidates[found])
                count = float(self._counts[event])
                other, country = name_parts(new.names, self._event_names[event])
                names = min(1.0, (other + country) / count)
                score = model.score(float(embedding_means[found]), other / count, country / count)
                event_scores[event] = (score, names)
                timing = self._timing(new, event)
                # Same happening needs evidence of the same time: published dates within
                # the window, or, where dates are missing, the same people and places.
                same_time = timing == "near" or (timing == "unknown" and names >= settings.event_names_threshold)
                if score >= settings.event_threshold and same_time and score > best_score:
                    best_event, best_score = event, score
        return best_event, event_scores

    def add(self, new: ArticleFeatures) -> int:
        """Place one article; return the index of its event (after any repair)."""
        settings = self.settings
        dimension = new.vector.shape[0]
        events = len(self.event_members)
        best_event, event_scores = self.choose(new)
        index = len(self.features)
        self._matrix = self._grow(self._matrix, index, dimension, self.vector_dtype)
        self._matrix[index] = new.vector
        self.features.append(new)
        if best_event >= 0:
            self.event_links[best_event].append(self._link(new, best_event))
            self._join_event(best_event, index, new)
            self._index_event(best_event, created=False)
            self._changed.add(best_event)
            if settings.repair:
                best_event = self._merge_repair(best_event)
                self._split_repair_when_due()
            return self.event_of[index] if settings.repair else best_event

        best_storyline, anchor_event = self._choose_storyline(new, event_scores)
        link = self._link(new, anchor_event) if anchor_event >= 0 else None
        event = self._new_event(dimension)
        self._join_event(event, index, new)
        if best_storyline >= 0 and link is not None:
            self.storyline_events[best_storyline].append(event)
            self.storyline_of_event.append(best_storyline)
            self.storyline_links[best_storyline].append(link)
        else:
            self.storyline_of_event.append(len(self.storyline_events))
            self.storyline_events.append([event])
            self.storyline_links.append([])
        self._index_event(event, created=True)
        self._changed.add(event)
        if settings.repair:
            self._split_repair_when_due()
        return self.event_of[index] if settings.repair else events

    def _choose_storyline(self, new: ArticleFeatures, event_scores: dict[int, tuple[float, float]]) -> tuple[int, int]:
        """The storyline a new event of ``new`` joins and the event that lends it: ``(-1, -1)`` for none.

        An event is reached through the event it matches best (single link), but only if it also
        matches the storyline as a whole: the mean pair score over every article of the storyline
        within the storyline window must reach ``storyline_cohesion``. Without that second test a
        storyline grows by chaining, A like B like C ..., until it holds unrelated stories.
        """
        settings = self.settings
        anchors: dict[int, tuple[float, int]] = {}
        for other_event, (score, names) in event_scores.items():
            # Related events share someone or something named; without a shared name only a
            # score well above the bar will do (unrelated stories can reach it by topic alone).
            evidence = names >= settings.storyline_names_threshold or score >= settings.storyline_threshold + 0.1
            if score >= settings.storyline_threshold and evidence:
                storyline = self.storyline_of_event[other_event]
                if storyline not in anchors or score > anchors[storyline][0]:
                    anchors[storyline] = (score, other_event)
        for storyline, (_score, anchor) in sorted(anchors.items(), key=lambda item: (-item[1][0], item[1][1])):
            if settings.storyline_cohesion <= 0 or self.storyline_score(new, storyline) >= settings.storyline_cohesion:
                return storyline, anchor
        return -1, -1

    def storyline_score(self, new: ArticleFeatures, storyline: int) -> float:
        """Pair score of ``new`` with the mean features of ``storyline``'s articles within the
        storyline window of its date (all of them when it or they are undated)."""
        assert self._event_sums is not None and self._counts is not None
        assert self._first_day is not None and self._last_day is not None
        events = np.asarray([e for e in self.storyline_events[storyline] if self._counts[e] > 0], dtype=np.int64)
        if new.published is not None and len(events):
            day, window = new.published.toordinal(), self.settings.storyline_window_days
            first, last = self._first_day[events], self._last_day[events]
            events = events[(last == 0) | ((day - last <= window) & (first - day <= window))]
        total = float(self._counts[events].sum()) if len(events) else 0.0
        if total <= 0:
            return -1.0
        embedding = float((self._event_sums[events] @ new.vector).sum()) / total
        other = country = 0.0
        for event in events:
            o, c = name_parts(new.names, self._event_names[int(event)])
            other, country = other + o, country + c
        return pair_model(self.settings).score(embedding, other / total, country / total)

    def _new_event(self, dimension: int) -> int:
        event = len(self.event_members)
        self._event_sums = self._grow(self._event_sums, event, dimension)
        self._event_sums[event] = 0.0
        self._counts = self._grow(self._counts, event, 0)
        self._counts[event] = 0.0
        self._first_day = self._grow(self._first_day, event, 0, np.int64)
        self._last_day = self._grow(self._last_day, event, 0, np.int64)
        self.event_members.append([])
        self.event_links.append([])
        self._event_names.append({})
        self._event_dates.append((None, None, False))
        self._set_dates(event, (None, None, False))
        return event

    # -- repair ----------------------------------------------------------------

    def _events_score(self, a: int, b: int) -> tuple[float, float, float]:
        """Pair score of the mean features over every article pair across events ``a`` and ``b``:
        ``(score, embedding, names)``."""
        assert self._event_sums is not None and self._counts is not None
        pairs = float(self._counts[a]) * float(self._counts[b])
        embedding = float(self._event_sums[a] @ self._event_sums[b]) / pairs
        other, country = name_parts(self._event_names[a], self._event_names[b])
        names = min(1.0, (other + country) / pairs)
        return pair_model(self.settings).score(embedding, other / pairs, country / pairs), embedding, names

    def _events_same_time(self, a: int, b: int, names: float) -> bool:
        first_a, last_a, unknown_a = self._event_dates[a]
        first_b, last_b, unknown_b = self._event_dates[b]
        if first_a and last_a and first_b and last_b:
            if (max(last_a, last_b) - min(first_a, first_b)).days > self.settings.event_window_days:
                return False
            if not (unknown_a or unknown_b):
                return True
        return names >= self.settings.event_names_threshold

    def _merge_repair(self, event: int) -> int:
        """Merge ``event`` with any other event it now matches as a whole; return the surviving event."""
        settings = self.settings
        while True:
            first, last = int(self._first_day[event]), int(self._last_day[event])  # type: ignore[index]
            candidates = self._candidates(self._centroid(event), first, span=(first, last))
            best, best_score = -1, -1.0
            for other in candidates:
                other = int(other)
                if other == event:
                    continue
                score, _embedding, names = self._events_score(event, other)
                if (
                    score >= settings.event_threshold
                    and score > best_score
                    and self._events_same_time(event, other, names)
                ):
                    best, best_score = other, score
            if best < 0:
                return event
            event = self._merge(min(event, best), max(event, best), best_score)

    def _closest_pair(self, a: int, b: int) -> tuple[int, int, float, float, float]:
        members_a, members_b = self.event_members[a], self.event_members[b]
        vectors = self._vectors()
        cosines = vectors[members_a].astype(np.float32) @ vectors[members_b].astype(np.float32).T
        best = (-9.0, 0, 0, 0.0, 0.0)
        for i, x in enumerate(members_a):
            for j, y in enumerate(members_b):
                score, names = combine(
                    float(cosines[i, j]), self.features[x].names, self.features[y].names, self.settings
                )
                if score > best[0]:
                    best = (score, x, y, float(cosines[i, j]), names)
        return best[1], best[2], best[0], best[3], best[4]

    def _merge(self, keep: int, gone: int, score: float) -> int:
        """Fold event ``gone`` into event ``keep`` (and its storyline into ``keep``'s)."""
        assert self._event_sums is not None and self._counts is not None
        x, y, _pair_score, embedding, names = self._closest_pair(keep, gone)
        old, new = self.features[x], self.features[y]
        keys = shared_names(new.names, old.names)
        shown = tuple(new.surfaces.get(key) or old.surfaces.get(key) or key for key in keys)
        self.event_members[keep] = sorted(self.event_members[keep] + self.event_members[gone])
        self.event_links[keep].extend(self.event_links[gone])
        self.event_links[keep].append(
            Link(new.article_id, old.article_id, round(score, 4), round(embedding, 4), round(names, 4), shown, "merge")
        )
        for member in self.event_members[gone]:
            self.event_of[member] = keep
        self._event_sums[keep] += self._event_sums[gone]
        self._counts[keep] += self._counts[gone]
        for key, weight in self._event_names[gone].items():
            self._event_names[keep][key] = self._event_names[keep].get(key, 0.0) + weight
        first_k, last_k, unknown_k = self._event_dates[keep]
        first_g, last_g, unknown_g = self._event_dates[gone]
        firsts = [d for d in (first_k, first_g) if d]
        lasts = [d for d in (last_k, last_g) if d]
        self._set_dates(keep, (min(firsts) if firsts else None, max(lasts) if lasts else None, unknown_k or unknown_g))
        story_keep, story_gone = self.storyline_of_event[keep], self.storyline_of_event[gone]
        self.storyline_events[story_gone].remove(gone)
        if story_gone != story_keep:
            if story_gone < story_keep:
                story_keep, story_gone = story_gone, story_keep
            for other in self.storyline_events[story_gone]:
                self.storyline_of_event[other] = story_keep
            self.storyline_events[story_keep] = sorted(
                self.storyline_events[story_keep] + self.storyline_events[story_gone]
            )
            self.storyline_links[story_keep].extend(self.storyline_links[story_gone])
            self.storyline_events[story_gone] = []
            self.storyline_links[story_gone] = []
            self.storyline_of_event[keep] = story_keep
        self.storyline_of_event[gone] = self.storyline_of_event[keep]
        self.event_members[gone] = []
        self.event_links[gone] = []
        self._event_sums[gone] = 0.0
        self._counts[gone] = 0.0
        self._event_names[gone] = {}
        self._set_dates(gone, (None, None, False))
        self._changed.discard(gone)
        self._changed.add(keep)
        if self._index is not None:
            self._index.update(gone, self._event_sums[gone])
        self._index_event(keep, created=False)
        return keep

    def _split_repair_when_due(self) -> None:
        every = max(1, self.settings.repair_every)
        if (self.offset + len(self.features)) % every == 0:
            self.split_repair()

    def split_repair(self) -> None:
        """Check every event that changed since the last check; split off members that no longer fit."""
        for event in sorted(self._changed):
            while len(self.event_members[event]) >= 3:
                member, score, partner = self._weakest_member(event)
                if score >= self.settings.event_threshold - self.settings.split_margin:
                    break
                self._split_off(event, member, score, partner)
        self._changed.clear()

    def _weakest_member(self, event: int) -> tuple[int, float, int]:
        """The member with the lowest mean pair score with the others, that score, and its best partner."""
        assert self._event_sums is not None
        members = self.event_members[event]
        vectors = self._vectors()[members].astype(np.float32)
        cosines = vectors @ vectors.T
        weakest, weakest_score, partner = members[0], 9.0, members[0]
        for i, x in enumerate(members):
            scores = [
                combine(float(cosines[i, j]), self.features[x].names, self.features[y].names, self.settings)[0]
                for j, y in enumerate(members)
                if j != i
            ]
            mean = sum(scores) / len(scores)
            if mean < weakest_score:
                others = [y for y in members if y != x]
                weakest, weakest_score, partner = x, mean, others[int(np.argmax(scores))]
        return weakest, weakest_score, partner

    def _split_off(self, event: int, member: int, score: float, partner: int) -> None:
        assert self._event_sums is not None and self._counts is not None
        article = self.features[member]
        other = self.features[partner]
        embedding = float(np.asarray(article.vector, dtype=np.float32) @ np.asarray(other.vector, dtype=np.float32))
        _pair, names = combine(embedding, article.names, other.names, self.settings)
        self.event_members[event].remove(member)
        self.event_links[event] = [link for link in self.event_links[event] if link.article_a != article.article_id]
        self.event_links[event].append(
            Link(
                article.article_id, other.article_id, round(score, 4), round(embedding, 4), round(names, 4), (), "split"
            )
        )
        self._event_sums[event] -= article.vector
        self._counts[event] -= 1
        names_left = self._event_names[event]
        for key, weight in article.names.items():
            left = names_left.get(key, 0.0) - weight
            if left > 1e-6:
                names_left[key] = left
            else:
                names_left.pop(key, None)
        dates = [self.features[i].published for i in self.event_members[event]]
        known = [d for d in dates if d is not None]
        self._set_dates(event, (min(known) if known else None, max(known) if known else None, None in dates))
        self._index_event(event, created=False)
        alone = self._new_event(article.vector.shape[0])
        self.event_members[alone].append(member)
        self.event_of[member] = alone
        self._event_sums[alone] += article.vector
        self._counts[alone] += 1
        self._absorb(alone, article)
        storyline = self.storyline_of_event[event]
        self.storyline_of_event.append(storyline)
        self.storyline_events[storyline].append(alone)
        self._index_event(alone, created=True)

    def bulk_load(
        self,
        features: Sequence[ArticleFeatures],
        event_of: Sequence[int],
        storyline_of_event: Sequence[int],
        vectors: np.ndarray | None = None,
        spare: int = 0,
        event_links: Sequence[Sequence[Link]] | None = None,
        storyline_links: Sequence[Sequence[Link]] | None = None,
        offset: int = 0,
        changed: Collection[int] | None = None,
    ) -> None:
        """Fill an empty grouper with a grouping already made, without replaying it.

        ``event_of[i]`` is the event of ``features[i]`` and ``storyline_of_event[e]``
        the storyline of event ``e`` (an event or storyline without members is an
        empty slot, as repair leaves behind). ``vectors`` (one row per article)
        saves restacking the features' vectors: if it is of ``vector_dtype`` and
        has at least ``len(features) + spare`` rows it is kept as the grouper's own
        store, not copied; ``spare`` rows are reserved for articles to come.
        ``event_links`` and ``storyline_links`` carry the evidence saved with the
        grouping. Later :meth:`add` calls go on exactly as if the articles had been
        added one by one into these groups.

        ``offset`` articles were placed before and are not among ``features`` (a part of a
        grouping); ``changed``: the events with an article placed since the last split check
        (default: those of the features placed since, counting ``offset`` before them).
        """
        if self.features:
            raise ValueError("bulk_load needs an empty grouper")
        n = len(features)
        if vectors is None:
            vectors = np.stack([f.vector for f in features]) if n else np.zeros((0, 0), dtype=np.float32)
        dimension = vectors.shape[1]
        labels = np.asarray(event_of, dtype=np.int64)
        events = len(storyline_of_event)
        if vectors.dtype == self.vector_dtype and vectors.flags.c_contiguous and len(vectors) >= max(16, n + spare):
            self._matrix = vectors
        else:
            self._matrix = np.zeros((max(16, n + spare), dimension), dtype=self.vector_dtype)
            self._matrix[:n] = vectors[:n]
        self.features = list(features)
        self.event_of = [int(e) for e in labels]
        self.event_members = [[] for _ in range(events)]
        for index, event in enumerate(self.event_of):
            self.event_members[event].append(index)
        self.storyline_of_event = [int(s) for s in storyline_of_event]
        self.storyline_events = [[] for _ in range(max(self.storyline_of_event, default=-1) + 1)]
        for event, storyline in enumerate(self.storyline_of_event):
            if self.event_members[event]:
                self.storyline_events[storyline].append(event)
        self.event_links = [list(links) for links in event_links] if event_links else [[] for _ in range(events)]
        self.storyline_links = (
            [list(links) for links in storyline_links] if storyline_links else [[] for _ in self.storyline_events]
        )
        self._event_sums = np.zeros((max(16, events + spare), dimension), dtype=np.float32)
        order = np.argsort(labels, kind="stable")
        for start in range(0, n, 65536):  # float32 sums, a slice of articles at a time
            rows = np.sort(order[start : start + 65536])
            np.add.at(self._event_sums, labels[rows], np.asarray(vectors[rows], dtype=np.float32))
        self._counts = np.zeros(max(16, events + spare), dtype=np.float32)
        self._counts[:events] = np.bincount(labels, minlength=events)
        self._first_day = np.zeros(max(16, events + spare), dtype=np.int64)
        self._last_day = np.zeros(max(16, events + spare), dtype=np.int64)
        self._event_names = [{} for _ in range(events)]
        self._event_dates = [(None, None, False)] * events
        for article, event in zip(self.features, self.event_of, strict=True):
            self._absorb(event, article)
        # The events that changed since the last split check: those holding an article added since.
        self.offset = offset
        if changed is None:
            total = offset + n
            last_check = max(0, total - total % max(1, self.settings.repair_every) - offset)
            self._changed = {self.event_of[i] for i in range(last_check, n)}
        else:
            self._changed = set(changed)
        self._index = None
        if events > self.ann_threshold:
            self._build_index()

    # -- records -------------------------------------------------------------

    def _medoid_title(self, members: Sequence[int]) -> str:
        if len(members) == 1:
            return self.features[members[0]].title
        vectors = self._vectors()[list(members)].astype(np.float32)
        # Each member's summed similarity to all members: (V Vᵀ)·1 = V (Vᵀ·1), linear in the size.
        centrality = vectors @ vectors.sum(axis=0)
        # A real headline reads better as a label than one cut from a lead.
        best = max(range(len(members)), key=lambda k: (not self.features[members[k]].title_inferred, centrality[k]))
        return self.features[members[best]].title

    def _date_range(self, members: Sequence[int]) -> tuple[str | None, str | None]:
        dates = sorted(d for d in (self.features[i].published for i in members) if d is not None)
        return (dates[0].isoformat(), dates[-1].isoformat()) if dates else (None, None)

    def _names_label(self, members: Sequence[int], limit: int = 3) -> str:
        presence: Counter[str] = Counter()
        weight: dict[str, float] = {}
        for index in members:
            for key, value in self.features[index].names.items():
                presence[key] += 1
                weight[key] = weight.get(key, 0.0) + value
        ranked = sorted(presence, key=lambda key: (-presence[key], -weight[key], key))
        shown = []
        for key in ranked[:limit]:
            for index in members:
                if key in self.features[index].surfaces:
                    shown.append(self.features[index].surfaces[key])
                    break
        return " · ".join(shown)

    def events(self) -> list[Event]:
        """Event records, in order of creation (events merged away by repair left out)."""
        out = []
        for number, members in enumerate(self.event_members):
            if not members:
                continue
            first, last = self._date_range(members)
            title = self._medoid_title(members)
            out.append(
                Event(
                    id="ev-" + self.features[members[0]].article_id,
                    label=title,
                    headline=title,
                    article_ids=tuple(self.features[i].article_id for i in members),
                    first_seen=first,
                    last_seen=last,
                    links=tuple(self.event_links[number]),
                )
            )
        return out

    def storylines(self) -> list[Storyline]:
        """Storyline records, in order of creation (storylines merged away by repair left out)."""
        event_ids = {number: "ev-" + self.features[m[0]].article_id for number, m in enumerate(self.event_members) if m}
        out = []
        for number, event_numbers in enumerate(self.storyline_events):
            if not event_numbers:
                continue
            members = [i for e in event_numbers for i in self.event_members[e]]
            title = self._medoid_title(members)
            out.append(
                Storyline(
                    id="st-" + self.features[members[0]].article_id,
                    label=self._names_label(members) or title,
                    headline=title,
                    event_ids=tuple(event_ids[e] for e in event_numbers),
                    article_ids=tuple(self.features[i].article_id for i in members),
                    links=tuple(self.storyline_links[number]),
                )
            )
        return out


def article_features(article: Article, vector: np.ndarray, settings: Settings) -> ArticleFeatures:
    """Features of one article: its vector, weighted name vector and date."""
    from .names import name_vector, names_with_surfaces

    counts, surfaces = names_with_surfaces(article.text, article.language)
    return ArticleFeatures(
        article_id=article.id,
        vector=np.asarray(vector, dtype=np.float32),
        names=name_vector(counts, settings.country_weight),
        surfaces=surfaces,
        published=parse_published(article.published),
        title=article.title or "",
        title_inferred=article.title_inferred,
    )
