"""Attention over time: how many articles each outlet, language or outlet group published per day
or week, and what share of its coverage (or of the day's) that was.

A reader of the stored workspace: it counts articles by their published date and computes
nothing else. The web app's ``/timeline`` and the event page's per-outlet timeline call
:func:`attention`; nothing here renders.

Definitions
-----------
* A **bucket** is a day (``YYYY-MM-DD``) or an ISO week, named by its Monday. Every bucket from
  the first dated article to the last is listed, empty ones with zeros, so a series is a line.
  Articles without a published date cannot be placed and are counted apart (``undated``).
* **count**: the articles of a series in a bucket that match the query (every article when there
  is no query). An article whose outlet is in several groups counts once in each group.
* **share**, with a query: count divided by all the series' articles in that bucket — the part of
  an outlet's (language's, group's) coverage that day that the query matches, as Media Cloud
  normalises attention. Without a query: the series' articles divided by all articles of the
  bucket — its part of the day's coverage. A bucket with nothing to divide by has share 0.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .errors import QueryError
from .records import ArticleFacts

if TYPE_CHECKING:
    from .store import Workspace

By = Literal["outlet", "language", "group"]
Interval = Literal["day", "week"]
BY: tuple[By, ...] = ("outlet", "language", "group")
INTERVALS: tuple[Interval, ...] = ("day", "week")
MAX_BUCKETS = 1500  # about four years of days; a longer span is asked to use weeks
MAX_SERIES = 12  # the series with most matches; the rest are summed as OTHER
OTHER = "(other)"
NO_GROUP = "(no group)"


@dataclass(frozen=True)
class Series:
    """One line of a timeline.

    Attributes:
        name: The outlet, language or group (or :data:`OTHER`).
        counts: Matching articles per bucket.
        totals: What the share divides by, per bucket (see the module docstring).
        shares: ``counts / totals`` per bucket (0 where ``totals`` is 0).
    """

    name: str
    counts: tuple[int, ...]
    totals: tuple[int, ...]
    shares: tuple[float, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Timeline:
    """What :func:`attention` counted: buckets, one series per outlet/language/group, best first."""

    query: str
    by: By
    interval: Interval
    buckets: tuple[str, ...]
    series: tuple[Series, ...]
    matched: int
    undated: int
    notes: tuple[str, ...] = ()


def bucket_of(day: dt.date, interval: Interval) -> dt.date:
    """The first day of the bucket holding ``day`` (itself, or its week's Monday)."""
    return day if interval == "day" else day - dt.timedelta(days=day.weekday())


def _day(published: str | None) -> dt.date | None:
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


def attention(
    workspace: Workspace,
    query: str = "",
    by: By = "outlet",
    interval: Interval = "day",
    groups: Mapping[str, Sequence[str]] | None = None,
    only: Collection[str] | None = None,
    max_series: int = MAX_SERIES,
) -> Timeline:
    """Articles per bucket and series, matching ``query`` (all articles if empty).

    Args:
        workspace: The workspace (only read).
        query: A search query (docs/search.md); its words and filters choose the articles, as the
            full-text search does (semantic search ranks and has no set of matches to count).
        by: What a series is: ``outlet`` (who tells it: the outlet, else the site), ``language``,
            or ``group`` (the outlet's groups in ``groups``; :data:`NO_GROUP` when it has none).
        interval: ``day`` or ``week`` (ISO weeks, from Monday).
        groups: Outlet name -> its groups (``by="group"``).
        only: Count only these articles (an event's), if given.
        max_series: Series kept by their number of matches; the others are summed as :data:`OTHER`.

    Raises:
        QueryError: an unknown ``by`` or ``interval``, a query that cannot be read, or a span of
            more than :data:`MAX_BUCKETS` buckets.
    """
    if by not in BY:
        raise QueryError(f"Unknown timeline series {by!r}; use one of {', '.join(BY)}.")
    if interval not in INTERVALS:
        raise QueryError(f"Unknown interval {interval!r}; use one of {', '.join(INTERVALS)}.")
    notes: tuple[str, ...] = ()
    facts = workspace.article_facts(only) if only is not None else workspace.article_facts()
    matching: set[str] | None = None
    if query.strip():
        from .search import matching_ids

        matching, notes = matching_ids(workspace, query)
    groups = groups or {}

    def names_of(item: ArticleFacts) -> list[str]:
        if by == "language":
            return [item.language or "?"]
        if by == "group":
            return list(dict.fromkeys(groups.get(item.teller, ()))) or [NO_GROUP]
        return [item.teller]

    counts: Counter[tuple[str, dt.date]] = Counter()
    bases: Counter[tuple[str, dt.date]] = Counter()
    bucket_totals: Counter[dt.date] = Counter()
    undated = matched = 0
    days: list[dt.date] = []
    for item in facts:
        hit = matching is None or item.id in matching
        day = _day(item.published)
        if day is None:
            undated += hit
            continue
        bucket = bucket_of(day, interval)
        days.append(bucket)
        bucket_totals[bucket] += 1
        matched += hit
        for name in names_of(item):
            bases[name, bucket] += 1
            counts[name, bucket] += hit
    buckets = _buckets(days, interval)
    per_series: Counter[str] = Counter()
    for (name, _), value in counts.items():
        per_series[name] += value
    ranked = sorted(per_series, key=lambda name: (-per_series[name], name))
    ranked = [name for name in ranked if per_series[name] > 0] or ranked[:0]
    kept, rest = ranked[:max_series], ranked[max_series:]
    series = [_series(name, [name], buckets, counts, bases, bucket_totals, matching is None) for name in kept]
    if rest:
        series.append(_series(OTHER, rest, buckets, counts, bases, bucket_totals, matching is None))
    return Timeline(
        query=query,
        by=by,
        interval=interval,
        buckets=tuple(b.isoformat() for b in buckets),
        series=tuple(series),
        matched=matched,
        undated=undated,
        notes=notes,
    )


def _buckets(days: Sequence[dt.date], interval: Interval) -> list[dt.date]:
    if not days:
        return []
    first, last = min(days), max(days)
    step = 1 if interval == "day" else 7
    span = (last - first).days // step + 1
    if span > MAX_BUCKETS:
        hint = " use interval=week, or" if interval == "day" else ""
        raise QueryError(
            f"The articles span {span} {interval}s (at most {MAX_BUCKETS} are drawn):{hint} narrow the query "
            "with from: and to:."
        )
    return [first + dt.timedelta(days=step * n) for n in range(span)]


def _series(
    name: str,
    members: Sequence[str],
    buckets: Sequence[dt.date],
    counts: Counter[tuple[str, dt.date]],
    bases: Counter[tuple[str, dt.date]],
    bucket_totals: Counter[dt.date],
    of_the_day: bool,
) -> Series:
    """One series (summing ``members``); without a query its share is of the bucket's articles."""
    values = tuple(sum(counts[m, b] for m in members) for b in buckets)
    if of_the_day:
        totals = tuple(bucket_totals[b] for b in buckets)
    else:
        totals = tuple(sum(bases[m, b] for m in members) for b in buckets)
    shares = tuple(round(v / t, 6) if t else 0.0 for v, t in zip(values, totals, strict=True))
    return Series(name, values, totals, shares)
