"""Alerts: saved searches and watched entities and events, and what each ingest finds for them.

A **watch** is a saved search (a query in the syntax of :mod:`rashomon.search`), an entity
(``en-`` id) or an event (``ev-`` id). After every ingest (``rashomon ingest``, each poll of
``rashomon watch``, the web app's ingest) :func:`check` looks at the articles that ingest added
and the events holding them — nothing else, so an ingest that adds nothing costs one query — and
records, per watch:

* ``match``: a new article matches the search, names the entity, or joins the event;
* ``figures`` / ``speakers``: a disagreement in a watched story (an event holding a match, or the
  watched event): outlets giving different figures for the same quantity, or near-identical
  words attributed to different people;
* ``group-joined``: an outlet group (a profile tag, :mod:`rashomon.outlets`) has its first
  article in a watched story since the watch last checked it (the first check only notes the
  groups there are);
* ``blindspot``: one group covers a watched story and another barely does.

Each alert is recorded once: its id is a hash of the watch and what it is about, so the same
finding seen again by a later ingest adds nothing. The first check of a story records every
disagreement and blindspot it already has. New alerts are also POSTed as JSON to a webhook, if
one is set (:func:`set_webhook`); a webhook that fails is logged, never raised: an ingest does not
fail because a receiver is down.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import InputError, NotFound, QueryError
from .outlets import blindspots, group_coverage
from .records import Alert, Watch, WatchKind

if TYPE_CHECKING:
    from .store import Workspace

log = logging.getLogger(__name__)

WATCH_KINDS: tuple[WatchKind, ...] = ("search", "entity", "event")
WEBHOOK_STATE = "alerts_webhook"
WEBHOOK_TIMEOUT = 5.0  # seconds a webhook receiver has to answer
FINDING_KINDS = ("figures", "speakers")  # the disagreements that alert


def _hash(*parts: str) -> str:
    return hashlib.sha1("\x00".join(parts).encode("utf-8")).hexdigest()[:12]


def watch_id(kind: str, target: str) -> str:
    """The id of the watch of ``kind`` on ``target``: the same watch saved twice is one."""
    return "wa-" + _hash(kind, target)


def add_watch(workspace: Workspace, kind: str, target: str) -> Watch:
    """Save a watch (or return the one already saved for this kind and target).

    Raises:
        QueryError: an unknown kind, or a search that cannot be read.
        NotFound: no such entity or event in the workspace.
    """
    from .search import parse_query

    target = target.strip()
    if kind == "search":
        label = parse_query(target).text.strip()
    elif kind == "entity":
        label = workspace.entity(target).name
    elif kind == "event":
        found = workspace.events_by_id([target], terms=False)
        if not found:
            raise NotFound(f"No event {target!r} in this workspace; `rashomon stories` lists them.")
        label = found[0].label or target
    else:
        raise QueryError(f"Unknown watch kind {kind!r}; use one of {', '.join(WATCH_KINDS)}.")
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return workspace.add_watch(Watch(watch_id(kind, target), kind, target, label, now))  # type: ignore[arg-type]


def set_webhook(workspace: Workspace, url: str | None) -> None:
    """Set the URL new alerts are POSTed to (None: none).

    Raises:
        InputError: not an ``http``/``https`` URL with a host.
    """
    if url is not None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"A webhook is an http:// or https:// URL with a host, not {url!r}.")
        url = url.strip()
    workspace.set_state(WEBHOOK_STATE, url)


def webhook(workspace: Workspace) -> str | None:
    """The webhook URL, if one is set."""
    value = workspace.get_state(WEBHOOK_STATE)
    return value if isinstance(value, str) else None


def alert_dict(alert: Alert) -> dict[str, Any]:
    """An alert as plain JSON-ready data."""
    return {**dataclasses.asdict(alert), "data": dict(alert.data)}


def check(workspace: Workspace, article_ids: Collection[str], deliver: bool = True) -> list[Alert]:
    """Record the alerts the articles one ingest added give rise to (see the module docstring),
    send them to the webhook (if ``deliver`` and one is set), and return the new ones."""
    if not article_ids or not workspace.has_watches():
        return []
    from .search import matching_ids

    added = set(article_ids)
    event_of = workspace.event_of_articles(added)
    groups = workspace.outlet_groups()
    present = set(workspace.tellers()) if groups else set()
    pending: list[Alert] = []
    seen: dict[tuple[str, str], list[str]] = {}
    for watch in workspace.watches():
        if watch.kind == "event":
            matched = {a for a, e in event_of.items() if e == watch.target}
        else:
            query = watch.target if watch.kind == "search" else f"entity:{watch.target}"
            try:
                matched, _ = matching_ids(workspace, query, among=added)
            except QueryError as error:  # a search saved by an earlier version that no longer parses
                log.warning("watch %s: %s", watch.id, error)
                continue
        facts = {f.id: f for f in workspace.article_facts(matched)}
        for article_id in sorted(matched):
            item = facts.get(article_id)
            pending.append(
                Alert(
                    id="al-" + _hash(watch.id, "match", article_id),
                    watch_id=watch.id,
                    kind="match",
                    summary=f"{watch.label}: new article{f' from {item.teller}' if item else ''}"
                    + (f": {item.title}" if item and item.title else ""),
                    event_id=event_of.get(article_id),
                    article_id=article_id,
                    data={
                        "title": item.title if item else None,
                        "outlet": item.teller if item else None,
                        "language": item.language if item else None,
                        "published": item.published if item else None,
                    },
                )
            )
        stories = {event_of[a] for a in matched if a in event_of}
        if stories:
            found, now = _findings(workspace, watch, sorted(stories), groups, present)
            pending += found
            seen.update(now)
    fresh = workspace.save_alerts(pending, seen)
    if fresh and deliver and (url := webhook(workspace)):
        send_webhook(url, fresh)
    return fresh


def _findings(
    workspace: Workspace,
    watch: Watch,
    event_ids: Sequence[str],
    groups: dict[str, list[str]],
    present: Collection[str],
) -> tuple[list[Alert], dict[tuple[str, str], list[str]]]:
    """Disagreements, groups joining and blindspots in the watched stories an ingest touched."""
    found: list[Alert] = []
    seen_now: dict[tuple[str, str], list[str]] = {}
    events = {e.id: e for e in workspace.events_by_id(event_ids, terms=False)}
    comparisons = {c.event_id: c for c in workspace.comparisons(list(events))}
    before = workspace.seen_groups(watch.id, list(events)) if groups else {}
    for event_id, event in events.items():
        comparison = comparisons.get(event_id)
        for finding in comparison.disagreements if comparison else ():
            if finding.kind not in FINDING_KINDS:
                continue
            found.append(
                Alert(
                    id="al-" + _hash(watch.id, finding.id),
                    watch_id=watch.id,
                    kind=finding.kind,
                    summary=f"{watch.label}: {finding.summary}",
                    event_id=event_id,
                    data={
                        "finding": finding.id,
                        "sides": [
                            {
                                "value": value,
                                "source": item.source,
                                "article_id": item.article_id,
                                "start": item.start,
                                "end": item.end,
                                "text": item.text,
                            }
                            for value, item in zip(finding.values, finding.items, strict=True)
                        ],
                    },
                )
            )
        if not groups:
            continue
        tellers = [f.teller for f in workspace.article_facts(event.article_ids)]
        coverage = group_coverage(tellers, groups)
        earlier = before.get(event_id)
        if earlier is not None:
            for group in sorted(set(coverage) - set(earlier)):
                found.append(
                    Alert(
                        id="al-" + _hash(watch.id, event_id, "group", group),
                        watch_id=watch.id,
                        kind="group-joined",
                        summary=f"{watch.label}: {group} outlets now cover {event.label or event_id}",
                        event_id=event_id,
                        data={"group": group, "outlets": [list(item) for item in coverage[group].outlets]},
                    )
                )
        seen_now[watch.id, event_id] = sorted(set(coverage) | set(earlier or ()))
        for spot in blindspots(tellers, groups, present):
            found.append(
                Alert(
                    id="al-" + _hash(watch.id, event_id, "blindspot", spot.group),
                    watch_id=watch.id,
                    kind="blindspot",
                    summary=f"{watch.label}: {spot.group} barely covers {event.label or event_id}"
                    f" ({spot.articles} of {len(tellers)} articles; {spot.covered_by} has {spot.covered_articles})",
                    event_id=event_id,
                    data=dataclasses.asdict(spot),
                )
            )
    return found, seen_now


def send_webhook(url: str, alerts: Sequence[Alert], timeout: float = WEBHOOK_TIMEOUT) -> bool:
    """POST ``{"alerts": [...]}`` to ``url``; True if it answered 2xx. Never raises: a failure
    (refused, timed out, an error status) is logged as a warning."""
    import httpx

    try:
        response = httpx.post(
            url,
            json={"alerts": [alert_dict(a) for a in alerts]},
            timeout=timeout,
            follow_redirects=False,
            headers={"user-agent": "rashomon-alerts"},
        )
    except Exception as error:  # noqa: BLE001 - whatever the receiver does, the ingest goes on
        log.warning("webhook %s failed: %s: %s", url, type(error).__name__, error)
        return False
    if not 200 <= response.status_code < 300:
        log.warning("webhook %s answered %s", url, response.status_code)
        return False
    return True
