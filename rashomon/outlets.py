"""Outlet profiles and outlet groups: what the user says about each outlet, and how an event's
coverage splits across the groups that says they form.

A profile (:class:`rashomon.records.OutletProfile`) holds an outlet's country, language,
ownership or affiliation and free tags; **every tag is a group** (``state-affiliated``, ``RU``,
``wire``), and an outlet is in each group it is tagged with. Profiles are read from a CSV or TOML
file (:func:`read_profiles`, ``rashomon outlets import``) and stored in the workspace; nothing
here guesses them.

Blindspots
----------
An event is a **blindspot for group H** when another group G covers it and H barely does:

* G's outlets published at least :data:`BLINDSPOT_MIN_ARTICLES` of the event's articles, and
* H's outlets published less than :data:`BLINDSPOT_SHARE` (10%) of the event's articles, and
* H is a group the workspace reads: at least one of its outlets has an article stored (else the
  silence says nothing about H, only about what was ingested).

An article counts for every group of its outlet; shares are of all the event's articles
(grouped or not). Each flag carries its evidence: G's outlets with their article counts, and H's
outlets in the workspace with theirs in the event (mostly 0).
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .records import OutletProfile

BLINDSPOT_SHARE = 0.10
BLINDSPOT_MIN_ARTICLES = 3
PROFILE_FIELDS = ("outlet", "country", "language", "ownership", "tags")
MAX_TAGS = 32
MAX_FIELD_CHARS = 200
_TAG_SPLIT = re.compile(r"[;,|]")


@dataclass(frozen=True)
class GroupCoverage:
    """One group's part of an event: its articles, their share of the event's, and its outlets
    with their article counts in the event (most first)."""

    group: str
    articles: int
    share: float
    outlets: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Blindspot:
    """An event one group covers and another barely does (definition: the module docstring).

    Attributes:
        group: The group that barely covers it (H).
        articles, share: H's articles in the event and their share of the event's articles.
        covered_by: The group that covers it (G: the one with most articles).
        covered_articles: G's articles in the event.
        covering_outlets: G's outlets with their articles in the event.
        quiet_outlets: H's outlets that have articles in the workspace, with their articles in
            the event (0 for those that stayed away).
    """

    group: str
    articles: int
    share: float
    covered_by: str
    covered_articles: int
    covering_outlets: tuple[tuple[str, int], ...]
    quiet_outlets: tuple[tuple[str, int], ...]


# -- reading profiles -------------------------------------------------------------------------


def _clean(value: object, field: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise InputError(f"{where}: {field} must be text, not {type(value).__name__}.")
    text = " ".join(str(value).split())
    if len(text) > MAX_FIELD_CHARS:
        raise InputError(f"{where}: {field} is {len(text)} characters long; at most {MAX_FIELD_CHARS}.")
    return text or None


def _tags(value: object, where: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if not isinstance(value, str | list | tuple):
        raise InputError(f"{where}: tags must be a list or text separated by ';', not {type(value).__name__}.")
    items: Iterable[object] = _TAG_SPLIT.split(value) if isinstance(value, str) else value
    tags = [tag for item in items if (tag := _clean(item, "a tag", where))]
    if len(tags) > MAX_TAGS:
        raise InputError(f"{where}: {len(tags)} tags; at most {MAX_TAGS}.")
    return tuple(dict.fromkeys(tags))


def profile_from(record: Mapping[str, object], where: str) -> OutletProfile:
    """One profile from a mapping of :data:`PROFILE_FIELDS` (a CSV row, a TOML table, a form).

    Raises:
        InputError: no outlet name, an unknown field, or a value that is not text.
    """
    unknown = sorted(set(record) - set(PROFILE_FIELDS))
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(unknown)}; the fields are {', '.join(PROFILE_FIELDS)}.")
    outlet = _clean(record.get("outlet"), "outlet", where)
    if not outlet:
        raise InputError(f"{where}: no outlet name; every profile needs `outlet`, as articles name it.")
    return OutletProfile(
        outlet=outlet,
        country=_clean(record.get("country"), "country", where),
        language=_clean(record.get("language"), "language", where),
        ownership=_clean(record.get("ownership"), "ownership", where),
        tags=_tags(record.get("tags"), where),
    )


def read_profiles(path: str | Path) -> list[OutletProfile]:
    """Outlet profiles from a ``.csv`` file (a header row naming :data:`PROFILE_FIELDS`; tags
    separated by ``;``) or a ``.toml`` file (``[[outlet]]`` tables, or ``[outlets."Name"]``
    tables keyed by the outlet). A later profile of the same outlet replaces an earlier one.

    Raises:
        InputError: the file cannot be read, is of another type, or a profile is malformed (the
            message names the row or table).
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"Cannot read outlet profiles from {source}: {error}.") from None
    suffix = source.suffix.lower()
    if suffix == ".csv":
        profiles = _from_csv(text, str(source))
    elif suffix == ".toml":
        profiles = _from_toml(text, str(source))
    else:
        raise InputError(f"{source}: outlet profiles are read from a .csv or a .toml file.")
    return list({profile.outlet: profile for profile in profiles}.values())


def _from_csv(text: str, name: str) -> list[OutletProfile]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "outlet" not in [f.strip() for f in reader.fieldnames]:
        raise InputError(
            f"{name}: the first row must name the columns, `outlet` among them ({', '.join(PROFILE_FIELDS)})."
        )
    out = []
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise InputError(f"{name}, row {number}: more cells than columns.")
        record = {key.strip(): value for key, value in row.items() if key is not None}
        out.append(profile_from(record, f"{name}, row {number}"))
    return out


def _from_toml(text: str, name: str) -> list[OutletProfile]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{name}: not valid TOML ({error}).") from None
    unknown = sorted(set(data) - {"outlet", "outlets"})
    if unknown:
        raise InputError(f'{name}: unknown table(s) {", ".join(unknown)}; write [[outlet]] or [outlets."Name"].')
    out = []
    listed = data.get("outlet", [])
    if not isinstance(listed, list):
        raise InputError(f"{name}: write each profile as an [[outlet]] table.")
    for number, table in enumerate(listed, start=1):
        if not isinstance(table, dict):
            raise InputError(f"{name}: [[outlet]] number {number} is not a table.")
        out.append(profile_from(table, f"{name}, [[outlet]] number {number}"))
    keyed = data.get("outlets", {})
    if not isinstance(keyed, dict):
        raise InputError(f'{name}: write [outlets."Name"] tables under outlets.')
    for outlet, table in keyed.items():
        if not isinstance(table, dict):
            raise InputError(f'{name}: [outlets."{outlet}"] is not a table.')
        out.append(profile_from({"outlet": outlet, **table}, f'{name}, [outlets."{outlet}"]'))
    return out


# -- groups and blindspots --------------------------------------------------------------------


def group_coverage(tellers: Sequence[str], groups: Mapping[str, Sequence[str]]) -> dict[str, GroupCoverage]:
    """How an event's articles (``tellers``: one outlet per article) split across the groups,
    largest first; groups with no article in it are left out."""
    per_outlet = Counter(tellers)
    members: dict[str, Counter[str]] = {}
    for outlet, count in per_outlet.items():
        for group in dict.fromkeys(groups.get(outlet, ())):
            members.setdefault(group, Counter())[outlet] += count
    total = len(tellers)
    found = [
        GroupCoverage(
            group,
            sum(outlets.values()),
            round(sum(outlets.values()) / total, 6) if total else 0.0,
            tuple(sorted(outlets.items(), key=lambda item: (-item[1], item[0]))),
        )
        for group, outlets in members.items()
    ]
    found.sort(key=lambda c: (-c.articles, c.group))
    return {c.group: c for c in found}


def blindspots(
    tellers: Sequence[str],
    groups: Mapping[str, Sequence[str]],
    present: Collection[str],
    share: float = BLINDSPOT_SHARE,
    min_articles: int = BLINDSPOT_MIN_ARTICLES,
) -> list[Blindspot]:
    """The groups an event is a blindspot for (definition: the module docstring).

    Args:
        tellers: The outlet of each of the event's articles.
        groups: Outlet -> its groups (profile tags).
        present: The outlets that have articles in the workspace.
        share: Below this share of the event's articles a group barely covers it.
        min_articles: A group covers the event with at least this many of its articles.
    """
    coverage = group_coverage(tellers, groups)
    total = len(tellers)
    in_workspace: dict[str, list[str]] = {}
    for outlet in sorted(present):
        for group in dict.fromkeys(groups.get(outlet, ())):
            in_workspace.setdefault(group, []).append(outlet)
    per_outlet = Counter(tellers)
    found = []
    for group, outlets in sorted(in_workspace.items()):
        mine = coverage.get(group)
        articles = mine.articles if mine else 0
        part = articles / total if total else 0.0
        if part >= share:
            continue
        covering = [c for c in coverage.values() if c.group != group and c.articles >= min_articles]
        if not covering:
            continue
        best = covering[0]  # coverage is ordered by articles, most first
        found.append(
            Blindspot(
                group=group,
                articles=articles,
                share=round(part, 6),
                covered_by=best.group,
                covered_articles=best.articles,
                covering_outlets=best.outlets,
                quiet_outlets=tuple(sorted(((o, per_outlet.get(o, 0)) for o in outlets), key=lambda i: (-i[1], i[0]))),
            )
        )
    return found
