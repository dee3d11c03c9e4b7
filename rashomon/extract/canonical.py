"""Canonical entities: one entity per real-world person, organisation or place, across
articles, languages, scripts and spellings.

The recogniser (:mod:`.entities`) finds mentions as written: "Tokajew",
"Tokayev", "Токаев", "Kasachstans", "OVKS", "CSTO", "Blinken". This module links
them, with general rules and a record of which rule linked each mention (``via``):

* ``country``: a country or territory name in any CLDR language, inflected or
  not, and its common abbreviations (``USA``, ``США``) → one entity per ISO code
  (:mod:`rashomon.names`), shown by its CLDR name in the reader's language;
  ``region``: likewise for CLDR's world regions (``Zentralasien``/``Central Asia``);
  ``adjective``/``demonym``: a country's adjective or the noun for its people
  ("russischen", "Russian", "российского", "die Russen", "Kazakhs"), derived from CLDR
  (:mod:`.places`; found in text by :func:`.places.adjective_mentions`);
  ``city``: a city of at least 100,000 people or a capital, in any of its GeoNames names
  (``Moskau``/``Moscow``/``Москва``, ``Hamburg``/``Гамбург``), its own entity whose key names
  its country (``CTY:DE:Hamburg``) and marks a capital (``CAP:RU:Moscow``);
* ``organisation``: an acronym or name from ``data/organisations.json``
  (``OVKS``/``CSTO``/``ОДКБ``, ``GUS``/``CIS``/``СНГ`` …), and ``acronym``: an
  acronym the article itself defines (``Gemeinschaft Unabhängiger Staaten (GUS)``);
* ``name``: the same transliterated phonetic key (:func:`rashomon.names.name_key`:
  ``Tokajew``/``Tokayev``/``Токаев`` → ``tokaie``), ``inflection``: a key that is
  another plus a case ending (``Путина`` → ``Путин``), ``near spelling``: keys one
  edit apart for long names with the same first name (``Anthony``/``Antony``);
* ``short name``: inside one article, a lone surname (``Blinken``) is the full name
  the article used for it (``Antony Blinken``); ``surname``: across articles, a
  lone surname is the one full-named person of the corpus with that surname.

Keys are heuristics: two different people with one surname in one corpus are
kept apart only when their first names are written; each mention keeps the
sentence it came from so a reader can check every link.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..names import (
    COUNTRY_ABBREVIATIONS,
    TITLES,
    cldr_territory_names,
    country_name,
    multiword_territory_codes,
    name_key,
    skeleton,
    territory_code,
)
from ..records import Article, Entity, EntityMention, KeyedMention, Mention
from ..text import sentence_spans
from .places import city_name, city_of, is_country_name, word_adjective_of


class MentionLike(Protocol):
    """What linking needs of a recognised mention (:class:`rashomon.records.Mention`)."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def surface(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def confidence(self) -> float: ...


_ACRONYM_DEFINITION = re.compile(r"([^\W\d_][\w\-’' ]{6,80}?)\s*\(([^\W\d_][\w\-]{1,9})\)")
_POSSESSIVE = re.compile(r"['’]s$")
_INFLECTION_ENDINGS = ("a", "u", "e", "i", "om", "im", "ym", "s", "es", "en", "ns", "ov", "oi", "ei", "ia", "ogo")


@functools.cache
def _organisations() -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, list[str]]]]:
    """Acronym → id, lower-case name → id, and id → names by language."""
    data = json.loads((Path(__file__).parent.parent / "data" / "organisations.json").read_text(encoding="utf-8"))
    acronyms: dict[str, str] = {}
    names: dict[str, str] = {}
    by_id: dict[str, dict[str, list[str]]] = {}
    for entry in data["organisations"]:
        for acronym in entry["acronyms"]:
            acronyms[acronym] = entry["id"]
        for written in entry["names"].values():
            for name in written:
                names[name.lower()] = entry["id"]
        by_id[entry["id"]] = {**entry["names"], "_acronyms": entry["acronyms"]}
    return acronyms, names, by_id


def _words(surface: str) -> list[str]:
    return [_POSSESSIVE.sub("", w) for w in re.split(r"\s+", surface.strip(" \t\"'“”„«»()[],.;:")) if w]


# Role words that stand before names ("Chief Executive Chen", "Konzernchef Marcus Chen") beside
# rashomon.names' titles; German compounds are caught by their endings.
_ROLES = frozenset(
    """
    chief executive ceo cfo chair chairman chairwoman chairperson head director leader deputy vice
    prime foreign interior defence defense finance state secretary commissioner officer spokesperson
    judge lawyer attorney professor doctor captain colonel admiral lieutenant sergeant archbishop
    bishop cardinal sheikh emir prince princess lord lady sir dame mp mep rep sen gov
    directeur présidente porte-parole premier ministre juge
    directora portavoz jefe jefa
    direttore portavoce
    глава председатель директор министр спикер депутат
    """.split()
)
_ROLE_ENDINGS = (
    "chef", "chefin", "minister", "ministerin", "präsident", "präsidentin", "sprecher", "sprecherin",
    "sekretär", "sekretärin", "direktor", "direktorin", "leiter", "leiterin", "vorsitzender", "vorsitzende",
    "kanzler", "kanzlerin", "botschafter", "botschafterin", "abgeordneter", "abgeordnete", "abgeordneten",
)  # fmt: skip


def _is_role(word: str) -> bool:
    lower = word.lower().strip(".")
    return lower in TITLES or lower in _ROLES or lower.endswith(_ROLE_ENDINGS)


def person_words(surface: str) -> list[str]:
    """The words of a person's name without titles, roles and country names ("President of
    Kazakhstan Tokayev" → Tokayev, "Chief Executive Marcus Chen" → Marcus Chen)."""
    words = _words(surface)
    kept = [w for w in words if not _is_role(w) and w[:1].isupper() and not (name_key(w) or "").startswith("ISO:")]
    return kept or words


@functools.cache
def _regions() -> dict[str, str]:
    """World regions (UN M49 codes in CLDR: ``143`` Central Asia) by lower-case name, in every CLDR language."""
    table: dict[str, str] = {}
    for territory, name in cldr_territory_names():
        if territory.isdigit() and territory != "001":  # 001 is the whole world
            table.setdefault(name.lower(), territory)
    return table


def region_of(surface: str) -> str | None:
    """The UN M49 code of a world region named in any CLDR language ("Zentralasiens" → ``143``)."""
    text = " ".join(_words(surface)).lower()
    table = _regions()
    for candidate in (text, text[:-1] if text.endswith("s") else None, text[:-2] if text.endswith("es") else None):
        if candidate and candidate in table:
            return table[candidate]
    return None


_DOTTED = re.compile(r"(?:[A-ZА-ЯЁ]\.){1,3}[A-ZА-ЯЁ]\.?")
"""An abbreviation written with a dot after each capital ("U.S.", "U.K", "U.A.E.")."""


@functools.lru_cache(maxsize=65536)
def country_of(surface: str) -> str | None:
    """The ISO code a country name (any CLDR language, inflected, or a common abbreviation) stands for."""
    words = _words(surface)
    if not words:
        return None
    if len(words) == 1:
        word = words[0].rstrip("-")
        if _DOTTED.fullmatch(word):  # "U.S.", "U.K.", "U.A.E." are "US", "UK", "UAE"
            word = word.replace(".", "")
        if word in COUNTRY_ABBREVIATIONS:
            return COUNTRY_ABBREVIATIONS[word]
        key = name_key(word)
        return key[4:] if key and key.startswith("ISO:") else None
    capitalised = [w for w in re.split(r"[\s\-]+", " ".join(words)) if w[:1].isupper()]
    code = multiword_territory_codes().get(tuple(skeleton(w)[:4] for w in capitalised))
    if code:
        return code
    # "Republik Kasachstan", "the United States": a country name as the last word.
    key = name_key(words[-1])
    return key[4:] if key and key.startswith("ISO:") and len(words) == 2 else None


def organisation_of(surface: str) -> str | None:
    """The id of an international organisation in ``data/organisations.json`` the surface names."""
    acronyms, names, _ = _organisations()
    text = surface.strip(" \"'“”„«»()")
    head = text.rstrip("-").split("-")[0] if text.isupper() or "-" in text[:8] else text
    return acronyms.get(text) or names.get(text.lower()) or acronyms.get(head)


@functools.cache
def _organisation_pattern() -> re.Pattern[str]:
    acronyms, names, _ = _organisations()
    forms = sorted({*acronyms, *(n for n in names)}, key=len, reverse=True)
    parts = [re.escape(form) if form in acronyms else "(?i:" + re.escape(form) + ")" for form in forms]
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w])")


def organisation_mentions(text: str, found: Sequence[MentionLike]) -> list[Mention]:
    """Mentions of the organisations in ``data/organisations.json`` that a recogniser missed.

    Acronyms match as written, names in any case; a span that overlaps a mention
    already found is left to the recogniser. Also catches the acronym an article
    defines right after such a name ("… kollektive Sicherheit (OVKS)").
    """
    taken = [(m.start, m.end) for m in found]
    out = []
    for match in _organisation_pattern().finditer(text):
        start, end = match.span()
        if any(start < b and a < end for a, b in taken):
            continue
        taken.append((start, end))
        out.append(Mention(start, end, match.group(0), "ORG", 0.9, "organisations"))
    return sorted(out, key=lambda m: m.start)


def _sentence_at(spans: Sequence[tuple[int, int]], text: str, start: int) -> str:
    """The sentence of ``text`` (split into ``spans``) that holds offset ``start``."""
    index = bisect.bisect_right([begin for begin, _end in spans], start) - 1
    if index >= 0 and spans[index][0] <= start < spans[index][1]:
        return text[spans[index][0] : spans[index][1]].strip()
    return ""


class UnionFind:
    """Union-find over item numbers; the smaller number is the root (deterministic)."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def _exact_country(words: Sequence[str]) -> bool:
    """Whether the words are a country's name as CLDR writes it (or a common abbreviation)."""
    if len(words) == 1:
        return words[0] in COUNTRY_ABBREVIATIONS or territory_code(words[0]) is not None
    capitalised = [w for w in re.split(r"[\s\-]+", " ".join(words)) if w[:1].isupper()]
    return tuple(skeleton(w)[:4] for w in capitalised) in multiword_territory_codes()


def _known_key(
    surface: str, label: str, language: str | None = None, countries: Collection[str] = ()
) -> tuple[str, str, str] | None:
    """``(key, label, rule)`` when a table names the surface: a country, a world region, an
    organisation, or (for places and other names only) a country's adjective or people, or a
    city; else None."""
    words = _words(surface)
    place = label in ("LOC", "MISC")
    # A lone country adjective or people's noun tagged as a person ("Kazakh ministers" read as a
    # name) is the country too: no one is called only "Kazakh".
    adjective = word_adjective_of(words[0], language) if len(words) == 1 and label != "ORG" else None
    if adjective and not place:
        return "ISO:" + adjective[0], "LOC", adjective[1]
    code = country_of(surface)
    # A city's name as written beats a country found only by cutting an ending or by the last
    # word ("Brasília" is not "Brasil" + -ia, "San Salvador" is not El Salvador).
    if code and place and not adjective and not _exact_country(words):
        city = city_of(surface, inflected=False, countries=countries)
        if city:
            return city, "LOC", "city"
    if code:  # "Russian", "Americans" also look like a name of the country in some language
        if adjective and adjective[0] == code and adjective[1] != "country" and not is_country_name(words[0], language):
            return "ISO:" + code, "LOC", adjective[1]
        return "ISO:" + code, "LOC", "country"
    region = region_of(surface)
    if region:
        return "REG:" + region, "LOC", "region"
    org = organisation_of(surface)
    if org:
        return "ORG:" + org, "ORG", "organisation"
    if label == "ORG":
        # A capital read as an organisation is the capital: a dateline ("ASTANA, Kasachstan:"),
        # a visit ("besuchten Astana") or the government by its seat ("Moskau warnte"). Only the
        # name as written and only capitals: a club named after a town stays an organisation.
        capital = city_of(surface, inflected=False, countries=countries)
        return (capital, "LOC", "city") if capital and capital.startswith("CAP:") else None
    if label not in ("LOC", "MISC"):
        return None
    if adjective:
        return "ISO:" + adjective[0], "LOC", adjective[1]
    city = city_of(surface, countries=countries)
    return (city, "LOC", "city") if city else None


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def keyed_mentions(article: Article, mentions: Sequence[MentionLike]) -> tuple[KeyedMention, ...]:
    """The canonical key of each mention of one article, with its sentence (rules 1 and 3 of
    the module docstring: what one article alone decides)."""
    keys: list[str] = []
    kinds: list[str] = []
    via = ["name"] * len(mentions)
    joins = [""] * len(mentions)
    # An acronym the article defines ("Organisation des Vertrags über kollektive Sicherheit (OVKS)").
    defined: dict[str, str] = {}
    for match in _ACRONYM_DEFINITION.finditer(article.text):
        expansion, acronym = match.group(1), match.group(2)
        if not acronym.isupper() or len(acronym) < 2:
            continue
        words = expansion.split()
        initials = "".join(w[0].upper() for w in words if w[:1].isupper())
        if acronym[0] == initials[:1] and len(initials) >= 2:
            org = organisation_of(acronym)
            for size in range(len(words), 0, -1):
                org = org or organisation_of(" ".join(words[-size:]))
            defined[acronym] = f"ORG:{org}" if org else "ACR:" + skeleton(acronym)
    # The countries the article names, to tell apart cities of one name ("Córdoba").
    named_countries = {code for m in mentions for code in [country_of(m.surface)] if code}
    for position, mention in enumerate(mentions):
        surface = mention.surface
        words = _words(surface)
        # Places and organisations with names in many languages, most specific table first.
        known = _known_key(surface, mention.label, article.language, named_countries)
        if known:
            key, kind, via[position] = known
            keys.append(key)
            kinds.append(kind)
        elif surface.strip() in defined:
            keys.append(defined[surface.strip()])
            kinds.append("ORG")
            via[position] = "acronym"
        elif mention.label == "PER" and words:
            words = person_words(surface)
            last = name_key(words[-1]) or skeleton(words[-1])
            first = (name_key(words[0]) or skeleton(words[0])) if len(words) > 1 else "?"
            keys.append(f"PER:{first}|{last}")
            kinds.append("PER")
        else:
            parts = [name_key(w) or skeleton(w) for w in words]
            keys.append(f"{mention.label}:" + " ".join(p for p in parts if p))
            kinds.append(mention.label)
    # Inside an article, a lone surname is the full name the article used for it.
    full: dict[str, str] = {}
    for key in keys:
        if key.startswith("PER:") and not key.startswith("PER:?|"):
            full.setdefault(key.split("|", 1)[1], key)
    for position, key in enumerate(keys):
        if key.startswith("PER:?|") and key[6:] in full:
            joins[position] = full[key[6:]]
            via[position] = "short name"
    spans = sentence_spans(article.text, article.language) if mentions else []
    order = f"{article.published or '9999'}\x1f{article.id}"
    return tuple(
        KeyedMention(
            article_id=article.id,
            position=position,
            key=keys[position],
            kind=kinds[position],
            start=mention.start,
            end=mention.end,
            surface=mention.surface,
            label=mention.label,
            confidence=round(float(mention.confidence), 4),
            sentence=_sentence_at(spans, article.text, mention.start),
            via=via[position],
            joins=joins[position],
            language=article.language or "",
            rank=f"{order}\x1f{position:06d}",
        )
        for position, mention in enumerate(mentions)
    )


_UNRULED = ("ISO:", "ORG:", "ACR:", "REG:", "CTY:", "CAP:")  # keys the corpus-wide rules leave alone


def _stems(key: str) -> set[str]:
    kind, _, body = key.partition(":")
    stems = {body}
    for ending in _INFLECTION_ENDINGS:
        if body.endswith(ending) and len(body) - len(ending) >= 4:
            stems.add(body[: -len(ending)])
    return {f"{kind}:{stem}" for stem in stems}


def _deletions(last: str) -> set[str]:
    return {last, *(last[:k] + last[k + 1 :] for k in range(len(last)))}


def key_blocks(key: str) -> set[str]:
    """The blocks of a key: two keys the corpus-wide rules (4 and 5) may link share one, and what
    the rules decide for a key depends only on the keys of its blocks."""
    if key.startswith(_UNRULED):
        return set()
    blocks = {"stem:" + stem for stem in _stems(key)}
    if key.startswith("PER:"):
        last = key[4:].split("|", 1)[1]
        blocks.add("last:" + last)
        if not key.startswith("PER:?|"):
            blocks.update("del:" + variant for variant in _deletions(last))
    return blocks


def link_keys(keys: Collection[str], joins: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """Link canonical keys into entities (rules 3 to 5 of the module docstring, at key level).

    Args:
        keys: Distinct keys: all of a corpus's, or a part whose blocks (:func:`key_blocks`) are
            whole (every key of a block the part touches is in it).
        joins: ``(lone surname key, full name key)`` pairs an article made (rule 3).

    Returns:
        The entity of each key (named by the smallest key in it), and for the keys a corpus-wide
        rule linked, that rule (``surname``, ``inflection`` or ``near spelling``).
    """
    ordered = sorted(set(keys))
    number = {key: i for i, key in enumerate(ordered)}
    links = UnionFind(len(ordered))
    rule: dict[str, str] = {}
    for short, full in joins:
        if short in number and full in number:
            links.union(number[short], number[full])
    # 4. Across articles: a lone surname is the corpus's one full-named person with it.
    full_names: dict[str, set[str]] = defaultdict(set)
    for key in ordered:
        if key.startswith("PER:") and not key.startswith("PER:?|"):
            first, last = key[4:].split("|", 1)
            full_names[last].add(first)
    for key in ordered:
        if key.startswith("PER:?|") and len(full_names.get(key[6:], ())) == 1:
            first = next(iter(full_names[key[6:]]))
            links.union(number[f"PER:{first}|{key[6:]}"], number[key])
            rule[key] = "surname"
    # 5. Case endings: a key joins the first key (in sorted order) that has its shortest stem.
    singles = [key for key in ordered if not key.startswith(_UNRULED)]
    anchor_of: dict[str, str] = {}
    for key in singles:
        stems = _stems(key)
        for stem in sorted(stems, key=lambda s: (len(s), s)):
            anchor = anchor_of.get(stem)
            if anchor is not None:
                links.union(number[anchor], number[key])
                rule[key] = "inflection"
                break
        for stem in stems:
            anchor_of.setdefault(stem, key)
    # ... and near spellings of a full name (one edit apart, sharing a "deletion neighbour").
    persons = [key for key in singles if key.startswith("PER:") and not key.startswith("PER:?|")]
    neighbours: dict[str, list[str]] = defaultdict(list)
    for key in persons:
        for variant in sorted(_deletions(key[4:].split("|", 1)[1])):
            neighbours[variant].append(key)
    for variant in sorted(neighbours):
        group = neighbours[variant]
        for x, a in enumerate(group):
            first_a, last_a = a[4:].split("|", 1)
            for b in group[x + 1 :]:
                first_b, last_b = b[4:].split("|", 1)
                same_first = first_a == first_b or _one_edit_apart(first_a, first_b)
                near_last = min(len(last_a), len(last_b)) >= 5 and _one_edit_apart(last_a, last_b)
                if same_first and (last_a == last_b or near_last) and a != b:
                    links.union(number[a], number[b])
                    rule[b] = "near spelling"
    return {key: ordered[links.find(i)] for key, i in number.items()}, rule


@dataclass(frozen=True)
class KeyCount:
    """How often one key was written one way in one language with one kind (what an entity's
    name, label and aliases are made from), and where first in corpus order."""

    key: str
    kind: str
    surface: str
    language: str
    count: int
    first: str


def key_counts(mentions: Iterable[KeyedMention]) -> list[KeyCount]:
    """:class:`KeyCount` rows of some mentions (a workspace counts them in SQL alike)."""
    counts: dict[tuple[str, str, str, str], list[Any]] = {}
    for m in mentions:
        found = counts.setdefault((m.key, m.kind, m.surface, m.language), [0, m.rank])
        found[0] += 1
        found[1] = min(found[1], m.rank)
    return [KeyCount(*group, count, first) for group, (count, first) in counts.items()]


def entity_header(counts: Sequence[KeyCount], reader_language: str = "en") -> Entity:
    """An entity without its mentions (``article_ids`` and ``mentions`` empty), from the counts of
    the keys linked into it: its id, representative key, label, display name, aliases, languages."""
    _, _, org_names = _organisations()
    group_keys = sorted({c.key for c in counts})
    named: Counter[str] = Counter()
    for c in counts:
        if c.key.startswith("PER:") and not c.key.startswith("PER:?|"):
            named[c.key] += c.count
    key = next((k for k in group_keys if k.startswith(("ISO:", "ORG:", "REG:", "CTY:", "CAP:"))), None) or (
        min(named, key=lambda k: (-named[k], k)) if named else group_keys[0]
    )
    kinds: dict[str, list[Any]] = {}
    for c in counts:
        found = kinds.setdefault(c.kind, [0, c.first])
        found[0] += c.count
        found[1] = min(found[1], c.first)
    label = min(kinds, key=lambda kind: (-kinds[kind][0], kinds[kind][1]))
    return Entity(
        id="en-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10],
        label=label,
        name=_display_name(key, counts, reader_language, org_names),
        key=key,
        aliases=tuple(sorted({c.surface for c in counts})),
        languages=tuple(sorted({c.language for c in counts} - {""})),
        article_ids=(),
        mentions=(),
    )


def mention_via(mention: KeyedMention, rule: str | None, first: bool) -> str:
    """The rule shown for a mention: a corpus-wide rule that linked its key is credited to the
    key's first mention (unless its article already linked it), the others keep the rule of
    their article."""
    return rule if rule and first and mention.via == "name" else mention.via


def with_mentions(header: Entity, mentions: Sequence[tuple[KeyedMention, str]]) -> Entity:
    """An entity header with mentions (each with the rule shown for it), in corpus order."""
    return with_ranked_mentions(
        header,
        [
            (m.rank, EntityMention(m.article_id, m.start, m.end, m.surface, m.label, m.confidence, m.sentence, via))
            for m, via in mentions
        ],
    )


def with_ranked_mentions(header: Entity, mentions: Sequence[tuple[str, EntityMention]]) -> Entity:
    """An entity header with ``(rank, mention)`` pairs as its mentions, in corpus order (by rank)."""
    ordered = [mention for _rank, mention in sorted(mentions, key=lambda item: item[0])]
    return dataclasses.replace(
        header, article_ids=tuple(dict.fromkeys(m.article_id for m in ordered)), mentions=tuple(ordered)
    )


def link_entities(
    articles: Sequence[Article],
    mentions: Sequence[Sequence[MentionLike]],
    reader_language: str = "en",
) -> tuple[Entity, ...]:
    """Link recognised mentions into canonical entities across articles and languages.

    The same steps a workspace takes incrementally (:func:`keyed_mentions` per article,
    :func:`link_keys` over the keys, :func:`entity_header` per entity), over everything at once.

    Args:
        articles: The articles.
        mentions: ``mentions[i]`` are the mentions found in ``articles[i].text``.
        reader_language: ISO 639-1 code for display names (countries, organisations).

    Returns:
        Entities, most mentioned first; each with every mention, its sentence and
        the rule that linked it.
    """
    rows = [row for article, found in zip(articles, mentions, strict=True) for row in keyed_mentions(article, found)]
    entity_of, rule = link_keys({row.key for row in rows}, [(row.key, row.joins) for row in rows if row.joins])
    members: dict[str, list[KeyedMention]] = defaultdict(list)
    for row in rows:
        members[entity_of[row.key]].append(row)
    entities = [linked_entity(group, rule, reader_language) for group in members.values()]
    entities.sort(key=lambda e: (-len(e.mentions), e.name))
    return tuple(entities)


def linked_entity(group: Sequence[KeyedMention], rule: Mapping[str, str], reader_language: str = "en") -> Entity:
    """One entity from every keyed mention of the keys :func:`link_keys` linked into it, with the
    rule shown for each mention (a distributed run calls this once per entity)."""
    first: dict[str, str] = {}
    for row in group:
        first[row.key] = min(first.get(row.key, row.rank), row.rank)
    return with_mentions(
        entity_header(key_counts(group), reader_language),
        [(m, mention_via(m, rule.get(m.key), m.rank == first[m.key])) for m in group],
    )


def _display_name(
    key: str, counts: Sequence[KeyCount], reader_language: str, org_names: dict[str, dict[str, list[str]]]
) -> str:
    if key.startswith(("ISO:", "REG:")):
        return country_name(key[4:], reader_language)

    def ranked(rows: Iterable[KeyCount], form: Callable[[str], str] = str) -> list[tuple[str, int]]:
        """Forms by how often they are written (ties: the first written, in corpus order)."""
        found: dict[str, list[Any]] = {}
        for c in rows:
            entry = found.setdefault(form(c.surface), [0, c.first])
            entry[0] += c.count
            entry[1] = min(entry[1], c.first)
        return [(text, n) for text, (n, _first) in sorted(found.items(), key=lambda kv: (-kv[1][0], kv[1][1]))]

    in_reader_rows = [c for c in counts if c.language == reader_language]
    if key.startswith(("CTY:", "CAP:")):
        return city_name(key, reader_language, [surface for surface, _count in ranked(in_reader_rows)])
    surfaces = dict(ranked(counts))
    if key.startswith("ORG:") and key[4:] in org_names:
        written = org_names[key[4:]]
        acronyms = set(written.get("_acronyms", []))
        in_reader = ranked(in_reader_rows)
        if in_reader:
            return in_reader[0][0]
        local = [a for a in acronyms if surfaces.get(a)]
        names = written.get(reader_language) or []
        return names[0] if names else (sorted(local)[0] if local else next(iter(surfaces)))

    def shown(surface: str) -> str:
        return " ".join(person_words(surface)) if key.startswith("PER:") else surface

    forms = ranked(in_reader_rows, shown) or ranked(counts, shown)
    # A full name reads better than a lone surname; among equals the most used form, then the
    # shorter, then the first in alphabetical order (never the order the articles arrived in).
    return min(forms, key=lambda item: (len(item[0].split()) <= 1, -item[1], len(item[0]), item[0]))[0]
