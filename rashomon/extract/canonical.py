"""Canonical entities: one entity per real-world person, organisation or place, across
articles, languages, scripts and spellings.

The recogniser (:mod:`.entities`) finds mentions as written: "Tokajew",
"Tokayev", "Токаев", "Kasachstans", "OVKS", "CSTO", "Blinken". This module links
them, with general rules and a record of which rule linked each mention (``via``):

* ``country``: a country or territory name in any CLDR language, inflected or
  not, and its common abbreviations (``USA``, ``США``) → one entity per ISO code
  (:mod:`rashomon.names`), shown by its CLDR name in the reader's language;
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

import functools
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from ..names import _ABBREVIATIONS, _multiword_territories, country_name, name_key, skeleton
from ..records import Article, Entity, EntityMention


class MentionLike(Protocol):
    """What linking needs of a recognised mention (:class:`rashomon.records.Mention`)."""

    start: int
    end: int
    surface: str
    label: str
    confidence: float


_SENTENCE = re.compile(r"[^\n.!?…]*(?:[.!?…]+|\n|$)")
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
    return acronyms.get(text) or acronyms.get(head) or names.get(text.lower())


def _sentence_at(text: str, start: int) -> str:
    for match in _SENTENCE.finditer(text):
        if match.start() <= start < max(match.end(), match.start() + 1):
            return match.group(0).strip()
    return ""


class _Links:
    """Union-find over mention numbers; the smaller number is the root (deterministic)."""

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
    links = _Links(len(flat))
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
    for position, (article_number, mention) in enumerate(flat):
        surface = mention.surface
        words = _words(surface)
        code = country_of(surface)
        org = None if code else organisation_of(surface)
        if code:
            keys.append("ISO:" + code)
            kinds.append("LOC")
            via[position] = "country"
        elif org:
            keys.append("ORG:" + org)
            kinds.append("ORG")
            via[position] = "organisation"
        elif (article_number, surface.strip()) in defined:
            keys.append(defined[(article_number, surface.strip())])
            kinds.append("ORG")
            via[position] = "acronym"
        elif mention.label == "PER" and words:
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
    singles = sorted(key for key in first_with if not key.startswith(("ISO:", "ORG:", "ACR:")))
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
    for i, a in enumerate(persons):
        first_a, last_a = a[4:].split("|", 1)
        for b in persons[i + 1 :]:
            first_b, last_b = b[4:].split("|", 1)
            same_first = first_a == first_b or _one_edit_apart(first_a, first_b)
            same_last = last_a == last_b or (min(len(last_a), len(last_b)) >= 5 and _one_edit_apart(last_a, last_b))
            if same_first and same_last and (first_a != first_b or last_a != last_b):
                links.union(first_with[a], first_with[b])
                via[first_with[b]] = "near spelling"
    # 6. Entities with their mentions, names and evidence.
    groups: dict[int, list[int]] = defaultdict(list)
    for position in range(len(flat)):
        groups[links.find(position)].append(position)
    entities = []
    for members in groups.values():
        group_keys = sorted({keys[p] for p in members})
        key = next((k for k in group_keys if k.startswith(("ISO:", "ORG:"))), group_keys[0])
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
                    sentence=_sentence_at(article.text, mention.start),
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
    if key.startswith("ISO:"):
        return country_name(key[4:], reader_language)
    members = list(members)
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
    in_reader = Counter(
        flat[p][1].surface for p in members if articles[flat[p][0]].language == reader_language
    ).most_common()
    ranked = in_reader or surfaces.most_common()
    # A full name reads better than a lone surname; among equals the most used form.
    return max(ranked, key=lambda item: (len(item[0].split()) > 1, item[1], -len(item[0])))[0]
