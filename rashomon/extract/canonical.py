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
import functools
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Protocol

from ..names import (
    _ABBREVIATIONS,
    _TITLES,
    _multiword_territories,
    _territories,
    cldr_territory_names,
    country_name,
    name_key,
    skeleton,
)
from ..records import Article, Entity, EntityMention, Mention
from ..sentences import sentence_spans
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
    return lower in _TITLES or lower in _ROLES or lower.endswith(_ROLE_ENDINGS)


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


@functools.lru_cache(maxsize=65536)
def country_of(surface: str) -> str | None:
    """The ISO code a country name (any CLDR language, inflected, or a common abbreviation) stands for."""
    words = _words(surface)
    if not words:
        return None
    if len(words) == 1:
        word = words[0].rstrip("-")
        if word in _ABBREVIATIONS:
            return _ABBREVIATIONS[word]
        key = name_key(word)
        return key[4:] if key and key.startswith("ISO:") else None
    capitalised = [w for w in re.split(r"[\s\-]+", " ".join(words)) if w[:1].isupper()]
    code = _multiword_territories().get(tuple(skeleton(w)[:4] for w in capitalised))
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
        return words[0] in _ABBREVIATIONS or skeleton(words[0]) in _territories()
    capitalised = [w for w in re.split(r"[\s\-]+", " ".join(words)) if w[:1].isupper()]
    return tuple(skeleton(w)[:4] for w in capitalised) in _multiword_territories()


def _known_key(
    surface: str, label: str, language: str | None = None, countries: Collection[str] = ()
) -> tuple[str, str, str] | None:
    """``(key, label, rule)`` when a table names the surface: a country, a world region, an
    organisation, or (for places and other names only) a country's adjective or people, or a
    city; else None."""
    words = _words(surface)
    place = label in ("LOC", "MISC")
    adjective = word_adjective_of(words[0], language) if len(words) == 1 and place else None
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


def link_entities(
    articles: Sequence[Article],
    mentions: Sequence[Sequence[MentionLike]],
    reader_language: str = "en",
) -> tuple[Entity, ...]:
    """Link recognised mentions into canonical entities across articles and languages.

    Args:
        articles: The articles, in a stable order.
        mentions: ``mentions[i]`` are the mentions found in ``articles[i].text``.
        reader_language: ISO 639-1 code for display names (countries, organisations).

    Returns:
        Entities, most mentioned first; each with every mention, its sentence and
        the rule that linked it.
    """
    flat: list[tuple[int, MentionLike]] = [(i, m) for i, found in enumerate(mentions) for m in found]
    links = UnionFind(len(flat))
    via = ["name"] * len(flat)
    keys: list[str] = []
    kinds: list[str] = []
    _, _, org_names = _organisations()
    # 1. A key per mention.
    defined: dict[tuple[int, str], str] = {}  # (article, acronym) -> key of its expansion
    for number, article in enumerate(articles):
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
                defined[(number, acronym)] = f"ORG:{org}" if org else "ACR:" + skeleton(acronym)
    # The countries each article names, to tell apart cities of one name ("Córdoba").
    named_countries: dict[int, set[str]] = defaultdict(set)
    for article_number, mention in flat:
        code = country_of(mention.surface)
        if code:
            named_countries[article_number].add(code)
    for position, (article_number, mention) in enumerate(flat):
        surface = mention.surface
        words = _words(surface)
        # Places and organisations with names in many languages, most specific table first.
        language = articles[article_number].language
        known = _known_key(surface, mention.label, language, named_countries[article_number])
        if known:
            key, kind, via[position] = known
            keys.append(key)
            kinds.append(kind)
        elif (article_number, surface.strip()) in defined:
            keys.append(defined[(article_number, surface.strip())])
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
    # 2. Same key → same entity.
    first_with: dict[str, int] = {}
    for position, key in enumerate(keys):
        if key in first_with:
            links.union(first_with[key], position)
        else:
            first_with[key] = position
    # 3. Inside an article, a lone surname is the full name the article used for it.
    by_article: dict[int, list[int]] = defaultdict(list)
    for position, (article_number, _m) in enumerate(flat):
        by_article[article_number].append(position)
    for positions in by_article.values():
        full: dict[str, int] = {}
        for position in positions:
            key = keys[position]
            if key.startswith("PER:") and not key.startswith("PER:?|"):
                full.setdefault(key.split("|", 1)[1], position)
        for position in positions:
            key = keys[position]
            if key.startswith("PER:?|") and key[6:] in full:
                links.union(full[key[6:]], position)
                via[position] = "short name"
    # 4. Across articles: a lone surname is the corpus's one full-named person with it.
    full_names: dict[str, set[str]] = defaultdict(set)
    for key in first_with:
        if key.startswith("PER:") and not key.startswith("PER:?|"):
            first, last = key[4:].split("|", 1)
            full_names[last].add(first)
    for key, position in first_with.items():
        if key.startswith("PER:?|") and len(full_names.get(key[6:], ())) == 1:
            first = next(iter(full_names[key[6:]]))
            if links.find(position) != links.find(first_with[f"PER:{first}|{key[6:]}"]):
                links.union(first_with[f"PER:{first}|{key[6:]}"], position)
                via[position] = "surname"
    # 5. Case endings and near spellings of the same name.
    singles = sorted(key for key in first_with if not key.startswith(("ISO:", "ORG:", "ACR:", "REG:", "CTY:", "CAP:")))
    stem_of: dict[str, int] = {}
    for key in singles:  # shortest keys first within a stem: the uninflected form is the root
        kind, _, body = key.partition(":")
        stems = {body}
        for ending in _INFLECTION_ENDINGS:
            if body.endswith(ending) and len(body) - len(ending) >= 4:
                stems.add(body[: -len(ending)])
        for stem in sorted(stems, key=len):
            anchor = stem_of.get(f"{kind}:{stem}")
            if anchor is not None and links.find(anchor) != links.find(first_with[key]):
                links.union(anchor, first_with[key])
                via[first_with[key]] = "inflection"
                break
        for stem in stems:
            stem_of.setdefault(f"{kind}:{stem}", first_with[key])
    persons = [key for key in singles if key.startswith("PER:") and not key.startswith("PER:?|")]
    # Candidates one edit apart share a "deletion neighbour" (the key, or it less one letter).
    neighbours: dict[str, list[int]] = defaultdict(list)
    for number, key in enumerate(persons):
        last = key[4:].split("|", 1)[1]
        for variant in {last, *(last[:k] + last[k + 1 :] for k in range(len(last)))}:
            neighbours[variant].append(number)
    for group in neighbours.values():
        for x, i in enumerate(group):
            first_a, last_a = persons[i][4:].split("|", 1)
            for j in group[x + 1 :]:
                a, b = persons[i], persons[j]
                first_b, last_b = b[4:].split("|", 1)
                same_first = first_a == first_b or _one_edit_apart(first_a, first_b)
                near_last = min(len(last_a), len(last_b)) >= 5 and _one_edit_apart(last_a, last_b)
                if (
                    same_first
                    and (last_a == last_b or near_last)
                    and a != b
                    and links.find(first_with[a]) != links.find(first_with[b])
                ):
                    links.union(first_with[a], first_with[b])
                    via[first_with[b]] = "near spelling"
    # 6. Entities with their mentions, names and evidence.
    groups: dict[int, list[int]] = defaultdict(list)
    for position in range(len(flat)):
        groups[links.find(position)].append(position)
    entities = []

    @functools.cache
    def spans_of(article_number: int) -> list[tuple[int, int]]:
        return sentence_spans(articles[article_number].text)

    for members in groups.values():
        group_keys = sorted({keys[p] for p in members})
        named = Counter(keys[p] for p in members if keys[p].startswith("PER:") and not keys[p].startswith("PER:?|"))
        key = next((k for k in group_keys if k.startswith(("ISO:", "ORG:", "REG:", "CTY:", "CAP:"))), None) or (
            min(named, key=lambda k: (-named[k], k)) if named else group_keys[0]
        )
        label = Counter(kinds[p] for p in members).most_common(1)[0][0]
        mentions_out = []
        for position in members:
            article_number, mention = flat[position]
            article = articles[article_number]
            mentions_out.append(
                EntityMention(
                    article_id=article.id,
                    start=mention.start,
                    end=mention.end,
                    surface=mention.surface,
                    label=mention.label,
                    confidence=round(float(mention.confidence), 4),
                    sentence=_sentence_at(spans_of(article_number), article.text, mention.start),
                    via=via[position],
                )
            )
        languages = sorted({articles[flat[p][0]].language or "" for p in members} - {""})
        entities.append(
            Entity(
                id="en-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10],
                label=label,
                name=_display_name(key, members, flat, articles, reader_language, org_names),
                key=key,
                aliases=tuple(sorted({flat[p][1].surface for p in members})),
                languages=tuple(languages),
                article_ids=tuple(dict.fromkeys(articles[flat[p][0]].id for p in members)),
                mentions=tuple(mentions_out),
            )
        )
    entities.sort(key=lambda e: (-len(e.mentions), e.name))
    return tuple(entities)


def _display_name(
    key: str,
    members: Iterable[int],
    flat: Sequence[tuple[int, MentionLike]],
    articles: Sequence[Article],
    reader_language: str,
    org_names: dict[str, dict[str, list[str]]],
) -> str:
    if key.startswith(("ISO:", "REG:")):
        return country_name(key[4:], reader_language)
    members = list(members)
    if key.startswith(("CTY:", "CAP:")):
        as_written = Counter(flat[p][1].surface for p in members if articles[flat[p][0]].language == reader_language)
        return city_name(key, reader_language, [surface for surface, _count in as_written.most_common()])
    surfaces = Counter(flat[p][1].surface for p in members)
    if key.startswith("ORG:") and key[4:] in org_names:
        written = org_names[key[4:]]
        acronyms = set(written.get("_acronyms", []))
        in_reader = Counter(
            flat[p][1].surface for p in members if articles[flat[p][0]].language == reader_language
        ).most_common()
        if in_reader:
            return in_reader[0][0]
        local = [a for a in acronyms if surfaces.get(a)]
        names = written.get(reader_language) or []
        return names[0] if names else (sorted(local)[0] if local else surfaces.most_common(1)[0][0])
    shown = {
        p: " ".join(person_words(flat[p][1].surface)) if key.startswith("PER:") else flat[p][1].surface for p in members
    }
    in_reader = Counter(shown[p] for p in shown if articles[flat[p][0]].language == reader_language).most_common()
    ranked = in_reader or Counter(shown.values()).most_common()
    # A full name reads better than a lone surname; among equals the most used form, then the
    # shorter, then the first in alphabetical order (never the order the articles arrived in).
    return min(ranked, key=lambda item: (len(item[0].split()) <= 1, -item[1], len(item[0]), item[0]))[0]
