"""Cross-lingual name keys: the shared-names signal for grouping articles.

There is no offline named-entity recogniser for most of our languages, so this
module finds *name-like tokens* with orthographic rules and maps them to keys
that match across scripts and spellings:

* Country and territory names in any CLDR language (from Babel's locale data)
  map to their ISO code: ``Kasachstan``, ``Kazakhstan``, ``Казахстан`` → ``KZ``.
* Other names are transliterated to Latin, folded to ASCII and reduced to a
  phonetic skeleton, so ``Tokajew``/``Tokayev``/``Токаев`` share a key.
* In languages that capitalise every noun (German, Luxembourgish) a single
  capitalised word is not evidence of a name; there a word counts when it stands
  in a run of capitalised words (``Antony Blinken``), follows a
  title (``Präsident Tokajew``), or repeats such a word elsewhere in the text.

Keys are heuristics, not entities: the extract stage (entities) replaces them
with linked entities where a recogniser exists.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter

NOUN_CAPITALISING = frozenset({"de", "lb"})

_WORD = re.compile(r"[^\W\d_](?:[\w'’\-]*[^\W_])?", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…:;]\s*$|^\s*$|[„“\"«»(\[–—-]\s*$")

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "i",
            "yi",
            "ye",
            "g",
        ],
        strict=True,
    )
)
_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρστυφχψως",
        [
            "a",
            "v",
            "g",
            "d",
            "e",
            "z",
            "i",
            "th",
            "i",
            "k",
            "l",
            "m",
            "n",
            "x",
            "o",
            "p",
            "r",
            "s",
            "t",
            "y",
            "f",
            "ch",
            "ps",
            "o",
            "s",
        ],
        strict=True,
    )
)

# Spelling variants that differ between transcription conventions
# (German, English, French, Polish, Turkish transcriptions of the same name).
_PHONETIC = [
    ("shch", "s"),
    ("sch", "s"),
    ("tsch", "c"),
    ("tch", "c"),
    ("ch", "k"),
    ("kh", "k"),
    ("sh", "s"),
    ("zh", "s"),
    ("dzh", "j"),
    ("dj", "j"),
    ("ck", "k"),
    ("ph", "f"),
    ("th", "t"),
    ("ts", "s"),
    ("tz", "s"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("w", "v"),
    ("z", "s"),
    ("j", "i"),
    ("y", "i"),
    ("c", "k"),
    ("q", "k"),
    ("x", "ks"),
    ("h", ""),
]

# Name titles that mark the next capitalised word as a name even in German (public: the quote and
# canonical stages strip them from speakers and mentions).
TITLES = frozenset(
    """
    präsident präsidentin kanzler kanzlerin minister ministerin außenminister
    außenministerin staatssekretär us-außenminister außenamtschef premierminister premier regierungschef
    regierungschefin sprecher sprecherin chef chefin botschafter bürgermeister
    herr frau dr prof general senator gouverneur könig königin papst
    president minister secretary senator governor mayor chancellor ambassador
    mr mrs ms dr prof general king queen pope premier spokesman spokeswoman
    président ministre chancelier sénateur maire monsieur madame
    presidente ministro ministra canciller alcalde señor señora
    президент министр премьер глава посол губернатор мэр канцлер
    """.split()
)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=65536)
def transliterate(word: str) -> str:
    """Lower-case ASCII transliteration (Cyrillic, Greek, Latin with accents)."""
    out = []
    previous = ""
    for ch in word.lower():
        if ch in "её" and (not previous or previous in "аеёиоуыэюяьъ"):
            out.append("ye")  # iotated at the start of a word and after a vowel: Токаев → Tokayev
        elif ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        elif ch in _GREEK:
            out.append(_GREEK[ch])
        elif ch == "ß":
            out.append("ss")
        else:
            out.append(ch)
        previous = ch
    return _strip_accents("".join(out))


@functools.lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """Phonetic skeleton of a name, equal across common transcriptions."""
    text = re.sub(r"[^a-z]", "", transliterate(word))
    for a, b in _PHONETIC:
        text = text.replace(a, b)
    text = re.sub(r"(.)\1+", r"\1", text)
    return text


@functools.lru_cache(maxsize=1)
def cldr_territory_names() -> tuple[tuple[str, str], ...]:
    """Every ``(territory code, name)`` in every CLDR language Babel carries (countries by ISO
    code, world regions by UN M49 number), read once."""
    from babel import Locale, localedata

    out: list[tuple[str, str]] = []
    for code in sorted(localedata.locale_identifiers()):
        if "_" in code:
            continue
        try:
            names = Locale.parse(code).territories
        except Exception:  # some identifiers carry no territory data
            continue
        out.extend(names.items())
    return tuple(out)


def script_of(word: str) -> str:
    """The script of a word's first letter: ``LATIN``, ``CYRILLIC``, ``GREEK``, ``ARABIC`` …"""
    for char in word:
        if char.isalpha():
            return unicodedata.name(char, "OTHER ?").split()[0]
    return "OTHER"


@functools.lru_cache(maxsize=1)
def territory_codes() -> dict[tuple[str, str], str]:
    """Country/territory names in every CLDR locale, by script and skeleton, to ISO code
    (script ``*``: any script). See :func:`territory_code`."""
    table: dict[tuple[str, str], str] = {}
    for territory, name in cldr_territory_names():
        if not territory.isalpha() or len(territory) != 2 or territory in ("EU", "EZ", "UN", "ZZ", "QO"):
            continue
        for variant in {name, name.split(" (")[0]}:
            key = skeleton(variant)
            script = script_of(variant)
            # Latin letters beyond the European ones (the open o of "Marɔk") have no skeleton
            # letter: dropped, they would make "Mark" Morocco.
            if script == "LATIN" and any(ord(c) > 0x24F for c in variant if c.isalpha()):
                continue
            if len(key) >= 4 and " " not in variant:
                table.setdefault((script, key), territory)
                table.setdefault(("*", key), territory)
    return table


CROSS_SCRIPT_MIN = 6
"""Skeleton letters from which a word in Latin letters may match a country name CLDR writes in
another script."""


def territory_code(word: str, key: str | None = None) -> str | None:
    """The ISO code of the country a single word names (``key``: its skeleton, or a stem of it).

    Skeletons are phonetic across scripts, and matched across scripts a short one meets Latin
    person names: the Greek "Μαρόκο" made "Marco" Morocco, the Chechen "Росси" made "Rossi"
    Russia. So a word in Latin letters matches names in Latin letters, and other scripts' names
    only from :data:`CROSS_SCRIPT_MIN` skeleton letters; a word in another script (Russian
    "Ирана", whose stem CLDR spells in many scripts) matches any.
    """
    key = skeleton(word) if key is None else key
    table = territory_codes()
    script = script_of(word)
    code = table.get((script, key))
    if code is None and (script != "LATIN" or len(key) >= CROSS_SCRIPT_MIN):
        code = table.get(("*", key))
    return code


# Inflectional endings tried when a word is not a country name as written
# (German genitive -s, Slavic and Baltic case endings, English possessive).
_ENDINGS = ("s", "a", "u", "e", "i", "om", "oi", "ei", "es", "en", "ns", "ia", "ami", "ak", "ov")

# Country abbreviations and short forms that CLDR does not list as names, to ISO code (public: the
# canonical and places stages read them too).
COUNTRY_ABBREVIATIONS = {
    "US": "US",
    "USA": "US",
    "U.S.": "US",
    "UK": "GB",
    "UAE": "AE",
    "PRC": "CN",
    "США": "US",
    "РФ": "RU",
    "BRD": "DE",
    "EEUU": "US",
    "EE.UU.": "US",
    "ABD": "US",
}

# Capitalised words that start no name (function words of the supported languages; public: the
# quote stage reads them too).
NAME_STOPWORDS = frozenset(
    """
    the a an and but or if in on at of for to by as it its this that these those
    there then when while after before with from he she we they you i his her our
    their however also yet so not no der die das den dem des ein eine einen einem
    einer eines und aber oder wenn im am zum zur auf aus bei mit nach von vor für
    über unter es er sie wir ihr ich dies diese dieser dieses doch auch noch nun
    so wie als da dann denn nicht kein keine le la les un une des et mais ou si
    dans sur pour par avec il elle ils elles nous vous ce cette ces el lo los las
    y pero en con por para su sus este esta estos estas но и а в на по с из что
    как это он она они мы вы же ли не так также
    """.split()
)


@functools.lru_cache(maxsize=65536)
def name_key(word: str) -> str | None:
    """Key for a name-like word: ``ISO:XX`` for a country, else a skeleton prefix.

    Inflected forms (``Kasachstans``, ``Russlands``, ``Казахстана``) are tried
    with common endings removed; the skeleton is cut to 6 letters so that
    declined surnames (``Tokajews``) still meet.
    """
    if word in COUNTRY_ABBREVIATIONS:
        return "ISO:" + COUNTRY_ABBREVIATIONS[word]
    if word.lower() in NAME_STOPWORDS:
        return None
    base = skeleton(word)
    if len(base) < 3:
        return None
    code = territory_code(word, base)
    if code:
        return "ISO:" + code
    for ending in _ENDINGS:
        ending_skeleton = skeleton(ending) or ending
        if base.endswith(ending_skeleton) and len(base) - len(ending_skeleton) >= 5:
            code = territory_code(word, base[: -len(ending_skeleton)])
            if code:
                return "ISO:" + code
    return base[:6]


@functools.lru_cache(maxsize=1)
def multiword_territory_codes() -> dict[tuple[str, ...], str]:
    """Multi-word country names (``Vereinigte Staaten``) keyed by word prefixes."""
    table: dict[tuple[str, ...], str] = {}
    for territory, name in cldr_territory_names():
        if len(territory) != 2 or not territory.isalpha() or territory in ("EU", "EZ", "UN", "ZZ", "QO"):
            continue
        words = [w for w in re.split(r"[\s\-]+", name.split(" (")[0]) if w[:1].isupper()]
        if len(words) >= 2:
            table.setdefault(tuple(skeleton(w)[:4] for w in words), territory)
    return table


# Frequent German news nouns and noun endings: capitalised, but not names.
_GERMAN_NOUN_ENDINGS = (
    "ung",
    "ungen",
    "heit",
    "heiten",
    "keit",
    "keiten",
    "schaft",
    "schaften",
    "tion",
    "tionen",
    "ität",
    "itäten",
    "nis",
    "nisse",
    "tum",
    "ismus",
    "chen",
    "lein",
    "ment",
    "ments",
    "ierung",
    "ierungen",
    "ssion",
    "sionen",
    "gipfel",
    "treffen",
    "minister",
    "ministerin",
    "ministerium",
    "präsident",
    "präsidentin",
    "politik",
    "staaten",
    "länder",
    "ländern",
    "nationen",
    "sprecher",
    "sprecherin",
    "beamte",
    "beamten",
    "krieg",
    "kriege",
    "partner",
    "abkommen",
)
_GERMAN_COMMON_NOUNS = frozenset(
    """
    jahr jahre jahren jahres woche wochen tag tage tagen monat monate monaten zeit zeiten
    land landes länder ländern staat staates staaten region regionen stadt städte welt
    besuch besuche reise gipfel treffen gespräch gespräche rede erklärung angaben bericht
    berichte berichten krieg krieges kriegs frieden angriff invasion militär armee truppen
    regierung regierungen präsident präsidenten minister ministerin kanzler chef chefs
    beamte beamten vertreter experten experte menschen bürger volk leute kinder frauen männer
    geld dollar euro millionen milliarden prozent wirtschaft handel markt märkte preise
    unternehmen firma firmen bank banken sanktionen sanktion druck hilfe unterstützung
    frage fragen antwort problem probleme thema themen fall ende anfang beginn hintergrund
    seite seiten teil teile weg wege ziel ziele grund gründe rolle platz ort orte haus
    hauptstadt grenze grenzen sicherheit politik zusammenarbeit beziehungen beziehung
    nachbarn partner partnerschaft interesse interessen einfluss macht lage situation
    nachrichten presse medien zeitung agentur sprecher sprecherin polizei gericht recht
    gesetz gesetze wahl wahlen partei parteien opposition mehrheit stimme stimmen
    abstimmung resolution mitglied mitglieder mitgliedern gruppe gruppen rande runde format
    westen osten norden süden öl gas energie klima wasser strom export exporte import importe
    dienstag montag mittwoch donnerstag freitag samstag sonntag januar februar märz april mai
    juni juli august september oktober november dezember morgen abend nacht heute gestern
    """.split()
)


def is_common_german_noun(word: str) -> bool:
    """Whether a capitalised German word is a common noun (a known one, or a typical noun ending), not a name."""
    lower = word.lower()
    return lower in _GERMAN_COMMON_NOUNS or (len(lower) > 5 and lower.endswith(_GERMAN_NOUN_ENDINGS))


def _is_capitalised(token: str) -> bool:
    if token.isupper():
        return 2 <= len(token) <= 5
    return token[:1].isupper()


_TOKEN = re.compile(r"[^\W\d_]+(?:['’.][^\W\d_]+)*\.?", re.UNICODE)
_INITIAL_CONTEXT = re.compile(r"(?:^|[.!?…:;]|[„“”\"«»(\[–—])\s*$")


def name_counts(text: str, language: str | None) -> Counter[str]:
    """Count name keys in ``text`` (see the module docstring for the rules).

    Args:
        text: Cleaned article text; paragraphs separated by newlines.
        language: ISO 639-1 code of the text, or None if unknown.

    Returns:
        A Counter from name key to number of mentions.
    """
    return names_with_surfaces(text, language)[0]


def names_with_surfaces(text: str, language: str | None) -> tuple[Counter[str], dict[str, str]]:
    """Like :func:`name_counts`, plus the most frequent written form of each key."""
    counts: Counter[str] = Counter()
    written: dict[str, Counter[str]] = {}
    noun_capitalising = language in NOUN_CAPITALISING
    evidence: set[str] = set()
    candidates: list[str] = []
    for paragraph in text.split("\n"):
        tokens = []
        for match in _TOKEN.finditer(paragraph):
            word = match.group(0)
            if word.endswith(".") and word not in COUNTRY_ABBREVIATIONS:
                word = word[:-1]
            if word[-2:] in ("'s", "’s"):  # English possessive: Valmera's → Valmera
                word = word[:-2]
            tokens.append((word, match.start(), match.start() + len(word)))
        runs: list[list[int]] = []
        for i, (word, start, _end) in enumerate(tokens):
            if not _is_capitalised(word):
                continue
            # Hyphenated compounds (``US-Unterstützung``) are not runs: their parts stand alone.
            joined = bool(runs) and runs[-1][-1] == i - 1 and paragraph[tokens[i - 1][2] : start] in (" ", "\u00a0")
            if joined:
                runs[-1].append(i)
            else:
                runs.append([i])
        for run in runs:
            initial = bool(_INITIAL_CONTEXT.search(paragraph[: tokens[run[0]][1]]))
            words = [tokens[i][0] for i in run]
            consumed = _match_multiword(words, counts)
            body = [w for j, w in enumerate(words) if j not in consumed]
            core = body[1:] if initial and body and body[0] == words[0] else body
            # Titles and country names do not make a neighbouring noun a name.
            core = [w for w in core if w.lower() not in TITLES and not (name_key(w) or "").startswith("ISO:")]
            previous = tokens[run[0] - 1][0].lower() if run[0] > 0 else ""
            for j, word in enumerate(body):
                before_word = body[j - 1] if j else previous
                if noun_capitalising and is_common_german_noun(word):
                    continue
                key = None if word.lower() in TITLES else name_key(word)
                if key is None:
                    continue
                written.setdefault(key, Counter())[word] += 1
                if key.startswith("ISO:"):
                    counts[key] += 1
                    continue
                is_initial_word = initial and j == 0 and word == words[0]
                if is_initial_word:
                    candidates.append(key)
                elif (len(core) >= 2 and word in core) or before_word.lower() in TITLES or not noun_capitalising:
                    evidence.add(key)
                    counts[key] += 1
                else:
                    candidates.append(key)
    for key in candidates:
        if key in evidence:
            counts[key] += 1
    surfaces = {
        key: country_name(key[4:]) if key.startswith("ISO:") else written[key].most_common(1)[0][0]
        for key in counts
        if key.startswith("ISO:") or key in written
    }
    return counts, surfaces


def country_name(code: str, locale: str = "en") -> str:
    """Display name of an ISO 3166 country code."""
    from babel import Locale

    return str(Locale.parse(locale).territories.get(code, code))


def _match_multiword(words: list[str], counts: Counter[str]) -> set[int]:
    """Count multi-word country names inside a run; return the word positions used."""
    table = multiword_territory_codes()
    used: set[int] = set()
    prefixes = [skeleton(w)[:4] for w in words]
    for size in (3, 2):
        for start in range(0, len(words) - size + 1):
            span = set(range(start, start + size))
            if span & used:
                continue
            code = table.get(tuple(prefixes[start : start + size]))
            if code:
                counts["ISO:" + code] += 1
                used |= span
    return used


def name_vector(counts: Counter[str], country_weight: float = 0.5) -> dict[str, float]:
    """Unit-length name vector: square-root counts, countries down-weighted.

    Countries are shared by every story about a region; people, organisations
    and towns tell one happening from the next, so they weigh more.
    """
    vector = {
        key: math.sqrt(count) * (country_weight if key.startswith("ISO:") else 1.0) for key, count in counts.items()
    }
    norm = math.sqrt(sum(weight * weight for weight in vector.values()))
    return {key: weight / norm for key, weight in vector.items()} if norm else {}


def name_similarity(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine similarity of two name vectors (0 when either is empty)."""
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    common = a.keys() & b.keys()
    if not common:
        return 0.0
    dot = sum(a[key] * b[key] for key in common)
    norm_a = math.sqrt(sum(w * w for w in a.values()))
    norm_b = math.sqrt(sum(w * w for w in b.values()))
    return min(1.0, dot / (norm_a * norm_b))


def shared_names(a: dict[str, float], b: dict[str, float], limit: int = 6) -> list[str]:
    """Keys both vectors hold, strongest first."""
    common = [(min(a[key], b[key]), key) for key in a.keys() & b.keys()]
    return [key for _, key in sorted(common, key=lambda pair: (-pair[0], pair[1]))[:limit]]
